// Directional movement (+DI, -DI, DX, ADX) with Wilder's smoothing: Wilder,
// "New Concepts in Technical Trading Systems" (1978), "Directional Movement" section.
#include <cmath>

#include "market/indicators/indicator_checks.h"
#include "tradestore/indicators.h"

namespace tradestore {

Adx::Adx(std::size_t period) : period_(period) { indicators_internal::CheckPeriod("ADX", period); }

std::optional<AdxValue> Adx::directional_indicators() const {
  if (count_ <= period_) return std::nullopt;
  AdxValue v = last_;
  if (!ready()) v.adx = 0.0;
  return v;
}

std::optional<AdxValue> Adx::Update(const Candle& candle) {
  indicators_internal::CheckCandle("ADX", candle, /*with_volume=*/false);
  ++count_;
  if (count_ == 1) {
    prev_high_ = candle.high;
    prev_low_ = candle.low;
    prev_close_ = candle.close;
    return std::nullopt;
  }
  const double up = candle.high - prev_high_;
  const double down = prev_low_ - candle.low;
  const double plus_dm = (up > down && up > 0) ? up : 0.0;
  const double minus_dm = (down > up && down > 0) ? down : 0.0;
  const double tr = TrueRange(candle, prev_close_);
  prev_high_ = candle.high;
  prev_low_ = candle.low;
  prev_close_ = candle.close;

  const auto n = static_cast<double>(period_);
  if (count_ <= period_ + 1) {  // movements 1..N: plain sums
    tr_sum_ += tr;
    plus_dm_sum_ += plus_dm;
    minus_dm_sum_ += minus_dm;
    if (count_ <= period_) return std::nullopt;
  } else {  // Wilder's running sum: S - S / N + x
    tr_sum_ += tr - tr_sum_ / n;
    plus_dm_sum_ += plus_dm - plus_dm_sum_ / n;
    minus_dm_sum_ += minus_dm - minus_dm_sum_ / n;
  }
  // Index count_-1 >= N: DI and DX are defined.
  last_.plus_di = tr_sum_ > 0 ? 100.0 * plus_dm_sum_ / tr_sum_ : 0.0;
  last_.minus_di = tr_sum_ > 0 ? 100.0 * minus_dm_sum_ / tr_sum_ : 0.0;
  const double di_sum = last_.plus_di + last_.minus_di;
  last_.dx = di_sum > 0 ? 100.0 * std::abs(last_.plus_di - last_.minus_di) / di_sum : 0.0;

  const std::size_t index = count_ - 1;
  if (index < 2 * period_ - 1) {  // DX[N..2N-2]: accumulate the ADX seed
    adx_ += last_.dx;
    return std::nullopt;
  }
  if (index == 2 * period_ - 1) {
    adx_ = (adx_ + last_.dx) / n;
  } else {
    adx_ = (adx_ * (n - 1.0) + last_.dx) / n;
  }
  last_.adx = adx_;
  return last_;
}

}  // namespace tradestore
