// Fills: OrderRepository::RecordFill checks a reported fill against the
// stored state, runs the pure accounting (AccountFill,
// tradestore/fill_accounting.h) and writes its result (fill, order, position,
// trade, signal outcome and ledger) in one unit of work.
#include <string>
#include <vector>

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
using detail::RangeSql;

namespace {

using detail::schema::tables::kFills;
constexpr auto kFillRow = detail::schema::Columns<kFills>::All();

Fill ReadFill(const sql::Statement& st) {
  const detail::schema::RowReader<kFills> r(st, kFillRow);
  Fill f;
  f.id = r.Get<std::int64_t>("id");
  f.bot_id = r.Get<std::int64_t>("bot_id");
  f.order_id = r.Get<std::int64_t>("order_id");
  f.instrument_id = r.Get<std::int64_t>("instrument_id");
  f.account_id = r.Get<std::int64_t>("account_id");
  f.venue = r.Get<std::string>("venue");
  f.venue_fill_id = r.Get<std::string>("venue_fill_id");
  f.side = ParseSide(r.Get<std::string>("side"));
  f.quantity = r.Get<Decimal>("quantity");
  f.price = r.Get<Decimal>("price");
  f.fee = r.Get<Decimal>("fee");
  f.fee_currency = r.Get<std::string>("fee_currency");
  f.liquidity = ParseLiquidity(r.Get<std::string>("liquidity"));
  f.time = r.Get<Timestamp>("time");
  f.mode = ParseRunMode(r.Get<std::string>("mode"));
  f.is_test = r.Get<bool>("is_test");
  return f;
}

// Inserts the fill; false when (bot, venue, venue_fill_id) is already
// recorded (the unique key answers in the same step). Sets f.id.
bool InsertFill(sql::Connection& c, Fill& f) {
  using detail::statements::kFillInsert;
  detail::schema::RowWriter<kFills> row(c.Prepare(detail::statements::FillInsertSql()),
                                        kFillInsert);
  row.Set("bot_id", f.bot_id).Set("order_id", f.order_id).Set("account_id", f.account_id);
  row.Set("instrument_id", f.instrument_id).Set("venue", f.venue);
  row.Set("venue_fill_id", f.venue_fill_id).Set("side", ToString(f.side));
  row.Set("quantity", f.quantity).Set("price", f.price).Set("fee", f.fee);
  row.Set("fee_currency", f.fee_currency).Set("liquidity", ToString(f.liquidity));
  row.Set("time", f.time).Set("mode", ToString(f.mode)).Set("is_test", f.is_test);
  sql::Statement& ins = row.Done();
  const bool inserted = ins.Step();
  if (inserted) f.id = ins.GetInt64(0);
  ins.Reset();
  return inserted;
}

Fill LoadFill(sql::Connection& c, BotId bot, std::string_view venue,
              std::string_view venue_fill_id) {
  static const std::string kSql =
      kFillRow.SelectSql(" WHERE bot_id = ? AND venue = ? AND venue_fill_id = ?");
  auto& st = c.Prepare(kSql);
  BindParams(st, bot, venue, venue_fill_id);
  st.Step();
  Fill out = ReadFill(st);
  st.Reset();
  return out;
}

// Posts a fill's journal: its first leg on the bot account and the
// balancing leg on the named system account.
LedgerEntry PostJournal(detail::StoreImpl& impl, const Journal& journal) {
  if (journal.size() != 2 || !journal[0].system_account.empty() ||
      journal[1].system_account.empty() || journal[0].entry.amount != -journal[1].entry.amount ||
      journal[0].entry.currency != journal[1].entry.currency) {
    throw Error(ErrorKind::kInternal, "fill journal is not a balanced pair of legs");
  }
  // The postings join the fill's unit of work directly: it already has its
  // own savepoint, and the order's foreign key proves the account.
  detail::ValidateLedgerEntry(journal[0].entry);
  return detail::PostValidatedLedgerEntry(impl, journal[0].entry, journal[1].system_account);
}

}  // namespace

namespace detail {

std::string FillsByBotTimeSql() {
  return kFillRow.SelectSql(" WHERE bot_id = ? AND time >= ? AND time < ? ORDER BY time, id");
}

}  // namespace detail

