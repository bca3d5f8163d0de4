// Tests of the streaming indicators (include/tradestore/indicators.h) and
// regime labels (include/tradestore/market_regime.h).
//
// Expected values on real data were computed independently by
//   python3 tests/market/reference/indicators_reference.py
// (plain Python, batch formulas written from the published definitions, not
// from this code) over the 90 daily candles of
// examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_1440.csv, and pasted here.
#include "tradestore/indicators.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "tradestore/candle.h"
#include "tradestore/error.h"
#include "tradestore/market_regime.h"

namespace tradestore {
namespace {

constexpr double kRel = 1e-9;

// |actual - expected| <= 1e-9 * |expected| (absolute 1e-9 near zero).
void ExpectClose(double actual, double expected, const std::string& what) {
  const double tol = kRel * std::max(1.0, std::abs(expected));
  EXPECT_NEAR(actual, expected, tol) << what;
}

std::vector<Candle> LoadDaily() {
  const std::string path =
      std::string(TRADESTORE_SOURCE_DIR) + "/examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_1440.csv";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::vector<Candle> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string f[7];
    for (auto& x : f) std::getline(ss, x, ',');
    Candle c;
    c.open_time = Timestamp::FromSeconds(std::stoll(f[0]));
    c.open = std::stod(f[1]);
    c.high = std::stod(f[2]);
    c.low = std::stod(f[3]);
    c.close = std::stod(f[4]);
    c.volume = std::stod(f[5]);
    c.trades = std::stoll(f[6]);
    out.push_back(c);
  }
  EXPECT_EQ(out.size(), 90u);
  return out;
}

Candle Flat(std::int64_t day, double price, double volume = 1.0) {
  Candle c;
  c.open_time = Timestamp(day * kMicrosPerDay);
  c.open = c.high = c.low = c.close = price;
  c.volume = volume;
  return c;
}

template <typename T>
void ExpectInvalid(T&& f) {
  try {
    f();
    ADD_FAILURE() << "expected Error(kInvalidArgument)";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
  }
}

// Feeds `values` and returns the outputs, one per input.
template <typename Ind, typename In>
auto FeedAll(Ind& ind, const std::vector<In>& in) {
  std::vector<decltype(ind.Update(in[0]))> out;
  for (const auto& x : in) out.push_back(ind.Update(x));
  return out;
}

std::vector<double> Closes(const std::vector<Candle>& c) {
  std::vector<double> out;
  for (const auto& x : c) out.push_back(x.close);
  return out;
}

// Index of the first defined output.
template <typename V>
std::size_t FirstDefined(const std::vector<std::optional<V>>& v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i]) return i;
  }
  return v.size();
}

// ---------------------------------------------------------------------------

TEST(SmaTest, RealDataMatchesReference) {
  Sma sma(20);
  auto out = FeedAll(sma, Closes(LoadDaily()));
  EXPECT_EQ(FirstDefined(out), 19u);
  ASSERT_TRUE(out[19]);
  ExpectClose(*out[19], 18730.8495, "SMA20[19]");
  ExpectClose(*out[20], 19039.219, "SMA20[20]");
  ExpectClose(*out[27], 21162.716500000002, "SMA20[27]");
  ExpectClose(*out[50], 23156.5965, "SMA20[50]");
  ExpectClose(*out[89], 26864.5565, "SMA20[89]");
}

TEST(SmaTest, PeriodOneIsIdentityAndZeroIsRefused) {
  Sma one(1);
  EXPECT_EQ(one.Update(3.5), 3.5);
  EXPECT_EQ(one.Update(-2.0), -2.0);
  ExpectInvalid([] { Sma s(0); });
  ExpectInvalid([&] { one.Update(std::numeric_limits<double>::quiet_NaN()); });
}

