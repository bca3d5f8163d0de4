// Risk limits (trading.risk_limits, versioned per bot) and risk events
// (audit.risk_events), and the evaluation of a bot's values against its
// limits.
#include <cmath>
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/risk.h"

namespace tradestore {

using detail::BindParams;
using detail::Database;
using detail::schema::Columns;
using detail::schema::RowReader;
using detail::schema::RowWriter;
using detail::schema::tables::kRiskEvents;
using detail::schema::tables::kRiskLimits;

namespace {

constexpr auto kLimitRow = Columns<kRiskLimits>::All();

RiskLimits ReadLimits(const sql::Statement& st) {
  const RowReader<kRiskLimits> r(st, kLimitRow);
  RiskLimits l;
  l.id = r.Get<std::int64_t>("id");
  l.bot_id = r.Get<std::int64_t>("bot_id");
  l.version = static_cast<int>(r.Get<std::int64_t>("version"));
  l.max_position = r.Get<std::optional<Decimal>>("max_position");
  l.max_daily_loss = r.Get<std::optional<Decimal>>("max_daily_loss");
  l.max_drawdown = r.Get<std::optional<double>>("max_drawdown");
  l.max_open_orders = r.Get<std::optional<std::int64_t>>("max_open_orders");
  l.effective_from = r.Get<Timestamp>("effective_from");
  l.effective_to = r.Get<std::optional<Timestamp>>("effective_to");
  l.note = r.Get<std::string>("note");
  l.mode = ParseRunMode(r.Get<std::string>("mode"));
  l.is_test = r.Get<bool>("is_test");
  l.created_at = r.Get<Timestamp>("created_at");
  return l;
}

// The limits in force at a time (binds: bot, time, time).
constexpr std::string_view kLimitsAt =
    " WHERE bot_id = ? AND effective_from <= ? AND (effective_to IS NULL OR effective_to > ?) "
    "ORDER BY effective_from DESC LIMIT 1";

constexpr auto kEventRow = Columns<kRiskEvents>::All();

RiskEvent ReadEvent(const sql::Statement& st) {
  const RowReader<kRiskEvents> r(st, kEventRow);
  RiskEvent e;
  e.id = r.Get<std::int64_t>("id");
  e.bot_id = r.Get<std::int64_t>("bot_id");
  e.time = r.Get<Timestamp>("time");
  e.limit = ParseRiskLimitKind(r.Get<std::string>("limit_kind"));
  if (auto v = r.Get<std::optional<std::int64_t>>("limits_version")) {
    e.limits_version = static_cast<int>(*v);
  }
  e.value = r.Get<Decimal>("value");
  e.threshold = r.Get<Decimal>("threshold");
  e.action = r.Get<std::string>("action");
  e.message = r.Get<std::string>("message");
  e.resolution = r.Get<std::string>("resolution");
  e.resolved_at = r.Get<std::optional<Timestamp>>("resolved_at");
  e.mode = ParseRunMode(r.Get<std::string>("mode"));
  e.is_test = r.Get<bool>("is_test");
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
  static const std::string kCurrentSql =
      kLimitRow.SelectSql(" WHERE bot_id = ? ORDER BY version DESC LIMIT 1");
  auto& cur = c.PrepareForUpdate(kCurrentSql);
  BindParams(cur, limits.bot_id);
  std::optional<RiskLimits> previous;
  if (cur.Step()) previous = ReadLimits(cur);
  cur.Reset();
  out.version = static_cast<int>(detail::StartNextVersion(
      c, "trading.risk_limits", out.bot_id,
      previous ? std::optional<detail::VersionHead>(
                     {previous->id, previous->version, previous->effective_from})
               : std::nullopt,
      out.effective_from, what));
  constexpr auto kInsert = Columns<kRiskLimits>::Insertable();
  static const std::string kSql = kInsert.InsertSql(" RETURNING id");
  RowWriter<kRiskLimits> row(c.Prepare(kSql), kInsert);
  row.Set("bot_id", out.bot_id).Set("version", out.version);
  row.Set("max_position", out.max_position).Set("max_daily_loss", out.max_daily_loss);
  row.Set("max_drawdown", out.max_drawdown).Set("max_open_orders", out.max_open_orders);
  row.Set("effective_from", out.effective_from).SetNull("effective_to").Set("note", out.note);
  row.Set("mode", ToString(out.mode)).Set("is_test", out.is_test);
  row.Set("created_at", out.created_at);
  sql::Statement& st = row.Done();
  st.Step();
  out.id = st.GetInt64(0);
  st.Reset();
  tx.Commit();
  return out;
}

std::optional<RiskLimits> RiskRepository::LimitsAt(BotId bot, Timestamp at) {
  static const std::string kSql = kLimitRow.SelectSql(kLimitsAt);
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  BindParams(st, bot, at, at);
  std::optional<RiskLimits> out;
  if (st.Step()) out = ReadLimits(st);
  st.Reset();
  return out;
}

std::vector<RiskLimits> RiskRepository::LimitsHistory(BotId bot) {
  static const std::string kSql = kLimitRow.SelectSql(" WHERE bot_id = ? ORDER BY version");
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  BindParams(st, bot);
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
  static const std::string kLockedSql = kLimitRow.SelectSql(kLimitsAt);
  auto& locked = c.PrepareForUpdate(kLockedSql);
  BindParams(locked, bot, time, time);
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
    static const std::string kOpenSql = kEventRow.SelectSql(
        " WHERE bot_id = ? AND limit_kind = ? AND resolved_at IS NULL ORDER BY id LIMIT 1");
    auto& open = c.PrepareForUpdate(kOpenSql);
    BindParams(open, bot, ToString(b.kind));
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
  constexpr auto kInsert = Columns<kRiskEvents>::Insertable();
  static const std::string kSql = kInsert.InsertSql(" RETURNING id");
  RowWriter<kRiskEvents> row(impl_->connection(Database::kTrading).Prepare(kSql), kInsert);
  row.Set("bot_id", out.bot_id).Set("time", out.time).Set("limit_kind", ToString(out.limit));
  row.Set("limits_version", out.limits_version).Set("value", out.value);
  row.Set("threshold", out.threshold).Set("action", out.action).Set("message", out.message);
  row.Set("resolution", out.resolution).Set("resolved_at", out.resolved_at);
  row.Set("mode", ToString(out.mode)).Set("is_test", out.is_test);
  sql::Statement& st = row.Done();
  st.Step();
  out.id = st.GetInt64(0);
  st.Reset();
  return out;
}

RiskEvent RiskRepository::GetEvent(BotId bot, std::int64_t event_id) {
  static const std::string kSql = kEventRow.SelectSql(" WHERE bot_id = ? AND id = ?");
  auto& st = impl_->connection(Database::kTrading).Prepare(kSql);
  BindParams(st, bot, event_id);
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
  constexpr auto kUpdate = Columns<kRiskEvents>::Only({"resolution", "resolved_at"});
  static const std::string kSql = kUpdate.UpdateSql(" WHERE bot_id = ? AND id = ?");
  RowWriter<kRiskEvents>(c.Prepare(kSql), kUpdate)
      .Set("resolution", resolution)
      .Set("resolved_at", resolved_at)
      .Where(bot, event_id)
      .Done()
      .Execute();
  tx.Commit();
  e.resolution = std::string(resolution);
  e.resolved_at = resolved_at;
  return e;
}

std::vector<RiskEvent> RiskRepository::Events(const RiskEventFilter& f) {
  std::string sql = kEventRow.SelectSql(" WHERE 1 = 1");
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
