// Positions: reads, marks, stops, trade context and events. Fills change
// them through fill_recording.cc.
#include <algorithm>
#include <string>
#include <vector>

#include "store/execution_internal.h"
#include "store/query_util.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::BindRange;
using detail::Database;
using detail::InsertPositionEvent;
using detail::LoadPositionRow;
using detail::PositionRow;
using detail::RangeSql;
using detail::SavePositionRow;

namespace {

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

void InsertPositionEvent(sql::Connection& c, const PositionEvent& e) {
  auto& st = c.Prepare(
      "INSERT INTO trading.position_events (bot_id, account_id, instrument_id, time, type, "
      "quantity_change, quantity, price, average_entry_price, realized_pnl, stop_loss, "
      "take_profit, fill_id, trade_id, message, mode, is_test) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.Bind(1, e.bot_id).Bind(2, e.account_id).Bind(3, e.instrument_id).Bind(4, e.time);
  st.Bind(5, ToString(e.type)).Bind(6, e.quantity_change).Bind(7, e.quantity).Bind(8, e.price);
  st.Bind(9, e.average_entry_price).Bind(10, e.realized_pnl).Bind(11, e.stop_loss);
  st.Bind(12, e.take_profit).Bind(13, e.fill_id).Bind(14, e.trade_id).Bind(15, e.message);
  st.Bind(16, ToString(e.mode)).Bind(17, e.is_test).Execute();
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

}  // namespace tradestore
