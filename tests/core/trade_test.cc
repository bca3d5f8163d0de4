#include "tradestore/trade.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tradestore {
namespace {

using literals::operator""_d;

TEST(TradeTest, ReturnFractionIsNetPnlOverEntryNotional) {
  Trade t;
  t.entry_price = "100"_d;
  t.quantity = "2"_d;
  t.net_pnl = "10"_d;
  EXPECT_DOUBLE_EQ(t.return_fraction(), 0.05);  // 10 / 200

  t.side = Side::kSell;  // a losing short: the sign comes from net_pnl
  t.net_pnl = "-3"_d;
  EXPECT_DOUBLE_EQ(t.return_fraction(), -0.015);

  t.entry_price = "0.000000000001"_d;  // tiny price, big quantity: notional 1
  t.quantity = "1000000000000"_d;
  t.net_pnl = "0.25"_d;
  EXPECT_DOUBLE_EQ(t.return_fraction(), 0.25);
}

TEST(TradeTest, ReturnFractionOfZeroNotionalIsNan) {
  Trade t;
  t.net_pnl = "1"_d;
  EXPECT_TRUE(std::isnan(t.return_fraction()));
}

TEST(TradeTest, Duration) {
  Trade t;
  t.entry_time = Timestamp::Parse("2023-03-01T10:00:00Z");
  t.exit_time = Timestamp::Parse("2023-03-01T12:30:00.5Z");
  EXPECT_EQ(t.duration(), 2 * kMicrosPerHour + 30 * kMicrosPerMinute + 500'000);
}

}  // namespace
}  // namespace tradestore
