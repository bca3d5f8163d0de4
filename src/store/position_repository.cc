// Positions: reads, marks, stops, trade context and events. Fills change
// them through fill_recording.cc.
#include <algorithm>
#include <string>
#include <vector>

#include "store/execution_internal.h"
#include "store/fill_statements.h"
#include "store/query_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::BindParams;

using detail::BindRange;
using detail::Database;
using detail::InsertPositionEvent;
using detail::LoadPositionRow;
using detail::PositionRow;
using detail::RangeSql;
using detail::SavePositionRow;

namespace {

using detail::schema::tables::kPositionEvents;
using detail::schema::tables::kPositions;
using detail::statements::kPositionRow;
constexpr auto kPositionEventRow = detail::schema::Columns<kPositionEvents>::All();

PositionRow ReadPositionRow(const sql::Statement& st) {
  const detail::schema::RowReader<kPositions> f(st, kPositionRow);
  PositionRow r;
  Position& p = r.position;
  p.bot_id = f.Get<std::int64_t>("bot_id");
  p.account_id = f.Get<std::int64_t>("account_id");
  p.instrument_id = f.Get<std::int64_t>("instrument_id");
  p.quantity = f.Get<Decimal>("quantity");
  p.average_entry_price = f.Get<Decimal>("average_entry_price");
  p.realized_pnl = f.Get<Decimal>("realized_pnl");
  p.fees = f.Get<Decimal>("fees");
  p.opened_at = f.Get<Timestamp>("opened_at");
  p.updated_at = f.Get<Timestamp>("updated_at");
  r.trade_max_quantity = f.Get<Decimal>("trade_max_quantity");
  r.trade_exit_quantity = f.Get<Decimal>("trade_exit_quantity");
  r.trade_exit_notional = f.Get<Decimal>("trade_exit_notional");
  r.trade_gross_pnl = f.Get<Decimal>("trade_gross_pnl");
  r.trade_fees = f.Get<Decimal>("trade_fees");
  r.trade_high = f.Get<std::optional<Decimal>>("trade_high");
  r.trade_low = f.Get<std::optional<Decimal>>("trade_low");
  r.trade_signal_id = f.Get<std::optional<std::int64_t>>("trade_signal_id");
  r.trade_strategy = f.Get<std::string>("trade_strategy");
  p.stop_loss = f.Get<std::optional<Decimal>>("stop_loss");
  p.take_profit = f.Get<std::optional<Decimal>>("take_profit");
  p.trailing_distance = f.Get<std::optional<Decimal>>("trailing_distance");
  p.trailing_percent = f.Get<std::optional<Decimal>>("trailing_percent");
  p.last_price = f.Get<std::optional<Decimal>>("last_price");
  if (auto at = f.Get<std::optional<Timestamp>>("last_price_at")) p.last_price_at = *at;
  p.unrealized_pnl = f.Get<Decimal>("unrealized_pnl");
  p.mode = ParseRunMode(f.Get<std::string>("mode"));
  p.is_test = f.Get<bool>("is_test");
  r.trade_entry_order_id = f.Get<std::optional<std::int64_t>>("trade_entry_order_id");
  r.trade_entry_fees = f.Get<Decimal>("trade_entry_fees");
  r.trade_entry_slippage = f.Get<Decimal>("trade_entry_slippage");
  r.trade_exit_slippage = f.Get<Decimal>("trade_exit_slippage");
  r.trade_strategy_version = f.Get<std::string>("trade_strategy_version");
  r.context.initial_stop = f.Get<std::optional<Decimal>>("trade_initial_stop");
  r.context.target = f.Get<std::optional<Decimal>>("trade_target");
  r.context.risk_amount = f.Get<std::optional<Decimal>>("trade_risk_amount");
  r.context.position_size_rule = f.Get<std::string>("trade_position_size_rule");
  r.context.regime = f.Get<std::string>("trade_regime");
  r.context.volatility = f.Get<std::optional<double>>("trade_volatility");
  r.context.atr = f.Get<std::optional<double>>("trade_atr");
  r.context.session = f.Get<std::string>("trade_session");
  r.context.trend = f.Get<std::string>("trade_trend");
  r.context.setup = f.Get<std::string>("trade_setup");
  if (!p.is_flat()) {
    p.highest_price = r.trade_high;
    p.lowest_price = r.trade_low;
  }
  return r;
}

PositionEvent ReadPositionEvent(const sql::Statement& st) {
  const detail::schema::RowReader<kPositionEvents> r(st, kPositionEventRow);
  PositionEvent e;
  e.id = r.Get<std::int64_t>("id");
  e.bot_id = r.Get<std::int64_t>("bot_id");
  e.account_id = r.Get<std::int64_t>("account_id");
  e.instrument_id = r.Get<std::int64_t>("instrument_id");
  e.time = r.Get<Timestamp>("time");
  e.type = ParsePositionEventType(r.Get<std::string>("type"));
  e.quantity_change = r.Get<Decimal>("quantity_change");
  e.quantity = r.Get<Decimal>("quantity");
  e.price = r.Get<std::optional<Decimal>>("price");
  e.average_entry_price = r.Get<Decimal>("average_entry_price");
  e.realized_pnl = r.Get<Decimal>("realized_pnl");
  e.stop_loss = r.Get<std::optional<Decimal>>("stop_loss");
  e.take_profit = r.Get<std::optional<Decimal>>("take_profit");
  e.fill_id = r.Get<std::optional<std::int64_t>>("fill_id");
  e.trade_id = r.Get<std::optional<std::int64_t>>("trade_id");
  e.message = r.Get<std::string>("message");
  e.mode = ParseRunMode(r.Get<std::string>("mode"));
  e.is_test = r.Get<bool>("is_test");
  return e;
}

// A position event of `p` (the position after it) that no fill caused.
void InsertPositionEvent(sql::Connection& c, const Position& p, PositionEventType type,
                         Timestamp time, std::optional<Decimal> price, std::string_view message) {
  PositionEvent e;
  e.bot_id = p.bot_id;
  e.account_id = p.account_id;
  e.instrument_id = p.instrument_id;
  e.time = time;
  e.type = type;
  e.quantity = p.quantity;
  e.price = price;
  e.average_entry_price = p.average_entry_price;
  e.stop_loss = p.stop_loss;
  e.take_profit = p.take_profit;
  e.message = std::string(message);
  e.mode = p.mode;
  e.is_test = p.is_test;
  detail::InsertPositionEvent(c, e);
}

}  // namespace

