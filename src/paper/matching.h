// Paper-broker matching: the pure rules that decide whether, at what price
// and for how much a working order fills on one candle. This is the paper
// broker's contract; the broker itself (persistence, order state, position
// and ledger updates) is built on top of it. No I/O, no state.
//
// Time. An order is only ever matched against candles that open at or after
// its creation (the "next" candle): no look-ahead. MatchOrder refuses an
// earlier candle.
//
// Prices. Candle prices are double; they are converted once with
// Decimal::FromDouble(x, instrument.price_precision) (half-even) and all
// further arithmetic is exact Decimal. "tick" is instrument.tick_size, or
// 10^-price_precision when tick_size is 0; "lot" likewise from lot_size and
// size_precision. Below, O/H/L are the converted open, high and low.
//
// Slippage (market and stop orders only, which have no price protection):
// the reference price is moved against the trader by slippage_bps and
// rounded to the tick, conservatively:
//   buy:  ceil_to_tick (ref * (1 + slippage_bps / 10000))
//   sell: floor_to_tick(ref * (1 - slippage_bps / 10000))
// (if a sell rounds to zero, one tick is used instead). Slippage may take
// the price outside the candle's range; that is intended. Limit and
// triggered stop-limit fills never get slippage: they fill at the candle's
// price or at their limit.
//
// Order types (buy shown; sell is the mirror image with <=/>= swapped,
// high <-> low, and max <-> min):
//   market:      fills at O + slippage; taker.
//   limit L:     if O <= L: fills at O (marketable at the open); taker.
//                else if L_low <= L: fills at L; maker. A touch of the limit
//                is enough (no trade-through required): optimistic for
//                queue position, but the fill is never better than L.
//                Otherwise no fill.
//   stop S:      triggers when H >= S (or was triggered on an earlier
//                candle). On the trigger candle it fills at max(O, S) +
//                slippage (the open when the market gapped through S);
//                on later candles, like a market order, at O + slippage.
//                Taker.
//   stop-limit S, L: triggers like a stop, at trigger price T = max(O, S).
//                On the trigger candle:
//                  T <= L:            fills at T; taker.
//                  else if O >= S and low <= L: fills at L; maker (it was
//                                     triggered at the open, then rested
//                                     and was touched later in the candle).
//                  else:              no fill (triggered intrabar above the
//                                     limit; OHLC cannot tell whether price
//                                     came back to L after the trigger).
//                On later candles it is a limit order at L (rule above).
//   Sell mirror: stop triggers when L_low <= S, T = min(O, S); stop-limit
//   fills at T when T >= L, at L (maker) when O <= S and H >= L.
//
// Quantity. The fill is the order's remaining quantity, capped when
// max_volume_participation > 0 at floor_to_lot(participation * volume)
// (computed in Decimal from the doubles' shortest decimal forms). A cap of
// zero means no fill on this candle (a triggered stop stays triggered).
// With participation 0 (unlimited) volume is ignored, zero-volume candles
// included. FOK orders fill their whole remaining quantity or nothing.
//
// Fee. price * quantity * bps / 10000, maker_fee_bps or taker_fee_bps by
// liquidity, exact Decimal rounded half-even to Decimal::kScale, or to
// config.fee_decimals places when that is >= 0. A negative
// bps rate is a rebate (negative fee), as in Fill::fee.
//
// Time in force (ShouldExpire): GTC never expires; IOC and FOK get exactly
// one candle, the first one after submission, and whatever is unfilled
// after it expires; DAY expires at the end of the UTC day in which the
// order was created (the first instant of the next UTC day).
#pragma once

#include <optional>

#include "tradestore/candle.h"
#include "tradestore/decimal.h"
#include "tradestore/fill.h"
#include "tradestore/instrument.h"
#include "tradestore/order.h"
#include "tradestore/paper_broker.h"
#include "tradestore/timestamp.h"

namespace tradestore::paper {

// One execution decided by MatchOrder.
struct PaperFill {
  Decimal price;     // > 0, on the instrument's tick for market/stop fills
  Decimal quantity;  // > 0, <= the order's remaining quantity
  Liquidity liquidity = Liquidity::kTaker;
  Decimal fee;  // in the quote currency; < 0 is a rebate
};

struct MatchResult {
  // Stop and stop-limit orders: whether the stop is active after this candle
  // (it triggered on this candle or earlier). The broker must remember it and
  // pass it back as `stop_triggered` on later candles. Always false for
  // market and limit orders.
  bool stop_triggered = false;
  // The execution on this candle, if any.
  std::optional<PaperFill> fill;
};

// Matches the working `order` against `candle`, the next candle after its
// submission or a later one, per the rules at the top of this file.
// `stop_triggered` says whether a stop or stop-limit order's stop was already
// triggered on an earlier candle (ignored for market and limit orders).
// Pure. Throws Error(kInvalidArgument) if the order lacks a price its type
// needs, has a non-positive price or no remaining quantity, if the candle is
// malformed (non-finite or non-positive prices, high/low not enclosing
// open/close, negative volume) or opens before the order was created, if the
// instrument's precisions are outside 0..18, or if the config is invalid;
// Error(kConflict) if the order is in a terminal status.
MatchResult MatchOrder(const Order& order, bool stop_triggered, const Candle& candle,
                       const Instrument& instrument, const PaperConfig& config);

// Whether the order's time in force has run out at `now`.
// `had_fill_opportunity` says whether the order has already been matched
// against at least one candle. The broker calls it twice per candle: before
// matching with now = candle.open_time (a DAY order whose day has ended is
// expired without being matched), and after matching an order that is not
// filled with now = the candle's end (open_time + Duration(timeframe)) and
// had_fill_opportunity = true (an IOC/FOK remainder, or a DAY order whose
// day ended with this candle, expires at once).
//   GTC: never.  IOC, FOK: once had_fill_opportunity.
//   DAY: once now >= the first instant of the UTC day after created_at.
// Terminal orders never expire (returns false).
bool ShouldExpire(const Order& order, Timestamp now, bool had_fill_opportunity);

}  // namespace tradestore::paper
