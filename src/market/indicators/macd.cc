// MACD: EMA(fast) - EMA(slow), its EMA(signal) and the histogram (Appel,
// "Technical Analysis: Power Tools for Active Investors", 2005).
#include "market/indicators/indicator_checks.h"
#include "tradestore/indicators.h"

namespace tradestore {
namespace {

std::size_t CheckedFast(std::size_t fast, std::size_t slow, std::size_t signal) {
  indicators_internal::CheckPeriod("MACD fast", fast);
  indicators_internal::CheckPeriod("MACD slow", slow);
  indicators_internal::CheckPeriod("MACD signal", signal);
  if (fast >= slow) {
    throw InvalidArgument("MACD: the fast period must be shorter than the slow period");
  }
  return fast;
}

}  // namespace

Macd::Macd(std::size_t fast, std::size_t slow, std::size_t signal)
    : fast_(CheckedFast(fast, slow, signal)), slow_(slow), signal_(signal) {}

std::optional<MacdValue> Macd::Update(const Candle& candle) { return Update(candle.close); }

std::optional<MacdValue> Macd::Update(double close) {
  indicators_internal::CheckFinite("MACD", "close", close);
  const std::optional<double> fast = fast_.Update(close);
  const std::optional<double> slow = slow_.Update(close);
  if (!fast || !slow) return std::nullopt;  // fast < slow: fast is ready first
  line_ = *fast - *slow;
  const std::optional<double> signal = signal_.Update(*line_);
  if (!signal) return std::nullopt;
  return MacdValue{*line_, *signal, *line_ - *signal};
}

}  // namespace tradestore
