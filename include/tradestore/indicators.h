// Streaming technical indicators over candles or prices: pure, no database.
//
// Conventions that hold for every class in this header:
//
//  * Each indicator is a small class fed one observation at a time, oldest
//    first, through Update(), which returns the indicator's value after that
//    observation, or std::nullopt while the indicator is warming up (and, for
//    RSI and VWAP only, when the value is mathematically undefined at that
//    step; each class says when). ready() tells the two apart.
//  * "Index" below is the 0-based position of an observation in the stream:
//    the first Update() is index 0. Each class states the first index at
//    which its value is defined; the tests check that index exactly.
//  * Memory is O(1) per indicator except SMA and Bollinger bands, which keep
//    an N-value window (O(N) memory); every Update() is O(1) time (amortized
//    O(1) for SMA and Bollinger, which recompute their running sums from the
//    window once every N steps to stop rounding drift).
//  * Periods are counted in observations (candles), not in time. A period of
//    0 is refused with Error(kInvalidArgument); a period of 1 is allowed and
//    degenerates as each class documents.
//  * A non-finite input (NaN, infinity), a negative volume or a candle with
//    high < low is refused with Error(kInvalidArgument); the indicator's
//    state is then unchanged, so the caller may skip that observation.
//  * Prices are in the candle's quote currency; volumes in its base asset.
//    RSI, +DI, -DI, DX and ADX are on a 0..100 scale.
//
// Thread safety: an indicator object is not synchronized; distinct objects
// may be used concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "tradestore/candle.h"
#include "tradestore/timestamp.h"

namespace tradestore {

// ---------------------------------------------------------------------------
// Simple moving average.

// Simple moving average of the last `period` values: (x[t-N+1] + ... + x[t]) / N
// (the arithmetic mean; e.g. Murphy, "Technical Analysis of the Financial
// Markets", 1999, ch. 9). First defined at index N-1. N = 1 returns the input.
// O(N) memory (the window), amortized O(1) time: a running sum, recomputed
// from the window every N updates so rounding error cannot accumulate.
class Sma {
 public:
  // Throws Error(kInvalidArgument) if period == 0.
  explicit Sma(std::size_t period);

  // Adds `value`; returns the mean of the last N values, nullopt for the
  // first N-1 calls. Throws Error(kInvalidArgument) if `value` is not finite.
  std::optional<double> Update(double value);

  std::size_t period() const noexcept { return period_; }
  bool ready() const noexcept { return count_ >= period_; }

 private:
  std::size_t period_;
  std::vector<double> window_;  // ring buffer of the last N values
  std::size_t next_ = 0;        // slot the next value overwrites
  std::size_t count_ = 0;       // values seen
  std::size_t since_resum_ = 0;
  double sum_ = 0.0;
};

// ---------------------------------------------------------------------------
// Exponential moving average.

// How an Ema chooses its first value.
enum class EmaSeed {
  // The SMA of the first N values, defined at index N-1 (the default; the
  // convention of TA-Lib's TA_EMA and of most charting packages, and the
  // one Appel's MACD is usually computed with).
  kSma,
  // The first value itself, defined from index 0 (pandas
  // ewm(span=N, adjust=False)); the early values lean on the first price.
  kFirstValue,
};

// Exponential moving average with smoothing factor alpha = 2 / (N + 1):
// EMA[t] = alpha * x[t] + (1 - alpha) * EMA[t-1] (the "N-day EMA" of the
// technical-analysis literature, e.g. Murphy 1999, ch. 9; Appel 2005).
// Seeding as EmaSeed says: by default EMA[N-1] = SMA of x[0..N-1], so the
// first value is defined at index N-1. N = 1 gives alpha = 1: the input.
// O(1) memory apart from the seed's running sum.
class Ema {
 public:
  // Throws Error(kInvalidArgument) if period == 0.
  explicit Ema(std::size_t period, EmaSeed seed = EmaSeed::kSma);

  // Adds `value`; returns the EMA, nullopt during warm-up (indices 0..N-2
  // under EmaSeed::kSma, never under kFirstValue). Throws
  // Error(kInvalidArgument) if `value` is not finite.
  std::optional<double> Update(double value);

  std::size_t period() const noexcept { return period_; }
  double alpha() const noexcept { return alpha_; }
  bool ready() const noexcept { return ready_; }