TEST(SmaTest, NoDriftOverALongStream) {
  // Large offset plus small oscillation: a naive running sum drifts; the
  // periodic recomputation keeps it exact to rounding.
  Sma sma(7);
  std::optional<double> v;
  for (int i = 0; i < 100000; ++i) v = sma.Update(1e9 + (i % 7) * 0.1 + 1e-3 * (i % 3));
  // Window of the last 7 values, computed directly.
  double s = 0;
  for (int i = 100000 - 7; i < 100000; ++i) s += 1e9 + (i % 7) * 0.1 + 1e-3 * (i % 3);
  ExpectClose(*v, s / 7, "SMA7 after 1e5 steps");
}

TEST(EmaTest, RealDataMatchesReference) {
  Ema ema(10);
  auto out = FeedAll(ema, Closes(LoadDaily()));
  EXPECT_EQ(FirstDefined(out), 9u);
  ExpectClose(*out[9], 16929.244, "EMA10[9] = SMA of the first 10");
  ExpectClose(*out[13], 18445.301399084758, "EMA10[13]");
  ExpectClose(*out[34], 23160.921679835003, "EMA10[34]");
  ExpectClose(*out[89], 27695.255762267432, "EMA10[89]");
}

TEST(EmaTest, FirstValueSeedAndDegenerateCases) {
  Ema first(3, EmaSeed::kFirstValue);
  EXPECT_EQ(first.Update(10.0), 10.0);
  ExpectClose(*first.Update(20.0), 15.0, "alpha 0.5");
  Ema one(1);
  EXPECT_EQ(one.Update(4.0), 4.0);
  EXPECT_EQ(one.Update(9.0), 9.0);
  Ema flat(5);
  std::optional<double> v;
  for (int i = 0; i < 20; ++i) v = flat.Update(42.0);
  EXPECT_EQ(v, 42.0);
  ExpectInvalid([] { Ema e(0); });
}

TEST(RsiTest, RealDataMatchesReference) {
  Rsi rsi(14);
  auto out = FeedAll(rsi, Closes(LoadDaily()));
  EXPECT_EQ(FirstDefined(out), 14u);
  ExpectClose(*out[14], 97.24122504933099, "RSI14[14]");
  ExpectClose(*out[15], 97.42363996982964, "RSI14[15]");
  ExpectClose(*out[27], 84.44026555605102, "RSI14[27]");
  ExpectClose(*out[50], 66.1166946267941, "RSI14[50]");
  ExpectClose(*out[89], 64.0405163155499, "RSI14[89]");
}

// Wilder's 14-day RSI worked example as reproduced by StockCharts ChartSchool
// ("Relative Strength Index (RSI)", its RSI spreadsheet): published values to
// 2 decimals. The Python reference reproduces all 19 of them from the same
// closes, so the check is both published and independently computed.
TEST(RsiTest, PublishedWorkedExample) {
  const std::vector<double> closes = {44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.10, 45.42, 45.84,
                                      46.08, 45.89, 46.03, 45.61, 46.28, 46.28, 46.00, 46.03, 46.41,
                                      46.22, 45.64, 46.21, 46.25, 45.71, 46.45, 45.78, 45.35, 44.03,
                                      44.18, 44.22, 44.57, 43.42, 42.66, 43.13};
  const std::vector<double> published = {70.46, 66.25, 66.48, 69.35, 66.29, 57.92, 62.88,
                                         63.21, 56.01, 62.34, 54.67, 50.39, 40.02, 41.49,
                                         41.90, 45.50, 37.32, 33.09, 37.79};
  Rsi rsi(14);
  auto out = FeedAll(rsi, closes);
  ASSERT_EQ(FirstDefined(out), 14u);
  for (std::size_t i = 0; i < published.size(); ++i) {
    ASSERT_TRUE(out[14 + i]);
    EXPECT_NEAR(*out[14 + i], published[i], 0.005) << "index " << 14 + i;
  }
  ExpectClose(*out[14], 70.46413502109705, "full precision, reference script");
  ExpectClose(*out[32], 37.788771982057824, "full precision, reference script");
}

