// OHLCV candles (market schema). Prices and volume are double by design:
// candles are market observations, not money that is booked.
#pragma once

#include <cstdint>

#include "tradestore/timestamp.h"

namespace tradestore {

struct Candle {
  Timestamp open_time;       // bucket start, µs UTC, aligned to the timeframe
  double open = 0;
  double high = 0;
  double low = 0;
  double close = 0;
  double volume = 0;         // base-asset volume, >= 0
  std::int64_t trades = -1;  // number of trades in the bucket; -1 = unknown
};

}  // namespace tradestore