 private:
  std::size_t period_;
  EmaSeed seed_;
  double alpha_;
  std::size_t count_ = 0;
  double seed_sum_ = 0.0;
  double value_ = 0.0;
  bool ready_ = false;
};

// ---------------------------------------------------------------------------
// Relative strength index.

// Relative strength index, Wilder, "New Concepts in Technical Trading
// Systems" (1978), the "Relative Strength Index" section. With changes
// d[t] = close[t] - close[t-1] (t >= 1), gain = max(d, 0) and loss = max(-d, 0):
//   first averages (index N): the plain means of gain and loss over d[1..N];
//   then Wilder's smoothing: avg[t] = (avg[t-1] * (N - 1) + x[t]) / N;
//   RSI = 100 - 100 / (1 + avg_gain / avg_loss) = 100 * avg_gain / (avg_gain + avg_loss).
// First defined at index N (it needs N changes, so N + 1 closes), the
// convention of Wilder's worksheet and TA-Lib's TA_RSI.
// Degenerate values: avg_loss == 0 < avg_gain gives 100 (only gains);
// avg_gain == 0 < avg_loss gives 0; both 0 (prices flat over the whole
// smoothing memory, e.g. a constant series) is undefined: nullopt with
// ready() true. N = 1 gives 100, 0 or undefined for an up, down or flat step.
class Rsi {
 public:
  // Throws Error(kInvalidArgument) if period == 0.
  explicit Rsi(std::size_t period = 14);

  // Adds a close; returns RSI in [0, 100]. nullopt during warm-up (indices
  // 0..N-1) and when both averages are 0. Throws Error(kInvalidArgument) if
  // `close` is not finite.
  std::optional<double> Update(double close);
  // Same, with candle.close.
  std::optional<double> Update(const Candle& candle);

  std::size_t period() const noexcept { return period_; }
  bool ready() const noexcept { return count_ > period_; }
  // Wilder's smoothed average gain and loss (price units); meaningful once
  // ready().
  double average_gain() const noexcept { return avg_gain_; }
  double average_loss() const noexcept { return avg_loss_; }

 private:
  std::size_t period_;
  std::size_t count_ = 0;  // closes seen
  double prev_close_ = 0.0;
  double avg_gain_ = 0.0;  // a sum during warm-up, an average afterwards
  double avg_loss_ = 0.0;
};

// ---------------------------------------------------------------------------
// True range and average true range.

// True range of a candle given the previous close (Wilder 1978, "Volatility
// System"): max(high - low, |high - prev_close|, |low - prev_close|), in price
// units, >= 0.
double TrueRange(const Candle& candle, double prev_close) noexcept;

// Average true range, Wilder 1978, "Volatility System", with Wilder's smoothing:
//   TR[t] for t >= 1 (the first candle has no previous close and yields no
//   true range); ATR[N] = mean of TR[1..N]; then
//   ATR[t] = (ATR[t-1] * (N - 1) + TR[t]) / N.
// First defined at index N (N + 1 candles), as in TA-Lib's TA_ATR. Wilder's
// own worksheet instead takes high - low of the first day as its TR and
// starts at index N-1; the two differ only through the seed, whose weight
// decays by (N-1)/N per step. Price units. A constant series gives 0.
class Atr {
 public:
  // Throws Error(kInvalidArgument) if period == 0.
  explicit Atr(std::size_t period = 14);

  // Adds a candle; returns ATR, nullopt during warm-up (indices 0..N-1).
  // Throws Error(kInvalidArgument) for a non-finite price or high < low.
  std::optional<double> Update(const Candle& candle);

  std::size_t period() const noexcept { return period_; }
  bool ready() const noexcept { return count_ > period_; }

