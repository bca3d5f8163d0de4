// Candle series for the compressed-candle tests (tests/store and tests/ops):
// 1m candles with awkward doubles and unknown trade counts, and a
// bit-for-bit comparison.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "tradestore/candle.h"
#include "tradestore/instrument_repository.h"
#include "tradestore/store.h"
#include "tradestore/timestamp.h"

namespace tradestore::testing {

inline constexpr std::int64_t kSeriesMinute = 60'000'000;
inline const Timestamp kSeriesStart = Timestamp::FromCivil(2024, 1, 1);

// Minute `minute` after 2024-01-01T00:00Z.
inline Timestamp At(std::int64_t minute) {
  return Timestamp(kSeriesStart.micros() + minute * kSeriesMinute);
}

// `n` 1m candles from minute `first`, skipping the minutes in `holes`;
// awkward doubles (0.1 + 0.2, tiny volumes) and unknown trade counts among
// them.
inline std::vector<Candle> Series(std::int64_t first, std::int64_t n,
                                  const std::vector<std::int64_t>& holes = {}) {
  std::vector<Candle> out;
  for (std::int64_t m = first; m < first + n; ++m) {
    if (std::find(holes.begin(), holes.end(), m) != holes.end()) continue;
    Candle c;
    c.open_time = At(m);
    c.open = 40000 + static_cast<double>(m % 97) * 0.01;
    c.close = c.open + 0.25;
    c.high = c.close + 1.5;
    c.low = c.open - 0.75;
    c.volume = static_cast<double>(m % 13) * 0.00001 + (m % 5 == 0 ? 0.1 + 0.2 : 0);
    c.trades = m % 7 == 0 ? -1 : m % 50;
    out.push_back(c);
  }
  return out;
}

// `n` candles every `minutes` minutes from minute 0 (a coarser timeframe's
// series), with Series' values.
inline std::vector<Candle> Spaced(std::int64_t n, std::int64_t minutes) {
  std::vector<Candle> out = Series(0, n);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].open_time = At(static_cast<std::int64_t>(i) * minutes);
  }
  return out;
}

// The candles of `all` opening in [from, to).
inline std::vector<Candle> Slice(const std::vector<Candle>& all, Timestamp from, Timestamp to) {
  std::vector<Candle> out;
  for (const Candle& c : all) {
    if (c.open_time >= from && c.open_time < to) out.push_back(c);
  }
  return out;
}

// The instrument the series are stored under: binance BTCUSDT, prices with 2
// decimals (created, or the existing one).
inline Instrument AddSeriesInstrument(Store& s) {
  Instrument in;
  in.venue = "binance";
  in.symbol = "BTCUSDT";
  in.base_asset = "BTC";
  in.quote_asset = "USDT";
  in.price_precision = 2;
  return s.instruments().Upsert(in);
}

// Every candle equal bit for bit.
inline void ExpectSame(const std::vector<Candle>& want, const std::vector<Candle>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(want[i].open_time, got[i].open_time);
    EXPECT_EQ(std::bit_cast<std::uint64_t>(want[i].open),
              std::bit_cast<std::uint64_t>(got[i].open));
    EXPECT_EQ(std::bit_cast<std::uint64_t>(want[i].high),
              std::bit_cast<std::uint64_t>(got[i].high));
    EXPECT_EQ(std::bit_cast<std::uint64_t>(want[i].low), std::bit_cast<std::uint64_t>(got[i].low));
    EXPECT_EQ(std::bit_cast<std::uint64_t>(want[i].close),
              std::bit_cast<std::uint64_t>(got[i].close));
    EXPECT_EQ(std::bit_cast<std::uint64_t>(want[i].volume),
              std::bit_cast<std::uint64_t>(got[i].volume));
    EXPECT_EQ(want[i].trades, got[i].trades);
  }
}

}  // namespace tradestore::testing
