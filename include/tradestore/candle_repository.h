// CandleRepository and CandleWriter: OHLCV candles and their coverage
// (src/store/market_repositories.cc, src/store/coverage_repository.cc).
//
// Obtained from Store (store.h); units, errors and thread safety as stated
// there.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tradestore/candle.h"
#include "tradestore/coverage.h"
#include "tradestore/instrument.h"
#include "tradestore/repository.h"
#include "tradestore/timeframe.h"

namespace tradestore {

namespace sql {
class BulkWriter;
}  // namespace sql

// How a CandleWriter stores what it is given.
struct CandleWriterOptions {
  // Candles with open_time < compact_before (every candle: INT64_MAX µs)
  // are stored compacted, in chunks of at most 2,048 candles, as Compact
  // would leave them. While they arrive in ascending open_time and the
  // series has no candle stored in a run's range, a run is encoded straight
  // into a chunk without passing through rows (memory stays one run); any
  // other candle is written as a row and compacted at Commit. Either way in
  // the writer's unit of work. nullopt: rows only (Compact may move them
  // later).
  std::optional<Timestamp> compact_before;
};

// A compaction policy of imports (CandleRepository::SetCompactionPolicy).
struct CandleCompactionPolicy {
  std::optional<Timeframe> timeframe;  // nullopt: the default, for every other timeframe
  Micros older_than = 0;               // µs; 0: every candle
  Timestamp updated_at;                // when set (µs UTC)
};

// What a CandleWriter compacted (meaningful after Commit).
struct CandleCompaction {
  std::int64_t series = 0;   // series that had candles to compact
  std::int64_t candles = 0;  // candles stored in chunks (rows moved or written directly)
  std::int64_t chunks = 0;   // chunks written
  std::int64_t bytes = 0;    // their encoded size
};

// What CandleRepository::UpgradeChunks rewrote.
struct CandleChunkUpgrade {
  std::int64_t series = 0;        // series that had a chunk of an older format
  std::int64_t chunks = 0;        // chunks rewritten
  std::int64_t candles = 0;       // the candles in them
  std::int64_t bytes_before = 0;  // their encoded size before
  std::int64_t bytes_after = 0;   // and after
};

// Streams candles into the store inside the caller's unit of work (or its
// own, committed by Commit()). Duplicates of an existing key are replaced
// (upsert); of two candles added with the same open_time the later wins.
// Memory stays flat: one reused prepared statement (COPY on PostgreSQL)
// and, when compacting, one run of at most 2,048 candles.
class CandleWriter {
 public:
  ~CandleWriter();  // rolls back unless committed
  CandleWriter(CandleWriter&&) noexcept;
  CandleWriter(const CandleWriter&) = delete;
  CandleWriter& operator=(const CandleWriter&) = delete;
  CandleWriter& operator=(CandleWriter&&) = delete;
  // Throws as the store's writes do (kStorage, kUnavailable, kInvalidArgument
  // for a time outside the store's range); the unit of work is then lost.
  void Add(const Candle& candle);
  std::int64_t count() const { return count_; }
  // Commits all candles added; nothing is visible to others before.
  void Commit();
  // The chunks written under CandleWriterOptions::compact_before (zero
  // otherwise), after Commit.
  const CandleCompaction& compaction() const { return compaction_; }

