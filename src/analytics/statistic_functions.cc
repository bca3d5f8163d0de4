// Single statistics on plain inputs: profit factor, Wilson bound, payoff
// ratio, Kelly, SQN, volatility, Calmar, recovery factor, Ulcer index, Omega,
// quantiles, tail ratio, VaR, CVaR, skewness, kurtosis. Formulas and sources
// are in include/tradestore/statistic_functions.h.
#include "tradestore/statistic_functions.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <span>
#include <vector>

#include "analytics/statistics_internal.h"
#include "tradestore/error.h"

namespace tradestore {

namespace {

using analytics_internal::CheckPeriodsPerYear;
using analytics_internal::CheckReturns;

constexpr double kZeroVarianceTolerance = 1e-10;

double Mean(std::span<const double> v) {
  double sum = 0.0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

// Sample standard deviation (divisor N - 1) or nullopt when N < 2 or the
// deviation is rounding noise (see SharpeRatio).
std::optional<double> SampleStdDev(std::span<const double> v) {
  if (v.size() < 2) return std::nullopt;
  const double mean = Mean(v);
  double sum_sq = 0.0;
  double max_abs = 0.0;
  for (double x : v) {
    sum_sq += (x - mean) * (x - mean);
    max_abs = std::max(max_abs, std::abs(x));
  }
  const double s = std::sqrt(sum_sq / static_cast<double>(v.size() - 1));
  if (s <= kZeroVarianceTolerance * max_abs) return std::nullopt;
  return s;
}

// Central moments m2, m3, m4 (divisor N); nullopt for zero variance.
struct Moments {
  double m2, m3, m4;
};
std::optional<Moments> CentralMoments(std::span<const double> v) {
  const double mean = Mean(v);
  double m2 = 0.0, m3 = 0.0, m4 = 0.0, max_abs = 0.0;
  for (double x : v) {
    const double d = x - mean;
    const double d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
    max_abs = std::max(max_abs, std::abs(x));
  }
  const double n = static_cast<double>(v.size());
  m2 /= n;
  m3 /= n;
  m4 /= n;
  if (std::sqrt(m2) <= kZeroVarianceTolerance * max_abs || m2 == 0.0) return std::nullopt;
  return Moments{m2, m3, m4};
}

double SortedQuantile(const std::vector<double>& sorted, double q) {
  const double h = static_cast<double>(sorted.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[lo + 1] - sorted[lo]);
}

void CheckConfidence(double confidence) {
  if (!(confidence > 0.0 && confidence < 1.0)) {
    throw InvalidArgument(fmt::format("confidence must be in (0, 1), got {}", confidence));
  }
}

}  // namespace

std::optional<double> WilsonLowerBound(std::size_t wins, std::size_t n, double z) {
  if (wins > n) {
    throw InvalidArgument(fmt::format("Wilson bound: wins {} exceed trials {}", wins, n));
  }
  if (!(z > 0.0) || !std::isfinite(z)) {
    throw InvalidArgument(fmt::format("Wilson bound: z must be finite and > 0, got {}", z));
  }
  if (n == 0) return std::nullopt;
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(wins) / nn;
  const double z2 = z * z;
  const double centre = p + z2 / (2.0 * nn);
  const double margin = z * std::sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn));
  return std::max(0.0, (centre - margin) / (1.0 + z2 / nn));
}

std::optional<double> ProfitFactor(double gross_profit, double gross_loss) {
  if (gross_loss == 0.0) return std::nullopt;
  // |gross_loss|: accepts the loss sum either as the negative sum it is or
  // already made positive.
  return gross_profit / std::abs(gross_loss);
}

std::optional<double> PayoffRatio(std::optional<double> average_win,
                                  std::optional<double> average_loss) {
  if (!average_win || !average_loss || *average_loss == 0.0) return std::nullopt;
  return *average_win / std::abs(*average_loss);
}

std::optional<double> KellyFraction(std::size_t wins, std::size_t losses,
                                    std::optional<double> payoff_ratio) {
  if (!payoff_ratio || *payoff_ratio <= 0.0 || wins + losses == 0) return std::nullopt;
  const double w = static_cast<double>(wins) / static_cast<double>(wins + losses);
  return w - (1.0 - w) / *payoff_ratio;
}

std::optional<double> SystemQualityNumber(std::span<const double> r_multiples) {
  CheckReturns(r_multiples);
  const std::optional<double> s = SampleStdDev(r_multiples);
  if (!s) return std::nullopt;
  return std::sqrt(static_cast<double>(r_multiples.size())) * Mean(r_multiples) / *s;
}

