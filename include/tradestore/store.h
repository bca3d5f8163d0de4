// The Store: one object per open store, giving the repositories of every
// aggregate.
//
// A store is opened by URL:
//   sqlite:DIR        a directory holding trading.db (trading, config and
//                     audit schemas), market.db and analytics.db, so that a
//                     bulk candle import never blocks a bot's order writes;
//   sqlite:FILE.db    a single file holding every schema (a path that exists
//                     as a file, or ends in .db, .sqlite or .sqlite3);
//   sqlite::memory:   a private in-memory store (tests).
// Query parameters: ?synchronous=normal|full (default normal),
// ?busy_timeout_ms=N (default 5000).
// A missing store is created; an older one is migrated; one written by a
// newer tradestore is refused with Error(kConflict) and left unchanged.
//
// Units: times are Timestamp (µs UTC); money is Decimal (exact); candle
// prices and volumes are double.
//
// Every method that changes state is one atomic unit of work: it commits
// whole or not at all. Several calls can be grouped in one unit of work with
// BeginTrading() / BeginMarket(): until Commit(), the calls join it, and a
// UnitOfWork destroyed without Commit() rolls everything back. A call that
// throws inside a unit of work poisons it: its Commit() then rolls back and
// throws Error(kConflict), so nothing half-done can commit. Units of work
// nest (the inner ones join the outermost).
//
// Errors: every method throws tradestore::Error (error.h): kInvalidArgument
// for bad values, kNotFound for a missing id, kConflict for a refused domain
// rule (e.g. a fill on a cancelled order) naming the id and state,
// kUnavailable when the database stays locked past the busy timeout,
// kStorage for I/O failure or corruption.
//
// Thread safety: a Store is not thread-safe; open one per thread (SQLite
// allows many connections to one store; writers take turns).
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

#include "tradestore/bot.h"
#include "tradestore/candle.h"
#include "tradestore/coverage.h"
#include "tradestore/fill.h"
#include "tradestore/instrument.h"
#include "tradestore/ledger.h"
#include "tradestore/order.h"
#include "tradestore/portfolio.h"
#include "tradestore/position.h"
#include "tradestore/signal.h"
#include "tradestore/timeframe.h"
#include "tradestore/trade.h"

namespace tradestore {

namespace detail {
class StoreImpl;
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
namespace sql {
class Statement;
class BulkWriter;
}  // namespace sql

struct StoreOptions {
  // Overrides of the URL's query parameters, when set.
  std::optional<std::string> synchronous;  // "NORMAL" or "FULL"
  std::optional<int> busy_timeout_ms;
  // false: open the store as it is, without applying pending migrations and
  // without refusing a newer schema (for `tradestore status` and `check`,
  // which report the schema version instead; include/tradestore/status.h).
  // Repositories of such a store may fail on a schema they do not know.
  bool migrate = true;
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

// Filters shared by list queries. Test data is excluded unless asked for.
struct TimeRange {
  std::optional<Timestamp> from;  // inclusive
  std::optional<Timestamp> to;    // exclusive
};

class InstrumentRepository {
 public:
  // Inserts the instrument or, if (venue, symbol) exists, updates its other
  // fields; returns it with its id. Throws kInvalidArgument for an empty
  // symbol or a precision outside 0..18.
  Instrument Upsert(const Instrument& instrument);
  std::optional<Instrument> Find(std::string_view venue, std::string_view symbol);
  Instrument Get(InstrumentId id);  // throws kNotFound
  std::vector<Instrument> List();

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

// Streams candles into the store inside the caller's unit of work (or its
// own, committed by Commit()). Duplicates of an existing key are replaced
// (upsert). Memory stays flat: one reused prepared statement.
class CandleWriter {
 public:
  ~CandleWriter();  // rolls back unless committed
  CandleWriter(CandleWriter&&) noexcept;
  CandleWriter(const CandleWriter&) = delete;
  CandleWriter& operator=(const CandleWriter&) = delete;
  CandleWriter& operator=(CandleWriter&&) = delete;
  void Add(const Candle& candle);
  std::int64_t count() const { return count_; }
  // Commits all candles added; nothing is visible to others before.
  void Commit();

