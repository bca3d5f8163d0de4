// The coverage an import computes in its single pass equals the coverage
// recomputed from the stored candles.
#include <gtest/gtest.h>

#include "market/market_test_util.h"
#include "tradestore/candle_import.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

void ExpectImportCoverageMatchesRecomputed(const std::string& file, Timeframe tf) {
  Store store = Store::Open("sqlite::memory:");
  CandleImportOptions options;
  options.symbol = "X";
  options.venue = "test";
  options.timeframe = tf;
  const CandleImportSummary s = ImportCandles(store, testing::DataPath(file), options);
  const auto from_import = store.candles().Coverage(s.instrument.id);
  ASSERT_EQ(from_import.size(), 1u) << file;
  const auto recomputed = store.candles().RefreshCoverage(s.instrument.id, tf);
  ASSERT_TRUE(recomputed.has_value());
  EXPECT_EQ(from_import[0].first, recomputed->first) << file;
  EXPECT_EQ(from_import[0].last, recomputed->last) << file;
  EXPECT_EQ(from_import[0].count, recomputed->count) << file;
  EXPECT_EQ(from_import[0].expected_count, recomputed->expected_count) << file;
  EXPECT_EQ(from_import[0].gap_count, recomputed->gap_count) << file;
  EXPECT_GT(from_import[0].gap_count, 0) << file;  // both files have gaps
}

TEST(CoverageOnImport, GappyAscendingFile) {
  ExpectImportCoverageMatchesRecomputed("ohlcv/kraken/BTC_USDC/XBTUSDC_15.csv", Timeframe::k15m);
}

TEST(CoverageOnImport, NewestFirstFile) {
  ExpectImportCoverageMatchesRecomputed("ohlcv/pyalgotrade/spy-2011-yahoofinance.csv",
                                        Timeframe::k1d);
}

}  // namespace
}  // namespace tradestore
