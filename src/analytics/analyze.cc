// AnalyzeBot: computes the persisted analytics of a bot with the performance
// report's statistics (performance_report.h: SummarizeTrades,
// SummarizeEquity) and hands them to the store layer
// (src/store/persisted_analytics.cc).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "analytics/statistics_internal.h"
#include "store/persisted_analytics_internal.h"
#include "tradestore/error.h"
#include "tradestore/performance_report.h"
#include "tradestore/persisted_analytics.h"
#include "tradestore/statistic_functions.h"

namespace tradestore {
namespace {

Timestamp DayStart(Timestamp t) { return Timestamp(analytics_internal::UtcDay(t) * kMicrosPerDay); }

StrategyPerformanceRow StrategyRow(const Bot& bot, const std::string& name,
                                   const std::vector<Trade>& trades, Timestamp now) {
  const TradeSummary s = SummarizeTrades(ToTradeSamples(trades));
  StrategyPerformanceRow r;
  r.bot_id = bot.id;
  r.strategy = name;
  r.mode = bot.mode;
  r.is_test = bot.is_test;
  r.trades = static_cast<std::int64_t>(s.trade_count);
  r.wins = static_cast<std::int64_t>(s.wins);
  r.losses = static_cast<std::int64_t>(s.losses);
  for (const Trade& t : trades) r.net_pnl += t.net_pnl;
  r.gross_profit = s.gross_profit;
  r.gross_loss = s.gross_loss;
  r.win_rate = s.win_rate;
  r.profit_factor = s.profit_factor;
  r.average_win = s.average_win;
  r.average_loss = s.average_loss;
  r.expectancy = s.expectancy;
  // `trades` is in exit order (AnalyzeBot sorts, the grouping keeps it).
  r.first_exit_time = trades.front().exit_time;
  r.last_exit_time = trades.back().exit_time;
  r.updated_at = now;
  return r;
}

std::vector<DashboardMetric> Dashboard(const Bot& bot, const TradeSummary& p,
                                       const EquitySummary& e, Timestamp now) {
  const auto count = [](std::size_t n) { return std::optional<double>(static_cast<double>(n)); };
  const std::optional<Drawdown>& dd = e.max_drawdown;
  const std::vector<std::pair<const char*, std::optional<double>>> values = {
      {"trade_count", count(p.trade_count)},
      {"wins", count(p.wins)},
      {"losses", count(p.losses)},
      {"win_rate", p.win_rate},
      {"net_profit", p.net_profit},
      {"gross_profit", p.gross_profit},
      {"gross_loss", p.gross_loss},
      {"total_fees", p.total_fees},
      {"profit_factor", p.profit_factor},
      {"average_win", p.average_win},
      {"average_loss", p.average_loss},
      {"expectancy", p.expectancy},
      {"starting_equity", e.starting_equity},
      {"ending_equity", e.ending_equity},
      {"total_return", e.total_return},
      {"annualized_return", e.cagr},
      {"max_drawdown", dd ? std::optional<double>(dd->max_drawdown) : std::nullopt},
      {"max_drawdown_fraction", dd ? dd->max_drawdown_fraction : std::nullopt},
      {"sharpe_ratio", e.sharpe_ratio},
      {"sortino_ratio", e.sortino_ratio},
      {"return_count", count(e.return_count)},
  };
  std::vector<DashboardMetric> out;
  for (const auto& [name, value] : values) {
    out.push_back({bot.id, name, bot.mode, bot.is_test, value, now});
  }
  return out;
}

}  // namespace

AnalyzeResult AnalyzeBot(Store& store, BotId bot_id, const AnalyzeOptions& options) {
  const double ppy = options.periods_per_year;
  analytics_internal::CheckPeriodsPerYear(ppy);
  const Bot bot = store.bots().Get(bot_id);
  TradeFilter filter;
  filter.bot = bot.id;
  std::vector<Trade> trades = store.trades().List(filter);
  std::stable_sort(trades.begin(), trades.end(),
                   [](const Trade& a, const Trade& b) { return a.exit_time < b.exit_time; });
  std::vector<PortfolioSnapshot> snapshots;
  const std::vector<Account> accounts = store.accounts().List(bot.id);
  if (!accounts.empty()) snapshots = store.portfolio().Curve(bot.id, accounts.front().id);
  std::vector<EquityPoint> curve;
  curve.reserve(snapshots.size());
  for (const PortfolioSnapshot& s : snapshots) curve.push_back({s.time, s.equity.ToDouble()});

  AnalyzeResult result;
  result.bot_id = bot.id;
  result.bot_name = bot.name;
  std::int64_t max_trade_id = 0;
  for (const Trade& t : trades) max_trade_id = std::max(max_trade_id, t.id);

  const std::optional<detail::AnalysisWatermark> wm = detail::LoadAnalysisWatermark(store, bot.id);
  bool full =
      options.full || !wm || wm->periods_per_year != ppy || max_trade_id < wm->last_trade_id;
  if (!full && wm->last_snapshot_time) {
    // A snapshot recorded at or before the watermark changes the history
    // every later day was computed from.
    const auto seen = std::count_if(snapshots.begin(), snapshots.end(), [&](const auto& s) {
      return s.time <= *wm->last_snapshot_time;
    });
    full = seen != wm->snapshot_count;
  } else if (!full) {
    full = wm->snapshot_count != 0;
  }
  std::optional<Timestamp> from;
  std::set<std::string> touched;
  if (!full) {
    for (const Trade& t : trades) {
      if (t.id <= wm->last_trade_id) continue;
      from = from ? std::min(*from, DayStart(t.exit_time)) : DayStart(t.exit_time);
      touched.insert(t.strategy);
    }
    for (const PortfolioSnapshot& s : snapshots) {
      if (wm->last_snapshot_time && s.time <= *wm->last_snapshot_time) continue;
      from = from ? std::min(*from, DayStart(s.time)) : DayStart(s.time);
      break;  // oldest first: the first new one is the earliest
    }
    if (!from) {
      result.kind = "up to date";
      return result;
    }
    result.kind = "incremental";
  } else {
    result.kind = "full";
  }

  const Timestamp now = Timestamp::Now();
  detail::PersistedAnalyticsUpdate update;
  update.bot_id = bot.id;
  update.daily_from = full ? std::nullopt : from;

  // Daily rows: every day with a trade exit or a snapshot, statistics over
  // the prefixes of both series up to the day's end.
  std::set<Timestamp> days;
  for (const Trade& t : trades) days.insert(DayStart(t.exit_time));
  for (const PortfolioSnapshot& s : snapshots) days.insert(DayStart(s.time));
  std::size_t ci = 0, ti = 0;
  Decimal total_pnl;
  // The trade statistics so far, one trade at a time (trades are in exit
  // order).
  const std::vector<TradeSample> samples = ToTradeSamples(trades);
  analytics_internal::RunningTradeSummary trades_so_far;
  for (const Timestamp day : days) {
    const Timestamp next = day + kMicrosPerDay;
    DailyPerformanceRow row;
    row.bot_id = bot.id;
    row.date = day;
    row.mode = bot.mode;
    row.is_test = bot.is_test;
    for (; ci < snapshots.size() && snapshots[ci].time < next; ++ci) {
      if (snapshots[ci].time >= day) row.equity = snapshots[ci].equity;
    }
    for (; ti < trades.size() && trades[ti].exit_time < next; ++ti) {
      trades_so_far.Add(samples[ti]);
      row.daily_pnl += trades[ti].net_pnl;
      ++row.trades;
      total_pnl += trades[ti].net_pnl;
    }
    row.total_pnl = total_pnl;
    row.total_trades = static_cast<std::int64_t>(ti);
    if (!full && day < *from) continue;

    const std::span<const EquityPoint> curve_so_far(curve.data(), ci);
    if (const auto returns = DailyReturns(curve_so_far)) {
      if (row.equity && !returns->empty()) row.daily_return = returns->back();
      row.sharpe = SharpeRatio(*returns, ppy);
      row.sortino = SortinoRatio(*returns, ppy);
    }
    if (const auto dd = MaxDrawdown(curve_so_far)) row.max_drawdown = dd->max_drawdown_fraction;
    const TradeSummary ts = trades_so_far.Summary();
    row.win_rate = ts.win_rate;
    row.profit_factor = ts.profit_factor;
    row.computed_at = now;
    update.daily.push_back(std::move(row));
  }
  result.recomputed_from =
      full ? (days.empty() ? std::nullopt : std::optional(*days.begin())) : from;

  // Strategy rows: all of them (full) or those of the new trades.
  std::map<std::string, std::vector<Trade>> by_strategy;
  for (const Trade& t : trades) {
    if (full || touched.count(t.strategy)) by_strategy[t.strategy].push_back(t);
  }
  update.replace_all_strategies = full;
  for (const auto& [name, list] : by_strategy) {
    update.strategies.push_back(StrategyRow(bot, name, list, now));
  }

  update.dashboard = Dashboard(bot, SummarizeTrades(samples), SummarizeEquity(curve, ppy), now);

  update.watermark.bot_id = bot.id;
  update.watermark.mode = bot.mode;
  update.watermark.is_test = bot.is_test;
  update.watermark.last_trade_id = max_trade_id;
  if (!snapshots.empty()) update.watermark.last_snapshot_time = snapshots.back().time;
  update.watermark.snapshot_count = static_cast<std::int64_t>(snapshots.size());
  update.watermark.periods_per_year = ppy;
  update.watermark.updated_at = now;

  result.days_written = static_cast<std::int64_t>(update.daily.size());
  result.strategies_written = static_cast<std::int64_t>(update.strategies.size());
  result.metrics_written = static_cast<std::int64_t>(update.dashboard.size());
  detail::SavePersistedAnalytics(store, update);
  return result;
}

}  // namespace tradestore
