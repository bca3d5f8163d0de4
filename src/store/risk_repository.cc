// Risk limits (trading.risk_limits, versioned per bot) and risk events
// (audit.risk_events), and the evaluation of a bot's values against its
// limits.
#include <cmath>
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/risk.h"

namespace tradestore {

using detail::Database;

namespace {

constexpr std::string_view kLimitColumns =
    "id, bot_id, version, max_position, max_daily_loss, max_drawdown, max_open_orders, "
    "effective_from, effective_to, note, mode, is_test, created_at";

RiskLimits ReadLimits(const sql::Statement& st) {
  RiskLimits l;
  l.id = st.GetInt64(0);
  l.bot_id = st.GetInt64(1);
  l.version = static_cast<int>(st.GetInt64(2));
  l.max_position = st.GetOptionalDecimal(3);
  l.max_daily_loss = st.GetOptionalDecimal(4);
  l.max_drawdown = st.GetOptionalDouble(5);
  l.max_open_orders = st.GetOptionalInt64(6);
  l.effective_from = st.GetTimestamp(7);
  if (!st.IsNull(8)) l.effective_to = st.GetTimestamp(8);
  l.note = st.GetText(9);
  l.mode = ParseRunMode(st.GetText(10));
  l.is_test = st.GetBool(11);
  l.created_at = st.GetTimestamp(12);
  return l;
}

constexpr std::string_view kEventColumns =
    "id, bot_id, time, limit_kind, limits_version, value, threshold, action, message, "
    "resolution, resolved_at, mode, is_test";

RiskEvent ReadEvent(const sql::Statement& st) {
  RiskEvent e;
  e.id = st.GetInt64(0);
  e.bot_id = st.GetInt64(1);
  e.time = st.GetTimestamp(2);
  e.limit = ParseRiskLimitKind(st.GetText(3));
  if (!st.IsNull(4)) e.limits_version = static_cast<int>(st.GetInt64(4));
  e.value = st.GetDecimal(5);
  e.threshold = st.GetDecimal(6);
  e.action = st.GetText(7);
  e.message = st.GetText(8);
  e.resolution = st.GetText(9);
  if (!st.IsNull(10)) e.resolved_at = st.GetTimestamp(10);
  e.mode = ParseRunMode(st.GetText(11));
  e.is_test = st.GetBool(12);
  return e;
}

void RequireNotNegative(const std::optional<Decimal>& v, const std::string& what,
                        const char* field) {
  if (v && v->IsNegative()) {
    throw InvalidArgument(what + ": field '" + field + "' is negative: " + v->ToString());
  }
}

void RequireFraction(const std::optional<double>& v, const std::string& what, const char* field) {
  if (v && !(std::isfinite(*v) && *v >= 0 && *v <= 1)) {
    throw InvalidArgument(what + ": field '" + field + "' must be a fraction in [0, 1], got " +
                          std::to_string(*v));
  }
}

// Drawdowns are doubles; events keep them as decimals with 10 places.
Decimal FractionToDecimal(double v) { return Decimal::FromDouble(v, 10); }

std::string EventName(BotId bot, std::int64_t id) {
  return "risk event " + std::to_string(id) + " of bot " + std::to_string(bot);
}

}  // namespace

RiskLimits RiskRepository::SetLimits(const RiskLimits& limits) {
  const std::string what = "risk limits of bot " + std::to_string(limits.bot_id);
  RequireNotNegative(limits.max_position, what, "max_position");
  RequireNotNegative(limits.max_daily_loss, what, "max_daily_loss");
  RequireFraction(limits.max_drawdown, what, "max_drawdown");
  if (limits.max_open_orders && *limits.max_open_orders < 0) {
    throw InvalidArgument(
        what + ": field 'max_open_orders' is negative: " + std::to_string(*limits.max_open_orders));
  }
  if (!limits.max_position && !limits.max_daily_loss && !limits.max_drawdown &&
      !limits.max_open_orders) {
    throw InvalidArgument(what + ": no limit is set");
  }
  const detail::BotProvenance bot = detail::BotProvenanceOf(*impl_, limits.bot_id);
  RiskLimits out = limits;
  out.effective_from =
      limits.effective_from == Timestamp() ? Timestamp::Now() : limits.effective_from;
  out.effective_to.reset();
  out.mode = bot.mode;
  out.is_test = bot.is_test;
  out.created_at = Timestamp::Now();
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  auto& cur = c.PrepareForUpdate("SELECT " + std::string(kLimitColumns) +
                                 " FROM trading.risk_limits WHERE bot_id = ? "
                                 "ORDER BY version DESC LIMIT 1");
  cur.Bind(1, limits.bot_id);
  std::optional<RiskLimits> previous;
  if (cur.Step()) previous = ReadLimits(cur);
  cur.Reset();
  out.version = static_cast<int>(detail::StartNextVersion(
      c, "trading.risk_limits", out.bot_id,
      previous ? std::optional<detail::VersionHead>(
                     {previous->id, previous->version, previous->effective_from})
               : std::nullopt,
      out.effective_from, what));
  auto& st = c.Prepare(
      "INSERT INTO trading.risk_limits (bot_id, version, max_position, max_daily_loss, "
      "max_drawdown, max_open_orders, effective_from, effective_to, note, mode, is_test, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?) RETURNING id");
  st.Bind(1, out.bot_id).Bind(2, out.version).Bind(3, out.max_position);
  st.Bind(4, out.max_daily_loss).Bind(5, out.max_drawdown).Bind(6, out.max_open_orders);
  st.Bind(7, out.effective_from).Bind(8, out.note).Bind(9, ToString(out.mode));
  st.Bind(10, out.is_test).Bind(11, out.created_at);
  st.Step();
  out.id = st.GetInt64(0);
  st.Reset();
  tx.Commit();
  return out;
}

std::optional<RiskLimits> RiskRepository::LimitsAt(BotId bot, Timestamp at) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kLimitColumns) +
                          " FROM trading.risk_limits WHERE bot_id = ? AND effective_from <= ? "
                          "AND (effective_to IS NULL OR effective_to > ?) "
                          "ORDER BY effective_from DESC LIMIT 1");
  st.Bind(1, bot).Bind(2, at).Bind(3, at);
  std::optional<RiskLimits> out;
  if (st.Step()) out = ReadLimits(st);
  st.Reset();
  return out;
}