 private:
  friend class CandleRepository;
  CandleWriter(detail::StoreImpl* impl, InstrumentId id, Timeframe tf,
               const CandleWriterOptions& options);
  void AddRow(const Candle& candle);
  void FlushRun();
  // Before the first write (a row or a chunk): locks the series against
  // other writers (PostgreSQL) and decides row_path_.
  void StartWriting();
  detail::StoreImpl* impl_;
  std::unique_ptr<sql::BulkWriter> bulk_;  // open while rows stream in
  InstrumentId instrument_id_;
  std::string timeframe_;
  CandleWriterOptions options_;
  std::vector<Candle> run_;  // ascending candles bound for the next chunk
  CandleCompaction compaction_;
  std::int64_t count_ = 0;
  std::int64_t rows_ = 0;  // of count_, written as rows
  Timestamp min_time_;     // of the rows written, to find chunks they land in
  Timestamp max_time_;
  // How rows are written (PostgreSQL): kDirect COPYs them straight into
  // market.candles, while the series held nothing when the first row came
  // and the rows' times strictly increase; kUpsert stages and upserts them.
  enum class RowPath { kUndecided, kDirect, kUpsert };
  RowPath row_path_ = RowPath::kUndecided;
  bool done_ = false;
};

// The process-wide cache of decoded chunks (docs/storage.md "Candle
// chunks"). Reads of compacted candles decode a chunk once and keep its
// candles, shared by every Store of the process, least recently used out
// first. Entries are keyed by the chunk's checksum and time range, so a
// chunk rewritten by any process or connection is read afresh, never
// served stale. Thread-safe.
struct CandleChunkCacheStatistics {
  std::int64_t hits = 0;    // chunk reads answered from the cache
  std::int64_t misses = 0;  // chunk reads that decoded the chunk
  std::int64_t chunks = 0;  // chunks held now
  std::int64_t bytes = 0;   // their decoded size, bytes
  std::int64_t capacity_bytes = 0;
};
// Sets the cache's capacity in bytes of decoded candles (56 bytes each;
// default 64 MiB, about 1.2M candles); 0 turns the cache off and empties it.
void SetCandleChunkCacheCapacity(std::int64_t bytes);
CandleChunkCacheStatistics CandleChunkCache();

struct CandleRangeInfo {
  std::int64_t count = 0;
  std::optional<Timestamp> first;
  std::optional<Timestamp> last;
};

class CandleRepository {
 public:
  // Upserts candles of one instrument and timeframe in one unit of work.
  void Upsert(InstrumentId instrument, Timeframe tf, std::span<const Candle> candles);
  // Begins a streaming bulk write (see CandleWriter, CandleWriterOptions).
  // Throws kNotFound for an unknown instrument.
  CandleWriter OpenWriter(InstrumentId instrument, Timeframe tf,
                          const CandleWriterOptions& options = {});
  // Candles with open_time in range, oldest first.
  std::vector<Candle> Range(InstrumentId instrument, Timeframe tf, const TimeRange& range = {});
  // Calls `visit` for each candle in range, oldest first, without loading
  // them all; stops early when it returns false.
  void ForEach(InstrumentId instrument, Timeframe tf, const TimeRange& range,
               const std::function<bool(const Candle&)>& visit);
  CandleRangeInfo Info(InstrumentId instrument, Timeframe tf);

  // Compaction (docs/storage.md "Candle chunks"). Moves the candles stored
  // as rows with open_time < `before` (every row when nullopt) into
  // compressed chunks of at most 2,048 candles (src/core/candle_chunk.h),
  // of one instrument or all, one timeframe or all; each series is one unit
  // of work. Every reader and writer sees compacted candles as before: the
  // values read back bit-identical, and an upsert into a compacted range
  // rewrites its chunk in the writer's unit of work. Throws kNotFound for an
  // unknown instrument.
  CandleCompaction Compact(std::optional<InstrumentId> instrument = std::nullopt,
                           std::optional<Timeframe> tf = std::nullopt,
                           std::optional<Timestamp> before = std::nullopt);

  // Rewrites every chunk of another format version than the store writes
  // (StoreOptions::chunk_format: 3 unless the store was opened with 2) in
  // that one, of one instrument or all, one timeframe or all; each series is
  // one unit of work. By default this upgrades the chunks of builds before
  // format version 3 (versions 1 and 2; format 3 decodes faster); on a store
  // opened with chunk_format=2 it rewrites format 3 chunks in format 2, so
  // that a build before format 3 can read the store (docs/storage.md,
  // "Chunk format versions"). The candles read back bit-identical; chunks
  // already in the format are left as they are. A store never needs the
  // upgrade (old chunks stay readable, and a chunk is written in the store's
  // format whenever it is rewritten). Throws kNotFound for an unknown
  // instrument, kStorage for a corrupt chunk (nothing of its series is
  // changed).
  CandleChunkUpgrade UpgradeChunks(std::optional<InstrumentId> instrument = std::nullopt,
                                   std::optional<Timeframe> tf = std::nullopt);

