#include "tradestore/resample.h"

#include <algorithm>
#include <string>
#include <utility>

#include "tradestore/error.h"

namespace tradestore {

void ValidateResample(Timeframe from, Timeframe to) {
  const Micros a = Duration(from);
  const Micros b = Duration(to);
  if (b <= a) {
    throw InvalidArgument("resample: target timeframe " + std::string(ToString(to)) +
                          " is not coarser than the source timeframe " +
                          std::string(ToString(from)));
  }
  if (b % a != 0) {
    throw InvalidArgument("resample: target timeframe " + std::string(ToString(to)) +
                          " is not a whole multiple of the source timeframe " +
                          std::string(ToString(from)));
  }
}

Resampler::Resampler(const ResampleOptions& options, Sink sink)
    : options_(options),
      sink_(std::move(sink)),
      from_length_(Duration(options.from)),
      to_length_(Duration(options.to)) {
  ValidateResample(options.from, options.to);
}

void Resampler::Add(const Candle& c) {
  const Timestamp t = c.open_time;
  if (!IsAligned(t, options_.from)) {
    throw InvalidArgument("resample: candle at " + t.ToIso() + " is not aligned to " +
                          std::string(ToString(options_.from)));
  }
  if (last_time_ && t <= *last_time_) {
    throw InvalidArgument("resample: candle at " + t.ToIso() +
                          " is not after the previous one at " + last_time_->ToIso() +
                          " (candles must be strictly ascending)");
  }
  const Timestamp bucket = FloorToTimeframe(t, options_.to);
  if (!last_time_) {
    first_bucket_ = bucket;
    first_bucket_starts_whole_ = bucket == t;
  }
  last_time_ = t;
  if (current_ && current_->candle.open_time != bucket) {
    Emit(/*complete=*/true);
  }
  if (options_.skip_zero_volume && c.volume == 0) {
    ++candles_skipped_;
    return;
  }
  ++candles_in_;
  if (!current_) {
    ResampledCandle r;
    r.candle = c;
    r.candle.open_time = bucket;
    r.source_count = 1;
    r.expected_count = to_length_ / from_length_;
    current_ = r;
    return;
  }
  Candle& out = current_->candle;
  out.high = std::max(out.high, c.high);
  out.low = std::min(out.low, c.low);
  out.close = c.close;
  out.volume += c.volume;
  out.trades = (out.trades < 0 || c.trades < 0) ? -1 : out.trades + c.trades;
  ++current_->source_count;
}

void Resampler::Emit(bool complete) {
  // The bucket that holds the stream's first candle is whole only if that
  // candle sits at the bucket's start.
  if (first_bucket_ && current_->candle.open_time == *first_bucket_ &&
      !first_bucket_starts_whole_) {
    complete = false;
  }
  current_->complete = complete;
  if (complete || options_.emit_incomplete) {
    sink_(*current_);
    ++buckets_out_;
  } else {
    ++incomplete_dropped_;
  }
  current_.reset();
}

void Resampler::Finish(std::optional<Timestamp> source_end) {
  if (current_) {
    const Micros bucket_end = current_->candle.open_time.micros() + to_length_;
    const bool covered = (last_time_ && last_time_->micros() + from_length_ >= bucket_end) ||
                         (source_end && source_end->micros() >= bucket_end);
    Emit(covered);
  }
  last_time_.reset();
  first_bucket_.reset();
  first_bucket_starts_whole_ = true;
}

std::vector<ResampledCandle> Resample(std::span<const Candle> candles,
                                      const ResampleOptions& options,
                                      std::optional<Timestamp> source_end) {
  std::vector<ResampledCandle> out;
  Resampler r(options, [&out](const ResampledCandle& c) { out.push_back(c); });
  for (const Candle& c : candles) r.Add(c);
  r.Finish(source_end);
  return out;
}

}  // namespace tradestore