 private:
  std::size_t period_;
  std::size_t count_ = 0;  // candles seen
  double prev_close_ = 0.0;
  double atr_ = 0.0;  // a sum of TRs during warm-up, the average afterwards
};

// ---------------------------------------------------------------------------
// Directional movement: +DI, -DI, DX and ADX.

struct AdxValue {
  double plus_di = 0.0;   // +DI, 0..100
  double minus_di = 0.0;  // -DI, 0..100
  double dx = 0.0;        // directional movement index, 0..100
  double adx = 0.0;       // average directional index, 0..100
};

// Wilder's directional movement system, Wilder 1978, "Directional Movement". For each
// candle t >= 1, with up = high[t] - high[t-1] and down = low[t-1] - low[t]:
//   +DM = up if up > down and up > 0, else 0;
//   -DM = down if down > up and down > 0, else 0;  TR as in TrueRange.
// Wilder's running sums (not averages): S[N] = sum of x[1..N], then
// S[t] = S[t-1] - S[t-1] / N + x[t], for TR, +DM and -DM; then
//   +DI = 100 * S(+DM) / S(TR), -DI = 100 * S(-DM) / S(TR),
//   DX = 100 * |+DI - -DI| / (+DI + -DI),
//   ADX[2N-1] = mean of DX[N..2N-1]; ADX[t] = (ADX[t-1] * (N - 1) + DX[t]) / N.
// Warm-up, exactly: +DI/-DI/DX are first defined at index N (N + 1
// candles), ADX at index 2N-1 (2N candles); the same lookback as TA-Lib's
// TA_ADX (2N - 1).
// Degenerate values: S(TR) == 0 (no price movement at all) gives +DI = -DI
// = 0; +DI + -DI == 0 gives DX = 0 (no directional movement, no trend
// strength). N = 1 is allowed (ADX = DX, first at index 1).
class Adx {
 public:
  // Throws Error(kInvalidArgument) if period == 0.
  explicit Adx(std::size_t period = 14);

  // Adds a candle; returns +DI, -DI, DX and ADX, nullopt during warm-up
  // (indices 0..2N-2). Throws Error(kInvalidArgument) for a non-finite
  // price or high < low.
  std::optional<AdxValue> Update(const Candle& candle);

  std::size_t period() const noexcept { return period_; }
  bool ready() const noexcept { return count_ >= 2 * period_; }
  // +DI, -DI and DX of the last candle, defined from index N (before ADX);
  // `adx` is 0 in the value returned here until ready().
  std::optional<AdxValue> directional_indicators() const;

 private:
  std::size_t period_;
  std::size_t count_ = 0;  // candles seen
  double prev_high_ = 0.0;
  double prev_low_ = 0.0;
  double prev_close_ = 0.0;
  double tr_sum_ = 0.0;
  double plus_dm_sum_ = 0.0;
  double minus_dm_sum_ = 0.0;
  double adx_ = 0.0;  // a sum of DX during warm-up, the average afterwards
  AdxValue last_{};
};

// ---------------------------------------------------------------------------
// Volume-weighted average price.

// Typical price of a candle, (high + low + close) / 3: the per-candle price
// that VWAP weights by volume.
double TypicalPrice(const Candle& candle) noexcept;

// When a Vwap starts a new session.
struct VwapSession {
  // Offset of each session's start from 00:00 UTC, in microseconds; must be
  // in [0, length). 0 (the default) resets at UTC midnight; e.g.
  // 14h30m for a 14:30 UTC exchange open.
  Micros start_offset = 0;
  // Session length in microseconds, > 0; one day by default.
  Micros length = kMicrosPerDay;
};

// Session VWAP: sum(TP * volume) / sum(volume) over the candles of the
// current session, with TP = TypicalPrice (the candle approximation of the
// trade-level VWAP, e.g. Berkowitz, Logue & Noser, "The Total Cost of
// Transactions on the NYSE", J. Finance 1988, which defines VWAP on trades).
// A candle belongs to the session that contains its open_time; the sums
// reset when a candle opens in a later session than the previous one.
// Defined from the first candle of a session with volume > 0; nullopt while
// the session's volume is 0 (undefined: no trades to weight).
class Vwap {
 public:
  // Throws Error(kInvalidArgument) if session.length <= 0 or start_offset
  // is outside [0, length).
  explicit Vwap(VwapSession session = {});

  // Adds a candle; returns the session's VWAP so far. Throws
  // Error(kInvalidArgument) for a non-finite price or volume, a negative
  // volume, high < low, or a candle that opens before the previous one.
  std::optional<double> Update(const Candle& candle);

  // Start of the session the last candle belonged to (meaningful after the
  // first Update).
  Timestamp session_start() const noexcept { return Timestamp(session_start_); }

 private:
  VwapSession session_;
  bool started_ = false;
  std::int64_t session_start_ = 0;
  std::int64_t last_open_ = 0;
  double pv_sum_ = 0.0;
  double volume_sum_ = 0.0;
};

// Anchored VWAP: the same ratio as Vwap, over every candle whose open_time
// is at or after `anchor`, never reset (the "anchored VWAP" popularized by
// Brian Shannon, "Maximum Trading Gains with Anchored VWAP", 2023).
// Candles before the anchor are ignored and return nullopt; afterwards
// nullopt while the accumulated volume is 0.
class AnchoredVwap {
 public:
  explicit AnchoredVwap(Timestamp anchor) noexcept : anchor_(anchor) {}

