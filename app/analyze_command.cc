// tradestore analyze [--bot NAME] [--full] [--periods-per-year N] [--json]
//
// Brings the persisted analytics (daily performance, strategy performance,
// dashboard metrics; include/tradestore/persisted_analytics.h) up to date:
// incrementally from the watermark of the last run, or fully with --full.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "tradestore/error.h"
#include "tradestore/persisted_analytics.h"
#include "tradestore/store.h"

namespace tradestore::cli {

void AddAnalyzeCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run) {
  auto* sub = app.add_subcommand(
      "analyze",
      "Compute and store daily performance, strategy performance and dashboard metrics "
      "(incrementally: only what changed since the last run)");
  auto bot_name = std::make_shared<std::string>();
  auto full = std::make_shared<bool>(false);
  auto ppy = std::make_shared<double>(kTradingDaysPerYear);
  sub->add_option("--bot", *bot_name, "Bot name (default: every non-test bot)");
  sub->add_flag("--full", *full, "Recompute everything, ignoring the last run's watermark");
  sub->add_option("--periods-per-year", *ppy,
                  "Periods per year for Sharpe/Sortino: 252 (default) or 365 (24/7 markets); "
                  "changing it recomputes fully");
  AddCommonOptions(*sub, global);
  sub->callback([&global, &run, bot_name, full, ppy] {
    run = [&global, bot_name, full, ppy]() {
      Store store = Store::Open(global.ResolvedUrl(), ReadingOptions());
      std::vector<Bot> bots;
      if (!bot_name->empty()) {
        auto found = store.bots().FindByName(*bot_name);
        if (!found) throw NotFound("bot '" + *bot_name + "' does not exist");
        bots.push_back(*found);
      } else {
        bots = store.bots().List();
      }
      AnalyzeOptions options;
      options.full = *full;
      options.periods_per_year = *ppy;
      nlohmann::json out = nlohmann::json::array();
      for (const Bot& bot : bots) {
        const AnalyzeResult r = AnalyzeBot(store, bot.id, options);
        if (global.json) {
          out.push_back(
              {{"bot", r.bot_name},
               {"kind", r.kind},
               {"recomputed_from", r.recomputed_from ? nlohmann::json(r.recomputed_from->ToIso())
                                                     : nlohmann::json(nullptr)},
               {"days_written", r.days_written},
               {"strategies_written", r.strategies_written},
               {"metrics_written", r.metrics_written}});
        } else if (r.kind == "up to date") {
          std::cout << fmt::format("{}: up to date\n", r.bot_name);
        } else {
          std::cout << fmt::format("{}: {} ({} days from {}, {} strategies, {} metrics)\n",
                                   r.bot_name, r.kind, r.days_written,
                                   r.recomputed_from ? r.recomputed_from->ToDateString() : "-",
                                   r.strategies_written, r.metrics_written);
        }
      }
      if (global.json) std::cout << out.dump(2) << "\n";
      if (!global.json && bots.empty()) std::cout << "no bots to analyze\n";
      return 0;
    };
  });
}

}  // namespace tradestore::cli
