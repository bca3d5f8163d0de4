// The pattern cache (analytics.pattern_cache).
#include <cmath>
#include <string>

#include "store/record_util.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/pattern.h"

namespace tradestore {

using detail::Database;

namespace {

constexpr std::string_view kColumns =
    "id, instrument_id, timeframe, pattern, confidence, detected_at, expires_at, details, "
    "is_test";

PatternDetection ReadPattern(const sql::Statement& st) {
  PatternDetection p;
  p.id = st.GetInt64(0);
  p.instrument_id = st.GetInt64(1);
  p.timeframe = ParseTimeframe(st.GetText(2));
  p.pattern = st.GetText(3);
  p.confidence = st.GetDouble(4);
  p.detected_at = st.GetTimestamp(5);
  p.expires_at = st.GetTimestamp(6);
  p.details = st.GetText(7);
  p.is_test = st.GetBool(8);
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
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare(
                     "INSERT INTO analytics.pattern_cache (instrument_id, timeframe, pattern, "
                     "confidence, detected_at, expires_at, details, is_test) VALUES "
                     "(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (instrument_id, timeframe, pattern, "
                     "detected_at) DO UPDATE SET confidence = excluded.confidence, "
                     "expires_at = excluded.expires_at, details = excluded.details, "
                     "is_test = excluded.is_test RETURNING id");
  st.Bind(1, out.instrument_id).Bind(2, ToString(out.timeframe)).Bind(3, out.pattern);
  st.Bind(4, out.confidence).Bind(5, out.detected_at).Bind(6, out.expires_at);
  st.Bind(7, out.details).Bind(8, out.is_test);
  st.Step();
  out.id = st.GetInt64(0);
  st.Reset();
  return out;
}

std::vector<PatternDetection> PatternRepository::Active(const PatternQuery& q) {
  std::string sql =
      "SELECT " + std::string(kColumns) + " FROM analytics.pattern_cache WHERE instrument_id = ?";
  if (q.timeframe) sql += " AND timeframe = ?";
  sql += " AND expires_at > ? AND detected_at <= ? AND confidence >= ?";
  if (q.pattern) sql += " AND pattern = ?";
  if (!q.include_test) sql += " AND is_test = 0";
  sql += " ORDER BY confidence DESC, detected_at DESC, id";
  auto& st = impl_->connection(Database::kAnalytics).Prepare(sql);
  int i = 1;
  st.Bind(i++, q.instrument_id);
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
  return st.Bind(1, before).Execute();
}

}  // namespace tradestore
