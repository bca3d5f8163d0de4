#include "tradestore/trade_candles.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "tradestore/error.h"

namespace tradestore {

TradeCandleBuilder::TradeCandleBuilder(Timeframe timeframe, Sink sink)
    : timeframe_(timeframe), sink_(std::move(sink)) {}

void TradeCandleBuilder::Add(const TradeTick& t) {
  if (!std::isfinite(t.price) || t.price <= 0) {
    throw InvalidArgument("trade at " + t.time.ToIso() + ": price " + std::to_string(t.price) +
                          " must be finite and > 0");
  }
  if (!std::isfinite(t.quantity) || t.quantity < 0) {
    throw InvalidArgument("trade at " + t.time.ToIso() + ": quantity " +
                          std::to_string(t.quantity) + " must be finite and >= 0");
  }
  if (last_time_ && t.time < *last_time_) {
    throw InvalidArgument("trade at " + t.time.ToIso() + " is earlier than the previous one at " +
                          last_time_->ToIso() + " (trades must be in time order)");
  }
  last_time_ = t.time;
  ++trades_in_;
  const Timestamp bucket = FloorToTimeframe(t.time, timeframe_);
  if (current_ && current_->open_time != bucket) {
    sink_(*current_);
    ++candles_out_;
    current_.reset();
  }
  if (!current_) {
    Candle c;
    c.open_time = bucket;
    c.open = c.high = c.low = c.close = t.price;
    c.volume = t.quantity;
    c.trades = 1;
    current_ = c;
    return;
  }
  current_->high = std::max(current_->high, t.price);
  current_->low = std::min(current_->low, t.price);
  current_->close = t.price;
  current_->volume += t.quantity;
  ++current_->trades;
}

void TradeCandleBuilder::Finish() {
  if (current_) {
    sink_(*current_);
    ++candles_out_;
    current_.reset();
  }
  last_time_.reset();
}

std::vector<Candle> CandlesFromTrades(std::span<const TradeTick> trades, Timeframe timeframe) {
  std::vector<Candle> out;
  TradeCandleBuilder b(timeframe, [&out](const Candle& c) { out.push_back(c); });
  for (const TradeTick& t : trades) b.Add(t);
  b.Finish();
  return out;
}

}  // namespace tradestore