 private:
  friend class CandleRepository;
  CandleWriter(detail::StoreImpl* impl, InstrumentId id, Timeframe tf);
  detail::StoreImpl* impl_;
  std::unique_ptr<sql::BulkWriter> bulk_;  // COPY on PostgreSQL, a prepared upsert on SQLite
  InstrumentId instrument_id_;
  std::string timeframe_;
  std::int64_t count_ = 0;
  bool done_ = false;
};

struct CandleRangeInfo {
  std::int64_t count = 0;
  std::optional<Timestamp> first;
  std::optional<Timestamp> last;
};

class CandleRepository {
 public:
  // Upserts candles of one instrument and timeframe in one unit of work.
  void Upsert(InstrumentId instrument, Timeframe tf, std::span<const Candle> candles);
  // Begins a streaming bulk write (see CandleWriter).
  CandleWriter OpenWriter(InstrumentId instrument, Timeframe tf);
  // Candles with open_time in range, oldest first.
  std::vector<Candle> Range(InstrumentId instrument, Timeframe tf, const TimeRange& range = {});
  // Calls `visit` for each candle in range, oldest first, without loading
  // them all; stops early when it returns false.
  void ForEach(InstrumentId instrument, Timeframe tf, const TimeRange& range,
               const std::function<bool(const Candle&)>& visit);
  CandleRangeInfo Info(InstrumentId instrument, Timeframe tf);

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

class BotRepository {
 public:
  // Registers a bot (its registry fields included); throws kConflict if the
  // name is taken, kInvalidArgument for an empty name or a non-positive
  // risk-limit summary value.
  Bot Create(const Bot& bot);
  // Returns the bot named `bot.name`, creating it from `bot` if missing.
  Bot GetOrCreate(const Bot& bot);
  std::optional<Bot> FindByName(std::string_view name);
  Bot Get(BotId id);  // throws kNotFound
  std::vector<Bot> List(bool include_test = false);

