// Persisted analytics (AnalyzeBot, `tradestore analyze`): hand-computed
// rows on SQLite and PostgreSQL, incremental runs equal to full ones, the
// watermark's triggers for a full recompute, refusals that write nothing,
// and agreement with the analytics views.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>
#include <vector>

#include "store/store_test_util.h"
#include "tradestore/analytics_views.h"
#include "tradestore/error.h"
#include "tradestore/persisted_analytics.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

Timestamp At(const char* iso) { return Timestamp::Parse(iso); }
Timestamp Day(const char* date) { return Timestamp::Parse(date); }

// Annualized Sharpe and Sortino computed here from their definitions
// (sample standard deviation; downside deviation over all N periods), not
// with the performance report (performance_report.h).
double Sharpe(const std::vector<double>& r, double ppy) {
  const double n = static_cast<double>(r.size());
  const double mean = std::accumulate(r.begin(), r.end(), 0.0) / n;
  double ss = 0;
  for (double x : r) ss += (x - mean) * (x - mean);
  return mean / std::sqrt(ss / (n - 1)) * std::sqrt(ppy);
}
double Sortino(const std::vector<double>& r, double ppy) {
  const double n = static_cast<double>(r.size());
  const double mean = std::accumulate(r.begin(), r.end(), 0.0) / n;
  double ss = 0;
  for (double x : r) ss += std::min(x, 0.0) * std::min(x, 0.0);
  return mean / std::sqrt(ss / n) * std::sqrt(ppy);
}

class Analyze : public ::testing::TestWithParam<testing::Backend> {
 protected:
  Analyze() : store_(Store::Open(testing::FreshStoreUrl(GetParam()))) {
    Instrument in;
    in.venue = "test";
    in.symbol = "BTCUSDC";
    in.base_asset = "BTC";
    in.quote_asset = "USDC";
    in.price_precision = 2;
    in.size_precision = 5;
    instrument_ = store_.instruments().Upsert(in).id;
    Bot b;
    b.name = "alpha";
    b.mode = RunMode::kPaper;
    bot_ = store_.bots().Create(b).id;
    account_ = store_.accounts().Create(bot_, "main").id;
  }

  // A round trip: buy `qty` at `buy`, sell at `sell`, fee `fee` on each
  // fill, closing at `exit`.
  void RoundTrip(const char* strategy, const char* qty, const char* buy, const char* sell,
                 const char* fee, const char* entry, const char* exit) {
    Deal(strategy, Side::kBuy, qty, buy, fee, entry);
    ASSERT_TRUE(Deal(strategy, Side::kSell, qty, sell, fee, exit).closed_trade.has_value());
  }

  FillOutcome Deal(const char* strategy, Side side, const char* qty, const char* price,
                   const char* fee, const char* time) {
    Order o;
    o.bot_id = bot_;
    o.account_id = account_;
    o.instrument_id = instrument_;
    o.side = side;
    o.quantity = Decimal::Parse(qty);
    o.strategy = strategy;
    o.created_at = At(time);
    const Order created = store_.orders().Create(o);
    store_.orders().Transition(bot_, created.id, OrderStatus::kAccepted, At(time));
    Fill f;
    f.bot_id = bot_;
    f.order_id = created.id;
    f.venue = "paper";
    f.venue_fill_id = "f" + std::to_string(++fill_seq_);
    f.quantity = o.quantity;
    f.price = Decimal::Parse(price);
    f.fee = Decimal::Parse(fee);
    f.time = At(time);
    return store_.orders().RecordFill(f);
  }

  void Snapshot(const char* time, const char* equity) {
    store_.portfolio().Record(
        {bot_, account_, At(time), Decimal::Parse(equity), Decimal::Parse(equity), Decimal(), 0});
  }

