// Coverage and gaps of stored candle series: imports of the real gappy
// Kraken 1m file (shared/data/README.md: 56,717 of 129,600 minutes, 26,746
// gaps, 72,883 missing minutes, longest hole 2023-02-22 00:06 -> 01:34) and
// resampling inside the store.
#include "tradestore/coverage.h"

#include <gtest/gtest.h>

#include "market/market_test_util.h"
#include "store/store_test_util.h"
#include "tradestore/candle_import.h"
#include "tradestore/error.h"
#include "tradestore/resample.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using testing::DataPath;
using testing::Utc;

CandleImportSummary ImportKraken(Store& store, const char* file, Timeframe tf) {
  CandleImportOptions o;
  o.symbol = "BTCUSDC";
  o.venue = "kraken";
  o.timeframe = tf;
  return ImportCandles(store, DataPath(std::string("ohlcv/kraken/BTC_USDC/") + file), o);
}

TEST(Coverage, KrakenOneMinuteImportAndReimport) {
  Store store = Store::Open("sqlite::memory:");
  const auto s = ImportKraken(store, "XBTUSDC_1.csv", Timeframe::k1m);
  const InstrumentId id = s.instrument.id;
  for (int pass = 0; pass < 2; ++pass) {
    SCOPED_TRACE(pass == 0 ? "first import" : "re-import");
    auto rows = store.candles().Coverage(id, Timeframe::k1m);
    ASSERT_EQ(rows.size(), 1u);
    const CandleCoverage& c = rows[0];
    EXPECT_EQ(c.first, Utc(2023, 1, 1));
    EXPECT_EQ(c.last, Utc(2023, 3, 31, 23, 59));
    EXPECT_EQ(c.count, 56717);
    EXPECT_EQ(c.expected_count, 129600);
    EXPECT_EQ(c.gap_count, 26746);
    EXPECT_EQ(c.missing(), 72883);
    if (pass == 0) ImportKraken(store, "XBTUSDC_1.csv", Timeframe::k1m);
  }

  const auto gaps = store.candles().Gaps(id, Timeframe::k1m);
  ASSERT_EQ(gaps.size(), 26746u);
  std::int64_t missing = 0;
  const CandleGap* longest = &gaps[0];
  for (const CandleGap& g : gaps) {
    missing += g.missing;
    if (g.missing > longest->missing) longest = &g;
  }
  EXPECT_EQ(missing, 72883);
  EXPECT_EQ(longest->start, Utc(2023, 2, 22, 0, 7));
  EXPECT_EQ(longest->end, Utc(2023, 2, 22, 1, 34));
  EXPECT_EQ(longest->missing, 87);
  // The first gap: 00:00 present, 00:01 .. 00:08 missing.
  EXPECT_EQ(gaps[0].start, Utc(2023, 1, 1, 0, 1));
  EXPECT_EQ(gaps[0].missing, 8);
  EXPECT_EQ(store.candles().Gaps(id, Timeframe::k1m, 3).size(), 3u);

  // Resampled in the store, 5m has the gaps of Kraken's own 5m file (2,336).
  ResampleOptions o;
  o.from = Timeframe::k1m;
  o.to = Timeframe::k5m;
  const auto r = ResampleStored(store, id, o);
  EXPECT_EQ(r.source_candles, 56717);
  EXPECT_EQ(r.written, 22893);
  EXPECT_EQ(r.incomplete_written, 0);
  ASSERT_TRUE(r.coverage);
  EXPECT_EQ(r.coverage->count, 22893);
  EXPECT_EQ(r.coverage->gap_count, 2336);
  EXPECT_EQ(store.candles().Coverage(id).size(), 2u);
  EXPECT_EQ(store.candles().Coverage(std::nullopt, Timeframe::k5m).size(), 1u);

  // Importing Kraken's own 5m file over it changes nothing.
  ImportKraken(store, "XBTUSDC_5.csv", Timeframe::k5m);
  const auto c5 = store.candles().Coverage(id, Timeframe::k5m);
  ASSERT_EQ(c5.size(), 1u);
  EXPECT_EQ(c5[0].count, 22893);
  EXPECT_EQ(c5[0].gap_count, 2336);
}

TEST(Coverage, DailyWeekendsAreGapsAndEmptySeriesHasNoRow) {
  Store store = Store::Open("sqlite::memory:");
  Instrument in;
  in.symbol = "SPY";
  in = store.instruments().Upsert(in);
  // Thu 2024-01-04, Fri 01-05, Mon 01-08: the weekend is one gap of 2 days.
  std::vector<Candle> days;
  for (unsigned d : {4u, 5u, 8u}) {
    Candle c;
    c.open_time = Utc(2024, 1, d);
    c.open = c.high = c.low = c.close = 1;
    days.push_back(c);
  }
  store.candles().Upsert(in.id, Timeframe::k1d, days);
  EXPECT_FALSE(store.candles().RefreshCoverage(in.id, Timeframe::k1h));
  const auto c = store.candles().RefreshCoverage(in.id, Timeframe::k1d);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->expected_count, 5);
  EXPECT_EQ(c->gap_count, 1);
  const auto gaps = store.candles().Gaps(in.id, Timeframe::k1d);
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].start, Utc(2024, 1, 6));
  EXPECT_EQ(gaps[0].end, Utc(2024, 1, 8));
  EXPECT_EQ(gaps[0].missing, 2);
  EXPECT_THROW(store.candles().RefreshCoverage(999, Timeframe::k1d), Error);
}

// The coverage table and the gap query give the same answers on both
// backends (PostgreSQL: timestamptz open times, a window over them).
class CoverageBackendTest : public ::testing::TestWithParam<testing::Backend> {};

TEST_P(CoverageBackendTest, SameCountsAndGapsOnEveryBackend) {
  Store store = Store::Open(testing::FreshStoreUrl(GetParam()));
  const auto s = ImportKraken(store, "XBTUSDC_15.csv", Timeframe::k15m);
  const auto rows = store.candles().Coverage(s.instrument.id, Timeframe::k15m);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].count, 8569);
  EXPECT_EQ(rows[0].first, Utc(2023, 1, 1));
  EXPECT_EQ(rows[0].last, Utc(2023, 3, 31, 23, 45));
  EXPECT_EQ(rows[0].expected_count, 90 * 96);
  EXPECT_EQ(rows[0].gap_count, 64);
  const auto gaps = store.candles().Gaps(s.instrument.id, Timeframe::k15m);
  ASSERT_EQ(gaps.size(), 64u);
  std::int64_t missing = 0;
  for (const CandleGap& g : gaps) missing += g.missing;
  EXPECT_EQ(missing, 90 * 96 - 8569);
  ResampleOptions o;
  o.from = Timeframe::k15m;
  o.to = Timeframe::k1d;
  const auto r = ResampleStored(store, s.instrument.id, o);
  EXPECT_EQ(r.written, 90);
  ASSERT_TRUE(r.coverage);
  EXPECT_EQ(r.coverage->gap_count, 0);
}

TRADESTORE_ON_BOTH_BACKENDS(CoverageBackendTest);

TEST(Coverage, ResampleStoredRefusesFinerTargets) {
  Store store = Store::Open("sqlite::memory:");
  Instrument in;
  in.symbol = "X";
  in = store.instruments().Upsert(in);
  ResampleOptions o;
  o.from = Timeframe::k5m;
  o.to = Timeframe::k1m;
  try {
    ResampleStored(store, in.id, o);
    FAIL() << "expected a refusal";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
  }
}

}  // namespace
}  // namespace tradestore