  // Updates the registry fields of bot `bot.id` (version, strategy, mode,
  // equity, equity_currency, max_position, max_daily_loss; not its name,
  // is_test, status or runtime fields) with updated_at = time; returns the
  // bot after. Rows written before keep the version they recorded. Throws
  // kNotFound for an unknown bot, kInvalidArgument for a non-positive
  // risk-limit summary value.
  Bot Update(const Bot& bot, Timestamp time);
  // Records a heartbeat: last_heartbeat_at = time, runtime state and
  // message, and the equity when given (in the bot's equity_currency).
  // Returns the bot after. Throws kNotFound for an unknown bot, kConflict
  // for a retired bot (it may not report any more).
  Bot Heartbeat(BotId id, Timestamp time, std::string_view state, std::string_view message = {},
                std::optional<Decimal> equity = std::nullopt);
  // Sets the registry status (with a message kept as runtime_message).
  // Throws kNotFound for an unknown bot, kConflict when leaving kRetired.
  Bot SetStatus(BotId id, BotStatus status, Timestamp time, std::string_view message = {});
  // Active bots whose last heartbeat is older than now - max_age, or that
  // never sent one: the bots that look dead. Oldest heartbeat first (never
  // first). Excludes test bots unless include_test. Throws kInvalidArgument
  // for a negative max_age.
  std::vector<Bot> ListStale(Timestamp now, Micros max_age, bool include_test = false);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

class AccountRepository {
 public:
  // Creates an account for a bot; throws kConflict if the name is taken,
  // kInvalidArgument for an empty name or a reserved "system:" name.
  Account Create(BotId bot, std::string_view name);
  Account GetOrCreate(BotId bot, std::string_view name);
  Account Get(BotId bot, AccountId id);  // throws kNotFound
  // The bot's accounts by id; its system accounts (ledger.h) only when asked.
  std::vector<Account> List(BotId bot, bool include_system = false);
  // All balances of an account, by currency, with locked amounts.
  std::vector<tradestore::Balance> Balances(BotId bot, AccountId account);
  // The balance in one currency; zero if the account never held it.
  Decimal BalanceOf(BotId bot, AccountId account, std::string_view currency);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

class LedgerRepository {
 public:
  // Posts one movement as a journal: the entry on its account and the
  // balancing leg on the bot's system account for the type (ledger.h),
  // updating both balances in the same unit of work; returns the entry with
  // id, journal_id and balance_after. Throws kInvalidArgument if the
  // amount's sign does not fit the type (deposit > 0, withdrawal < 0, fee
  // any sign, zero amounts refused), the currency is empty, the type is
  // transfer (use Transfer) or the account is a system account; kNotFound
  // for an unknown account.
  LedgerEntry Post(const LedgerEntry& entry);
  // Moves `amount` (> 0) of `currency` from one account of a bot to another
  // as one journal of two transfer legs (-amount, +amount); returns {from
  // leg, to leg}. Throws kInvalidArgument for a non-positive amount, an
  // empty currency or the same account twice; kNotFound for an unknown
  // account.
  std::pair<LedgerEntry, LedgerEntry> Transfer(BotId bot, AccountId from, AccountId to,
                                               std::string_view currency, Decimal amount,
                                               Timestamp time, std::string_view description = {});
  // Entries matching `filter`, oldest first (by time, then id).
  std::vector<LedgerEntry> Query(const LedgerFilter& filter);
  // Exact sums of the entries matching `filter`, by type and currency.
  std::vector<LedgerSum> Sums(const LedgerFilter& filter);
  // The legs of one journal, by id.
  std::vector<LedgerEntry> Journal(BotId bot, std::int64_t journal_id);
  // The balance of an account in a currency at `at`: the exact sum of its
  // entries with time <= at (zero before the first).
  Decimal BalanceAt(BotId bot, AccountId account, std::string_view currency, Timestamp at);
  // Records the account's balances now (one row per currency it holds) with
  // margin fields (ledger.h) as balance-history rows of `kind` at `time`
  // (replacing rows of the same key); returns them. A daily snapshot's time
  // must be a UTC midnight (kInvalidArgument otherwise). Throws kNotFound
  // for an unknown account.
  std::vector<BalanceSnapshot> Snapshot(BotId bot, AccountId account, Timestamp time,
                                        SnapshotKind kind);
  // Balance-history rows of an account, oldest first; all currencies when
  // `currency` is empty; daily and on-demand unless `kind` is given.
  std::vector<BalanceSnapshot> History(BotId bot, AccountId account, std::string_view currency = {},
                                       const TimeRange& range = {},
                                       std::optional<SnapshotKind> kind = std::nullopt);
  // Entries of an account, oldest first; all currencies when empty.
  std::vector<LedgerEntry> Entries(BotId bot, AccountId account, std::string_view currency = {},
                                   const TimeRange& range = {});
  // Sum of an account's entries in a currency, computed from the entries
  // themselves (the balance must equal it).
  Decimal SumEntries(BotId bot, AccountId account, std::string_view currency);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

// Signals (signal.h; src/store/signal_repository.cc). Components are stored
// in trading.signal_components (a child table: one row per component, so
// per-component accuracy is a plain query); filters as JSON arrays of names.
class SignalRepository {
 public:
  // Records a signal and its components in one unit of work; returns it
  // with its id. Throws kInvalidArgument for an empty strategy, a
  // confidence outside [0, 1], a component with an empty or repeated name,
  // a confidence outside [0, 1] or a negative weight, an empty filter name
  // or a filter both passed and failed; kNotFound for an unknown bot.
  Signal Record(const Signal& signal);
  void MarkActedOn(BotId bot, SignalId id);
  // The signal with its components and outcome; throws kNotFound.
  Signal Get(BotId bot, SignalId id);
  // A bot's signals (test ones included, as before), oldest first.
  std::vector<Signal> List(BotId bot, const TimeRange& range = {});
  // Signals matching `filter` (test signals only with include_test), by
  // time then id.
  std::vector<Signal> Find(const SignalFilter& filter);
  // The orders and trades whose signal_id is this signal's. Throws
  // kNotFound for an unknown signal.
  SignalLinks Links(BotId bot, SignalId id);
  // Derives the outcome from the closed trades linked by trades.signal_id
  // (sum of net P&L: > 0 win, < 0 loss, = 0 breakeven; latest exit time)
  // and stores it on the signal; calling again after more trades closed
  // recomputes it. OrderRepository::RecordFill calls it when it closes a
  // trade that names a signal, so callers need it only after editing trades
  // by other means. Throws kNotFound for an unknown signal, kConflict when no
  // closed trade names it yet.
  SignalOutcome RecordOutcome(BotId bot, SignalId id);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

// What recording one fill did, all in one unit of work.
struct FillOutcome {
  bool duplicate = false;  // the (venue, venue_fill_id) was already recorded:
                           // nothing changed and the stored fill is returned
  Fill fill;
  Order order;        // after the fill
  Position position;  // after the fill
  PositionChange change;
  std::optional<Trade> closed_trade;        // when the fill closed (or flipped) a position
  std::vector<LedgerEntry> ledger_entries;  // fee and realized P&L postings
};

class OrderRepository {
 public:
  // Records a new order (status new) and its creation event. Generates a
  // client_order_id when empty. Throws kInvalidArgument for a non-positive
  // quantity, a missing limit or stop price for the type, or a price on a
  // type that takes none; kConflict for a duplicate client_order_id.
  Order Create(const Order& order);
  // Moves an order to `to`, recording an event. Throws kConflict naming the
  // order id and both states if kOrderStatusTransitions does not allow it.
  Order Transition(BotId bot, OrderId id, OrderStatus to, Timestamp time,
                   std::string_view reason = {});
  // Records that a stop or stop-limit order's stop price was reached (kept
  // once; later calls return the order unchanged). Throws kConflict for
  // other order types or terminal orders.
  Order MarkTriggered(BotId bot, OrderId id, Timestamp time);
  Order Get(BotId bot, OrderId id);  // throws kNotFound
  std::optional<Order> FindByClientId(BotId bot, std::string_view client_order_id);
  // Orders not in a terminal status, oldest first.
  std::vector<Order> ListOpen(BotId bot);
  std::vector<Order> List(BotId bot, const TimeRange& range = {});
  std::vector<OrderEvent> Events(BotId bot, OrderId id);

