// The whole report over Trades and an equity curve: ComputeStatistics of
// ToTradeSamples, its tables (BuildReportTables, FormatTables) and its JSON
// (StatisticsToJson). These were the tests of the second pipeline
// (ComputePerformance, FormatReport, ReportToJson) before issue 14 item 3,
// with the same inputs and expected values, read from the one report.
#include "tradestore/performance_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analytics/statistics_test_util.h"
#include "tradestore/statistic_functions.h"

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

// The report of closed trades and a curve (no ledger).
StatisticsReport Report(std::span<const Trade> trades, std::span<const EquityPoint> curve,
                        double periods_per_year = kTradingDaysPerYear) {
  StatisticsOptions options;
  options.periods_per_year = periods_per_year;
  return ComputeStatistics(ToTradeSamples(trades), curve, {}, options);
}

// The value of the row `name` of the table `title`.
std::string Cell(const std::vector<ReportTable>& tables, const std::string& title,
                 const std::string& name) {
  for (const ReportTable& t : tables) {
    if (t.title != title) continue;
    for (const auto& row : t.rows) {
      if (!row.empty() && row[0] == name) return row.size() > 1 ? row[1] : "";
    }
  }
  ADD_FAILURE() << "no row '" << name << "' in table '" << title << "'";
  return {};
}

TEST(ComputeStatisticsReportTest, EverythingUndefinedWithoutInput) {
  const StatisticsReport report = Report({}, {});
  const TradeSummary& r = report.trades;
  const EquitySummary& e = report.equity;
  EXPECT_EQ(r.trade_count, 0u);
  EXPECT_EQ(r.win_rate, std::nullopt);
  EXPECT_EQ(r.profit_factor, std::nullopt);
  EXPECT_EQ(r.expectancy, std::nullopt);
  EXPECT_EQ(e.start_time, std::nullopt);
  EXPECT_EQ(e.starting_equity, std::nullopt);
  EXPECT_EQ(e.total_return, std::nullopt);
  EXPECT_EQ(e.cagr, std::nullopt);
  EXPECT_EQ(e.max_drawdown, std::nullopt);
  EXPECT_EQ(e.sharpe_ratio, std::nullopt);
  EXPECT_EQ(e.sortino_ratio, std::nullopt);
  EXPECT_EQ(e.return_count, 0u);
  EXPECT_EQ(e.periods_per_year, 252.0);
}

TEST(ComputeStatisticsReportTest, FullReport) {
  const std::vector<Trade> trades = Trades();
  const std::vector<EquityPoint> curve = Curve();
  const StatisticsReport report = Report(trades, curve, kCalendarDaysPerYear);
  const TradeSummary& r = report.trades;
  const EquitySummary& e = report.equity;

  EXPECT_EQ(r.trade_count, 6u);
  EXPECT_EQ(r.long_count, 3u);
  EXPECT_EQ(r.short_count, 3u);
  EXPECT_EQ(r.wins, 3u);
  EXPECT_EQ(r.losses, 2u);
  EXPECT_EQ(r.breakeven, 1u);
  ExpectClose(r.win_rate, 0.5);
  // Exact Decimal sums converted once, so these compare exactly.
  EXPECT_EQ(r.gross_profit, 360.5);
  EXPECT_EQ(r.gross_loss, -101.0);
  EXPECT_EQ(r.net_profit, 259.5);
  EXPECT_EQ(r.total_fees, 10.25);
  ExpectClose(r.profit_factor, 3.5693069306930694);  // python3 -c "print(repr(360.5/101))"
  ExpectClose(r.average_win, 120.16666666666667);
  ExpectClose(r.average_loss, -50.5);
  ExpectClose(r.expectancy, 43.25);

  EXPECT_EQ(e.start_time, At(2024, 1, 1));
  EXPECT_EQ(e.end_time, At(2024, 1, 6));
  EXPECT_EQ(e.starting_equity, 1000.0);
  EXPECT_EQ(e.ending_equity, 1035.0);
  ExpectClose(e.total_return, 0.03499999999999992);
  ExpectClose(e.cagr, 11.342199223731289);  // (1035/1000)**(365.25/5)-1
  ASSERT_TRUE(e.max_drawdown.has_value());
  EXPECT_EQ(e.max_drawdown->max_drawdown, 40.0);
  ExpectClose(e.max_drawdown->max_drawdown_fraction, 0.038834951456310676);  // 40/1030
  EXPECT_EQ(e.max_drawdown->peak_time, At(2024, 1, 2, 10));
  EXPECT_EQ(e.max_drawdown->trough_time, At(2024, 1, 3, 9));
  EXPECT_EQ(e.max_drawdown->recovery_time, At(2024, 1, 5, 16));

  EXPECT_EQ(e.return_count, 5u);
  EXPECT_EQ(e.periods_per_year, 365.0);
  // See returns_test.cc for the python one-liners.
  ExpectClose(e.sharpe_ratio, 4.728804813062646);
  ExpectClose(e.sortino_ratio, 10.381366490975687);
}

