// Input checks shared by the statistics functions.
#include <fmt/format.h>

#include <cmath>
#include <string>

#include "analytics/statistics_internal.h"
#include "tradestore/error.h"

namespace tradestore::analytics_internal {

void CheckEquityCurve(std::span<const EquityPoint> equity) {
  for (std::size_t i = 0; i < equity.size(); ++i) {
    if (!std::isfinite(equity[i].equity)) {
      throw InvalidArgument(fmt::format("equity curve: point {} at {} has non-finite equity {}", i,
                                        equity[i].time.ToIso(), equity[i].equity));
    }
    if (i > 0 && equity[i].time < equity[i - 1].time) {
      throw InvalidArgument(fmt::format(
          "equity curve: not sorted by time: point {} at {} comes before point {} at {}", i,
          equity[i].time.ToIso(), i - 1, equity[i - 1].time.ToIso()));
    }
  }
}

void CheckReturns(std::span<const double> returns) {
  for (std::size_t i = 0; i < returns.size(); ++i) {
    if (!std::isfinite(returns[i])) {
      throw InvalidArgument(fmt::format("returns: return {} is not finite: {}", i, returns[i]));
    }
  }
}

void CheckPeriodsPerYear(double periods_per_year) {
  if (!std::isfinite(periods_per_year) || periods_per_year <= 0.0) {
    throw InvalidArgument(
        fmt::format("periods_per_year must be finite and > 0, got {}", periods_per_year));
  }
}

}  // namespace tradestore::analytics_internal