TEST(RsiTest, DegenerateValues) {
  Rsi flat(3);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(flat.Update(5.0)) << i;  // 0/0: undefined
  EXPECT_TRUE(flat.ready());
  Rsi up(3);
  std::optional<double> v;
  for (int i = 0; i < 10; ++i) v = up.Update(1.0 + i);
  EXPECT_EQ(v, 100.0);  // no losses
  Rsi down(3);
  for (int i = 0; i < 10; ++i) v = down.Update(100.0 - i);
  EXPECT_EQ(v, 0.0);  // no gains
  // After gains, flat prices keep RSI at 100: avg_gain decays, never to 0.
  EXPECT_EQ(up.Update(10.0), 100.0);
  Rsi one(1);
  EXPECT_FALSE(one.Update(1.0));
  EXPECT_EQ(one.Update(2.0), 100.0);
  EXPECT_EQ(one.Update(1.5), 0.0);
  EXPECT_FALSE(one.Update(1.5));
  ExpectInvalid([] { Rsi r(0); });
}

TEST(AtrTest, RealDataMatchesReference) {
  Atr atr(14);
  auto out = FeedAll(atr, LoadDaily());
  EXPECT_EQ(FirstDefined(out), 14u);
  ExpectClose(*out[14], 509.38214285714275, "ATR14[14]");
  ExpectClose(*out[15], 534.2969897959184, "ATR14[15]");
  ExpectClose(*out[34], 725.9869722792866, "ATR14[34]");
  ExpectClose(*out[89], 1333.106577842085, "ATR14[89]");
}

TEST(AtrTest, TrueRangeAndDegenerateCases) {
  Candle c = Flat(1, 10.0);
  c.high = 12.0;
  c.low = 11.0;
  EXPECT_EQ(TrueRange(c, 10.0), 2.0);  // gap up: high - prev close
  EXPECT_EQ(TrueRange(c, 11.5), 1.0);  // inside: high - low
  Atr flat(3);
  std::optional<double> v;
  for (int i = 0; i < 10; ++i) v = flat.Update(Flat(i, 7.0));
  EXPECT_EQ(v, 0.0);
  Candle bad = Flat(11, 7.0);
  bad.low = 8.0;  // high < low
  ExpectInvalid([&] { flat.Update(bad); });
  EXPECT_EQ(flat.Update(Flat(12, 7.0)), 0.0);  // state unchanged by the refusal
  ExpectInvalid([] { Atr a(0); });
}

TEST(AdxTest, RealDataMatchesReferenceAndWarmUpIs2NMinus1) {
  Adx adx(14);
  const auto candles = LoadDaily();
  std::vector<std::optional<AdxValue>> out;
  for (std::size_t i = 0; i < candles.size(); ++i) {
    out.push_back(adx.Update(candles[i]));
    EXPECT_EQ(adx.directional_indicators().has_value(), i >= 14) << i;
    if (i == 14) {
      ExpectClose(adx.directional_indicators()->plus_di, 67.64750012269768, "+DI[14]");
      EXPECT_EQ(adx.directional_indicators()->minus_di, 0.0);
      ExpectClose(adx.directional_indicators()->dx, 100.0, "DX[14]");
    }
    if (i == 26) {
      ExpectClose(adx.directional_indicators()->dx, 71.89419198710961, "DX[26]");
    }
  }
  EXPECT_EQ(FirstDefined(out), 27u);  // 2N - 1
  struct Row {
    std::size_t i;
    double plus, minus, dx, adx;
  };
  for (const Row& r :
       {Row{27, 38.939356355814304, 6.366835675076857, 71.89419198710962, 85.38108244668321},
        Row{28, 42.90163940830724, 5.763649240085279, 76.31309954112166, 84.73336938200023},
        Row{40, 25.12820640412514, 20.88615051538017, 9.21898331897969, 60.456186656338524},
        Row{60, 24.75388085639342, 13.800730492345215, 28.40944307536523, 36.49768435825471},
        Row{89, 30.551269459751992, 11.803724846475438, 44.26289017472518, 44.0045720260966}}) {
    ASSERT_TRUE(out[r.i]) << r.i;
    const std::string at = " at " + std::to_string(r.i);
    ExpectClose(out[r.i]->plus_di, r.plus, "+DI" + at);
    ExpectClose(out[r.i]->minus_di, r.minus, "-DI" + at);
    ExpectClose(out[r.i]->dx, r.dx, "DX" + at);
    ExpectClose(out[r.i]->adx, r.adx, "ADX" + at);
  }
}