std::vector<RiskLimits> RiskRepository::LimitsHistory(BotId bot) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kLimitColumns) +
                          " FROM trading.risk_limits WHERE bot_id = ? ORDER BY version");
  st.Bind(1, bot);
  std::vector<RiskLimits> out;
  while (st.Step()) out.push_back(ReadLimits(st));
  return out;
}

std::vector<RiskEvent> RiskRepository::Evaluate(BotId bot, const RiskValues& values, Timestamp time,
                                                std::string_view action) {
  const std::string what = "risk evaluation of bot " + std::to_string(bot);
  detail::RequireNonEmpty(action, what, "action");
  RequireNotNegative(values.position, what, "position");
  RequireNotNegative(values.daily_loss, what, "daily_loss");
  RequireFraction(values.drawdown, what, "drawdown");
  if (values.open_orders && *values.open_orders < 0) {
    throw InvalidArgument(
        what + ": field 'open_orders' is negative: " + std::to_string(*values.open_orders));
  }
  const detail::BotProvenance prov = detail::BotProvenanceOf(*impl_, bot);
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  // The limits row is read with a lock, so that concurrent evaluations of
  // one bot take turns and see each other's open events (no duplicates).
  auto& locked = c.PrepareForUpdate(
      "SELECT " + std::string(kLimitColumns) +
      " FROM trading.risk_limits WHERE bot_id = ? AND effective_from <= ? AND "
      "(effective_to IS NULL OR effective_to > ?) ORDER BY effective_from DESC LIMIT 1");
  locked.Bind(1, bot).Bind(2, time).Bind(3, time);
  std::optional<RiskLimits> limits;
  if (locked.Step()) limits = ReadLimits(locked);
  locked.Reset();
  if (!limits) {
    throw NotFound("bot " + std::to_string(bot) + " has no risk limits in force at " +
                   time.ToIso());
  }
  struct Breach {
    RiskLimitKind kind;
    Decimal value;
    Decimal threshold;
  };
  std::vector<Breach> breaches;
  if (limits->max_position && values.position && *values.position > *limits->max_position) {
    breaches.push_back({RiskLimitKind::kMaxPosition, *values.position, *limits->max_position});
  }
  if (limits->max_daily_loss && values.daily_loss && *values.daily_loss > *limits->max_daily_loss) {
    breaches.push_back({RiskLimitKind::kMaxDailyLoss, *values.daily_loss, *limits->max_daily_loss});
  }
  if (limits->max_drawdown && values.drawdown && *values.drawdown > *limits->max_drawdown) {
    breaches.push_back({RiskLimitKind::kMaxDrawdown, FractionToDecimal(*values.drawdown),
                        FractionToDecimal(*limits->max_drawdown)});
  }
  if (limits->max_open_orders && values.open_orders &&
      *values.open_orders > *limits->max_open_orders) {
    breaches.push_back({RiskLimitKind::kMaxOpenOrders, Decimal::FromInt(*values.open_orders),
                        Decimal::FromInt(*limits->max_open_orders)});
  }
  std::vector<RiskEvent> out;
  for (const Breach& b : breaches) {
    auto& open = c.PrepareForUpdate(
        "SELECT " + std::string(kEventColumns) +
        " FROM audit.risk_events WHERE bot_id = ? AND limit_kind = ? AND resolved_at IS NULL "
        "ORDER BY id LIMIT 1");
    open.Bind(1, bot).Bind(2, ToString(b.kind));
    if (open.Step()) {
      out.push_back(ReadEvent(open));
      open.Reset();
      continue;
    }
    open.Reset();
    RiskEvent e;
    e.bot_id = bot;
    e.time = time;
    e.limit = b.kind;
    e.limits_version = limits->version;
    e.value = b.value;
    e.threshold = b.threshold;
    e.action = std::string(action);
    e.message = std::string(ToString(b.kind)) + ": " + b.value.ToString() + " > " +
                b.threshold.ToString() + " (limits version " + std::to_string(limits->version) +
                ")";
    e.mode = prov.mode;
    e.is_test = prov.is_test;
    out.push_back(RecordEvent(e));
  }
  tx.Commit();
  return out;
}

