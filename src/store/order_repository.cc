// Orders: creation, lifecycle transitions, amends and retries, with their
// events and reservations (ledger.h). Fills are in fill_recording.cc.
#include <random>
#include <string>

#include "store/domain_queries.h"
#include "store/execution_internal.h"
#include "store/ledger_internal.h"
#include "store/query_util.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/fill_accounting.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::BindRange;
using detail::Database;
using detail::InsertOrderEvent;
using detail::LoadOrder;
using detail::OrderName;
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

std::string GenerateClientOrderId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* kHex = "0123456789abcdef";
  std::string id = "ts-";
  std::uint64_t v = rng();
  for (int i = 0; i < 16; ++i, v >>= 4) id += kHex[v & 15];
  return id;
}

// Recomputes the order's reservation (ledger.h) and moves the difference
// into the locked amount of its account's quote-currency balance. Updates
// o.reserved; the caller writes the order row.
void UpdateReservation(detail::StoreImpl& impl, Order& o, Timestamp time) {
  const Decimal now = ReservationOf(o);
  const Decimal delta = now - o.reserved;
  if (delta.IsZero()) return;
  auto& c = impl.connection(Database::kTrading);
  if (!c.ForUpdate().empty()) detail::LockAccount(impl, o.bot_id, o.account_id);
  detail::AdjustLocked(impl, o.bot_id, o.account_id, impl.QuoteAsset(o.instrument_id), delta, time);
  o.reserved = now;
}
}  // namespace

namespace detail {

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

std::string OrderName(const Order& o) {
  return "order " + std::to_string(o.id) + " (" + o.client_order_id + ")";
}

void InsertOrderEvent(sql::Connection& c, const Order& o, std::optional<OrderStatus> from,
                      OrderStatus to, Timestamp time, std::string_view reason,
                      OrderEventKind kind) {
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

std::string OrdersByBotTimeSql() {
  return "SELECT " + std::string(kOrderColumns) +
         " FROM trading.orders WHERE bot_id = ? AND created_at >= ? AND created_at < ? ORDER BY "
         "created_at, id";
}

}  // namespace detail

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

}  // namespace tradestore
