// Session and anchored VWAP over candles: sum(TP * volume) / sum(volume)
// with TP = (high + low + close) / 3 (Berkowitz, Logue & Noser 1988 define
// VWAP on trades; the typical price is the usual candle approximation).
#include <string>

#include "market/indicators/indicator_checks.h"
#include "tradestore/indicators.h"

namespace tradestore {
namespace {

// floor(a / b) for b > 0, correct for negative a (times before 1970).
std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b) < 0) --q;
  return q;
}

void CheckOrder(const char* indicator, bool started, std::int64_t last_open, const Candle& c) {
  if (started && c.open_time.micros() < last_open) {
    throw InvalidArgument(std::string(indicator) + ": candle at " + c.open_time.ToIso() +
                          " opens before the previous candle");
  }
}

}  // namespace

double TypicalPrice(const Candle& candle) noexcept {
  return (candle.high + candle.low + candle.close) / 3.0;
}

Vwap::Vwap(VwapSession session) : session_(session) {
  if (session.length <= 0) {
    throw InvalidArgument("VWAP: session length must be > 0");
  }
  if (session.start_offset < 0 || session.start_offset >= session.length) {
    throw InvalidArgument("VWAP: session start offset must be in [0, length)");
  }
}

std::optional<double> Vwap::Update(const Candle& candle) {
  indicators_internal::CheckCandle("VWAP", candle, /*with_volume=*/true);
  CheckOrder("VWAP", started_, last_open_, candle);
  const std::int64_t t = candle.open_time.micros();
  const std::int64_t start =
      FloorDiv(t - session_.start_offset, session_.length) * session_.length +
      session_.start_offset;
  if (!started_ || start != session_start_) {
    session_start_ = start;
    pv_sum_ = 0.0;
    volume_sum_ = 0.0;
  }
  started_ = true;
  last_open_ = t;
  pv_sum_ += TypicalPrice(candle) * candle.volume;
  volume_sum_ += candle.volume;
  if (volume_sum_ <= 0.0) return std::nullopt;
  return pv_sum_ / volume_sum_;
}

std::optional<double> AnchoredVwap::Update(const Candle& candle) {
  indicators_internal::CheckCandle("anchored VWAP", candle, /*with_volume=*/true);
  CheckOrder("anchored VWAP", started_, last_open_, candle);
  started_ = true;
  last_open_ = candle.open_time.micros();
  if (candle.open_time < anchor_) return std::nullopt;
  pv_sum_ += TypicalPrice(candle) * candle.volume;
  volume_sum_ += candle.volume;
  if (volume_sum_ <= 0.0) return std::nullopt;
  return pv_sum_ / volume_sum_;
}

}  // namespace tradestore
