// Orders, fills, positions and closed trades: the execution path. Recording
// a fill updates all of them and the ledger in one unit of work.
#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <string>

#include "store/domain_queries.h"
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
    "updated_at, triggered_at, expected_price, strategy_version, bot_version, trade_id, "
    "retry_count, last_error, reserved";

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
  o.expected_price = st.GetOptionalDecimal(24);
  o.strategy_version = st.GetText(25);
  o.bot_version = st.GetText(26);
  o.trade_id = st.GetOptionalInt64(27);
  o.retry_count = st.GetInt64(28);
  o.last_error = st.GetText(29);
  o.reserved = st.GetDecimal(30);
  return o;
}

constexpr std::string_view kFillColumns =
    "id, bot_id, order_id, instrument_id, account_id, venue, venue_fill_id, side, quantity, "
    "price, fee, fee_currency, liquidity, time, mode, is_test";

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
  f.mode = ParseRunMode(st.GetText(14));
  f.is_test = st.GetBool(15);
  return f;
}

constexpr std::string_view kTradeColumns =
    "id, bot_id, account_id, instrument_id, strategy, side, entry_time, exit_time, entry_price, "
    "exit_price, quantity, gross_pnl, fees, net_pnl, mae, mfe, exit_reason, signal_id, mode, "
    "is_test, strategy_version, bot_version, entry_order_id, exit_order_id, entry_fees, "
    "exit_fees, entry_slippage, exit_slippage, pnl_percent, outcome, initial_stop, target, "
    "risk_amount, position_size_rule, r_multiple, mae_r, mfe_r, regime, volatility, atr, "
    "session, trend, setup, tags, notes, mental_state, rule_breaks, grade, links, reviewed_at";

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
  t.strategy_version = st.GetText(20);
  t.bot_version = st.GetText(21);
  t.entry_order_id = st.GetOptionalInt64(22);
  t.exit_order_id = st.GetOptionalInt64(23);
  t.entry_fees = st.GetDecimal(24);
  t.exit_fees = st.GetDecimal(25);
  t.entry_slippage = st.GetDecimal(26);
  t.exit_slippage = st.GetDecimal(27);
  t.pnl_percent = st.GetOptionalDouble(28).value_or(0);
  t.outcome = st.GetText(29);
  t.initial_stop = st.GetOptionalDecimal(30);
  t.target = st.GetOptionalDecimal(31);
  t.risk_amount = st.GetOptionalDecimal(32);
  t.position_size_rule = st.GetText(33);
  t.r_multiple = st.GetOptionalDouble(34);
  t.mae_r = st.GetOptionalDouble(35);
  t.mfe_r = st.GetOptionalDouble(36);
  t.regime = st.GetText(37);
  t.volatility = st.GetOptionalDouble(38);
  t.atr = st.GetOptionalDouble(39);
  t.session = st.GetText(40);
  t.trend = st.GetText(41);
  t.setup = st.GetText(42);
  t.tags = st.GetText(43);
  t.notes = st.GetText(44);
  t.mental_state = st.GetText(45);
  t.rule_breaks = st.GetText(46);
  t.grade = st.GetText(47);
  t.links = st.GetText(48);
  if (!st.IsNull(49)) t.reviewed_at = st.GetTimestamp(49);
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
  std::optional<OrderId> trade_entry_order_id;
  Decimal trade_entry_fees;
  Decimal trade_entry_slippage;
  Decimal trade_exit_slippage;
  std::string trade_strategy_version;
  TradeContext context;

  // Starts a new trade's state from an opening fill: the stops and the
  // journal context of the previous trade are cleared.
  void StartTrade(const Order& order, Decimal open_qty, Decimal price, Decimal fee,
                  Decimal slippage) {
    trade_max_quantity = open_qty;
    trade_exit_quantity = trade_exit_notional = trade_gross_pnl = Decimal();
    trade_fees = fee;
    trade_entry_fees = fee;
    trade_entry_slippage = slippage;
    trade_exit_slippage = Decimal();
    trade_high = trade_low = price;
    trade_signal_id = order.signal_id;
    trade_strategy = order.strategy;
    trade_strategy_version = order.strategy_version;
    trade_entry_order_id = order.id;
    context = TradeContext{};
    Position& p = position;
    p.stop_loss.reset();
    p.take_profit.reset();
    p.trailing_distance.reset();
    p.trailing_percent.reset();
  }
  void SeePrice(Decimal price) {
    trade_high = trade_high ? std::max(*trade_high, price) : price;
    trade_low = trade_low ? std::min(*trade_low, price) : price;
  }
};

