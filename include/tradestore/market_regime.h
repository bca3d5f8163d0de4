// Market regime labels from ADX and ATR: pure, no database.
//
// A regime is two independent labels per candle: trend strength (from
// Wilder's ADX) and volatility (from ATR as a percentage of the close). The
// rules and thresholds are below and in RegimeOptions; the names returned by
// ToString are stable (they may be stored and compared).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "tradestore/candle.h"
#include "tradestore/indicators.h"

namespace tradestore {

// Trend strength from ADX. Wilder (1978) and later practice read ADX above
// 25 as a trending market and below 20 as a ranging one; between, the label
// is sticky (hysteresis) so it does not flicker around one threshold.
enum class TrendRegime {
  kRange,       // "range": ADX < range_below
  kTransition,  // "transition": ADX in [range_below, trend_at) with no earlier label
  kTrend,       // "trend": ADX >= trend_at
};

// Volatility bucket from ATR% = 100 * ATR / close.
enum class VolatilityRegime {
  kLow,     // "low": ATR% < low_below
  kNormal,  // "normal": low_below <= ATR% < high_at
  kHigh,    // "high": ATR% >= high_at
};

// Stable lowercase names: "range", "transition", "trend"; "low", "normal",
// "high".
std::string_view ToString(TrendRegime regime) noexcept;
std::string_view ToString(VolatilityRegime regime) noexcept;

struct RegimeOptions {
  // Period of both ADX and ATR (Wilder's 14).
  std::size_t period = 14;
  // ADX >= trend_at is a trend; ADX < range_below is a range.
  double trend_at = 25.0;
  double range_below = 20.0;
  // ATR% thresholds, in percent of the close. The defaults suit daily
  // candles of liquid crypto and equities (ATR% of BTC daily candles is
  // typically 1.5 to 5); intraday timeframes need lower thresholds, as ATR
  // scales roughly with the square root of the candle length.
  double volatility_low_below = 1.5;
  double volatility_high_at = 4.0;
};

struct Regime {
  TrendRegime trend = TrendRegime::kTransition;
  VolatilityRegime volatility = VolatilityRegime::kNormal;
  double adx = 0.0;          // 0..100
  double atr_percent = 0.0;  // 100 * ATR / close
};

// Labels each candle with a Regime. Rules, in order, for the trend label:
//   ADX >= trend_at -> kTrend; ADX < range_below -> kRange; otherwise the
//   previous label (kTrend or kRange) is kept, and kTransition is given
//   only while there has been no kTrend or kRange label yet.
// Volatility: ATR% against the two thresholds, no memory.
// Defined when ADX is (index 2N-1, see Adx); ATR is defined earlier (N).
class RegimeClassifier {
 public:
  // Throws Error(kInvalidArgument) if period == 0, a threshold is not
  // finite, range_below > trend_at or volatility_low_below >
  // volatility_high_at.
  explicit RegimeClassifier(RegimeOptions options = {});

  // Adds a candle; returns its regime, nullopt during warm-up. Throws
  // Error(kInvalidArgument) as Adx::Update does, and for a close <= 0
  // (ATR% is undefined), leaving the state unchanged.
  std::optional<Regime> Update(const Candle& candle);

  const RegimeOptions& options() const noexcept { return options_; }

 private:
  RegimeOptions options_;
  Adx adx_;
  Atr atr_;
  TrendRegime trend_ = TrendRegime::kTransition;
};

}  // namespace tradestore