  // Lifecycle shortcuts over Transition (same errors): accepted, with the
  // venue's order id when given (also kept as a "venue_id" event), and
  // cancelled, expired or rejected with a reason (required for reject:
  // kInvalidArgument when empty). All release the order's reservation
  // (ledger.h) when they end it.
  Order Accept(BotId bot, OrderId id, Timestamp time, std::string_view venue_order_id = {});
  Order Cancel(BotId bot, OrderId id, Timestamp time, std::string_view reason = {});
  Order Expire(BotId bot, OrderId id, Timestamp time, std::string_view reason = {});
  Order Reject(BotId bot, OrderId id, Timestamp time, std::string_view reason);
  // Amends an open order in place (see order.h) and recomputes its
  // reservation. Throws kInvalidArgument for an empty amendment, a
  // non-positive value or a price the order type takes none of; kConflict
  // for a terminal order or a quantity not above the filled quantity.
  Order Amend(BotId bot, OrderId id, const OrderAmendment& amendment, Timestamp time,
              std::string_view reason = {});
  // Records a failed attempt to send or change an order: retry_count + 1,
  // last_error, and a "retry" event. Throws kInvalidArgument for an empty
  // error, kConflict for a terminal order.
  Order RecordRetry(BotId bot, OrderId id, Timestamp time, std::string_view error);