TEST(ComputeStatisticsReportTest, NegativeEquityCurve) {
  // 1000 -> 500 -> -200 -> 100: drawdown beyond 100 %, returns undefined.
  const std::vector<EquityPoint> curve = {{At(2024, 1, 1), 1000.0},
                                          {At(2024, 1, 2), 500.0},
                                          {At(2024, 1, 3), -200.0},
                                          {At(2024, 1, 4), 100.0}};
  const EquitySummary e = Report({}, curve).equity;
  ASSERT_TRUE(e.max_drawdown.has_value());
  EXPECT_EQ(e.max_drawdown->max_drawdown, 1200.0);
  ExpectClose(e.max_drawdown->max_drawdown_fraction, 1.2);
  ExpectClose(e.total_return, -0.9);
  EXPECT_EQ(e.return_count, 0u);
  EXPECT_EQ(e.sharpe_ratio, std::nullopt);
  EXPECT_EQ(e.sortino_ratio, std::nullopt);
  EXPECT_EQ(e.max_drawdown->recovery_time, std::nullopt);
}

TEST(ReportTablesTest, ContainTheNumbers) {
  const std::vector<Trade> trades = Trades();
  const std::vector<EquityPoint> curve = Curve();
  const std::vector<ReportTable> t = BuildReportTables(Report(trades, curve));
  EXPECT_EQ(Cell(t, "Trades", "Trades"), "6 (long 3 / short 3)");
  EXPECT_EQ(Cell(t, "Trades", "Wins / losses / breakeven"), "3 / 2 / 1");
  EXPECT_EQ(Cell(t, "Trades", "Win rate"), "50.00 %");
  EXPECT_EQ(Cell(t, "Trades", "Gross profit"), "360.50");
  EXPECT_EQ(Cell(t, "Trades", "Gross loss"), "-101.00");
  EXPECT_EQ(Cell(t, "Trades", "Net profit"), "259.50");
  EXPECT_EQ(Cell(t, "Trades", "Total fees"), "10.25");
  EXPECT_EQ(Cell(t, "Trades", "Profit factor"), "3.57");
  EXPECT_EQ(Cell(t, "Trades", "Average loss"), "-50.50");
  EXPECT_EQ(Cell(t, "Trades", "Expectancy per trade"), "43.25");
  EXPECT_EQ(Cell(t, "Equity", "Total return"), "3.50 %");
  EXPECT_EQ(Cell(t, "Drawdown", "Max drawdown"), "40.00");
  EXPECT_EQ(Cell(t, "Drawdown", "Max drawdown %"), "3.88 %");
  EXPECT_EQ(Cell(t, "Drawdown", "Drawdown start (peak)"), "2024-01-02T10:00:00Z");
  EXPECT_EQ(Cell(t, "Drawdown", "Drawdown recovery"), "2024-01-05T16:00:00Z");
  EXPECT_EQ(Cell(t, "Equity", "Sharpe ratio"), "3.93");
  EXPECT_EQ(Cell(t, "Equity", "Sortino ratio"), "8.63");
  EXPECT_EQ(Cell(t, "Equity", "Daily returns"), "5 (periods per year 252)");
  EXPECT_EQ(Cell(t, "Equity", "Period"), "2024-01-01T00:00:00Z to 2024-01-06T00:00:00Z");
  // The text form aligns the same cells.
  EXPECT_THAT(FormatTables(t), HasSubstr("Profit factor"));
}

