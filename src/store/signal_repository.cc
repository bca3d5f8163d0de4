// Signals: the final decision, its per-component breakdown
// (trading.signal_components), filters, links to orders and trades, and the
// outcome derived from the closed trades that name the signal.
#include <cmath>
#include <set>
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::BindRange;
using detail::Database;
using detail::RangeSql;

namespace {

constexpr std::string_view kSignalColumns =
    "id, bot_id, instrument_id, strategy, time, side, strength, price, acted_on, note, mode, "
    "is_test, confidence, aggregation_method, filters_passed, filters_failed, strategy_version, "
    "bot_version, outcome, outcome_pnl, outcome_trades, outcome_at";

Signal ReadSignal(const sql::Statement& st) {
  Signal s;
  s.id = st.GetInt64(0);
  s.bot_id = st.GetInt64(1);
  s.instrument_id = st.GetInt64(2);
  s.strategy = st.GetText(3);
  s.time = st.GetTimestamp(4);
  s.side = ParseSide(st.GetText(5));
  s.strength = st.GetDouble(6);
  s.price = st.GetOptionalDouble(7);
  s.acted_on = st.GetBool(8);
  s.note = st.GetText(9);
  s.mode = ParseRunMode(st.GetText(10));
  s.is_test = st.GetBool(11);
  s.confidence = st.GetOptionalDouble(12);
  s.aggregation_method = st.GetText(13);
  s.filters_passed = detail::ParseJsonStringArray(st.GetText(14));
  s.filters_failed = detail::ParseJsonStringArray(st.GetText(15));
  s.strategy_version = st.GetText(16);
  s.bot_version = st.GetText(17);
  if (!st.IsNull(18)) {
    SignalOutcome o;
    o.result = ParseSignalResult(st.GetText(18));
    o.net_pnl = st.GetDecimal(19);
    o.trades = st.GetInt64(20);
    o.closed_at = st.GetTimestamp(21);
    s.outcome = o;
  }
  return s;
}

bool IsFraction(double v) { return std::isfinite(v) && v >= 0 && v <= 1; }

void ValidateSignal(const Signal& s) {
  const std::string what =
      "signal (bot " + std::to_string(s.bot_id) + ", strategy '" + s.strategy + "')";
  detail::RequireNonEmpty(s.strategy, "signal", "strategy");
  if (!std::isfinite(s.strength)) {
    throw InvalidArgument(what + ": field 'strength' is not finite");
  }
  if (s.confidence && !IsFraction(*s.confidence)) {
    throw InvalidArgument(what + ": field 'confidence' must be in [0, 1], got " +
                          std::to_string(*s.confidence));
  }
  std::set<std::string> names;
  for (const SignalComponent& c : s.components) {
    if (c.name.empty()) throw InvalidArgument(what + ": a component has an empty 'name'");
    if (!names.insert(c.name).second) {
      throw InvalidArgument(what + ": component '" + c.name + "' appears twice");
    }
    if (!IsFraction(c.confidence)) {
      throw InvalidArgument(what + ": component '" + c.name +
                            "': field 'confidence' must be in [0, 1], got " +
                            std::to_string(c.confidence));
    }
    if (!std::isfinite(c.weight) || c.weight < 0) {
      throw InvalidArgument(what + ": component '" + c.name +
                            "': field 'weight' must be >= 0, got " + std::to_string(c.weight));
    }
  }
  const std::set<std::string> passed(s.filters_passed.begin(), s.filters_passed.end());
  for (const std::string& f : s.filters_passed) {
    if (f.empty()) throw InvalidArgument(what + ": field 'filters_passed' has an empty name");
  }
  for (const std::string& f : s.filters_failed) {
    if (f.empty()) throw InvalidArgument(what + ": field 'filters_failed' has an empty name");
    if (passed.count(f) != 0) {
      throw InvalidArgument(what + ": filter '" + f + "' is both passed and failed");
    }
  }
}

std::string SignalName(BotId bot, SignalId id) {
  return "signal " + std::to_string(id) + " of bot " + std::to_string(bot);
}

}  // namespace

