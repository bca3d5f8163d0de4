// Resampling against the real multi-timeframe files shipped by the venues
// (examples/data, described in shared/data/README.md) and small hand-made
// series for the edge cases.
#include "tradestore/resample.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "market/market_test_util.h"
#include "tradestore/error.h"

namespace tradestore {
namespace {

using testing::LoadCandles;
using testing::Utc;

Candle Bar(Timestamp t, double o, double h, double l, double c, double v, std::int64_t n = 1) {
  Candle k;
  k.open_time = t;
  k.open = o;
  k.high = h;
  k.low = l;
  k.close = c;
  k.volume = v;
  k.trades = n;
  return k;
}

// Kraken's official OHLCVT export: 1m resampled to every coarser file
// reproduces it row for row. Prices are exact (min/max/first/last of parsed
// values, nothing computed); volume is a sum of doubles, so it is compared
// within 1e-6 (the files print at most 8 decimals); trade counts are exact.
struct KrakenCase {
  const char* file;
  Timeframe tf;
  std::size_t rows;
};

class KrakenOracleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    minutes_ =
        new std::vector<Candle>(LoadCandles("ohlcv/kraken/BTC_USDC/XBTUSDC_1.csv", Timeframe::k1m));
  }
  static void TearDownTestSuite() {
    delete minutes_;
    minutes_ = nullptr;
  }
  static std::vector<Candle>* minutes_;
};
std::vector<Candle>* KrakenOracleTest::minutes_ = nullptr;

TEST_F(KrakenOracleTest, OneMinuteReproducesEveryShippedTimeframe) {
  ASSERT_EQ(minutes_->size(), 56717u);
  const KrakenCase cases[] = {{"XBTUSDC_5.csv", Timeframe::k5m, 22893},
                              {"XBTUSDC_15.csv", Timeframe::k15m, 8569},
                              {"XBTUSDC_60.csv", Timeframe::k1h, 0},
                              {"XBTUSDC_720.csv", Timeframe::k12h, 0},
                              {"XBTUSDC_1440.csv", Timeframe::k1d, 90}};
  for (const KrakenCase& k : cases) {
    SCOPED_TRACE(k.file);
    const std::vector<Candle> want =
        LoadCandles(std::string("ohlcv/kraken/BTC_USDC/") + k.file, k.tf);
    if (k.rows != 0) {
      EXPECT_EQ(want.size(), k.rows);
    }
    ResampleOptions o;
    o.from = Timeframe::k1m;
    o.to = k.tf;
    const std::vector<ResampledCandle> got = Resample(*minutes_, o);
    ASSERT_EQ(got.size(), want.size());
    int mismatches = 0;
    for (std::size_t i = 0; i < want.size() && mismatches < 5; ++i) {
      const Candle& g = got[i].candle;
      const Candle& w = want[i];
      const bool same = g.open_time == w.open_time && g.open == w.open && g.high == w.high &&
                        g.low == w.low && g.close == w.close &&
                        std::fabs(g.volume - w.volume) <= 1e-6 && g.trades == w.trades;
      if (!same) {
        ++mismatches;
        ADD_FAILURE() << "row " << i << " at " << w.open_time.ToIso() << ": got " << g.open << " "
                      << g.high << " " << g.low << " " << g.close << " " << g.volume << " "
                      << g.trades << ", want " << w.open << " " << w.high << " " << w.low << " "
                      << w.close << " " << w.volume << " " << w.trades;
      }
      // The export starts at 00:00 and ends at 23:59 of a quarter: every
      // bucket, first and last included, is whole.
      EXPECT_TRUE(got[i].complete) << w.open_time.ToIso();
      EXPECT_EQ(got[i].expected_count, Duration(k.tf) / Duration(Timeframe::k1m));
    }
  }
}

