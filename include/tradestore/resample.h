// Resampling OHLCV candles from one timeframe to a coarser one, streaming.
//
// Rules (the same as Kraken's own OHLCVT exports, which these reproduce
// exactly; see tests/market/resample_test.cc):
//   - a source candle belongs to the target bucket FloorToTimeframe(open_time,
//     to): buckets are aligned to UTC, days start at 00:00 UTC and weeks on
//     Monday 00:00 UTC;
//   - open = open of the bucket's first candle, high = max of highs, low = min
//     of lows, close = close of the last candle, volume = sum of volumes,
//     trades = sum of trades, or -1 (unknown) when any source candle's count is
//     unknown;
//   - buckets without source candles are skipped, never invented: a gappy
//     source gives a gappy result;
//   - a bucket that the source may not cover whole is flagged
//     (ResampledCandle::complete == false), not silently passed off as whole:
//     the first bucket when the first source candle is not at its start, and
//     the last one when the last source candle is not the bucket's final
//     sub-interval (unless the caller says the source runs past it). Buckets
//     in between are complete by definition: the source continues on both
//     sides, so a missing sub-interval there means "no trades", which is how
//     gappy venues (Kraken, Bittrex) publish their data.
//
// Zero-volume filler bars. Some sources (Binance via freqtrade, e.g.
// XRP_ETH-1m.json; Binance.US) write a flat bar at the previous close for a
// minute without trades. Treated as a real bar, its open (= the previous
// close) becomes the 5m bucket's open when it is the bucket's first minute,
// and its price widens the high/low: resampling freqtrade XRP_ETH-1m to 5m
// that way disagrees with the venue's own XRP_ETH-5m in 183 buckets.
// ResampleOptions::skip_zero_volume drops such bars before aggregation, which
// reproduces the venue's non-empty 5m candles exactly; a bucket made only of
// filler bars is then absent (it had no trades).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "tradestore/candle.h"
#include "tradestore/coverage.h"
#include "tradestore/store.h"
#include "tradestore/timeframe.h"
#include "tradestore/timestamp.h"

namespace tradestore {

struct ResampleOptions {
  Timeframe from = Timeframe::k1m;  // timeframe of the source candles
  Timeframe to = Timeframe::k5m;    // target: coarser, a whole multiple of `from`
  // Drop source candles with volume == 0 (filler bars) before aggregating.
  bool skip_zero_volume = false;
  // When false, buckets flagged incomplete are not emitted at all.
  bool emit_incomplete = true;
};

// One target bucket.
struct ResampledCandle {
  Candle candle;                    // open_time = bucket start, aligned to `to`
  std::int64_t source_count = 0;    // source candles aggregated into it
  std::int64_t expected_count = 0;  // Duration(to) / Duration(from)
  // False when the source may not cover the whole bucket (first or last
  // bucket of the stream, see above). source_count < expected_count alone
  // does not make a bucket incomplete: gappy sources skip quiet intervals.
  bool complete = true;
};

// Throws Error(kInvalidArgument) naming both timeframes unless `to` is
// coarser than `from` and a whole multiple of it.
void ValidateResample(Timeframe from, Timeframe to);

// Streaming resampler: feed source candles oldest first with Add(), then call
// Finish(); each finished bucket is passed to the sink as soon as it is
// known (when a candle of a later bucket arrives, or at Finish). Memory is
// O(1). Not thread-safe.
class Resampler {
 public:
  using Sink = std::function<void(const ResampledCandle&)>;

  // Throws Error(kInvalidArgument) as ValidateResample does.
  Resampler(const ResampleOptions& options, Sink sink);

  // Adds the next source candle. Throws Error(kInvalidArgument) naming the
  // time when open_time is not aligned to options.from or not strictly after
  // the previous candle's (the resampler is left unchanged).
  void Add(const Candle& candle);

  // Ends the stream and emits the last bucket. `source_end`, when known, is
  // the (exclusive) time up to which the source is complete, e.g. the time
  // the data was fetched: a last bucket ending at or before it is complete.
  // Without it, the last bucket is complete only when its final
  // sub-interval is present. Further Add() calls start a new stream.
  void Finish(std::optional<Timestamp> source_end = std::nullopt);

  // Source candles accepted (after skip_zero_volume) and buckets emitted.
  std::int64_t candles_in() const noexcept { return candles_in_; }
  std::int64_t candles_skipped() const noexcept { return candles_skipped_; }
  std::int64_t buckets_out() const noexcept { return buckets_out_; }
  std::int64_t incomplete_dropped() const noexcept { return incomplete_dropped_; }

 private:
  void Emit(bool complete);

  ResampleOptions options_;
  Sink sink_;
  Micros from_length_;
  Micros to_length_;
  std::optional<ResampledCandle> current_;
  std::optional<Timestamp> last_time_;     // of the last accepted candle
  std::optional<Timestamp> first_bucket_;  // bucket of the stream's first candle
  bool first_bucket_starts_whole_ = true;
  std::int64_t candles_in_ = 0;
  std::int64_t candles_skipped_ = 0;
  std::int64_t buckets_out_ = 0;
  std::int64_t incomplete_dropped_ = 0;
};

// Resamples a whole series at once (a convenience over Resampler). Throws as
// Resampler does.
std::vector<ResampledCandle> Resample(std::span<const Candle> candles,
                                      const ResampleOptions& options,
                                      std::optional<Timestamp> source_end = std::nullopt);

// What ResampleStored did.
struct ResampleStoredSummary {
  std::int64_t source_candles = 0;         // read from the store (fillers included)
  std::int64_t skipped_zero_volume = 0;    // source candles dropped as fillers
  std::int64_t written = 0;                // target candles upserted
  std::int64_t incomplete_written = 0;     // of those, flagged incomplete
  std::int64_t incomplete_dropped = 0;     // incomplete buckets not stored
  std::optional<CandleCoverage> coverage;  // of the target series, after
};

// Reads the stored candles of `instrument` at options.from, resamples them
// and upserts the result as candles of options.to, then refreshes the
// target's coverage, all in one market unit of work. The store's series is
// taken to end at its last candle (no source_end): a partial last bucket is
// flagged and, unless options.emit_incomplete, not stored. Throws
// Error(kInvalidArgument) as ValidateResample does, kNotFound for an unknown
// instrument, storage errors as Store does (nothing is then written).
ResampleStoredSummary ResampleStored(Store& store, InstrumentId instrument,
                                     const ResampleOptions& options);

}  // namespace tradestore
