// Bollinger bands: SMA(N) +/- k * population standard deviation of the
// same window (Bollinger, "Bollinger on Bollinger Bands", 2001).
#include <cmath>

#include "market/indicators/indicator_checks.h"
#include "tradestore/indicators.h"

namespace tradestore {

BollingerBands::BollingerBands(std::size_t period, double k) : period_(period), k_(k) {
  indicators_internal::CheckPeriod("Bollinger bands", period);
  if (!std::isfinite(k) || k < 0) {
    throw InvalidArgument("Bollinger bands: k must be finite and >= 0");
  }
  window_.assign(period, 0.0);
}

void BollingerBands::Recompute() {
  // Two passes over the full window: the reference the sliding update
  // drifts away from by rounding, restored every N steps.
  double sum = 0.0;
  for (double x : window_) sum += x;
  mean_ = sum / static_cast<double>(period_);
  double m2 = 0.0;
  for (double x : window_) m2 += (x - mean_) * (x - mean_);
  m2_ = m2;
}

std::optional<BollingerValue> BollingerBands::Update(const Candle& candle) {
  return Update(candle.close);
}

std::optional<BollingerValue> BollingerBands::Update(double close) {
  indicators_internal::CheckFinite("Bollinger bands", "close", close);
  const double old = window_[next_];
  window_[next_] = close;
  next_ = (next_ + 1) % period_;
  ++count_;
  if (count_ <= period_) {
    // Welford's add while the window fills.
    const double delta = close - mean_;
    mean_ += delta / static_cast<double>(count_);
    m2_ += delta * (close - mean_);
    if (count_ < period_) return std::nullopt;
  } else if (++since_recompute_ >= period_) {
    Recompute();
    since_recompute_ = 0;
  } else {
    // Sliding Welford: replace `old` by `close` in a window of fixed size N.
    const double old_mean = mean_;
    mean_ += (close - old) / static_cast<double>(period_);
    m2_ += (close - old) * (close - mean_ + old - old_mean);
    if (m2_ < 0) m2_ = 0;
  }
  BollingerValue v;
  v.middle = mean_;
  v.stddev = std::sqrt(m2_ / static_cast<double>(period_));
  v.upper = v.middle + k_ * v.stddev;
  v.lower = v.middle - k_ * v.stddev;
  return v;
}

}  // namespace tradestore
