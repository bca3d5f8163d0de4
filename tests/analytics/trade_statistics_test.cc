// Trade statistics of closed Trades (SummarizeTrades of ToTradeSamples):
// counts, exact sums, win rate, profit factor, averages,
// expectancy.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "analytics/statistics_test_util.h"
#include "tradestore/performance_report.h"

namespace tradestore {
namespace {

using testing_util::ExpectClose;
using testing_util::MakeTrade;

// Six trades: three wins (100.50, 250.00, 10.00), two losses (-40.25,
// -60.75), one breakeven; three long, three short.
std::vector<Trade> MixedTrades() {
  return {
      MakeTrade(Side::kBuy, 10050, 200),  MakeTrade(Side::kSell, -4025, 150),
      MakeTrade(Side::kBuy, 0, 100),      MakeTrade(Side::kBuy, 25000, 300),
      MakeTrade(Side::kSell, -6075, 225), MakeTrade(Side::kSell, 1000, 50),
  };
}

TEST(TradeStatisticsTest, NoTradesLeavesEveryRatioUndefined) {
  const TradeSummary s = SummarizeTrades(ToTradeSamples({}));
  EXPECT_EQ(s.trade_count, 0u);
  EXPECT_EQ(s.gross_profit, 0.0);
  EXPECT_EQ(s.gross_loss, 0.0);
  EXPECT_EQ(s.net_profit, 0.0);
  EXPECT_EQ(s.win_rate, std::nullopt);
  EXPECT_EQ(ProfitFactor(s.gross_profit, s.gross_loss), std::nullopt);
  EXPECT_EQ(s.average_win, std::nullopt);
  EXPECT_EQ(s.average_loss, std::nullopt);
  EXPECT_EQ(s.expectancy, std::nullopt);
}

TEST(TradeStatisticsTest, MixedTrades) {
  const std::vector<Trade> trades = MixedTrades();
  const TradeSummary s = SummarizeTrades(ToTradeSamples(trades));
  EXPECT_EQ(s.trade_count, 6u);
  EXPECT_EQ(s.long_count, 3u);
  EXPECT_EQ(s.short_count, 3u);
  EXPECT_EQ(s.wins, 3u);
  EXPECT_EQ(s.losses, 2u);
  EXPECT_EQ(s.breakeven, 1u);
  // Sums are exact Decimals converted once, so these compare exactly.
  EXPECT_EQ(s.gross_profit, 360.5);
  EXPECT_EQ(s.gross_loss, -101.0);
  EXPECT_EQ(s.net_profit, 259.5);
  EXPECT_EQ(s.total_fees, 10.25);
  ExpectClose(s.win_rate, 0.5);
  // python3 -c "print(repr(360.5/101))"
  ExpectClose(ProfitFactor(s.gross_profit, s.gross_loss), 3.5693069306930694);
  // python3 -c "print(repr(360.5/3))"
  ExpectClose(s.average_win, 120.16666666666667);
  ExpectClose(s.average_loss, -50.5);
  // python3 -c "print(repr(259.5/6))"
  ExpectClose(s.expectancy, 43.25);
}

TEST(TradeStatisticsTest, AllWinnersHaveNoProfitFactor) {
  const std::vector<Trade> trades = {MakeTrade(Side::kBuy, 500, 10),
                                     MakeTrade(Side::kSell, 700, 10)};
  const TradeSummary s = SummarizeTrades(ToTradeSamples(trades));
  EXPECT_EQ(s.wins, 2u);
  EXPECT_EQ(s.losses, 0u);
  ExpectClose(s.win_rate, 1.0);
  EXPECT_EQ(ProfitFactor(s.gross_profit, s.gross_loss), std::nullopt);
  EXPECT_EQ(s.average_loss, std::nullopt);
  ExpectClose(s.average_win, 6.0);
}

TEST(TradeStatisticsTest, AllLosersHaveZeroProfitFactor) {
  const std::vector<Trade> trades = {MakeTrade(Side::kBuy, -500, 10)};
  const TradeSummary s = SummarizeTrades(ToTradeSamples(trades));
  ExpectClose(ProfitFactor(s.gross_profit, s.gross_loss), 0.0);
  ExpectClose(s.win_rate, 0.0);
  EXPECT_EQ(s.average_win, std::nullopt);
}

// Neither wins nor losses (only breakeven trades): no losses, so the
// profit factor is undefined, as docs/statistics.md says (it used to also
// say "0 without wins").
TEST(TradeStatisticsTest, OnlyBreakevenTradesHaveNoProfitFactor) {
  const std::vector<Trade> trades = {MakeTrade(Side::kBuy, 0, 10), MakeTrade(Side::kSell, 0, 10)};
  const TradeSummary s = SummarizeTrades(ToTradeSamples(trades));
  EXPECT_EQ(s.wins, 0u);
  EXPECT_EQ(s.losses, 0u);
  EXPECT_EQ(s.breakeven, 2u);
  EXPECT_EQ(ProfitFactor(s.gross_profit, s.gross_loss), std::nullopt);
}

TEST(TradeStatisticsTest, SingleTrade) {
  const std::vector<Trade> trades = {MakeTrade(Side::kSell, 1234, 66)};
  const TradeSummary s = SummarizeTrades(ToTradeSamples(trades));
  EXPECT_EQ(s.trade_count, 1u);
  EXPECT_EQ(s.short_count, 1u);
  EXPECT_EQ(s.wins, 1u);
  EXPECT_EQ(s.net_profit, 12.34);
  EXPECT_EQ(s.total_fees, 0.66);
  ExpectClose(s.expectancy, 12.34);
  ExpectClose(s.win_rate, 1.0);
}

TEST(TradeStatisticsTest, FeesCanTurnAGrossWinnerIntoANetLoser) {
  // gross +1.00, fees 1.01: net -0.01 is a loss.
  const std::vector<Trade> trades = {MakeTrade(Side::kBuy, -1, 101)};
  const TradeSummary s = SummarizeTrades(ToTradeSamples(trades));
  EXPECT_EQ(s.losses, 1u);
  EXPECT_EQ(s.wins, 0u);
}

TEST(TradeStatisticsTest, ProfitFactorAcceptsEitherSignOfLoss) {
  ExpectClose(ProfitFactor(300.0, -100.0), 3.0);
  ExpectClose(ProfitFactor(300.0, 100.0), 3.0);
  EXPECT_EQ(ProfitFactor(300.0, 0.0), std::nullopt);
}

}  // namespace
}  // namespace tradestore
