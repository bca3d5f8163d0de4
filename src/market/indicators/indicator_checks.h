// Argument checks shared by the indicators (internal).
#pragma once

#include <cmath>
#include <cstddef>
#include <string>

#include "tradestore/candle.h"
#include "tradestore/error.h"

namespace tradestore::indicators_internal {

// Throws Error(kInvalidArgument) naming `indicator` if period == 0.
inline void CheckPeriod(const char* indicator, std::size_t period) {
  if (period == 0) {
    throw InvalidArgument(std::string(indicator) + ": period must be >= 1, got 0");
  }
}

// Throws Error(kInvalidArgument) if `value` is NaN or infinite.
inline void CheckFinite(const char* indicator, const char* what, double value) {
  if (!std::isfinite(value)) {
    throw InvalidArgument(std::string(indicator) + ": " + what + " is not finite");
  }
}

// Checks the prices an indicator reads: high, low, close finite and
// high >= low. With `with_volume`, also a finite volume >= 0.
inline void CheckCandle(const char* indicator, const Candle& c, bool with_volume) {
  CheckFinite(indicator, "high", c.high);
  CheckFinite(indicator, "low", c.low);
  CheckFinite(indicator, "close", c.close);
  if (c.high < c.low) {
    throw InvalidArgument(std::string(indicator) + ": candle at " + c.open_time.ToIso() +
                          " has high < low");
  }
  if (with_volume) {
    CheckFinite(indicator, "volume", c.volume);
    if (c.volume < 0) {
      throw InvalidArgument(std::string(indicator) + ": candle at " + c.open_time.ToIso() +
                            " has a negative volume");
    }
  }
}

}  // namespace tradestore::indicators_internal