namespace detail {

std::optional<PositionRow> LoadPositionRow(sql::Connection& c, BotId bot, AccountId account,
                                           InstrumentId instrument, bool lock) {
  static const std::string kSql =
      kPositionRow.SelectSql(" WHERE bot_id = ? AND account_id = ? AND instrument_id = ?");
  auto& st = lock ? c.PrepareForUpdate(kSql) : c.Prepare(kSql);
  BindParams(st, bot, account, instrument);
  std::optional<PositionRow> out;
  if (st.Step()) out = ReadPositionRow(st);
  st.Reset();
  return out;
}

void SavePositionRow(sql::Connection& c, const PositionRow& r) {
  const Position& p = r.position;
  schema::RowWriter<kPositions> w(c.Prepare(statements::PositionUpsertSql()), kPositionRow);
  w.Set("bot_id", p.bot_id).Set("account_id", p.account_id);
  w.Set("instrument_id", p.instrument_id).Set("quantity", p.quantity);
  w.Set("average_entry_price", p.average_entry_price).Set("realized_pnl", p.realized_pnl);
  w.Set("fees", p.fees).Set("opened_at", p.opened_at).Set("updated_at", p.updated_at);
  w.Set("trade_max_quantity", r.trade_max_quantity);
  w.Set("trade_exit_quantity", r.trade_exit_quantity);
  w.Set("trade_exit_notional", r.trade_exit_notional);
  w.Set("trade_gross_pnl", r.trade_gross_pnl).Set("trade_fees", r.trade_fees);
  w.Set("trade_high", r.trade_high).Set("trade_low", r.trade_low);
  w.Set("trade_signal_id", r.trade_signal_id).Set("trade_strategy", r.trade_strategy);
  w.Set("stop_loss", p.stop_loss).Set("take_profit", p.take_profit);
  w.Set("trailing_distance", p.trailing_distance).Set("trailing_percent", p.trailing_percent);
  w.Set("last_price", p.last_price).Set("last_price_at", p.last_price_at);
  w.Set("unrealized_pnl", p.unrealized_pnl).Set("mode", ToString(p.mode));
  w.Set("is_test", p.is_test).Set("trade_entry_order_id", r.trade_entry_order_id);
  w.Set("trade_entry_fees", r.trade_entry_fees);
  w.Set("trade_entry_slippage", r.trade_entry_slippage);
  w.Set("trade_exit_slippage", r.trade_exit_slippage);
  w.Set("trade_strategy_version", r.trade_strategy_version);
  w.Set("trade_initial_stop", r.context.initial_stop).Set("trade_target", r.context.target);
  w.Set("trade_risk_amount", r.context.risk_amount);
  w.Set("trade_position_size_rule", r.context.position_size_rule);
  w.Set("trade_regime", r.context.regime).Set("trade_volatility", r.context.volatility);
  w.Set("trade_atr", r.context.atr).Set("trade_session", r.context.session);
  w.Set("trade_trend", r.context.trend).Set("trade_setup", r.context.setup);
  w.Done().ExecuteDeferred();
}

void InsertPositionEvent(sql::Connection& c, const PositionEvent& e) {
  schema::RowWriter<kPositionEvents> w(c.Prepare(statements::PositionEventInsertSql()),
                                       statements::kPositionEventInsert);
  w.Set("bot_id", e.bot_id).Set("account_id", e.account_id);
  w.Set("instrument_id", e.instrument_id).Set("time", e.time).Set("type", ToString(e.type));
  w.Set("quantity_change", e.quantity_change).Set("quantity", e.quantity);
  w.Set("price", e.price).Set("average_entry_price", e.average_entry_price);
  w.Set("realized_pnl", e.realized_pnl).Set("stop_loss", e.stop_loss);
  w.Set("take_profit", e.take_profit).Set("fill_id", e.fill_id).Set("trade_id", e.trade_id);
  w.Set("message", e.message).Set("mode", ToString(e.mode)).Set("is_test", e.is_test);
  w.Done().ExecuteDeferred();
}

}  // namespace detail

