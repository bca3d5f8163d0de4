#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tradestore/bot.h"
#include "tradestore/error.h"
#include "tradestore/fill.h"
#include "tradestore/ledger.h"

namespace tradestore {
namespace {

using ::testing::HasSubstr;

template <typename ParseFn>
void ExpectRejected(std::initializer_list<const char*> texts, ParseFn parse) {
  for (const char* text : texts) {
    SCOPED_TRACE(text);
    try {
      parse(text);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_THAT(e.what(), HasSubstr("\"" + std::string(text) + "\""));
    }
  }
}

TEST(EnumNamesTest, RunMode) {
  EXPECT_EQ(ToString(RunMode::kLive), "live");
  EXPECT_EQ(ToString(RunMode::kPaper), "paper");
  EXPECT_EQ(ToString(RunMode::kBacktest), "backtest");
  EXPECT_EQ(ParseRunMode("live"), RunMode::kLive);
  EXPECT_EQ(ParseRunMode("paper"), RunMode::kPaper);
  EXPECT_EQ(ParseRunMode("backtest"), RunMode::kBacktest);
  ExpectRejected({"", "Live", "PAPER", "back_test", "test"}, ParseRunMode);
}

TEST(EnumNamesTest, LedgerEntryType) {
  const std::pair<LedgerEntryType, const char*> names[] = {
      {LedgerEntryType::kDeposit, "deposit"},   {LedgerEntryType::kWithdrawal, "withdrawal"},
      {LedgerEntryType::kFee, "fee"},           {LedgerEntryType::kRealizedPnl, "realized_pnl"},
      {LedgerEntryType::kTransfer, "transfer"}, {LedgerEntryType::kAdjustment, "adjustment"},
  };
  for (const auto& [type, name] : names) {
    EXPECT_EQ(ToString(type), name);
    EXPECT_EQ(ParseLedgerEntryType(name), type) << name;
  }
  ExpectRejected({"", "Deposit", "realized-pnl", "pnl", "fees"}, ParseLedgerEntryType);
}

TEST(EnumNamesTest, Liquidity) {
  EXPECT_EQ(ToString(Liquidity::kMaker), "maker");
  EXPECT_EQ(ToString(Liquidity::kTaker), "taker");
  EXPECT_EQ(ParseLiquidity("maker"), Liquidity::kMaker);
  EXPECT_EQ(ParseLiquidity("taker"), Liquidity::kTaker);
  ExpectRejected({"", "Maker", "M", "add"}, ParseLiquidity);
}

}  // namespace
}  // namespace tradestore
