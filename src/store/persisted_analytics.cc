// SQL of the persisted analytics: analytics.daily_performance,
// strategy_performance, dashboard_metrics, analysis_watermarks
// (sqlite/analytics/0003, postgres/all/0006).
#include "tradestore/persisted_analytics.h"

#include <algorithm>
#include <string>

#include "sql/connection.h"
#include "store/persisted_analytics_internal.h"
#include "store/query_util.h"
#include "store/store_impl.h"

namespace tradestore {

using detail::Database;

namespace detail {

std::optional<AnalysisWatermark> LoadAnalysisWatermark(Store& store, BotId bot) {
  sql::Statement& st =
      detail::ImplOf(store)
          .connection(Database::kAnalytics)
          .Prepare(
              "SELECT mode, is_test, last_trade_id, last_snapshot_time, snapshot_count, "
              "periods_per_year, updated_at FROM analytics.analysis_watermarks WHERE bot_id = ?");
  st.Bind(1, bot);
  if (!st.Step()) {
    st.Reset();
    return std::nullopt;
  }
  AnalysisWatermark w;
  w.bot_id = bot;
  w.mode = ParseRunMode(st.GetText(0));
  w.is_test = st.GetBool(1);
  w.last_trade_id = st.GetInt64(2);
  if (!st.IsNull(3)) w.last_snapshot_time = st.GetTimestamp(3);
  w.snapshot_count = st.GetInt64(4);
  w.periods_per_year = st.GetDouble(5);
  w.updated_at = st.GetTimestamp(6);
  st.Reset();
  return w;
}

void SavePersistedAnalytics(Store& store, const PersistedAnalyticsUpdate& u) {
  sql::Connection& c = detail::ImplOf(store).connection(Database::kAnalytics);
  sql::Transaction tx(c);
  if (u.daily_from) {
    c.Prepare("DELETE FROM analytics.daily_performance WHERE bot_id = ? AND date >= ?")
        .Bind(1, u.bot_id)
        .Bind(2, *u.daily_from)
        .Execute();
  } else {
    c.Prepare("DELETE FROM analytics.daily_performance WHERE bot_id = ?")
        .Bind(1, u.bot_id)
        .Execute();
  }
  sql::Statement& daily = c.Prepare(
      "INSERT INTO analytics.daily_performance (bot_id, date, mode, is_test, equity, daily_pnl, "
      "total_pnl, trades, total_trades, daily_return, sharpe, sortino, max_drawdown, win_rate, "
      "profit_factor, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const DailyPerformanceRow& r : u.daily) {
    daily.Bind(1, r.bot_id).Bind(2, r.date).Bind(3, ToString(r.mode)).Bind(4, r.is_test);
    daily.Bind(5, r.equity).Bind(6, r.daily_pnl).Bind(7, r.total_pnl).Bind(8, r.trades);
    daily.Bind(9, r.total_trades).Bind(10, r.daily_return).Bind(11, r.sharpe);
    daily.Bind(12, r.sortino).Bind(13, r.max_drawdown).Bind(14, r.win_rate);
    daily.Bind(15, r.profit_factor).Bind(16, r.computed_at).Execute();
    daily.Reset();  // a statement run to completion must be reset before binding again
  }
  if (u.replace_all_strategies) {
    c.Prepare("DELETE FROM analytics.strategy_performance WHERE bot_id = ?")
        .Bind(1, u.bot_id)
        .Execute();
  }
  sql::Statement& strategy = c.Prepare(
      "INSERT INTO analytics.strategy_performance (bot_id, strategy, mode, is_test, trades, wins, "
      "losses, net_pnl, gross_profit, gross_loss, win_rate, profit_factor, average_win, "
      "average_loss, expectancy, first_exit_time, last_exit_time, updated_at) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (bot_id, strategy) DO "
      "UPDATE SET mode = excluded.mode, is_test = excluded.is_test, trades = excluded.trades, "
      "wins = excluded.wins, losses = excluded.losses, net_pnl = excluded.net_pnl, "
      "gross_profit = excluded.gross_profit, gross_loss = excluded.gross_loss, "
      "win_rate = excluded.win_rate, profit_factor = excluded.profit_factor, "
      "average_win = excluded.average_win, average_loss = excluded.average_loss, "
      "expectancy = excluded.expectancy, first_exit_time = excluded.first_exit_time, "
      "last_exit_time = excluded.last_exit_time, updated_at = excluded.updated_at");
  for (const StrategyPerformanceRow& r : u.strategies) {
    strategy.Bind(1, r.bot_id).Bind(2, r.strategy).Bind(3, ToString(r.mode)).Bind(4, r.is_test);
    strategy.Bind(5, r.trades).Bind(6, r.wins).Bind(7, r.losses).Bind(8, r.net_pnl);
    strategy.Bind(9, r.gross_profit).Bind(10, r.gross_loss).Bind(11, r.win_rate);
    strategy.Bind(12, r.profit_factor).Bind(13, r.average_win).Bind(14, r.average_loss);
    strategy.Bind(15, r.expectancy).Bind(16, r.first_exit_time).Bind(17, r.last_exit_time);
    strategy.Bind(18, r.updated_at).Execute();
    strategy.Reset();
  }
  c.Prepare("DELETE FROM analytics.dashboard_metrics WHERE bot_id = ?").Bind(1, u.bot_id).Execute();
  sql::Statement& metric = c.Prepare(
      "INSERT INTO analytics.dashboard_metrics (bot_id, metric, mode, is_test, value, "
      "updated_at) VALUES (?, ?, ?, ?, ?, ?)");
  for (const DashboardMetric& m : u.dashboard) {
    metric.Bind(1, m.bot_id).Bind(2, m.metric).Bind(3, ToString(m.mode)).Bind(4, m.is_test);
    metric.Bind(5, m.value).Bind(6, m.updated_at).Execute();
    metric.Reset();
  }
  const AnalysisWatermark& w = u.watermark;
  c.Prepare(
       "INSERT INTO analytics.analysis_watermarks (bot_id, mode, is_test, last_trade_id, "
       "last_snapshot_time, snapshot_count, periods_per_year, updated_at) VALUES "
       "(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (bot_id) DO UPDATE SET mode = excluded.mode, "
       "is_test = excluded.is_test, last_trade_id = excluded.last_trade_id, "
       "last_snapshot_time = excluded.last_snapshot_time, snapshot_count = "
       "excluded.snapshot_count, periods_per_year = excluded.periods_per_year, "
       "updated_at = excluded.updated_at")
      .Bind(1, u.bot_id)
      .Bind(2, ToString(w.mode))
      .Bind(3, w.is_test)
      .Bind(4, w.last_trade_id)
      .Bind(5, w.last_snapshot_time)
      .Bind(6, w.snapshot_count)
      .Bind(7, w.periods_per_year)
      .Bind(8, w.updated_at)
      .Execute();
  tx.Commit();
}

}  // namespace detail

std::vector<DailyPerformanceRow> StoredDailyPerformance(Store& store, BotId bot,
                                                        const TimeRange& range) {
  sql::Statement& st =
      detail::ImplOf(store)
          .connection(Database::kAnalytics)
          .Prepare(
              "SELECT date, mode, is_test, equity, daily_pnl, total_pnl, trades, total_trades, "
              "daily_return, sharpe, sortino, max_drawdown, win_rate, profit_factor, computed_at "
              "FROM analytics.daily_performance WHERE bot_id = ?" +
              detail::RangeSql("date", range) + " ORDER BY date");
  st.Bind(1, bot);
  detail::BindRange(st, 2, range);
  std::vector<DailyPerformanceRow> out;
  while (st.Step()) {
    DailyPerformanceRow r;
    r.bot_id = bot;
    r.date = st.GetTimestamp(0);
    r.mode = ParseRunMode(st.GetText(1));
    r.is_test = st.GetBool(2);
    r.equity = st.GetOptionalDecimal(3);
    r.daily_pnl = st.GetDecimal(4);
    r.total_pnl = st.GetDecimal(5);
    r.trades = st.GetInt64(6);
    r.total_trades = st.GetInt64(7);
    r.daily_return = st.GetOptionalDouble(8);
    r.sharpe = st.GetOptionalDouble(9);
    r.sortino = st.GetOptionalDouble(10);
    r.max_drawdown = st.GetOptionalDouble(11);
    r.win_rate = st.GetOptionalDouble(12);
    r.profit_factor = st.GetOptionalDouble(13);
    r.computed_at = st.GetTimestamp(14);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<StrategyPerformanceRow> StoredStrategyPerformance(Store& store, BotId bot) {
  sql::Statement& st =
      detail::ImplOf(store)
          .connection(Database::kAnalytics)
          .Prepare(
              "SELECT strategy, mode, is_test, trades, wins, losses, net_pnl, gross_profit, "
              "gross_loss, "
              "win_rate, profit_factor, average_win, average_loss, expectancy, first_exit_time, "
              "last_exit_time, updated_at FROM analytics.strategy_performance WHERE bot_id = ?");
  st.Bind(1, bot);
  std::vector<StrategyPerformanceRow> out;
  while (st.Step()) {
    StrategyPerformanceRow r;
    r.bot_id = bot;
    r.strategy = st.GetText(0);
    r.mode = ParseRunMode(st.GetText(1));
    r.is_test = st.GetBool(2);
    r.trades = st.GetInt64(3);
    r.wins = st.GetInt64(4);
    r.losses = st.GetInt64(5);
    r.net_pnl = st.GetDecimal(6);
    r.gross_profit = st.GetDouble(7);
    r.gross_loss = st.GetDouble(8);
    r.win_rate = st.GetOptionalDouble(9);
    r.profit_factor = st.GetOptionalDouble(10);
    r.average_win = st.GetOptionalDouble(11);
    r.average_loss = st.GetOptionalDouble(12);
    r.expectancy = st.GetOptionalDouble(13);
    r.first_exit_time = st.GetTimestamp(14);
    r.last_exit_time = st.GetTimestamp(15);
    r.updated_at = st.GetTimestamp(16);
    out.push_back(std::move(r));
  }
  // Byte order on both backends (a PostgreSQL ORDER BY would use the
  // database's collation).
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.strategy < b.strategy; });
  return out;
}

std::vector<DashboardMetric> StoredDashboardMetrics(Store& store, BotId bot) {
  sql::Statement& st =
      detail::ImplOf(store)
          .connection(Database::kAnalytics)
          .Prepare(
              "SELECT metric, mode, is_test, value, updated_at FROM analytics.dashboard_metrics "
              "WHERE bot_id = ?");
  st.Bind(1, bot);
  std::vector<DashboardMetric> out;
  while (st.Step()) {
    DashboardMetric m;
    m.bot_id = bot;
    m.metric = st.GetText(0);
    m.mode = ParseRunMode(st.GetText(1));
    m.is_test = st.GetBool(2);
    m.value = st.GetOptionalDouble(3);
    m.updated_at = st.GetTimestamp(4);
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.metric < b.metric; });
  return out;
}

}  // namespace tradestore
