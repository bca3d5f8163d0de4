// Store-layer writes of the persisted analytics (persisted_analytics.h),
// used by AnalyzeBot in the analytics layer. Internal: not part of the
// public API.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tradestore/persisted_analytics.h"

namespace tradestore::detail {

// What the last analyze of a bot saw (analytics.analysis_watermarks).
struct AnalysisWatermark {
  BotId bot_id = 0;
  RunMode mode = RunMode::kPaper;
  bool is_test = false;
  std::int64_t last_trade_id = 0;  // 0: no trades
  std::optional<Timestamp> last_snapshot_time;
  std::int64_t snapshot_count = 0;  // snapshots at or before last_snapshot_time
  double periods_per_year = 0;
  Timestamp updated_at;
};

std::optional<AnalysisWatermark> LoadAnalysisWatermark(Store& store, BotId bot);

// One analyze run's writes, applied in one transaction on the analytics
// database by SavePersistedAnalytics.
struct PersistedAnalyticsUpdate {
  BotId bot_id = 0;
  // Daily rows of days >= daily_from are deleted, then `daily` inserted;
  // nullopt deletes every daily row of the bot first.
  std::optional<Timestamp> daily_from;
  std::vector<DailyPerformanceRow> daily;
  // true: every strategy row of the bot is deleted first; false: the rows
  // in `strategies` replace those of the same strategy.
  bool replace_all_strategies = false;
  std::vector<StrategyPerformanceRow> strategies;
  // Replaces all of the bot's dashboard metrics.
  std::vector<DashboardMetric> dashboard;
  AnalysisWatermark watermark;
};

void SavePersistedAnalytics(Store& store, const PersistedAnalyticsUpdate& update);

}  // namespace tradestore::detail
