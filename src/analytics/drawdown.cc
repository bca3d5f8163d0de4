// Maximum drawdown of an equity curve. Definition in
// include/tradestore/statistic_functions.h.
#include <optional>
#include <span>

#include "analytics/statistics_internal.h"
#include "tradestore/statistic_functions.h"

namespace tradestore {

namespace {

// One underwater episode as seen so far: its peak, its trough, and its
// recovery once equity is back at the peak's level.
struct Episode {
  Timestamp peak_time;
  Timestamp trough_time;
  double peak_equity = 0.0;
  double trough_equity = 0.0;
  std::optional<Timestamp> recovery_time;
  bool open = false;  // waiting for recovery
};

}  // namespace

std::optional<Drawdown> MaxDrawdown(std::span<const EquityPoint> equity) {
  analytics_internal::CheckEquityCurve(equity);
  if (equity.empty()) return std::nullopt;

  Drawdown result;
  double peak = equity[0].equity;
  Timestamp peak_time = equity[0].time;
  // The episodes of the largest absolute and the largest fractional
  // drawdown; `have_*` says whether one was found (drawdown > 0).
  Episode by_abs;
  Episode by_fraction;
  bool have_abs = false;
  bool have_fraction = false;

  for (const EquityPoint& point : equity) {
    if (point.equity >= peak) {
      // At or above the high-water mark: ends the current episode. ">="
      // makes the peak time the latest point at the mark.
      for (Episode* e : {&by_abs, &by_fraction}) {
        if (e->open) {
          e->recovery_time = point.time;
          e->open = false;
        }
      }
      peak = point.equity;
      peak_time = point.time;
      if (peak > 0.0 && !result.max_drawdown_fraction) result.max_drawdown_fraction = 0.0;
      continue;
    }
    const Episode here{peak_time, point.time, peak, point.equity, std::nullopt, true};
    const double drawdown = peak - point.equity;
    if (drawdown > result.max_drawdown) {
      result.max_drawdown = drawdown;
      by_abs = here;
      have_abs = true;
    }
    if (peak > 0.0) {
      const double fraction = drawdown / peak;
      if (!result.max_drawdown_fraction || fraction > *result.max_drawdown_fraction) {
        result.max_drawdown_fraction = fraction;
        by_fraction = here;
        have_fraction = true;
      }
    }
  }

  const Episode* reported = have_fraction ? &by_fraction : (have_abs ? &by_abs : nullptr);
  if (reported != nullptr) {
    result.peak_time = reported->peak_time;
    result.trough_time = reported->trough_time;
    result.recovery_time = reported->recovery_time;
    result.peak_equity = reported->peak_equity;
    result.trough_equity = reported->trough_equity;
  }
  return result;
}

}  // namespace tradestore
