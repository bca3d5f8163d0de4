// Analytics views: the same hand-computed rows on both backends; on
// PostgreSQL only after RefreshViews (the views are as fresh as their last
// refresh), on SQLite always (computed on read).
#include "tradestore/analytics_views.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "store/store_test_util.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

// Readable failure messages.
void PrintTo(const BotDailyPerformance& r, std::ostream* os) {
  *os << "{bot " << r.bot_id << ", " << r.day.ToDateString() << ", trades " << r.trades_closed
      << ", wins " << r.wins << ", losses " << r.losses << ", gross " << r.gross_pnl << ", fees "
      << r.fees << ", net " << r.net_pnl << ", equity "
      << (r.ending_equity ? r.ending_equity->ToString() : "null") << "}";
}
void PrintTo(const PortfolioSummaryRow& r, std::ostream* os) {
  *os << "{bot " << r.bot_id << " " << r.name << " " << r.mode << ", equity "
      << (r.latest_equity ? r.latest_equity->ToString() : "null") << ", cash "
      << (r.cash ? r.cash->ToString() : "null") << ", open " << r.open_positions << ", trades "
      << r.closed_trades << ", wins " << r.wins << ", losses " << r.losses << ", net " << r.net_pnl
      << ", win rate " << (r.win_rate ? std::to_string(*r.win_rate) : "null") << "}";
}

namespace {

using literals::operator""_d;

Timestamp At(const char* iso) { return Timestamp::Parse(iso); }

class AnalyticsViews : public ::testing::TestWithParam<testing::Backend> {
 protected:
  AnalyticsViews() : store_(Store::Open(testing::FreshStoreUrl(GetParam()))) {
    Instrument in;
    in.venue = "test";
    in.symbol = "BTCUSDC";
    in.base_asset = "BTC";
    in.quote_asset = "USDC";
    in.price_precision = 2;
    in.size_precision = 5;
    instrument_ = store_.instruments().Upsert(in).id;
    Bot a;
    a.name = "alpha";
    a.mode = RunMode::kBacktest;
    alpha_ = store_.bots().Create(a).id;
    main_ = store_.accounts().Create(alpha_, "main").id;
    side_ = store_.accounts().Create(alpha_, "side").id;
    Bot t;
    t.name = "tester";
    t.mode = RunMode::kPaper;
    t.is_test = true;
    tester_ = store_.bots().Create(t).id;
    tester_account_ = store_.accounts().Create(tester_, "main").id;
  }

  bool postgres() const { return GetParam() != testing::Backend::kSqlite; }

  void Deposit(BotId bot, AccountId account, const char* amount, const char* time) {
    LedgerEntry e;
    e.bot_id = bot;
    e.account_id = account;
    e.time = At(time);
    e.type = LedgerEntryType::kDeposit;
    e.currency = "USDC";
    e.amount = Decimal::Parse(amount);
    store_.ledger().Post(e);
  }

  // One market order of `qty` filled at once at `price`, paying `fee`.
  FillOutcome Deal(BotId bot, AccountId account, Side side, const char* qty, const char* price,
                   const char* fee, const char* time, bool is_test = false) {
    Order o;
    o.bot_id = bot;
    o.account_id = account;
    o.instrument_id = instrument_;
    o.side = side;
    o.quantity = Decimal::Parse(qty);
    o.strategy = "test";
    o.is_test = is_test;
    o.created_at = At(time);
    const Order created = store_.orders().Create(o);
    store_.orders().Transition(bot, created.id, OrderStatus::kAccepted, At(time));
    Fill f;
    f.bot_id = bot;
    f.order_id = created.id;
    f.venue = "paper";
    f.venue_fill_id = "f" + std::to_string(++fill_seq_);
    f.quantity = o.quantity;
    f.price = Decimal::Parse(price);
    f.fee = Decimal::Parse(fee);
    f.time = At(time);
    return store_.orders().RecordFill(f);
  }

  void Snapshot(BotId bot, AccountId account, const char* time, const char* equity,
                const char* cash, int open_positions = 0) {
    PortfolioSnapshot s;
    s.bot_id = bot;
    s.account_id = account;
    s.time = At(time);
    s.equity = Decimal::Parse(equity);
    s.cash = Decimal::Parse(cash);
    s.unrealized_pnl = s.equity - s.cash;
    s.open_positions = open_positions;
    store_.portfolio().Record(s);
  }

