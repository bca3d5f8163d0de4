// LoadStatisticsInput on an in-memory SQLite store: which bots, curves and
// ledger entries a selection loads, and the selections it refuses. (Trades
// are loaded through TradeRepository::List; tests/app/cli_test.cc checks them
// end to end after a backtest.)
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "analytics/statistics_test_util.h"
#include "tradestore/error.h"
#include "tradestore/performance_report.h"
#include "tradestore/performance_report_input.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using testing_util::At;

ErrorKind KindOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no tradestore::Error thrown";
  return ErrorKind::kInternal;
}

class StatisticsInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    a_ = AddBot("a", "trend", 1000.0, {1010.0, 990.0, 1030.0});
    b_ = AddBot("b", "carry", 500.0, {505.0, 510.0});
  }

  // A bot with one account: a deposit, then one snapshot per day.
  Bot AddBot(const std::string& name, const std::string& strategy, double capital,
             const std::vector<double>& equity) {
    Bot bot;
    bot.name = name;
    bot.strategy = strategy;
    bot = store_.bots().Create(bot);
    const Account account = store_.accounts().Create(bot.id, "main");
    LedgerEntry deposit;
    deposit.bot_id = bot.id;
    deposit.account_id = account.id;
    deposit.time = At(2024, 1, 1);
    deposit.type = LedgerEntryType::kDeposit;
    deposit.currency = "USDC";
    deposit.amount = Decimal::Parse(std::to_string(static_cast<int>(capital)));
    store_.ledger().Post(deposit);
    PortfolioSnapshot s;
    s.bot_id = bot.id;
    s.account_id = account.id;
    s.time = At(2024, 1, 1);
    s.equity = deposit.amount;
    s.cash = deposit.amount;
    store_.portfolio().Record(s);
    for (std::size_t i = 0; i < equity.size(); ++i) {
      s.time = At(2024, 1, 2 + static_cast<unsigned>(i));
      s.equity = Decimal::Parse(std::to_string(static_cast<int>(equity[i])));
      store_.portfolio().Record(s);
    }
    return bot;
  }

  Store store_ = Store::Open("sqlite::memory:");
  Bot a_, b_;
};

TEST_F(StatisticsInputTest, DefaultIsTheNewestBot) {
  const StatisticsInput in = LoadStatisticsInput(store_, {});
  ASSERT_EQ(in.bots.size(), 1u);
  EXPECT_EQ(in.bots[0].name, "b");
  EXPECT_EQ(in.title.rfind("bot b (carry", 0), 0u) << in.title;
  ASSERT_EQ(in.equity.size(), 3u);
  EXPECT_EQ(in.equity.back().equity, 510.0);
  ASSERT_EQ(in.ledger.size(), 1u);
  EXPECT_TRUE(in.trades.empty());
  EXPECT_TRUE(in.samples.empty());
}

TEST_F(StatisticsInputTest, OneBotByNameWithinAPeriod) {
  StatisticsSelection s;
  s.bot = "a";
  s.range.from = At(2024, 1, 2);
  s.range.to = At(2024, 1, 4);
  const StatisticsInput in = LoadStatisticsInput(store_, s);
  ASSERT_EQ(in.equity.size(), 2u);  // Jan 2 and Jan 3; Jan 4 is excluded
  EXPECT_EQ(in.equity[0].equity, 1010.0);
  EXPECT_EQ(in.equity[1].equity, 990.0);
  EXPECT_TRUE(in.ledger.empty());  // the deposit was on Jan 1
}

TEST_F(StatisticsInputTest, AllBotsSumTheirCurves) {
  StatisticsSelection s;
  s.all_bots = true;
  const StatisticsInput in = LoadStatisticsInput(store_, s);
  EXPECT_EQ(in.bots.size(), 2u);
  EXPECT_EQ(in.ledger.size(), 2u);
  ASSERT_EQ(in.equity.size(), 4u);  // Jan 1..4, both curves' times
  EXPECT_EQ(in.equity[0].equity, 1500.0);
  EXPECT_EQ(in.equity[1].equity, 1010.0 + 505.0);
  EXPECT_EQ(in.equity[2].equity, 990.0 + 510.0);
  EXPECT_EQ(in.equity[3].equity, 1030.0 + 510.0);  // b's last value carried
}

