// LoadStatisticsInput: the trades, equity curve and ledger of a selection.
#include "tradestore/performance_report_input.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tradestore/error.h"

namespace tradestore {

namespace {

std::string BotTitle(const Bot& bot) {
  return fmt::format("bot {} ({}, {})", bot.name, bot.strategy, ToString(bot.mode));
}

}  // namespace

StatisticsInput LoadStatisticsInput(Store& store, const StatisticsSelection& s) {
  if (int(!s.bot.empty()) + int(!s.strategy.empty()) + int(s.all_bots) > 1) {
    throw InvalidArgument("statistics: choose one of a bot, a strategy and all bots");
  }
  if (s.range.from && s.range.to && !(*s.range.from < *s.range.to)) {
    throw InvalidArgument(fmt::format("statistics: period start {} is not before its end {}",
                                      s.range.from->ToIso(), s.range.to->ToIso()));
  }
  StatisticsInput in;
  if (!s.bot.empty()) {
    std::optional<Bot> found = store.bots().FindByName(s.bot);
    if (!found) throw NotFound("bot '" + s.bot + "' does not exist");
    in.bots = {*found};
    in.title = BotTitle(*found);
  } else {
    std::vector<Bot> bots = store.bots().List();
    if (!s.strategy.empty()) {
      std::erase_if(bots, [&](const Bot& b) { return b.strategy != s.strategy; });
      in.bots = std::move(bots);
      in.title = fmt::format("strategy {} ({} bots)", s.strategy, in.bots.size());
    } else {
      if (bots.empty()) throw NotFound("the store has no bots; run a backtest first");
      if (s.all_bots) {
        in.bots = std::move(bots);
        in.title = fmt::format("all bots ({})", in.bots.size());
      } else {
        const Bot newest = *std::max_element(
            bots.begin(), bots.end(), [](const Bot& x, const Bot& y) { return x.id < y.id; });
        in.bots = {newest};
        in.title = BotTitle(newest);
      }
    }
  }

  if (!s.strategy.empty()) {
    TradeFilter filter;
    filter.strategy = s.strategy;
    filter.exit_time = s.range;
    in.trades = store.trades().List(filter);
    if (in.trades.empty() && in.bots.empty()) {
      throw NotFound(fmt::format("no bot or trade of strategy '{}'", s.strategy));
    }
  }
  std::vector<std::vector<EquityPoint>> curves;
  for (const Bot& bot : in.bots) {
    if (s.strategy.empty()) {
      TradeFilter filter;
      filter.bot = bot.id;
      filter.exit_time = s.range;
      std::vector<Trade> trades = store.trades().List(filter);
      in.trades.insert(in.trades.end(), trades.begin(), trades.end());
    }
    for (const Account& account : store.accounts().List(bot.id)) {
      std::vector<EquityPoint> curve;
      for (const PortfolioSnapshot& p : store.portfolio().Curve(bot.id, account.id, s.range)) {
        curve.push_back({p.time, p.equity.ToDouble()});
      }
      if (!curve.empty()) curves.push_back(std::move(curve));
      std::vector<LedgerEntry> entries = store.ledger().Entries(bot.id, account.id, {}, s.range);
      in.ledger.insert(in.ledger.end(), entries.begin(), entries.end());
    }
  }
  std::stable_sort(in.trades.begin(), in.trades.end(),
                   [](const Trade& x, const Trade& y) { return x.exit_time < y.exit_time; });
  in.equity = curves.size() == 1 ? std::move(curves.front()) : CombineEquityCurves(curves);

  std::map<InstrumentId, std::string> symbols;
  for (const Instrument& i : store.instruments().List()) symbols[i.id] = i.symbol;
  in.samples.reserve(in.trades.size());
  for (const Trade& t : in.trades) {
    const auto symbol = symbols.find(t.instrument_id);
    in.samples.push_back(
        ToTradeSample(t, symbol == symbols.end() ? std::string() : symbol->second));
  }
  return in;
}

std::string ReportJson(Store& store, const StatisticsSelection& selection,
                       const StatisticsOptions& options, int indent) {
  const StatisticsInput in = LoadStatisticsInput(store, selection);
  return ReportJson(in, ComputeStatistics(in.samples, in.equity, in.ledger, options), selection,
                    indent);
}

std::string ReportJson(const StatisticsInput& in, const StatisticsReport& stats,
                       const StatisticsSelection& selection, int indent) {
  // Every statistic once, under "statistics"; the top level says what was
  // selected.
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (!selection.all_bots && selection.strategy.empty()) {
    j["bot"] = in.bots.front().name;
  } else {
    nlohmann::ordered_json names = nlohmann::ordered_json::array();
    for (const Bot& b : in.bots) names.push_back(b.name);
    j["bots"] = std::move(names);
  }
  if (!selection.strategy.empty()) j["strategy"] = selection.strategy;
  const TimeRange& range = selection.range;
  j["from"] = range.from ? nlohmann::ordered_json(range.from->ToIso()) : nullptr;
  j["to"] = range.to ? nlohmann::ordered_json(range.to->ToIso()) : nullptr;
  j["statistics"] = nlohmann::ordered_json::parse(StatisticsToJson(stats));
  return j.dump(indent);
}

}  // namespace tradestore
