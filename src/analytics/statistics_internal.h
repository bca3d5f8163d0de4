// Input checks and helpers shared by the statistics files. Internal: not part
// of the public API.
#pragma once

#include <span>

#include "tradestore/statistics.h"
#include "tradestore/timestamp.h"

namespace tradestore::analytics_internal {

// Throws Error(kInvalidArgument) naming the index unless `equity` is sorted
// by time (equal times allowed) and every equity is finite.
void CheckEquityCurve(std::span<const EquityPoint> equity);

// Throws Error(kInvalidArgument) naming the index unless every return is
// finite.
void CheckReturns(std::span<const double> returns);

// Throws Error(kInvalidArgument) unless periods_per_year is finite and > 0.
void CheckPeriodsPerYear(double periods_per_year);

// The UTC calendar day of `t` as a count of days since 1970-01-01 (floor
// division, so instants before the epoch fall on the right day).
constexpr std::int64_t UtcDay(Timestamp t) noexcept {
  const std::int64_t us = t.micros();
  return us >= 0 ? us / kMicrosPerDay : -((-us + kMicrosPerDay - 1) / kMicrosPerDay);
}

}  // namespace tradestore::analytics_internal
