// Orders, fills, positions and closed trades: the execution path. Recording
// a fill updates all of them and the ledger in one unit of work.
#include <algorithm>
#include <random>
#include <string>

#include "store/ledger_internal.h"
#include "store/query_util.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::BindRange;
using detail::Database;
using detail::RangeSql;

namespace {

constexpr std::string_view kOrderColumns =
    "id, bot_id, account_id, instrument_id, client_order_id, venue_order_id, signal_id, "
    "strategy, side, type, time_in_force, quantity, limit_price, stop_price, status, "
    "filled_quantity, average_fill_price, reason, exit_reason, mode, is_test, created_at, "
    "updated_at, triggered_at";

Order ReadOrder(const sql::Statement& st) {
  Order o;
  o.id = st.GetInt64(0);
  o.bot_id = st.GetInt64(1);
  o.account_id = st.GetInt64(2);
  o.instrument_id = st.GetInt64(3);
  o.client_order_id = st.GetText(4);
  o.venue_order_id = st.GetText(5);
  o.signal_id = st.GetOptionalInt64(6);
  o.strategy = st.GetText(7);
  o.side = ParseSide(st.GetText(8));
  o.type = ParseOrderType(st.GetText(9));
  o.time_in_force = ParseTimeInForce(st.GetText(10));
  o.quantity = st.GetDecimal(11);
  o.limit_price = st.GetOptionalDecimal(12);
  o.stop_price = st.GetOptionalDecimal(13);
  o.status = ParseOrderStatus(st.GetText(14));
  o.filled_quantity = st.GetDecimal(15);
  o.average_fill_price = st.GetOptionalDecimal(16);
  o.reason = st.GetText(17);
  o.exit_reason = st.GetText(18);
  o.mode = ParseRunMode(st.GetText(19));
  o.is_test = st.GetBool(20);
  o.created_at = st.GetTimestamp(21);
  o.updated_at = st.GetTimestamp(22);
  if (!st.IsNull(23)) o.triggered_at = st.GetTimestamp(23);
  return o;
}

constexpr std::string_view kFillColumns =
    "id, bot_id, order_id, instrument_id, account_id, venue, venue_fill_id, side, quantity, "
    "price, fee, fee_currency, liquidity, time";

Fill ReadFill(const sql::Statement& st) {
  Fill f;
  f.id = st.GetInt64(0);
  f.bot_id = st.GetInt64(1);
  f.order_id = st.GetInt64(2);
  f.instrument_id = st.GetInt64(3);
  f.account_id = st.GetInt64(4);
  f.venue = st.GetText(5);
  f.venue_fill_id = st.GetText(6);
  f.side = ParseSide(st.GetText(7));
  f.quantity = st.GetDecimal(8);
  f.price = st.GetDecimal(9);
  f.fee = st.GetDecimal(10);
  f.fee_currency = st.GetText(11);
  f.liquidity = ParseLiquidity(st.GetText(12));
  f.time = st.GetTimestamp(13);
  return f;
}

constexpr std::string_view kTradeColumns =
    "id, bot_id, account_id, instrument_id, strategy, side, entry_time, exit_time, entry_price, "
    "exit_price, quantity, gross_pnl, fees, net_pnl, mae, mfe, exit_reason, signal_id, mode, "
    "is_test";

Trade ReadTrade(const sql::Statement& st) {
  Trade t;
  t.id = st.GetInt64(0);
  t.bot_id = st.GetInt64(1);
  t.account_id = st.GetInt64(2);
  t.instrument_id = st.GetInt64(3);
  t.strategy = st.GetText(4);
  t.side = ParseSide(st.GetText(5));
  t.entry_time = st.GetTimestamp(6);
  t.exit_time = st.GetTimestamp(7);
  t.entry_price = st.GetDecimal(8);
  t.exit_price = st.GetDecimal(9);
  t.quantity = st.GetDecimal(10);
  t.gross_pnl = st.GetDecimal(11);
  t.fees = st.GetDecimal(12);
  t.net_pnl = st.GetDecimal(13);
  t.mae = st.GetDecimal(14);
  t.mfe = st.GetDecimal(15);
  t.exit_reason = st.GetText(16);
  t.signal_id = st.GetOptionalInt64(17);
  t.mode = ParseRunMode(st.GetText(18));
  t.is_test = st.GetBool(19);
  return t;
}

// A position row: the public Position plus the running state of its trade.
struct PositionRow {
  Position position;
  Decimal trade_max_quantity;
  Decimal trade_exit_quantity;
  Decimal trade_exit_notional;
  Decimal trade_gross_pnl;
  Decimal trade_fees;
  std::optional<Decimal> trade_high;
  std::optional<Decimal> trade_low;
  std::optional<SignalId> trade_signal_id;
  std::string trade_strategy;

