// BuildTearsheet and BuildBotTearsheet: a tearsheet from the statistics
// suite's input and report (one source for the numbers of the CLI report
// and the HTML page).
#include <fmt/format.h>

#include <string>
#include <vector>

#include "tradestore/error.h"
#include "tradestore/store.h"
#include "tradestore/tearsheet.h"

namespace tradestore {

TearsheetData BuildTearsheet(const StatisticsInput& in, const StatisticsReport& stats) {
  TearsheetData data;
  data.title = in.title;
  const EquitySummary& e = stats.equity;
  data.subtitle = e.start_time ? fmt::format("{} to {}", e.start_time->ToIso(), e.end_time->ToIso())
                               : std::string("no equity curve");
  data.equity.reserve(in.equity.size());
  for (const EquityPoint& p : in.equity) data.equity.push_back({p.time, p.equity});
  for (const EquityPoint& p : UnderwaterCurve(in.equity))
    data.drawdown.push_back({p.time, p.equity});
  data.monthly_returns = e.monthly_returns;
  data.trade_returns.reserve(in.trades.size());
  for (const Trade& t : in.trades) data.trade_returns.push_back(t.return_fraction());
  for (const TradeSample& s : in.samples) {
    if (s.r_multiple) data.r_multiples.push_back(*s.r_multiple);
  }
  data.tables = BuildReportTables(stats);
  return data;
}

TearsheetData BuildBotTearsheet(Store& store, BotId bot, const StatisticsOptions& options) {
  StatisticsSelection selection;
  selection.bot = store.bots().Get(bot).name;
  const StatisticsInput in = LoadStatisticsInput(store, selection);
  return BuildTearsheet(in, ComputeStatistics(in.samples, in.equity, in.ledger, options));
}

}  // namespace tradestore
