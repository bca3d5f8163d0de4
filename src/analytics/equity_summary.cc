// Equity statistics of the suite: SummarizeEquity, MonthlyReturns,
// CombineEquityCurves. Formulas and sources are in
// include/tradestore/performance_report.h.
#include <algorithm>
#include <cmath>
#include <optional>
#include <span>
#include <vector>

#include "analytics/statistics_internal.h"
#include "tradestore/performance_report.h"

namespace tradestore {

namespace {

using analytics_internal::CheckEquityCurve;
using analytics_internal::CheckPeriodsPerYear;
using analytics_internal::CivilFromDays;
using analytics_internal::UtcDay;

// The series the daily returns are taken between (see DailyReturns): the
// first point, then the last point of each UTC day after it.
std::vector<EquityPoint> DailyValues(std::span<const EquityPoint> equity) {
  std::vector<EquityPoint> values;
  if (equity.empty()) return values;
  values.push_back(equity[0]);
  for (std::size_t i = 1; i < equity.size(); ++i) {
    if (i + 1 == equity.size() || UtcDay(equity[i].time) != UtcDay(equity[i + 1].time)) {
      values.push_back(equity[i]);
    }
  }
  return values;
}

std::vector<MonthlyReturn> MonthlyFromValues(const std::vector<EquityPoint>& values) {
  std::vector<MonthlyReturn> months;
  if (values.size() < 2) return months;
  for (std::size_t i = 0; i + 1 < values.size(); ++i) {
    if (values[i].equity <= 0.0) return {};  // as DailyReturns: undefined
  }
  double base = values[0].equity;
  for (std::size_t i = 1; i < values.size(); ++i) {
    const auto date = CivilFromDays(UtcDay(values[i].time));
    const bool last_of_month = i + 1 == values.size() || [&] {
      const auto next = CivilFromDays(UtcDay(values[i + 1].time));
      return next.year != date.year || next.month != date.month;
    }();
    if (!last_of_month) continue;
    months.push_back({date.year, date.month, values[i].equity / base - 1.0});
    base = values[i].equity;
  }
  return months;
}

}  // namespace

std::vector<MonthlyReturn> MonthlyReturns(std::span<const EquityPoint> equity) {
  CheckEquityCurve(equity);
  return MonthlyFromValues(DailyValues(equity));
}

EquitySummary SummarizeEquity(std::span<const EquityPoint> equity, double periods_per_year) {
  CheckPeriodsPerYear(periods_per_year);
  CheckEquityCurve(equity);
  EquitySummary s;
  s.periods_per_year = periods_per_year;
  if (equity.empty()) return s;
  s.start_time = equity.front().time;
  s.end_time = equity.back().time;
  s.starting_equity = equity.front().equity;
  s.ending_equity = equity.back().equity;
  s.total_return = TotalReturn(equity);
  s.cagr = AnnualizedReturn(equity);
  s.max_drawdown = MaxDrawdown(equity);

  // Longest time under water, over every point.
  double peak = equity.front().equity;
  Timestamp peak_time = equity.front().time;
  bool under = false;
  Micros longest = 0;
  std::optional<Timestamp> longest_start;
  for (const EquityPoint& p : equity) {
    if (p.equity >= peak) {
      if (under && p.time - peak_time > longest) {
        longest = p.time - peak_time;
        longest_start = peak_time;
      }
      under = false;
      peak = p.equity;
      peak_time = p.time;
    } else {
      under = true;
    }
  }
  if (under && equity.back().time - peak_time > longest) {
    longest = equity.back().time - peak_time;
    longest_start = peak_time;
  }
  s.longest_underwater = longest;
  s.longest_underwater_start = longest_start;
  if (s.max_drawdown) {
    s.recovery_factor =
        RecoveryFactor(equity.back().equity - equity.front().equity, s.max_drawdown->max_drawdown);
    s.calmar_ratio = CalmarRatio(s.cagr, s.max_drawdown->max_drawdown_fraction);
  }

  const std::vector<EquityPoint> values = DailyValues(equity);
  {
    std::vector<double> v;
    v.reserve(values.size());
    for (const EquityPoint& p : values) v.push_back(p.equity);
    s.ulcer_index = UlcerIndex(v);
  }
  const std::optional<std::vector<double>> returns = DailyReturns(equity);
  if (!returns) {
    s.returns_defined = false;
    return s;
  }
  const std::vector<double>& r = *returns;
  s.return_count = r.size();
  s.annualized_volatility = AnnualizedVolatility(r, periods_per_year);
  s.sharpe_ratio = SharpeRatio(r, periods_per_year);
  s.sortino_ratio = SortinoRatio(r, periods_per_year);
  s.omega_ratio = OmegaRatio(r);
  s.tail_ratio = TailRatio(r);
  s.var_95 = HistoricalVaR(r, 0.95);
  s.cvar_95 = HistoricalCVaR(r, 0.95);
  s.skewness = Skewness(r);
  s.excess_kurtosis = ExcessKurtosis(r);
  std::size_t positive = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    // returns[i] is the change into values[i + 1].
    const DatedReturn day{Timestamp(UtcDay(values[i + 1].time) * kMicrosPerDay), r[i]};
    if (!s.best_day || r[i] > s.best_day->value) s.best_day = day;
    if (!s.worst_day || r[i] < s.worst_day->value) s.worst_day = day;
    if (r[i] > 0.0) ++positive;
  }
  if (!r.empty()) {
    s.positive_days_fraction = static_cast<double>(positive) / static_cast<double>(r.size());
  }
  s.monthly_returns = MonthlyFromValues(values);
  for (const MonthlyReturn& m : s.monthly_returns) {
    if (!s.best_month || m.value > s.best_month->value) s.best_month = m;
    if (!s.worst_month || m.value < s.worst_month->value) s.worst_month = m;
  }
  return s;
}

std::vector<EquityPoint> UnderwaterCurve(std::span<const EquityPoint> equity) {
  CheckEquityCurve(equity);
  std::vector<EquityPoint> curve;
  curve.reserve(equity.size());
  double peak = equity.empty() ? 0.0 : equity.front().equity;
  for (const EquityPoint& p : equity) {
    peak = std::max(peak, p.equity);
    if (peak > 0.0) curve.push_back({p.time, (p.equity - peak) / peak});
  }
  return curve;
}

std::vector<EquityPoint> CombineEquityCurves(const std::vector<std::vector<EquityPoint>>& curves) {
  struct Event {
    Timestamp time;
    std::size_t curve;
    double equity;
  };
  std::vector<Event> events;
  double total = 0.0;
  for (std::size_t c = 0; c < curves.size(); ++c) {
    CheckEquityCurve(curves[c]);
    if (curves[c].empty()) continue;
    total += curves[c].front().equity;  // counted from the start
    for (const EquityPoint& p : curves[c]) events.push_back({p.time, c, p.equity});
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.time < b.time; });
  std::vector<double> current(curves.size(), 0.0);
  for (std::size_t c = 0; c < curves.size(); ++c) {
    if (!curves[c].empty()) current[c] = curves[c].front().equity;
  }
  std::vector<EquityPoint> combined;
  for (std::size_t i = 0; i < events.size(); ++i) {
    total += events[i].equity - current[events[i].curve];
    current[events[i].curve] = events[i].equity;
    if (i + 1 < events.size() && events[i + 1].time == events[i].time) continue;
    combined.push_back({events[i].time, total});
  }
  return combined;
}

}  // namespace tradestore
