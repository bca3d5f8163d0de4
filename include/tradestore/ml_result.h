// ML model results (analytics.ml_results; seed 000's ml_model_results): a
// model's prediction for a feature vector (identified by its hash), the
// actual value once known, and validation metrics as JSON. Not per bot.
//
// Errors: kInvalidArgument for an empty model, version or features hash, a
// non-finite prediction or actual, or metrics that are not a JSON object;
// kConflict for a duplicate (model, version, features hash, time) or an
// actual set twice; kNotFound for an unknown result. Thread safety: as the
// Store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tradestore/instrument.h"
#include "tradestore/store.h"
#include "tradestore/timestamp.h"

namespace tradestore {

struct MlResult {
  std::int64_t id = 0;  // assigned by the store
  std::string model;
  std::string model_version;
  std::optional<InstrumentId> instrument_id;
  Timestamp time;             // when the prediction was made
  std::string features_hash;  // e.g. a SHA-256 of the feature vector
  double prediction = 0;
  std::optional<double> actual;
  std::optional<Timestamp> actual_at;
  std::string metrics = "{}";  // validation metrics, a JSON object
  bool is_test = false;
};

struct MlResultFilter {
  std::string model;                         // required
  std::optional<std::string> model_version;  // every version when empty
  TimeRange range;                           // on time
  bool only_with_actual = false;
  bool include_test = false;
};

// Accuracy of the predictions that have an actual value.
struct MlErrorStats {
  std::int64_t count = 0;
  double mae = 0;   // mean absolute error, mean |prediction - actual|; NaN when count = 0
  double rmse = 0;  // root mean squared error, sqrt(mean (prediction - actual)^2); NaN when 0
};

class MlResultRepository {
 public:
  MlResult Record(const MlResult& result);
  // Sets the actual value (and metrics, when not empty) of a result.
  MlResult SetActual(std::int64_t id, double actual, Timestamp actual_at,
                     std::string_view metrics = {});
  MlResult Get(std::int64_t id);  // throws kNotFound
  // Results oldest first.
  std::vector<MlResult> List(const MlResultFilter& filter);
  // MAE and RMSE (e.g. Hyndman & Koehler 2006, "Another look at measures of
  // forecast accuracy") of the filter's results that have an actual.
  MlErrorStats Errors(const MlResultFilter& filter);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