// freqtrade's Binance XRP/ETH 1m file carries zero-volume filler bars whose
// open is the previous close. Counted as real bars they change 183 of the
// venue's 5m buckets; skipped, the result is exactly the venue's non-empty
// 5m candles.
TEST(ResampleFillerBars, XrpEthFillerCaveat) {
  const auto m1 = LoadCandles("ohlcv/freqtrade/1m/XRP_ETH-1m.json", Timeframe::k1m);
  const auto m5 = LoadCandles("ohlcv/freqtrade/5m/XRP_ETH-5m.json", Timeframe::k5m);
  ASSERT_EQ(m1.size(), 2469u + 1091u);
  ASSERT_EQ(m5.size(), 706u + 6u);
  const auto same = [](const Candle& a, const Candle& b) {
    return a.open_time == b.open_time && a.open == b.open && a.high == b.high && a.low == b.low &&
           a.close == b.close && std::fabs(a.volume - b.volume) <= 1e-6;
  };

  ResampleOptions o;
  o.from = Timeframe::k1m;
  o.to = Timeframe::k5m;
  const auto with_fillers = Resample(m1, o);
  ASSERT_EQ(with_fillers.size(), m5.size());
  int mismatched = 0;
  for (std::size_t i = 0; i < m5.size(); ++i) {
    ASSERT_EQ(with_fillers[i].candle.open_time, m5[i].open_time);
    if (!same(with_fillers[i].candle, m5[i])) ++mismatched;
  }
  EXPECT_EQ(mismatched, 183);

  o.skip_zero_volume = true;
  const auto skipped = Resample(m1, o);
  std::vector<Candle> non_empty;
  for (const Candle& c : m5) {
    if (c.volume > 0) non_empty.push_back(c);
  }
  ASSERT_EQ(non_empty.size(), 706u);
  ASSERT_EQ(skipped.size(), non_empty.size());
  for (std::size_t i = 0; i < non_empty.size(); ++i) {
    EXPECT_TRUE(same(skipped[i].candle, non_empty[i])) << non_empty[i].open_time.ToIso();
  }
}

TEST(Resample, AggregatesAndFlagsPartialFirstAndLastBuckets) {
  const Timestamp t0 = Utc(2024, 1, 1, 10, 0);
  const Micros m = Duration(Timeframe::k1m);
  std::vector<Candle> in = {
      Bar(Timestamp(t0.micros() + 3 * m), 10, 12, 9, 11, 1, 2),  // 10:03: first bucket partial
      Bar(Timestamp(t0.micros() + 4 * m), 11, 13, 10, 12, 2, 3),
      Bar(Timestamp(t0.micros() + 5 * m), 12, 14, 11, 13, 3, 4),  // 10:05 bucket, gappy
      Bar(Timestamp(t0.micros() + 8 * m), 13, 15, 8, 9, 4, -1),
      Bar(Timestamp(t0.micros() + 10 * m), 9, 9, 7, 8, 5, 1),  // 10:10: last, partial
  };
  ResampleOptions o;
  o.from = Timeframe::k1m;
  o.to = Timeframe::k5m;
  auto out = Resample(in, o);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].candle.open_time, t0);
  EXPECT_FALSE(out[0].complete);
  EXPECT_EQ(out[0].source_count, 2);
  EXPECT_EQ(out[0].candle.open, 10);
  EXPECT_EQ(out[0].candle.high, 13);
  EXPECT_EQ(out[0].candle.low, 9);
  EXPECT_EQ(out[0].candle.close, 12);
  EXPECT_EQ(out[0].candle.volume, 3);
  EXPECT_EQ(out[0].candle.trades, 5);
  // Middle bucket: gappy (2 of 5 minutes) but complete; one unknown trade
  // count makes the sum unknown.
  EXPECT_TRUE(out[1].complete);
  EXPECT_EQ(out[1].source_count, 2);
  EXPECT_EQ(out[1].expected_count, 5);
  EXPECT_EQ(out[1].candle.low, 8);
  EXPECT_EQ(out[1].candle.close, 9);
  EXPECT_EQ(out[1].candle.trades, -1);
  EXPECT_FALSE(out[2].complete);

  // The caller knows the source runs to 10:15: the last bucket is whole.
  out = Resample(in, o, Timestamp(t0.micros() + 15 * m));
  EXPECT_TRUE(out[2].complete);

  // Incomplete buckets can be left out.
  o.emit_incomplete = false;
  out = Resample(in, o);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].candle.open_time, Timestamp(t0.micros() + 5 * m));

  // A last bucket whose final minute is present is whole.
  in.push_back(Bar(Timestamp(t0.micros() + 14 * m), 8, 8, 8, 8, 1, 1));
  o.emit_incomplete = true;
  out = Resample(in, o);
  EXPECT_TRUE(out.back().complete);
}

