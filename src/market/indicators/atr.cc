// True range and average true range with Wilder's smoothing: Wilder, "New
// Concepts in Technical Trading Systems" (1978), "Volatility System" section.
#include <algorithm>
#include <cmath>

#include "market/indicators/indicator_checks.h"
#include "tradestore/indicators.h"

namespace tradestore {

double TrueRange(const Candle& candle, double prev_close) noexcept {
  return std::max({candle.high - candle.low, std::abs(candle.high - prev_close),
                   std::abs(candle.low - prev_close)});
}

Atr::Atr(std::size_t period) : period_(period) { indicators_internal::CheckPeriod("ATR", period); }

std::optional<double> Atr::Update(const Candle& candle) {
  indicators_internal::CheckCandle("ATR", candle, /*with_volume=*/false);
  ++count_;
  if (count_ == 1) {
    prev_close_ = candle.close;
    return std::nullopt;
  }
  const double tr = TrueRange(candle, prev_close_);
  prev_close_ = candle.close;
  const auto n = static_cast<double>(period_);
  if (count_ <= period_) {
    atr_ += tr;
    return std::nullopt;
  }
  if (count_ == period_ + 1) {
    atr_ = (atr_ + tr) / n;
  } else {
    atr_ = (atr_ * (n - 1.0) + tr) / n;
  }
  return atr_;
}

}  // namespace tradestore