  // Starts a new trade's state from an opening fill.
  void StartTrade(const Order& order, Decimal open_qty, Decimal price, Decimal fee) {
    trade_max_quantity = open_qty;
    trade_exit_quantity = trade_exit_notional = trade_gross_pnl = Decimal();
    trade_fees = fee;
    trade_high = trade_low = price;
    trade_signal_id = order.signal_id;
    trade_strategy = order.strategy;
  }
  void SeePrice(Decimal price) {
    trade_high = trade_high ? std::max(*trade_high, price) : price;
    trade_low = trade_low ? std::min(*trade_low, price) : price;
  }
};

constexpr std::string_view kPositionColumns =
    "bot_id, account_id, instrument_id, quantity, average_entry_price, realized_pnl, fees, "
    "opened_at, updated_at, trade_max_quantity, trade_exit_quantity, trade_exit_notional, "
    "trade_gross_pnl, trade_fees, trade_high, trade_low, trade_signal_id, trade_strategy";

PositionRow ReadPositionRow(const sql::Statement& st) {
  PositionRow r;
  Position& p = r.position;
  p.bot_id = st.GetInt64(0);
  p.account_id = st.GetInt64(1);
  p.instrument_id = st.GetInt64(2);
  p.quantity = st.GetDecimal(3);
  p.average_entry_price = st.GetDecimal(4);
  p.realized_pnl = st.GetDecimal(5);
  p.fees = st.GetDecimal(6);
  p.opened_at = st.GetTimestamp(7);
  p.updated_at = st.GetTimestamp(8);
  r.trade_max_quantity = st.GetDecimal(9);
  r.trade_exit_quantity = st.GetDecimal(10);
  r.trade_exit_notional = st.GetDecimal(11);
  r.trade_gross_pnl = st.GetDecimal(12);
  r.trade_fees = st.GetDecimal(13);
  r.trade_high = st.GetOptionalDecimal(14);
  r.trade_low = st.GetOptionalDecimal(15);
  r.trade_signal_id = st.GetOptionalInt64(16);
  r.trade_strategy = st.GetText(17);
  return r;
}

// `lock`: the read of a read-modify-write inside a unit of work
// (Connection::ForUpdate).
std::optional<PositionRow> LoadPositionRow(sql::Connection& c, BotId bot, AccountId account,
                                           InstrumentId instrument, bool lock = false) {
  static const std::string kSql = "SELECT " + std::string(kPositionColumns) +
                                  " FROM trading.positions WHERE bot_id = ? AND account_id = ? "
                                  "AND instrument_id = ?";
  auto& st = lock ? c.PrepareForUpdate(kSql) : c.Prepare(kSql);
  st.Bind(1, bot).Bind(2, account).Bind(3, instrument);
  std::optional<PositionRow> out;
  if (st.Step()) out = ReadPositionRow(st);
  st.Reset();
  return out;
}

void SavePositionRow(sql::Connection& c, const PositionRow& r) {
  const Position& p = r.position;
  static const std::string kSql =
      "INSERT INTO trading.positions (" + std::string(kPositionColumns) +
      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (bot_id, account_id, instrument_id) DO UPDATE SET "
      "quantity = excluded.quantity, average_entry_price = excluded.average_entry_price, "
      "realized_pnl = excluded.realized_pnl, fees = excluded.fees, opened_at = "
      "excluded.opened_at, updated_at = excluded.updated_at, trade_max_quantity = "
      "excluded.trade_max_quantity, trade_exit_quantity = excluded.trade_exit_quantity, "
      "trade_exit_notional = excluded.trade_exit_notional, trade_gross_pnl = "
      "excluded.trade_gross_pnl, trade_fees = excluded.trade_fees, trade_high = "
      "excluded.trade_high, trade_low = excluded.trade_low, trade_signal_id = "
      "excluded.trade_signal_id, trade_strategy = excluded.trade_strategy";
  auto& st = c.Prepare(kSql);
  st.Bind(1, p.bot_id).Bind(2, p.account_id).Bind(3, p.instrument_id).Bind(4, p.quantity);
  st.Bind(5, p.average_entry_price).Bind(6, p.realized_pnl).Bind(7, p.fees);
  st.Bind(8, p.opened_at).Bind(9, p.updated_at).Bind(10, r.trade_max_quantity);
  st.Bind(11, r.trade_exit_quantity).Bind(12, r.trade_exit_notional);
  st.Bind(13, r.trade_gross_pnl).Bind(14, r.trade_fees).Bind(15, r.trade_high);
  st.Bind(16, r.trade_low).Bind(17, r.trade_signal_id).Bind(18, r.trade_strategy);
  st.Execute();
}

std::string GenerateClientOrderId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* kHex = "0123456789abcdef";
  std::string id = "ts-";
  std::uint64_t v = rng();
  for (int i = 0; i < 16; ++i, v >>= 4) id += kHex[v & 15];
  return id;
}

