// The performance report: ComputePerformance, FormatReport, ReportToJson.
#include <fmt/format.h>

#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/statistics_internal.h"
#include "tradestore/statistics.h"

namespace tradestore {

PerformanceReport ComputePerformance(std::span<const Trade> trades,
                                     std::span<const EquityPoint> equity,
                                     const PerformanceOptions& options) {
  analytics_internal::CheckPeriodsPerYear(options.periods_per_year);
  analytics_internal::CheckEquityCurve(equity);

  PerformanceReport report;
  const TradeStatistics stats = ComputeTradeStatistics(trades);
  report.trade_count = stats.trade_count;
  report.long_count = stats.long_count;
  report.short_count = stats.short_count;
  report.wins = stats.wins;
  report.losses = stats.losses;
  report.breakeven = stats.breakeven;
  report.win_rate = WinRate(stats);
  report.gross_profit = stats.gross_profit;
  report.gross_loss = stats.gross_loss;
  report.net_profit = stats.net_profit;
  report.total_fees = stats.total_fees;
  report.profit_factor = ProfitFactor(stats.gross_profit, stats.gross_loss);
  report.average_win = AverageWin(stats);
  report.average_loss = AverageLoss(stats);
  report.expectancy = Expectancy(stats);

  if (!equity.empty()) {
    report.start_time = equity.front().time;
    report.end_time = equity.back().time;
    report.starting_equity = equity.front().equity;
    report.ending_equity = equity.back().equity;
  }
  report.total_return = TotalReturn(equity);
  report.annualized_return = AnnualizedReturn(equity);

  if (const std::optional<Drawdown> dd = MaxDrawdown(equity)) {
    report.max_drawdown = dd->max_drawdown;
    report.max_drawdown_fraction = dd->max_drawdown_fraction;
    report.drawdown_peak_time = dd->peak_time;
    report.drawdown_trough_time = dd->trough_time;
    report.drawdown_recovery_time = dd->recovery_time;
  }

  report.periods_per_year = options.periods_per_year;
  if (const std::optional<std::vector<double>> returns = DailyReturns(equity)) {
    report.return_count = returns->size();
    report.sharpe_ratio = SharpeRatio(*returns, options.periods_per_year);
    report.sortino_ratio = SortinoRatio(*returns, options.periods_per_year);
  }
  return report;
}

namespace {

constexpr std::string_view kNotAvailable = "n/a";

std::string Money(double value) { return fmt::format("{:.2f}", value); }
std::string Money(const std::optional<double>& value) {
  return value ? Money(*value) : std::string(kNotAvailable);
}
std::string Ratio(const std::optional<double>& value) {
  return value ? fmt::format("{:.2f}", *value) : std::string(kNotAvailable);
}
std::string Percent(const std::optional<double>& value) {
  return value ? fmt::format("{:.2f} %", *value * 100.0) : std::string(kNotAvailable);
}
std::string Time(const std::optional<Timestamp>& value) {
  return value ? value->ToIso() : std::string(kNotAvailable);
}

// One line of the table: the label padded to a fixed column.
void AddLine(std::string& out, std::string_view label, std::string_view value) {
  fmt::format_to(std::back_inserter(out), "{:<20}{}\n", label, value);
}

}  // namespace

std::string FormatReport(const PerformanceReport& r) {
  std::string out;
  AddLine(out, "Period",
          r.start_time ? fmt::format("{} to {}", Time(r.start_time), Time(r.end_time))
                       : std::string(kNotAvailable));
  AddLine(out, "Trades",
          fmt::format("{} (long {} / short {})", r.trade_count, r.long_count, r.short_count));
  AddLine(out, "Wins / losses",
          fmt::format("{} / {} (breakeven {})", r.wins, r.losses, r.breakeven));
  AddLine(out, "Win rate", Percent(r.win_rate));
  AddLine(out, "Gross profit", Money(r.gross_profit));
  AddLine(out, "Gross loss", Money(r.gross_loss));
  AddLine(out, "Net profit", Money(r.net_profit));
  AddLine(out, "Total fees", Money(r.total_fees));
  AddLine(out, "Profit factor", Ratio(r.profit_factor));
  AddLine(out, "Average win", Money(r.average_win));
  AddLine(out, "Average loss", Money(r.average_loss));
  AddLine(out, "Expectancy", Money(r.expectancy));
  AddLine(out, "Starting equity", Money(r.starting_equity));
  AddLine(out, "Ending equity", Money(r.ending_equity));
  AddLine(out, "Total return", Percent(r.total_return));
  AddLine(out, "Annualized return", Percent(r.annualized_return));
  AddLine(out, "Max drawdown", Money(r.max_drawdown));
  AddLine(out, "Max drawdown %", Percent(r.max_drawdown_fraction));
  AddLine(out, "Drawdown peak", Time(r.drawdown_peak_time));
  AddLine(out, "Drawdown trough", Time(r.drawdown_trough_time));
  AddLine(out, "Drawdown recovery",
          r.drawdown_recovery_time ? Time(r.drawdown_recovery_time)
          : r.drawdown_trough_time ? std::string("not recovered")
                                   : std::string(kNotAvailable));
  AddLine(out, "Daily returns", fmt::format("{}", r.return_count));
  AddLine(out, "Sharpe ratio", Ratio(r.sharpe_ratio));
  AddLine(out, "Sortino ratio", Ratio(r.sortino_ratio));
  AddLine(out, "Periods per year", fmt::format("{:g}", r.periods_per_year));
  return out;
}

namespace {

nlohmann::ordered_json ToJson(const std::optional<double>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}
nlohmann::ordered_json ToJson(const std::optional<Timestamp>& value) {
  return value ? nlohmann::ordered_json(value->ToIso()) : nlohmann::ordered_json(nullptr);
}

}  // namespace

std::string ReportToJson(const PerformanceReport& r, int indent) {
  // ordered_json keeps the keys in the order of the struct's fields.
  nlohmann::ordered_json j;
  j["trade_count"] = r.trade_count;
  j["long_count"] = r.long_count;
  j["short_count"] = r.short_count;
  j["wins"] = r.wins;
  j["losses"] = r.losses;
  j["breakeven"] = r.breakeven;
  j["win_rate"] = ToJson(r.win_rate);
  j["gross_profit"] = r.gross_profit;
  j["gross_loss"] = r.gross_loss;
  j["net_profit"] = r.net_profit;
  j["total_fees"] = r.total_fees;
  j["profit_factor"] = ToJson(r.profit_factor);
  j["average_win"] = ToJson(r.average_win);
  j["average_loss"] = ToJson(r.average_loss);
  j["expectancy"] = ToJson(r.expectancy);
  j["start_time"] = ToJson(r.start_time);
  j["end_time"] = ToJson(r.end_time);
  j["starting_equity"] = ToJson(r.starting_equity);
  j["ending_equity"] = ToJson(r.ending_equity);
  j["total_return"] = ToJson(r.total_return);
  j["annualized_return"] = ToJson(r.annualized_return);
  j["max_drawdown"] = ToJson(r.max_drawdown);
  j["max_drawdown_fraction"] = ToJson(r.max_drawdown_fraction);
  j["drawdown_peak_time"] = ToJson(r.drawdown_peak_time);
  j["drawdown_trough_time"] = ToJson(r.drawdown_trough_time);
  j["drawdown_recovery_time"] = ToJson(r.drawdown_recovery_time);
  j["return_count"] = r.return_count;
  j["periods_per_year"] = r.periods_per_year;
  j["sharpe_ratio"] = ToJson(r.sharpe_ratio);
  j["sortino_ratio"] = ToJson(r.sortino_ratio);
  return j.dump(indent < 0 ? -1 : indent);
}

}  // namespace tradestore
