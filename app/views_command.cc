// tradestore refresh-views
// tradestore views daily [--bot NAME] [--from DATE] [--to DATE] [--json]
// tradestore views summary [--json]
#include <fmt/format.h>

#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "commands.h"
#include "tradestore/analytics_views.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore::cli {
namespace {

nlohmann::json OptionalDecimal(const std::optional<Decimal>& d) {
  return d ? nlohmann::json(d->ToString()) : nlohmann::json(nullptr);
}
std::string OrDash(const std::optional<Decimal>& d) { return d ? d->ToString() : "-"; }

nlohmann::json SummaryJson(const PortfolioSummaryRow& r) {
  return {{"bot_id", r.bot_id},
          {"name", r.name},
          {"mode", r.mode},
          {"latest_equity", OptionalDecimal(r.latest_equity)},
          {"cash", OptionalDecimal(r.cash)},
          {"open_positions", r.open_positions},
          {"closed_trades", r.closed_trades},
          {"wins", r.wins},
          {"losses", r.losses},
          {"net_pnl", r.net_pnl.ToString()},
          {"win_rate", r.win_rate ? nlohmann::json(*r.win_rate) : nlohmann::json(nullptr)}};
}

void PrintSummaryRow(const PortfolioSummaryRow& r) {
  std::cout << fmt::format(
      "{:<20} {:<9} {:>16} {:>16} {:>5} {:>7} {:>9} {:>14}\n", r.name, r.mode,
      OrDash(r.latest_equity), OrDash(r.cash), r.open_positions, r.closed_trades,
      r.win_rate ? fmt::format("{:.1f}%", *r.win_rate * 100) : std::string("-"),
      r.net_pnl.ToString());
}

int RunDaily(GlobalOptions& global, const std::string& bot_name, const std::string& from,
             const std::string& to) {
  Store store = Store::Open(global.ResolvedUrl(), ReadingOptions());
  std::optional<BotId> bot;
  if (!bot_name.empty()) {
    auto found = store.bots().FindByName(bot_name);
    if (!found) throw NotFound("bot '" + bot_name + "' does not exist");
    bot = found->id;
  }
  TimeRange range;
  if (!from.empty()) range.from = Timestamp::Parse(from);
  if (!to.empty()) range.to = Timestamp::Parse(to);
  const std::vector<BotDailyPerformance> rows = DailyPerformance(store, bot, range);
  std::map<BotId, std::string> names;
  for (const Bot& b : store.bots().List(true)) names[b.id] = b.name;
  if (global.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const BotDailyPerformance& r : rows) {
      out.push_back({{"bot_id", r.bot_id},
                     {"bot", names[r.bot_id]},
                     {"day", r.day.ToDateString()},
                     {"trades_closed", r.trades_closed},
                     {"wins", r.wins},
                     {"losses", r.losses},
                     {"gross_pnl", r.gross_pnl.ToString()},
                     {"fees", r.fees.ToString()},
                     {"net_pnl", r.net_pnl.ToString()},
                     {"ending_equity", OptionalDecimal(r.ending_equity)}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format("{:<20} {:<10} {:>6} {:>4} {:>6} {:>14} {:>12} {:>14} {:>16}\n", "bot",
                           "day", "trades", "wins", "losses", "gross_pnl", "fees", "net_pnl",
                           "ending_equity");
  for (const BotDailyPerformance& r : rows) {
    std::cout << fmt::format("{:<20} {:<10} {:>6} {:>4} {:>6} {:>14} {:>12} {:>14} {:>16}\n",
                             names[r.bot_id], r.day.ToDateString(), r.trades_closed, r.wins,
                             r.losses, r.gross_pnl.ToString(), r.fees.ToString(),
                             r.net_pnl.ToString(), OrDash(r.ending_equity));
  }
  if (rows.empty()) std::cout << "(no rows)\n";
  return 0;
}

int RunSummary(GlobalOptions& global) {
  Store store = Store::Open(global.ResolvedUrl(), ReadingOptions());
  const std::vector<PortfolioSummaryRow> rows = PortfolioSummary(store);
  const PortfolioSummaryRow total = PortfolioTotal(rows);
  if (global.json) {
    nlohmann::json bots = nlohmann::json::array();
    for (const PortfolioSummaryRow& r : rows) bots.push_back(SummaryJson(r));
    nlohmann::json t = SummaryJson(total);
    t.erase("bot_id");
    t.erase("name");
    t.erase("mode");
    std::cout << nlohmann::json{{"bots", bots}, {"total", t}}.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format("{:<20} {:<9} {:>16} {:>16} {:>5} {:>7} {:>9} {:>14}\n", "bot", "mode",
                           "equity", "cash", "open", "trades", "win rate", "net_pnl");
  for (const PortfolioSummaryRow& r : rows) PrintSummaryRow(r);
  PrintSummaryRow(total);
  return 0;
}

}  // namespace

void AddViewsCommands(CLI::App& app, GlobalOptions& global, std::function<int()>& run) {
  auto* refresh = app.add_subcommand(
      "refresh-views",
      "Refresh the analytics materialized views (PostgreSQL); SQLite computes them on read");
  AddCommonOptions(*refresh, global, /*with_json=*/false);
  refresh->callback([&global, &run] {
    run = [&global] {
      Store store = Store::Open(global.ResolvedUrl());
      std::vector<ViewRefresh> refreshed;
      if (!RefreshViews(store, &refreshed)) {
        std::cout << "SQLite store: the analytics views are computed on read; nothing to "
                     "refresh\n";
        return 0;
      }
      for (const ViewRefresh& v : refreshed) {
        std::cout << fmt::format("refreshed {} ({}, {:.3f} s)\n", v.view,
                                 v.concurrently ? "concurrently" : "first population", v.seconds);
      }
      return 0;
    };
  });

  auto* views =
      app.add_subcommand("views",
                         "Per-bot daily performance and the portfolio summary (as of the last "
                         "refresh-views on PostgreSQL)");
  views->require_subcommand(1);
  auto* daily = views->add_subcommand("daily", "Per-bot daily performance (UTC days)");
  auto bot = std::make_shared<std::string>();
  auto from = std::make_shared<std::string>();
  auto to = std::make_shared<std::string>();
  daily->add_option("--bot", *bot, "Only this bot (default: every non-test bot)");
  daily->add_option("--from", *from, "First day, inclusive (YYYY-MM-DD)");
  daily->add_option("--to", *to, "Last day, exclusive (YYYY-MM-DD)");
  AddCommonOptions(*daily, global);
  daily->callback([&global, &run, bot, from, to] {
    run = [&global, bot, from, to] { return RunDaily(global, *bot, *from, *to); };
  });
  auto* summary = views->add_subcommand("summary", "Per-bot portfolio summary and the total");
  AddCommonOptions(*summary, global);
  summary->callback([&global, &run] { run = [&global] { return RunSummary(global); }; });
}

}  // namespace tradestore::cli
