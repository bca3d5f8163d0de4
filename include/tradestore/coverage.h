// Candle coverage: what a stored candle series holds, per instrument and
// timeframe, and where its holes are.
//
// Definitions (one timeframe's bucket length d = Duration(timeframe)):
//   expected_count = (last - first) / d + 1, the aligned buckets from the
//                    first to the last stored candle, both included;
//   missing        = expected_count - count;
//   a gap          = a run of consecutive missing buckets between two stored
//                    candles; gap_count is the number of such runs.
// Every aligned bucket counts, whatever the market's hours: daily equity data
// has a gap every weekend and holiday, 1m data from venues that publish only
// minutes with trades (Kraken, Bittrex) has many short gaps. Coverage is a
// statement about the stored rows, not about the market's calendar.
#pragma once

#include <cstdint>
#include <string>

#include "tradestore/instrument.h"
#include "tradestore/timeframe.h"
#include "tradestore/timestamp.h"

namespace tradestore {

// One row of market.candle_coverage.
struct CandleCoverage {
  InstrumentId instrument_id = 0;
  Timeframe timeframe = Timeframe::k1m;
  Timestamp first;                  // open time of the earliest candle
  Timestamp last;                   // open time of the latest candle
  std::int64_t count = 0;           // candles stored
  std::int64_t expected_count = 0;  // (last - first) / d + 1
  std::int64_t gap_count = 0;       // runs of missing buckets
  Timestamp updated_at;             // when the row was last computed
  std::int64_t missing() const noexcept { return expected_count - count; }
};

// One gap: buckets [start, end) are missing; `end` is the open time of the
// next stored candle.
struct CandleGap {
  Timestamp start;           // first missing bucket
  Timestamp end;             // next stored candle (exclusive end of the gap)
  std::int64_t missing = 0;  // (end - start) / d
};

}  // namespace tradestore
