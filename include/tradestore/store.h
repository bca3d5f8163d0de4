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
  // Registers a bot; throws kConflict if the name is taken.
  Bot Create(const Bot& bot);
  // Returns the bot named `bot.name`, creating it from `bot` if missing.
  Bot GetOrCreate(const Bot& bot);
  std::optional<Bot> FindByName(std::string_view name);
  Bot Get(BotId id);  // throws kNotFound
  std::vector<Bot> List(bool include_test = false);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

class AccountRepository {
 public:
  // Creates an account for a bot; throws kConflict if the name is taken.
  Account Create(BotId bot, std::string_view name);
  Account GetOrCreate(BotId bot, std::string_view name);
  Account Get(BotId bot, AccountId id);  // throws kNotFound
  std::vector<Account> List(BotId bot);
  // All balances of an account, by currency.
  std::vector<tradestore::Balance> Balances(BotId bot, AccountId account);
  // The balance in one currency; zero if the account never held it.
  Decimal BalanceOf(BotId bot, AccountId account, std::string_view currency);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

class LedgerRepository {
 public:
  // Posts one entry and updates the balance in the same unit of work;
  // returns the entry with id and balance_after. Throws kInvalidArgument if
  // the amount's sign does not fit the type (deposit > 0, withdrawal < 0,
  // zero amounts refused) or the currency is empty; kNotFound for an
  // unknown account.
  LedgerEntry Post(const LedgerEntry& entry);
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

class SignalRepository {
 public:
  Signal Record(const Signal& signal);
  void MarkActedOn(BotId bot, SignalId id);
  Signal Get(BotId bot, SignalId id);  // throws kNotFound
  std::vector<Signal> List(BotId bot, const TimeRange& range = {});

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

  // Records a fill of an order: the fill (idempotent on bot, venue and
  // venue_fill_id), the order's filled quantity, average price and status
  // (with its event), the position, fee and realized P&L ledger entries in
  // the instrument's quote currency, and the closed trade when the position
  // returns to flat; all in one unit of work. Throws kConflict if the order
  // is in a status that cannot fill (naming id and status) or the fill
  // exceeds its remaining quantity; kInvalidArgument for a non-positive
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

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

struct TradeFilter {
  std::optional<BotId> bot;  // all bots when empty
  std::optional<std::string> strategy;
  TimeRange exit_time;
  bool include_test = false;
};

class TradeRepository {
 public:
  // Closed trades, oldest exit first.
  std::vector<Trade> List(const TradeFilter& filter = {});
  Trade Get(BotId bot, TradeId id);  // throws kNotFound

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

class PortfolioRepository {
 public:
  // Records (or replaces, for the same bot, account and time) a snapshot.
  void Record(const PortfolioSnapshot& snapshot);
  // Snapshots of one account, oldest first: the equity curve.
  std::vector<PortfolioSnapshot> Curve(BotId bot, AccountId account, const TimeRange& range = {});

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
