// SQL of the persisted analytics: analytics.daily_performance,
// strategy_performance, dashboard_metrics, analysis_watermarks
// (sqlite/analytics/0003, postgres/all/0006).
#include "tradestore/persisted_analytics.h"

#include <algorithm>
#include <string>

#include "sql/connection.h"
#include "store/persisted_analytics_internal.h"
#include "store/query_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"

namespace tradestore {

using detail::BindParams;
using detail::Database;
using detail::schema::Columns;
using detail::schema::RowReader;
using detail::schema::RowWriter;
using detail::schema::tables::kAnalysisWatermarks;
using detail::schema::tables::kDailyPerformance;
using detail::schema::tables::kDashboardMetrics;
using detail::schema::tables::kStrategyPerformance;

namespace {

constexpr auto kDailyRow = Columns<kDailyPerformance>::All();
constexpr auto kStrategyRow = Columns<kStrategyPerformance>::All();
constexpr auto kMetricRow = Columns<kDashboardMetrics>::All();
constexpr auto kWatermarkRow = Columns<kAnalysisWatermarks>::All();

// DELETE FROM `table` WHERE bot_id = ? `tail`, bound with `values`.
template <class... V>
void DeleteRows(sql::Connection& c, std::string_view table, std::string_view tail,
                const V&... values) {
  sql::Statement& st =
      c.Prepare("DELETE FROM " + std::string(table) + " WHERE bot_id = ?" + std::string(tail));
  BindParams(st, values...);
  st.Execute();
}

}  // namespace

namespace detail {

std::optional<AnalysisWatermark> LoadAnalysisWatermark(Store& store, BotId bot) {
  static const std::string kSql = kWatermarkRow.SelectSql(" WHERE bot_id = ?");
  sql::Statement& st = detail::ImplOf(store).connection(Database::kAnalytics).Prepare(kSql);
  BindParams(st, bot);
  if (!st.Step()) {
    st.Reset();
    return std::nullopt;
  }
  const RowReader<kAnalysisWatermarks> r(st, kWatermarkRow);
  AnalysisWatermark w;
  w.bot_id = r.Get<std::int64_t>("bot_id");
  w.mode = ParseRunMode(r.Get<std::string>("mode"));
  w.is_test = r.Get<bool>("is_test");
  w.last_trade_id = r.Get<std::int64_t>("last_trade_id");
  w.last_snapshot_time = r.Get<std::optional<Timestamp>>("last_snapshot_time");
  w.snapshot_count = r.Get<std::int64_t>("snapshot_count");
  w.periods_per_year = r.Get<double>("periods_per_year");
  w.updated_at = r.Get<Timestamp>("updated_at");
  st.Reset();
  return w;
}

void SavePersistedAnalytics(Store& store, const PersistedAnalyticsUpdate& u) {
  sql::Connection& c = detail::ImplOf(store).connection(Database::kAnalytics);
  sql::Transaction tx(c);
  if (u.daily_from) {
    DeleteRows(c, "analytics.daily_performance", " AND date >= ?", u.bot_id, *u.daily_from);
  } else {
    DeleteRows(c, "analytics.daily_performance", "", u.bot_id);
  }
  static const std::string kDailySql = kDailyRow.InsertSql();
  sql::Statement& daily = c.Prepare(kDailySql);
  for (const DailyPerformanceRow& r : u.daily) {
    RowWriter<kDailyPerformance> w(daily, kDailyRow);
    w.Set("bot_id", r.bot_id).Set("date", r.date).Set("mode", ToString(r.mode));
    w.Set("is_test", r.is_test).Set("equity", r.equity).Set("daily_pnl", r.daily_pnl);
    w.Set("total_pnl", r.total_pnl).Set("trades", r.trades).Set("total_trades", r.total_trades);
    w.Set("daily_return", r.daily_return).Set("sharpe", r.sharpe).Set("sortino", r.sortino);
    w.Set("max_drawdown", r.max_drawdown).Set("win_rate", r.win_rate);
    w.Set("profit_factor", r.profit_factor).Set("computed_at", r.computed_at);
    w.Done().Execute();
    daily.Reset();  // a statement run to completion must be reset before binding again
  }
  if (u.replace_all_strategies) DeleteRows(c, "analytics.strategy_performance", "", u.bot_id);
  static const std::string kStrategySql =
      kStrategyRow.UpsertSql(Columns<kStrategyPerformance>::Only({"bot_id", "strategy"}));
  sql::Statement& strategy = c.Prepare(kStrategySql);
  for (const StrategyPerformanceRow& r : u.strategies) {
    RowWriter<kStrategyPerformance> w(strategy, kStrategyRow);
    w.Set("bot_id", r.bot_id).Set("strategy", r.strategy).Set("mode", ToString(r.mode));
    w.Set("is_test", r.is_test).Set("trades", r.trades).Set("wins", r.wins);
    w.Set("losses", r.losses).Set("net_pnl", r.net_pnl).Set("gross_profit", r.gross_profit);
    w.Set("gross_loss", r.gross_loss).Set("win_rate", r.win_rate);
    w.Set("profit_factor", r.profit_factor).Set("average_win", r.average_win);
    w.Set("average_loss", r.average_loss).Set("expectancy", r.expectancy);
    w.Set("first_exit_time", r.first_exit_time).Set("last_exit_time", r.last_exit_time);
    w.Set("updated_at", r.updated_at).Done().Execute();
    strategy.Reset();
  }
  DeleteRows(c, "analytics.dashboard_metrics", "", u.bot_id);
  static const std::string kMetricSql = kMetricRow.InsertSql();
  sql::Statement& metric = c.Prepare(kMetricSql);
  for (const DashboardMetric& m : u.dashboard) {
    RowWriter<kDashboardMetrics> w(metric, kMetricRow);
    w.Set("bot_id", m.bot_id).Set("metric", m.metric).Set("mode", ToString(m.mode));
    w.Set("is_test", m.is_test).Set("value", m.value).Set("updated_at", m.updated_at);
    w.Done().Execute();
    metric.Reset();
  }
  const AnalysisWatermark& w = u.watermark;
  static const std::string kWatermarkSql =
      kWatermarkRow.UpsertSql(Columns<kAnalysisWatermarks>::Only({"bot_id"}));
  RowWriter<kAnalysisWatermarks>(c.Prepare(kWatermarkSql), kWatermarkRow)
      .Set("bot_id", u.bot_id)
      .Set("mode", ToString(w.mode))
      .Set("is_test", w.is_test)
      .Set("last_trade_id", w.last_trade_id)
      .Set("last_snapshot_time", w.last_snapshot_time)
      .Set("snapshot_count", w.snapshot_count)
      .Set("periods_per_year", w.periods_per_year)
      .Set("updated_at", w.updated_at)
      .Done()
      .Execute();
  tx.Commit();
}

}  // namespace detail

std::vector<DailyPerformanceRow> StoredDailyPerformance(Store& store, BotId bot,
                                                        const TimeRange& range) {
  sql::Statement& st = detail::ImplOf(store)
                           .connection(Database::kAnalytics)
                           .Prepare(kDailyRow.SelectSql(" WHERE bot_id = ?") +
                                    detail::RangeSql("date", range) + " ORDER BY date");
  detail::BindRange(st, BindParams(st, bot), range);
  std::vector<DailyPerformanceRow> out;
  while (st.Step()) {
    const RowReader<kDailyPerformance> row(st, kDailyRow);
    DailyPerformanceRow r;
    r.bot_id = row.Get<std::int64_t>("bot_id");
    r.date = row.Get<Timestamp>("date");
    r.mode = ParseRunMode(row.Get<std::string>("mode"));
    r.is_test = row.Get<bool>("is_test");
    r.equity = row.Get<std::optional<Decimal>>("equity");
    r.daily_pnl = row.Get<Decimal>("daily_pnl");
    r.total_pnl = row.Get<Decimal>("total_pnl");
    r.trades = row.Get<std::int64_t>("trades");
    r.total_trades = row.Get<std::int64_t>("total_trades");
    r.daily_return = row.Get<std::optional<double>>("daily_return");
    r.sharpe = row.Get<std::optional<double>>("sharpe");
    r.sortino = row.Get<std::optional<double>>("sortino");
    r.max_drawdown = row.Get<std::optional<double>>("max_drawdown");
    r.win_rate = row.Get<std::optional<double>>("win_rate");
    r.profit_factor = row.Get<std::optional<double>>("profit_factor");
    r.computed_at = row.Get<Timestamp>("computed_at");
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<StrategyPerformanceRow> StoredStrategyPerformance(Store& store, BotId bot) {
  static const std::string kSql = kStrategyRow.SelectSql(" WHERE bot_id = ?");
  sql::Statement& st = detail::ImplOf(store).connection(Database::kAnalytics).Prepare(kSql);
  BindParams(st, bot);
  std::vector<StrategyPerformanceRow> out;
  while (st.Step()) {
    const RowReader<kStrategyPerformance> row(st, kStrategyRow);
    StrategyPerformanceRow r;
    r.bot_id = row.Get<std::int64_t>("bot_id");
    r.strategy = row.Get<std::string>("strategy");
    r.mode = ParseRunMode(row.Get<std::string>("mode"));
    r.is_test = row.Get<bool>("is_test");
    r.trades = row.Get<std::int64_t>("trades");
    r.wins = row.Get<std::int64_t>("wins");
    r.losses = row.Get<std::int64_t>("losses");
    r.net_pnl = row.Get<Decimal>("net_pnl");
    r.gross_profit = row.Get<double>("gross_profit");
    r.gross_loss = row.Get<double>("gross_loss");
    r.win_rate = row.Get<std::optional<double>>("win_rate");
    r.profit_factor = row.Get<std::optional<double>>("profit_factor");
    r.average_win = row.Get<std::optional<double>>("average_win");
    r.average_loss = row.Get<std::optional<double>>("average_loss");
    r.expectancy = row.Get<std::optional<double>>("expectancy");
    r.first_exit_time = row.Get<Timestamp>("first_exit_time");
    r.last_exit_time = row.Get<Timestamp>("last_exit_time");
    r.updated_at = row.Get<Timestamp>("updated_at");
    out.push_back(std::move(r));
  }
  // Byte order on both backends (a PostgreSQL ORDER BY would use the
  // database's collation).
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.strategy < b.strategy; });
  return out;
}

std::vector<DashboardMetric> StoredDashboardMetrics(Store& store, BotId bot) {
  static const std::string kSql = kMetricRow.SelectSql(" WHERE bot_id = ?");
  sql::Statement& st = detail::ImplOf(store).connection(Database::kAnalytics).Prepare(kSql);
  BindParams(st, bot);
  std::vector<DashboardMetric> out;
  while (st.Step()) {
    const RowReader<kDashboardMetrics> row(st, kMetricRow);
    DashboardMetric m;
    m.bot_id = row.Get<std::int64_t>("bot_id");
    m.metric = row.Get<std::string>("metric");
    m.mode = ParseRunMode(row.Get<std::string>("mode"));
    m.is_test = row.Get<bool>("is_test");
    m.value = row.Get<std::optional<double>>("value");
    m.updated_at = row.Get<Timestamp>("updated_at");
    out.push_back(std::move(m));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.metric < b.metric; });
  return out;
}

}  // namespace tradestore
