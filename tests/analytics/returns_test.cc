// Daily returns, Sharpe, Sortino, total return and CAGR.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <vector>

#include "analytics/statistics_test_util.h"
#include "tradestore/error.h"
#include "tradestore/performance_report.h"
#include "tradestore/statistic_functions.h"

namespace tradestore {
namespace {

using testing_util::At;
using testing_util::ExpectClose;

// Several points per day, a day without points (Jan 4), and a peak (1030)
// that is not a daily close. Daily closes: 1005, 1020, 990, 1040, 1035.
std::vector<EquityPoint> IntradayCurve() {
  return {
      {At(2024, 1, 1), 1000.0},
      {At(2024, 1, 1, 12), 1010.0},
      {At(2024, 1, 1, 20), 1005.0},
      {At(2024, 1, 2, 10), 1030.0},
      {At(2024, 1, 2, 23, 59, 59, 999'999), 1020.0},
      {At(2024, 1, 3, 9), 990.0},
      {At(2024, 1, 5, 16), 1040.0},
      {At(2024, 1, 6), 1035.0},
  };
}

// python3 -c "v=[1000,1005,1020,990,1040,1035]; print([repr(v[i]/v[i-1]-1) for i in range(1,6)])"
const std::vector<double> kIntradayReturns = {0.004999999999999893, 0.014925373134328401,
                                              -0.02941176470588236, 0.05050505050505061,
                                              -0.004807692307692291};

TEST(DailyClosesTest, KeepsTheLastPointOfEachDay) {
  const std::vector<EquityPoint> curve = IntradayCurve();
  const std::vector<EquityPoint> closes = DailyCloses(curve);
  ASSERT_EQ(closes.size(), 5u);
  EXPECT_EQ(closes[0].time, At(2024, 1, 1, 20));
  EXPECT_EQ(closes[0].equity, 1005.0);
  EXPECT_EQ(closes[1].time, At(2024, 1, 2, 23, 59, 59, 999'999));
  EXPECT_EQ(closes[1].equity, 1020.0);
  EXPECT_EQ(closes[3].time, At(2024, 1, 5, 16));
  EXPECT_EQ(closes[4].equity, 1035.0);
}

TEST(DailyClosesTest, EqualTimesKeepTheLaterPoint) {
  const std::vector<EquityPoint> curve = {{At(2024, 1, 1, 5), 1.0}, {At(2024, 1, 1, 5), 2.0}};
  const std::vector<EquityPoint> closes = DailyCloses(curve);
  ASSERT_EQ(closes.size(), 1u);
  EXPECT_EQ(closes[0].equity, 2.0);
}

TEST(DailyReturnsTest, UsesTheLastValueOfEachDayAndSkipsEmptyDays) {
  const std::vector<EquityPoint> curve = IntradayCurve();
  const std::optional<std::vector<double>> r = DailyReturns(curve);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), kIntradayReturns.size());
  for (std::size_t i = 0; i < r->size(); ++i) {
    EXPECT_NEAR((*r)[i], kIntradayReturns[i], 1e-15) << i;
  }
}

TEST(DailyReturnsTest, FirstDayWithSeveralPointsIsMeasuredFromTheFirstPoint) {
  // The first day's base is the first point (1000), not the day's close.
  const std::vector<EquityPoint> curve = {
      {At(2024, 3, 1, 9), 1000.0}, {At(2024, 3, 1, 15), 1100.0}, {At(2024, 3, 2, 15), 1210.0}};
  const std::optional<std::vector<double>> r = DailyReturns(curve);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_NEAR((*r)[0], 0.1, 1e-15);
  EXPECT_NEAR((*r)[1], 0.1, 1e-15);
}

TEST(DailyReturnsTest, DegenerateCurves) {
  EXPECT_EQ(DailyReturns({}), std::vector<double>{});
  const std::vector<EquityPoint> one = {{At(2024, 1, 1), 1000.0}};
  EXPECT_EQ(DailyReturns(one), std::vector<double>{});
  // Instants before the epoch fall on their own UTC day.
  const std::vector<EquityPoint> pre_epoch = {{At(1969, 12, 31, 23), 100.0},
                                              {At(1970, 1, 1, 1), 110.0}};
  const std::optional<std::vector<double>> r = DailyReturns(pre_epoch);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_NEAR((*r)[0], 0.1, 1e-15);
}

TEST(DailyReturnsTest, NonPositiveBaseMakesTheSeriesUndefined) {
  // 1000 -> 500 -> -200 -> 100: the return after -200 has no meaning.
  const std::vector<EquityPoint> curve = {{At(2024, 1, 1), 1000.0},
                                          {At(2024, 1, 2), 500.0},
                                          {At(2024, 1, 3), -200.0},
                                          {At(2024, 1, 4), 100.0}};
  EXPECT_EQ(DailyReturns(curve), std::nullopt);
  // Ending at -200 is fine: -200 is never a base.
  EXPECT_EQ(DailyReturns(std::span(curve).first(3)), (std::vector<double>{-0.5, -1.4}));
  // A curve starting at 0 (cumulative P&L) has no returns either.
  const std::vector<EquityPoint> pnl = {{At(2024, 1, 1), 0.0}, {At(2024, 1, 2), 10.0}};
  EXPECT_EQ(DailyReturns(pnl), std::nullopt);
}

TEST(DailyReturnsTest, RejectsBadCurves) {
  const std::vector<EquityPoint> unsorted = {{At(2024, 1, 2), 1.0}, {At(2024, 1, 1), 1.0}};
  EXPECT_THROW(DailyReturns(unsorted), Error);
  try {
    DailyReturns(unsorted);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("point 1"), std::string::npos) << e.what();
  }
  const std::vector<EquityPoint> nan = {{At(2024, 1, 1), 1.0}, {At(2024, 1, 2), std::nan("")}};
  EXPECT_THROW(DailyReturns(nan), Error);
  EXPECT_THROW(MaxDrawdown(nan), Error);
  EXPECT_THROW(SummarizeEquity(nan, kTradingDaysPerYear), Error);
}

TEST(SharpeRatioTest, MatchesPython) {
  // import statistics as st, math; r = kIntradayReturns
  // python3 -c "...; print(repr(st.mean(r)/st.stdev(r)*math.sqrt(252)))"
  ExpectClose(SharpeRatio(kIntradayReturns, 252), 3.9292098720976454);
  // ... *math.sqrt(365)
  ExpectClose(SharpeRatio(kIntradayReturns, 365), 4.728804813062646);
  // r=[0.02,-0.01,0.03,-0.02,0.01]; st.mean(r)/st.stdev(r)*math.sqrt(252)
  ExpectClose(SharpeRatio(std::vector<double>{0.02, -0.01, 0.03, -0.02, 0.01}, 252),
              4.593220484431882);
}

TEST(SharpeRatioTest, UndefinedCases) {
  EXPECT_EQ(SharpeRatio({}, 252), std::nullopt);
  EXPECT_EQ(SharpeRatio(std::vector<double>{0.01}, 252), std::nullopt);
  EXPECT_EQ(SharpeRatio(std::vector<double>{0.0, 0.0, 0.0}, 252), std::nullopt);
  EXPECT_EQ(SharpeRatio(std::vector<double>{0.01, 0.01, 0.01}, 252), std::nullopt);
}

TEST(SharpeRatioTest, ZeroVarianceFromACompoundingCurve) {
  // 1 % a day, computed in double: the returns differ only by rounding.
  std::vector<EquityPoint> curve;
  double equity = 1000.0;
  for (unsigned day = 1; day <= 20; ++day) {
    curve.push_back({At(2024, 1, day), equity});
    equity *= 1.01;
  }
  const std::optional<std::vector<double>> r = DailyReturns(curve);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 19u);
  EXPECT_EQ(SharpeRatio(*r, 252), std::nullopt);
  EXPECT_EQ(SortinoRatio(*r, 252), std::nullopt);  // no negative return
  const EquitySummary report = SummarizeEquity(curve, kTradingDaysPerYear);
  EXPECT_EQ(report.sharpe_ratio, std::nullopt);
  EXPECT_EQ(report.return_count, 19u);
}

TEST(SharpeRatioTest, RejectsBadArguments) {
  const std::vector<double> r = {0.01, 0.02};
  EXPECT_THROW(SharpeRatio(r, 0.0), Error);
  EXPECT_THROW(SharpeRatio(r, -252.0), Error);
  EXPECT_THROW(SharpeRatio(r, std::nan("")), Error);
  EXPECT_THROW(SharpeRatio(std::vector<double>{0.01, INFINITY}, 252), Error);
  EXPECT_THROW(SortinoRatio(r, 0.0), Error);
  EXPECT_THROW(SortinoRatio(std::vector<double>{0.01, NAN}, 252), Error);
  StatisticsOptions options;
  options.periods_per_year = 0.0;
  EXPECT_THROW(ComputeStatistics({}, {}, {}, options), Error);
}

TEST(SortinoRatioTest, MatchesPython) {
  // dd = math.sqrt(sum(min(x,0)**2 for x in r)/len(r)); st.mean(r)/dd*math.sqrt(252)
  ExpectClose(DownsideDeviation(kIntradayReturns), 0.013327909126638213);
  ExpectClose(SortinoRatio(kIntradayReturns, 252), 8.625978299955891);
  ExpectClose(SortinoRatio(kIntradayReturns, 365), 10.381366490975687);
  // r=[0.02,-0.01,0.03,-0.02,0.01]: dd = sqrt((0.0001+0.0004)/5) = 0.01
  const std::vector<double> r = {0.02, -0.01, 0.03, -0.02, 0.01};
  ExpectClose(DownsideDeviation(r), 0.01);
  ExpectClose(SortinoRatio(r, 252), 9.524704719832526);
}

TEST(SortinoRatioTest, UndefinedCases) {
  EXPECT_EQ(SortinoRatio({}, 252), std::nullopt);
  EXPECT_EQ(SortinoRatio(std::vector<double>{-0.01}, 252), std::nullopt);
  EXPECT_EQ(SortinoRatio(std::vector<double>{0.01, 0.02, 0.0}, 252), std::nullopt);
  EXPECT_EQ(DownsideDeviation({}), std::nullopt);
  // All losses is defined (and negative).
  const std::optional<double> s = SortinoRatio(std::vector<double>{-0.01, -0.03}, 1.0);
  // mean -0.02, dd = sqrt((0.0001+0.0009)/2) = sqrt(0.0005)
  ExpectClose(s, -0.02 / std::sqrt(0.0005));
}

TEST(TotalReturnTest, FirstToLast) {
  const std::vector<EquityPoint> curve = IntradayCurve();
  // python3 -c "print(repr(1035/1000-1))"
  ExpectClose(TotalReturn(curve), 0.03499999999999992);
  EXPECT_EQ(TotalReturn({}), std::nullopt);
  const std::vector<EquityPoint> zero_start = {{At(2024, 1, 1), 0.0}, {At(2024, 1, 2), 5.0}};
  EXPECT_EQ(TotalReturn(zero_start), std::nullopt);
}

TEST(AnnualizedReturnTest, MatchesPython) {
  // 731 days from 2020-01-01 to 2022-01-01.
  // python3 -c "print(repr((1210/1000)**(365.25/731)-1))"
  const std::vector<EquityPoint> two_years = {
      {At(2020, 1, 1), 1000.0}, {At(2021, 1, 1), 900.0}, {At(2022, 1, 1), 1210.0}};
  ExpectClose(AnnualizedReturn(two_years), 0.09992829153182337);
  // python3 -c "print(repr((1035/1000)**(365.25/5)-1))"
  ExpectClose(AnnualizedReturn(IntradayCurve()), 11.342199223731289);
}

TEST(AnnualizedReturnTest, UndefinedCases) {
  EXPECT_EQ(AnnualizedReturn({}), std::nullopt);
  const std::vector<EquityPoint> one = {{At(2024, 1, 1), 1000.0}};
  EXPECT_EQ(AnnualizedReturn(one), std::nullopt);  // zero span
  const std::vector<EquityPoint> same_time = {{At(2024, 1, 1), 1000.0}, {At(2024, 1, 1), 1100.0}};
  EXPECT_EQ(AnnualizedReturn(same_time), std::nullopt);
  const std::vector<EquityPoint> negative_end = {{At(2024, 1, 1), 1000.0}, {At(2025, 1, 1), -10.0}};
  EXPECT_EQ(AnnualizedReturn(negative_end), std::nullopt);
  const std::vector<EquityPoint> zero_start = {{At(2024, 1, 1), 0.0}, {At(2025, 1, 1), 10.0}};
  EXPECT_EQ(AnnualizedReturn(zero_start), std::nullopt);
  // A huge gain over a second overflows: undefined, not infinity.
  const std::vector<EquityPoint> blowup = {{At(2024, 1, 1), 1.0}, {At(2024, 1, 1, 0, 0, 1), 1e6}};
  EXPECT_EQ(AnnualizedReturn(blowup), std::nullopt);
}

TEST(AnnualizedReturnTest, EverythingLostIsMinusOne) {
  const std::vector<EquityPoint> wiped = {{At(2024, 1, 1), 1000.0}, {At(2025, 1, 1), 0.0}};
  ExpectClose(AnnualizedReturn(wiped), -1.0);
}

}  // namespace
}  // namespace tradestore
