// Relative strength index with Wilder's smoothing: Wilder, "New Concepts in
// Technical Trading Systems" (1978), the "Relative Strength Index" section.
#include "market/indicators/indicator_checks.h"
#include "tradestore/indicators.h"

namespace tradestore {

Rsi::Rsi(std::size_t period) : period_(period) { indicators_internal::CheckPeriod("RSI", period); }

std::optional<double> Rsi::Update(const Candle& candle) { return Update(candle.close); }

std::optional<double> Rsi::Update(double close) {
  indicators_internal::CheckFinite("RSI", "close", close);
  ++count_;
  if (count_ == 1) {
    prev_close_ = close;
    return std::nullopt;
  }
  const double change = close - prev_close_;
  prev_close_ = close;
  const double gain = change > 0 ? change : 0.0;
  const double loss = change < 0 ? -change : 0.0;
  const auto n = static_cast<double>(period_);
  if (count_ <= period_) {  // changes 1..N-1: accumulate the seed sums
    avg_gain_ += gain;
    avg_loss_ += loss;
    return std::nullopt;
  }
  if (count_ == period_ + 1) {  // change N: the seed is the plain mean
    avg_gain_ = (avg_gain_ + gain) / n;
    avg_loss_ = (avg_loss_ + loss) / n;
  } else {
    avg_gain_ = (avg_gain_ * (n - 1.0) + gain) / n;
    avg_loss_ = (avg_loss_ * (n - 1.0) + loss) / n;
  }
  const double total = avg_gain_ + avg_loss_;
  if (total == 0.0) return std::nullopt;  // flat: undefined
  if (avg_loss_ == 0.0) return 100.0;     // exact, whatever the rounding of the ratio
  // 100 - 100 / (1 + RS), rearranged to avoid dividing by avg_loss.
  return 100.0 * avg_gain_ / total;
}

}  // namespace tradestore
