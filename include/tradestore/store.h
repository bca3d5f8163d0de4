// The Store: one object per open store, giving the repositories of every aggregate. Each
// repository is declared in its own header (instrument_repository.h, candle_repository.h,
// bot_repository.h, account_repository.h, ledger_repository.h, signal_repository.h,
// order_repository.h, position_repository.h, trade_repository.h, portfolio_repository.h, and
// risk.h, daily_pnl.h, config.h, strategy.h, audit.h, pattern.h, ml_result.h,
// execution_latency.h, news.h, change_feed.h); this header declares the Store and its unit of
// work and includes the first ten.
//
// A store is opened by URL:
//   sqlite:DIR        a directory holding trading.db (trading, config and audit schemas),
//                     market.db and analytics.db, so that a bulk candle import never blocks
//                     a bot's order writes;
//   sqlite:FILE.db    a single file holding every schema (a path that exists as a file, or
//                     ends in .db, .sqlite or .sqlite3);
//   sqlite::memory:   a private in-memory store (tests).
// Query parameters: ?synchronous=normal|full (default normal), ?busy_timeout_ms=N (default
// 5000), ?retry_ms=N (default 30000), ?group_commit=on|off (default on), ?chunk_format=2|3
// (default 3; StoreOptions::chunk_format). A PostgreSQL URL takes chunk_format too.
//
// Busy stores (docs/storage.md, "Waiting for a busy store"): a unit of work that cannot start
// because another writer holds the SQLite write lock waits busy_timeout_ms (polling with short
// jittered delays), and is then started again with jittered exponential backoff (10 ms
// doubling to 1 s) until retry_ms have passed since its first refusal; only then does
// Error(kUnavailable) reach the caller. Retrying the start is always safe: nothing of the unit
// of work has run yet. A write outside a unit of work (a single repository call) is retried
// the same way. retry_ms=0 turns the retries off (kUnavailable after busy_timeout_ms).
//
// Group commit (SQLite, synchronous=full, group_commit=on; docs/storage.md, "Group commit"):
// the units of work of this process on one file queue in-process (in arrival order, up to
// busy_timeout_ms, then kUnavailable as SQLite's busy error) and run on one shared connection,
// where units that queued behind an open one join its transaction, each in a savepoint (a
// failing unit of work rolls back alone; one that leaves a deferred foreign key unresolved is
// refused at its own Commit with kConflict). One COMMIT and one fsync of the WAL file serve the
// batch. Commit returns once its batch is durable: synchronous=full's guarantee. It throws the
// batch's error if the batch's COMMIT or fsync failed: the unit of work was then not committed
// (kUnavailable, retryable, when SQLite rolled the shared transaction back after another
// unit's I/O error). Commit also waits for the units that joined its batch (at most 64; none
// joins 10 ms after the first ended), so a unit of work must never wait for another thread's
// Commit on the same file. A single write call outside a unit of work returns once a shared
// fsync has made it durable. Another connection may read such a write, or a batch, before it
// is durable (with group_commit=off it cannot). A failed WAL fsync fails that commit and every
// later one on the file with kStorage until the store is reopened. group_commit=off, or
// synchronous=normal: one transaction per unit of work, SQLite's own syncs, lock waits by
// polling.
//
// A missing store is created; an older one is migrated; one written by a newer tradestore is
// refused with Error(kConflict) and left unchanged. Units: times are Timestamp (µs UTC); money
// is Decimal (exact); candle prices and volumes are double.
//
// Every method that changes state is one atomic unit of work: it commits whole or not at all.
// Several calls can be grouped in one unit of work with BeginTrading() / BeginMarket(): until
// Commit(), the calls join it, and a UnitOfWork destroyed without Commit() rolls everything
// back. A call that throws inside a unit of work poisons it: its Commit() then rolls back and
// throws Error(kConflict), so nothing half-done can commit. Units of work nest (the inner ones
// join the outermost). Errors: every method throws tradestore::Error (error.h):
// kInvalidArgument for bad values, kNotFound for a missing id, kConflict for a refused domain
// rule (e.g. a fill on a cancelled order) naming the id and state, kUnavailable (retryable)
// when the database stays locked past the busy timeout or a PostgreSQL lock or statement
// timeout expires, kInDoubt when the connection to PostgreSQL was lost during COMMIT (it may
// have committed), kStorage for I/O failure or corruption.
// Thread safety: a Store is not thread-safe; open one per thread (SQLite allows many
// connections to one store; writers take turns).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The repositories the Store gives, one header each (included here so that
// this header alone gives the whole Store).
#include "tradestore/account_repository.h"
#include "tradestore/bot.h"
#include "tradestore/bot_repository.h"
#include "tradestore/candle.h"
#include "tradestore/candle_repository.h"
#include "tradestore/coverage.h"
#include "tradestore/fill.h"
#include "tradestore/instrument.h"
#include "tradestore/instrument_repository.h"
#include "tradestore/ledger.h"
#include "tradestore/ledger_repository.h"
#include "tradestore/order.h"
#include "tradestore/order_repository.h"
#include "tradestore/portfolio.h"
#include "tradestore/portfolio_repository.h"
#include "tradestore/position.h"
#include "tradestore/position_repository.h"
#include "tradestore/repository.h"
#include "tradestore/signal.h"
#include "tradestore/signal_repository.h"
#include "tradestore/timeframe.h"
#include "tradestore/trade.h"
#include "tradestore/trade_repository.h"