RiskEvent RiskRepository::RecordEvent(const RiskEvent& event) {
  const std::string what = "risk event of bot " + std::to_string(event.bot_id);
  detail::RequireNonEmpty(event.action, what, "action");
  if (event.threshold.IsNegative()) {
    throw InvalidArgument(what + ": field 'threshold' is negative: " + event.threshold.ToString());
  }
  const detail::BotProvenance prov = detail::BotProvenanceOf(*impl_, event.bot_id);
  RiskEvent out = event;
  if (out.time == Timestamp()) out.time = Timestamp::Now();
  out.mode = prov.mode;
  out.is_test = prov.is_test;
  out.resolution.clear();
  out.resolved_at.reset();
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(
                     "INSERT INTO audit.risk_events (bot_id, time, limit_kind, limits_version, "
                     "value, threshold, action, message, resolution, resolved_at, mode, is_test) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', NULL, ?, ?) RETURNING id");
  st.Bind(1, out.bot_id).Bind(2, out.time).Bind(3, ToString(out.limit));
  st.Bind(4, out.limits_version).Bind(5, out.value).Bind(6, out.threshold);
  st.Bind(7, out.action).Bind(8, out.message).Bind(9, ToString(out.mode));
  st.Bind(10, out.is_test);
  st.Step();
  out.id = st.GetInt64(0);
  st.Reset();
  return out;
}

RiskEvent RiskRepository::GetEvent(BotId bot, std::int64_t event_id) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kEventColumns) +
                          " FROM audit.risk_events WHERE bot_id = ? AND id = ?");
  st.Bind(1, bot).Bind(2, event_id);
  if (!st.Step()) {
    st.Reset();
    throw NotFound(EventName(bot, event_id) + " does not exist");
  }
  RiskEvent out = ReadEvent(st);
  st.Reset();
  return out;
}

RiskEvent RiskRepository::Resolve(BotId bot, std::int64_t event_id, std::string_view resolution,
                                  Timestamp resolved_at) {
  detail::RequireNonEmpty(resolution, EventName(bot, event_id), "resolution");
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  RiskEvent e = GetEvent(bot, event_id);
  if (e.resolved_at) {
    throw Conflict(EventName(bot, event_id) + " was already resolved at " + e.resolved_at->ToIso() +
                   " ('" + e.resolution + "')");
  }
  if (resolved_at < e.time) {
    throw InvalidArgument(EventName(bot, event_id) + ": field 'resolved_at' " +
                          resolved_at.ToIso() + " is before the event's time " + e.time.ToIso());
  }
  auto& st = c.Prepare(
      "UPDATE audit.risk_events SET resolution = ?, resolved_at = ? WHERE bot_id = ? AND id = ?");
  st.Bind(1, resolution).Bind(2, resolved_at).Bind(3, bot).Bind(4, event_id).Execute();
  tx.Commit();
  e.resolution = std::string(resolution);
  e.resolved_at = resolved_at;
  return e;
}

std::vector<RiskEvent> RiskRepository::Events(const RiskEventFilter& f) {
  std::string sql = "SELECT " + std::string(kEventColumns) + " FROM audit.risk_events WHERE 1 = 1";
  if (f.bot) sql += " AND bot_id = ?";
  if (f.limit) sql += " AND limit_kind = ?";
  if (f.only_open) sql += " AND resolved_at IS NULL";
  sql += detail::RangeSql("time", f.range);
  if (!f.include_test) sql += " AND is_test = 0";
  sql += " ORDER BY time, id";
  auto& st = impl_->connection(Database::kTrading).Prepare(sql);
  int i = 1;
  if (f.bot) st.Bind(i++, *f.bot);
  if (f.limit) st.Bind(i++, ToString(*f.limit));
  detail::BindRange(st, i, f.range);
  std::vector<RiskEvent> out;
  while (st.Step()) out.push_back(ReadEvent(st));
  return out;
}

}  // namespace tradestore