std::string OrderName(const Order& o) {
  return "order " + std::to_string(o.id) + " (" + o.client_order_id + ")";
}

void InsertOrderEvent(sql::Connection& c, const Order& o, std::optional<OrderStatus> from,
                      OrderStatus to, Timestamp time, std::string_view reason) {
  auto& st = c.Prepare(
      "INSERT INTO trading.order_events (bot_id, order_id, time, from_status, to_status, reason) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  st.Bind(1, o.bot_id).Bind(2, o.id).Bind(3, time);
  if (from) {
    st.Bind(4, ToString(*from));
  } else {
    st.BindNull(4);
  }
  st.Bind(5, ToString(to)).Bind(6, reason).Execute();
}

}  // namespace

// ---- orders ----------------------------------------------------------------

Order OrderRepository::Create(const Order& order) {
  // Error messages are built only when there is something to report.
  auto what = [&order] { return "order " + order.client_order_id; };
  if (!order.quantity.IsPositive()) {
    throw InvalidArgument(what() + ": field 'quantity' value '" + order.quantity.ToString() +
                          "' must be positive");
  }
  const bool needs_limit = order.type == OrderType::kLimit || order.type == OrderType::kStopLimit;
  const bool needs_stop = order.type == OrderType::kStop || order.type == OrderType::kStopLimit;
  if (needs_limit != order.limit_price.has_value()) {
    throw InvalidArgument(what() + ": a " + std::string(ToString(order.type)) + " order " +
                          (needs_limit ? "needs" : "takes no") + " limit_price");
  }
  if (needs_stop != order.stop_price.has_value()) {
    throw InvalidArgument(what() + ": a " + std::string(ToString(order.type)) + " order " +
                          (needs_stop ? "needs" : "takes no") + " stop_price");
  }
  for (const auto& price : {order.limit_price, order.stop_price}) {
    if (price && !price->IsPositive()) {
      throw InvalidArgument(what() + ": prices must be positive, got '" + price->ToString() + "'");
    }
  }
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  impl_->accounts.Get(order.bot_id, order.account_id);
  Order out = order;
  if (out.client_order_id.empty()) out.client_order_id = GenerateClientOrderId();
  if (out.created_at == Timestamp()) out.created_at = Timestamp::Now();
  out.updated_at = out.created_at;
  out.status = OrderStatus::kNew;
  out.filled_quantity = Decimal();
  out.average_fill_price.reset();
  out.triggered_at.reset();
  // A taken client_order_id inserts nothing and returns no id: the unique
  // key answers in the same step instead of a SELECT before the INSERT.
  auto& st = c.Prepare(
      "INSERT INTO trading.orders (bot_id, account_id, instrument_id, client_order_id, "
      "venue_order_id, signal_id, strategy, side, type, time_in_force, quantity, limit_price, "
      "stop_price, status, filled_quantity, average_fill_price, reason, exit_reason, mode, "
      "is_test, created_at, updated_at) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (bot_id, client_order_id) DO NOTHING RETURNING id");
  st.Bind(1, out.bot_id).Bind(2, out.account_id).Bind(3, out.instrument_id);
  st.Bind(4, out.client_order_id).Bind(5, out.venue_order_id).Bind(6, out.signal_id);
  st.Bind(7, out.strategy).Bind(8, ToString(out.side)).Bind(9, ToString(out.type));
  st.Bind(10, ToString(out.time_in_force)).Bind(11, out.quantity).Bind(12, out.limit_price);
  st.Bind(13, out.stop_price).Bind(14, ToString(out.status)).Bind(15, out.filled_quantity);
  st.Bind(16, out.average_fill_price).Bind(17, out.reason).Bind(18, out.exit_reason);
  st.Bind(19, ToString(out.mode)).Bind(20, out.is_test).Bind(21, out.created_at);
  st.Bind(22, out.updated_at);
  if (!st.Step()) {
    st.Reset();
    throw Conflict("order with client_order_id '" + out.client_order_id + "' already exists");
  }
  out.id = st.GetInt64(0);
  st.Reset();
  InsertOrderEvent(c, out, std::nullopt, OrderStatus::kNew, out.created_at, "created");
  tx.Commit();
  return out;
}