namespace tradestore {

namespace detail {
class StoreImpl;
struct StoreAccess;  // src/store/store_impl.h: the internals, for tradestore's own layers
}  // namespace detail
// Repositories declared in their own headers (include the header to use
// the accessor): risk.h, daily_pnl.h, config.h, strategy.h, audit.h,
// pattern.h, ml_result.h, execution_latency.h, news.h, change_feed.h.
class RiskRepository;
class DailyPnlRepository;
class ConfigRepository;
class StrategyRepository;
class AuditRepository;
class PatternRepository;
class MlResultRepository;
class LatencyRepository;
class NewsRepository;
class ChangeFeed;

struct StoreOptions {
  // Overrides of the URL's query parameters, when set.
  std::optional<std::string> synchronous;  // "NORMAL" or "FULL"
  std::optional<int> busy_timeout_ms;
  std::optional<int> retry_ms;
  // Group commit on a SQLite store opened with synchronous FULL (see "Group
  // commit" above): true or false overrides the URL's group_commit=on|off.
  // Ignored on PostgreSQL and with synchronous NORMAL.
  std::optional<bool> group_commit;
  // false: open the store as it is, without applying pending migrations and
  // without refusing a newer schema (for `tradestore status` and `check`,
  // which report the schema version instead; include/tradestore/status.h).
  // Repositories of such a store may fail on a schema they do not know.
  bool migrate = true;
  // PostgreSQL with a read replica in the URL (read_host=, read_port=;
  // docs/scale-out.md): true sends this store's reads outside a unit of
  // work to the replica, once it has replayed this store's own last write
  // and everything committed before the store was opened (waiting up to
  // read_wait_ms, else reading from the primary). Units of work, and so
  // every write, run on the primary. For read-mostly work: reports,
  // analysis, exports. Ignored on SQLite and without read_host.
  bool read_replica = false;
  // The format version of the candle chunks this store writes
  // (docs/storage.md, "Chunk format versions"): 3, the current one, or 2,
  // which builds before format 3 read. Every chunk the store writes
  // (compaction, an import's direct chunks, an upsert into a chunk, a
  // prune) is in it, and CandleRepository::UpgradeChunks rewrites every
  // chunk into it. 2 is for a rolling upgrade of bots sharing a PostgreSQL
  // database, and for going back to an older build (with UpgradeChunks
  // first). Both read either format. Overrides the URL's chunk_format=2|3;
  // another value throws kInvalidArgument at Open.
  std::optional<int> chunk_format;
};

// A group of calls committed together; see Store.
class UnitOfWork {
 public:
  ~UnitOfWork();  // rolls back unless committed; never throws
  UnitOfWork(UnitOfWork&& other) noexcept;
  UnitOfWork(const UnitOfWork&) = delete;
  UnitOfWork& operator=(const UnitOfWork&) = delete;
  UnitOfWork& operator=(UnitOfWork&&) = delete;
  void Commit();

 private:
  friend class Store;
  explicit UnitOfWork(void* connection) : connection_(connection) {}
  void* connection_;  // sql::Connection, opaque here
  bool done_ = false;
};

class Store {
 public:
  // Opens or creates the store at `url` (see above). Throws
  // kInvalidArgument for a malformed URL, kStorage if it cannot be opened,
  // kConflict if it was written by a newer tradestore.
  static Store Open(std::string_view url, const StoreOptions& options = {});
  // The URL used when none is given: $TRADESTORE_URL if set and non-empty,
  // else "sqlite:tradestore-data" (a directory in the working directory).
  static std::string DefaultUrl();

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  const std::string& url() const;

  InstrumentRepository& instruments();
  CandleRepository& candles();
  BotRepository& bots();
  AccountRepository& accounts();
  LedgerRepository& ledger();
  SignalRepository& signals();
  OrderRepository& orders();
  PositionRepository& positions();
  TradeRepository& trades();
  PortfolioRepository& portfolio();
  // Trading database (schemas trading, config and audit).
  RiskRepository& risk();            // risk.h: risk limits and risk events
  ConfigRepository& configs();       // config.h: versioned configurations
  StrategyRepository& strategies();  // strategy.h: strategy definitions
  AuditRepository& audit();          // audit.h: system events and error log
  // Analytics database.
  DailyPnlRepository& daily_pnl();   // daily_pnl.h
  PatternRepository& patterns();     // pattern.h: pattern cache
  MlResultRepository& ml_results();  // ml_result.h
  LatencyRepository& latency();      // execution_latency.h
  NewsRepository& news();            // news.h: news feeds and seen news
  // Every database: what was committed, for a live stream.
  ChangeFeed& changes();  // change_feed.h

  // Groups calls on the trading database (bots, accounts, ledger, signals,
  // orders, fills, positions, trades, portfolio) into one unit of work.
  UnitOfWork BeginTrading();
  // Groups calls on the market database (instruments, candles).
  UnitOfWork BeginMarket();

 private:
  friend struct detail::StoreAccess;
  explicit Store(std::unique_ptr<detail::StoreImpl> impl);
  std::unique_ptr<detail::StoreImpl> impl_;
};

}  // namespace tradestore
