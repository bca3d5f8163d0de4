// Tests of ReadTradeList and ReadEquityCurve (trade_list.h): column names
// and their synonyms, derived fields, time formats, and the refusals, each
// naming file, line, field and value.
#include "tradestore/trade_list.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tradestore/error.h"

namespace tradestore {
namespace {

namespace fs = std::filesystem;

class TradeList : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tradestore-tradelist-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string File(const std::string& text) {
    const fs::path p = dir_ / ("f" + std::to_string(++n_) + ".csv");
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  // The message of the Error(kind) that `f` throws; "" (and a failure) if
  // it throws nothing.
  template <typename F>
  std::string ErrorOf(F f, ErrorKind kind = ErrorKind::kInvalidArgument) {
    try {
      f();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), kind) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "no error";
    return "";
  }

  fs::path dir_;
  int n_ = 0;
};

TEST_F(TradeList, ReadsOurColumnsAndDerivesTheJournalFields) {
  const std::string f = File(
      "symbol,side,entry_time,exit_time,quantity,entry_price,exit_price,fees,net_pnl,mae,mfe,"
      "risk_amount,strategy,exit_reason,regime,atr\n"
      "BTCUSDC,sell,2024-01-02T00:00:00Z,2024-01-02T06:00:00Z,2,100,90,1.5,18.5,3,12,10,s1,"
      "target,trend,2.5\n"
      "ETHUSDC,buy,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,1,50,49,0,-1,1.5,0.5,,s1,stop,,\n");
  const auto trades = ReadTradeList(f);
  ASSERT_EQ(trades.size(), 2u);
  // Exit order, whatever the file's order.
  const TradeListEntry& a = trades[0];
  EXPECT_EQ(a.symbol, "ETHUSDC");
  EXPECT_EQ(a.line, 3);
  EXPECT_EQ(a.trade.outcome, "loss");
  EXPECT_FALSE(a.trade.r_multiple);
  const TradeListEntry& b = trades[1];
  EXPECT_EQ(b.line, 2);
  EXPECT_EQ(b.trade.side, Side::kSell);
  EXPECT_EQ(b.trade.net_pnl, Decimal::Parse("18.5"));
  EXPECT_EQ(b.trade.gross_pnl, Decimal::Parse("20"));  // net + fees
  EXPECT_EQ(b.trade.fees, Decimal::Parse("1.5"));
  EXPECT_TRUE(b.has_excursions);
  EXPECT_EQ(b.trade.mfe, Decimal::Parse("12"));
  EXPECT_EQ(b.trade.outcome, "win");
  EXPECT_DOUBLE_EQ(b.trade.pnl_percent, 18.5 / 200 * 100);
  EXPECT_DOUBLE_EQ(*b.trade.r_multiple, 1.85);  // net / risk
  EXPECT_DOUBLE_EQ(*b.trade.mae_r, 0.6);        // 3 x 2 / 10
  EXPECT_DOUBLE_EQ(*b.trade.mfe_r, 2.4);
  EXPECT_EQ(b.trade.strategy, "s1");
  EXPECT_EQ(b.trade.exit_reason, "target");
  EXPECT_EQ(b.trade.regime, "trend");
  EXPECT_DOUBLE_EQ(*b.trade.atr, 2.5);
}

TEST_F(TradeList, SynonymsUnixTimesAndPnlFromPrices) {
  // No P&L column: (exit - entry) x quantity, negated for a short, minus fees.
  // Times in Unix seconds, milliseconds and microseconds.
  const std::string f = File(
      "Pair,Direction,Open Timestamp,Close Timestamp,Amount,Open Rate,Close Rate,Commission\n"
      "X,long,1704067200,1704070800000,0.5,100,110,0.25\n"
      "Y,short,1704067200000000,1704153600,2,100,110,0\n");
  const auto trades = ReadTradeList(f);
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].trade.entry_time, Timestamp::Parse("2024-01-01T00:00:00Z"));
  EXPECT_EQ(trades[0].trade.exit_time, Timestamp::Parse("2024-01-01T01:00:00Z"));
  EXPECT_EQ(trades[0].trade.gross_pnl, Decimal::Parse("5"));
  EXPECT_EQ(trades[0].trade.net_pnl, Decimal::Parse("4.75"));
  EXPECT_FALSE(trades[0].has_excursions);
  EXPECT_EQ(trades[1].trade.side, Side::kSell);
  EXPECT_EQ(trades[1].trade.entry_time, Timestamp::Parse("2024-01-01T00:00:00Z"));
  EXPECT_EQ(trades[1].trade.net_pnl, Decimal::Parse("-20"));
}

TEST_F(TradeList, FloatReprMoneyIsRoundedToEighteenPlaces) {
  const std::string f = File(
      "entry_time,exit_time,profit_abs\n"
      "2024-01-01 00:00:00+01:00,2024-01-01 02:00:00+01:00,1.2345678901234567e-05\n");
  const auto trades = ReadTradeList(f);
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].trade.net_pnl, Decimal::Parse("0.000012345678901235"));
  EXPECT_EQ(trades[0].trade.entry_time, Timestamp::Parse("2023-12-31T23:00:00Z"));
}

TEST_F(TradeList, LongMoneyIsRoundedFromItsExactDigitsAndTimesMayBeNanoseconds) {
  // 29 significant digits: through a double the net P&L would read
  // 12345678901.1234569549560546875, rounded 12345678901.123456954956054688.
  const std::string f = File(
      "entry_time,exit_time,net_pnl\n"
      "1704067200000000000,1704070800000000000,12345678901.1234567890123456785\n");
  const auto trades = ReadTradeList(f);
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].trade.net_pnl, Decimal::Parse("12345678901.123456789012345678"));
  EXPECT_EQ(trades[0].trade.entry_time, Timestamp::Parse("2024-01-01T00:00:00Z"));
  EXPECT_EQ(trades[0].trade.exit_time, Timestamp::Parse("2024-01-01T01:00:00Z"));
}

