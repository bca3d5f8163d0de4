// The whole report: ComputePerformance, FormatReport and ReportToJson.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analytics/statistics_test_util.h"
#include "tradestore/statistics.h"

namespace tradestore {
namespace {

using ::testing::HasSubstr;
using testing_util::At;
using testing_util::ExpectClose;
using testing_util::MakeTrade;

std::vector<Trade> Trades() {
  return {
      MakeTrade(Side::kBuy, 10050, 200),  MakeTrade(Side::kSell, -4025, 150),
      MakeTrade(Side::kBuy, 0, 100),      MakeTrade(Side::kBuy, 25000, 300),
      MakeTrade(Side::kSell, -6075, 225), MakeTrade(Side::kSell, 1000, 50),
  };
}

std::vector<EquityPoint> Curve() {
  return {
      {At(2024, 1, 1), 1000.0},     {At(2024, 1, 1, 12), 1010.0}, {At(2024, 1, 1, 20), 1005.0},
      {At(2024, 1, 2, 10), 1030.0}, {At(2024, 1, 2, 23), 1020.0}, {At(2024, 1, 3, 9), 990.0},
      {At(2024, 1, 5, 16), 1040.0}, {At(2024, 1, 6), 1035.0},
  };
}

TEST(ComputePerformanceTest, EverythingUndefinedWithoutInput) {
  const PerformanceReport r = ComputePerformance({}, {});
  EXPECT_EQ(r.trade_count, 0u);
  EXPECT_EQ(r.win_rate, std::nullopt);
  EXPECT_EQ(r.profit_factor, std::nullopt);
  EXPECT_EQ(r.expectancy, std::nullopt);
  EXPECT_EQ(r.start_time, std::nullopt);
  EXPECT_EQ(r.starting_equity, std::nullopt);
  EXPECT_EQ(r.total_return, std::nullopt);
  EXPECT_EQ(r.annualized_return, std::nullopt);
  EXPECT_EQ(r.max_drawdown, std::nullopt);
  EXPECT_EQ(r.max_drawdown_fraction, std::nullopt);
  EXPECT_EQ(r.sharpe_ratio, std::nullopt);
  EXPECT_EQ(r.sortino_ratio, std::nullopt);
  EXPECT_EQ(r.return_count, 0u);
  EXPECT_EQ(r.periods_per_year, 252.0);
}

TEST(ComputePerformanceTest, FullReport) {
  const std::vector<Trade> trades = Trades();
  const std::vector<EquityPoint> curve = Curve();
  PerformanceOptions options;
  options.periods_per_year = kCalendarDaysPerYear;
  const PerformanceReport r = ComputePerformance(trades, curve, options);

  EXPECT_EQ(r.trade_count, 6u);
  EXPECT_EQ(r.long_count, 3u);
  EXPECT_EQ(r.short_count, 3u);
  EXPECT_EQ(r.wins, 3u);
  EXPECT_EQ(r.losses, 2u);
  EXPECT_EQ(r.breakeven, 1u);
  ExpectClose(r.win_rate, 0.5);
  EXPECT_EQ(r.gross_profit, 360.5);
  EXPECT_EQ(r.gross_loss, -101.0);
  EXPECT_EQ(r.net_profit, 259.5);
  EXPECT_EQ(r.total_fees, 10.25);
  ExpectClose(r.profit_factor, 3.5693069306930694);  // python3 -c "print(repr(360.5/101))"
  ExpectClose(r.average_win, 120.16666666666667);
  ExpectClose(r.average_loss, -50.5);
  ExpectClose(r.expectancy, 43.25);

  EXPECT_EQ(r.start_time, At(2024, 1, 1));
  EXPECT_EQ(r.end_time, At(2024, 1, 6));
  EXPECT_EQ(r.starting_equity, 1000.0);
  EXPECT_EQ(r.ending_equity, 1035.0);
  ExpectClose(r.total_return, 0.03499999999999992);
  ExpectClose(r.annualized_return, 11.342199223731289);  // (1035/1000)**(365.25/5)-1
  EXPECT_EQ(r.max_drawdown, 40.0);
  ExpectClose(r.max_drawdown_fraction, 0.038834951456310676);  // 40/1030
  EXPECT_EQ(r.drawdown_peak_time, At(2024, 1, 2, 10));
  EXPECT_EQ(r.drawdown_trough_time, At(2024, 1, 3, 9));
  EXPECT_EQ(r.drawdown_recovery_time, At(2024, 1, 5, 16));

  EXPECT_EQ(r.return_count, 5u);
  EXPECT_EQ(r.periods_per_year, 365.0);
  // See returns_test.cc for the python one-liners.
  ExpectClose(r.sharpe_ratio, 4.728804813062646);
  ExpectClose(r.sortino_ratio, 10.381366490975687);
}

TEST(ComputePerformanceTest, NegativeEquityCurve) {
  // 1000 -> 500 -> -200 -> 100: drawdown beyond 100 %, returns undefined.
  const std::vector<EquityPoint> curve = {{At(2024, 1, 1), 1000.0},
                                          {At(2024, 1, 2), 500.0},
                                          {At(2024, 1, 3), -200.0},
                                          {At(2024, 1, 4), 100.0}};
  const PerformanceReport r = ComputePerformance({}, curve);
  EXPECT_EQ(r.max_drawdown, 1200.0);
  ExpectClose(r.max_drawdown_fraction, 1.2);
  ExpectClose(r.total_return, -0.9);
  EXPECT_EQ(r.return_count, 0u);
  EXPECT_EQ(r.sharpe_ratio, std::nullopt);
  EXPECT_EQ(r.sortino_ratio, std::nullopt);
  EXPECT_EQ(r.drawdown_recovery_time, std::nullopt);
}

TEST(FormatReportTest, ContainsTheNumbers) {
  const std::vector<Trade> trades = Trades();
  const std::vector<EquityPoint> curve = Curve();
  const std::string text = FormatReport(ComputePerformance(trades, curve));
  EXPECT_THAT(text, HasSubstr("Trades              6 (long 3 / short 3)\n"));
  EXPECT_THAT(text, HasSubstr("Wins / losses       3 / 2 (breakeven 1)\n"));
  EXPECT_THAT(text, HasSubstr("Win rate            50.00 %\n"));
  EXPECT_THAT(text, HasSubstr("Gross profit        360.50\n"));
  EXPECT_THAT(text, HasSubstr("Gross loss          -101.00\n"));
  EXPECT_THAT(text, HasSubstr("Net profit          259.50\n"));
  EXPECT_THAT(text, HasSubstr("Total fees          10.25\n"));
  EXPECT_THAT(text, HasSubstr("Profit factor       3.57\n"));
  EXPECT_THAT(text, HasSubstr("Average loss        -50.50\n"));
  EXPECT_THAT(text, HasSubstr("Expectancy          43.25\n"));
  EXPECT_THAT(text, HasSubstr("Total return        3.50 %\n"));
  EXPECT_THAT(text, HasSubstr("Max drawdown        40.00\n"));
  EXPECT_THAT(text, HasSubstr("Max drawdown %      3.88 %\n"));
  EXPECT_THAT(text, HasSubstr("Drawdown peak       2024-01-02T10:00:00Z\n"));
  EXPECT_THAT(text, HasSubstr("Drawdown recovery   2024-01-05T16:00:00Z\n"));
  EXPECT_THAT(text, HasSubstr("Sharpe ratio        3.93\n"));
  EXPECT_THAT(text, HasSubstr("Sortino ratio       8.63\n"));
  EXPECT_THAT(text, HasSubstr("Periods per year    252\n"));
  EXPECT_THAT(text,
              HasSubstr("Period              2024-01-01T00:00:00Z to 2024-01-06T00:00:00Z\n"));
}

TEST(FormatReportTest, UndefinedReadsNotAvailable) {
  const std::string text = FormatReport(ComputePerformance({}, {}));
  EXPECT_THAT(text, HasSubstr("Trades              0 (long 0 / short 0)\n"));
  EXPECT_THAT(text, HasSubstr("Win rate            n/a\n"));
  EXPECT_THAT(text, HasSubstr("Profit factor       n/a\n"));
  EXPECT_THAT(text, HasSubstr("Sharpe ratio        n/a\n"));
  EXPECT_THAT(text, HasSubstr("Drawdown recovery   n/a\n"));
  EXPECT_THAT(text, HasSubstr("Period              n/a\n"));
}

TEST(FormatReportTest, UnrecoveredDrawdown) {
  const std::vector<EquityPoint> curve = {{At(2024, 1, 1), 100.0}, {At(2024, 1, 2), 90.0}};
  const std::string text = FormatReport(ComputePerformance({}, curve));
  EXPECT_THAT(text, HasSubstr("Drawdown recovery   not recovered\n"));
  EXPECT_THAT(text, HasSubstr("Max drawdown %      10.00 %\n"));
}

TEST(ReportToJsonTest, ShapeAndValues) {
  const std::vector<Trade> trades = Trades();
  const std::vector<EquityPoint> curve = Curve();
  const PerformanceReport report = ComputePerformance(trades, curve);
  const nlohmann::json j = nlohmann::json::parse(ReportToJson(report));
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.size(), 30u);
  EXPECT_EQ(j["trade_count"], 6);
  EXPECT_EQ(j["wins"], 3);
  EXPECT_EQ(j["win_rate"], 0.5);
  EXPECT_EQ(j["gross_loss"], -101.0);
  EXPECT_EQ(j["profit_factor"].get<double>(), *report.profit_factor);  // full precision
  EXPECT_EQ(j["sharpe_ratio"].get<double>(), *report.sharpe_ratio);
  EXPECT_EQ(j["start_time"], "2024-01-01T00:00:00Z");
  EXPECT_EQ(j["drawdown_trough_time"], "2024-01-03T09:00:00Z");
  EXPECT_EQ(j["drawdown_recovery_time"], "2024-01-05T16:00:00Z");
  EXPECT_EQ(j["periods_per_year"], 252.0);
  EXPECT_EQ(j["return_count"], 5);
}

TEST(ReportToJsonTest, UndefinedIsNull) {
  const nlohmann::json j = nlohmann::json::parse(ReportToJson(ComputePerformance({}, {})));
  for (const char* key :
       {"win_rate", "profit_factor", "average_win", "average_loss", "expectancy", "start_time",
        "end_time", "starting_equity", "ending_equity", "total_return", "annualized_return",
        "max_drawdown", "max_drawdown_fraction", "drawdown_peak_time", "drawdown_trough_time",
        "drawdown_recovery_time", "sharpe_ratio", "sortino_ratio"}) {
    ASSERT_TRUE(j.contains(key)) << key;
    EXPECT_TRUE(j[key].is_null()) << key;
  }
  EXPECT_EQ(j["trade_count"], 0);
  EXPECT_EQ(j["gross_profit"], 0.0);
}

TEST(ReportToJsonTest, AllWinnersHaveNullProfitFactor) {
  const std::vector<Trade> trades = {MakeTrade(Side::kBuy, 500, 10)};
  const nlohmann::json j = nlohmann::json::parse(ReportToJson(ComputePerformance(trades, {})));
  EXPECT_TRUE(j["profit_factor"].is_null());
  EXPECT_EQ(j["win_rate"], 1.0);
}

TEST(ReportToJsonTest, IndentPrettyPrints) {
  const std::string compact = ReportToJson(ComputePerformance({}, {}));
  const std::string pretty = ReportToJson(ComputePerformance({}, {}), 2);
  EXPECT_EQ(compact.find('\n'), std::string::npos);
  EXPECT_THAT(pretty, HasSubstr("\n  \"trade_count\": 0,\n"));
  EXPECT_EQ(nlohmann::json::parse(compact), nlohmann::json::parse(pretty));
}

}  // namespace
}  // namespace tradestore
