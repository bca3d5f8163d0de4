// Candles from trades: freqtrade's Binance XRP/ETH trades against the
// venue's own 1m and 5m candles (shared/data/README.md: exactly the
// non-zero-volume candles, 2,469 at 1m and 706 at 5m), and the trade readers.
#include "tradestore/trade_candles.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "io/trade_reader.h"
#include "market/market_test_util.h"
#include "tradestore/error.h"

namespace tradestore {
namespace {

using testing::DataPath;
using testing::LoadCandles;
using testing::LoadTrades;

TEST(TradeCandles, FreqtradeXrpEthTradesGiveTheVenuesNonEmptyCandles) {
  const auto trades = LoadTrades(DataPath("trades/freqtrade/XRP_ETH-trades.json"));
  ASSERT_EQ(trades.size(), 12477u);
  struct Case {
    const char* file;
    Timeframe tf;
    std::size_t non_empty;
  };
  for (const Case& k : {Case{"ohlcv/freqtrade/1m/XRP_ETH-1m.json", Timeframe::k1m, 2469},
                        Case{"ohlcv/freqtrade/5m/XRP_ETH-5m.json", Timeframe::k5m, 706}}) {
    SCOPED_TRACE(k.file);
    std::vector<Candle> want;
    for (const Candle& c : LoadCandles(k.file, k.tf)) {
      if (c.volume > 0) want.push_back(c);
    }
    ASSERT_EQ(want.size(), k.non_empty);
    const auto got = CandlesFromTrades(trades, k.tf);
    ASSERT_EQ(got.size(), want.size());
    std::int64_t trade_sum = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      SCOPED_TRACE(want[i].open_time.ToIso());
      EXPECT_EQ(got[i].open_time, want[i].open_time);
      EXPECT_EQ(got[i].open, want[i].open);
      EXPECT_EQ(got[i].high, want[i].high);
      EXPECT_EQ(got[i].low, want[i].low);
      EXPECT_EQ(got[i].close, want[i].close);
      EXPECT_NEAR(got[i].volume, want[i].volume, 1e-6);
      trade_sum += got[i].trades;
    }
    EXPECT_EQ(trade_sum, 12477);
  }
}

TEST(TradeReader, KrakenTradesCsvKeepsDuplicates) {
  io::TradeFileReader r(DataPath("trades/freqtrade/kraken_trades_csv/BCHEUR.csv"));
  EXPECT_EQ(r.layout_name(), "unix-price-amount");
  TradeTick t;
  ASSERT_TRUE(r.Next(t));
  EXPECT_EQ(t.time, Timestamp::FromSeconds(1672531436));
  EXPECT_EQ(t.price, 90.54);
  EXPECT_EQ(t.quantity, 1.1044842);
  while (r.Next(t)) {
  }
  EXPECT_EQ(r.rows_read(), 148);
}

TEST(TradeReader, BitcoinchartsLayoutZeroAmountAndErrors) {
  const auto path = std::filesystem::temp_directory_path() / "tradestore-trades-test.csv";
  {
    std::ofstream f(path);
    f << "1337532042,5.08,0.39840637\n1337532042,5.08,0.39840637\n"
         "1337596081,5.080000000000,0.000000000000\n1337596090,5.1,1\n";
  }
  auto trades = LoadTrades(path.string());
  ASSERT_EQ(trades.size(), 4u);
  const auto candles = CandlesFromTrades(trades, Timeframe::k1d);
  ASSERT_EQ(candles.size(), 2u);
  EXPECT_EQ(candles[0].trades, 2);
  EXPECT_EQ(candles[1].trades, 2);  // the zero-amount print counts
  EXPECT_EQ(candles[1].volume, 1);
  EXPECT_EQ(candles[1].close, 5.1);
  {
    std::ofstream f(path);
    f << "1337532042,5.08,1\n1337532041,5.08,1\n";
  }
  try {
    LoadTrades(path.string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find(":2: field 'time' value '1337532041'"), std::string::npos)
        << e.what();
  }
  {
    std::ofstream f(path);
    f << "1337532042,-5.08,1\n";
  }
  EXPECT_THROW(LoadTrades(path.string()), Error);
  std::filesystem::remove(path);
}

TEST(TradeCandles, RefusesTradesOutOfOrder) {
  TradeCandleBuilder b(Timeframe::k1m, [](const Candle&) {});
  b.Add({Timestamp(120'000'000), 1, 1});
  EXPECT_THROW(b.Add({Timestamp(60'000'000), 1, 1}), Error);
  EXPECT_THROW(b.Add({Timestamp(130'000'000), 0, 1}), Error);
  b.Add({Timestamp(120'000'000), 2, 1});  // same time is fine
  EXPECT_EQ(b.trades_in(), 2);
}

}  // namespace
}  // namespace tradestore
