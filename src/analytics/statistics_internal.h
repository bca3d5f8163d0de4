// Input checks and helpers shared by the statistics files. Internal: not part
// of the public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "tradestore/performance_report.h"
#include "tradestore/timestamp.h"

namespace tradestore::analytics_internal {

// Throws Error(kInvalidArgument) naming the index unless `equity` is sorted
// by time (equal times allowed) and every equity is finite.
void CheckEquityCurve(std::span<const EquityPoint> equity);

// Throws Error(kInvalidArgument) naming the index unless every return is
// finite.
void CheckReturns(std::span<const double> returns);

// Throws Error(kInvalidArgument) unless periods_per_year is finite and > 0.
void CheckPeriodsPerYear(double periods_per_year);

// The UTC calendar day of `t` as a count of days since 1970-01-01 (floor
// division, so instants before the epoch fall on the right day).
constexpr std::int64_t UtcDay(Timestamp t) noexcept {
  const std::int64_t us = t.micros();
  return us >= 0 ? us / kMicrosPerDay : -((-us + kMicrosPerDay - 1) / kMicrosPerDay);
}

// SummarizeTrades and BreakdownTradesByAllKeys in one pass over `trades`:
// returns the breakdowns and sets `total`. Throws like SummarizeTrades.
std::vector<Breakdown> SummarizeWithBreakdowns(std::span<const TradeSample> trades,
                                               TradeSummary& total);

// SummarizeTrades one trade at a time, for cumulative statistics (the
// persisted analytics' daily rows): Add the trades in exit order; Summary()
// is SummarizeTrades of the trades added so far, in O(1). Add throws like
// SummarizeTrades (the index it names counts the trades added).
class RunningTradeSummary {
 public:
  RunningTradeSummary();
  ~RunningTradeSummary();
  RunningTradeSummary(const RunningTradeSummary&) = delete;
  RunningTradeSummary& operator=(const RunningTradeSummary&) = delete;

  void Add(const TradeSample& trade);
  TradeSummary Summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::size_t count_ = 0;
};

// A civil UTC date (proleptic Gregorian) of a day count since 1970-01-01
// (H. Hinnant's civil_from_days algorithm).
struct CivilDate {
  int year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};
constexpr CivilDate CivilFromDays(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{static_cast<int>(y + (m <= 2 ? 1 : 0)), m, d};
}

// Day of the week of a day count, 0 = Monday .. 6 = Sunday (1970-01-01 was a
// Thursday).
constexpr int WeekdayFromDays(std::int64_t days) noexcept {
  const std::int64_t w = (days + 3) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}

}  // namespace tradestore::analytics_internal