constexpr std::string_view kPositionColumns =
    "bot_id, account_id, instrument_id, quantity, average_entry_price, realized_pnl, fees, "
    "opened_at, updated_at, trade_max_quantity, trade_exit_quantity, trade_exit_notional, "
    "trade_gross_pnl, trade_fees, trade_high, trade_low, trade_signal_id, trade_strategy, "
    "stop_loss, take_profit, trailing_distance, trailing_percent, last_price, last_price_at, "
    "unrealized_pnl, mode, is_test, trade_entry_order_id, trade_entry_fees, "
    "trade_entry_slippage, trade_exit_slippage, trade_strategy_version, trade_initial_stop, "
    "trade_target, trade_risk_amount, trade_position_size_rule, trade_regime, "
    "trade_volatility, trade_atr, trade_session, trade_trend, trade_setup";

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
  p.stop_loss = st.GetOptionalDecimal(18);
  p.take_profit = st.GetOptionalDecimal(19);
  p.trailing_distance = st.GetOptionalDecimal(20);
  p.trailing_percent = st.GetOptionalDecimal(21);
  p.last_price = st.GetOptionalDecimal(22);
  if (!st.IsNull(23)) p.last_price_at = st.GetTimestamp(23);
  p.unrealized_pnl = st.GetDecimal(24);
  p.mode = ParseRunMode(st.GetText(25));
  p.is_test = st.GetBool(26);
  r.trade_entry_order_id = st.GetOptionalInt64(27);
  r.trade_entry_fees = st.GetDecimal(28);
  r.trade_entry_slippage = st.GetDecimal(29);
  r.trade_exit_slippage = st.GetDecimal(30);
  r.trade_strategy_version = st.GetText(31);
  r.context.initial_stop = st.GetOptionalDecimal(32);
  r.context.target = st.GetOptionalDecimal(33);
  r.context.risk_amount = st.GetOptionalDecimal(34);
  r.context.position_size_rule = st.GetText(35);
  r.context.regime = st.GetText(36);
  r.context.volatility = st.GetOptionalDouble(37);
  r.context.atr = st.GetOptionalDouble(38);
  r.context.session = st.GetText(39);
  r.context.trend = st.GetText(40);
  r.context.setup = st.GetText(41);
  if (!p.is_flat()) {
    p.highest_price = r.trade_high;
    p.lowest_price = r.trade_low;
  }
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
  static const std::string kSql = [] {
    std::string sql =
        "INSERT INTO trading.positions (" + std::string(kPositionColumns) + ") VALUES (?";
    for (int i = 1; i < 42; ++i) sql += ", ?";
    sql += ") ON CONFLICT (bot_id, account_id, instrument_id) DO UPDATE SET ";
    std::string_view cols = kPositionColumns;
    bool first = true;
    while (!cols.empty()) {
      const auto comma = cols.find(',');
      std::string_view col = cols.substr(0, comma);
      while (!col.empty() && col.front() == ' ') col.remove_prefix(1);
      if (col != "bot_id" && col != "account_id" && col != "instrument_id") {
        if (!first) sql += ", ";
        sql += std::string(col) + " = excluded." + std::string(col);
        first = false;
      }
      if (comma == std::string_view::npos) break;
      cols.remove_prefix(comma + 1);
    }
    return sql;
  }();
  auto& st = c.Prepare(kSql);
  st.Bind(1, p.bot_id).Bind(2, p.account_id).Bind(3, p.instrument_id).Bind(4, p.quantity);
  st.Bind(5, p.average_entry_price).Bind(6, p.realized_pnl).Bind(7, p.fees);
  st.Bind(8, p.opened_at).Bind(9, p.updated_at).Bind(10, r.trade_max_quantity);
  st.Bind(11, r.trade_exit_quantity).Bind(12, r.trade_exit_notional);
  st.Bind(13, r.trade_gross_pnl).Bind(14, r.trade_fees).Bind(15, r.trade_high);
  st.Bind(16, r.trade_low).Bind(17, r.trade_signal_id).Bind(18, r.trade_strategy);
  st.Bind(19, p.stop_loss).Bind(20, p.take_profit).Bind(21, p.trailing_distance);
  st.Bind(22, p.trailing_percent).Bind(23, p.last_price).Bind(24, p.last_price_at);
  st.Bind(25, p.unrealized_pnl).Bind(26, ToString(p.mode)).Bind(27, p.is_test);
  st.Bind(28, r.trade_entry_order_id).Bind(29, r.trade_entry_fees);
  st.Bind(30, r.trade_entry_slippage).Bind(31, r.trade_exit_slippage);
  st.Bind(32, r.trade_strategy_version).Bind(33, r.context.initial_stop);
  st.Bind(34, r.context.target).Bind(35, r.context.risk_amount);
  st.Bind(36, r.context.position_size_rule).Bind(37, r.context.regime);
  st.Bind(38, r.context.volatility).Bind(39, r.context.atr).Bind(40, r.context.session);
  st.Bind(41, r.context.trend).Bind(42, r.context.setup);
  st.Execute();
}

constexpr std::string_view kPositionEventColumns =
    "id, bot_id, account_id, instrument_id, time, type, quantity_change, quantity, price, "
    "average_entry_price, realized_pnl, stop_loss, take_profit, fill_id, trade_id, message, "
    "mode, is_test";

PositionEvent ReadPositionEvent(const sql::Statement& st) {
  PositionEvent e;
  e.id = st.GetInt64(0);
  e.bot_id = st.GetInt64(1);
  e.account_id = st.GetInt64(2);
  e.instrument_id = st.GetInt64(3);
  e.time = st.GetTimestamp(4);
  e.type = ParsePositionEventType(st.GetText(5));
  e.quantity_change = st.GetDecimal(6);
  e.quantity = st.GetDecimal(7);
  e.price = st.GetOptionalDecimal(8);
  e.average_entry_price = st.GetDecimal(9);
  e.realized_pnl = st.GetDecimal(10);
  e.stop_loss = st.GetOptionalDecimal(11);
  e.take_profit = st.GetOptionalDecimal(12);
  e.fill_id = st.GetOptionalInt64(13);
  e.trade_id = st.GetOptionalInt64(14);
  e.message = st.GetText(15);
  e.mode = ParseRunMode(st.GetText(16));
  e.is_test = st.GetBool(17);
  return e;
}

