// The indicator cache: names, values equal to an independent computation on
// the real Kraken daily candles, incremental refresh equal to a full one,
// multi-output rows, refusals; on SQLite and PostgreSQL.
#include "tradestore/indicator_cache.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "market/market_test_util.h"
#include "store/store_test_util.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using testing::LoadCandles;

// Wilder's RSI written out here (J. W. Wilder, "New Concepts in Technical
// Trading Systems", 1978), independent of indicators.h: the first averages
// are plain means of the first N changes, then avg = (avg * (N-1) + x) / N.
std::vector<std::pair<Timestamp, double>> WilderRsi(const std::vector<Candle>& c, std::size_t n) {
  std::vector<std::pair<Timestamp, double>> out;
  double gain = 0, loss = 0;
  for (std::size_t i = 1; i < c.size(); ++i) {
    const double d = c[i].close - c[i - 1].close;
    const double g = d > 0 ? d : 0, l = d < 0 ? -d : 0;
    if (i <= n) {
      gain += g / static_cast<double>(n);
      loss += l / static_cast<double>(n);
    } else {
      gain = (gain * static_cast<double>(n - 1) + g) / static_cast<double>(n);
      loss = (loss * static_cast<double>(n - 1) + l) / static_cast<double>(n);
    }
    if (i >= n) out.push_back({c[i].open_time, loss == 0 ? 100.0 : 100 - 100 / (1 + gain / loss)});
  }
  return out;
}

TEST(ParseIndicator, CanonicalNamesAndDefaults) {
  EXPECT_EQ(ParseIndicator("rsi").name, "rsi(14)");
  EXPECT_EQ(ParseIndicator(" RSI( 7 ) ").name, "rsi(7)");
  EXPECT_EQ(ParseIndicator("sma").name, "sma(20)");
  EXPECT_EQ(ParseIndicator("ema(50)").name, "ema(50)");
  EXPECT_EQ(ParseIndicator("atr").name, "atr(14)");
  EXPECT_EQ(ParseIndicator("adx(10)").name, "adx(10)");
  EXPECT_EQ(ParseIndicator("bollinger").name, "bollinger(20,2)");
  EXPECT_EQ(ParseIndicator("bollinger(10,2.5)").name, "bollinger(10,2.5)");
  EXPECT_EQ(ParseIndicator("macd").name, "macd(12,26,9)");
  EXPECT_EQ(ParseIndicator("MACD(5,35,5)").name, "macd(5,35,5)");
  EXPECT_EQ(ParseIndicator("vwap").name, "vwap(session)");
  EXPECT_EQ(ParseIndicator("vwap(session)").name, "vwap(session)");
  EXPECT_EQ(ParseIndicator("regime").name, "regime");
  EXPECT_EQ(ParseIndicator("regime(14)").name, "regime");
  EXPECT_EQ(ParseIndicator("regime(20)").name, "regime(20)");
  EXPECT_EQ(ParseIndicator("macd").periods, (std::vector<std::size_t>{12, 26, 9}));
}

TEST(ParseIndicator, RefusesBadNamesQuotingThem) {
  for (const char* bad :
       {"foo", "rsi(0)", "rsi(x)", "rsi(14", "rsi()", "rsi(1,2)", "macd(26,12,9)", "macd(1,2)",
        "bollinger(20,-1)", "bollinger(20,nan)", "vwap(week)", "sma(100001)", ""}) {
    try {
      ParseIndicator(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("known:"), std::string::npos) << e.what();
    }
  }
}

class IndicatorCache : public ::testing::TestWithParam<testing::Backend> {
 protected:
  IndicatorCache()
      : store_(Store::Open(testing::FreshStoreUrl(GetParam()))),
        candles_(LoadCandles("ohlcv/kraken/BTC_USDC/XBTUSDC_1440.csv", Timeframe::k1d)) {
    Instrument in;
    in.venue = "kraken";
    in.symbol = "BTCUSDC";
    in.base_asset = "BTC";
    in.quote_asset = "USDC";
    in.price_precision = 2;
    in.size_precision = 8;
    id_ = store_.instruments().Upsert(in).id;
  }

