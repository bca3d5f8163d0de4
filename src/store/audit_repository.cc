// System events (audit.system_events) and the structured error log
// (audit.error_log).
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/audit.h"
#include "tradestore/error.h"

namespace tradestore {

using detail::Database;
using detail::schema::Columns;
using detail::schema::RowReader;
using detail::schema::RowWriter;
using detail::schema::tables::kErrorLog;
using detail::schema::tables::kSystemEvents;

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
template <class Row>
std::string Select(const Row& row, const AuditFilter& f) {
  const std::string base = row.SelectSql(FilterSql(f));
  if (f.limit <= 0) return base + " ORDER BY time, id";
  return "SELECT * FROM (" + base +
         " ORDER BY time DESC, id DESC LIMIT ?) recent ORDER BY time, id";
}

constexpr auto kEventRow = Columns<kSystemEvents>::All();
constexpr auto kErrorRow = Columns<kErrorLog>::All();

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
  constexpr auto kInsert = Columns<kSystemEvents>::Insertable();
  static const std::string kSql = kInsert.InsertSql(" RETURNING id");
  RowWriter<kSystemEvents> row(impl_->connection(Database::kTrading).Prepare(kSql), kInsert);
  row.Set("time", out.time).Set("bot_id", out.bot_id).Set("component", out.component);
  row.Set("event_type", out.event_type).Set("severity", ToString(out.severity));
  row.Set("message", out.message).Set("details", out.details);
  row.Set("mode", ToString(out.mode)).Set("is_test", out.is_test);
  sql::Statement& st = row.Done();
  st.Step();
  out.id = st.GetInt64(0);
  st.Reset();
  return out;
}

std::vector<SystemEvent> AuditRepository::Events(const AuditFilter& filter) {
  auto& st = impl_->connection(Database::kTrading).Prepare(Select(kEventRow, filter));
  BindFilter(st, filter);
  std::vector<SystemEvent> out;
  while (st.Step()) {
    const RowReader<kSystemEvents> r(st, kEventRow);
    SystemEvent e;
    e.id = r.Get<std::int64_t>("id");
    e.time = r.Get<Timestamp>("time");
    e.bot_id = r.Get<std::optional<std::int64_t>>("bot_id");
    e.component = r.Get<std::string>("component");
    e.event_type = r.Get<std::string>("event_type");
    e.severity = ParseSeverity(r.Get<std::string>("severity"));
    e.message = r.Get<std::string>("message");
    e.details = r.Get<std::string>("details");
    e.mode = ParseRunMode(r.Get<std::string>("mode"));
    e.is_test = r.Get<bool>("is_test");
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
  constexpr auto kInsert = Columns<kErrorLog>::Insertable();
  static const std::string kSql = kInsert.InsertSql(" RETURNING id");
  RowWriter<kErrorLog> row(impl_->connection(Database::kTrading).Prepare(kSql), kInsert);
  row.Set("time", out.time).Set("bot_id", out.bot_id).Set("component", out.component);
  row.Set("severity", ToString(out.severity)).Set("code", out.code);
  row.Set("message", out.message).Set("context", out.context);
  row.Set("mode", ToString(out.mode)).Set("is_test", out.is_test);
  sql::Statement& st = row.Done();
  st.Step();
  out.id = st.GetInt64(0);
  st.Reset();
  return out;
}

std::vector<ErrorLogEntry> AuditRepository::Errors(const AuditFilter& filter) {
  auto& st = impl_->connection(Database::kTrading).Prepare(Select(kErrorRow, filter));
  BindFilter(st, filter);
  std::vector<ErrorLogEntry> out;
  while (st.Step()) {
    const RowReader<kErrorLog> r(st, kErrorRow);
    ErrorLogEntry e;
    e.id = r.Get<std::int64_t>("id");
    e.time = r.Get<Timestamp>("time");
    e.bot_id = r.Get<std::optional<std::int64_t>>("bot_id");
    e.component = r.Get<std::string>("component");
    e.severity = ParseSeverity(r.Get<std::string>("severity"));
    e.code = r.Get<std::string>("code");
    e.message = r.Get<std::string>("message");
    e.context = r.Get<std::string>("context");
    e.mode = ParseRunMode(r.Get<std::string>("mode"));
    e.is_test = r.Get<bool>("is_test");
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace tradestore