  // The compaction policy of imports (docs/storage.md, "Compaction
  // policy"), kept in the store (market.candle_compaction_policy) so that
  // every import of it applies the same one: ImportCandles (the CLI's
  // `import candles`, Python's import_candles) of a series of timeframe
  // `tf` stores its candles older than `older_than` µs at the time of the
  // import as chunks, in the import's unit of work, unless the import sets
  // its own CandleImportOptions::compact_before or opts out
  // (apply_compaction_policy). `tf` nullopt is the default, for every
  // timeframe without a policy of its own. `older_than` 0 compacts every
  // candle opened before the import; a day (86,400,000,000) leaves the last
  // day's candles as rows.
  // SetCompactionPolicy replaces the timeframe's policy; throws
  // kInvalidArgument for a negative age (naming it).
  void SetCompactionPolicy(std::optional<Timeframe> tf, Micros older_than);
  // Removes the timeframe's policy (the default when nullopt); false when
  // there was none.
  bool ClearCompactionPolicy(std::optional<Timeframe> tf);
  // Every policy, the default first, then by timeframe duration.
  std::vector<CandleCompactionPolicy> CompactionPolicies();
  // The policy an import of timeframe `tf` applies: its own, else the
  // default; nullopt when neither is set.
  std::optional<CandleCompactionPolicy> CompactionPolicyFor(Timeframe tf);
  // The CandleWriterOptions::compact_before that the policy of `tf` gives a
  // write at `now` (µs UTC): now minus the policy's age (clamped to the
  // oldest representable time); nullopt when no policy applies. What
  // ImportCandles and Python's write_candles use.
  std::optional<Timestamp> CompactionCutoffFor(Timeframe tf, Timestamp now = Timestamp::Now());

  // SQL access to compacted candles on PostgreSQL (docs/storage.md,
  // "Reading compacted candles with SQL"): creates or replaces the function
  // market.candle_chunk_rows(data bytea), one row per candle of a chunk
  // (open_time timestamptz, open/high/low/close/volume double precision,
  // trades bigint, NULL = unknown), from the C function in the module
  // `module_path` (libtradestore_pg.so: an absolute path, or $libdir/...;
  // readable by the server), and the view market.all_candles: every candle,
  // rows and chunks, with the columns of market.candles. In one unit of
  // work; safe to run again. Needs a superuser (C functions). Throws
  // kInvalidArgument on SQLite (its sqlite3 shell loads libtradestore_sqlite
  // instead) or for a relative path or one with a quote or NUL; kStorage
  // when the server cannot load the module (message from the server).
  void CreateSqlRowAccess(const std::string& module_path);

  // Coverage (coverage.h; src/store/coverage_repository.cc).
  // Recomputes the coverage row of one series from its stored candles and
  // saves it (deleting it when the series is empty), inside the caller's unit
  // of work if one is open; returns it (nullopt when empty). Imports call it
  // after writing. Throws kNotFound for an unknown instrument.
  std::optional<CandleCoverage> RefreshCoverage(InstrumentId instrument, Timeframe tf);
  // Stores a coverage row computed elsewhere (e.g. by an import that saw
  // every candle of a new series); replaces the series' existing row.
  void SaveCoverage(const CandleCoverage& coverage);
  // Stored coverage rows, by instrument and timeframe; one instrument's, or
  // every instrument's when `instrument` is nullopt, optionally of one
  // timeframe.
  std::vector<CandleCoverage> Coverage(std::optional<InstrumentId> instrument = std::nullopt,
                                       std::optional<Timeframe> tf = std::nullopt);
  // The gaps of one series, oldest first, computed from the candles (not
  // from the coverage table); at most `limit` when > 0.
  std::vector<CandleGap> Gaps(InstrumentId instrument, Timeframe tf, std::int64_t limit = 0);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