  void Put(std::size_t from, std::size_t to) {
    store_.candles().Upsert(id_, Timeframe::k1d,
                            std::span<const Candle>(candles_.data() + from, to - from));
  }

  tradestore::Store store_;
  std::vector<Candle> candles_;
  InstrumentId id_ = 0;
};

TEST_P(IndicatorCache, RsiOfRealCandlesEqualsWildersFormula) {
  ASSERT_EQ(candles_.size(), 90u);  // 2023-Q1 daily
  Put(0, candles_.size());
  const IndicatorCacheUpdate u =
      UpdateIndicatorCache(store_, id_, Timeframe::k1d, ParseIndicator("rsi(14)"));
  EXPECT_EQ(u.indicator, "rsi(14)");
  EXPECT_EQ(u.candles, 90);
  EXPECT_EQ(u.defined, 76);  // from index 14
  EXPECT_EQ(u.written, 76);
  EXPECT_EQ(u.cached, 0);
  ASSERT_TRUE(u.last);
  EXPECT_EQ(*u.last, candles_.back().open_time);
  const auto cached = CachedIndicator(store_, id_, Timeframe::k1d, "rsi(14)");
  const auto expected = WilderRsi(candles_, 14);
  ASSERT_EQ(cached.size(), expected.size());
  for (std::size_t i = 0; i < cached.size(); ++i) {
    EXPECT_EQ(cached[i].open_time, expected[i].first);
    EXPECT_NEAR(cached[i].value, expected[i].second, 1e-9) << i;
    EXPECT_FALSE(cached[i].value2);
    EXPECT_FALSE(cached[i].label);
  }
  // Running again writes nothing.
  const IndicatorCacheUpdate again =
      UpdateIndicatorCache(store_, id_, Timeframe::k1d, ParseIndicator("rsi"));
  EXPECT_EQ(again.written, 0);
  EXPECT_EQ(again.cached, 76);
  // A range read.
  TimeRange march;
  march.from = Timestamp::Parse("2023-03-01");
  march.to = Timestamp::Parse("2023-04-01");
  EXPECT_EQ(CachedIndicator(store_, id_, Timeframe::k1d, "rsi(14)", march).size(), 31u);
}

TEST_P(IndicatorCache, IncrementalRefreshWritesOnlyNewBarsAndEqualsFullRecompute) {
  const IndicatorSpec spec = ParseIndicator("adx(14)");
  Put(0, 60);
  const IndicatorCacheUpdate first = UpdateIndicatorCache(store_, id_, Timeframe::k1d, spec);
  EXPECT_EQ(first.written, 60 - 27);  // ADX is defined from index 2N-1 = 27
  const auto before = CachedIndicator(store_, id_, Timeframe::k1d, spec.name);
  Put(60, 90);
  const IndicatorCacheUpdate second = UpdateIndicatorCache(store_, id_, Timeframe::k1d, spec);
  EXPECT_EQ(second.cached, 33);
  EXPECT_EQ(second.written, 30);
  const auto incremental = CachedIndicator(store_, id_, Timeframe::k1d, spec.name);
  ASSERT_EQ(incremental.size(), 63u);
  for (std::size_t i = 0; i < before.size(); ++i) EXPECT_EQ(incremental[i], before[i]);
  const IndicatorCacheUpdate full =
      UpdateIndicatorCache(store_, id_, Timeframe::k1d, spec, /*recompute=*/true);
  EXPECT_EQ(full.written, 63);
  const auto recomputed = CachedIndicator(store_, id_, Timeframe::k1d, spec.name);
  ASSERT_EQ(recomputed.size(), incremental.size());
  for (std::size_t i = 0; i < recomputed.size(); ++i) {
    EXPECT_NEAR(recomputed[i].value, incremental[i].value, 1e-9);
    EXPECT_NEAR(*recomputed[i].value2, *incremental[i].value2, 1e-9);
  }
  // The cache holds exactly what a direct computation gives.
  EXPECT_EQ(ComputeIndicator(store_, id_, Timeframe::k1d, spec), recomputed);
}