namespace {

// `lock`: the read of a read-modify-write inside a unit of work
// (Connection::ForUpdate).
Order LoadOrder(sql::Connection& c, BotId bot, OrderId id, bool lock) {
  static const std::string kSql =
      "SELECT " + std::string(kOrderColumns) + " FROM trading.orders WHERE bot_id = ? AND id = ?";
  auto& st = lock ? c.PrepareForUpdate(kSql) : c.Prepare(kSql);
  st.Bind(1, bot).Bind(2, id);
  if (!st.Step()) {
    throw NotFound("order " + std::to_string(id) + " of bot " + std::to_string(bot) +
                   " does not exist");
  }
  Order out = ReadOrder(st);
  st.Reset();
  return out;
}

}  // namespace

Order OrderRepository::Transition(BotId bot, OrderId id, OrderStatus to, Timestamp time,
                                  std::string_view reason) {
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  Order o = LoadOrder(c, bot, id, /*lock=*/true);
  if (!CanTransition(o.status, to)) {
    throw Conflict(OrderName(o) + " is " + std::string(ToString(o.status)) + " and cannot become " +
                   std::string(ToString(to)));
  }
  const OrderStatus from = o.status;
  o.status = to;
  o.updated_at = time;
  const bool keeps_reason =
      to == OrderStatus::kCancelled || to == OrderStatus::kRejected || to == OrderStatus::kExpired;
  if (keeps_reason) o.reason = std::string(reason);
  c.Prepare(
       "UPDATE trading.orders SET status = ?, updated_at = ?, reason = ? WHERE bot_id = ? "
       "AND id = ?")
      .Bind(1, ToString(to))
      .Bind(2, time)
      .Bind(3, o.reason)
      .Bind(4, bot)
      .Bind(5, id)
      .Execute();
  InsertOrderEvent(c, o, from, to, time, reason);
  tx.Commit();
  return o;
}

Order OrderRepository::Get(BotId bot, OrderId id) {
  return LoadOrder(impl_->connection(Database::kTrading), bot, id, /*lock=*/false);
}

Order OrderRepository::MarkTriggered(BotId bot, OrderId id, Timestamp time) {
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  Order o = LoadOrder(c, bot, id, /*lock=*/true);
  if (o.type != OrderType::kStop && o.type != OrderType::kStopLimit) {
    throw Conflict(OrderName(o) + " is a " + std::string(ToString(o.type)) +
                   " order and has no stop to trigger");
  }
  if (IsTerminal(o.status)) {
    throw Conflict(OrderName(o) + " is " + std::string(ToString(o.status)) +
                   " and cannot be triggered");
  }
  if (o.triggered_at) {
    tx.Commit();  // already triggered: nothing to change
    return o;
  }
  o.triggered_at = time;
  o.updated_at = time;
  c.Prepare(
       "UPDATE trading.orders SET triggered_at = ?, updated_at = ? WHERE bot_id = ? AND "
       "id = ?")
      .Bind(1, time)
      .Bind(2, time)
      .Bind(3, bot)
      .Bind(4, id)
      .Execute();
  tx.Commit();
  return o;
}

