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

// Lean's AlgoSeek IBM trade ticks of 2013-10-07: detected from the file name
// and the first field, deci-cents because the file sits under equity/.
TEST(TradeReader, LeanEquityTickFileIsDetectedAndScaled) {
  const std::string path = DataPath("trades/lean/equity/usa/tick/ibm/20131007_ibm_Trade_Tick.csv");
  io::TradeFileReader r(path);
  EXPECT_EQ(r.layout_name(), "lean-tick");
  EXPECT_EQ(r.price_divisor(), 10000);
  TradeTick t;
  ASSERT_TRUE(r.Next(t));
  // 14430270 ms after midnight: 04:00:30.270 on the file's clock.
  EXPECT_EQ(t.time, Timestamp::FromCivil(2013, 10, 7, 4, 0, 30) + 270'000);
  EXPECT_DOUBLE_EQ(t.price, 181.52);
  EXPECT_EQ(t.quantity, 283);
  TradeTick last = t;
  while (r.Next(t)) last = t;
  EXPECT_EQ(r.rows_read(), 24293);  // README: 24,293 trades, none flagged suspicious
  EXPECT_EQ(r.rows_skipped(), 0);
  // The last line (no final newline): 69967550,1819900,200,...
  EXPECT_EQ(last.time, Timestamp::FromCivil(2013, 10, 7, 19, 26, 7) + 550'000);
  EXPECT_DOUBLE_EQ(last.price, 181.99);
}

TEST(TradeReader, LeanTickRefusalsAndTheImplausibleTimesOfAMisreadFile) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "tradestore-lean-tick-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto write = [&dir](const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return (dir / name).string();
  };
  const auto error_of = [](const std::string& path, io::TradeFileOptions o = {}) {
    try {
      io::TradeFileReader r(path, o);
      TradeTick t;
      while (r.Next(t)) {
      }
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
      return std::string(e.what());
    }
    ADD_FAILURE() << "no error reading " << path;
    return std::string();
  };
  const std::string quote =
      write("20131007_ibm_Quote_Tick.csv",
            "14400054,0,0,1836300,100,Q,1,0\n14400241,1800100,300,0,0,P,1,0\n");
  EXPECT_EQ(error_of(quote), quote +
                                 ": a Lean quote tick file (bid/ask quotes, not trades): "
                                 "candles are built from trade ticks (the *_Trade_Tick.csv "
                                 "file)");
  // Renamed without its date, the same ticks detect as unix seconds of 1970:
  // refused with the time it read and the layout to name.
  const std::string renamed = write("ibm_trades.csv", "14430270,1815200,283,P,20002020,0\n");
  const std::string msg = error_of(renamed);
  EXPECT_EQ(msg, renamed +
                     ":1: field 'time' value '14430270': reads as 1970-06-17T00:24:30Z under "
                     "the detected layout 'unix-price-amount', which is implausible (before "
                     "1990); name the layout with --format if the file is right (layouts: "
                     "freqtrade-json, unix-price-amount, lean-tick, trades-header); Lean tick "
                     "files count milliseconds since midnight: --format lean-tick");
  io::TradeFileOptions o;
  o.format = "lean-tick";
  EXPECT_NE(error_of(renamed, o).find("needs base_date (--base-date)"), std::string::npos);
  o.base_date = Timestamp::FromCivil(2013, 10, 7);
  o.price_divisor = 10000;
  {
    io::TradeFileReader r(renamed, o);
    TradeTick t;
    ASSERT_TRUE(r.Next(t));
    EXPECT_EQ(t.time, Timestamp::FromCivil(2013, 10, 7, 4, 0, 30) + 270'000);
    EXPECT_DOUBLE_EQ(t.price, 181.52);
  }
  o.base_date = Timestamp::FromCivil(2013, 10, 7, 1);
  EXPECT_NE(error_of(renamed, o).find("is not a UTC midnight"), std::string::npos);
  // Suspicious rows are skipped and counted; a wrong field count is an error.
  const std::string flagged =
      write("20131007_x_Trade_Tick.csv", "1000,1815200,1,P,0,1\n2000,1815300,2,P,0,0\n");
  {
    io::TradeFileReader r(flagged);
    TradeTick t;
    ASSERT_TRUE(r.Next(t));
    EXPECT_EQ(t.quantity, 2);
    EXPECT_EQ(t.price, 1815300);  // not under equity/: units unless told
    EXPECT_FALSE(r.Next(t));
    EXPECT_EQ(r.rows_skipped(), 1);
  }
  const std::string four = write("20131007_y.csv", "1000,5,1,P\n");
  EXPECT_EQ(error_of(four), four +
                                ":1: field 'columns' value '4': expected 3 or 6 (a Lean trade "
                                "tick file: time,price,quantity[,exchange,condition,"
                                "suspicious]; quote files have 5 or 8)");
  const std::string late = write("20131007_z.csv", "86400000,5,1\n");
  io::TradeFileOptions lean;
  lean.format = "lean-tick";
  EXPECT_EQ(error_of(late, lean), late +
                                      ":1: field 'time' value '86400000': not milliseconds "
                                      "since midnight (0 to 86399999)");
  o = {};
  o.base_date = Timestamp::FromCivil(2013, 10, 7);
  EXPECT_EQ(error_of(DataPath("trades/freqtrade/kraken_trades_csv/BCHEUR.csv"), o),
            DataPath("trades/freqtrade/kraken_trades_csv/BCHEUR.csv") +
                ": base_date is only for the lean-tick layout, not 'unix-price-amount'");
  o = {};
  o.price_divisor = -1;
  EXPECT_EQ(error_of(flagged, o), flagged + ": price_divisor must be a finite number > 0");
  fs::remove_all(dir);
}

TEST(TradeReader, LeanTickZipReadsLikeItsCsv) {
  const auto from_zip = LoadTrades(DataPath("trades/lean/equity/usa/tick/ibm/20131007_trade.zip"));
  const auto from_csv =
      LoadTrades(DataPath("trades/lean/equity/usa/tick/ibm/20131007_ibm_Trade_Tick.csv"));
  ASSERT_EQ(from_zip.size(), 24293u);
  ASSERT_EQ(from_zip.size(), from_csv.size());
  for (std::size_t i = 0; i < from_zip.size(); ++i) {
    ASSERT_EQ(from_zip[i].time, from_csv[i].time) << i;
    ASSERT_EQ(from_zip[i].price, from_csv[i].price) << i;
    ASSERT_EQ(from_zip[i].quantity, from_csv[i].quantity) << i;
  }
}

// Exchange exports with a header: any column order, an id and other columns
// ignored, ISO or epoch times; --columns names the columns of any headed CSV.
TEST(TradeReader, HeadedTradeExportsAndNamedColumns) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "tradestore-headed-trades-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto write = [&dir](const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary) << text;
    return (dir / name).string();
  };
  const auto read = [](const std::string& path, io::TradeFileOptions o = {}) {
    io::TradeFileReader r(path, o);
    EXPECT_EQ(r.layout_name(), "trades-header");
    std::vector<TradeTick> out;
    TradeTick t;
    while (r.Next(t)) out.push_back(t);
    return out;
  };
  // Coinbase-style: trade_id,side,size,price,time (ISO with a fraction).
  const std::string coinbase = write("coinbase.csv",
                                     "trade_id,side,size,price,time\n"
                                     "74,buy,0.01,27110.5,2023-03-01T00:00:01.250Z\n"
                                     "75,sell,0.5,27109,2023-03-01T00:00:59Z\n");
  auto t = read(coinbase);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].time, Timestamp::FromCivil(2023, 3, 1, 0, 0, 1) + 250'000);
  EXPECT_EQ(t[0].price, 27110.5);
  EXPECT_EQ(t[0].quantity, 0.01);
  EXPECT_EQ(t[1].quantity, 0.5);
  // Binance-style names, epoch milliseconds, quoted fields, CRLF.
  const std::string binance =
      write("binance.csv",
            "\"id\",\"price\",\"qty\",\"quoteQty\",\"time\",\"isBuyerMaker\"\r\n"
            "\"1\",\"0.0016\",\"12\",\"0.0192\",\"1570795200123\",\"true\"\r\n");
  t = read(binance);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].time, Timestamp::FromMillis(1570795200123));
  EXPECT_EQ(t[0].quantity, 12);
  // Unusual names: detection finds no time column; --columns names them.
  const std::string odd = write("odd.csv", "n,when,price,filled\n1,1677628800.5,10,2\n");
  try {
    read(odd);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              odd +
                  ":1: field 'columns' value 'n,when,price,filled': no time column; name it "
                  "with --columns time=NAME");
  }
  io::TradeFileOptions o;
  o.time_column = "When";
  o.amount_column = "filled";
  t = read(odd, o);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].time, Timestamp::FromSeconds(1677628800) + 500'000);
  EXPECT_EQ(t[0].quantity, 2);
  o.amount_column = "size";
  try {
    read(odd, o);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no amount column named 'size'"), std::string::npos)
        << e.what();
  }
  // A bad time and a short row name their line and field.
  const std::string bad =
      write("bad.csv", "time,price,amount\n2023-03-01T00:00:00Z,1,1\nyesterday,1,1\n");
  try {
    read(bad);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              bad +
                  ":3: field 'time' value 'yesterday': not a time (ISO 8601 or unix "
                  "seconds/milliseconds)");
  }
  const std::string short_row = write("short.csv", "id,time,price,amount\n1,1677628800,5\n");
  try {
    read(short_row);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), short_row +
                                         ":2: field 'columns' value '3': expected at "
                                         "least 4 (the header's columns)");
  }
  o = {};
  o.format = "unix-price-amount";
  o.time_column = "time";
  EXPECT_THROW(io::TradeFileReader(coinbase, o), Error);
  fs::remove_all(dir);
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