TEST(AdxTest, DegenerateCases) {
  Adx flat(3);
  std::optional<AdxValue> v;
  for (int i = 0; i < 10; ++i) v = flat.Update(Flat(i, 50.0));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->plus_di, 0.0);
  EXPECT_EQ(v->minus_di, 0.0);
  EXPECT_EQ(v->dx, 0.0);
  EXPECT_EQ(v->adx, 0.0);
  Adx one(1);
  EXPECT_FALSE(one.Update(Flat(0, 10.0)));
  Candle up = Flat(1, 11.0);
  up.high = 12.0;
  v = one.Update(up);  // N = 1: ADX = DX, first at index 1
  ASSERT_TRUE(v);
  EXPECT_EQ(v->dx, 100.0);
  EXPECT_EQ(v->adx, 100.0);
  ExpectInvalid([] { Adx a(0); });
}

TEST(VwapTest, DailySessionsOfDailyCandlesAreTypicalPrices) {
  Vwap vwap;  // UTC midnight
  auto out = FeedAll(vwap, LoadDaily());
  EXPECT_EQ(FirstDefined(out), 0u);
  ExpectClose(*out[0], 16576.339999999997, "VWAP[0]");
  ExpectClose(*out[45], 23583.083333333332, "VWAP[45]");
  ExpectClose(*out[89], 28233.653333333335, "VWAP[89]");
}

TEST(VwapTest, WeeklySessionsFromMondayMatchReference) {
  // 1970-01-01 was a Thursday: an offset of 4 days starts sessions on Monday.
  Vwap vwap(VwapSession{4 * kMicrosPerDay, 7 * kMicrosPerDay});
  auto out = FeedAll(vwap, LoadDaily());
  ExpectClose(*out[0], 16576.339999999997, "Sunday 2023-01-01: own session");
  ExpectClose(*out[1], 16666.11666666667, "Monday: new session");
  ExpectClose(*out[2], 16673.789560787118, "VWAPW[2]");
  ExpectClose(*out[3], 16742.57136301605, "VWAPW[3]");
  ExpectClose(*out[8], 17236.143333333333, "VWAPW[8], next Monday");
  ExpectClose(*out[9], 17281.237894994178, "VWAPW[9]");
  ExpectClose(*out[89], 27831.988373196476, "VWAPW[89]");
  EXPECT_EQ(vwap.session_start(), Timestamp::FromCivil(2023, 3, 27));
}

TEST(VwapTest, IntradaySessionResetAndZeroVolume) {
  // Hourly candles; sessions start at 14:30 UTC.
  Vwap vwap(VwapSession{14 * kMicrosPerHour + 30 * kMicrosPerMinute, kMicrosPerDay});
  auto at = [](int hour, double price, double volume) {
    Candle c = Flat(0, price, volume);
    c.open_time = Timestamp::FromCivil(2024, 1, 2, hour, 0);
    return c;
  };
  EXPECT_FALSE(vwap.Update(at(12, 10.0, 0.0)));  // no volume yet: undefined
  EXPECT_EQ(vwap.Update(at(13, 10.0, 1.0)), 10.0);
  EXPECT_EQ(vwap.Update(at(14, 20.0, 3.0)), 17.5);          // 14:00 is still the old session
  EXPECT_EQ(vwap.Update(at(15, 30.0, 0.0)), std::nullopt);  // new session, no volume
  EXPECT_EQ(vwap.Update(at(16, 40.0, 2.0)), 40.0);
  EXPECT_EQ(vwap.session_start(), Timestamp::FromCivil(2024, 1, 2, 14, 30));
  ExpectInvalid([&] { vwap.Update(at(15, 30.0, 1.0)); });  // out of order
  Candle neg = at(17, 1.0, -1.0);
  ExpectInvalid([&] { vwap.Update(neg); });
  ExpectInvalid([] { Vwap v(VwapSession{0, 0}); });
  ExpectInvalid([] { Vwap v(VwapSession{kMicrosPerDay, kMicrosPerDay}); });
}