std::optional<Order> OrderRepository::FindByClientId(BotId bot, std::string_view client_order_id) {
  static const std::string kSql = "SELECT " + std::string(kOrderColumns) +
                                  " FROM trading.orders WHERE bot_id = ? AND client_order_id = ?";
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  st.Bind(1, bot).Bind(2, client_order_id);
  std::optional<Order> out;
  if (st.Step()) out = ReadOrder(st);
  st.Reset();
  return out;
}

std::vector<Order> OrderRepository::ListOpen(BotId bot) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kOrderColumns) +
                          " FROM trading.orders WHERE bot_id = ? AND status IN ('new', "
                          "'accepted', 'partially_filled') ORDER BY id");
  st.Bind(1, bot);
  std::vector<Order> out;
  while (st.Step()) out.push_back(ReadOrder(st));
  return out;
}

std::vector<Order> OrderRepository::List(BotId bot, const TimeRange& range) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kOrderColumns) +
                          " FROM trading.orders WHERE bot_id = ?" + RangeSql("created_at", range) +
                          " ORDER BY id");
  st.Bind(1, bot);
  BindRange(st, 2, range);
  std::vector<Order> out;
  while (st.Step()) out.push_back(ReadOrder(st));
  return out;
}

std::vector<OrderEvent> OrderRepository::Events(BotId bot, OrderId id) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(
                     "SELECT id, bot_id, order_id, time, from_status, to_status, reason "
                     "FROM trading.order_events WHERE bot_id = ? AND order_id = ? ORDER BY id");
  st.Bind(1, bot).Bind(2, id);
  std::vector<OrderEvent> out;
  while (st.Step()) {
    OrderEvent e;
    e.id = st.GetInt64(0);
    e.bot_id = st.GetInt64(1);
    e.order_id = st.GetInt64(2);
    e.time = st.GetTimestamp(3);
    if (!st.IsNull(4)) e.from_status = ParseOrderStatus(st.GetText(4));
    e.to_status = ParseOrderStatus(st.GetText(5));
    e.reason = st.GetText(6);
    out.push_back(std::move(e));
  }
  return out;
}

// ---- fills -----------------------------------------------------------------