FillOutcome OrderRepository::RecordFill(const Fill& fill) {
  ValidateFill(fill);
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  FillOutcome out;
  const Order order = detail::LoadOrder(c, fill.bot_id, fill.order_id, /*lock=*/true);
  const std::string& quote_asset = impl_->QuoteAsset(order.instrument_id);

  // The fill. A repeated report of a recorded fill inserts nothing (the
  // unique key bot_id, venue, venue_fill_id) and changes nothing.
  Fill f = NormalizeFill(fill, order, quote_asset, Timestamp::Now());
  if (!InsertFill(c, f)) {
    out.duplicate = true;
    out.fill = LoadFill(c, fill.bot_id, fill.venue, fill.venue_fill_id);
    // A resend must report the same fill: a venue fill id reused with other
    // values is a conflict, not a duplicate to ignore.
    CheckResentFill(fill, f, out.fill);
    out.order = order.id == out.fill.order_id ? order : Get(out.fill.bot_id, out.fill.order_id);
    if (auto row = detail::LoadPositionRow(c, out.order.bot_id, out.order.account_id,
                                           out.order.instrument_id)) {
      out.position = row->position;
    }
    tx.Commit();
    return out;
  }
  // Balances and positions of the account change below: take its lock
  // first (see detail::LockAccount) where writers are not already serialized
  // by the database (SQLite's BEGIN IMMEDIATE is; the order's foreign key
  // proves the account exists). The order's state is checked first, after
  // the insert, which this unit of work undoes if the check fails.
  CheckFillable(order, f);
  if (!c.ForUpdate().empty()) detail::LockAccount(*impl_, order.bot_id, order.account_id);
  const auto position = detail::LoadPositionRow(c, order.bot_id, order.account_id,
                                                order.instrument_id, /*lock=*/true);
  FillEffect effect = AccountFill(order, position, f, quote_asset);
  const Timestamp time = f.time;

  // The order's reservation and event.
  if (!effect.reservation_change.IsZero()) {
    detail::AdjustLocked(*impl_, order.bot_id, order.account_id, quote_asset,
                         effect.reservation_change, time);
  }
  detail::InsertOrderEvent(c, effect.order, effect.order_from_status, effect.order.status, time,
                           effect.order_event_reason);
  // The trade, the position and its event.
  if (effect.closed_trade) effect.AssignTradeId(detail::InsertTrade(c, *effect.closed_trade));
  detail::SavePositionRow(c, effect.position);
  detail::InsertPositionEvent(c, effect.position_event);
  // The signal that opened the trade learns how it ended, in this unit of
  // work (SignalRepository::RecordOutcome sums every closed trade naming it).
  const std::optional<Trade>& closed = effect.closed_trade;
  if (closed && closed->signal_id) impl_->signals.RecordOutcome(f.bot_id, *closed->signal_id);

  const Order& o = effect.order;
  {
    using detail::statements::kOrderFillUpdate;
    detail::schema::RowWriter<detail::schema::tables::kOrders> row(
        c.Prepare(detail::statements::OrderFillUpdateSql()), kOrderFillUpdate);
    row.Set("filled_quantity", o.filled_quantity).Set("average_fill_price", o.average_fill_price);
    row.Set("status", ToString(o.status)).Set("updated_at", time).Set("reserved", o.reserved);
    row.Set("trade_id", o.trade_id).Where(o.bot_id, o.id).Done().ExecuteDeferred();
  }

  // The ledger: the fee and the realized P&L, each with its balancing leg.
  for (const Journal& journal : effect.journals) {
    out.ledger_entries.push_back(PostJournal(*impl_, journal));
  }
  out.fill = f;
  out.order = o;
  out.position = effect.position.position;
  out.change = effect.change;
  out.closed_trade = closed;
  tx.Commit();
  return out;
}

std::vector<Fill> OrderRepository::Fills(BotId bot, OrderId id) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(kFillRow.SelectSql(" WHERE bot_id = ? AND order_id = ? ORDER BY id"));
  BindParams(st, bot, id);
  std::vector<Fill> out;
  while (st.Step()) out.push_back(ReadFill(st));
  return out;
}

std::vector<Fill> OrderRepository::ListFills(BotId bot, const TimeRange& range) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(kFillRow.SelectSql(" WHERE bot_id = ?") + RangeSql("time", range) +
                          " ORDER BY id");
  BindRange(st, BindParams(st, bot), range);
  std::vector<Fill> out;
  while (st.Step()) out.push_back(ReadFill(st));
  return out;
}

}  // namespace tradestore
