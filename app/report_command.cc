// tradestore report [--bot NAME | --strategy NAME | --all] [--from T] [--to T]
//                   [--periods-per-year N] [--rolling-trades N] [--rolling-days N]
//                   [--json | --csv] [--html FILE]
// tradestore report --trades FILE [--equity FILE | --initial-capital X] [--from T] [--to T] ...
//   (statistics of another system's trade list, without a store)
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "commands.h"
#include "tradestore/error.h"
#include "tradestore/performance_report.h"
#include "tradestore/performance_report_input.h"
#include "tradestore/store.h"
#include "tradestore/tearsheet.h"
#include "tradestore/trade_list.h"

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
  // Statistics of files instead of a store.
  std::string trades_file;      // --trades FILE
  std::string equity_file;      // --equity FILE
  std::string initial_capital;  // --initial-capital X (an equity curve from the trades' P&L)
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

bool InRange(const TimeRange& range, Timestamp t) {
  return (!range.from || t >= *range.from) && (!range.to || t < *range.to);
}

// The statistics input of a trade list file (and an equity curve file, or
// one built from an initial capital and the trades' net P&L), restricted to
// `range`: trades by exit time, equity points by time.
StatisticsInput LoadTradeListInput(const ReportArgs& a, const TimeRange& range) {
  StatisticsInput in;
  in.title = "trades in " + a.trades_file;
  for (TradeListEntry& e : ReadTradeList(a.trades_file)) {
    if (!InRange(range, e.trade.exit_time)) continue;
    TradeSample s = ToTradeSample(e.trade, e.symbol.empty() ? "-" : e.symbol);
    if (!e.has_excursions) {
      s.mae.reset();
      s.mfe.reset();
    }
    in.samples.push_back(std::move(s));
    in.trades.push_back(std::move(e.trade));
  }
  if (!a.equity_file.empty()) {
    for (const auto& [time, equity] : ReadEquityCurve(a.equity_file)) {
      if (InRange(range, time)) in.equity.push_back({time, equity});
    }
  } else if (!a.initial_capital.empty() && !in.trades.empty()) {
    const std::optional<Decimal> capital = Decimal::TryParse(a.initial_capital);
    if (!capital || !capital->IsPositive()) {
      throw InvalidArgument(fmt::format(
          "--initial-capital: '{}' is not a positive amount (e.g. 10000)", a.initial_capital));
    }
    Timestamp start = in.trades.front().entry_time;
    for (const Trade& t : in.trades) start = std::min(start, t.entry_time);
    Decimal equity = *capital;
    in.equity.push_back({start, equity.ToDouble()});
    for (const Trade& t : in.trades) {
      equity = equity + t.net_pnl;
      if (t.exit_time == in.equity.back().time) {
        in.equity.back().equity = equity.ToDouble();
      } else {
        in.equity.push_back({t.exit_time, equity.ToDouble()});
      }
    }
  }
  return in;
}

int RunReport(const GlobalOptions& global, const ReportArgs& a) {
  if (global.json && a.csv) throw InvalidArgument("report: choose one of --json and --csv");
  const bool from_files = !a.trades_file.empty();
  if (from_files && (!a.bot.empty() || !a.strategy.empty() || a.all)) {
    throw InvalidArgument(
        "report: --trades reads a file; --bot, --strategy and --all select "
        "from a store; choose one");
  }
  if (!from_files && (!a.equity_file.empty() || !a.initial_capital.empty())) {
    throw InvalidArgument("report: --equity and --initial-capital go with --trades FILE");
  }
  if (!a.equity_file.empty() && !a.initial_capital.empty()) {
    throw InvalidArgument("report: choose one of --equity and --initial-capital");
  }
  StatisticsSelection selection;
  selection.bot = a.bot;
  selection.strategy = a.strategy;
  selection.all_bots = a.all;
  selection.range.from = ParseTime(a.from, "--from");
  selection.range.to = ParseTime(a.to, "--to");
  const TimeRange& range = selection.range;

  if (range.from && range.to && *range.from >= *range.to) {
    throw InvalidArgument("report: --from must be before --to");
  }
  StatisticsInput in;
  if (from_files) {
    in = LoadTradeListInput(a, range);
  } else {
    Store store = Store::Open(global.ResolvedUrl(), ReadingOptions());
    in = LoadStatisticsInput(store, selection);
  }

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
    if (from_files) {
      nlohmann::ordered_json j;
      j["trades_file"] = a.trades_file;
      j["equity_file"] = a.equity_file.empty() ? nlohmann::ordered_json(nullptr)
                                               : nlohmann::ordered_json(a.equity_file);
      j["from"] = range.from ? nlohmann::ordered_json(range.from->ToIso()) : nullptr;
      j["to"] = range.to ? nlohmann::ordered_json(range.to->ToIso()) : nullptr;
      j["statistics"] = nlohmann::ordered_json::parse(StatisticsToJson(stats));
      std::cout << j.dump(2) << "\n";
    } else {
      std::cout << ReportJson(in, stats, selection) << "\n";
    }
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
  sub->add_option("--trades", args->trades_file,
                  "Report a trade list CSV from another system instead of a store (columns in "
                  "docs/statistics.md; MAE/MFE/R reported as unknown when absent)");
  sub->add_option("--equity", args->equity_file,
                  "With --trades: the equity curve CSV (time and equity, or time and returns)");
  sub->add_option("--initial-capital", args->initial_capital,
                  "With --trades and no --equity: build the equity curve from this starting "
                  "capital and the trades' net P&L at their exits");
  sub->add_flag("--csv", args->csv, "CSV of the report tables on stdout");
  sub->add_option(
      "--html", args->html,
      "Also write a self-contained HTML tearsheet (charts and the same tables) to FILE");
  AddCommonOptions(*sub, global);
  sub->callback(
      [&global, &run, args] { run = [&global, args]() { return RunReport(global, *args); }; });
}

}  // namespace tradestore::cli
