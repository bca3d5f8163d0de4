// tradestore report [--bot NAME | --strategy NAME | --all] [--from T] [--to T]
//                   [--periods-per-year N] [--rolling-trades N] [--rolling-days N]
//                   [--json | --csv] [--html FILE]
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "commands.h"
#include "tradestore/error.h"
#include "tradestore/performance_report.h"
#include "tradestore/performance_report_input.h"
#include "tradestore/store.h"
#include "tradestore/tearsheet.h"

namespace tradestore::cli {

namespace {

struct ReportArgs {
  std::string bot;
  std::string strategy;
  bool all = false;
  std::string from;
  std::string to;
  double periods_per_year = kTradingDaysPerYear;
  std::size_t rolling_trades = 0;
  std::size_t rolling_days = 0;
  bool csv = false;
  std::string html;  // --html FILE: also write the tearsheet there
};

std::optional<Timestamp> ParseTime(const std::string& text, const char* option) {
  if (text.empty()) return std::nullopt;
  const std::optional<Timestamp> t = Timestamp::TryParse(text);
  if (!t) {
    throw InvalidArgument(
        fmt::format("{}: '{}' is not an ISO-8601 time (e.g. 2024-01-31 or "
                    "2024-01-31T12:00:00Z)",
                    option, text));
  }
  return t;
}

int RunReport(const GlobalOptions& global, const ReportArgs& a) {
  if (global.json && a.csv) throw InvalidArgument("report: choose one of --json and --csv");
  StatisticsSelection selection;
  selection.bot = a.bot;
  selection.strategy = a.strategy;
  selection.all_bots = a.all;
  selection.range.from = ParseTime(a.from, "--from");
  selection.range.to = ParseTime(a.to, "--to");
  const TimeRange& range = selection.range;

  Store store = Store::Open(global.ResolvedUrl());
  const StatisticsInput in = LoadStatisticsInput(store, selection);

  StatisticsOptions options;
  options.periods_per_year = a.periods_per_year;
  options.rolling_trades = a.rolling_trades;
  options.rolling_days = a.rolling_days;
  const StatisticsReport stats = ComputeStatistics(in.samples, in.equity, in.ledger, options);
  if (!a.html.empty()) {
    // Written before the text so a failure to write it exits non-zero with
    // nothing printed; atomic (temp file + rename).
    WriteTearsheet(BuildTearsheet(in, stats), a.html);
    std::cerr << "tearsheet written to " << a.html << "\n";
  }

  if (global.json) {
    std::cout << ReportJson(in, stats, selection) << "\n";
    return 0;
  }
  const std::vector<ReportTable> tables = BuildReportTables(stats);
  if (a.csv) {
    std::cout << TablesToCsv(tables);
    return 0;
  }
  std::cout << "Performance of " << in.title;
  if (range.from || range.to) {
    std::cout << fmt::format(", {} to {}", range.from ? range.from->ToIso() : "start",
                             range.to ? range.to->ToIso() : "end");
  }
  std::cout << "\n\n" << FormatTables(tables);
  return 0;
}

}  // namespace

void AddReportCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run) {
  auto* sub =
      app.add_subcommand("report",
                         "Statistics of closed trades, the equity curve and the ledger of a bot, a "
                         "strategy or all bots over a period");
  auto args = std::make_shared<ReportArgs>();
  sub->add_option("--bot", args->bot, "Bot name (default: the most recently created bot)");
  sub->add_option("--strategy", args->strategy,
                  "Report the trades of this strategy over all bots (equity: the bots whose "
                  "strategy it is)");
  sub->add_flag("--all", args->all, "Report all bots together (equity curves summed)");
  sub->add_option("--from", args->from, "Start of the period, ISO-8601, inclusive (UTC)");
  sub->add_option("--to", args->to, "End of the period, ISO-8601, exclusive (UTC)");
  sub->add_option("--periods-per-year", args->periods_per_year,
                  "Periods per year for Sharpe/Sortino/volatility: 252 (default, exchange days) "
                  "or 365 (24/7 markets)");
  sub->add_option("--rolling-trades", args->rolling_trades,
                  "Also report the last N trades (by exit)");
  sub->add_option("--rolling-days", args->rolling_days,
                  "Also report the last N days (trades and equity)");
  sub->add_flag("--csv", args->csv, "CSV of the report tables on stdout");
  sub->add_option(
      "--html", args->html,
      "Also write a self-contained HTML tearsheet (charts and the same tables) to FILE");
  AddCommonOptions(*sub, global);
  sub->callback(
      [&global, &run, args] { run = [&global, args]() { return RunReport(global, *args); }; });
}

}  // namespace tradestore::cli