// ---- positions -------------------------------------------------------------

std::optional<Position> PositionRepository::Get(BotId bot, AccountId account,
                                                InstrumentId instrument) {
  auto row = LoadPositionRow(impl_->connection(Database::kTrading), bot, account, instrument);
  if (!row) return std::nullopt;
  return row->position;
}

std::vector<Position> PositionRepository::ListOpen(BotId bot) {
  auto& st =
      impl_->connection(Database::kTrading)
          .Prepare(kPositionRow.SelectSql(" WHERE bot_id = ? ORDER BY account_id, instrument_id"));
  BindParams(st, bot);
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
  constexpr auto kUpdate = detail::schema::Columns<kPositions>::Only({"trade_high", "trade_low"});
  static const std::string kSql =
      kUpdate.UpdateSql(" WHERE bot_id = ? AND account_id = ? AND instrument_id = ?");
  detail::schema::RowWriter<kPositions>(c.Prepare(kSql), kUpdate)
      .Set("trade_high", row->trade_high)
      .Set("trade_low", row->trade_low)
      .Where(bot, account, instrument)
      .Done()
      .ExecuteDeferred();
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
    InsertPositionEvent(c, p, PositionEventType::kStopMoved, time, price,
                        "trailing stop to " + p.stop_loss->ToString());
  }
  if (record_event) {
    InsertPositionEvent(c, p, PositionEventType::kMarked, time, price, {});
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
  InsertPositionEvent(c, p, PositionEventType::kStopsSet, time, p.last_price, {});
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
                 .Prepare(kPositionEventRow.SelectSql(
                     " WHERE bot_id = ? AND account_id = ? AND instrument_id = ? ORDER BY id"));
  BindParams(st, bot, account, instrument);
  std::vector<PositionEvent> out;
  while (st.Step()) out.push_back(ReadPositionEvent(st));
  return out;
}

std::vector<PositionEvent> PositionRepository::ListEvents(BotId bot, const TimeRange& range,
                                                          bool include_test) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(kPositionEventRow.SelectSql(" WHERE bot_id = ? AND (is_test = 0 OR ?)") +
                          RangeSql("time", range) + " ORDER BY time, id");
  BindRange(st, BindParams(st, bot, include_test), range);
  std::vector<PositionEvent> out;
  while (st.Step()) out.push_back(ReadPositionEvent(st));
  return out;
}

}  // namespace tradestore