  // Snapshots on days 1, 2, 3 and 5 of March 2023; trades closed on days 1
  // (win, net 10 - 0.2 = 9.8), 2 (loss, 2 * -0.5 - 0.2 = -1.2) and 4 (win,
  // 0.5 * 10.3 - 0.1 = 5.05, strategy s2).
  void BuildHistory() {
    Snapshot("2023-03-01T00:00:00Z", "1000");
    Snapshot("2023-03-01T12:00:00Z", "1100");
    Snapshot("2023-03-01T23:00:00Z", "1050");
    Snapshot("2023-03-02T12:00:00Z", "900");
    Snapshot("2023-03-03T10:00:00Z", "990");
    Snapshot("2023-03-05T10:00:00Z", "1188");
    RoundTrip("s1", "1", "100", "110", "0.1", "2023-03-01T10:00:00Z", "2023-03-01T11:00:00Z");
    RoundTrip("s1", "2", "50", "49.5", "0.1", "2023-03-02T10:00:00Z", "2023-03-02T13:00:00Z");
    RoundTrip("s2", "0.5", "200", "210.3", "0.05", "2023-03-04T09:00:00Z",
              "2023-03-04T23:59:59.999999Z");
  }

  Store store_;
  InstrumentId instrument_ = 0;
  BotId bot_ = 0;
  AccountId account_ = 0;
  int fill_seq_ = 0;
};

