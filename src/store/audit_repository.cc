// System events (audit.system_events) and the structured error log
// (audit.error_log).
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/store_impl.h"
#include "tradestore/audit.h"
#include "tradestore/error.h"

namespace tradestore {

using detail::Database;

namespace {

// Severities at least as severe as `min`, as an SQL IN list of literals
// (closed set of our own names: no user text reaches the SQL).
std::string SeverityAtLeast(Severity min) {
  std::string list;
  for (Severity s : {Severity::kDebug, Severity::kInfo, Severity::kWarning, Severity::kError,
                     Severity::kCritical}) {
    if (static_cast<int>(s) < static_cast<int>(min)) continue;
    list += (list.empty() ? "'" : ", '") + std::string(ToString(s)) + "'";
  }
  return " AND severity IN (" + list + ")";
}

// WHERE clause of a filter, and its binding.
std::string FilterSql(const AuditFilter& f) {
  std::string sql = " WHERE 1 = 1";
  if (f.bot) sql += " AND bot_id = ?";
  if (f.component) sql += " AND component = ?";
  if (f.min_severity) sql += SeverityAtLeast(*f.min_severity);
  sql += detail::RangeSql("time", f.range);
  if (!f.include_test) sql += " AND is_test = 0";
  return sql;
}

int BindFilter(sql::Statement& st, const AuditFilter& f) {
  int i = 1;
  if (f.bot) st.Bind(i++, *f.bot);
  if (f.component) st.Bind(i++, *f.component);
  i = detail::BindRange(st, i, f.range);
  if (f.limit > 0) st.Bind(i++, f.limit);
  return i;
}

// "ORDER BY time, id" of the whole range, or of its last `limit` rows.
std::string Select(std::string_view columns, std::string_view table, const AuditFilter& f) {
  const std::string base =
      "SELECT " + std::string(columns) + " FROM " + std::string(table) + FilterSql(f);
  if (f.limit <= 0) return base + " ORDER BY time, id";
  return "SELECT * FROM (" + base +
         " ORDER BY time DESC, id DESC LIMIT ?) recent ORDER BY time, id";
}

constexpr std::string_view kEventColumns =
    "id, time, bot_id, component, event_type, severity, message, details, mode, is_test";
constexpr std::string_view kErrorColumns =
    "id, time, bot_id, component, severity, code, message, context, mode, is_test";

void ApplyBot(detail::StoreImpl& impl, const std::optional<BotId>& bot, RunMode* mode,
              bool* is_test) {
  if (!bot) return;
  const detail::BotProvenance p = detail::BotProvenanceOf(impl, *bot);
  *mode = p.mode;
  *is_test = *is_test || p.is_test;
}

}  // namespace

SystemEvent AuditRepository::RecordEvent(const SystemEvent& event) {
  detail::RequireNonEmpty(event.component, "system event", "component");
  const std::string what = "system event (" + event.component + ")";
  detail::RequireNonEmpty(event.event_type, what, "event_type");
  SystemEvent out = event;
  out.details = detail::CanonicalJson(event.details, what, "details", detail::JsonShape::kObject);
  ApplyBot(*impl_, out.bot_id, &out.mode, &out.is_test);
  if (out.time == Timestamp()) out.time = Timestamp::Now();
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(
                     "INSERT INTO audit.system_events (time, bot_id, component, event_type, "
                     "severity, message, details, mode, is_test) VALUES (?, ?, ?, ?, ?, ?, ?, ?, "
                     "?) RETURNING id");
  st.Bind(1, out.time).Bind(2, out.bot_id).Bind(3, out.component).Bind(4, out.event_type);
  st.Bind(5, ToString(out.severity)).Bind(6, out.message).Bind(7, out.details);
  st.Bind(8, ToString(out.mode)).Bind(9, out.is_test);
  st.Step();
  out.id = st.GetInt64(0);
  st.Reset();
  return out;
}

std::vector<SystemEvent> AuditRepository::Events(const AuditFilter& filter) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(Select(kEventColumns, "audit.system_events", filter));
  BindFilter(st, filter);
  std::vector<SystemEvent> out;
  while (st.Step()) {
    SystemEvent e;
    e.id = st.GetInt64(0);
    e.time = st.GetTimestamp(1);
    e.bot_id = st.GetOptionalInt64(2);
    e.component = st.GetText(3);
    e.event_type = st.GetText(4);
    e.severity = ParseSeverity(st.GetText(5));
    e.message = st.GetText(6);
    e.details = st.GetText(7);
    e.mode = ParseRunMode(st.GetText(8));
    e.is_test = st.GetBool(9);
    out.push_back(std::move(e));
  }
  return out;
}

ErrorLogEntry AuditRepository::LogError(const ErrorLogEntry& entry) {
  detail::RequireNonEmpty(entry.component, "error log entry", "component");
  const std::string what = "error log entry (" + entry.component + " " + entry.code + ")";
  detail::RequireNonEmpty(entry.message, what, "message");
  ErrorLogEntry out = entry;
  out.context = detail::CanonicalJson(entry.context, what, "context", detail::JsonShape::kObject);
  ApplyBot(*impl_, out.bot_id, &out.mode, &out.is_test);
  if (out.time == Timestamp()) out.time = Timestamp::Now();
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(
                     "INSERT INTO audit.error_log (time, bot_id, component, severity, code, "
                     "message, context, mode, is_test) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "RETURNING id");
  st.Bind(1, out.time).Bind(2, out.bot_id).Bind(3, out.component);
  st.Bind(4, ToString(out.severity)).Bind(5, out.code).Bind(6, out.message);
  st.Bind(7, out.context).Bind(8, ToString(out.mode)).Bind(9, out.is_test);
  st.Step();
  out.id = st.GetInt64(0);
  st.Reset();
  return out;
}

std::vector<ErrorLogEntry> AuditRepository::Errors(const AuditFilter& filter) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(Select(kErrorColumns, "audit.error_log", filter));
  BindFilter(st, filter);
  std::vector<ErrorLogEntry> out;
  while (st.Step()) {
    ErrorLogEntry e;
    e.id = st.GetInt64(0);
    e.time = st.GetTimestamp(1);
    e.bot_id = st.GetOptionalInt64(2);
    e.component = st.GetText(3);
    e.severity = ParseSeverity(st.GetText(4));
    e.code = st.GetText(5);
    e.message = st.GetText(6);
    e.context = st.GetText(7);
    e.mode = ParseRunMode(st.GetText(8));
    e.is_test = st.GetBool(9);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace tradestore
