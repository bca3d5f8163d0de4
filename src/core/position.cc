// Pure position accounting; the conventions are documented in
// include/tradestore/position.h.

#include "tradestore/position.h"

#include <algorithm>
#include <string>

#include "tradestore/error.h"

namespace tradestore {

PositionChange ApplyFill(const Position& before, Side side, Decimal quantity, Decimal price,
                         Timestamp time) {
  if (!quantity.IsPositive()) {
    throw InvalidArgument("fill quantity must be positive, got " + quantity.ToString());
  }
  if (!price.IsPositive()) {
    throw InvalidArgument("fill price must be positive, got " + price.ToString());
  }

  PositionChange change;
  Position& after = change.after;
  after = before;
  after.updated_at = time;

  const Decimal signed_fill = SignOf(side) == 1 ? quantity : -quantity;
  const int old_sign = before.quantity.Sign();

  if (old_sign == 0 || old_sign == SignOf(side)) {
    // Opening from flat or increasing: the new average entry is the
    // quantity-weighted mean of the old average and the fill price, computed
    // as avg + (price - avg) * q / new_size so that a fill at the current
    // average leaves it exactly unchanged.
    const Decimal old_avg = old_sign == 0 ? price : before.average_entry_price;
    const Decimal new_quantity = before.quantity + signed_fill;
    after.quantity = new_quantity;
    after.average_entry_price =
        old_avg + (price - old_avg).Mul(quantity).Div(new_quantity.Abs(), RoundingMode::kHalfEven);
    if (old_sign == 0) after.opened_at = time;
    change.opened_quantity = quantity;
    return change;
  }

  // The fill reduces, closes or flips the position.
  const Decimal old_size = before.quantity.Abs();
  const Decimal closed = std::min(old_size, quantity);
  Decimal realized = (price - before.average_entry_price).Mul(closed);
  if (old_sign < 0) realized = -realized;

  change.closed_quantity = closed;
  change.realized_pnl = realized;
  after.realized_pnl = before.realized_pnl + realized;
  after.quantity = before.quantity + signed_fill;

  if (after.quantity.IsZero()) {
    // Closed exactly. opened_at keeps the closed position's opening time
    // (it has no meaning while flat and is reset when a position reopens).
    change.closed = true;
    after.average_entry_price = Decimal();
  } else if (after.quantity.Sign() != old_sign) {
    // Flip: the remainder opens a new position at the fill price.
    change.closed = true;
    change.flipped = true;
    change.opened_quantity = quantity - closed;
    after.average_entry_price = price;
    after.opened_at = time;
  }
  // Otherwise a partial reduce: the average entry price is unchanged.
  return change;
}

Decimal UnrealizedPnl(const Position& p, Decimal mark_price) {
  if (p.quantity.IsZero()) return Decimal();
  return (mark_price - p.average_entry_price).Mul(p.quantity);
}

}  // namespace tradestore
