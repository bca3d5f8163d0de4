// Copying a whole store between backends (SQLite <-> PostgreSQL, or
// SQLite -> SQLite), and verifying that two stores hold the same content.
//
// CopyStore copies table by table, referenced tables first, in batches of
// `batch_rows` rows read in key order; each batch commits on its own, and
// ids are kept (PostgreSQL identity sequences are moved past the largest id
// afterwards). It is resumable: if the target already holds some rows of a
// table (an interrupted run, or an earlier --tables run), those rows must be
// exactly the source's first rows in key order (same count and checksum up
// to the target's last key); the copy then continues after that key.
// Anything else in the target is refused with Error(kConflict) naming the
// table, and nothing of that table is changed.
//
// Checksums are backend-independent: FNV-1a 64 over a canonical rendering
// of every row in key order (integers in decimal, exact decimals in
// canonical text, times as µs integers, doubles in shortest round-trip
// form, text length-prefixed, NULL as a marker).
//
// Errors: Error(kInvalidArgument) for an unknown table name or copying a
// store onto itself; kConflict for a target that holds different data or a
// store whose tables this build does not know (a non-empty table or a column
// missing from the catalog: nothing would be copied silently); the stores'
// own errors otherwise.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tradestore/store.h"

namespace tradestore {

struct CopyProgress {
  std::string table;       // "trading.orders"
  std::int64_t done = 0;   // rows copied so far in this run, all tables
  std::int64_t total = 0;  // rows to copy in this run, all tables
};

struct CopyOptions {
  // Qualified ("trading.orders") or bare ("orders") names; all when empty.
  // market.candles brings market.candle_chunks (compacted candles) along.
  std::vector<std::string> tables;
  std::int64_t batch_rows = 5000;
  // Called after each committed batch.
  std::function<void(const CopyProgress&)> progress;
};

// One table's row count and checksum on both sides.
struct TableVerification {
  std::string table;  // "trading.orders"
  std::int64_t source_rows = 0;
  std::int64_t target_rows = 0;
  std::string source_checksum;  // 16 hex digits
  std::string target_checksum;
  std::int64_t copied_rows = 0;   // rows this run inserted
  std::int64_t resumed_rows = 0;  // rows already in the target before it
  bool ok() const { return source_rows == target_rows && source_checksum == target_checksum; }
};

struct CopyResult {
  std::vector<TableVerification> tables;
  std::vector<std::string> warnings;  // e.g. an empty table this build does not know
  bool ok() const;
};

// Copies `from` into `to` and verifies every copied table (see above).
CopyResult CopyStore(Store& from, Store& to, const CopyOptions& options = {});

// Only the verification: counts and checksums of the tables (all when
// `tables` is empty) on both stores; copied_rows and resumed_rows are 0.
CopyResult VerifyStores(Store& from, Store& to, const std::vector<std::string>& tables = {});

}  // namespace tradestore