TEST_F(StatisticsInputTest, AStrategyLoadsItsBots) {
  StatisticsSelection s;
  s.strategy = "trend";
  const StatisticsInput in = LoadStatisticsInput(store_, s);
  ASSERT_EQ(in.bots.size(), 1u);
  EXPECT_EQ(in.bots[0].name, "a");
  EXPECT_EQ(in.equity.size(), 4u);
}

TEST_F(StatisticsInputTest, RefusedSelections) {
  StatisticsSelection two;
  two.bot = "a";
  two.all_bots = true;
  EXPECT_EQ(KindOf([&] { LoadStatisticsInput(store_, two); }), ErrorKind::kInvalidArgument);
  StatisticsSelection backwards;
  backwards.range.from = At(2024, 2, 1);
  backwards.range.to = At(2024, 1, 1);
  EXPECT_EQ(KindOf([&] { LoadStatisticsInput(store_, backwards); }), ErrorKind::kInvalidArgument);
  StatisticsSelection missing;
  missing.bot = "nobody";
  EXPECT_EQ(KindOf([&] { LoadStatisticsInput(store_, missing); }), ErrorKind::kNotFound);
  StatisticsSelection strategy;
  strategy.strategy = "nothing";
  EXPECT_EQ(KindOf([&] { LoadStatisticsInput(store_, strategy); }), ErrorKind::kNotFound);
  Store empty = Store::Open("sqlite::memory:");
  EXPECT_EQ(KindOf([&] { LoadStatisticsInput(empty, {}); }), ErrorKind::kNotFound);
}

