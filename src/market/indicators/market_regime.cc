// Regime labels: trend strength from Wilder's ADX (1978, "Directional Movement") with
// 25 / 20 thresholds and hysteresis, volatility from ATR% ("Volatility System").
#include "tradestore/market_regime.h"

#include <cmath>

#include "market/indicators/indicator_checks.h"

namespace tradestore {
namespace {

const RegimeOptions& Checked(const RegimeOptions& o) {
  indicators_internal::CheckPeriod("regime", o.period);
  for (double x : {o.trend_at, o.range_below, o.volatility_low_below, o.volatility_high_at}) {
    indicators_internal::CheckFinite("regime", "threshold", x);
  }
  if (o.range_below > o.trend_at) {
    throw InvalidArgument("regime: range_below must be <= trend_at");
  }
  if (o.volatility_low_below > o.volatility_high_at) {
    throw InvalidArgument("regime: volatility_low_below must be <= volatility_high_at");
  }
  return o;
}

}  // namespace

std::string_view ToString(TrendRegime regime) noexcept {
  switch (regime) {
    case TrendRegime::kRange:
      return "range";
    case TrendRegime::kTransition:
      return "transition";
    case TrendRegime::kTrend:
      return "trend";
  }
  return "transition";
}

std::string_view ToString(VolatilityRegime regime) noexcept {
  switch (regime) {
    case VolatilityRegime::kLow:
      return "low";
    case VolatilityRegime::kNormal:
      return "normal";
    case VolatilityRegime::kHigh:
      return "high";
  }
  return "normal";
}

RegimeClassifier::RegimeClassifier(RegimeOptions options)
    : options_(Checked(options)), adx_(options.period), atr_(options.period) {}

std::optional<Regime> RegimeClassifier::Update(const Candle& candle) {
  // Validate before feeding either indicator so a refused candle changes
  // neither of them.
  indicators_internal::CheckCandle("regime", candle, /*with_volume=*/false);
  if (candle.close <= 0) {
    throw InvalidArgument("regime: ATR% needs a close > 0 at " + candle.open_time.ToIso());
  }
  const std::optional<double> atr = atr_.Update(candle);
  const std::optional<AdxValue> adx = adx_.Update(candle);
  if (!adx || !atr) return std::nullopt;
  if (adx->adx >= options_.trend_at) {
    trend_ = TrendRegime::kTrend;
  } else if (adx->adx < options_.range_below) {
    trend_ = TrendRegime::kRange;
  }  // else: keep the previous label (kTransition until a first label)
  Regime r;
  r.trend = trend_;
  r.adx = adx->adx;
  r.atr_percent = 100.0 * *atr / candle.close;
  if (r.atr_percent < options_.volatility_low_below) {
    r.volatility = VolatilityRegime::kLow;
  } else if (r.atr_percent >= options_.volatility_high_at) {
    r.volatility = VolatilityRegime::kHigh;
  } else {
    r.volatility = VolatilityRegime::kNormal;
  }
  return r;
}

}  // namespace tradestore
