// The pattern cache (analytics.pattern_cache; seed 000): chart patterns a
// detector found on an instrument's candles, with a confidence and an expiry
// after which the detection no longer counts. Not per bot: detections are
// shared by every bot of the store.
//
// Errors: kInvalidArgument for an empty pattern, a confidence outside
// [0, 1], an expiry not after detection or details that are not a JSON
// object; kNotFound for an unknown instrument. A detection of the same
// (instrument, timeframe, pattern, detected_at) replaces the earlier one.
// Thread safety: as the Store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tradestore/instrument.h"
#include "tradestore/store.h"
#include "tradestore/timeframe.h"
#include "tradestore/timestamp.h"

namespace tradestore {

struct PatternDetection {
  std::int64_t id = 0;  // assigned by the store
  InstrumentId instrument_id = 0;
  Timeframe timeframe = Timeframe::k1m;
  std::string pattern;    // "double_bottom", "bull_flag", ...
  double confidence = 0;  // fraction in [0, 1]
  Timestamp detected_at;
  Timestamp expires_at;        // > detected_at
  std::string details = "{}";  // a JSON object (levels, targets, ...)
  bool is_test = false;
};

struct PatternQuery {
  InstrumentId instrument_id = 0;
  std::optional<Timeframe> timeframe;  // every timeframe when empty
  Timestamp at;                        // unexpired at this time: expires_at > at
  std::optional<std::string> pattern;
  double min_confidence = 0;
  bool include_test = false;
};

class PatternRepository {
 public:
  PatternDetection Record(const PatternDetection& detection);
  // Unexpired detections (detected_at <= at < expires_at), most confident
  // first, then most recent.
  std::vector<PatternDetection> Active(const PatternQuery& query);
  // Deletes detections that expired at or before `before`; returns how many.
  std::int64_t PurgeExpired(Timestamp before);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