TEST_P(IndicatorCache, MultiOutputIndicatorsFillTheirColumns) {
  Put(0, candles_.size());
  for (const char* name : {"adx", "bollinger", "macd", "regime", "vwap", "atr", "ema", "sma"}) {
    const IndicatorSpec spec = ParseIndicator(name);
    UpdateIndicatorCache(store_, id_, Timeframe::k1d, spec);
    const auto values = CachedIndicator(store_, id_, Timeframe::k1d, spec.name);
    ASSERT_FALSE(values.empty()) << name;
    for (const IndicatorValue& v : values) {
      switch (spec.kind) {
        case IndicatorKind::kAdx:
          ASSERT_TRUE(v.value2 && v.value3 && v.value4);
          EXPECT_GE(v.value, 0);
          EXPECT_LE(v.value, 100);
          break;
        case IndicatorKind::kBollinger:
          ASSERT_TRUE(v.value2 && v.value3 && v.value4);
          EXPECT_NEAR(*v.value2 - v.value, 2 * *v.value4, 1e-6);  // upper = middle + 2 sd
          EXPECT_NEAR(v.value - *v.value3, 2 * *v.value4, 1e-6);
          break;
        case IndicatorKind::kMacd:
          ASSERT_TRUE(v.value2 && v.value3);
          EXPECT_FALSE(v.value4);
          EXPECT_NEAR(*v.value3, v.value - *v.value2, 1e-9);  // histogram = line - signal
          break;
        case IndicatorKind::kRegime: {
          ASSERT_TRUE(v.label && v.value2);
          const std::string trend = v.label->substr(0, v.label->find('/'));
          const std::string vol = v.label->substr(v.label->find('/') + 1);
          EXPECT_TRUE(trend == "trend" || trend == "range" || trend == "transition") << *v.label;
          EXPECT_TRUE(vol == "low" || vol == "normal" || vol == "high") << *v.label;
          break;
        }
        default:
          EXPECT_FALSE(v.value2) << name;
          EXPECT_GT(v.value, 0) << name;  // prices of BTC
      }
    }
  }
  // Daily candles: every UTC-day VWAP session is one candle, so VWAP is the
  // typical price (H + L + C) / 3 of each.
  const auto vwap = CachedIndicator(store_, id_, Timeframe::k1d, "vwap(session)");
  ASSERT_EQ(vwap.size(), candles_.size());
  for (std::size_t i = 0; i < vwap.size(); ++i) {
    const Candle& c = candles_[i];
    EXPECT_NEAR(vwap[i].value, (c.high + c.low + c.close) / 3, 1e-6) << i;
  }
}

TEST_P(IndicatorCache, UnknownInstrumentOrEmptySeriesWritesNothing) {
  try {
    UpdateIndicatorCache(store_, id_ + 100, Timeframe::k1d, ParseIndicator("rsi"));
    ADD_FAILURE() << "unknown instrument accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  }
  const IndicatorCacheUpdate u =
      UpdateIndicatorCache(store_, id_, Timeframe::k1h, ParseIndicator("rsi"));
  EXPECT_EQ(u.candles, 0);
  EXPECT_EQ(u.written, 0);
  EXPECT_FALSE(u.last);
  EXPECT_TRUE(CachedIndicator(store_, id_, Timeframe::k1h, "rsi(14)").empty());
}

TRADESTORE_ON_BOTH_BACKENDS(IndicatorCache);

}  // namespace
}  // namespace tradestore
