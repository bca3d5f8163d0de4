// Candles built from trades (ticks): time-ordered trades in, OHLCV buckets
// of one timeframe out, streaming.
//
// Each bucket is FloorToTimeframe(trade time, timeframe) (UTC; weeks start on
// Monday). open = price of the bucket's first trade, high/low = max/min
// price, close = price of the last trade, volume = sum of quantities (base
// asset), trades = number of trades. Trades with the same time keep their
// file order (the first one is the open). Zero-quantity trades are prints
// and count (price and trades, not volume). Buckets without trades are not
// emitted: no filler bars. Built this way, freqtrade's Binance XRP/ETH trades
// reproduce exactly the non-zero-volume candles of its 1m and 5m files.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "tradestore/candle.h"
#include "tradestore/timeframe.h"
#include "tradestore/timestamp.h"

namespace tradestore {

// One trade print.
struct TradeTick {
  Timestamp time;       // µs UTC
  double price = 0;     // quote units per base unit, > 0
  double quantity = 0;  // base units, >= 0
};

// Streaming trades → candles. Not thread-safe.
class TradeCandleBuilder {
 public:
  using Sink = std::function<void(const Candle&)>;

  TradeCandleBuilder(Timeframe timeframe, Sink sink);

  // Adds the next trade. Throws Error(kInvalidArgument) naming the time when
  // it is earlier than the previous trade's, or when the price is not finite
  // and > 0 or the quantity not finite and >= 0 (nothing is changed).
  void Add(const TradeTick& trade);
  // Emits the last bucket. The builder can then start a new stream.
  void Finish();

  std::int64_t trades_in() const noexcept { return trades_in_; }
  std::int64_t candles_out() const noexcept { return candles_out_; }

 private:
  Timeframe timeframe_;
  Sink sink_;
  std::optional<Candle> current_;
  std::optional<Timestamp> last_time_;
  std::int64_t trades_in_ = 0;
  std::int64_t candles_out_ = 0;
};

// Builds the candles of a whole trade series at once. Throws as
// TradeCandleBuilder::Add does.
std::vector<Candle> CandlesFromTrades(std::span<const TradeTick> trades, Timeframe timeframe);

}  // namespace tradestore