  // The hand-made history: alpha closes 3 trades on 2 days (and a test
  // trade), leaves one position open, and snapshots two accounts over 3
  // days; the test bot trades and snapshots too (all excluded).
  void BuildHistory() {
    Deposit(alpha_, main_, "10000", "2023-03-01T00:00:00Z");
    Deposit(alpha_, side_, "500", "2023-03-01T00:00:00Z");
    // Day 1: a win (gross 10, fees 0.1 + 0.11, net 9.79) and a loss
    // (gross -1, fees 0.1 + 0.099, net -1.199).
    Deal(alpha_, main_, Side::kBuy, "1", "100", "0.1", "2023-03-01T10:00:00Z");
    ASSERT_TRUE(Deal(alpha_, main_, Side::kSell, "1", "110", "0.11", "2023-03-01T11:00:00Z")
                    .closed_trade.has_value());
    Deal(alpha_, main_, Side::kBuy, "2", "50", "0.1", "2023-03-01T12:00:00Z");
    ASSERT_TRUE(Deal(alpha_, main_, Side::kSell, "2", "49.5", "0.099", "2023-03-01T13:00:00Z")
                    .closed_trade.has_value());
    // A test trade of alpha on day 1 (is_test orders): excluded.
    Deal(alpha_, side_, Side::kBuy, "1", "100", "0", "2023-03-01T14:00:00Z", true);
    const FillOutcome test_close =
        Deal(alpha_, side_, Side::kSell, "1", "150", "0", "2023-03-01T15:00:00Z", true);
    ASSERT_TRUE(test_close.closed_trade.has_value());
    ASSERT_TRUE(test_close.closed_trade->is_test);
    // Day 2: a win closed in the day's last microsecond (gross 0.5 * 10.3 =
    // 5.15, fees 0.05 + 0.05, net 5.05), then a position left open.
    Deal(alpha_, main_, Side::kBuy, "0.5", "200", "0.05", "2023-03-02T09:00:00Z");
    ASSERT_TRUE(
        Deal(alpha_, main_, Side::kSell, "0.5", "210.3", "0.05", "2023-03-02T23:59:59.999999Z")
            .closed_trade.has_value());
    Deal(alpha_, main_, Side::kBuy, "1", "300", "0", "2023-03-02T23:59:59.999999Z");

    // Snapshots: main on days 1 and 2 (two each: the last of the day
    // counts), side on days 1 and 3.
    Snapshot(alpha_, main_, "2023-03-01T12:00:00Z", "10000.5", "10000.5");
    Snapshot(alpha_, main_, "2023-03-01T23:00:00Z", "10008.591", "10008.591");
    Snapshot(alpha_, side_, "2023-03-01T20:00:00Z", "550", "550");
    Snapshot(alpha_, main_, "2023-03-02T10:00:00Z", "10010", "9910", 1);
    Snapshot(alpha_, main_, "2023-03-02T23:59:59Z", "10013.641", "9713.641", 1);
    Snapshot(alpha_, side_, "2023-03-03T01:00:00Z", "505.25", "505.25");

    // The test bot: excluded everywhere.
    Deposit(tester_, tester_account_, "1000", "2023-03-01T00:00:00Z");
    Deal(tester_, tester_account_, Side::kBuy, "1", "100", "1", "2023-03-01T10:00:00Z");
    Deal(tester_, tester_account_, Side::kSell, "1", "90", "1", "2023-03-01T11:00:00Z");
    Snapshot(tester_, tester_account_, "2023-03-01T23:00:00Z", "988", "988");
  }

  std::vector<BotDailyPerformance> ExpectedDaily() const {
    return {
        {alpha_, At("2023-03-01"), 2, 1, 1, "9"_d, "0.409"_d, "8.591"_d, "10558.591"_d},
        {alpha_, At("2023-03-02"), 1, 1, 0, "5.15"_d, "0.1"_d, "5.05"_d, "10013.641"_d},
        {alpha_, At("2023-03-03"), 0, 0, 0, "0"_d, "0"_d, "0"_d, "505.25"_d},
    };
  }

  PortfolioSummaryRow ExpectedAlpha() const {
    PortfolioSummaryRow r;
    r.bot_id = alpha_;
    r.name = "alpha";
    r.mode = "backtest";
    r.latest_equity = "10518.891"_d;  // 10013.641 (main, day 2) + 505.25 (side, day 3)
    r.cash = "10218.891"_d;           // 9713.641 + 505.25
    r.open_positions = 1;
    r.closed_trades = 3;
    r.wins = 2;
    r.losses = 1;
    r.net_pnl = "13.641"_d;  // 9.79 - 1.199 + 5.05
    r.win_rate = 2.0 / 3.0;
    return r;
  }

