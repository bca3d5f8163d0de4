// Helpers for the market tests: paths of the sample data and file loading
// through the io readers.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "io/candle_reader.h"
#include "io/trade_reader.h"
#include "tradestore/candle.h"
#include "tradestore/trade_candles.h"

namespace tradestore::testing {

inline std::string DataPath(const std::string& relative) {
  return std::string(TRADESTORE_SOURCE_DIR) + "/examples/data/" + relative;
}

inline std::vector<Candle> LoadCandles(const std::string& relative, Timeframe tf) {
  io::CandleFileOptions options;
  options.timeframe = tf;
  io::CandleFileReader reader(DataPath(relative), options);
  std::vector<Candle> out;
  io::CandleRow row;
  while (reader.Next(row)) out.push_back(row.candle);
  return out;
}

inline std::vector<TradeTick> LoadTrades(const std::string& path) {
  io::TradeFileReader reader(path);
  std::vector<TradeTick> out;
  TradeTick t;
  while (reader.Next(t)) out.push_back(t);
  return out;
}

// A UTC civil time, computed with <chrono> (independent of the library).
inline Timestamp Utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
  using namespace std::chrono;
  const sys_days days{year{y} / month{mo} / day{d}};
  return Timestamp(
      (duration_cast<microseconds>(days.time_since_epoch()) + hours{h} + minutes{mi}).count());
}

}  // namespace tradestore::testing