TEST_P(Analyze, DailyRowsMatchHandComputedValues) {
  BuildHistory();
  AnalyzeOptions options;
  options.periods_per_year = 365;
  const AnalyzeResult r = AnalyzeBot(store_, bot_, options);
  EXPECT_EQ(r.kind, "full");
  EXPECT_EQ(r.days_written, 5);
  EXPECT_EQ(r.strategies_written, 2);
  ASSERT_TRUE(r.recomputed_from);
  EXPECT_EQ(*r.recomputed_from, Day("2023-03-01"));

  const auto rows = StoredDailyPerformance(store_, bot_);
  ASSERT_EQ(rows.size(), 5u);
  const double r1 = 1050.0 / 1000 - 1, r2 = 900.0 / 1050 - 1, r3 = 990.0 / 900 - 1,
               r5 = 1188.0 / 990 - 1;
  // Day 1.
  EXPECT_EQ(rows[0].date, Day("2023-03-01"));
  EXPECT_EQ(rows[0].mode, RunMode::kPaper);
  EXPECT_FALSE(rows[0].is_test);
  EXPECT_EQ(rows[0].equity, Decimal::Parse("1050"));
  EXPECT_EQ(rows[0].daily_pnl, Decimal::Parse("9.8"));
  EXPECT_EQ(rows[0].total_pnl, Decimal::Parse("9.8"));
  EXPECT_EQ(rows[0].trades, 1);
  EXPECT_EQ(rows[0].total_trades, 1);
  ASSERT_TRUE(rows[0].daily_return);
  EXPECT_NEAR(*rows[0].daily_return, r1, 1e-12);
  EXPECT_FALSE(rows[0].sharpe);  // one return
  EXPECT_FALSE(rows[0].sortino);
  ASSERT_TRUE(rows[0].max_drawdown);
  EXPECT_NEAR(*rows[0].max_drawdown, 50.0 / 1100, 1e-12);
  EXPECT_EQ(rows[0].win_rate, 1.0);
  EXPECT_FALSE(rows[0].profit_factor);  // no loss yet
  // Day 2.
  EXPECT_EQ(rows[1].equity, Decimal::Parse("900"));
  EXPECT_EQ(rows[1].daily_pnl, Decimal::Parse("-1.2"));
  EXPECT_EQ(rows[1].total_pnl, Decimal::Parse("8.6"));
  EXPECT_EQ(rows[1].total_trades, 2);
  EXPECT_NEAR(*rows[1].daily_return, r2, 1e-12);
  ASSERT_TRUE(rows[1].sharpe);
  EXPECT_NEAR(*rows[1].sharpe, Sharpe({r1, r2}, 365), 1e-9);
  ASSERT_TRUE(rows[1].sortino);
  EXPECT_NEAR(*rows[1].sortino, Sortino({r1, r2}, 365), 1e-9);
  EXPECT_NEAR(*rows[1].max_drawdown, 200.0 / 1100, 1e-12);
  EXPECT_EQ(rows[1].win_rate, 0.5);
  ASSERT_TRUE(rows[1].profit_factor);
  EXPECT_NEAR(*rows[1].profit_factor, 9.8 / 1.2, 1e-12);
  // Day 3: no trade.
  EXPECT_EQ(rows[2].daily_pnl, Decimal());
  EXPECT_EQ(rows[2].trades, 0);
  EXPECT_EQ(rows[2].total_trades, 2);
  EXPECT_NEAR(*rows[2].daily_return, r3, 1e-12);
  EXPECT_NEAR(*rows[2].sharpe, Sharpe({r1, r2, r3}, 365), 1e-9);
  // Day 4: a trade, no snapshot: no equity, no return, same ratios.
  EXPECT_EQ(rows[3].date, Day("2023-03-04"));
  EXPECT_FALSE(rows[3].equity);
  EXPECT_FALSE(rows[3].daily_return);
  EXPECT_EQ(rows[3].daily_pnl, Decimal::Parse("5.05"));
  EXPECT_EQ(rows[3].total_pnl, Decimal::Parse("13.65"));
  EXPECT_NEAR(*rows[3].sharpe, Sharpe({r1, r2, r3}, 365), 1e-9);
  EXPECT_NEAR(*rows[3].win_rate, 2.0 / 3, 1e-12);
  EXPECT_NEAR(*rows[3].profit_factor, (9.8 + 5.05) / 1.2, 1e-12);
  // Day 5: the return spans the day without a snapshot.
  EXPECT_EQ(rows[4].equity, Decimal::Parse("1188"));
  EXPECT_NEAR(*rows[4].daily_return, r5, 1e-12);
  EXPECT_NEAR(*rows[4].sharpe, Sharpe({r1, r2, r3, r5}, 365), 1e-9);
  EXPECT_NEAR(*rows[4].sortino, Sortino({r1, r2, r3, r5}, 365), 1e-9);
  EXPECT_NEAR(*rows[4].max_drawdown, 200.0 / 1100, 1e-12);

  const auto strategies = StoredStrategyPerformance(store_, bot_);
  ASSERT_EQ(strategies.size(), 2u);
  EXPECT_EQ(strategies[0].strategy, "s1");
  EXPECT_EQ(strategies[0].trades, 2);
  EXPECT_EQ(strategies[0].wins, 1);
  EXPECT_EQ(strategies[0].losses, 1);
  EXPECT_EQ(strategies[0].net_pnl, Decimal::Parse("8.6"));
  EXPECT_NEAR(strategies[0].gross_profit, 9.8, 1e-12);
  EXPECT_NEAR(strategies[0].gross_loss, -1.2, 1e-12);
  EXPECT_EQ(strategies[0].win_rate, 0.5);
  EXPECT_NEAR(*strategies[0].profit_factor, 9.8 / 1.2, 1e-12);
  EXPECT_NEAR(*strategies[0].expectancy, 8.6 / 2, 1e-12);
  EXPECT_EQ(strategies[0].first_exit_time, At("2023-03-01T11:00:00Z"));
  EXPECT_EQ(strategies[0].last_exit_time, At("2023-03-02T13:00:00Z"));
  EXPECT_EQ(strategies[1].strategy, "s2");
  EXPECT_EQ(strategies[1].trades, 1);
  EXPECT_FALSE(strategies[1].profit_factor);
  EXPECT_FALSE(strategies[1].average_loss);

  const auto metrics = StoredDashboardMetrics(store_, bot_);
  const auto metric = [&](const std::string& name) -> std::optional<double> {
    for (const DashboardMetric& m : metrics) {
      if (m.metric == name) return m.value;
    }
    ADD_FAILURE() << "no metric " << name;
    return std::nullopt;
  };
  EXPECT_EQ(metrics.size(), 21u);
  EXPECT_EQ(metric("trade_count"), 3.0);
  EXPECT_NEAR(*metric("net_profit"), 13.65, 1e-9);
  EXPECT_NEAR(*metric("total_return"), 0.188, 1e-12);
  EXPECT_NEAR(*metric("max_drawdown_fraction"), 200.0 / 1100, 1e-12);
  EXPECT_NEAR(*metric("sharpe_ratio"), Sharpe({r1, r2, r3, r5}, 365), 1e-9);
  EXPECT_EQ(metric("return_count"), 4.0);
}

