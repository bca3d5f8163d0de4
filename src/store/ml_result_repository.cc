// ML model results (analytics.ml_results).
#include <cmath>
#include <limits>
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/ml_result.h"

namespace tradestore {

using detail::BindParams;
using detail::Database;
using detail::schema::Columns;
using detail::schema::RowReader;
using detail::schema::RowWriter;
using detail::schema::tables::kMlResults;

namespace {

constexpr auto kResultRow = Columns<kMlResults>::All();

MlResult ReadResult(const sql::Statement& st) {
  const RowReader<kMlResults> row(st, kResultRow);
  MlResult r;
  r.id = row.Get<std::int64_t>("id");
  r.model = row.Get<std::string>("model");
  r.model_version = row.Get<std::string>("model_version");
  r.instrument_id = row.Get<std::optional<std::int64_t>>("instrument_id");
  r.time = row.Get<Timestamp>("time");
  r.features_hash = row.Get<std::string>("features_hash");
  r.prediction = row.Get<double>("prediction");
  r.actual = row.Get<std::optional<double>>("actual");
  r.actual_at = row.Get<std::optional<Timestamp>>("actual_at");
  r.metrics = row.Get<std::string>("metrics");
  r.is_test = row.Get<bool>("is_test");
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
  constexpr auto kInsert = Columns<kMlResults>::Insertable();
  static const std::string kSql = kInsert.InsertSql(
      " ON CONFLICT (model, model_version, features_hash, time) DO NOTHING RETURNING id");
  RowWriter<kMlResults> row(impl_->connection(Database::kAnalytics).Prepare(kSql), kInsert);
  row.Set("model", out.model).Set("model_version", out.model_version);
  row.Set("instrument_id", out.instrument_id).Set("time", out.time);
  row.Set("features_hash", out.features_hash).Set("prediction", out.prediction);
  row.Set("actual", out.actual).Set("actual_at", out.actual_at).Set("metrics", out.metrics);
  row.Set("is_test", out.is_test);
  sql::Statement& st = row.Done();
  if (!st.Step()) {
    st.Reset();
    throw Conflict(what + " with features hash '" + out.features_hash + "' is already recorded");
  }
  out.id = st.GetInt64(0);
  st.Reset();
  return out;
}

MlResult MlResultRepository::Get(std::int64_t id) {
  static const std::string kSql = kResultRow.SelectSql(" WHERE id = ?");
  auto& st = impl_->connection(Database::kAnalytics).Prepare(kSql);
  BindParams(st, id);
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
  constexpr auto kUpdate = Columns<kMlResults>::Only({"actual", "actual_at", "metrics"});
  static const std::string kSql = kUpdate.UpdateSql(" WHERE id = ?");
  r.actual = actual;
  r.actual_at = actual_at;
  if (canonical) r.metrics = *canonical;
  RowWriter<kMlResults>(c.Prepare(kSql), kUpdate)
      .Set("actual", actual)
      .Set("actual_at", actual_at)
      .Set("metrics", r.metrics)
      .Where(id)
      .Done()
      .Execute();
  tx.Commit();
  return r;
}

std::vector<MlResult> MlResultRepository::List(const MlResultFilter& f) {
  detail::RequireNonEmpty(f.model, "ML result query", "model");
  std::string sql = kResultRow.SelectSql(" WHERE model = ?");
  if (f.model_version) sql += " AND model_version = ?";
  sql += detail::RangeSql("time", f.range);
  if (f.only_with_actual) sql += " AND actual IS NOT NULL";
  if (!f.include_test) sql += " AND is_test = 0";
  sql += " ORDER BY time, id";
  auto& st = impl_->connection(Database::kAnalytics).Prepare(sql);
  int i = BindParams(st, f.model);
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
