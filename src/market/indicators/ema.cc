// Exponential moving average, alpha = 2 / (N + 1) (Murphy 1999, ch. 9;
// Appel 2005), seeded with the SMA of the first N values by default.
#include "market/indicators/indicator_checks.h"
#include "tradestore/indicators.h"

namespace tradestore {

Ema::Ema(std::size_t period, EmaSeed seed)
    : period_(period), seed_(seed), alpha_(2.0 / (static_cast<double>(period) + 1.0)) {
  indicators_internal::CheckPeriod("EMA", period);
}

std::optional<double> Ema::Update(double value) {
  indicators_internal::CheckFinite("EMA", "value", value);
  ++count_;
  if (ready_) {
    value_ += alpha_ * (value - value_);
    return value_;
  }
  if (seed_ == EmaSeed::kFirstValue) {
    value_ = value;
    ready_ = true;
    return value_;
  }
  seed_sum_ += value;
  if (count_ < period_) return std::nullopt;
  value_ = seed_sum_ / static_cast<double>(period_);
  ready_ = true;
  return value_;
}

}  // namespace tradestore
