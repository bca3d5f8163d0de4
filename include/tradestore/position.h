// Positions (per bot, account and instrument) and the pure accounting that
// applies a fill to a position.
//
// Conventions: quantity is signed (long > 0, short < 0). Average entry price
// is the quantity-weighted mean of the fills that opened or increased the
// current position. A reducing fill realizes
//   (fill price - average entry) * closed quantity * sign(position)
// in the quote currency; the average entry price does not change on a
// reduce. A fill larger than the position closes it and opens the opposite
// side with the remainder at the fill price (a flip). Fees are kept apart
// from realized P&L (realized_pnl is gross; fees are separate ledger entries).
#pragma once

#include <optional>

#include "tradestore/bot.h"
#include "tradestore/decimal.h"
#include "tradestore/instrument.h"
#include "tradestore/ledger.h"
#include "tradestore/order_types.h"
#include "tradestore/timestamp.h"

namespace tradestore {

struct Position {
  BotId bot_id = 0;
  AccountId account_id = 0;
  InstrumentId instrument_id = 0;
  Decimal quantity;             // signed net quantity; 0 = flat
  Decimal average_entry_price;  // 0 when flat
  Decimal realized_pnl;         // cumulative gross realized P&L, quote currency
  Decimal fees;                 // cumulative fees of the position's fills
  Timestamp opened_at;          // when the current (non-flat) position opened
  Timestamp updated_at;
  bool is_flat() const { return quantity.IsZero(); }
};

// What applying one fill did to a position.
struct PositionChange {
  Position after;
  Decimal closed_quantity;  // >= 0: quantity that reduced the old position
  Decimal opened_quantity;  // >= 0: quantity that increased or opened one
  Decimal realized_pnl;     // gross P&L realized by this fill (quote currency)
  bool closed = false;      // the old position went to zero (including a flip)
  bool flipped = false;     // it went through zero to the opposite side
};

// Applies a fill of `quantity` (> 0) at `price` on `side` to `before`. Pure;
// rounding of the average entry price is half-even to Decimal::kScale.
// Throws Error(kInvalidArgument) if quantity or price is not positive.
PositionChange ApplyFill(const Position& before, Side side, Decimal quantity,
                         Decimal price, Timestamp time);

// Unrealized P&L of `p` marked at `mark_price`:
// (mark - average entry) * quantity (quantity signed).
Decimal UnrealizedPnl(const Position& p, Decimal mark_price);

}  // namespace tradestore