// Trades recorded with an initial stop, ATR and regime (through orders,
// fills, marks and the trade context) give R statistics, the ATR edge ratio
// and the regime breakdown. Long, 1 unit, no fees, entry 100:
//   exit 110, stop 95 (risk 5),  ATR 2.5, trend, low 97, high 112:
//     R = 10/5 = 2,     MAE 3 = 0.6 R,  MFE 12 = 2.4 R
//   exit 94,  stop 96 (risk 4),  ATR 2,   range, low 94:
//     R = -6/4 = -1.5,  MAE 6 = 1.5 R,  MFE 0
//   exit 105, stop 90 (risk 10), ATR 5,   trend, high 105:
//     R = 5/10 = 0.5,   MAE 0,          MFE 5 = 0.5 R
TEST_F(StatisticsInputTest, TradesWithRiskAndRegimeGiveRStatistics) {
  Instrument x;
  x.venue = "v";
  x.symbol = "XUSDC";
  x.base_asset = "X";
  x.quote_asset = "USDC";
  x = store_.instruments().Upsert(x);
  const Bot bot = AddBot("r", "journal", 1000.0, {1009.0});
  const Account account = store_.accounts().GetOrCreate(bot.id, "main");
  struct Plan {
    const char* exit;
    const char* stop;
    double atr;
    const char* regime;
    std::vector<const char*> marks;
  };
  const std::vector<Plan> plans = {{"110", "95", 2.5, "trend", {"97", "112"}},
                                   {"94", "96", 2.0, "range", {"94"}},
                                   {"105", "90", 5.0, "trend", {"105"}}};
  int n = 0;
  auto trade = [&](Side side, const char* price, Timestamp at) {
    Order o;
    o.bot_id = bot.id;
    o.account_id = account.id;
    o.instrument_id = x.id;
    o.strategy = "journal";
    o.side = side;
    o.type = OrderType::kMarket;
    o.quantity = Decimal::FromInt(1);
    o.created_at = at;
    o = store_.orders().Create(o);
    store_.orders().Accept(bot.id, o.id, o.created_at);
    Fill f;
    f.bot_id = bot.id;
    f.order_id = o.id;
    f.venue = "v";
    f.venue_fill_id = std::to_string(++n);
    f.quantity = Decimal::FromInt(1);
    f.price = Decimal::Parse(price);
    f.time = at;
    return store_.orders().RecordFill(f);
  };
  unsigned day = 2;
  for (const Plan& p : plans) {
    trade(Side::kBuy, "100", At(2024, 1, day) + kMicrosPerHour);
    TradeContext context;
    context.initial_stop = Decimal::Parse(p.stop);
    context.atr = p.atr;
    context.regime = p.regime;
    store_.positions().SetTradeContext(bot.id, account.id, x.id, context);
    for (const char* m : p.marks) {
      store_.positions().MarkPrice(bot.id, account.id, x.id, Decimal::Parse(m),
                                   At(2024, 1, day) + 2 * kMicrosPerHour);
    }
    const FillOutcome out = trade(Side::kSell, p.exit, At(2024, 1, day) + 3 * kMicrosPerHour);
    ASSERT_TRUE(out.closed_trade.has_value());
    day += 1;
  }

  StatisticsSelection sel;
  sel.bot = "r";
  const StatisticsInput in = LoadStatisticsInput(store_, sel);
  ASSERT_EQ(in.samples.size(), 3u);
  ASSERT_TRUE(in.samples[0].r_multiple && in.samples[0].mae_r && in.samples[0].mfe_r);
  EXPECT_NEAR(*in.samples[0].r_multiple, 2.0, 1e-12);
  EXPECT_NEAR(*in.samples[0].mae_r, 0.6, 1e-12);
  EXPECT_NEAR(*in.samples[0].mfe_r, 2.4, 1e-12);
  EXPECT_EQ(in.samples[0].atr, 2.5);
  EXPECT_EQ(in.samples[1].regime, "range");

  const TradeSummary s = SummarizeTrades(in.samples);
  EXPECT_EQ(s.r_count, 3u);
  EXPECT_NEAR(*s.expectancy_r, (2.0 - 1.5 + 0.5) / 3, 1e-12);
  // R = {2, -1.5, 0.5}: mean 1/3, squared deviations 25/9 + 121/36 + 1/36 =
  // 37/6, sample variance 37/12.
  EXPECT_NEAR(*s.sqn, std::sqrt(3.0) * (1.0 / 3) / std::sqrt(37.0 / 12), 1e-12);
  EXPECT_NEAR(*s.average_mae_r, (0.6 + 1.5 + 0.0) / 3, 1e-12);
  EXPECT_NEAR(*s.average_mfe_r, (2.4 + 0.0 + 0.5) / 3, 1e-12);
  EXPECT_NEAR(*s.edge_ratio_r, 2.9 / 2.1, 1e-12);
  // Every trade has an ATR: Faith's rule, (12/2.5 + 0/2 + 5/5) / (3/2.5 + 6/2 + 0/5).
  EXPECT_TRUE(s.edge_ratio_by_atr);
  EXPECT_NEAR(*s.edge_ratio, 5.8 / 4.2, 1e-12);

  const Breakdown by_regime = BreakdownTrades(in.samples, BreakdownKey::kRegime);
  ASSERT_EQ(by_regime.rows.size(), 2u);
  EXPECT_EQ(by_regime.rows[0].key, "range");
  EXPECT_EQ(by_regime.rows[0].summary.trade_count, 1u);
  EXPECT_NEAR(*by_regime.rows[0].summary.expectancy_r, -1.5, 1e-12);
  EXPECT_NEAR(by_regime.rows[0].summary.net_profit, -6.0, 1e-12);
  EXPECT_EQ(by_regime.rows[1].key, "trend");
  EXPECT_EQ(by_regime.rows[1].summary.trade_count, 2u);
  EXPECT_NEAR(*by_regime.rows[1].summary.expectancy_r, 1.25, 1e-12);
  EXPECT_NEAR(by_regime.rows[1].summary.net_profit, 15.0, 1e-12);
  EXPECT_NEAR(*by_regime.rows[1].summary.win_rate, 1.0, 0.0);

  // One trade without an ATR: the entry-price rule for all of them,
  // (12 + 0 + 5)/100 / ((3 + 6 + 0)/100).
  std::vector<TradeSample> mixed = in.samples;
  mixed[1].atr.reset();
  const TradeSummary m = SummarizeTrades(mixed);
  EXPECT_FALSE(m.edge_ratio_by_atr);
  EXPECT_NEAR(*m.edge_ratio, 17.0 / 9.0, 1e-12);
}

}  // namespace
}  // namespace tradestore
