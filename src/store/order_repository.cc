// Orders: creation, lifecycle transitions, amends and retries, with their
// events and reservations (ledger.h). Fills are in fill_recording.cc.
#include <random>
#include <string>

#include "store/domain_queries.h"
#include "store/execution_internal.h"
#include "store/fill_statements.h"
#include "store/ledger_internal.h"
#include "store/query_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/fill_accounting.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::BindParams;
using detail::BindRange;
using detail::Database;
using detail::InsertOrderEvent;
using detail::LoadOrder;
using detail::OrderName;
using detail::RangeSql;
using detail::schema::Columns;
using detail::schema::RowReader;
using detail::schema::RowWriter;

namespace {

using detail::schema::tables::kOrderEvents;
using detail::schema::tables::kOrders;
constexpr auto kOrderRow = Columns<kOrders>::All();
constexpr auto kOrderEventRow = Columns<kOrderEvents>::All();

// The WHERE clause of an update of one order.
constexpr std::string_view kWhereOrder = " WHERE bot_id = ? AND id = ?";

Order ReadOrder(const sql::Statement& st) {
  const detail::schema::RowReader<kOrders> r(st, kOrderRow);
  Order o;
  o.id = r.Get<std::int64_t>("id");
  o.bot_id = r.Get<std::int64_t>("bot_id");
  o.account_id = r.Get<std::int64_t>("account_id");
  o.instrument_id = r.Get<std::int64_t>("instrument_id");
  o.client_order_id = r.Get<std::string>("client_order_id");
  o.venue_order_id = r.Get<std::string>("venue_order_id");
  o.signal_id = r.Get<std::optional<std::int64_t>>("signal_id");
  o.strategy = r.Get<std::string>("strategy");
  o.side = ParseSide(r.Get<std::string>("side"));
  o.type = ParseOrderType(r.Get<std::string>("type"));
  o.time_in_force = ParseTimeInForce(r.Get<std::string>("time_in_force"));
  o.quantity = r.Get<Decimal>("quantity");
  o.limit_price = r.Get<std::optional<Decimal>>("limit_price");
  o.stop_price = r.Get<std::optional<Decimal>>("stop_price");
  o.status = ParseOrderStatus(r.Get<std::string>("status"));
  o.filled_quantity = r.Get<Decimal>("filled_quantity");
  o.average_fill_price = r.Get<std::optional<Decimal>>("average_fill_price");
  o.reason = r.Get<std::string>("reason");
  o.exit_reason = r.Get<std::string>("exit_reason");
  o.mode = ParseRunMode(r.Get<std::string>("mode"));
  o.is_test = r.Get<bool>("is_test");
  o.created_at = r.Get<Timestamp>("created_at");
  o.updated_at = r.Get<Timestamp>("updated_at");
  if (auto triggered = r.Get<std::optional<Timestamp>>("triggered_at")) o.triggered_at = *triggered;
  o.expected_price = r.Get<std::optional<Decimal>>("expected_price");
  o.strategy_version = r.Get<std::string>("strategy_version");
  o.bot_version = r.Get<std::string>("bot_version");
  o.trade_id = r.Get<std::optional<std::int64_t>>("trade_id");
  o.retry_count = r.Get<std::int64_t>("retry_count");
  o.last_error = r.Get<std::string>("last_error");
  o.reserved = r.Get<Decimal>("reserved");
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
  static const std::string kSql = kOrderRow.SelectSql(" WHERE bot_id = ? AND id = ?");
  auto& st = lock ? c.PrepareForUpdate(kSql) : c.Prepare(kSql);
  BindParams(st, bot, id);
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
  using statements::kOrderEventInsert;
  schema::RowWriter<kOrderEvents> row(c.Prepare(statements::OrderEventInsertSql()),
                                      kOrderEventInsert);
  row.Set("bot_id", o.bot_id).Set("order_id", o.id).Set("time", time);
  if (from) {
    row.Set("from_status", ToString(*from));
  } else {
    row.SetNull("from_status");
  }
  row.Set("to_status", ToString(to)).Set("reason", reason).Set("kind", ToString(kind));
  if (kind == OrderEventKind::kAmend || !from) {
    row.Set("quantity", o.quantity).Set("limit_price", o.limit_price);
    row.Set("stop_price", o.stop_price);
  } else {
    row.SetNull("quantity").SetNull("limit_price").SetNull("stop_price");
  }
  row.Set("mode", ToString(o.mode)).Set("is_test", o.is_test).Done().ExecuteDeferred();
}

std::string OrdersByBotTimeSql() {
  return kOrderRow.SelectSql(
      " WHERE bot_id = ? AND created_at >= ? AND created_at < ? ORDER BY created_at, id");
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
  // The bot's version when none is given; its id is bound after the columns.
  using detail::statements::kOrderInsert;
  detail::schema::RowWriter<kOrders> row(c.Prepare(detail::statements::OrderInsertSql(c.dialect())),
                                         kOrderInsert);
  row.Set("bot_id", out.bot_id).Set("account_id", out.account_id);
  row.Set("instrument_id", out.instrument_id).Set("client_order_id", out.client_order_id);
  row.Set("venue_order_id", out.venue_order_id).Set("signal_id", out.signal_id);
  row.Set("strategy", out.strategy).Set("side", ToString(out.side));
  row.Set("type", ToString(out.type)).Set("time_in_force", ToString(out.time_in_force));
  row.Set("quantity", out.quantity).Set("limit_price", out.limit_price);
  row.Set("stop_price", out.stop_price).Set("status", ToString(out.status));
  row.Set("filled_quantity", out.filled_quantity);
  row.Set("average_fill_price", out.average_fill_price).Set("reason", out.reason);
  row.Set("exit_reason", out.exit_reason).Set("mode", ToString(out.mode));
  row.Set("is_test", out.is_test).Set("created_at", out.created_at);
  row.Set("updated_at", out.updated_at).Set("expected_price", out.expected_price);
  row.Set("strategy_version", out.strategy_version).Set("bot_version", out.bot_version);
  auto& st = row.Where(out.bot_id).Done();
  if (!st.Step()) {
    st.Reset();
    throw Conflict("order with client_order_id '" + out.client_order_id + "' already exists");
  }
  const RowReader<kOrders> returned(st, Columns<kOrders>::Only({"id", "bot_version"}));
  out.id = returned.Get<std::int64_t>("id");
  out.bot_version = returned.Get<std::string>("bot_version");  // the bot's when none was given
  st.Reset();
  InsertOrderEvent(c, out, std::nullopt, OrderStatus::kNew, out.created_at, "created");
  UpdateReservation(*impl_, out, out.created_at);
  if (!out.reserved.IsZero()) {
    constexpr auto kUpdate = Columns<kOrders>::Only({"reserved"});
    static const std::string kUpdateSql = kUpdate.UpdateSql(kWhereOrder);
    RowWriter<kOrders>(c.Prepare(kUpdateSql), kUpdate)
        .Set("reserved", out.reserved)
        .Where(out.bot_id, out.id)
        .Done()
        .ExecuteDeferred();
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
  {
    using detail::statements::kOrderStatusUpdate;
    RowWriter<kOrders> row(c.Prepare(detail::statements::OrderStatusUpdateSql()),
                           kOrderStatusUpdate);
    row.Set("status", ToString(to)).Set("updated_at", time).Set("reason", o.reason);
    row.Set("reserved", o.reserved).Where(bot, id).Done().ExecuteDeferred();
  }
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
    constexpr auto kUpdate = Columns<kOrders>::Only({"venue_order_id"});
    static const std::string kUpdateSql = kUpdate.UpdateSql(kWhereOrder);
    RowWriter<kOrders>(c.Prepare(kUpdateSql), kUpdate)
        .Set("venue_order_id", o.venue_order_id)
        .Where(bot, id)
        .Done()
        .ExecuteDeferred();
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
  constexpr auto kUpdate =
      Columns<kOrders>::Only({"quantity", "limit_price", "stop_price", "reserved", "updated_at"});
  static const std::string kUpdateSql = kUpdate.UpdateSql(kWhereOrder);
  RowWriter<kOrders>(c.Prepare(kUpdateSql), kUpdate)
      .Set("quantity", o.quantity)
      .Set("limit_price", o.limit_price)
      .Set("stop_price", o.stop_price)
      .Set("reserved", o.reserved)
      .Set("updated_at", time)
      .Where(bot, id)
      .Done()
      .ExecuteDeferred();
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
  constexpr auto kUpdate = Columns<kOrders>::Only({"retry_count", "last_error", "updated_at"});
  static const std::string kUpdateSql = kUpdate.UpdateSql(kWhereOrder);
  RowWriter<kOrders>(c.Prepare(kUpdateSql), kUpdate)
      .Set("retry_count", o.retry_count)
      .Set("last_error", o.last_error)
      .Set("updated_at", time)
      .Where(bot, id)
      .Done()
      .ExecuteDeferred();
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
  constexpr auto kUpdate = Columns<kOrders>::Only({"triggered_at", "updated_at"});
  static const std::string kUpdateSql = kUpdate.UpdateSql(kWhereOrder);
  RowWriter<kOrders>(c.Prepare(kUpdateSql), kUpdate)
      .Set("triggered_at", time)
      .Set("updated_at", time)
      .Where(bot, id)
      .Done()
      .ExecuteDeferred();
  tx.Commit();
  return o;
}

std::optional<Order> OrderRepository::FindByClientId(BotId bot, std::string_view client_order_id) {
  static const std::string kSql = kOrderRow.SelectSql(" WHERE bot_id = ? AND client_order_id = ?");
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  BindParams(st, bot, client_order_id);
  std::optional<Order> out;
  if (st.Step()) out = ReadOrder(st);
  st.Reset();
  return out;
}

std::vector<Order> OrderRepository::ListOpen(BotId bot) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(kOrderRow.SelectSql(" WHERE bot_id = ? AND status IN ('new', "
                                              "'accepted', 'partially_filled') ORDER BY id"));
  BindParams(st, bot);
  std::vector<Order> out;
  while (st.Step()) out.push_back(ReadOrder(st));
  return out;
}

std::vector<Order> OrderRepository::List(BotId bot, const TimeRange& range) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(kOrderRow.SelectSql(" WHERE bot_id = ?") + RangeSql("created_at", range) +
                          " ORDER BY id");
  BindRange(st, BindParams(st, bot), range);
  std::vector<Order> out;
  while (st.Step()) out.push_back(ReadOrder(st));
  return out;
}

