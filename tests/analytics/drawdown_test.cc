// Maximum drawdown: absolute and fractional maxima, peak, trough, recovery.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "analytics/statistics_test_util.h"
#include "tradestore/statistic_functions.h"

namespace tradestore {
namespace {

using testing_util::At;
using testing_util::ExpectClose;

TEST(MaxDrawdownTest, EmptyIsUndefinedAndOnePointIsZero) {
  EXPECT_EQ(MaxDrawdown({}), std::nullopt);
  const std::vector<EquityPoint> one = {{At(2024, 1, 1), 1000.0}};
  const std::optional<Drawdown> dd = MaxDrawdown(one);
  ASSERT_TRUE(dd.has_value());
  EXPECT_EQ(dd->max_drawdown, 0.0);
  EXPECT_EQ(dd->max_drawdown_fraction, 0.0);
  EXPECT_EQ(dd->peak_time, std::nullopt);
  EXPECT_EQ(dd->trough_time, std::nullopt);
  EXPECT_EQ(dd->recovery_time, std::nullopt);
}

TEST(MaxDrawdownTest, MonotonicCurveHasNoEpisode) {
  const std::vector<EquityPoint> up = {
      {At(2024, 1, 1), 100.0}, {At(2024, 1, 2), 100.0}, {At(2024, 1, 3), 101.0}};
  const std::optional<Drawdown> dd = MaxDrawdown(up);
  ASSERT_TRUE(dd.has_value());
  EXPECT_EQ(dd->max_drawdown, 0.0);
  EXPECT_EQ(dd->max_drawdown_fraction, 0.0);
  EXPECT_EQ(dd->peak_time, std::nullopt);
}

TEST(MaxDrawdownTest, UsesEveryPointNotOnlyDailyCloses) {
  // The peak 1030 is intraday; the daily closes alone would give 1020 -> 990.
  const std::vector<EquityPoint> curve = {
      {At(2024, 1, 1), 1000.0},     {At(2024, 1, 1, 12), 1010.0}, {At(2024, 1, 1, 20), 1005.0},
      {At(2024, 1, 2, 10), 1030.0}, {At(2024, 1, 2, 23), 1020.0}, {At(2024, 1, 3, 9), 990.0},
      {At(2024, 1, 5, 16), 1040.0}, {At(2024, 1, 6), 1035.0},
  };
  const std::optional<Drawdown> dd = MaxDrawdown(curve);
  ASSERT_TRUE(dd.has_value());
  EXPECT_EQ(dd->max_drawdown, 40.0);
  // python3 -c "print(repr(40/1030))"
  ExpectClose(dd->max_drawdown_fraction, 0.038834951456310676);
  EXPECT_EQ(dd->peak_time, At(2024, 1, 2, 10));
  EXPECT_EQ(dd->trough_time, At(2024, 1, 3, 9));
  EXPECT_EQ(dd->recovery_time, At(2024, 1, 5, 16));
  EXPECT_EQ(dd->peak_equity, 1030.0);
  EXPECT_EQ(dd->trough_equity, 990.0);
}

TEST(MaxDrawdownTest, WithoutRecovery) {
  const std::vector<EquityPoint> curve = {{At(2024, 1, 1), 100.0},
                                          {At(2024, 1, 2), 120.0},
                                          {At(2024, 1, 3), 90.0},
                                          {At(2024, 1, 4), 110.0}};
  const std::optional<Drawdown> dd = MaxDrawdown(curve);
  ASSERT_TRUE(dd.has_value());
  EXPECT_EQ(dd->max_drawdown, 30.0);
  ExpectClose(dd->max_drawdown_fraction, 0.25);  // 30 / 120
  EXPECT_EQ(dd->peak_time, At(2024, 1, 2));
  EXPECT_EQ(dd->trough_time, At(2024, 1, 3));
  EXPECT_EQ(dd->recovery_time, std::nullopt);
}

TEST(MaxDrawdownTest, RecoveryAtExactlyThePeakAndPeakTimeIsTheLatestAtTheMark) {
  const std::vector<EquityPoint> curve = {{At(2024, 1, 1), 100.0},
                                          {At(2024, 1, 2), 95.0},
                                          {At(2024, 1, 3), 100.0},  // recovers episode 1
                                          {At(2024, 1, 4), 80.0},   // episode 2, deeper
                                          {At(2024, 1, 5), 100.0}};
  const std::optional<Drawdown> dd = MaxDrawdown(curve);
  ASSERT_TRUE(dd.has_value());
  EXPECT_EQ(dd->max_drawdown, 20.0);
  EXPECT_EQ(dd->peak_time, At(2024, 1, 3));
  EXPECT_EQ(dd->trough_time, At(2024, 1, 4));
  EXPECT_EQ(dd->recovery_time, At(2024, 1, 5));
}

TEST(MaxDrawdownTest, AbsoluteAndFractionalMaximaFromDifferentEpisodes) {
  // Episode 1: 300 -> 240, 60 = 20 %. Episode 2: 1000 -> 900, 100 = 10 %.
  // The times follow the largest fraction (episode 1).
  const std::vector<EquityPoint> curve = {{At(2024, 1, 1), 300.0},
                                          {At(2024, 1, 2), 240.0},
                                          {At(2024, 1, 3), 1000.0},
                                          {At(2024, 1, 4), 900.0},
                                          {At(2024, 1, 5), 950.0}};
  const std::optional<Drawdown> dd = MaxDrawdown(curve);
  ASSERT_TRUE(dd.has_value());
  EXPECT_EQ(dd->max_drawdown, 100.0);
  ExpectClose(dd->max_drawdown_fraction, 0.2);  // python3 -c "print(60/300)"
  EXPECT_EQ(dd->peak_time, At(2024, 1, 1));
  EXPECT_EQ(dd->trough_time, At(2024, 1, 2));
  EXPECT_EQ(dd->recovery_time, At(2024, 1, 3));
  EXPECT_EQ(dd->peak_equity, 300.0);
  EXPECT_EQ(dd->trough_equity, 240.0);
}

TEST(MaxDrawdownTest, NegativeEquityGivesAFractionAboveOne) {
  const std::vector<EquityPoint> curve = {{At(2024, 1, 1), 1000.0},
                                          {At(2024, 1, 2), 500.0},
                                          {At(2024, 1, 3), -200.0},
                                          {At(2024, 1, 4), 100.0}};
  const std::optional<Drawdown> dd = MaxDrawdown(curve);
  ASSERT_TRUE(dd.has_value());
  EXPECT_EQ(dd->max_drawdown, 1200.0);
  ExpectClose(dd->max_drawdown_fraction, 1.2);
  EXPECT_EQ(dd->trough_time, At(2024, 1, 3));
  EXPECT_EQ(dd->recovery_time, std::nullopt);
}

TEST(MaxDrawdownTest, PnlCurveStartingAtZero) {
  // Falls while the peak is 0: no fraction; times follow the absolute maximum.
  const std::vector<EquityPoint> down_first = {
      {At(2024, 1, 1), 0.0}, {At(2024, 1, 2), -5.0}, {At(2024, 1, 3), -2.0}};
  std::optional<Drawdown> dd = MaxDrawdown(down_first);
  ASSERT_TRUE(dd.has_value());
  EXPECT_EQ(dd->max_drawdown, 5.0);
  EXPECT_EQ(dd->max_drawdown_fraction, std::nullopt);
  EXPECT_EQ(dd->peak_time, At(2024, 1, 1));
  EXPECT_EQ(dd->trough_time, At(2024, 1, 2));
  EXPECT_EQ(dd->recovery_time, std::nullopt);

  // Later the peak turns positive: 10 -> 4 is 6 = 60 %.
  const std::vector<EquityPoint> later_up = {
      {At(2024, 1, 1), 0.0}, {At(2024, 1, 2), -5.0}, {At(2024, 1, 3), 10.0}, {At(2024, 1, 4), 4.0}};
  dd = MaxDrawdown(later_up);
  ASSERT_TRUE(dd.has_value());
  EXPECT_EQ(dd->max_drawdown, 6.0);
  ExpectClose(dd->max_drawdown_fraction, 0.6);
  EXPECT_EQ(dd->peak_time, At(2024, 1, 3));
  EXPECT_EQ(dd->trough_time, At(2024, 1, 4));
}

}  // namespace
}  // namespace tradestore
