// ML model results (analytics.ml_results).
#include <cmath>
#include <limits>
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/ml_result.h"

namespace tradestore {

using detail::Database;

namespace {

constexpr std::string_view kColumns =
    "id, model, model_version, instrument_id, time, features_hash, prediction, actual, "
    "actual_at, metrics, is_test";

MlResult ReadResult(const sql::Statement& st) {
  MlResult r;
  r.id = st.GetInt64(0);
  r.model = st.GetText(1);
  r.model_version = st.GetText(2);
  r.instrument_id = st.GetOptionalInt64(3);
  r.time = st.GetTimestamp(4);
  r.features_hash = st.GetText(5);
  r.prediction = st.GetDouble(6);
  r.actual = st.GetOptionalDouble(7);
  if (!st.IsNull(8)) r.actual_at = st.GetTimestamp(8);
  r.metrics = st.GetText(9);
  r.is_test = st.GetBool(10);
  return r;
}

std::string ResultName(std::int64_t id) { return "ML result " + std::to_string(id); }

}  // namespace

MlResult MlResultRepository::Record(const MlResult& r) {
  detail::RequireNonEmpty(r.model, "ML result", "model");
  const std::string what =
      "ML result of model '" + r.model + "' version '" + r.model_version + "' at " + r.time.ToIso();
  detail::RequireNonEmpty(r.model_version, what, "model_version");
  detail::RequireNonEmpty(r.features_hash, what, "features_hash");
  if (!std::isfinite(r.prediction))
    throw InvalidArgument(what + ": field 'prediction' is not finite");
  if (r.actual && !std::isfinite(*r.actual)) {
    throw InvalidArgument(what + ": field 'actual' is not finite");
  }
  MlResult out = r;
  out.metrics = detail::CanonicalJson(r.metrics, what, "metrics", detail::JsonShape::kObject);
  if (out.actual && !out.actual_at) out.actual_at = out.time;
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare(
                     "INSERT INTO analytics.ml_results (model, model_version, instrument_id, "
                     "time, features_hash, prediction, actual, actual_at, metrics, is_test) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (model, model_version, "
                     "features_hash, time) DO NOTHING RETURNING id");
  st.Bind(1, out.model).Bind(2, out.model_version).Bind(3, out.instrument_id).Bind(4, out.time);
  st.Bind(5, out.features_hash).Bind(6, out.prediction).Bind(7, out.actual);
  st.Bind(8, out.actual_at).Bind(9, out.metrics).Bind(10, out.is_test);
  if (!st.Step()) {
    st.Reset();
    throw Conflict(what + " with features hash '" + out.features_hash + "' is already recorded");
  }
  out.id = st.GetInt64(0);
  st.Reset();
  return out;
}

MlResult MlResultRepository::Get(std::int64_t id) {
  auto& st =
      impl_->connection(Database::kAnalytics)
          .Prepare("SELECT " + std::string(kColumns) + " FROM analytics.ml_results WHERE id = ?");
  st.Bind(1, id);
  if (!st.Step()) {
    st.Reset();
    throw NotFound(ResultName(id) + " does not exist");
  }
  MlResult out = ReadResult(st);
  st.Reset();
  return out;
}

MlResult MlResultRepository::SetActual(std::int64_t id, double actual, Timestamp actual_at,
                                       std::string_view metrics) {
  if (!std::isfinite(actual)) {
    throw InvalidArgument(ResultName(id) + ": field 'actual' is not finite");
  }
  std::optional<std::string> canonical;
  if (!metrics.empty()) {
    canonical =
        detail::CanonicalJson(metrics, ResultName(id), "metrics", detail::JsonShape::kObject);
  }
  auto& c = impl_->connection(Database::kAnalytics);
  sql::Transaction tx(c);
  MlResult r = Get(id);
  if (r.actual) {
    throw Conflict(ResultName(id) + " already has its actual value " + std::to_string(*r.actual));
  }
  auto& st = c.Prepare(
      "UPDATE analytics.ml_results SET actual = ?, actual_at = ?, metrics = ? WHERE id = ?");
  r.actual = actual;
  r.actual_at = actual_at;
  if (canonical) r.metrics = *canonical;
  st.Bind(1, actual).Bind(2, actual_at).Bind(3, r.metrics).Bind(4, id).Execute();
  tx.Commit();
  return r;
}

std::vector<MlResult> MlResultRepository::List(const MlResultFilter& f) {
  detail::RequireNonEmpty(f.model, "ML result query", "model");
  std::string sql =
      "SELECT " + std::string(kColumns) + " FROM analytics.ml_results WHERE model = ?";
  if (f.model_version) sql += " AND model_version = ?";
  sql += detail::RangeSql("time", f.range);
  if (f.only_with_actual) sql += " AND actual IS NOT NULL";
  if (!f.include_test) sql += " AND is_test = 0";
  sql += " ORDER BY time, id";
  auto& st = impl_->connection(Database::kAnalytics).Prepare(sql);
  int i = 1;
  st.Bind(i++, f.model);
  if (f.model_version) st.Bind(i++, *f.model_version);
  detail::BindRange(st, i, f.range);
  std::vector<MlResult> out;
  while (st.Step()) out.push_back(ReadResult(st));
  return out;
}

MlErrorStats MlResultRepository::Errors(const MlResultFilter& filter) {
  MlResultFilter f = filter;
  f.only_with_actual = true;
  MlErrorStats out;
  double abs_sum = 0;
  double sq_sum = 0;
  for (const MlResult& r : List(f)) {
    const double e = r.prediction - *r.actual;
    abs_sum += std::abs(e);
    sq_sum += e * e;
    ++out.count;
  }
  if (out.count == 0) {
    out.mae = out.rmse = std::numeric_limits<double>::quiet_NaN();
  } else {
    out.mae = abs_sum / static_cast<double>(out.count);
    out.rmse = std::sqrt(sq_sum / static_cast<double>(out.count));
  }
  return out;
}

}  // namespace tradestore