TEST(AnchoredVwapTest, RealDataFromIndex30) {
  const auto candles = LoadDaily();
  AnchoredVwap avwap(candles[30].open_time);  // 1675123200 = 2023-01-31
  auto out = FeedAll(avwap, candles);
  EXPECT_EQ(FirstDefined(out), 30u);
  ExpectClose(*out[30], 23056.49666666667, "AVWAP[30]");
  ExpectClose(*out[31], 23311.34434759835, "AVWAP[31]");
  ExpectClose(*out[60], 23497.147209658302, "AVWAP[60]");
  ExpectClose(*out[89], 23681.358433861835, "AVWAP[89]");
  AnchoredVwap zero(Timestamp(0));
  EXPECT_FALSE(zero.Update(Flat(0, 5.0, 0.0)));  // zero volume: undefined
}

TEST(BollingerTest, RealDataMatchesReference) {
  BollingerBands bb(20, 2.0);
  auto out = FeedAll(bb, LoadDaily());
  EXPECT_EQ(FirstDefined(out), 19u);
  struct Row {
    std::size_t i;
    double middle, upper, lower, sd;
  };
  for (const Row& r :
       {Row{19, 18730.8495, 22766.360891575918, 14695.338108424083, 2017.7556957879588},
        Row{20, 19039.219, 23312.954469890014, 14765.48353010999, 2136.8677349450054},
        Row{50, 23156.5965, 25210.385145652468, 21102.80785434753, 1026.894322826234},
        Row{89, 26864.5565, 30227.721285438114, 23501.391714561883, 1681.5823927190575}}) {
    const std::string at = " at " + std::to_string(r.i);
    ASSERT_TRUE(out[r.i]) << at;
    ExpectClose(out[r.i]->middle, r.middle, "middle" + at);
    ExpectClose(out[r.i]->upper, r.upper, "upper" + at);
    ExpectClose(out[r.i]->lower, r.lower, "lower" + at);
    ExpectClose(out[r.i]->stddev, r.sd, "stddev" + at);
  }
}

TEST(BollingerTest, PopulationStddevConstantWindowAndStability) {
  BollingerBands bb(4, 1.0);
  std::optional<BollingerValue> v;
  for (double x : {2.0, 4.0, 4.0, 4.0}) v = bb.Update(x);
  ExpectClose(v->stddev, std::sqrt(0.75), "population: sqrt(3/4), not sqrt(1)");
  BollingerBands flat(5);
  for (int i = 0; i < 50; ++i) v = flat.Update(1e8 + 0.1);
  EXPECT_EQ(v->stddev, 0.0);
  EXPECT_EQ(v->upper, v->middle);
  // Large level, tiny spread: sum-of-squares would cancel catastrophically.
  BollingerBands big(3, 2.0);
  for (int i = 0; i < 100001; ++i) v = big.Update(1e9 + (i % 3));
  ExpectClose(v->stddev, std::sqrt(2.0 / 3.0), "stddev of {0,1,2} + 1e9");
  ExpectInvalid([] { BollingerBands b(0); });
  ExpectInvalid([] { BollingerBands b(20, -1.0); });
}