  // Adds a candle; returns the VWAP since the anchor. Throws as Vwap::Update.
  std::optional<double> Update(const Candle& candle);

  Timestamp anchor() const noexcept { return anchor_; }

 private:
  Timestamp anchor_;
  bool started_ = false;
  std::int64_t last_open_ = 0;
  double pv_sum_ = 0.0;
  double volume_sum_ = 0.0;
};

// ---------------------------------------------------------------------------
// Bollinger bands.

struct BollingerValue {
  double middle = 0.0;  // SMA of the window
  double upper = 0.0;   // middle + k * stddev
  double lower = 0.0;   // middle - k * stddev
  double stddev = 0.0;  // population standard deviation of the window
};

// Bollinger bands, Bollinger, "Bollinger on Bollinger Bands" (2001):
// middle = SMA(N) of the closes, bands = middle +/- k * sigma, where sigma
// is the POPULATION standard deviation of the same N values,
// sqrt(sum((x - mean)^2) / N). Population, not sample (N - 1): the bands
// describe the dispersion of exactly the window shown, not an estimate for
// a larger population, and Bollinger specifies the population formula (as
// do TA-Lib's TA_BBANDS and TradingView); a sample sigma would widen the
// bands by sqrt(N / (N - 1)), 2.6 % at N = 20. Defaults N = 20, k = 2.
// First defined at index N-1. A constant window gives stddev 0 (bands on
// the middle). N = 1 gives stddev 0.
// Numerics: a sliding Welford update (mean and sum of squared deviations,
// M2 += (x_new - x_old) * (x_new - mean_new + x_old - mean_old)), clamped at
// 0 and recomputed by two passes over the window every N updates: O(N)
// memory, amortized O(1) time, no catastrophic cancellation of sum(x^2).
class BollingerBands {
 public:
  // Throws Error(kInvalidArgument) if period == 0 or k is negative or not
  // finite.
  explicit BollingerBands(std::size_t period = 20, double k = 2.0);

  // Adds a close; returns the bands, nullopt during warm-up (indices
  // 0..N-2). Throws Error(kInvalidArgument) if `close` is not finite.
  std::optional<BollingerValue> Update(double close);
  std::optional<BollingerValue> Update(const Candle& candle);

  std::size_t period() const noexcept { return period_; }
  double k() const noexcept { return k_; }
  bool ready() const noexcept { return count_ >= period_; }

 private:
  void Recompute();

  std::size_t period_;
  double k_;
  std::vector<double> window_;
  std::size_t next_ = 0;
  std::size_t count_ = 0;
  std::size_t since_recompute_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;  // sum of squared deviations from mean_
};

// ---------------------------------------------------------------------------
// MACD.

struct MacdValue {
  double line = 0.0;       // EMA(fast) - EMA(slow)
  double signal = 0.0;     // EMA(signal) of the line
  double histogram = 0.0;  // line - signal
};

// Moving average convergence/divergence, Appel, "Technical Analysis: Power
// Tools for Active Investors" (2005): line = EMA(fast) - EMA(slow) of the
// closes, signal = EMA(signal_period) of the line, histogram = line -
// signal; defaults 12 / 26 / 9. Every EMA is an Ema with EmaSeed::kSma; the
// fast and slow EMAs both run from index 0, so the line is first defined at
// index slow-1 (25) and the signal, seeded with the SMA of the first
// signal_period line values, at index slow + signal - 2 (33). TA-Lib's
// TA_MACD instead starts the fast EMA late (at slow - fast), which changes
// early values; the difference decays geometrically.
class Macd {
 public:
  // Throws Error(kInvalidArgument) if a period is 0 or fast >= slow.
  explicit Macd(std::size_t fast = 12, std::size_t slow = 26, std::size_t signal = 9);

  // Adds a close; returns line, signal and histogram, nullopt during
  // warm-up (indices 0..slow+signal-3). Throws Error(kInvalidArgument) if
  // `close` is not finite.
  std::optional<MacdValue> Update(double close);
  std::optional<MacdValue> Update(const Candle& candle);

  bool ready() const noexcept { return signal_.ready(); }
  // The MACD line alone, defined from index slow-1 (before the signal).
  std::optional<double> line() const noexcept { return line_; }

 private:
  Ema fast_;
  Ema slow_;
  Ema signal_;
  std::optional<double> line_;
};

}  // namespace tradestore
