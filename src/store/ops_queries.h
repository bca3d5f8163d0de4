// The SQL behind tradestore's operator commands (status, check, stats,
// optimize, backup, restore, prune; include/tradestore/{status,check,
// backup,prune}.h): storage sizes and pragmas, integrity checks, the domain
// invariant queries, retention deletes and the SQLite snapshot. The ops
// layer (src/ops) orchestrates these; it writes no SQL of its own.
//
// Not part of the public API.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/store_impl.h"
#include "store/table_io.h"
#include "tradestore/decimal.h"
#include "tradestore/timestamp.h"

namespace tradestore::detail {

// "trading", "market", "analytics".
const char* DatabaseName(Database db);

// ---- Locating a store without opening it ----------------------------------

// The files of a SQLite store URL ("sqlite:DIR", "sqlite:FILE.db", with
// optional "//" and query): (database name, path) for trading, market and
// analytics, or one ("all", path) for a single-file store. Empty for
// PostgreSQL URLs and ":memory:".
struct SqliteFile {
  std::string database;  // "trading", "market", "analytics" or "all"
  std::string path;
};
bool IsPostgresUrl(std::string_view url);
// The URL with any password replaced by "***" (user:PASSWORD@ and
// password=... parameters), for reports and backup manifests.
std::string RedactedUrl(std::string_view url);
std::vector<SqliteFile> SqliteFilesOf(std::string_view url);

// ---- Status and statistics -------------------------------------------------

struct SchemaState {
  std::string database;  // "trading", "market", "analytics" (SQLite) or "all"
  int current = 0;
  int latest = 0;
  std::vector<int> pending;
};
std::vector<SchemaState> SchemaStates(StoreImpl& store);

// Storage of one database: a SQLite file, or on PostgreSQL the schemas that
// hold it (trading = trading + config + audit).
struct StorageInfo {
  std::string database;
  std::string path;                       // SQLite file; "" on PostgreSQL
  std::int64_t bytes = 0;                 // file size / total relation size
  std::optional<std::int64_t> wal_bytes;  // SQLite -wal file; nullopt on PostgreSQL
  std::optional<std::int64_t> page_size;  // SQLite only
  std::optional<std::int64_t> page_count;
  std::optional<std::int64_t> free_pages;  // SQLite freelist_count
  std::optional<std::int64_t> dead_rows;   // PostgreSQL n_dead_tup
  std::optional<Timestamp> file_modified;  // SQLite: newest mtime of file and -wal
};
std::vector<StorageInfo> Storage(StoreImpl& store);

struct TableState {
  const TableInfo* table = nullptr;
  std::int64_t rows = 0;
  std::optional<std::int64_t> test_rows;  // tables with is_test
  // Newest value of the table's record times (time, created_at, updated_at,
  // computed_at, exit_time; candles: their coverage's updated_at).
  std::optional<Timestamp> last_write;
  std::optional<std::string> error;  // the table could not be read
};
std::vector<TableState> TableStates(StoreImpl& store);

struct IndexUse {
  std::string database;
  std::string table;
  std::string index;
  std::optional<std::int64_t> scans;        // PostgreSQL idx_scan
  std::optional<std::int64_t> tuples_read;  // PostgreSQL idx_tup_read
  std::optional<std::int64_t> bytes;        // index size (dbstat / pg_relation_size)
  std::string stat;                         // SQLite sqlite_stat1 stat ("" before ANALYZE)
};
std::vector<IndexUse> IndexUsage(StoreImpl& store);

struct QueryShape {
  std::string query;
  std::int64_t calls = 0;
  double total_ms = 0;
  double mean_ms = 0;
};
// PostgreSQL pg_stat_statements (when the extension is installed), slowest
// total time first; nullopt when nothing records query times (SQLite, or
// the extension missing), with the reason in `why`.
std::optional<std::vector<QueryShape>> SlowestQueries(StoreImpl& store, int limit,
                                                      std::string& why);

struct OptimizeStep {
  std::string database;
  // "analyze", "pragma optimize", "vacuum", "wal_checkpoint(PASSIVE)", then
  // "wal_checkpoint(TRUNCATE)"; a checkpoint that could not finish at once
  // adds " incomplete: the store is in use".
  std::string action;
  std::int64_t bytes_before = 0;
  std::int64_t bytes_after = 0;
};
// ANALYZE / PRAGMA optimize and a WAL checkpoint on every database, and
// VACUUM when asked; sizes before and after each step (SQLite: file plus
// -wal; PostgreSQL: pg_database_size).
std::vector<OptimizeStep> Optimize(StoreImpl& store, bool vacuum);

// ---- Storage integrity -----------------------------------------------------

// PRAGMA integrity_check (first `max_errors` messages) of one SQLite file,
// opened on its own connection; an open failure is reported as a message.
std::vector<std::string> SqliteIntegrityCheck(const std::string& path, int max_errors);
// PRAGMA foreign_key_check: "child table rowid N: no parent row in P".
std::vector<std::string> SqliteForeignKeyCheck(const std::string& path);
// PostgreSQL: constraints of the store's schemas that are not validated
// ("schema.table constraint"), and VALIDATE CONSTRAINT of each when
// `validate` (a constraint that fails to validate is reported).
std::vector<std::string> PostgresUnvalidatedConstraints(StoreImpl& store, bool validate);
// PostgreSQL: every foreign key of the store's schemas re-verified against
// the data (MATCH SIMPLE: rows with a NULL in the key are skipped), as
// SQLite's foreign_key_check does: "schema.table: N rows ... violate foreign
// key NAME (cols) -> parent (cols)". Catches rows written while the
// constraint's triggers were disabled (session_replication_role = replica,
// a restore that bypassed them).
std::vector<std::string> PostgresForeignKeyCheck(StoreImpl& store);
struct AmcheckResult {
  bool available = false;    // the extension is installed in the database
  std::string note;          // why not, when not
  std::int64_t indexes = 0;  // B-tree indexes checked
  std::vector<std::string> problems;
};
AmcheckResult PostgresAmcheck(StoreImpl& store);

// ---- Domain invariants -----------------------------------------------------

// One violated invariant, naming the row(s).
struct RowFinding {
  std::string table;    // "trading.fills"
  std::string row;      // "id=12" or "bot_id=1, account_id=2, currency=USDC"
  std::string message;  // what is wrong, with the values
};

std::vector<RowFinding> OrphanFills(StoreImpl& store);
// Rules every order and fill meets in any state of the store (unlike the
// totals, which hold only once all of an order's fills are in): quantity >
// 0 and 0 <= filled_quantity <= quantity for orders; quantity and price > 0,
// the order's account, instrument and side, and the order's fills summing
// to at most its quantity, for fills.
std::vector<RowFinding> FillRuleViolations(StoreImpl& store);
// Rows of the trading and analytics databases whose instrument_id names no
// row of market.instruments (on SQLite a separate file: a lost or replaced
// market.db): one finding per table and missing instrument, with the count.
std::vector<RowFinding> InstrumentReferences(StoreImpl& store);
// Bots whose counters (trading.bot_counters, kept by triggers) differ from
// the counts of their fills and closed trades.
std::vector<RowFinding> BotCounterMismatches(StoreImpl& store);
std::vector<RowFinding> OrphanOrderEvents(StoreImpl& store);
// Ledger entries whose order_id, fill_id or trade_id names a row that does
// not exist (those columns carry no foreign key: the ledger outlives
// nothing, but a deleted fill leaves its fee entry pointing nowhere).
std::vector<RowFinding> LedgerReferences(StoreImpl& store);
// orders.filled_quantity equals the sum of the order's fills.
std::vector<RowFinding> OrderFillTotals(StoreImpl& store);
// positions.quantity equals buys minus sells of the fills of (bot, account,
// instrument); a fill series without a position row is reported too.
std::vector<RowFinding> PositionNets(StoreImpl& store);
// Each closed trade: net = gross - fees, and fills of its bot, account and
// instrument on the entry side at entry_time and on the exit side at
// exit_time, each side's fills in [entry_time, exit_time] at least the
// trade's quantity.
std::vector<RowFinding> TradeReconciliation(StoreImpl& store);

// A balance against its ledger entries.
struct BalanceMismatch {
  std::int64_t bot_id = 0;
  std::int64_t account_id = 0;
  std::string currency;
  std::optional<Decimal> balance;  // nullopt: entries but no balance row
  Decimal ledger_sum;
  // The ledger's own running balance is consistent: every entry's
  // balance_after equals the sum of the entries up to it, so the ledger is
  // intact and the balance row alone is off (repairable).
  bool ledger_consistent = true;
  std::string first_inconsistent_entry;  // "id=N ..." when not consistent
};
std::vector<BalanceMismatch> BalanceLedgerMismatches(StoreImpl& store);
// Every entry's balance_after equals the running sum of its account and
// currency (names the first broken entry of each series).
std::vector<RowFinding> LedgerRunningBalances(StoreImpl& store);
// Double entry: every journal's legs (ledger entries sharing bot_id and
// journal_id) sum to exactly zero per currency (Decimal sums). One
// imbalance per (bot, journal, currency) whose legs do not, with every leg.
// `single_leg` marks a journal of one leg on a bot account whose
// journal_id is its own id: the shape of the entries written before double
// entry (migration trading/0002, postgres 0004), which were never balanced;
// a journal whose balancing leg was deleted looks the same.
struct JournalLeg {
  std::int64_t id = 0;
  std::int64_t account_id = 0;
  std::string account_kind;  // "bot" or "system" ("" when the account is missing)
  std::string type;          // the entry's type, "deposit", "fee", ...
  Decimal amount;
};
struct JournalImbalance {
  std::int64_t bot_id = 0;
  std::int64_t journal_id = 0;
  std::string currency;
  Decimal sum;  // != 0
  std::vector<JournalLeg> legs;
  bool single_leg = false;
};
std::vector<JournalImbalance> JournalImbalances(StoreImpl& store);
// Repairs one balance from its ledger, in one write unit of work that
// locks the balance first (so a concurrent posting cannot slip between the
// sum and the update): re-reads the series' entries, and only if every
// entry's balance_after is its running sum sets the balance (inserting a
// missing row) to that sum. Returns the (old, new) amounts, old nullopt for
// a missing row; nullopt when the balance already equals the ledger. Throws
// Error(kConflict) naming the first inconsistent entry otherwise (nothing
// changed).
struct BalanceRepair {
  std::optional<Decimal> old_amount;
  Decimal new_amount;
};
std::optional<BalanceRepair> RepairBalanceFromLedger(StoreImpl& store, std::int64_t bot,
                                                     std::int64_t account,
                                                     const std::string& currency);

// Several candles for one (instrument, timeframe, open_time), and candles
// whose open time is not a bucket start of their timeframe.
std::vector<RowFinding> DuplicateCandles(StoreImpl& store);
// Every chunk of market.candle_chunks decodes (checksum, format), and its
// count, first and last open time and checksum equal its row's; no candle
// row lies within a chunk's range and no two chunks of a series overlap
// (src/store/candle_chunks.cc). `formats`, when given, receives how many
// chunks decode as each format version (a corrupt chunk counts nowhere).
std::vector<RowFinding> CandleChunkFindings(StoreImpl& store,
                                            std::map<int, std::int64_t>* formats = nullptr);
// Every (instrument, timeframe) with candles or a coverage row.
struct CandleSeriesKey {
  std::int64_t instrument_id = 0;
  std::string timeframe;
};
std::vector<CandleSeriesKey> CandleSeriesKeys(StoreImpl& store);

// ---- Retention -------------------------------------------------------------

// The kinds `prune` deletes, each with its table and rule (prune.h); a kind
// may span several tables (change-log: one entry per table).
struct PruneKindInfo {
  std::string kind;   // "candles", "order-events", ...
  std::string table;  // "market.candles"
  std::string rule;   // for people
};
const std::vector<PruneKindInfo>& PruneKinds();
// Whether the kind's table exists in this store (some kinds belong to
// tables added by later migrations).
bool PruneTableExists(StoreImpl& store, const PruneKindInfo& kind);
std::int64_t CountPrunable(StoreImpl& store, const PruneKindInfo& kind, Timestamp before);
// Deletes at most `batch` rows of the kind older than `before` in one short
// transaction; returns the number deleted (0 when done).
std::int64_t PruneBatch(StoreImpl& store, const PruneKindInfo& kind, Timestamp before,
                        std::int64_t batch);
// The (instrument, timeframe) series with candles older than `before`, as
// rows or in chunks.
std::vector<CandleSeriesKey> SeriesWithCandlesBefore(StoreImpl& store, Timestamp before);
// Compacted candles (candle_chunks.h) older than `before`: how many there
// are, and deleting them from one series in one unit of work (whole chunks,
// and the chunk straddling `before` written again with the rest) together
// with the series' coverage row, recomputed. Returns the candles deleted.
std::int64_t CountChunkedBefore(StoreImpl& store, Timestamp before);
std::int64_t PruneChunkedCandles(StoreImpl& store, const CandleSeriesKey& series, Timestamp before);

// ---- Backup ----------------------------------------------------------------

// Copies the SQLite files of a store (`sources`, as from SqliteFilesOf) to
// `targets` (same order) as one consistent set: one connection attaches
// every file, opens a read transaction on all of them before copying
// anything, and copies each with the online backup API from that snapshot.
// Writers keep writing meanwhile (WAL); they are never blocked. The sqlite3
// calls are the driver's (sql::SqliteSnapshotFiles), and so is the error
// mapping: a file locked past the busy timeout is kUnavailable, retryable;
// a missing file kNotFound; I/O kStorage.
void SqliteSnapshot(const std::vector<SqliteFile>& sources,
                    const std::vector<std::string>& targets);

// Runs `body` (reads only) inside one snapshot of the store: one REPEATABLE
// READ, READ ONLY transaction on PostgreSQL; on SQLite a deferred read
// transaction on every file, each started before `body` runs (readers never
// block writers in WAL mode). `body` must not write.
void WithSnapshot(StoreImpl& store, const std::function<void()>& body);

// Deletes every row of the catalog's tables (referencing tables first)
// inside the caller's unit of work on each database. On Citus it first
// sets the transaction's citus.multi_shard_modify_mode to sequential, so the
// deletes, and the inserts that follow in the same transaction, may touch
// reference tables after distributed ones (a restore).
void DeleteAllRows(StoreImpl& store);

}  // namespace tradestore::detail
