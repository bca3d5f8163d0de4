// Persisted analytics (issue 5 item 4): per-bot daily performance rows,
// per-strategy performance and pre-computed dashboard metrics, stored in the
// analytics schema (tables analytics.daily_performance,
// analytics.strategy_performance, analytics.dashboard_metrics and the
// bookkeeping table analytics.analysis_watermarks).
//
// The statistics are computed in C++ by AnalyzeBot (analytics layer,
// src/analytics/analyze.cc) with the performance report of
// performance_report.h; the SQL
// lives in the store layer (src/store/persisted_analytics.cc). How they
// relate to the analytics views of analytics_views.h: the views are exact
// SQL aggregates (counts and Decimal sums per day and per bot) that need no
// computation beyond SQL; these tables hold what SQL cannot compute the same
// way on both backends (Sharpe, Sortino, drawdown, profit factor), as of
// each day. For every day both have, daily_pnl / trades / equity here equal
// net_pnl / trades_closed / ending_equity of the view for a bot with one
// account (tests check it). See docs/tearsheet.md, "Persisted analytics".
//
// Conventions: test trades (is_test) are excluded; a day is a UTC calendar
// date; a bot's equity curve is the portfolio snapshots of its first
// account (the same curve `tradestore report` uses); money is Decimal,
// statistics double fractions (0.25 = 25 %); undefined statistics are
// nullopt (NULL in the tables).
//
// Thread safety: as Store (one Store per thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/decimal.h"
#include "tradestore/statistic_functions.h"
#include "tradestore/store.h"
#include "tradestore/timestamp.h"

namespace tradestore {

// One bot's UTC day (a day on which it closed a trade or took a snapshot).
struct DailyPerformanceRow {
  BotId bot_id = 0;
  Timestamp date;  // 00:00 UTC
  RunMode mode = RunMode::kPaper;
  bool is_test = false;
  std::optional<Decimal> equity;  // last snapshot equity of the day
  Decimal daily_pnl;              // net P&L of the trades closed that day
  Decimal total_pnl;              // net P&L of the trades closed up to the day's end
  std::int64_t trades = 0;        // trades closed that day
  std::int64_t total_trades = 0;  // trades closed up to the day's end
  // The day's return (the last element of DailyReturns of the curve up to
  // the day's end) when the day has a snapshot and a base; a fraction.
  std::optional<double> daily_return;
  // Cumulative to the day's end: SharpeRatio and SortinoRatio of the daily
  // returns so far (annualized with the run's periods_per_year), MaxDrawdown
  // fraction of every curve point so far, win rate and profit factor
  // (TradeSummary) of the trades so far.
  std::optional<double> sharpe;
  std::optional<double> sortino;
  std::optional<double> max_drawdown;
  std::optional<double> win_rate;
  std::optional<double> profit_factor;
  Timestamp computed_at;
};

// One bot's trades of one strategy name (Trade::strategy), all time.
struct StrategyPerformanceRow {
  BotId bot_id = 0;
  std::string strategy;
  RunMode mode = RunMode::kPaper;
  bool is_test = false;
  std::int64_t trades = 0;
  std::int64_t wins = 0;
  std::int64_t losses = 0;
  Decimal net_pnl;                      // exact sum
  double gross_profit = 0;              // TradeSummary (exact sum), >= 0
  double gross_loss = 0;                // <= 0
  std::optional<double> win_rate;       // TradeSummary::win_rate
  std::optional<double> profit_factor;  // ProfitFactor
  std::optional<double> average_win;    // TradeSummary::average_win
  std::optional<double> average_loss;   // TradeSummary::average_loss
  std::optional<double> expectancy;     // TradeSummary::expectancy, currency per trade
  Timestamp first_exit_time;
  Timestamp last_exit_time;
  Timestamp updated_at;
};

// One pre-computed dashboard number of a bot, from the performance report
// (performance_report.h) of all its trades and its curve: `metric` is one of
// trade_count, wins, losses, win_rate, net_profit, gross_profit, gross_loss,
// total_fees, profit_factor, average_win, average_loss, expectancy
// (TradeSummary's fields), starting_equity, ending_equity, total_return,
// annualized_return (EquitySummary::cagr), max_drawdown,
// max_drawdown_fraction (EquitySummary::max_drawdown), sharpe_ratio,
// sortino_ratio and return_count (EquitySummary's fields).
struct DashboardMetric {
  BotId bot_id = 0;
  std::string metric;
  RunMode mode = RunMode::kPaper;
  bool is_test = false;
  std::optional<double> value;  // nullopt: undefined
  Timestamp updated_at;
};

struct AnalyzeOptions {
  bool full = false;  // recompute everything of the bot, ignoring the watermark
  double periods_per_year = kTradingDaysPerYear;  // for Sharpe and Sortino
};

// What one AnalyzeBot run did.
struct AnalyzeResult {
  BotId bot_id = 0;
  std::string bot_name;
  // "full" (no watermark, --full, a snapshot recorded into the past, or a
  // different periods_per_year), "incremental", or "up to date" (nothing
  // new since the last run: nothing written).
  std::string kind;
  std::optional<Timestamp> recomputed_from;  // first day rewritten
  std::int64_t days_written = 0;
  std::int64_t strategies_written = 0;
  std::int64_t metrics_written = 0;
};

// Brings a bot's persisted analytics up to date, in one unit of work on the
// analytics database. Incremental by default: only days from the first day
// touched by a trade (id above the watermark) or snapshot (after the
// watermark) are rewritten -- the cumulative statistics of later days
// depend on it -- and only the strategies of the new trades; dashboard
// metrics are rewritten whenever anything changed. Rows of days and
// strategies that no longer exist are deleted. Throws Error(kNotFound) for
// an unknown bot, Error(kInvalidArgument) for periods_per_year not finite
// and > 0, and the store's errors; on error nothing is written.
// Cost: O(days rewritten x (snapshots + trades)).
AnalyzeResult AnalyzeBot(Store& store, BotId bot, const AnalyzeOptions& options = {});

// Readers (store layer): one bot's rows as last written by AnalyzeBot, ordered
// by date, by strategy, by metric name. Empty when never analyzed.
std::vector<DailyPerformanceRow> StoredDailyPerformance(Store& store, BotId bot,
                                                        const TimeRange& range = {});
std::vector<StrategyPerformanceRow> StoredStrategyPerformance(Store& store, BotId bot);
std::vector<DashboardMetric> StoredDashboardMetrics(Store& store, BotId bot);

}  // namespace tradestore