TEST(ReportTablesTest, UndefinedReadsNotAvailable) {
  const std::vector<ReportTable> t = BuildReportTables(Report({}, {}));
  EXPECT_EQ(Cell(t, "Trades", "Trades"), "0 (long 0 / short 0)");
  EXPECT_EQ(Cell(t, "Trades", "Win rate"), "n/a");
  EXPECT_EQ(Cell(t, "Trades", "Profit factor"), "n/a");
  EXPECT_EQ(Cell(t, "Equity", "Sharpe ratio"), "n/a");
  EXPECT_EQ(Cell(t, "Drawdown", "Drawdown recovery"), "n/a");
  EXPECT_EQ(Cell(t, "Equity", "Period"), "n/a");
}

TEST(ReportTablesTest, UnrecoveredDrawdown) {
  const std::vector<EquityPoint> curve = {{At(2024, 1, 1), 100.0}, {At(2024, 1, 2), 90.0}};
  const std::vector<ReportTable> t = BuildReportTables(Report({}, curve));
  EXPECT_EQ(Cell(t, "Drawdown", "Drawdown recovery"), "not recovered");
  EXPECT_EQ(Cell(t, "Drawdown", "Max drawdown %"), "10.00 %");
}

TEST(StatisticsToJsonTest, ShapeAndValues) {
  const std::vector<Trade> trades = Trades();
  const std::vector<EquityPoint> curve = Curve();
  const StatisticsReport report = Report(trades, curve);
  const nlohmann::json j = nlohmann::json::parse(StatisticsToJson(report));
  ASSERT_TRUE(j.is_object());
  const nlohmann::json& t = j["trades"];
  const nlohmann::json& e = j["equity"];
  EXPECT_EQ(t["trade_count"], 6);
  EXPECT_EQ(t["wins"], 3);
  EXPECT_EQ(t["win_rate"], 0.5);
  EXPECT_EQ(t["gross_loss"], -101.0);
  EXPECT_EQ(t["profit_factor"].get<double>(), *report.trades.profit_factor);  // full precision
  EXPECT_EQ(e["sharpe_ratio"].get<double>(), *report.equity.sharpe_ratio);
  EXPECT_EQ(e["start_time"], "2024-01-01T00:00:00Z");
  EXPECT_EQ(e["drawdown_trough_time"], "2024-01-03T09:00:00Z");
  EXPECT_EQ(e["drawdown_recovery_time"], "2024-01-05T16:00:00Z");
  EXPECT_EQ(e["periods_per_year"], 252.0);
  EXPECT_EQ(e["return_count"], 5);
}

TEST(StatisticsToJsonTest, UndefinedIsNull) {
  const nlohmann::json j = nlohmann::json::parse(StatisticsToJson(Report({}, {})));
  for (const char* key :
       {"win_rate", "profit_factor", "average_win", "average_loss", "expectancy"}) {
    ASSERT_TRUE(j["trades"].contains(key)) << key;
    EXPECT_TRUE(j["trades"][key].is_null()) << key;
  }
  for (const char* key :
       {"start_time", "end_time", "starting_equity", "ending_equity", "total_return", "cagr",
        "max_drawdown", "max_drawdown_fraction", "drawdown_peak_time", "drawdown_trough_time",
        "drawdown_recovery_time", "sharpe_ratio", "sortino_ratio"}) {
    ASSERT_TRUE(j["equity"].contains(key)) << key;
    EXPECT_TRUE(j["equity"][key].is_null()) << key;
  }
  EXPECT_EQ(j["trades"]["trade_count"], 0);
  EXPECT_EQ(j["trades"]["gross_profit"], 0.0);
}

TEST(StatisticsToJsonTest, AllWinnersHaveNullProfitFactor) {
  const std::vector<Trade> trades = {MakeTrade(Side::kBuy, 500, 10)};
  const nlohmann::json j = nlohmann::json::parse(StatisticsToJson(Report(trades, {})));
  EXPECT_TRUE(j["trades"]["profit_factor"].is_null());
  EXPECT_EQ(j["trades"]["win_rate"], 1.0);
}

TEST(StatisticsToJsonTest, IndentPrettyPrints) {
  const std::string compact = StatisticsToJson(Report({}, {}));
  const std::string pretty = StatisticsToJson(Report({}, {}), 2);
  EXPECT_EQ(compact.find('\n'), std::string::npos);
  EXPECT_THAT(pretty, HasSubstr("\n    \"trade_count\": 0,\n"));
  EXPECT_EQ(nlohmann::json::parse(compact), nlohmann::json::parse(pretty));
}

}  // namespace
}  // namespace tradestore
