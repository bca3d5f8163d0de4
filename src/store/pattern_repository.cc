// The pattern cache (analytics.pattern_cache).
#include <cmath>
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/pattern.h"

namespace tradestore {

using detail::BindParams;
using detail::Database;
using detail::schema::Columns;
using detail::schema::tables::kPatternCache;

namespace {

constexpr auto kPatternRow = Columns<kPatternCache>::All();

PatternDetection ReadPattern(const sql::Statement& st) {
  const detail::schema::RowReader<kPatternCache> r(st, kPatternRow);
  PatternDetection p;
  p.id = r.Get<std::int64_t>("id");
  p.instrument_id = r.Get<std::int64_t>("instrument_id");
  p.timeframe = ParseTimeframe(r.Get<std::string>("timeframe"));
  p.pattern = r.Get<std::string>("pattern");
  p.confidence = r.Get<double>("confidence");
  p.detected_at = r.Get<Timestamp>("detected_at");
  p.expires_at = r.Get<Timestamp>("expires_at");
  p.details = r.Get<std::string>("details");
  p.is_test = r.Get<bool>("is_test");
  return p;
}

}  // namespace

PatternDetection PatternRepository::Record(const PatternDetection& d) {
  detail::RequireNonEmpty(d.pattern, "pattern detection", "pattern");
  const std::string what =
      "pattern '" + d.pattern + "' (instrument " + std::to_string(d.instrument_id) + ", " +
      std::string(ToString(d.timeframe)) + ", detected " + d.detected_at.ToIso() + ")";
  if (!(std::isfinite(d.confidence) && d.confidence >= 0 && d.confidence <= 1)) {
    throw InvalidArgument(what + ": field 'confidence' must be in [0, 1], got " +
                          std::to_string(d.confidence));
  }
  if (d.expires_at <= d.detected_at) {
    throw InvalidArgument(what + ": field 'expires_at' " + d.expires_at.ToIso() +
                          " is not after detected_at");
  }
  PatternDetection out = d;
  out.details = detail::CanonicalJson(d.details, what, "details", detail::JsonShape::kObject);
  impl_->instruments.Get(d.instrument_id);  // kNotFound
  constexpr auto kInsert = Columns<kPatternCache>::Insertable();
  static const std::string kSql = kInsert.UpsertSql(
      Columns<kPatternCache>::Only({"instrument_id", "timeframe", "pattern", "detected_at"}),
      Columns<kPatternCache>::Only({}), " RETURNING id");
  detail::schema::RowWriter<kPatternCache> row(
      impl_->connection(Database::kAnalytics).Prepare(kSql), kInsert);
  row.Set("instrument_id", out.instrument_id).Set("timeframe", ToString(out.timeframe));
  row.Set("pattern", out.pattern).Set("confidence", out.confidence);
  row.Set("detected_at", out.detected_at).Set("expires_at", out.expires_at);
  row.Set("details", out.details).Set("is_test", out.is_test);
  sql::Statement& st = row.Done();
  st.Step();
  out.id = st.GetInt64(0);
  st.Reset();
  return out;
}

std::vector<PatternDetection> PatternRepository::Active(const PatternQuery& q) {
  std::string sql = kPatternRow.SelectSql(" WHERE instrument_id = ?");
  if (q.timeframe) sql += " AND timeframe = ?";
  sql += " AND expires_at > ? AND detected_at <= ? AND confidence >= ?";
  if (q.pattern) sql += " AND pattern = ?";
  if (!q.include_test) sql += " AND is_test = 0";
  sql += " ORDER BY confidence DESC, detected_at DESC, id";
  auto& st = impl_->connection(Database::kAnalytics).Prepare(sql);
  int i = BindParams(st, q.instrument_id);
  if (q.timeframe) st.Bind(i++, ToString(*q.timeframe));
  st.Bind(i, q.at).Bind(i + 1, q.at).Bind(i + 2, q.min_confidence);
  i += 3;
  if (q.pattern) st.Bind(i++, *q.pattern);
  std::vector<PatternDetection> out;
  while (st.Step()) out.push_back(ReadPattern(st));
  return out;
}

std::int64_t PatternRepository::PurgeExpired(Timestamp before) {
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare("DELETE FROM analytics.pattern_cache WHERE expires_at <= ?");
  BindParams(st, before);
  return st.Execute();
}

}  // namespace tradestore