Signal SignalRepository::Record(const Signal& signal) {
  ValidateSignal(signal);
  const detail::BotProvenance bot = detail::BotProvenanceOf(*impl_, signal.bot_id);
  Signal out = signal;
  out.is_test = signal.is_test || bot.is_test;
  if (out.bot_version.empty()) out.bot_version = bot.version;
  out.outcome.reset();
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  auto& st = c.Prepare(
      "INSERT INTO trading.signals (bot_id, instrument_id, strategy, time, side, strength, "
      "price, acted_on, note, mode, is_test, confidence, aggregation_method, filters_passed, "
      "filters_failed, strategy_version, bot_version) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  st.Bind(1, out.bot_id).Bind(2, out.instrument_id).Bind(3, out.strategy);
  st.Bind(4, out.time).Bind(5, ToString(out.side)).Bind(6, out.strength);
  st.Bind(7, out.price).Bind(8, out.acted_on).Bind(9, out.note);
  st.Bind(10, ToString(out.mode)).Bind(11, out.is_test).Bind(12, out.confidence);
  st.Bind(13, out.aggregation_method).Bind(14, detail::JsonStringArray(out.filters_passed));
  st.Bind(15, detail::JsonStringArray(out.filters_failed)).Bind(16, out.strategy_version);
  st.Bind(17, out.bot_version);
  st.Step();
  out.id = st.GetInt64(0);
  st.Reset();
  if (!out.components.empty()) {
    auto& comp = c.Prepare(
        "INSERT INTO trading.signal_components (bot_id, signal_id, name, signal, confidence, "
        "weight, mode, is_test) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    for (const SignalComponent& k : out.components) {
      comp.Bind(1, out.bot_id).Bind(2, out.id).Bind(3, k.name).Bind(4, ToString(k.signal));
      comp.Bind(5, k.confidence).Bind(6, k.weight).Bind(7, ToString(out.mode));
      comp.Bind(8, out.is_test).Execute();
      comp.Reset();
    }
  }
  tx.Commit();
  return out;
}

void SignalRepository::MarkActedOn(BotId bot, SignalId id) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("UPDATE trading.signals SET acted_on = 1 WHERE bot_id = ? AND id = ?");
  if (st.Bind(1, bot).Bind(2, id).Execute() == 0) {
    throw NotFound(SignalName(bot, id) + " does not exist");
  }
}

namespace {

void LoadComponents(sql::Connection& c, std::vector<Signal>& signals) {
  auto& st = c.Prepare(
      "SELECT name, signal, confidence, weight FROM trading.signal_components "
      "WHERE bot_id = ? AND signal_id = ? ORDER BY name");
  for (Signal& s : signals) {
    st.Bind(1, s.bot_id).Bind(2, s.id);
    while (st.Step()) {
      s.components.push_back(
          {st.GetText(0), ParseSignalAction(st.GetText(1)), st.GetDouble(2), st.GetDouble(3)});
    }
    st.Reset();
  }
}

}  // namespace

Signal SignalRepository::Get(BotId bot, SignalId id) {
  auto& c = impl_->connection(Database::kTrading);
  auto& st = c.Prepare("SELECT " + std::string(kSignalColumns) +
                       " FROM trading.signals WHERE bot_id = ? AND id = ?");
  st.Bind(1, bot).Bind(2, id);
  if (!st.Step()) {
    st.Reset();
    throw NotFound(SignalName(bot, id) + " does not exist");
  }
  std::vector<Signal> out{ReadSignal(st)};
  st.Reset();
  LoadComponents(c, out);
  return out.front();
}

std::vector<Signal> SignalRepository::List(BotId bot, const TimeRange& range) {
  auto& c = impl_->connection(Database::kTrading);
  auto& st =
      c.Prepare("SELECT " + std::string(kSignalColumns) + " FROM trading.signals WHERE bot_id = ?" +
                RangeSql("time", range) + " ORDER BY time, id");
  st.Bind(1, bot);
  BindRange(st, 2, range);
  std::vector<Signal> out;
  while (st.Step()) out.push_back(ReadSignal(st));
  st.Reset();
  LoadComponents(c, out);
  return out;
}