TEST(Resample, WeeksStartOnMonday) {
  // 2024-01-01 was a Monday. Daily bars Wed 2024-01-03 .. Tue 2024-01-16.
  std::vector<Candle> in;
  for (int d = 3; d <= 16; ++d) {
    in.push_back(Bar(Utc(2024, 1, static_cast<unsigned>(d)), d, d + 1, d - 1, d, 1));
  }
  ResampleOptions o;
  o.from = Timeframe::k1d;
  o.to = Timeframe::k1w;
  const auto out = Resample(in, o);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].candle.open_time, Utc(2024, 1, 1));
  EXPECT_FALSE(out[0].complete);  // starts on Wednesday
  EXPECT_EQ(out[0].source_count, 5);
  EXPECT_EQ(out[0].candle.open, 3);
  EXPECT_EQ(out[0].candle.close, 7);
  EXPECT_EQ(out[1].candle.open_time, Utc(2024, 1, 8));
  EXPECT_TRUE(out[1].complete);
  EXPECT_EQ(out[1].source_count, 7);
  EXPECT_EQ(out[1].expected_count, 7);
  EXPECT_EQ(out[1].candle.open, 8);
  EXPECT_EQ(out[1].candle.high, 15);
  EXPECT_EQ(out[1].candle.low, 7);
  EXPECT_EQ(out[1].candle.close, 14);
  EXPECT_EQ(out[1].candle.volume, 7);
  EXPECT_EQ(out[2].candle.open_time, Utc(2024, 1, 15));
  EXPECT_FALSE(out[2].complete);  // ends on Tuesday
}

TEST(Resample, RefusesFinerEqualAndNonMultipleTargets) {
  const auto refused = [](Timeframe from, Timeframe to) {
    try {
      Resampler r({from, to}, [](const ResampledCandle&) {});
      return false;
    } catch (const Error& e) {
      return e.kind() == ErrorKind::kInvalidArgument;
    }
  };
  EXPECT_TRUE(refused(Timeframe::k5m, Timeframe::k1m));  // finer
  EXPECT_TRUE(refused(Timeframe::k1h, Timeframe::k1h));  // same
  EXPECT_TRUE(refused(Timeframe::k3m, Timeframe::k5m));  // 5 / 3
  EXPECT_TRUE(refused(Timeframe::k4h, Timeframe::k6h));  // 6 / 4
  EXPECT_TRUE(refused(Timeframe::k1w, Timeframe::k1d));
  EXPECT_FALSE(refused(Timeframe::k3m, Timeframe::k1h));
  EXPECT_FALSE(refused(Timeframe::k1d, Timeframe::k1w));
  EXPECT_FALSE(refused(Timeframe::k1m, Timeframe::k1w));
}

TEST(Resample, RefusesUnorderedOrUnalignedInput) {
  ResampleOptions o;
  o.from = Timeframe::k1m;
  o.to = Timeframe::k5m;
  Resampler r(o, [](const ResampledCandle&) {});
  const Timestamp t = Utc(2024, 1, 1, 10, 0);
  r.Add(Bar(t, 1, 1, 1, 1, 1));
  EXPECT_THROW(r.Add(Bar(t, 1, 1, 1, 1, 1)), Error);  // repeated
  EXPECT_THROW(r.Add(Bar(Timestamp(t.micros() + 30'000'000), 1, 1, 1, 1, 1)), Error);
  r.Add(Bar(Timestamp(t.micros() + Duration(Timeframe::k1m)), 1, 1, 1, 1, 1));
  EXPECT_EQ(r.candles_in(), 2);
}

TEST(Resample, SkipsZeroVolumeBarsWhenAsked) {
  const Timestamp t = Utc(2024, 1, 1, 10, 0);
  const Micros m = Duration(Timeframe::k1m);
  const std::vector<Candle> in = {
      Bar(t, 5, 5, 5, 5, 0, 0),  // filler at the previous close
      Bar(Timestamp(t.micros() + m), 7, 8, 6, 7, 2, 1),
      Bar(Timestamp(t.micros() + 5 * m), 7, 7, 7, 7, 0, 0),  // a bucket of fillers only
  };
  ResampleOptions o;
  o.from = Timeframe::k1m;
  o.to = Timeframe::k5m;
  auto out = Resample(in, o);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].candle.open, 5);
  EXPECT_EQ(out[0].candle.low, 5);
  o.skip_zero_volume = true;
  out = Resample(in, o);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].candle.open, 7);
  EXPECT_EQ(out[0].candle.low, 6);
  EXPECT_EQ(out[0].source_count, 1);
  EXPECT_TRUE(out[0].complete);  // the filler at 10:00 shows the source starts there
}

}  // namespace
}  // namespace tradestore