  // Records a fill of an order: the fill (idempotent on bot, venue and venue_fill_id: a resend
  // returns the stored fill, duplicate = true; one whose order, quantity, price, fee, fee currency,
  // liquidity or time (when given) differ is kConflict naming each field), the order's filled
  // quantity, average price and status (with its event), the position, fee and realized P&L
  // ledger entries in the instrument's quote currency, and the closed trade when the position
  // returns to flat (with its signal's outcome, SignalRepository::RecordOutcome); all in one
  // unit of work. Throws kConflict if the order is in a status that cannot fill (naming id and
  // status) or the fill exceeds its remaining quantity; kInvalidArgument for a non-positive
  // quantity or price or an empty venue_fill_id.
  FillOutcome RecordFill(const Fill& fill);
  std::vector<Fill> Fills(BotId bot, OrderId id);
  std::vector<Fill> ListFills(BotId bot, const TimeRange& range = {});

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

class PositionRepository {
 public:
  std::optional<Position> Get(BotId bot, AccountId account, InstrumentId instrument);
  // Non-flat positions of a bot.
  std::vector<Position> ListOpen(BotId bot);
  // Records the high and low of a candle against an open position, for the
  // trade's MAE and MFE. No-op when flat.
  void Mark(BotId bot, AccountId account, InstrumentId instrument, Decimal high, Decimal low);
  // Marks an open position to `price` (> 0) at `time`: last price,
  // unrealized P&L, highest/lowest price seen, and the trailing stop: for a
  // long, candidate = highest - trailing_distance (or highest x (1 -
  // trailing_percent)), and the stop loss moves up to it when higher (a
  // "stop_moved" event); shorts mirror it from the lowest price. A
  // "marked" event is kept when record_event. Returns the position; a flat
  // or missing position is returned unchanged (nullopt when missing).
  std::optional<Position> MarkPrice(BotId bot, AccountId account, InstrumentId instrument,
                                    Decimal price, Timestamp time, bool record_event = false);
  // Sets (replaces) the stops of an open position and records a
  // "stops_set" event. Throws kConflict when flat or missing;
  // kInvalidArgument for a non-positive level, both trailing fields, a
  // trailing_percent outside (0, 1), or a stop loss on the wrong side of
  // the last price (long: below it, short: above it).
  Position SetStops(BotId bot, AccountId account, InstrumentId instrument,
                    const StopSettings& stops, Timestamp time);
  // Sets the journal context of the open trade (position.h), merged over
  // what was set before (set fields replace). Throws kConflict when flat or
  // missing; kInvalidArgument for a non-positive price or amount.
  void SetTradeContext(BotId bot, AccountId account, InstrumentId instrument,
                       const TradeContext& context);
  // Events of one position, oldest first.
  std::vector<PositionEvent> Events(BotId bot, AccountId account, InstrumentId instrument);
  // Events of a bot's positions in a time range, oldest first; test data
  // only when include_test.
  std::vector<PositionEvent> ListEvents(BotId bot, const TimeRange& range = {},
                                        bool include_test = false);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

// Filters of TradeRepository::List; each is indexed (see
// docs/data-model.md). Test data is excluded unless include_test.
struct TradeFilter {
  std::optional<BotId> bot;  // all bots when empty
  std::optional<std::string> strategy;
  TimeRange exit_time;
  bool include_test = false;
  std::optional<InstrumentId> instrument;  // the symbol
  std::optional<std::string> regime;
  std::optional<std::string> exit_reason;
  std::optional<std::string> outcome;  // "win", "loss" or "breakeven"
  std::int64_t limit = 0;              // > 0: at most this many
};

class TradeRepository {
 public:
  // Closed trades, oldest exit first. Throws kInvalidArgument for an
  // unknown outcome.
  std::vector<Trade> List(const TradeFilter& filter = {});
  Trade Get(BotId bot, TradeId id);  // throws kNotFound
  // Sets the review fields of a closed trade and reviewed_at = time;
  // returns the trade. Throws kNotFound for an unknown trade,
  // kInvalidArgument for a grade other than "", A-D or F with an optional
  // + or -, or a link that is not an http(s) URL.
  Trade UpdateReview(BotId bot, TradeId id, const TradeReview& review, Timestamp time);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

// Portfolio snapshots (portfolio.h; src/store/portfolio_repository.cc).
class PortfolioRepository {
 public:
  // Records (or replaces, for the same bot, account and time) a snapshot;
  // mode and is_test are the bot's, bot_version the bot's when empty.
  // Throws kInvalidArgument for negative open positions or gross exposure,
  // |net exposure| > gross exposure, a negative VaR or a VaR confidence
  // outside (0, 1); kNotFound for an unknown bot or account.
  void Record(const PortfolioSnapshot& snapshot);
  // Snapshots of one account, oldest first: the equity curve.
  std::vector<PortfolioSnapshot> Curve(BotId bot, AccountId account, const TimeRange& range = {});
  // For each bot and account, its latest snapshot at or before `at`, by bot
  // and account; test bots' only with include_test.
  std::vector<PortfolioSnapshot> Latest(Timestamp at, bool include_test = false);
  // The sum of Latest(at, include_test) across bots (exact decimals; VaR is
  // not additive and is left out).
  PortfolioTotal Total(Timestamp at, bool include_test = false);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
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

  // The store's internals for tradestore's own layers (ops, tests).
  detail::StoreImpl& impl() { return *impl_; }

 private:
  explicit Store(std::unique_ptr<detail::StoreImpl> impl);
  std::unique_ptr<detail::StoreImpl> impl_;
};

}  // namespace tradestore
