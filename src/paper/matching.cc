// Paper-broker matching rules; the contract is documented in matching.h.

#include "paper/matching.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "tradestore/error.h"
#include "tradestore/order_types.h"
#include "tradestore/timeframe.h"

namespace tradestore::paper {
namespace {

constexpr int kBpsPerUnit = 10000;

// 10^-places as a Decimal; places in 0..kScale.
Decimal PowerOfTenBelowOne(int places) {
  Decimal::Rep units = 1;
  for (int i = places; i < Decimal::kScale; ++i) units *= 10;
  return Decimal::FromUnits(units);
}

// The instrument's smallest increment: `size` when set, else 10^-precision.
Decimal Increment(Decimal size, int precision, const char* what, const Instrument& instrument) {
  if (precision < 0 || precision > Decimal::kScale) {
    throw InvalidArgument("instrument " + instrument.symbol + ": " + what +
                          " precision must be in 0..18, got " + std::to_string(precision));
  }
  if (size.IsNegative()) {
    throw InvalidArgument("instrument " + instrument.symbol + ": " + what +
                          " increment must not be negative, got " + size.ToString());
  }
  return size.IsZero() ? PowerOfTenBelowOne(precision) : size;
}

void ValidateCandle(const Candle& c) {
  const bool finite = std::isfinite(c.open) && std::isfinite(c.high) && std::isfinite(c.low) &&
                      std::isfinite(c.close) && std::isfinite(c.volume);
  if (!finite || c.low <= 0 || c.low > std::min(c.open, c.close) ||
      c.high < std::max(c.open, c.close) || c.volume < 0) {
    throw InvalidArgument("malformed candle at " + std::to_string(c.open_time.micros()) +
                          ": open " + std::to_string(c.open) + " high " + std::to_string(c.high) +
                          " low " + std::to_string(c.low) + " close " + std::to_string(c.close) +
                          " volume " + std::to_string(c.volume));
  }
}

std::string OrderName(const Order& order) { return "order " + std::to_string(order.id); }

Decimal RequirePrice(const Order& order, const std::optional<Decimal>& price, const char* what) {
  if (!price.has_value()) {
    throw InvalidArgument(OrderName(order) + " (" + std::string(ToString(order.type)) +
                          ") has no " + what);
  }
  if (!price->IsPositive()) {
    throw InvalidArgument(OrderName(order) + ": " + what + " must be positive, got " +
                          price->ToString());
  }
  return *price;
}

// Moves `reference` against the trader by `slippage_bps` and rounds it to
// the tick, buys up and sells down. Directed rounding at the 18th place
// followed by the same directed rounding to the tick equals one directed
// rounding of the exact value.
Decimal Slip(Decimal reference, Side side, Decimal slippage_bps, Decimal tick) {
  const Decimal fraction = slippage_bps.Div(Decimal::FromInt(kBpsPerUnit), RoundingMode::kHalfEven);
  if (side == Side::kBuy) {
    const Decimal factor = Decimal::FromInt(1) + fraction;
    return reference.Mul(factor, RoundingMode::kCeiling)
        .RoundToIncrement(tick, RoundingMode::kCeiling);
  }
  const Decimal factor = Decimal::FromInt(1) - fraction;
  const Decimal price =
      reference.Mul(factor, RoundingMode::kFloor).RoundToIncrement(tick, RoundingMode::kFloor);
  return price.IsPositive() ? price : tick;
}

// The most an order may take from this candle: floor_to_lot(participation *
// volume), or nullopt when unlimited.
std::optional<Decimal> VolumeCap(const Candle& candle, double participation, Decimal lot) {
  if (participation == 0) return std::nullopt;
  const double product = participation * candle.volume;
  // Far beyond any representable order quantity: effectively unlimited.
  if (product >= 1e19) return std::nullopt;
  Decimal cap;
  if (candle.volume < 1e18) {
    // Exact product of the shortest decimal forms, so that 0.29 * 100 is 29
    // and not 28.999999999999996.
    cap = Decimal::FromDouble(participation)
              .Mul(Decimal::FromDouble(candle.volume), RoundingMode::kDown);
  } else {
    cap = Decimal::FromDouble(product, Decimal::kScale, RoundingMode::kDown);
  }
  return cap.RoundToIncrement(lot, RoundingMode::kDown);
}

Decimal Fee(Decimal price, Decimal quantity, Decimal bps) {
  const Decimal rate = bps.Div(Decimal::FromInt(kBpsPerUnit), RoundingMode::kHalfEven);
  return price.Mul(quantity).Mul(rate);
}

// A price decided by the order-type rules, before slippage and sizing.
struct Quote {
  Decimal price;
  Liquidity liquidity = Liquidity::kTaker;
  bool slips = false;  // market-like: slippage applies
};

// Side-aware comparisons: "at or better than" for the order's side.
struct SideView {
  Side side;
  // A buy pays at most `limit`; a sell receives at least `limit`.
  bool AtOrBetter(Decimal price, Decimal limit) const {
    return side == Side::kBuy ? price <= limit : price >= limit;
  }
  // The candle traded at `limit` or better for this order.
  bool Touched(Decimal high, Decimal low, Decimal limit) const {
    return side == Side::kBuy ? low <= limit : high >= limit;
  }
  // The candle reached the stop: a buy stop is above the market, a sell
  // stop below it.
  bool StopHit(Decimal high, Decimal low, Decimal stop) const {
    return side == Side::kBuy ? high >= stop : low <= stop;
  }
  // The open was already at or beyond the stop (gap through).
  bool GappedThrough(Decimal open, Decimal stop) const {
    return side == Side::kBuy ? open >= stop : open <= stop;
  }
  // Where a stop triggered within the candle.
  Decimal TriggerPrice(Decimal open, Decimal stop) const {
    return side == Side::kBuy ? std::max(open, stop) : std::min(open, stop);
  }
};

std::optional<Quote> LimitQuote(const SideView& s, Decimal open, Decimal high, Decimal low,
                                Decimal limit) {
  if (s.AtOrBetter(open, limit)) return Quote{open, Liquidity::kTaker, false};
  if (s.Touched(high, low, limit)) return Quote{limit, Liquidity::kMaker, false};
  return std::nullopt;
}

}  // namespace

void ValidateConfig(const PaperConfig& config) {
  const Decimal max_bps = Decimal::FromInt(kBpsPerUnit);
  if (config.slippage_bps.IsNegative() || config.slippage_bps >= max_bps) {
    throw InvalidArgument("paper config: slippage_bps must be in [0, 10000), got " +
                          config.slippage_bps.ToString());
  }
  if (config.fee_decimals < -1 || config.fee_decimals > Decimal::kScale) {
    throw InvalidArgument("paper config: fee_decimals must be -1 or 0..18, got " +
                          std::to_string(config.fee_decimals));
  }
  if (config.maker_fee_bps.Abs() >= max_bps) {
    throw InvalidArgument("paper config: maker_fee_bps must be in (-10000, 10000), got " +
                          config.maker_fee_bps.ToString());
  }
  if (config.taker_fee_bps.Abs() >= max_bps) {
    throw InvalidArgument("paper config: taker_fee_bps must be in (-10000, 10000), got " +
                          config.taker_fee_bps.ToString());
  }
  const double p = config.max_volume_participation;
  if (!std::isfinite(p) || p < 0 || p > 1) {
    throw InvalidArgument("paper config: max_volume_participation must be in [0, 1], got " +
                          std::to_string(p));
  }
}

MatchResult MatchOrder(const Order& order, bool stop_triggered, const Candle& candle,
                       const Instrument& instrument, const PaperConfig& config) {
  ValidateConfig(config);
  if (IsTerminal(order.status)) {
    throw Conflict(OrderName(order) + " is " + std::string(ToString(order.status)) +
                   "; it cannot fill");
  }
  const Decimal remaining = order.remaining_quantity();
  if (!remaining.IsPositive()) {
    throw InvalidArgument(OrderName(order) + " has no remaining quantity (quantity " +
                          order.quantity.ToString() + ", filled " +
                          order.filled_quantity.ToString() + ")");
  }
  ValidateCandle(candle);
  if (candle.open_time < order.created_at) {
    throw InvalidArgument(OrderName(order) + " created at " +
                          std::to_string(order.created_at.micros()) +
                          " cannot match the earlier candle at " +
                          std::to_string(candle.open_time.micros()) + " (look-ahead)");
  }
  const Decimal tick =
      Increment(instrument.tick_size, instrument.price_precision, "price", instrument);
  const Decimal lot = Increment(instrument.lot_size, instrument.size_precision, "size", instrument);

  const int places = instrument.price_precision;
  const Decimal open = Decimal::FromDouble(candle.open, places);
  const Decimal high = Decimal::FromDouble(candle.high, places);
  const Decimal low = Decimal::FromDouble(candle.low, places);
  const SideView s{order.side};

  MatchResult result;
  std::optional<Quote> quote;
  switch (order.type) {
    case OrderType::kMarket:
      quote = Quote{open, Liquidity::kTaker, true};
      break;
    case OrderType::kLimit:
      quote = LimitQuote(s, open, high, low, RequirePrice(order, order.limit_price, "limit price"));
      break;
    case OrderType::kStop: {
      const Decimal stop = RequirePrice(order, order.stop_price, "stop price");
      if (stop_triggered) {
        result.stop_triggered = true;
        quote = Quote{open, Liquidity::kTaker, true};
      } else if (s.StopHit(high, low, stop)) {
        result.stop_triggered = true;
        quote = Quote{s.TriggerPrice(open, stop), Liquidity::kTaker, true};
      }
      break;
    }
    case OrderType::kStopLimit: {
      const Decimal stop = RequirePrice(order, order.stop_price, "stop price");
      const Decimal limit = RequirePrice(order, order.limit_price, "limit price");
      if (stop_triggered) {
        result.stop_triggered = true;
        quote = LimitQuote(s, open, high, low, limit);
      } else if (s.StopHit(high, low, stop)) {
        result.stop_triggered = true;
        const Decimal trigger = s.TriggerPrice(open, stop);
        if (s.AtOrBetter(trigger, limit)) {
          quote = Quote{trigger, Liquidity::kTaker, false};
        } else if (s.GappedThrough(open, stop) && s.Touched(high, low, limit)) {
          quote = Quote{limit, Liquidity::kMaker, false};
        }
      }
      break;
    }
  }
  if (!quote.has_value()) return result;

  Decimal quantity = remaining;
  if (const std::optional<Decimal> cap = VolumeCap(candle, config.max_volume_participation, lot);
      cap.has_value() && *cap < quantity) {
    quantity = *cap;
  }
  if (!quantity.IsPositive()) return result;
  if (order.time_in_force == TimeInForce::kFok && quantity < remaining) return result;

  PaperFill fill;
  fill.price =
      quote->slips ? Slip(quote->price, order.side, config.slippage_bps, tick) : quote->price;
  fill.quantity = quantity;
  fill.liquidity = quote->liquidity;
  fill.fee = Fee(fill.price, quantity,
                 fill.liquidity == Liquidity::kMaker ? config.maker_fee_bps : config.taker_fee_bps);
  if (config.fee_decimals >= 0) fill.fee = fill.fee.Round(config.fee_decimals);
  result.fill = fill;
  return result;
}

bool ShouldExpire(const Order& order, Timestamp now, bool had_fill_opportunity) {
  if (IsTerminal(order.status)) return false;
  switch (order.time_in_force) {
    case TimeInForce::kGtc:
      return false;
    case TimeInForce::kIoc:
    case TimeInForce::kFok:
      return had_fill_opportunity;
    case TimeInForce::kDay:
      return now >= FloorToTimeframe(order.created_at, Timeframe::k1d) + kMicrosPerDay;
  }
  return false;
}

}  // namespace tradestore::paper
