// Loading the inputs of the performance report (performance_report.h) from a
// store: the closed trades, equity curve and ledger entries of a bot, a
// strategy or all bots over a period. Used by `tradestore report`; the
// tearsheet and persisted analytics can load the same way.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/ledger.h"
#include "tradestore/performance_report.h"
#include "tradestore/store.h"
#include "tradestore/trade.h"

namespace tradestore {

// What to load. At most one of `bot`, `strategy` and `all_bots`; with none,
// the most recently created bot. Test data (is_test) is excluded, as by the
// repositories' default queries.
struct StatisticsSelection {
  std::string bot;       // a bot by name
  std::string strategy;  // trades of this strategy whichever bot made them; the
                         // equity and ledger of the bots whose default strategy it is
  bool all_bots = false;
  TimeRange range;  // trades by exit time, snapshots and ledger entries by time
};

struct StatisticsInput {
  std::string title;                 // e.g. "bot demo (sma-cross(10,30), backtest)"
  std::vector<Bot> bots;             // the bots whose equity and ledger were loaded
  std::vector<Trade> trades;         // exit order
  std::vector<TradeSample> samples;  // ToTradeSample of each trade, instrument = symbol
  std::vector<EquityPoint> equity;   // one account's curve, or CombineEquityCurves of several
  std::vector<LedgerEntry> ledger;   // every account's entries, all currencies
};

// Loads the selection. Throws Error(kInvalidArgument) for more than one of
// bot / strategy / all_bots, or range.from >= range.to; Error(kNotFound) for
// an unknown bot, a store without bots, or a strategy with neither bots nor
// trades. Reads only; thread safety as the Store's.
StatisticsInput LoadStatisticsInput(Store& store, const StatisticsSelection& selection);

// The JSON document of `tradestore report --json` (and of the HTTP API's
// GET /api/v1/report): "bot" (a single bot) or "bots" (names, for a
// strategy or all bots), "strategy" when selected, "from" and "to"
// (ISO-8601 or null), and "statistics": StatisticsToJson of the report
// (performance_report.h), in which every statistic appears once (the keys
// are listed in docs/statistics.md). `indent` as nlohmann::json::dump (-1:
// one line). Throws what LoadStatisticsInput and ComputeStatistics throw
// (kInvalidArgument for a bad selection or options, kNotFound for an
// unknown bot or strategy).
std::string ReportJson(Store& store, const StatisticsSelection& selection,
                       const StatisticsOptions& options, int indent = 2);
// The same from an input loaded with `selection` and its report computed.
std::string ReportJson(const StatisticsInput& in, const StatisticsReport& stats,
                       const StatisticsSelection& selection, int indent = 2);

}  // namespace tradestore