FillOutcome OrderRepository::RecordFill(const Fill& fill) {
  // Error messages are built only when there is something to report.
  auto what = [&fill] {
    return "fill '" + fill.venue_fill_id + "' of order " + std::to_string(fill.order_id);
  };
  if (fill.venue_fill_id.empty()) {
    throw InvalidArgument(what() + ": field 'venue_fill_id' is empty");
  }
  if (!fill.quantity.IsPositive()) {
    throw InvalidArgument(what() + ": field 'quantity' value '" + fill.quantity.ToString() +
                          "' must be positive");
  }
  if (!fill.price.IsPositive()) {
    throw InvalidArgument(what() + ": field 'price' value '" + fill.price.ToString() +
                          "' must be positive");
  }
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  FillOutcome out;
  // The ledger postings join this unit of work directly: it already has
  // its own savepoint, and the order's foreign key proves the account.
  auto PostLedgerEntry = [this](const LedgerEntry& e) {
    detail::ValidateLedgerEntry(e);
    return detail::PostValidatedLedgerEntry(*impl_, e);
  };

  Order order = LoadOrder(c, fill.bot_id, fill.order_id, /*lock=*/true);
  const std::string& quote_asset = impl_->QuoteAsset(order.instrument_id);
  const Timestamp time = fill.time == Timestamp() ? Timestamp::Now() : fill.time;

  // The fill. A repeated report of a recorded fill inserts nothing (the
  // unique key bot_id, venue, venue_fill_id) and changes nothing.
  Fill f = fill;
  f.time = time;
  f.instrument_id = order.instrument_id;
  f.account_id = order.account_id;
  f.side = order.side;
  if (f.fee_currency.empty()) f.fee_currency = quote_asset;
  auto& ins = c.Prepare(
      "INSERT INTO trading.fills (bot_id, order_id, account_id, instrument_id, "
      "venue, venue_fill_id, side, quantity, price, fee, fee_currency, "
      "liquidity, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (bot_id, venue, venue_fill_id) DO NOTHING RETURNING id");
  ins.Bind(1, f.bot_id).Bind(2, f.order_id).Bind(3, f.account_id).Bind(4, f.instrument_id);
  ins.Bind(5, f.venue).Bind(6, f.venue_fill_id).Bind(7, ToString(f.side)).Bind(8, f.quantity);
  ins.Bind(9, f.price).Bind(10, f.fee).Bind(11, f.fee_currency).Bind(12, ToString(f.liquidity));
  ins.Bind(13, f.time);
  const bool inserted = ins.Step();
  if (inserted) f.id = ins.GetInt64(0);
  ins.Reset();
  if (!inserted) {
    static const std::string kDuplicateSql =
        "SELECT " + std::string(kFillColumns) +
        " FROM trading.fills WHERE bot_id = ? AND venue = ? AND venue_fill_id = ?";
    auto& dup = c.Prepare(kDuplicateSql);
    dup.Bind(1, fill.bot_id).Bind(2, fill.venue).Bind(3, fill.venue_fill_id);
    dup.Step();
    out.duplicate = true;
    out.fill = ReadFill(dup);
    dup.Reset();
    out.order = order.id == out.fill.order_id ? order : Get(out.fill.bot_id, out.fill.order_id);
    if (auto row =
            LoadPositionRow(c, out.order.bot_id, out.order.account_id, out.order.instrument_id)) {
      out.position = row->position;
    }
    tx.Commit();
    return out;
  }
  // Checked after the insert, which this unit of work undoes if they fail.
  if (order.status != OrderStatus::kAccepted && order.status != OrderStatus::kPartiallyFilled) {
    throw Conflict(what() + ": " + OrderName(order) + " is " + std::string(ToString(order.status)) +
                   " and cannot be filled");
  }
  if (fill.quantity > order.remaining_quantity()) {
    throw Conflict(what() + ": quantity " + fill.quantity.ToString() + " exceeds the remaining " +
                   order.remaining_quantity().ToString() + " of " + OrderName(order));
  }
  out.fill = f;
  // Balances and positions of the account change below: take its lock
  // first (see detail::LockAccount) where writers are not already serialized
  // by the database (SQLite's BEGIN IMMEDIATE is; the order's foreign key
  // proves the account exists).
  if (!c.ForUpdate().empty()) detail::LockAccount(*impl_, order.bot_id, order.account_id);

  // The order: filled quantity, average price, status and its event.
  const Decimal new_filled = order.filled_quantity + f.quantity;
  const Decimal notional = order.average_fill_price.value_or(Decimal()).Mul(order.filled_quantity) +
                           f.price.Mul(f.quantity);
  order.average_fill_price = notional.Div(new_filled, RoundingMode::kHalfEven);
  order.filled_quantity = new_filled;
  const OrderStatus from = order.status;
  order.status =
      new_filled == order.quantity ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled;
  order.updated_at = time;
  c.Prepare(
       "UPDATE trading.orders SET filled_quantity = ?, average_fill_price = ?, status = ?, "
       "updated_at = ? WHERE bot_id = ? AND id = ?")
      .Bind(1, order.filled_quantity)
      .Bind(2, order.average_fill_price)
      .Bind(3, ToString(order.status))
      .Bind(4, time)
      .Bind(5, order.bot_id)
      .Bind(6, order.id)
      .Execute();
  InsertOrderEvent(c, order, from, order.status, time, "fill " + f.venue_fill_id);
  out.order = order;

  // The position and the running state of its trade.
  PositionRow row;
  if (auto loaded = LoadPositionRow(c, order.bot_id, order.account_id, order.instrument_id,
                                    /*lock=*/true)) {
    row = *loaded;
  } else {
    row.position.bot_id = order.bot_id;
    row.position.account_id = order.account_id;
    row.position.instrument_id = order.instrument_id;
  }
  const Position before = row.position;
  const PositionChange change = ApplyFill(before, f.side, f.quantity, f.price, time);
  // The fee is split between the closing and the opening part pro rata.
  const Decimal close_fee =
      change.closed_quantity.IsZero()
          ? Decimal()
          : f.fee.Mul(change.closed_quantity).Div(f.quantity, RoundingMode::kHalfEven);
  const Decimal open_fee = f.fee - close_fee;

  std::optional<Trade> closed;
  if (!change.closed_quantity.IsZero()) {
    row.SeePrice(f.price);
    row.trade_exit_quantity += change.closed_quantity;
    row.trade_exit_notional += change.closed_quantity.Mul(f.price);
    row.trade_gross_pnl += change.realized_pnl;
    row.trade_fees += close_fee;
  }
  if (change.closed) {
    Trade t;
    t.bot_id = order.bot_id;
    t.account_id = order.account_id;
    t.instrument_id = order.instrument_id;
    t.strategy = row.trade_strategy;
    t.side = before.quantity.IsPositive() ? Side::kBuy : Side::kSell;
    t.entry_time = before.opened_at;
    t.exit_time = time;
    t.entry_price = before.average_entry_price;
    t.exit_price = row.trade_exit_notional.Div(row.trade_exit_quantity, RoundingMode::kHalfEven);
    t.quantity = row.trade_max_quantity;
    t.gross_pnl = row.trade_gross_pnl;
    t.fees = row.trade_fees;
    t.net_pnl = t.gross_pnl - t.fees;
    const Decimal high = row.trade_high.value_or(t.entry_price);
    const Decimal low = row.trade_low.value_or(t.entry_price);
    const Decimal zero;
    if (t.side == Side::kBuy) {
      t.mae = std::max(zero, t.entry_price - low);
      t.mfe = std::max(zero, high - t.entry_price);
    } else {
      t.mae = std::max(zero, high - t.entry_price);
      t.mfe = std::max(zero, t.entry_price - low);
    }
    t.exit_reason = order.exit_reason.empty() ? "signal" : order.exit_reason;
    t.signal_id = row.trade_signal_id;
    t.mode = order.mode;
    t.is_test = order.is_test;
    auto& ti = c.Prepare(
        "INSERT INTO trading.trades (bot_id, account_id, instrument_id, strategy, side, "
        "entry_time, exit_time, entry_price, exit_price, quantity, gross_pnl, fees, net_pnl, mae, "
        "mfe, exit_reason, signal_id, mode, is_test) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    ti.Bind(1, t.bot_id).Bind(2, t.account_id).Bind(3, t.instrument_id).Bind(4, t.strategy);
    ti.Bind(5, ToString(t.side)).Bind(6, t.entry_time).Bind(7, t.exit_time);
    ti.Bind(8, t.entry_price).Bind(9, t.exit_price).Bind(10, t.quantity).Bind(11, t.gross_pnl);
    ti.Bind(12, t.fees).Bind(13, t.net_pnl).Bind(14, t.mae).Bind(15, t.mfe);
    ti.Bind(16, t.exit_reason).Bind(17, t.signal_id).Bind(18, ToString(t.mode));
    ti.Bind(19, t.is_test);
    ti.Step();
    t.id = ti.GetInt64(0);
    ti.Reset();
    closed = t;
    row.StartTrade(order, Decimal(), f.price, Decimal());
    row.trade_high.reset();
    row.trade_low.reset();
  }
  if (!change.opened_quantity.IsZero()) {
    if (before.is_flat() || change.flipped) {
      row.StartTrade(order, change.opened_quantity, f.price, open_fee);
    } else {
      row.trade_max_quantity = std::max(row.trade_max_quantity, change.after.quantity.Abs());
      row.trade_fees += open_fee;
      row.SeePrice(f.price);
    }
  }
  row.position = change.after;
  row.position.fees += f.fee;
  SavePositionRow(c, row);
  out.position = row.position;
  out.change = change;
  out.closed_trade = closed;

  // The ledger: the fee and the realized P&L.
  if (!f.fee.IsZero()) {
    LedgerEntry e;
    e.bot_id = order.bot_id;
    e.account_id = order.account_id;
    e.time = time;
    e.type = LedgerEntryType::kFee;
    e.currency = f.fee_currency;
    e.amount = -f.fee;
    e.order_id = order.id;
    e.fill_id = f.id;
    e.description = "fee of fill " + f.venue_fill_id;
    out.ledger_entries.push_back(PostLedgerEntry(e));
  }
  if (!change.realized_pnl.IsZero()) {
    LedgerEntry e;
    e.bot_id = order.bot_id;
    e.account_id = order.account_id;
    e.time = time;
    e.type = LedgerEntryType::kRealizedPnl;
    e.currency = quote_asset.empty() ? f.fee_currency : quote_asset;
    e.amount = change.realized_pnl;
    e.order_id = order.id;
    e.fill_id = f.id;
    if (closed) e.trade_id = closed->id;
    e.description = "realized P&L of fill " + f.venue_fill_id;
    out.ledger_entries.push_back(PostLedgerEntry(e));
  }
  tx.Commit();
  return out;
}

std::vector<Fill> OrderRepository::Fills(BotId bot, OrderId id) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kFillColumns) +
                          " FROM trading.fills WHERE bot_id = ? AND order_id = ? ORDER BY id");
  st.Bind(1, bot).Bind(2, id);
  std::vector<Fill> out;
  while (st.Step()) out.push_back(ReadFill(st));
  return out;
}