TEST(MacdTest, RealDataMatchesReference) {
  Macd macd;  // 12 / 26 / 9
  const auto closes = Closes(LoadDaily());
  std::vector<std::optional<MacdValue>> out;
  for (std::size_t i = 0; i < closes.size(); ++i) {
    out.push_back(macd.Update(closes[i]));
    EXPECT_EQ(macd.line().has_value(), i >= 25) << i;
    if (i == 25) ExpectClose(*macd.line(), 2216.7756626242954, "line[25]");
  }
  EXPECT_EQ(FirstDefined(out), 33u);  // slow + signal - 2
  struct Row {
    std::size_t i;
    double line, signal, hist;
  };
  for (const Row& r : {Row{33, 1612.2584402147986, 1919.32482044454, -307.0663802297413},
                       Row{34, 1520.1934213821733, 1839.4985406320666, -319.3051192498933},
                       Row{60, 327.99159523518756, 492.9882069107535, -164.99661167556593},
                       Row{89, 1217.2488309178043, 1210.6431324388936, 6.605698478910654}}) {
    const std::string at = " at " + std::to_string(r.i);
    ExpectClose(out[r.i]->line, r.line, "line" + at);
    ExpectClose(out[r.i]->signal, r.signal, "signal" + at);
    // The histogram is a difference of two numbers ~1000x its size: compare
    // relative to the line's magnitude.
    EXPECT_NEAR(out[r.i]->histogram, r.hist, kRel * std::abs(r.line)) << "histogram" << at;
  }
  ExpectInvalid([] { Macd m(26, 12, 9); });
  ExpectInvalid([] { Macd m(12, 26, 0); });
}

TEST(RegimeTest, NamesAreStable) {
  EXPECT_EQ(ToString(TrendRegime::kRange), "range");
  EXPECT_EQ(ToString(TrendRegime::kTransition), "transition");
  EXPECT_EQ(ToString(TrendRegime::kTrend), "trend");
  EXPECT_EQ(ToString(VolatilityRegime::kLow), "low");
  EXPECT_EQ(ToString(VolatilityRegime::kNormal), "normal");
  EXPECT_EQ(ToString(VolatilityRegime::kHigh), "high");
}

TEST(RegimeTest, RealDataLabelsFollowTheRules) {
  // ADX14 and ATR14 from the reference: ADX[27] = 85.38 (trend),
  // ADX[40] = 60.46 (trend), ADX[60] = 36.50 (trend); ATR14[89] / close[89].
  const auto candles = LoadDaily();
  RegimeClassifier rc;
  std::vector<std::optional<Regime>> out = FeedAll(rc, candles);
  EXPECT_EQ(FirstDefined(out), 27u);
  EXPECT_EQ(out[27]->trend, TrendRegime::kTrend);
  ExpectClose(out[27]->adx, 85.38108244668321, "ADX[27]");
  ExpectClose(out[89]->atr_percent, 100.0 * 1333.106577842085 / candles[89].close, "ATR%[89]");
  for (std::size_t i = 27; i < out.size(); ++i) {
    const Regime& r = *out[i];
    if (r.adx >= 25) {
      EXPECT_EQ(r.trend, TrendRegime::kTrend) << i;
    } else if (r.adx < 20) {
      EXPECT_EQ(r.trend, TrendRegime::kRange) << i;
    } else {
      EXPECT_EQ(r.trend, out[i - 1]->trend) << i;  // hysteresis
    }
    const auto want = r.atr_percent < 1.5   ? VolatilityRegime::kLow
                      : r.atr_percent < 4.0 ? VolatilityRegime::kNormal
                                            : VolatilityRegime::kHigh;
    EXPECT_EQ(r.volatility, want) << i;
  }
}

TEST(RegimeTest, FlatMarketIsRangeAndLowVolatility) {
  RegimeClassifier rc(RegimeOptions{.period = 2});
  std::optional<Regime> r;
  for (int i = 0; i < 5; ++i) r = rc.Update(Flat(i, 100.0));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->trend, TrendRegime::kRange);
  EXPECT_EQ(r->volatility, VolatilityRegime::kLow);
  ExpectInvalid([&] { rc.Update(Flat(6, 0.0)); });  // ATR% needs close > 0
  ExpectInvalid([] { RegimeClassifier c(RegimeOptions{.trend_at = 10, .range_below = 20}); });
}

}  // namespace
}  // namespace tradestore