std::vector<Signal> SignalRepository::Find(const SignalFilter& f) {
  std::string sql = "SELECT " + std::string(kSignalColumns) + " FROM trading.signals WHERE 1 = 1";
  if (f.bot) sql += " AND bot_id = ?";
  if (f.strategy) sql += " AND strategy = ?";
  if (f.instrument) sql += " AND instrument_id = ?";
  if (f.acted_on) sql += " AND acted_on = ?";
  if (f.outcome) sql += " AND outcome = ?";
  if (f.from) sql += " AND time >= ?";
  if (f.to) sql += " AND time < ?";
  if (!f.include_test) sql += " AND is_test = 0";
  sql += " ORDER BY time, id";
  if (f.limit > 0) sql += " LIMIT ?";
  auto& c = impl_->connection(Database::kTrading);
  auto& st = c.Prepare(sql);
  int i = 1;
  if (f.bot) st.Bind(i++, *f.bot);
  if (f.strategy) st.Bind(i++, *f.strategy);
  if (f.instrument) st.Bind(i++, *f.instrument);
  if (f.acted_on) st.Bind(i++, *f.acted_on);
  if (f.outcome) st.Bind(i++, ToString(*f.outcome));
  if (f.from) st.Bind(i++, *f.from);
  if (f.to) st.Bind(i++, *f.to);
  if (f.limit > 0) st.Bind(i++, f.limit);
  std::vector<Signal> out;
  while (st.Step()) out.push_back(ReadSignal(st));
  st.Reset();
  LoadComponents(c, out);
  return out;
}

SignalLinks SignalRepository::Links(BotId bot, SignalId id) {
  Get(bot, id);
  auto& c = impl_->connection(Database::kTrading);
  SignalLinks out;
  auto& orders =
      c.Prepare("SELECT id FROM trading.orders WHERE bot_id = ? AND signal_id = ? ORDER BY id");
  orders.Bind(1, bot).Bind(2, id);
  while (orders.Step()) out.orders.push_back(orders.GetInt64(0));
  orders.Reset();
  auto& trades =
      c.Prepare("SELECT id FROM trading.trades WHERE bot_id = ? AND signal_id = ? ORDER BY id");
  trades.Bind(1, bot).Bind(2, id);
  while (trades.Step()) out.trades.push_back(trades.GetInt64(0));
  trades.Reset();
  return out;
}

SignalOutcome SignalRepository::RecordOutcome(BotId bot, SignalId id) {
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  Get(bot, id);
  auto& trades =
      c.Prepare("SELECT net_pnl, exit_time FROM trading.trades WHERE bot_id = ? AND signal_id = ?");
  trades.Bind(1, bot).Bind(2, id);
  SignalOutcome out;
  while (trades.Step()) {
    out.net_pnl += trades.GetDecimal(0);  // exact: summed here, not by SQL
    const Timestamp exit = trades.GetTimestamp(1);
    if (out.trades == 0 || exit > out.closed_at) out.closed_at = exit;
    ++out.trades;
  }
  trades.Reset();
  if (out.trades == 0) {
    throw Conflict(SignalName(bot, id) + " has no closed trade yet: its outcome is unknown");
  }
  out.result = out.net_pnl.IsPositive()   ? SignalResult::kWin
               : out.net_pnl.IsNegative() ? SignalResult::kLoss
                                          : SignalResult::kBreakeven;
  auto& st = c.Prepare(
      "UPDATE trading.signals SET outcome = ?, outcome_pnl = ?, outcome_trades = ?, "
      "outcome_at = ? WHERE bot_id = ? AND id = ?");
  st.Bind(1, ToString(out.result)).Bind(2, out.net_pnl).Bind(3, out.trades);
  st.Bind(4, out.closed_at).Bind(5, bot).Bind(6, id).Execute();
  tx.Commit();
  return out;
}

}  // namespace tradestore