std::vector<Fill> OrderRepository::ListFills(BotId bot, const TimeRange& range) {
  auto& st =
      impl_->connection(Database::kTrading)
          .Prepare("SELECT " + std::string(kFillColumns) + " FROM trading.fills WHERE bot_id = ?" +
                   RangeSql("time", range) + " ORDER BY id");
  st.Bind(1, bot);
  BindRange(st, 2, range);
  std::vector<Fill> out;
  while (st.Step()) out.push_back(ReadFill(st));
  return out;
}

// ---- positions -------------------------------------------------------------

std::optional<Position> PositionRepository::Get(BotId bot, AccountId account,
                                                InstrumentId instrument) {
  auto row = LoadPositionRow(impl_->connection(Database::kTrading), bot, account, instrument);
  if (!row) return std::nullopt;
  return row->position;
}

std::vector<Position> PositionRepository::ListOpen(BotId bot) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kPositionColumns) +
                          " FROM trading.positions WHERE bot_id = ? ORDER BY account_id, "
                          "instrument_id");
  st.Bind(1, bot);
  std::vector<Position> out;
  while (st.Step()) {
    PositionRow row = ReadPositionRow(st);
    if (!row.position.is_flat()) out.push_back(row.position);
  }
  return out;
}

void PositionRepository::Mark(BotId bot, AccountId account, InstrumentId instrument, Decimal high,
                              Decimal low) {
  if (low > high) {
    throw InvalidArgument("position mark: low " + low.ToString() + " is above high " +
                          high.ToString());
  }
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  auto row = LoadPositionRow(c, bot, account, instrument, /*lock=*/true);
  if (!row || row->position.is_flat()) {
    tx.Commit();  // nothing to mark; an inner level must not end uncommitted
    return;
  }
  row->SeePrice(high);
  row->SeePrice(low);
  c.Prepare(
       "UPDATE trading.positions SET trade_high = ?, trade_low = ? WHERE bot_id = ? AND "
       "account_id = ? AND instrument_id = ?")
      .Bind(1, row->trade_high)
      .Bind(2, row->trade_low)
      .Bind(3, bot)
      .Bind(4, account)
      .Bind(5, instrument)
      .Execute();
  tx.Commit();
}