  Store store_;
  InstrumentId instrument_ = 0;
  BotId alpha_ = 0;
  AccountId main_ = 0;
  AccountId side_ = 0;
  BotId tester_ = 0;
  AccountId tester_account_ = 0;
  int fill_seq_ = 0;
};

TEST_P(AnalyticsViews, GiveTheHandComputedRowsWithoutTestData) {
  ASSERT_NO_FATAL_FAILURE(BuildHistory());
  if (postgres()) {
    // Never refreshed: reading says so instead of returning nothing.
    EXPECT_THROW(DailyPerformance(store_), Error);
    EXPECT_THROW(PortfolioSummary(store_), Error);
    std::vector<ViewRefresh> refreshed;
    ASSERT_TRUE(RefreshViews(store_, &refreshed));
    ASSERT_EQ(refreshed.size(), 2u);
    EXPECT_EQ(refreshed[0].view, "analytics.bot_daily_performance");
    EXPECT_EQ(refreshed[1].view, "analytics.portfolio_summary");
    EXPECT_FALSE(refreshed[0].concurrently);  // first refresh: plain
    EXPECT_FALSE(refreshed[1].concurrently);
  } else {
    EXPECT_FALSE(RefreshViews(store_));
  }
  EXPECT_EQ(DailyPerformance(store_), ExpectedDaily());
  EXPECT_EQ(DailyPerformance(store_, alpha_), ExpectedDaily());
  EXPECT_TRUE(DailyPerformance(store_, tester_).empty());
  const std::vector<PortfolioSummaryRow> summary = PortfolioSummary(store_);
  ASSERT_EQ(summary.size(), 1u);  // the test bot is left out
  EXPECT_EQ(summary[0], ExpectedAlpha());
}

TEST_P(AnalyticsViews, RangeSelectsWholeUtcDays) {
  ASSERT_NO_FATAL_FAILURE(BuildHistory());
  RefreshViews(store_);
  const std::vector<BotDailyPerformance> all = ExpectedDaily();
  EXPECT_EQ(DailyPerformance(store_, alpha_, {At("2023-03-02"), At("2023-03-03")}),
            std::vector<BotDailyPerformance>{all[1]});
  // A bound inside a day: that day starts before `from`, so it is left out.
  EXPECT_EQ(DailyPerformance(store_, {}, {At("2023-03-01T00:00:01Z"), std::nullopt}),
            (std::vector<BotDailyPerformance>{all[1], all[2]}));
  EXPECT_EQ(DailyPerformance(store_, {}, {std::nullopt, At("2023-03-01T00:00:01Z")}),
            std::vector<BotDailyPerformance>{all[0]});
}

TEST_P(AnalyticsViews, PostgresViewsAreAsFreshAsTheLastRefresh) {
  ASSERT_NO_FATAL_FAILURE(BuildHistory());
  RefreshViews(store_);
  // A fourth trade on day 3: a loss (gross -2, fees 0, net -2) closing the
  // open position.
  ASSERT_TRUE(Deal(alpha_, main_, Side::kSell, "1", "298", "0", "2023-03-03T08:00:00Z")
                  .closed_trade.has_value());
  std::vector<BotDailyPerformance> fresh = ExpectedDaily();
  fresh[2] = {alpha_, At("2023-03-03"), 1, 0, 1, "-2"_d, "0"_d, "-2"_d, "505.25"_d};
  PortfolioSummaryRow fresh_alpha = ExpectedAlpha();
  fresh_alpha.open_positions = 0;
  fresh_alpha.closed_trades = 4;
  fresh_alpha.losses = 2;
  fresh_alpha.net_pnl = "11.641"_d;
  fresh_alpha.win_rate = 0.5;
  if (postgres()) {
    // Stale until refreshed.
    EXPECT_EQ(DailyPerformance(store_), ExpectedDaily());
    EXPECT_EQ(PortfolioSummary(store_), std::vector<PortfolioSummaryRow>{ExpectedAlpha()});
    std::vector<ViewRefresh> refreshed;
    ASSERT_TRUE(RefreshViews(store_, &refreshed));
    ASSERT_EQ(refreshed.size(), 2u);
    EXPECT_TRUE(refreshed[0].concurrently);
    EXPECT_TRUE(refreshed[1].concurrently);
  }
  EXPECT_EQ(DailyPerformance(store_), fresh);
  EXPECT_EQ(PortfolioSummary(store_), std::vector<PortfolioSummaryRow>{fresh_alpha});
}

TEST_P(AnalyticsViews, EmptyStoreAndTotals) {
  RefreshViews(store_);
  EXPECT_TRUE(DailyPerformance(store_).empty());
  const std::vector<PortfolioSummaryRow> summary = PortfolioSummary(store_);
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0].name, "alpha");
  EXPECT_FALSE(summary[0].latest_equity.has_value());
  EXPECT_FALSE(summary[0].win_rate.has_value());
  EXPECT_EQ(summary[0].closed_trades, 0);

  PortfolioSummaryRow b = ExpectedAlpha();
  b.bot_id = 99;
  b.latest_equity.reset();
  b.cash = "1"_d;
  b.closed_trades = 1;
  b.wins = 0;
  b.losses = 1;
  b.net_pnl = "-0.641"_d;
  const PortfolioSummaryRow total = PortfolioTotal({ExpectedAlpha(), b});
  EXPECT_EQ(total.bot_id, 0);
  EXPECT_EQ(total.name, "(all bots)");
  EXPECT_EQ(total.latest_equity, "10518.891"_d);
  EXPECT_EQ(total.cash, "10219.891"_d);
  EXPECT_EQ(total.open_positions, 2);
  EXPECT_EQ(total.closed_trades, 4);
  EXPECT_EQ(total.wins, 2);
  EXPECT_EQ(total.losses, 2);
  EXPECT_EQ(total.net_pnl, "13"_d);
  EXPECT_EQ(total.win_rate, 0.5);
  EXPECT_FALSE(PortfolioTotal({}).latest_equity.has_value());
}

TRADESTORE_ON_ALL_BACKENDS(AnalyticsViews);

}  // namespace
}  // namespace tradestore
