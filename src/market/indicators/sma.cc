// Simple moving average. Source: arithmetic mean of the last N values
// (Murphy, "Technical Analysis of the Financial Markets", 1999, ch. 9).
#include <numeric>

#include "market/indicators/indicator_checks.h"
#include "tradestore/indicators.h"

namespace tradestore {

Sma::Sma(std::size_t period) : period_(period) {
  indicators_internal::CheckPeriod("SMA", period);
  window_.assign(period, 0.0);
}

std::optional<double> Sma::Update(double value) {
  indicators_internal::CheckFinite("SMA", "value", value);
  const double old = window_[next_];
  window_[next_] = value;
  next_ = (next_ + 1) % period_;
  ++count_;
  if (count_ <= period_) {
    sum_ += value;
  } else if (++since_resum_ >= period_) {
    // Rebuild the sum from the window: bounds the rounding error of the
    // running add/subtract to N steps, at O(1) amortized cost.
    sum_ = std::accumulate(window_.begin(), window_.end(), 0.0);
    since_resum_ = 0;
  } else {
    sum_ += value - old;
  }
  if (count_ < period_) return std::nullopt;
  return sum_ / static_cast<double>(period_);
}

}  // namespace tradestore
