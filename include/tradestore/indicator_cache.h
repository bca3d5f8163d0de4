// The indicator cache (issue 5 item 2): values of technical indicators over
// a stored candle series, kept in market.indicator_cache keyed like the
// candles (instrument, timeframe, open_time) plus the indicator's canonical
// name. The values are computed by the streaming indicators of indicators.h
// and market_regime.h (see there for every formula's source); this header
// adds names, storage and incremental refresh.
//
// Indicator names (canonical form: lower case, no spaces; parameters
// optional on input, defaults shown) and what each row holds:
//   sma(N=20), ema(N=20)    value = the average (Ema with EmaSeed::kSma)
//   rsi(N=14)               value = RSI, 0..100 (Wilder)
//   atr(N=14)               value = ATR, price units (Wilder)
//   adx(N=14)               value = ADX, value2 = +DI, value3 = -DI, value4 = DX
//   bollinger(N=20,K=2)     value = middle, value2 = upper, value3 = lower,
//                           value4 = population standard deviation
//   macd(F=12,S=26,G=9)     value = MACD line, value2 = signal, value3 = histogram
//   vwap(session)           value = VWAP of the UTC-day session so far
//   regime(N=14)            value = ADX, value2 = ATR % of the close, label =
//                           "TREND/VOLATILITY" (e.g. "trend/high"), with the
//                           default RegimeOptions thresholds; "regime" alone
//                           is canonical for N = 14
// Only bars where the indicator is defined (after its warm-up) have a row.
//
// Thread safety: as Store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tradestore/instrument.h"
#include "tradestore/store.h"
#include "tradestore/timeframe.h"

namespace tradestore {

enum class IndicatorKind { kSma, kEma, kRsi, kAtr, kAdx, kBollinger, kMacd, kVwap, kRegime };

struct IndicatorSpec {
  IndicatorKind kind = IndicatorKind::kRsi;
  std::string name;                  // canonical, e.g. "rsi(14)"
  std::vector<std::size_t> periods;  // N; or F, S, G for MACD
  double k = 2.0;                    // Bollinger's band width
};

// Parses an indicator name as listed above ("RSI", "rsi(14)", " macd(12, 26, 9) ",
// "bollinger(20,2.5)"). Throws Error(kInvalidArgument) quoting the text and
// listing the known names for an unknown name, a wrong number of
// parameters, a period that is not a whole number in 1..100000, a negative
// or non-finite k, or MACD with fast >= slow.
IndicatorSpec ParseIndicator(std::string_view text);

// One cached value (see the table above for what the columns mean).
struct IndicatorValue {
  Timestamp open_time;
  double value = 0.0;
  std::optional<double> value2, value3, value4;
  std::optional<std::string> label;

  friend bool operator==(const IndicatorValue&, const IndicatorValue&) = default;
};

// Computes `spec` over every stored candle of the series, oldest first
// (streaming: one indicator object fed candle by candle). Pure computation
// over the store's candles; writes nothing. Throws what the indicator
// throws for a bad candle (Error(kInvalidArgument)).
std::vector<IndicatorValue> ComputeIndicator(Store& store, InstrumentId instrument, Timeframe tf,
                                             const IndicatorSpec& spec);

struct IndicatorCacheUpdate {
  std::string indicator;          // canonical name
  std::int64_t candles = 0;       // candles of the series
  std::int64_t defined = 0;       // bars with a value (after warm-up)
  std::int64_t cached = 0;        // rows already cached and kept
  std::int64_t written = 0;       // rows written by this call
  std::optional<Timestamp> last;  // open time of the last cached bar after the call
};

// Brings the cache of one indicator of one series up to date (market layer,
// src/market/indicator_cache.cc): the indicator is replayed over the whole
// series (Wilder's smoothing depends on every earlier bar, so a value can
// only be computed exactly from the start), and only the bars missing from
// the cache are written -- normally those after the last cached bar. With
// `recompute`, the indicator's rows of the series are deleted and all
// rewritten (use it after candles before the last cached bar were changed,
// which this function cannot detect). One unit of work on the market
// database: all rows or none. Throws Error(kNotFound) for an unknown
// instrument, and what ComputeIndicator throws.
IndicatorCacheUpdate UpdateIndicatorCache(Store& store, InstrumentId instrument, Timeframe tf,
                                          const IndicatorSpec& spec, bool recompute = false);

// Cached values of one indicator (canonical name) of a series, oldest first,
// with open_time in `range` (store layer, src/store/indicator_cache_repository.cc).
std::vector<IndicatorValue> CachedIndicator(Store& store, InstrumentId instrument, Timeframe tf,
                                            std::string_view indicator,
                                            const TimeRange& range = {});

}  // namespace tradestore