std::vector<OrderEvent> OrderRepository::Events(BotId bot, OrderId id) {
  static const std::string kSql =
      kOrderEventRow.SelectSql(" WHERE bot_id = ? AND order_id = ? ORDER BY id");
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  BindParams(st, bot, id);
  std::vector<OrderEvent> out;
  while (st.Step()) {
    const RowReader<kOrderEvents> r(st, kOrderEventRow);
    OrderEvent e;
    e.id = r.Get<std::int64_t>("id");
    e.bot_id = r.Get<std::int64_t>("bot_id");
    e.order_id = r.Get<std::int64_t>("order_id");
    e.time = r.Get<Timestamp>("time");
    if (auto from = r.Get<std::optional<std::string>>("from_status")) {
      e.from_status = ParseOrderStatus(*from);
    }
    e.to_status = ParseOrderStatus(r.Get<std::string>("to_status"));
    e.reason = r.Get<std::string>("reason");
    e.kind = ParseOrderEventKind(r.Get<std::string>("kind"));
    e.quantity = r.Get<std::optional<Decimal>>("quantity");
    e.limit_price = r.Get<std::optional<Decimal>>("limit_price");
    e.stop_price = r.Get<std::optional<Decimal>>("stop_price");
    e.mode = ParseRunMode(r.Get<std::string>("mode"));
    e.is_test = r.Get<bool>("is_test");
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace tradestore
