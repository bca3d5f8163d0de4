// tradestore report [--bot NAME] [--periods-per-year N] [--json]
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "tradestore/error.h"
#include "tradestore/statistics.h"
#include "tradestore/store.h"

namespace tradestore::cli {

void AddReportCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run) {
  auto* sub = app.add_subcommand("report", "Report a bot's performance from its recorded session");
  auto bot_name = std::make_shared<std::string>();
  auto ppy = std::make_shared<double>(kTradingDaysPerYear);
  sub->add_option("--bot", *bot_name, "Bot name (default: the most recently created bot)");
  sub->add_option("--periods-per-year", *ppy,
                  "Periods per year for Sharpe/Sortino: 252 (default, exchange days) or 365 "
                  "(24/7 markets)");
  AddCommonOptions(*sub, global);
  sub->callback([&global, &run, bot_name, ppy] {
    run = [&global, bot_name, ppy]() {
      Store store = Store::Open(global.ResolvedUrl());
      Bot bot;
      if (!bot_name->empty()) {
        auto found = store.bots().FindByName(*bot_name);
        if (!found) throw NotFound("bot '" + *bot_name + "' does not exist");
        bot = *found;
      } else {
        auto bots = store.bots().List();
        if (bots.empty()) throw NotFound("the store has no bots; run a backtest first");
        bot = *std::max_element(bots.begin(), bots.end(),
                                [](const Bot& x, const Bot& y) { return x.id < y.id; });
      }
      TradeFilter filter;
      filter.bot = bot.id;
      const std::vector<Trade> trades = store.trades().List(filter);
      std::vector<EquityPoint> equity;
      const auto accounts = store.accounts().List(bot.id);
      if (!accounts.empty()) {
        for (const PortfolioSnapshot& s : store.portfolio().Curve(bot.id, accounts.front().id)) {
          equity.push_back({s.time, s.equity.ToDouble()});
        }
      }
      PerformanceOptions options;
      options.periods_per_year = *ppy;
      const PerformanceReport report = ComputePerformance(trades, equity, options);
      if (global.json) {
        nlohmann::json j = nlohmann::json::parse(ReportToJson(report));
        j["bot"] = bot.name;
        std::cout << j.dump(2) << "\n";
      } else {
        std::cout << fmt::format("Performance of bot {} ({}, {})\n", bot.name, bot.strategy,
                                 ToString(bot.mode));
        std::cout << FormatReport(report);
      }
      return 0;
    };
  });
}

}  // namespace tradestore::cli