// Records a position event from the position after it.
void InsertPositionEvent(sql::Connection& c, const Position& p, PositionEventType type,
                         Timestamp time, Decimal quantity_change, std::optional<Decimal> price,
                         Decimal realized, std::optional<std::int64_t> fill_id,
                         std::optional<std::int64_t> trade_id, std::string_view message) {
  auto& st = c.Prepare(
      "INSERT INTO trading.position_events (bot_id, account_id, instrument_id, time, type, "
      "quantity_change, quantity, price, average_entry_price, realized_pnl, stop_loss, "
      "take_profit, fill_id, trade_id, message, mode, is_test) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.Bind(1, p.bot_id).Bind(2, p.account_id).Bind(3, p.instrument_id).Bind(4, time);
  st.Bind(5, ToString(type)).Bind(6, quantity_change).Bind(7, p.quantity).Bind(8, price);
  st.Bind(9, p.average_entry_price).Bind(10, realized).Bind(11, p.stop_loss);
  st.Bind(12, p.take_profit).Bind(13, fill_id).Bind(14, trade_id).Bind(15, message);
  st.Bind(16, ToString(p.mode)).Bind(17, p.is_test).Execute();
}

// The price an order's reservation is computed at (ledger.h).
std::optional<Decimal> ReservePrice(const Order& o) {
  if (o.limit_price) return o.limit_price;
  if (o.stop_price) return o.stop_price;
  return o.expected_price;
}

Decimal ReservationOf(const Order& o) {
  if (IsTerminal(o.status)) return Decimal();
  const auto price = ReservePrice(o);
  return price ? o.remaining_quantity().Mul(*price) : Decimal();
}

// The slippage cost of a fill (trade.h): > 0 = worse than expected.
Decimal SlippageOf(const Order& o, Decimal quantity, Decimal price) {
  const auto expected = o.expected_price ? o.expected_price : o.limit_price;
  if (!expected) return Decimal();
  const Decimal per_unit = o.side == Side::kBuy ? price - *expected : *expected - price;
  return per_unit.Mul(quantity);
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
                      OrderStatus to, Timestamp time, std::string_view reason,
                      OrderEventKind kind = OrderEventKind::kStatus) {
  auto& st = c.Prepare(
      "INSERT INTO trading.order_events (bot_id, order_id, time, from_status, to_status, reason, "
      "kind, quantity, limit_price, stop_price, mode, is_test) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.Bind(1, o.bot_id).Bind(2, o.id).Bind(3, time);
  if (from) {
    st.Bind(4, ToString(*from));
  } else {
    st.BindNull(4);
  }
  st.Bind(5, ToString(to)).Bind(6, reason).Bind(7, ToString(kind));
  if (kind == OrderEventKind::kAmend || !from) {
    st.Bind(8, o.quantity).Bind(9, o.limit_price).Bind(10, o.stop_price);
  } else {
    st.BindNull(8).BindNull(9).BindNull(10);
  }
  st.Bind(11, ToString(o.mode)).Bind(12, o.is_test).Execute();
}

// Recomputes the order's reservation (ledger.h) and moves the difference
// into the locked amount of its account's quote-currency balance. Updates
// o.reserved; the caller writes the order row. `account_locked`: the
// caller already holds the account's lock (detail::LockAccount).
void UpdateReservation(detail::StoreImpl& impl, Order& o, Timestamp time,
                       bool account_locked = false) {
  const Decimal now = ReservationOf(o);
  const Decimal delta = now - o.reserved;
  if (delta.IsZero()) return;
  auto& c = impl.connection(Database::kTrading);
  if (!account_locked && !c.ForUpdate().empty()) detail::LockAccount(impl, o.bot_id, o.account_id);
  detail::AdjustLocked(impl, o.bot_id, o.account_id, impl.QuoteAsset(o.instrument_id), delta, time);
  o.reserved = now;
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
  out.trade_id.reset();
  out.retry_count = 0;
  out.last_error.clear();
  out.reserved = Decimal();
  if (out.expected_price && !out.expected_price->IsPositive()) {
    throw InvalidArgument(what() + ": field 'expected_price' value '" +
                          out.expected_price->ToString() + "' must be positive");
  }
  // A taken client_order_id inserts nothing and returns no id: the unique
  // key answers in the same step instead of a SELECT before the INSERT.
  auto& st = c.Prepare(
      "INSERT INTO trading.orders (bot_id, account_id, instrument_id, client_order_id, "
      "venue_order_id, signal_id, strategy, side, type, time_in_force, quantity, limit_price, "
      "stop_price, status, filled_quantity, average_fill_price, reason, exit_reason, mode, "
      "is_test, created_at, updated_at, expected_price, strategy_version, bot_version) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "COALESCE(NULLIF(?, ''), (SELECT version FROM trading.bots WHERE id = ?))) "
      "ON CONFLICT (bot_id, client_order_id) DO NOTHING RETURNING id, bot_version");
  st.Bind(1, out.bot_id).Bind(2, out.account_id).Bind(3, out.instrument_id);
  st.Bind(4, out.client_order_id).Bind(5, out.venue_order_id).Bind(6, out.signal_id);
  st.Bind(7, out.strategy).Bind(8, ToString(out.side)).Bind(9, ToString(out.type));
  st.Bind(10, ToString(out.time_in_force)).Bind(11, out.quantity).Bind(12, out.limit_price);
  st.Bind(13, out.stop_price).Bind(14, ToString(out.status)).Bind(15, out.filled_quantity);
  st.Bind(16, out.average_fill_price).Bind(17, out.reason).Bind(18, out.exit_reason);
  st.Bind(19, ToString(out.mode)).Bind(20, out.is_test).Bind(21, out.created_at);
  st.Bind(22, out.updated_at).Bind(23, out.expected_price).Bind(24, out.strategy_version);
  st.Bind(25, out.bot_version).Bind(26, out.bot_id);
  if (!st.Step()) {
    st.Reset();
    throw Conflict("order with client_order_id '" + out.client_order_id + "' already exists");
  }
  out.id = st.GetInt64(0);
  out.bot_version = st.GetText(1);  // the bot's version when none was given
  st.Reset();
  InsertOrderEvent(c, out, std::nullopt, OrderStatus::kNew, out.created_at, "created");
  UpdateReservation(*impl_, out, out.created_at);
  if (!out.reserved.IsZero()) {
    c.Prepare("UPDATE trading.orders SET reserved = ? WHERE bot_id = ? AND id = ?")
        .Bind(1, out.reserved)
        .Bind(2, out.bot_id)
        .Bind(3, out.id)
        .Execute();
  }
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
  UpdateReservation(*impl_, o, time);
  c.Prepare(
       "UPDATE trading.orders SET status = ?, updated_at = ?, reason = ?, reserved = ? WHERE "
       "bot_id = ? AND id = ?")
      .Bind(1, ToString(to))
      .Bind(2, time)
      .Bind(3, o.reason)
      .Bind(4, o.reserved)
      .Bind(5, bot)
      .Bind(6, id)
      .Execute();
  InsertOrderEvent(c, o, from, to, time, reason);
  tx.Commit();
  return o;
}

Order OrderRepository::Accept(BotId bot, OrderId id, Timestamp time,
                              std::string_view venue_order_id) {
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  Order o = Transition(bot, id, OrderStatus::kAccepted, time, "accepted");
  if (!venue_order_id.empty()) {
    o.venue_order_id = std::string(venue_order_id);
    c.Prepare("UPDATE trading.orders SET venue_order_id = ? WHERE bot_id = ? AND id = ?")
        .Bind(1, o.venue_order_id)
        .Bind(2, bot)
        .Bind(3, id)
        .Execute();
    InsertOrderEvent(c, o, o.status, o.status, time, "venue order id " + o.venue_order_id,
                     OrderEventKind::kVenueId);
  }
  tx.Commit();
  return o;
}

Order OrderRepository::Cancel(BotId bot, OrderId id, Timestamp time, std::string_view reason) {
  return Transition(bot, id, OrderStatus::kCancelled, time, reason);
}

Order OrderRepository::Expire(BotId bot, OrderId id, Timestamp time, std::string_view reason) {
  return Transition(bot, id, OrderStatus::kExpired, time, reason);
}

Order OrderRepository::Reject(BotId bot, OrderId id, Timestamp time, std::string_view reason) {
  if (reason.empty()) {
    throw InvalidArgument("reject of order " + std::to_string(id) + ": field 'reason' is empty");
  }
  return Transition(bot, id, OrderStatus::kRejected, time, reason);
}

Order OrderRepository::Amend(BotId bot, OrderId id, const OrderAmendment& amendment, Timestamp time,
                             std::string_view reason) {
  const std::string what = "amend of order " + std::to_string(id);
  if (!amendment.quantity && !amendment.limit_price && !amendment.stop_price) {
    throw InvalidArgument(what + ": nothing to amend");
  }
  for (const auto& [field, value] : {std::pair{"quantity", amendment.quantity},
                                     {"limit_price", amendment.limit_price},
                                     {"stop_price", amendment.stop_price}}) {
    if (value && !value->IsPositive()) {
      throw InvalidArgument(what + ": field '" + field + "' value '" + value->ToString() +
                            "' must be positive");
    }
  }
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  Order o = LoadOrder(c, bot, id, /*lock=*/true);
  if (IsTerminal(o.status)) {
    throw Conflict(OrderName(o) + " is " + std::string(ToString(o.status)) +
                   " and cannot be amended");
  }
  if (amendment.limit_price && !o.limit_price) {
    throw InvalidArgument(what + ": a " + std::string(ToString(o.type)) +
                          " order takes no limit_price");
  }
  if (amendment.stop_price && !o.stop_price) {
    throw InvalidArgument(what + ": a " + std::string(ToString(o.type)) +
                          " order takes no stop_price");
  }
  if (amendment.quantity && *amendment.quantity <= o.filled_quantity) {
    throw Conflict(what + ": quantity " + amendment.quantity->ToString() +
                   " is not above the filled " + o.filled_quantity.ToString() + " of " +
                   OrderName(o));
  }
  std::string summary = reason.empty() ? "amended" : std::string(reason);
  if (amendment.quantity) {
    summary += "; quantity " + o.quantity.ToString() + " -> " + amendment.quantity->ToString();
    o.quantity = *amendment.quantity;
  }
  if (amendment.limit_price) {
    summary +=
        "; limit_price " + o.limit_price->ToString() + " -> " + amendment.limit_price->ToString();
    o.limit_price = amendment.limit_price;
  }
  if (amendment.stop_price) {
    summary +=
        "; stop_price " + o.stop_price->ToString() + " -> " + amendment.stop_price->ToString();
    o.stop_price = amendment.stop_price;
  }
  o.updated_at = time;
  UpdateReservation(*impl_, o, time);
  c.Prepare(
       "UPDATE trading.orders SET quantity = ?, limit_price = ?, stop_price = ?, reserved = ?, "
       "updated_at = ? WHERE bot_id = ? AND id = ?")
      .Bind(1, o.quantity)
      .Bind(2, o.limit_price)
      .Bind(3, o.stop_price)
      .Bind(4, o.reserved)
      .Bind(5, time)
      .Bind(6, bot)
      .Bind(7, id)
      .Execute();
  InsertOrderEvent(c, o, o.status, o.status, time, summary, OrderEventKind::kAmend);
  tx.Commit();
  return o;
}

Order OrderRepository::RecordRetry(BotId bot, OrderId id, Timestamp time, std::string_view error) {
  if (error.empty()) {
    throw InvalidArgument("retry of order " + std::to_string(id) + ": field 'error' is empty");
  }
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  Order o = LoadOrder(c, bot, id, /*lock=*/true);
  if (IsTerminal(o.status)) {
    throw Conflict(OrderName(o) + " is " + std::string(ToString(o.status)) +
                   " and cannot be retried");
  }
  ++o.retry_count;
  o.last_error = std::string(error);
  o.updated_at = time;
  c.Prepare(
       "UPDATE trading.orders SET retry_count = ?, last_error = ?, updated_at = ? WHERE "
       "bot_id = ? AND id = ?")
      .Bind(1, o.retry_count)
      .Bind(2, o.last_error)
      .Bind(3, time)
      .Bind(4, bot)
      .Bind(5, id)
      .Execute();
  InsertOrderEvent(c, o, o.status, o.status, time, error, OrderEventKind::kRetry);
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
                     "SELECT id, bot_id, order_id, time, from_status, to_status, reason, kind, "
                     "quantity, limit_price, stop_price, mode, is_test "
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
    e.kind = ParseOrderEventKind(st.GetText(7));
    e.quantity = st.GetOptionalDecimal(8);
    e.limit_price = st.GetOptionalDecimal(9);
    e.stop_price = st.GetOptionalDecimal(10);
    e.mode = ParseRunMode(st.GetText(11));
    e.is_test = st.GetBool(12);
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
  f.mode = order.mode;
  f.is_test = order.is_test;
  if (f.fee_currency.empty()) f.fee_currency = quote_asset;
  auto& ins = c.Prepare(
      "INSERT INTO trading.fills (bot_id, order_id, account_id, instrument_id, "
      "venue, venue_fill_id, side, quantity, price, fee, fee_currency, "
      "liquidity, time, mode, is_test) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (bot_id, venue, venue_fill_id) DO NOTHING RETURNING id");
  ins.Bind(1, f.bot_id).Bind(2, f.order_id).Bind(3, f.account_id).Bind(4, f.instrument_id);
  ins.Bind(5, f.venue).Bind(6, f.venue_fill_id).Bind(7, ToString(f.side)).Bind(8, f.quantity);
  ins.Bind(9, f.price).Bind(10, f.fee).Bind(11, f.fee_currency).Bind(12, ToString(f.liquidity));
  ins.Bind(13, f.time).Bind(14, ToString(f.mode)).Bind(15, f.is_test);
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
    // A resend must report the same fill: a venue fill id reused with other
    // values is a conflict, not a duplicate to ignore.
    std::vector<std::string> differ;
    const Fill& stored = out.fill;
    if (stored.order_id != f.order_id)
      differ.push_back(fmt::format("order_id {} (stored {})", f.order_id, stored.order_id));
    if (stored.quantity != f.quantity)
      differ.push_back(fmt::format("quantity {} (stored {})", f.quantity.ToString(),
                                   stored.quantity.ToString()));
    if (stored.price != f.price)
      differ.push_back(
          fmt::format("price {} (stored {})", f.price.ToString(), stored.price.ToString()));
    if (stored.fee != f.fee)
      differ.push_back(fmt::format("fee {} (stored {})", f.fee.ToString(), stored.fee.ToString()));
    if (stored.fee_currency != f.fee_currency)
      differ.push_back(
          fmt::format("fee_currency '{}' (stored '{}')", f.fee_currency, stored.fee_currency));
    if (stored.liquidity != f.liquidity)
      differ.push_back(fmt::format("liquidity {} (stored {})", ToString(f.liquidity),
                                   ToString(stored.liquidity)));
    if (fill.time != Timestamp() && stored.time != f.time)
      differ.push_back(fmt::format("time {} (stored {})", f.time.ToIso(), stored.time.ToIso()));
    if (!differ.empty()) {
      throw Conflict(fmt::format("{}: venue '{}' already reported it with other values: {}", what(),
                                 fill.venue, fmt::join(differ, ", ")));
    }
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

  // The order: filled quantity, average price, status, reservation and its
  // event.
  const Decimal new_filled = order.filled_quantity + f.quantity;
  const Decimal notional = order.average_fill_price.value_or(Decimal()).Mul(order.filled_quantity) +
                           f.price.Mul(f.quantity);
  order.average_fill_price = notional.Div(new_filled, RoundingMode::kHalfEven);
  order.filled_quantity = new_filled;
  const OrderStatus from = order.status;
  order.status =
      new_filled == order.quantity ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled;
  order.updated_at = time;
  UpdateReservation(*impl_, order, time, /*account_locked=*/true);
  InsertOrderEvent(c, order, from, order.status, time, "fill " + f.venue_fill_id);

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
  row.position.mode = order.mode;
  row.position.is_test = order.is_test;
  const Position before = row.position;
  const PositionChange change = ApplyFill(before, f.side, f.quantity, f.price, time);
  // The fee is split between the closing and the opening part pro rata, and
  // so is the slippage.
  const Decimal close_fee =
      change.closed_quantity.IsZero()
          ? Decimal()
          : f.fee.Mul(change.closed_quantity).Div(f.quantity, RoundingMode::kHalfEven);
  const Decimal open_fee = f.fee - close_fee;
  const Decimal close_slippage = SlippageOf(order, change.closed_quantity, f.price);
  const Decimal open_slippage = SlippageOf(order, change.opened_quantity, f.price);

  std::optional<Trade> closed;
  if (!change.closed_quantity.IsZero()) {
    row.SeePrice(f.price);
    row.trade_exit_quantity += change.closed_quantity;
    row.trade_exit_notional += change.closed_quantity.Mul(f.price);
    row.trade_gross_pnl += change.realized_pnl;
    row.trade_fees += close_fee;
    row.trade_exit_slippage += close_slippage;
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
    // The journal.
    t.strategy_version = row.trade_strategy_version;
    t.bot_version = order.bot_version;
    t.entry_order_id = row.trade_entry_order_id;
    t.exit_order_id = order.id;
    t.entry_fees = row.trade_entry_fees;
    t.exit_fees = t.fees - t.entry_fees;
    t.entry_slippage = row.trade_entry_slippage;
    t.exit_slippage = row.trade_exit_slippage;
    const Decimal entry_notional = t.entry_price.Mul(t.quantity);
    t.pnl_percent =
        entry_notional.IsZero() ? 0.0 : t.net_pnl.ToDouble() / entry_notional.ToDouble() * 100.0;
    t.outcome = t.net_pnl.IsPositive() ? "win" : t.net_pnl.IsNegative() ? "loss" : "breakeven";
    const TradeContext& ctx = row.context;
    t.initial_stop = ctx.initial_stop;
    t.target = ctx.target;
    t.risk_amount = ctx.risk_amount;
    if (!t.risk_amount && t.initial_stop) {
      t.risk_amount = (t.entry_price - *t.initial_stop).Abs().Mul(t.quantity);
    }
    if (t.risk_amount && t.risk_amount->IsPositive()) {
      const double risk = t.risk_amount->ToDouble();
      const double qty = t.quantity.ToDouble();
      t.r_multiple = t.net_pnl.ToDouble() / risk;
      t.mae_r = t.mae.ToDouble() * qty / risk;
      t.mfe_r = t.mfe.ToDouble() * qty / risk;
    }
    t.position_size_rule = ctx.position_size_rule;
    t.regime = ctx.regime;
    t.volatility = ctx.volatility;
    t.atr = ctx.atr;
    t.session = ctx.session;
    t.trend = ctx.trend;
    t.setup = ctx.setup;
    auto& ti = c.Prepare(
        "INSERT INTO trading.trades (bot_id, account_id, instrument_id, strategy, side, "
        "entry_time, exit_time, entry_price, exit_price, quantity, gross_pnl, fees, net_pnl, mae, "
        "mfe, exit_reason, signal_id, mode, is_test, strategy_version, bot_version, "
        "entry_order_id, exit_order_id, entry_fees, exit_fees, entry_slippage, exit_slippage, "
        "pnl_percent, outcome, initial_stop, target, risk_amount, position_size_rule, "
        "r_multiple, mae_r, mfe_r, regime, volatility, atr, session, trend, setup) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    ti.Bind(1, t.bot_id).Bind(2, t.account_id).Bind(3, t.instrument_id).Bind(4, t.strategy);
    ti.Bind(5, ToString(t.side)).Bind(6, t.entry_time).Bind(7, t.exit_time);
    ti.Bind(8, t.entry_price).Bind(9, t.exit_price).Bind(10, t.quantity).Bind(11, t.gross_pnl);
    ti.Bind(12, t.fees).Bind(13, t.net_pnl).Bind(14, t.mae).Bind(15, t.mfe);
    ti.Bind(16, t.exit_reason).Bind(17, t.signal_id).Bind(18, ToString(t.mode));
    ti.Bind(19, t.is_test).Bind(20, t.strategy_version).Bind(21, t.bot_version);
    ti.Bind(22, t.entry_order_id).Bind(23, t.exit_order_id).Bind(24, t.entry_fees);
    ti.Bind(25, t.exit_fees).Bind(26, t.entry_slippage).Bind(27, t.exit_slippage);
    ti.Bind(28, t.pnl_percent).Bind(29, t.outcome).Bind(30, t.initial_stop).Bind(31, t.target);
    ti.Bind(32, t.risk_amount).Bind(33, t.position_size_rule).Bind(34, t.r_multiple);
    ti.Bind(35, t.mae_r).Bind(36, t.mfe_r).Bind(37, t.regime).Bind(38, t.volatility);
    ti.Bind(39, t.atr).Bind(40, t.session).Bind(41, t.trend).Bind(42, t.setup);
    ti.Step();
    t.id = ti.GetInt64(0);
    ti.Reset();
    closed = t;
    order.trade_id = t.id;
    row.StartTrade(order, Decimal(), f.price, Decimal(), Decimal());
    row.trade_entry_order_id.reset();
    row.trade_high.reset();
    row.trade_low.reset();
  }
  if (!change.opened_quantity.IsZero()) {
    if (before.is_flat() || change.flipped) {
      row.StartTrade(order, change.opened_quantity, f.price, open_fee, open_slippage);
    } else {
      row.trade_max_quantity = std::max(row.trade_max_quantity, change.after.quantity.Abs());
      row.trade_fees += open_fee;
      row.trade_entry_fees += open_fee;
      row.trade_entry_slippage += open_slippage;
      row.SeePrice(f.price);
    }
  }
  // Stops, marks and trailing state belong to the open position.
  const std::optional<Decimal> stop_loss = row.position.stop_loss;
  const std::optional<Decimal> take_profit = row.position.take_profit;
  const std::optional<Decimal> trailing_distance = row.position.trailing_distance;
  const std::optional<Decimal> trailing_percent = row.position.trailing_percent;
  row.position = change.after;
  row.position.mode = order.mode;
  row.position.is_test = order.is_test;
  row.position.fees = before.fees + f.fee;
  if (!row.position.is_flat()) {
    row.position.stop_loss = stop_loss;
    row.position.take_profit = take_profit;
    row.position.trailing_distance = trailing_distance;
    row.position.trailing_percent = trailing_percent;
    row.position.last_price = f.price;
    row.position.last_price_at = time;
    row.position.unrealized_pnl = UnrealizedPnl(row.position, f.price);
    row.position.highest_price = row.trade_high;
    row.position.lowest_price = row.trade_low;
  } else {
    row.position.stop_loss.reset();
    row.position.take_profit.reset();
    row.position.trailing_distance.reset();
    row.position.trailing_percent.reset();
    row.position.highest_price.reset();
    row.position.lowest_price.reset();
    row.position.last_price = f.price;
    row.position.last_price_at = time;
    row.position.unrealized_pnl = Decimal();
  }
  SavePositionRow(c, row);
  {
    PositionEventType type = PositionEventType::kIncreased;
    if (before.is_flat()) {
      type = PositionEventType::kOpened;
    } else if (change.flipped) {
      type = PositionEventType::kFlipped;
    } else if (change.closed) {
      type = PositionEventType::kClosed;
    } else if (!change.closed_quantity.IsZero()) {
      type = PositionEventType::kReduced;
    }
    const Decimal signed_qty = f.side == Side::kBuy ? f.quantity : -f.quantity;
    InsertPositionEvent(c, row.position, type, time, signed_qty, f.price, change.realized_pnl, f.id,
                        closed ? std::optional<std::int64_t>(closed->id) : std::nullopt,
                        "fill " + f.venue_fill_id);
  }
  out.position = row.position;
  out.change = change;
  out.closed_trade = closed;
  // The signal that opened the trade learns how it ended, in this unit of
  // work (SignalRepository::RecordOutcome sums every closed trade naming it).
  if (closed && closed->signal_id) impl_->signals.RecordOutcome(f.bot_id, *closed->signal_id);

  c.Prepare(
       "UPDATE trading.orders SET filled_quantity = ?, average_fill_price = ?, status = ?, "
       "updated_at = ?, reserved = ?, trade_id = ? WHERE bot_id = ? AND id = ?")
      .Bind(1, order.filled_quantity)
      .Bind(2, order.average_fill_price)
      .Bind(3, ToString(order.status))
      .Bind(4, time)
      .Bind(5, order.reserved)
      .Bind(6, order.trade_id)
      .Bind(7, order.bot_id)
      .Bind(8, order.id)
      .Execute();
  out.order = order;

  // The ledger: the fee (in its own currency) and the realized P&L (in the
  // quote currency), each with its balancing leg.
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

namespace {

std::string PositionName(BotId bot, AccountId account, InstrumentId instrument) {
  return "position of bot " + std::to_string(bot) + ", account " + std::to_string(account) +
         ", instrument " + std::to_string(instrument);
}

// The stop a trailing setting asks for, from the best price seen.
std::optional<Decimal> TrailingStop(const PositionRow& r) {
  const Position& p = r.position;
  if (!p.trailing_distance && !p.trailing_percent) return std::nullopt;
  const bool is_long = p.quantity.IsPositive();
  const std::optional<Decimal> best = is_long ? r.trade_high : r.trade_low;
  if (!best) return std::nullopt;
  if (p.trailing_distance) {
    return is_long ? *best - *p.trailing_distance : *best + *p.trailing_distance;
  }
  const Decimal one = Decimal::FromInt(1);
  return is_long ? best->Mul(one - *p.trailing_percent) : best->Mul(one + *p.trailing_percent);
}

}  // namespace

std::optional<Position> PositionRepository::MarkPrice(BotId bot, AccountId account,
                                                      InstrumentId instrument, Decimal price,
                                                      Timestamp time, bool record_event) {
  if (!price.IsPositive()) {
    throw InvalidArgument(PositionName(bot, account, instrument) + ": mark field 'price' value '" +
                          price.ToString() + "' must be positive");
  }
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  auto row = LoadPositionRow(c, bot, account, instrument, /*lock=*/true);
  if (!row || row->position.is_flat()) {
    tx.Commit();
    if (!row) return std::nullopt;
    return row->position;
  }
  Position& p = row->position;
  row->SeePrice(price);
  p.highest_price = row->trade_high;
  p.lowest_price = row->trade_low;
  p.last_price = price;
  p.last_price_at = time;
  p.unrealized_pnl = UnrealizedPnl(p, price);
  bool moved = false;
  if (auto candidate = TrailingStop(*row)) {
    const bool is_long = p.quantity.IsPositive();
    if (!p.stop_loss || (is_long ? *candidate > *p.stop_loss : *candidate < *p.stop_loss)) {
      p.stop_loss = candidate;
      moved = true;
    }
  }
  SavePositionRow(c, *row);
  if (moved) {
    InsertPositionEvent(c, p, PositionEventType::kStopMoved, time, Decimal(), price, Decimal(),
                        std::nullopt, std::nullopt, "trailing stop to " + p.stop_loss->ToString());
  }
  if (record_event) {
    InsertPositionEvent(c, p, PositionEventType::kMarked, time, Decimal(), price, Decimal(),
                        std::nullopt, std::nullopt, {});
  }
  tx.Commit();
  return p;
}

Position PositionRepository::SetStops(BotId bot, AccountId account, InstrumentId instrument,
                                      const StopSettings& stops, Timestamp time) {
  const std::string what = PositionName(bot, account, instrument);
  for (const auto& [field, value] : {std::pair{"stop_loss", stops.stop_loss},
                                     {"take_profit", stops.take_profit},
                                     {"trailing_distance", stops.trailing_distance},
                                     {"trailing_percent", stops.trailing_percent}}) {
    if (value && !value->IsPositive()) {
      throw InvalidArgument(what + ": field '" + field + "' value '" + value->ToString() +
                            "' must be positive");
    }
  }
  if (stops.trailing_distance && stops.trailing_percent) {
    throw InvalidArgument(what + ": set trailing_distance or trailing_percent, not both");
  }
  if (stops.trailing_percent && *stops.trailing_percent >= Decimal::FromInt(1)) {
    throw InvalidArgument(what + ": field 'trailing_percent' value '" +
                          stops.trailing_percent->ToString() + "' must be a fraction below 1");
  }
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  auto row = LoadPositionRow(c, bot, account, instrument, /*lock=*/true);
  if (!row || row->position.is_flat()) throw Conflict(what + " is flat: no stops to set");
  Position& p = row->position;
  const bool is_long = p.quantity.IsPositive();
  const Decimal reference = p.last_price.value_or(p.average_entry_price);
  if (stops.stop_loss &&
      (is_long ? *stops.stop_loss >= reference : *stops.stop_loss <= reference)) {
    throw InvalidArgument(what + ": field 'stop_loss' value '" + stops.stop_loss->ToString() +
                          "' must be " + (is_long ? "below" : "above") + " the last price " +
                          reference.ToString() + " of a " + (is_long ? "long" : "short"));
  }
  p.stop_loss = stops.stop_loss;
  p.take_profit = stops.take_profit;
  p.trailing_distance = stops.trailing_distance;
  p.trailing_percent = stops.trailing_percent;
  if (!row->context.initial_stop && p.stop_loss) row->context.initial_stop = p.stop_loss;
  if (!row->context.target && p.take_profit) row->context.target = p.take_profit;
  // A trailing stop starts at its level from the best price seen so far.
  if (auto candidate = TrailingStop(*row)) {
    if (!p.stop_loss || (is_long ? *candidate > *p.stop_loss : *candidate < *p.stop_loss)) {
      p.stop_loss = candidate;
    }
  }
  p.updated_at = std::max(p.updated_at, time);
  SavePositionRow(c, *row);
  InsertPositionEvent(c, p, PositionEventType::kStopsSet, time, Decimal(), p.last_price, Decimal(),
                      std::nullopt, std::nullopt, {});
  tx.Commit();
  return p;
}

void PositionRepository::SetTradeContext(BotId bot, AccountId account, InstrumentId instrument,
                                         const TradeContext& context) {
  const std::string what = PositionName(bot, account, instrument);
  for (const auto& [field, value] : {std::pair{"initial_stop", context.initial_stop},
                                     {"target", context.target},
                                     {"risk_amount", context.risk_amount}}) {
    if (value && !value->IsPositive()) {
      throw InvalidArgument(what + ": field '" + field + "' value '" + value->ToString() +
                            "' must be positive");
    }
  }
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  auto row = LoadPositionRow(c, bot, account, instrument, /*lock=*/true);
  if (!row || row->position.is_flat()) throw Conflict(what + " is flat: no open trade");
  TradeContext& ctx = row->context;
  if (context.initial_stop) ctx.initial_stop = context.initial_stop;
  if (context.target) ctx.target = context.target;
  if (context.risk_amount) ctx.risk_amount = context.risk_amount;
  if (!context.position_size_rule.empty()) ctx.position_size_rule = context.position_size_rule;
  if (!context.regime.empty()) ctx.regime = context.regime;
  if (context.volatility) ctx.volatility = context.volatility;
  if (context.atr) ctx.atr = context.atr;
  if (!context.session.empty()) ctx.session = context.session;
  if (!context.trend.empty()) ctx.trend = context.trend;
  if (!context.setup.empty()) ctx.setup = context.setup;
  SavePositionRow(c, *row);
  tx.Commit();
}

std::vector<PositionEvent> PositionRepository::Events(BotId bot, AccountId account,
                                                      InstrumentId instrument) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kPositionEventColumns) +
                          " FROM trading.position_events WHERE bot_id = ? AND account_id = ? AND "
                          "instrument_id = ? ORDER BY id");
  st.Bind(1, bot).Bind(2, account).Bind(3, instrument);
  std::vector<PositionEvent> out;
  while (st.Step()) out.push_back(ReadPositionEvent(st));
  return out;
}

