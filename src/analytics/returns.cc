// Daily returns, Sharpe and Sortino ratios, total and annualized return.
// Formulas and sources are in include/tradestore/statistic_functions.h.
#include <algorithm>
#include <cmath>
#include <optional>
#include <span>
#include <vector>

#include "analytics/statistics_internal.h"
#include "tradestore/statistic_functions.h"

namespace tradestore {

namespace {

using analytics_internal::CheckEquityCurve;
using analytics_internal::CheckPeriodsPerYear;
using analytics_internal::CheckReturns;
using analytics_internal::UtcDay;

// Whether equity[i] is the last point of its UTC day.
bool IsLastOfDay(std::span<const EquityPoint> equity, std::size_t i) {
  return i + 1 == equity.size() || UtcDay(equity[i].time) != UtcDay(equity[i + 1].time);
}

double Mean(std::span<const double> values) {
  double sum = 0.0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

// Relative size below which a standard deviation is rounding noise; see
// SharpeRatio in statistic_functions.h.
constexpr double kZeroVarianceTolerance = 1e-10;

}  // namespace

std::vector<EquityPoint> DailyCloses(std::span<const EquityPoint> equity) {
  CheckEquityCurve(equity);
  std::vector<EquityPoint> closes;
  for (std::size_t i = 0; i < equity.size(); ++i) {
    if (IsLastOfDay(equity, i)) closes.push_back(equity[i]);
  }
  return closes;
}

std::optional<std::vector<double>> DailyReturns(std::span<const EquityPoint> equity) {
  CheckEquityCurve(equity);
  std::vector<double> returns;
  if (equity.empty()) return returns;
  // equity[0] is the base of the first return whether or not it is the last
  // point of its day, so the scan of closes starts at index 1.
  double base = equity[0].equity;
  for (std::size_t i = 1; i < equity.size(); ++i) {
    if (!IsLastOfDay(equity, i)) continue;
    if (base <= 0.0) return std::nullopt;
    const double r = equity[i].equity / base - 1.0;
    if (!std::isfinite(r)) return std::nullopt;  // base so small the ratio overflows
    returns.push_back(r);
    base = equity[i].equity;
  }
  return returns;
}

std::optional<double> SharpeRatio(std::span<const double> returns, double periods_per_year) {
  CheckPeriodsPerYear(periods_per_year);
  CheckReturns(returns);
  const std::size_t n = returns.size();
  if (n < 2) return std::nullopt;
  const double mean = Mean(returns);
  // Two-pass sample variance: stable for returns far from zero.
  double sum_sq = 0.0;
  double max_abs = 0.0;
  for (double r : returns) {
    sum_sq += (r - mean) * (r - mean);
    max_abs = std::max(max_abs, std::abs(r));
  }
  const double stddev = std::sqrt(sum_sq / static_cast<double>(n - 1));
  if (stddev <= kZeroVarianceTolerance * max_abs) return std::nullopt;
  return mean / stddev * std::sqrt(periods_per_year);
}

std::optional<double> DownsideDeviation(std::span<const double> returns) {
  CheckReturns(returns);
  if (returns.empty()) return std::nullopt;
  double sum_sq = 0.0;
  for (double r : returns) {
    if (r < 0.0) sum_sq += r * r;
  }
  return std::sqrt(sum_sq / static_cast<double>(returns.size()));
}

std::optional<double> SortinoRatio(std::span<const double> returns, double periods_per_year) {
  CheckPeriodsPerYear(periods_per_year);
  if (returns.size() < 2) {
    CheckReturns(returns);
    return std::nullopt;
  }
  const std::optional<double> dd = DownsideDeviation(returns);
  if (!dd || *dd == 0.0) return std::nullopt;
  return Mean(returns) / *dd * std::sqrt(periods_per_year);
}

std::optional<double> TotalReturn(std::span<const EquityPoint> equity) {
  CheckEquityCurve(equity);
  if (equity.empty() || equity.front().equity <= 0.0) return std::nullopt;
  const double r = equity.back().equity / equity.front().equity - 1.0;
  if (!std::isfinite(r)) return std::nullopt;
  return r;
}

std::optional<double> AnnualizedReturn(std::span<const EquityPoint> equity) {
  CheckEquityCurve(equity);
  if (equity.empty()) return std::nullopt;
  const double first = equity.front().equity;
  const double last = equity.back().equity;
  const Micros span = equity.back().time - equity.front().time;
  if (span <= 0 || first <= 0.0 || last < 0.0) return std::nullopt;
  const double years =
      static_cast<double>(span) / (kDaysPerYear * static_cast<double>(kMicrosPerDay));
  const double cagr = std::pow(last / first, 1.0 / years) - 1.0;
  if (!std::isfinite(cagr)) return std::nullopt;
  return cagr;
}

}  // namespace tradestore