TEST_P(Analyze, IncrementalRunEqualsFullRunAndRewritesOnlyNewDays) {
  BuildHistory();
  AnalyzeBot(store_, bot_);
  const auto first = StoredDailyPerformance(store_, bot_);
  EXPECT_EQ(AnalyzeBot(store_, bot_).kind, "up to date");

  // New data on day 6: a snapshot and a trade of s2.
  Snapshot("2023-03-06T10:00:00Z", "1200");
  RoundTrip("s2", "1", "100", "99", "0.1", "2023-03-06T11:00:00Z", "2023-03-06T12:00:00Z");
  const AnalyzeResult inc = AnalyzeBot(store_, bot_);
  EXPECT_EQ(inc.kind, "incremental");
  EXPECT_EQ(*inc.recomputed_from, Day("2023-03-06"));
  EXPECT_EQ(inc.days_written, 1);
  EXPECT_EQ(inc.strategies_written, 1);  // only s2 was touched
  const auto incremental = StoredDailyPerformance(store_, bot_);
  const auto inc_strategies = StoredStrategyPerformance(store_, bot_);
  ASSERT_EQ(incremental.size(), 6u);
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(incremental[i].computed_at, first[i].computed_at) << "day " << i << " rewritten";
  }
  EXPECT_EQ(incremental[5].total_pnl, Decimal::Parse("12.45"));  // 13.65 - 1.2

  AnalyzeOptions full;
  full.full = true;
  EXPECT_EQ(AnalyzeBot(store_, bot_, full).kind, "full");
  const auto recomputed = StoredDailyPerformance(store_, bot_);
  ASSERT_EQ(recomputed.size(), incremental.size());
  for (std::size_t i = 0; i < recomputed.size(); ++i) {
    DailyPerformanceRow a = incremental[i], b = recomputed[i];
    a.computed_at = b.computed_at = Timestamp();
    EXPECT_TRUE(a.date == b.date && a.equity == b.equity && a.daily_pnl == b.daily_pnl &&
                a.total_pnl == b.total_pnl && a.trades == b.trades &&
                a.total_trades == b.total_trades && a.daily_return == b.daily_return &&
                a.sharpe == b.sharpe && a.sortino == b.sortino &&
                a.max_drawdown == b.max_drawdown && a.win_rate == b.win_rate &&
                a.profit_factor == b.profit_factor)
        << "day " << i;
  }
  const auto full_strategies = StoredStrategyPerformance(store_, bot_);
  ASSERT_EQ(full_strategies.size(), inc_strategies.size());
  for (std::size_t i = 0; i < full_strategies.size(); ++i) {
    EXPECT_EQ(full_strategies[i].strategy, inc_strategies[i].strategy);
    EXPECT_EQ(full_strategies[i].trades, inc_strategies[i].trades);
    EXPECT_EQ(full_strategies[i].net_pnl, inc_strategies[i].net_pnl);
    EXPECT_EQ(full_strategies[i].profit_factor, inc_strategies[i].profit_factor);
  }
  EXPECT_EQ(full_strategies[1].net_pnl, Decimal::Parse("3.85"));  // 5.05 - 1.2
}

TEST_P(Analyze, PastSnapshotOrNewAnnualizationForcesFullRecompute) {
  BuildHistory();
  AnalyzeBot(store_, bot_);
  // A snapshot recorded into the past (day 2) changes every later day.
  Snapshot("2023-03-02T18:00:00Z", "800");
  const AnalyzeResult r = AnalyzeBot(store_, bot_);
  EXPECT_EQ(r.kind, "full");
  const auto rows = StoredDailyPerformance(store_, bot_);
  EXPECT_EQ(rows[1].equity, Decimal::Parse("800"));
  EXPECT_NEAR(*rows[4].max_drawdown, 300.0 / 1100, 1e-12);
  AnalyzeOptions other;
  other.periods_per_year = 365;
  EXPECT_EQ(AnalyzeBot(store_, bot_, other).kind, "full");
  EXPECT_EQ(AnalyzeBot(store_, bot_, other).kind, "up to date");
}