std::vector<PositionEvent> PositionRepository::ListEvents(BotId bot, const TimeRange& range,
                                                          bool include_test) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kPositionEventColumns) +
                          " FROM trading.position_events WHERE bot_id = ? AND (is_test = 0 OR ?)" +
                          RangeSql("time", range) + " ORDER BY time, id");
  st.Bind(1, bot).Bind(2, include_test);
  BindRange(st, 3, range);
  std::vector<PositionEvent> out;
  while (st.Step()) out.push_back(ReadPositionEvent(st));
  return out;
}

// ---- trades ----------------------------------------------------------------

namespace detail {

BoundQuery TradeListQuery(const TradeFilter& f) {
  BoundQuery q;
  q.sql = "SELECT " + std::string(kTradeColumns) + " FROM trading.trades WHERE 1 = 1";
  auto add_text = [&q](const char* clause, const std::optional<std::string>& v) {
    if (!v) return;
    q.sql += clause;
    q.binds.push_back([v = *v](sql::Statement& st, int i) { st.Bind(i, v); });
  };
  if (f.bot) {
    q.sql += " AND bot_id = ?";
    q.binds.push_back([v = *f.bot](sql::Statement& st, int i) { st.Bind(i, v); });
  }
  add_text(" AND strategy = ?", f.strategy);
  add_text(" AND regime = ?", f.regime);
  add_text(" AND exit_reason = ?", f.exit_reason);
  if (f.outcome && *f.outcome != "win" && *f.outcome != "loss" && *f.outcome != "breakeven") {
    throw InvalidArgument("trade filter: field 'outcome' value '" + *f.outcome +
                          "' is not win, loss or breakeven");
  }
  add_text(" AND outcome = ?", f.outcome);
  if (f.instrument) {
    q.sql += " AND instrument_id = ?";
    q.binds.push_back([v = *f.instrument](sql::Statement& st, int i) { st.Bind(i, v); });
  }
  if (f.exit_time.from) {
    q.sql += " AND exit_time >= ?";
    q.binds.push_back([v = *f.exit_time.from](sql::Statement& st, int i) { st.Bind(i, v); });
  }
  if (f.exit_time.to) {
    q.sql += " AND exit_time < ?";
    q.binds.push_back([v = *f.exit_time.to](sql::Statement& st, int i) { st.Bind(i, v); });
  }
  if (!f.include_test) q.sql += " AND is_test = 0";
  q.sql += " ORDER BY exit_time, id";
  if (f.limit > 0) q.sql += " LIMIT " + std::to_string(f.limit);
  return q;
}

std::string OrdersByBotTimeSql() {
  return "SELECT " + std::string(kOrderColumns) +
         " FROM trading.orders WHERE bot_id = ? AND created_at >= ? AND created_at < ? ORDER BY "
         "created_at, id";
}

std::string FillsByBotTimeSql() {
  return "SELECT " + std::string(kFillColumns) +
         " FROM trading.fills WHERE bot_id = ? AND time >= ? AND time < ? ORDER BY time, id";
}

}  // namespace detail

