// LoadStatisticsInput on an in-memory SQLite store: which bots, curves and
// ledger entries a selection loads, and the selections it refuses. (Trades
// are loaded through TradeRepository::List; tests/app/cli_test.cc checks them
// end to end after a backtest.)
#include "tradestore/statistics_input.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "analytics/statistics_test_util.h"
#include "tradestore/error.h"
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

}  // namespace
}  // namespace tradestore