TEST_P(Analyze, RefusalsWriteNothing) {
  BuildHistory();
  AnalyzeBot(store_, bot_);
  const auto before = StoredDailyPerformance(store_, bot_);
  Snapshot("2023-03-07T10:00:00Z", "1300");
  AnalyzeOptions bad;
  bad.periods_per_year = 0;
  try {
    AnalyzeBot(store_, bot_, bad);
    ADD_FAILURE() << "periods_per_year 0 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("periods_per_year"), std::string::npos);
  }
  EXPECT_EQ(StoredDailyPerformance(store_, bot_).size(), before.size());
  try {
    AnalyzeBot(store_, bot_ + 1000);
    ADD_FAILURE() << "unknown bot accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  }
  // The refused runs left the watermark alone: the next run is incremental.
  EXPECT_EQ(AnalyzeBot(store_, bot_).kind, "incremental");
  EXPECT_TRUE(StoredDailyPerformance(store_, bot_ + 1000).empty());
}

TEST_P(Analyze, BotWithoutDataGetsMetricsButNoDays) {
  const AnalyzeResult r = AnalyzeBot(store_, bot_);
  EXPECT_EQ(r.kind, "full");
  EXPECT_EQ(r.days_written, 0);
  EXPECT_FALSE(r.recomputed_from);
  EXPECT_TRUE(StoredDailyPerformance(store_, bot_).empty());
  const auto metrics = StoredDashboardMetrics(store_, bot_);
  ASSERT_EQ(metrics.size(), 21u);
  for (const DashboardMetric& m : metrics) {
    if (m.metric == "sharpe_ratio" || m.metric == "win_rate") {
      EXPECT_FALSE(m.value) << m.metric;
    }
    if (m.metric == "trade_count") {
      EXPECT_EQ(m.value, 0.0);
    }
  }
  EXPECT_EQ(AnalyzeBot(store_, bot_).kind, "up to date");
}

TEST_P(Analyze, AgreesWithTheAnalyticsViews) {
  BuildHistory();
  AnalyzeBot(store_, bot_);
  RefreshViews(store_);  // PostgreSQL: the materialized views; SQLite: no-op
  const auto view = DailyPerformance(store_, bot_);
  const auto rows = StoredDailyPerformance(store_, bot_);
  ASSERT_EQ(view.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(view[i].day, rows[i].date);
    EXPECT_EQ(view[i].trades_closed, rows[i].trades);
    EXPECT_EQ(view[i].net_pnl, rows[i].daily_pnl);
    EXPECT_EQ(view[i].ending_equity, rows[i].equity);
  }
}

TRADESTORE_ON_BOTH_BACKENDS(Analyze);
// And through PgBouncer in transaction mode (prepared_statements=off).
INSTANTIATE_TEST_SUITE_P(Pooled, Analyze, ::testing::Values(testing::Backend::kPgBouncer),
                         testing::BackendName);

// The CLI: a real backtest, analyzed, then analyzed again.
std::string RunCli(const std::string& args, int* exit_code) {
  const std::string command = std::string(TRADESTORE_CLI) + " " + args + " 2>&1";
  std::FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST(AnalyzeCli, BacktestAnalyzedIncrementally) {
  testing::TempDir dir;
  const std::string store = " --store sqlite:" + dir.Sub("store");
  int code = 0;
  std::string out = RunCli(
      "import candles " + std::string(TRADESTORE_SOURCE_DIR) +
          "/examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_1440.csv --symbol BTCUSDC --venue kraken "
          "--timeframe 1d --price-precision 2 --size-precision 8" +
          store,
      &code);
  ASSERT_EQ(code, 0) << out;
  out = RunCli(
      "backtest --symbol BTCUSDC --venue kraken --timeframe 1d --fast 3 --slow 8 "
      "--bot daily" +
          store,
      &code);
  ASSERT_EQ(code, 0) << out;
  out = RunCli("analyze --bot daily --periods-per-year 365" + store, &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("daily: full ("), std::string::npos) << out;
  out = RunCli("analyze --periods-per-year 365 --json" + store, &code);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("\"kind\": \"up to date\""), std::string::npos) << out;
  out = RunCli("analyze --bot nobody" + store, &code);
  EXPECT_EQ(code, 3) << out;
  EXPECT_NE(out.find("bot 'nobody' does not exist"), std::string::npos) << out;
  out = RunCli("analyze --periods-per-year -1" + store, &code);
  EXPECT_EQ(code, 2) << out;
}

}  // namespace
}  // namespace tradestore