// ---- trades ----------------------------------------------------------------

std::vector<Trade> TradeRepository::List(const TradeFilter& filter) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kTradeColumns) +
                          " FROM trading.trades WHERE (? OR bot_id = ?) AND (? OR strategy = ?) "
                          "AND (? OR is_test = 0)" +
                          RangeSql("exit_time", filter.exit_time) + " ORDER BY exit_time, id");
  st.Bind(1, !filter.bot.has_value()).Bind(2, filter.bot.value_or(0));
  st.Bind(3, !filter.strategy.has_value()).Bind(4, filter.strategy.value_or(""));
  st.Bind(5, filter.include_test);
  BindRange(st, 6, filter.exit_time);
  std::vector<Trade> out;
  while (st.Step()) out.push_back(ReadTrade(st));
  return out;
}

Trade TradeRepository::Get(BotId bot, TradeId id) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kTradeColumns) +
                          " FROM trading.trades WHERE bot_id = ? AND id = ?");
  st.Bind(1, bot).Bind(2, id);
  if (!st.Step()) {
    throw NotFound("trade " + std::to_string(id) + " of bot " + std::to_string(bot) +
                   " does not exist");
  }
  Trade out = ReadTrade(st);
  st.Reset();
  return out;
}

}  // namespace tradestore