std::optional<double> AnnualizedVolatility(std::span<const double> returns,
                                           double periods_per_year) {
  CheckPeriodsPerYear(periods_per_year);
  CheckReturns(returns);
  if (returns.size() < 2) return std::nullopt;
  const double mean = Mean(returns);
  double sum_sq = 0.0;
  for (double r : returns) sum_sq += (r - mean) * (r - mean);
  return std::sqrt(sum_sq / static_cast<double>(returns.size() - 1)) * std::sqrt(periods_per_year);
}

std::optional<double> CalmarRatio(std::optional<double> cagr,
                                  std::optional<double> max_drawdown_fraction) {
  if (!cagr || !max_drawdown_fraction || *max_drawdown_fraction == 0.0) return std::nullopt;
  return *cagr / std::abs(*max_drawdown_fraction);
}

std::optional<double> RecoveryFactor(double net_profit, double max_drawdown) {
  if (max_drawdown == 0.0) return std::nullopt;
  return net_profit / std::abs(max_drawdown);
}

std::optional<double> UlcerIndex(std::span<const double> values) {
  if (values.empty()) return std::nullopt;
  double peak = values.front();
  double sum_sq = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i])) {
      throw InvalidArgument(fmt::format("Ulcer index: value {} is not finite: {}", i, values[i]));
    }
    peak = std::max(peak, values[i]);
    if (peak <= 0.0) return std::nullopt;
    const double d = (values[i] - peak) / peak;
    sum_sq += d * d;
  }
  return std::sqrt(sum_sq / static_cast<double>(values.size()));
}

std::optional<double> OmegaRatio(std::span<const double> returns) {
  CheckReturns(returns);
  double gains = 0.0, losses = 0.0;
  for (double r : returns) {
    if (r > 0.0) gains += r;
    if (r < 0.0) losses -= r;
  }
  if (losses == 0.0) return std::nullopt;
  return gains / losses;
}

std::optional<double> Quantile(std::span<const double> values, double q) {
  if (!(q >= 0.0 && q <= 1.0)) {
    throw InvalidArgument(fmt::format("quantile: q must be in [0, 1], got {}", q));
  }
  CheckReturns(values);
  if (values.empty()) return std::nullopt;
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  return SortedQuantile(sorted, q);
}

std::optional<double> TailRatio(std::span<const double> returns) {
  CheckReturns(returns);
  if (returns.size() < 2) return std::nullopt;
  std::vector<double> sorted(returns.begin(), returns.end());
  std::sort(sorted.begin(), sorted.end());
  const double low = SortedQuantile(sorted, 0.05);
  if (low == 0.0) return std::nullopt;
  return std::abs(SortedQuantile(sorted, 0.95) / low);
}

std::optional<double> HistoricalVaR(std::span<const double> returns, double confidence) {
  CheckConfidence(confidence);
  return Quantile(returns, 1.0 - confidence);
}

std::optional<double> HistoricalCVaR(std::span<const double> returns, double confidence) {
  const std::optional<double> var = HistoricalVaR(returns, confidence);
  if (!var) return std::nullopt;
  double sum = 0.0;
  std::size_t count = 0;
  for (double r : returns) {
    if (r <= *var) {
      sum += r;
      ++count;
    }
  }
  // The smallest return is always <= the quantile, so count >= 1.
  return sum / static_cast<double>(count);
}

std::optional<double> Skewness(std::span<const double> values) {
  CheckReturns(values);
  if (values.size() < 3) return std::nullopt;
  const std::optional<Moments> m = CentralMoments(values);
  if (!m) return std::nullopt;
  const double n = static_cast<double>(values.size());
  return std::sqrt(n * (n - 1.0)) / (n - 2.0) * m->m3 / std::pow(m->m2, 1.5);
}

std::optional<double> ExcessKurtosis(std::span<const double> values) {
  CheckReturns(values);
  if (values.size() < 4) return std::nullopt;
  const std::optional<Moments> m = CentralMoments(values);
  if (!m) return std::nullopt;
  const double n = static_cast<double>(values.size());
  const double g2 = m->m4 / (m->m2 * m->m2) - 3.0;
  return (n - 1.0) / ((n - 2.0) * (n - 3.0)) * ((n + 1.0) * g2 + 6.0);
}

}  // namespace tradestore
