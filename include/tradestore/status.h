// `tradestore status`: the health of a store at a glance.
//
// Takes a store URL (see store.h) rather than an open Store: status opens
// the store WITHOUT migrating it (so it can report pending migrations and a
// schema newer than this build), and reports a store that cannot be opened
// as not connected instead of throwing. (stats and optimize: storage_stats.h.)
//
// Units: sizes in bytes; times Timestamp (µs UTC).
// Thread safety: each call opens its own connections; calls may run in
// parallel with writers (SQLite WAL readers never block writers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tradestore/candle_repository.h"
#include "tradestore/timestamp.h"

namespace tradestore {

// One database of a store: a SQLite file (trading.db, market.db,
// analytics.db, or "all" for a single-file store), or on PostgreSQL one of
// trading (schemas trading, config, audit), market, analytics.
struct DatabaseStatus {
  std::string name;      // "trading", "market", "analytics" or "all"
  std::string location;  // SQLite: file path; PostgreSQL: "schema trading, config, audit"
  bool connected = false;
  std::string error;  // why not connected
  // Schema: highest applied migration, highest this build knows, and the
  // versions still to apply (PostgreSQL: one series for the whole database).
  int schema_version = 0;
  int latest_version = 0;
  std::vector<int> pending_migrations;
  std::int64_t bytes = 0;                  // SQLite file size; PostgreSQL relation sizes
  std::optional<std::int64_t> wal_bytes;   // SQLite -wal file; nullopt on PostgreSQL
  std::optional<std::int64_t> free_pages;  // SQLite freelist pages (fragmentation)
  std::optional<std::int64_t> page_size;
  std::optional<std::int64_t> dead_rows;  // PostgreSQL n_dead_tup (fragmentation)
  // Newest record time in the data (time, created_at, updated_at,
  // computed_at, exit_time; candles: coverage updated_at). Backtests record
  // simulated times, so this is the newest event's time, not a wall clock.
  std::optional<Timestamp> last_write;
  // SQLite: newest modification time of the file and its -wal.
  std::optional<Timestamp> file_modified;
};

struct TableStatus {
  std::string table;     // "trading.orders"
  std::string database;  // "trading", "market", "analytics"
  std::int64_t rows = 0;
  // Tables with is_test: rows of real data and of test data (rows =
  // real_rows + test_rows). nullopt for tables without is_test.
  std::optional<std::int64_t> real_rows;
  std::optional<std::int64_t> test_rows;
  std::optional<Timestamp> last_write;
  std::string error;  // the table could not be read (e.g. schema too old)
};

// The read replica named by a PostgreSQL URL's read_host/read_port
// (docs/scale-out.md).
struct ReplicaStatus {
  std::string location;  // "host:port" as given in the URL
  bool connected = false;
  std::string error;        // why not connected
  bool is_replica = false;  // the server is in recovery (a standby)
  std::string replay_lsn;   // pg_last_wal_replay_lsn()
  // The primary's WAL insert position minus the replica's replay position
  // (0: caught up); nullopt when not known.
  std::optional<std::int64_t> lag_bytes;
  // Age of the last transaction the replica replayed; it grows while the
  // primary is idle, so it measures lag only while lag_bytes > 0.
  std::optional<double> seconds_since_replay;
};

// How one candle series (instrument, timeframe) is stored: candles as rows
// of market.candles and candles compacted into chunks (docs/storage.md
// "Candle chunks").
struct CandleSeriesStatus {
  std::int64_t instrument_id = 0;
  std::string symbol;
  std::string venue;
  std::string timeframe;  // "1m"
  std::int64_t row_candles = 0;
  std::int64_t chunk_candles = 0;
  std::int64_t chunks = 0;
  std::int64_t chunk_bytes = 0;  // the chunks' encoded size
  // Bytes per candle of the series as stored: each row costs the candle
  // table's bytes on disk (with its index) divided by its rows, each
  // compacted candle its chunk's bytes divided by its candles. nullopt
  // when the backend does not tell the table's size (SQLite without dbstat,
  // Citus) and the series has rows.
  std::optional<double> bytes_per_candle;
  // Of the chunks alone (nullopt without chunks).
  std::optional<double> chunk_bytes_per_candle;
};

struct StoreStatus {
  std::string url;
  std::string backend;     // "sqlite" or "postgres"
  bool connected = false;  // every database connected
  std::string error;       // why the store could not be opened
  std::vector<DatabaseStatus> databases;
  std::vector<TableStatus> tables;
  // PostgreSQL with read_host in the URL: the replica and its lag. Not ok()
  // when it cannot be reached or is not a replica (reads then go to the
  // primary); lag alone does not count against ok().
  std::optional<ReplicaStatus> replica;
  std::vector<CandleSeriesStatus> candle_series;  // by instrument id, then timeframe
  // The compaction policy of imports (CandleRepository::CompactionPolicies:
  // the default first, then by timeframe duration); empty when none is set
  // or the store predates it.
  std::vector<CandleCompactionPolicy> compaction_policies;
  // All well: connected, no pending migration, no newer schema, every table
  // readable.
  bool ok() const;
};

// Throws Error(kInvalidArgument) for a malformed URL and kNotFound for a
// SQLite store whose path does not exist (status never creates a store).
// Other failures are reported in the result (connected = false).
StoreStatus GetStatus(const std::string& url);

// JSON of a status (docs/operations.md): {"url", "backend", "ok",
// "database": {"status": "connected"|"disconnected", "type", "databases":
// {"trading": "connected", ...}, "urls": {...}} (the shape of the legacy
// system status), "databases": [...], "tables": [...], "candle_series":
// [{"instrument_id", "symbol", "venue", "timeframe", "row_candles",
// "chunk_candles", "chunks", "chunk_bytes", "bytes_per_candle",
// "chunk_bytes_per_candle"}], "compaction_policies": [{"timeframe"
// ("default" or "1m", ...), "older_than_us" (µs; 0 = every candle),
// "updated_at"}]}.
std::string StatusToJson(const StoreStatus& status);

}  // namespace tradestore