TEST_F(TradeList, RefusesBadRowsNamingFileLineFieldAndValue) {
  const struct {
    const char* text;
    const char* expected;
  } cases[] = {
      {"entry_time,exit_time,net_pnl\n2024-01-01,2024-01-02,abc\n",
       ":2: field 'net_pnl' value 'abc': not a number"},
      {"entry_time,exit_time,net_pnl\n2024-01-01,yesterday,1\n",
       ":2: field 'exit_time' value 'yesterday': not a time"},
      {"entry_time,exit_time,net_pnl\n2024-01-03,2024-01-02,1\n",
       ":2: field 'exit_time' value '2024-01-02T00:00:00Z': before the entry time"},
      {"entry_time,exit_time,net_pnl\n,2024-01-02,1\n", ":2: field 'entry_time' value '': missing"},
      {"entry_time,exit_time,net_pnl,side\n2024-01-01,2024-01-02,1,up\n",
       ":2: field 'side' value 'up': not a side"},
      {"entry_time,exit_time,net_pnl,is_short\n2024-01-01,2024-01-02,1,maybe\n",
       ":2: field 'is_short' value 'maybe': not a boolean"},
      {"entry_time,exit_time,net_pnl,quantity\n2024-01-01,2024-01-02,1,-3\n",
       ":2: field 'quantity' value '-3': must be > 0"},
      {"entry_time,exit_time,net_pnl,mae\n2024-01-01,2024-01-02,1,2\n",
       ":2: missing mfe (MAE and MFE are given together"},
      {"entry_time,exit_time,net_pnl,mae,mfe\n2024-01-01,2024-01-02,1,-2,1\n",
       ":2: field 'mae' value '-2': must be >= 0"},
      {"entry_time,exit_time,net_pnl,gross_pnl,fees\n2024-01-01,2024-01-02,1,3,1\n",
       ":2: field 'net_pnl' value '1': differs from gross_pnl 3 minus fees 1"},
      {"entry_time,exit_time,entry_price,exit_price\n2024-01-01,2024-01-02,1,2\n",
       ":1: no P&L columns"},
      {"entry_time,exit_price,net_pnl\n2024-01-01,2,1\n", ":1: no exit_time column"},
      {"entry_time,exit_time,net_pnl\n", ":2: no trades"},
      {"", ":1: empty file"},
      {"entry_time,exit_time,quantity,entry_price,exit_price\n2024-01-01,2024-01-02,1,2,\n",
       ":2: no P&L: the trade needs"},
      {"entry_time,exit_time,net_pnl,strategy\n2024-01-01,2024-01-02,1,a\xff\n",
       ":2: field 'strategy' value '(invalid text)'"},
  };
  for (const auto& c : cases) {
    const std::string f = File(c.text);
    const std::string message = ErrorOf([&] { ReadTradeList(f); });
    EXPECT_NE(message.find(f + c.expected), std::string::npos)
        << "file:\n"
        << c.text << "\nmessage: " << message << "\nexpected: " << c.expected;
  }
  ErrorOf([&] { ReadTradeList((dir_ / "none.csv").string()); }, ErrorKind::kNotFound);
}

TEST_F(TradeList, EquityCurveFromEquityOrReturns) {
  auto curve = ReadEquityCurve(File("Date,NAV\n2024-01-01,100\n2024-01-02,110.5\n"));
  ASSERT_EQ(curve.size(), 2u);
  EXPECT_EQ(curve[1].first, Timestamp::Parse("2024-01-02"));
  EXPECT_DOUBLE_EQ(curve[1].second, 110.5);
  // Returns compound from 1.0, with a base point one interval earlier.
  curve = ReadEquityCurve(File("date,returns\n2024-01-02,0.1\n2024-01-03,-0.5\n"));
  ASSERT_EQ(curve.size(), 3u);
  EXPECT_EQ(curve[0].first, Timestamp::Parse("2024-01-01"));
  EXPECT_DOUBLE_EQ(curve[0].second, 1.0);
  EXPECT_DOUBLE_EQ(curve[1].second, 1.1);
  EXPECT_DOUBLE_EQ(curve[2].second, 0.55);
}

TEST_F(TradeList, EquityCurveRefusals) {
  const struct {
    const char* text;
    const char* expected;
  } cases[] = {
      {"date,equity\n2024-01-02,1\n2024-01-02,2\n",
       ":3: field 'date' value '2024-01-02': times must be strictly increasing"},
      {"date,equity\n2024-01-01,1\n2024-01-02,0\n", ":3: field 'equity' value '0': must be > 0"},
      {"date,equity\n2024-01-01,1\n2024-01-02,nan\n",
       ":3: field 'equity' value 'nan': not a finite number"},
      {"date,return\n2024-01-01,0.1\n2024-01-02,-1\n",
       ":3: field 'return' value '-1': a return must be > -1"},
      {"date,equity\n2024-01-01,1\n", ":3: an equity curve needs at least two rows"},
      {"day,equity\n2024-01-01,1\n", ":1: no time column"},
      {"date,price\n2024-01-01,1\n", ":1: no equity column"},
  };
  for (const auto& c : cases) {
    const std::string f = File(c.text);
    const std::string message = ErrorOf([&] { ReadEquityCurve(f); });
    EXPECT_NE(message.find(f + c.expected), std::string::npos)
        << "file:\n"
        << c.text << "\nmessage: " << message << "\nexpected: " << c.expected;
  }
}

}  // namespace
}  // namespace tradestore
