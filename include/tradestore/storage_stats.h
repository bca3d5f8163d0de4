// `tradestore stats` and `optimize`: storage statistics of a store, and
// its maintenance (ANALYZE, WAL checkpoint, VACUUM).
//
// Each takes a store URL (see store.h) and opens (and so migrates) the
// store like any other command.
//
// Units: sizes in bytes; query times in milliseconds.
// Thread safety: each call opens its own connections. stats runs beside
// writers; so does optimize, except that its VACUUM makes SQLite writers
// wait (busy timeout and retries, store.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tradestore/status.h"

namespace tradestore {

struct IndexStats {
  std::string database;
  std::string table;
  std::string index;
  std::optional<std::int64_t> bytes;        // SQLite dbstat / PostgreSQL pg_relation_size
  std::optional<std::int64_t> scans;        // PostgreSQL pg_stat_user_indexes.idx_scan
  std::optional<std::int64_t> tuples_read;  // PostgreSQL idx_tup_read
  std::string sqlite_stat;                  // SQLite sqlite_stat1 (after ANALYZE)
};

struct QueryStats {
  std::string query;  // normalised text (PostgreSQL pg_stat_statements)
  std::int64_t calls = 0;
  double total_ms = 0;
  double mean_ms = 0;
};

struct StoreStats {
  std::string url;
  std::string backend;
  std::vector<DatabaseStatus> databases;  // sizes and free pages
  std::vector<IndexStats> indexes;
  bool queries_recorded = false;
  std::string queries_note;  // why not, when not recorded
  std::vector<QueryStats> slowest_queries;
};

// Sizes, fragmentation (SQLite free pages; PostgreSQL dead rows), index use
// and the slowest query shapes (PostgreSQL with pg_stat_statements only).
// Opens the store (migrating it like any other command); throws the
// store's errors.
StoreStats GetStats(const std::string& url);
std::string StatsToJson(const StoreStats& stats);

struct OptimizeAction {
  std::string database;
  // "analyze", "pragma optimize", "vacuum", "wal_checkpoint(PASSIVE)",
  // "wal_checkpoint(TRUNCATE)"; a checkpoint that could not finish at once
  // (readers or writers in the WAL) adds " incomplete: the store is in use".
  std::string action;
  std::int64_t bytes_before = 0;
  std::int64_t bytes_after = 0;
};

struct OptimizeResult {
  std::string url;
  std::vector<OptimizeAction> actions;
  std::int64_t bytes_before = 0;
  std::int64_t bytes_after = 0;
  std::int64_t reclaimed() const { return bytes_before - bytes_after; }
};

// SQLite, on every file: ANALYZE and PRAGMA optimize (each a short unit of
// work of its own, on a sample: analysis_limit=1000), VACUUM (when
// `vacuum`), then a PASSIVE WAL checkpoint and a TRUNCATE one, neither of
// which waits for a lock (a store in use is checkpointed as far as it can
// be, and the step says "incomplete"). PostgreSQL: ANALYZE and VACUUM (when
// `vacuum`). Only VACUUM holds a SQLite file's write lock for long (its
// whole rewrite): writers wait meanwhile (busy timeout and retries,
// store.h). Throws kUnavailable only when a step's lock cannot be had
// within those waits.
OptimizeResult Optimize(const std::string& url, bool vacuum);
std::string OptimizeToJson(const OptimizeResult& result);

}  // namespace tradestore