std::vector<Trade> TradeRepository::List(const TradeFilter& filter) {
  const detail::BoundQuery q = detail::TradeListQuery(filter);
  auto& st = impl_->connection(Database::kTrading).Prepare(q.sql);
  q.BindAll(st);
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

Trade TradeRepository::UpdateReview(BotId bot, TradeId id, const TradeReview& review,
                                    Timestamp time) {
  const std::string what = "review of trade " + std::to_string(id);
  static const std::vector<std::string> kGrades = [] {
    std::vector<std::string> g{""};
    for (const char* letter : {"A", "B", "C", "D", "F"}) {
      for (const char* mod : {"", "+", "-"}) g.push_back(std::string(letter) + mod);
    }
    return g;
  }();
  if (std::find(kGrades.begin(), kGrades.end(), review.grade) == kGrades.end()) {
    throw InvalidArgument(what + ": field 'grade' value '" + review.grade +
                          "' is not A-D or F with an optional + or -");
  }
  std::string_view links = review.links;
  while (!links.empty()) {
    const auto nl = links.find('\n');
    std::string_view link = links.substr(0, nl);
    if (!link.empty() && !link.starts_with("http://") && !link.starts_with("https://")) {
      throw InvalidArgument(what + ": field 'links' value '" + std::string(link) +
                            "' is not an http(s) URL");
    }
    if (nl == std::string_view::npos) break;
    links.remove_prefix(nl + 1);
  }
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  Get(bot, id);
  c.Prepare(
       "UPDATE trading.trades SET setup = ?, tags = ?, notes = ?, mental_state = ?, "
       "rule_breaks = ?, grade = ?, links = ?, reviewed_at = ? WHERE bot_id = ? AND id = ?")
      .Bind(1, review.setup)
      .Bind(2, review.tags)
      .Bind(3, review.notes)
      .Bind(4, review.mental_state)
      .Bind(5, review.rule_breaks)
      .Bind(6, review.grade)
      .Bind(7, review.links)
      .Bind(8, time)
      .Bind(9, bot)
      .Bind(10, id)
      .Execute();
  Trade out = Get(bot, id);
  tx.Commit();
  return out;
}

}  // namespace tradestore
