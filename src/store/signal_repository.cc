// Signals: the final decision, its per-component breakdown
// (trading.signal_components), filters, links to orders and trades, and the
// outcome derived from the closed trades that name the signal.
#include <cmath>
#include <set>
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::BindParams;
using detail::BindRange;
using detail::Database;
using detail::RangeSql;
using detail::schema::Columns;
using detail::schema::RowReader;
using detail::schema::RowWriter;
using detail::schema::tables::kSignalComponents;
using detail::schema::tables::kSignals;

namespace {

constexpr auto kSignalRow = Columns<kSignals>::All();

Signal ReadSignal(const sql::Statement& st) {
  const RowReader<kSignals> r(st, kSignalRow);
  Signal s;
  s.id = r.Get<std::int64_t>("id");
  s.bot_id = r.Get<std::int64_t>("bot_id");
  s.instrument_id = r.Get<std::int64_t>("instrument_id");
  s.strategy = r.Get<std::string>("strategy");
  s.time = r.Get<Timestamp>("time");
  s.side = ParseSide(r.Get<std::string>("side"));
  s.strength = r.Get<double>("strength");
  s.price = r.Get<std::optional<double>>("price");
  s.acted_on = r.Get<bool>("acted_on");
  s.note = r.Get<std::string>("note");
  s.mode = ParseRunMode(r.Get<std::string>("mode"));
  s.is_test = r.Get<bool>("is_test");
  s.confidence = r.Get<std::optional<double>>("confidence");
  s.aggregation_method = r.Get<std::string>("aggregation_method");
  s.filters_passed = detail::ParseJsonStringArray(r.Get<std::string>("filters_passed"));
  s.filters_failed = detail::ParseJsonStringArray(r.Get<std::string>("filters_failed"));
  s.strategy_version = r.Get<std::string>("strategy_version");
  s.bot_version = r.Get<std::string>("bot_version");
  if (auto result = r.Get<std::optional<std::string>>("outcome")) {
    SignalOutcome o;
    o.result = ParseSignalResult(*result);
    o.net_pnl = r.Get<Decimal>("outcome_pnl");
    o.trades = r.Get<std::int64_t>("outcome_trades");
    o.closed_at = r.Get<Timestamp>("outcome_at");
    s.outcome = o;
  }
  return s;
}

// What Record writes: the outcome comes later (RecordOutcome).
constexpr auto kSignalInsert =
    Columns<kSignals>::Insertable({"outcome", "outcome_pnl", "outcome_trades", "outcome_at"});
constexpr auto kComponentRow = Columns<kSignalComponents>::All();
constexpr auto kComponentRead =
    Columns<kSignalComponents>::Only({"name", "signal", "confidence", "weight"});

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
  static const std::string kSql = kSignalInsert.InsertSql(" RETURNING id");
  RowWriter<kSignals> row(c.Prepare(kSql), kSignalInsert);
  row.Set("bot_id", out.bot_id).Set("instrument_id", out.instrument_id);
  row.Set("strategy", out.strategy).Set("time", out.time).Set("side", ToString(out.side));
  row.Set("strength", out.strength).Set("price", out.price).Set("acted_on", out.acted_on);
  row.Set("note", out.note).Set("mode", ToString(out.mode)).Set("is_test", out.is_test);
  row.Set("confidence", out.confidence).Set("aggregation_method", out.aggregation_method);
  row.Set("filters_passed", detail::JsonStringArray(out.filters_passed));
  row.Set("filters_failed", detail::JsonStringArray(out.filters_failed));
  row.Set("strategy_version", out.strategy_version).Set("bot_version", out.bot_version);
  sql::Statement& st = row.Done();
  st.Step();
  out.id = st.GetInt64(0);
  st.Reset();
  if (!out.components.empty()) {
    static const std::string kComponentSql = kComponentRow.InsertSql();
    auto& comp = c.Prepare(kComponentSql);
    for (const SignalComponent& k : out.components) {
      RowWriter<kSignalComponents> w(comp, kComponentRow);
      w.Set("bot_id", out.bot_id).Set("signal_id", out.id).Set("name", k.name);
      w.Set("signal", ToString(k.signal)).Set("confidence", k.confidence);
      w.Set("weight", k.weight).Set("mode", ToString(out.mode)).Set("is_test", out.is_test);
      w.Done().ExecuteDeferred();
      comp.Reset();
    }
  }
  tx.Commit();
  return out;
}

void SignalRepository::MarkActedOn(BotId bot, SignalId id) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("UPDATE trading.signals SET acted_on = 1 WHERE bot_id = ? AND id = ?");
  BindParams(st, bot, id);
  if (st.Execute() == 0) {
    throw NotFound(SignalName(bot, id) + " does not exist");
  }
}

namespace {

void LoadComponents(sql::Connection& c, std::vector<Signal>& signals) {
  static const std::string kSql =
      kComponentRead.SelectSql(" WHERE bot_id = ? AND signal_id = ? ORDER BY name");
  auto& st = c.Prepare(kSql);
  for (Signal& s : signals) {
    BindParams(st, s.bot_id, s.id);
    while (st.Step()) {
      const RowReader<kSignalComponents> r(st, kComponentRead);
      s.components.push_back({r.Get<std::string>("name"),
                              ParseSignalAction(r.Get<std::string>("signal")),
                              r.Get<double>("confidence"), r.Get<double>("weight")});
    }
    st.Reset();
  }
}

}  // namespace

Signal SignalRepository::Get(BotId bot, SignalId id) {
  auto& c = impl_->connection(Database::kTrading);
  static const std::string kSql = kSignalRow.SelectSql(" WHERE bot_id = ? AND id = ?");
  auto& st = c.Prepare(kSql);
  BindParams(st, bot, id);
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
  auto& st = c.Prepare(kSignalRow.SelectSql(" WHERE bot_id = ?") + RangeSql("time", range) +
                       " ORDER BY time, id");
  BindRange(st, BindParams(st, bot), range);
  std::vector<Signal> out;
  while (st.Step()) out.push_back(ReadSignal(st));
  st.Reset();
  LoadComponents(c, out);
  return out;
}

std::vector<Signal> SignalRepository::Find(const SignalFilter& f) {
  std::string sql = kSignalRow.SelectSql(" WHERE 1 = 1");
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
  BindParams(orders, bot, id);
  while (orders.Step()) out.orders.push_back(orders.GetInt64(0));
  orders.Reset();
  auto& trades =
      c.Prepare("SELECT id FROM trading.trades WHERE bot_id = ? AND signal_id = ? ORDER BY id");
  BindParams(trades, bot, id);
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
  BindParams(trades, bot, id);
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
  constexpr auto kOutcome =
      Columns<kSignals>::Only({"outcome", "outcome_pnl", "outcome_trades", "outcome_at"});
  static const std::string kSql = kOutcome.UpdateSql(" WHERE bot_id = ? AND id = ?");
  RowWriter<kSignals> row(c.Prepare(kSql), kOutcome);
  row.Set("outcome", ToString(out.result)).Set("outcome_pnl", out.net_pnl);
  row.Set("outcome_trades", out.trades).Set("outcome_at", out.closed_at);
  row.Where(bot, id).Done().Execute();
  tx.Commit();
  return out;
}

}  // namespace tradestore
