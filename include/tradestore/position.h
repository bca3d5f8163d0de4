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

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
  // Protective levels (PositionRepository::SetStops, MarkPrice). stop_loss
  // is the current stop: a trailing stop moves it.
  std::optional<Decimal> stop_loss;
  std::optional<Decimal> take_profit;
  std::optional<Decimal> trailing_distance;  // price units, > 0
  std::optional<Decimal> trailing_percent;   // fraction of the price, in (0, 1)
  std::optional<Decimal> highest_price;      // highest price seen while open
  std::optional<Decimal> lowest_price;       // lowest price seen while open
  std::optional<Decimal> last_price;         // the last mark (MarkPrice) or fill price
  std::optional<Timestamp> last_price_at;
  Decimal unrealized_pnl;  // UnrealizedPnl at last_price; 0 when flat
  RunMode mode = RunMode::kPaper;
  bool is_test = false;
  bool is_flat() const { return quantity.IsZero(); }
};

// Stops of an open position (PositionRepository::SetStops). Unset fields
// clear the level. At most one of trailing_distance and trailing_percent.
struct StopSettings {
  std::optional<Decimal> stop_loss;
  std::optional<Decimal> take_profit;
  std::optional<Decimal> trailing_distance;
  std::optional<Decimal> trailing_percent;
};

// Journal context of the open trade (PositionRepository::SetTradeContext),
// copied into the Trade when the position closes. Empty fields are left
// out. initial_stop, when empty, is the first stop loss set while open.
struct TradeContext {
  std::optional<Decimal> initial_stop;
  std::optional<Decimal> target;
  std::optional<Decimal> risk_amount;  // quote currency; default |entry - initial stop| x qty
  std::string position_size_rule;      // e.g. "1% risk"
  std::string regime;                  // e.g. "trending", "ranging"
  std::optional<double> volatility;    // e.g. annualized, fraction
  std::optional<double> atr;           // price units
  std::string session;                 // e.g. "asia", "london", "new_york"
  std::string trend;                   // e.g. "up", "down", "flat"
  std::string setup;                   // e.g. "breakout"
};

enum class PositionEventType {
  kOpened,     // from flat
  kIncreased,  // same side, larger
  kReduced,    // partial close
  kClosed,     // back to flat
  kFlipped,    // through zero to the other side
  kStopsSet,   // SetStops
  kStopMoved,  // a trailing stop moved the stop loss
  kMarked,     // MarkPrice with record_event
};
std::string_view ToString(PositionEventType t) noexcept;          // "opened", "increased",
                                                                  // "reduced", "closed",
                                                                  // "flipped", "stops_set",
                                                                  // "stop_moved", "marked"
PositionEventType ParsePositionEventType(std::string_view text);  // throws kInvalidArgument

struct PositionEvent {
  std::int64_t id = 0;
  BotId bot_id = 0;
  AccountId account_id = 0;
  InstrumentId instrument_id = 0;
  Timestamp time;
  PositionEventType type = PositionEventType::kOpened;
  Decimal quantity_change;             // signed; 0 for stops and marks
  Decimal quantity;                    // the position after
  std::optional<Decimal> price;        // fill or mark price
  Decimal average_entry_price;         // after
  Decimal realized_pnl;                // realized by this event (gross, quote currency)
  std::optional<Decimal> stop_loss;    // after
  std::optional<Decimal> take_profit;  // after
  std::optional<std::int64_t> fill_id;
  std::optional<std::int64_t> trade_id;  // the trade a close or flip ended
  std::string message;
  RunMode mode = RunMode::kPaper;
  bool is_test = false;
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
PositionChange ApplyFill(const Position& before, Side side, Decimal quantity, Decimal price,
                         Timestamp time);

// Unrealized P&L of `p` marked at `mark_price`:
// (mark - average entry) * quantity (quantity signed).
Decimal UnrealizedPnl(const Position& p, Decimal mark_price);

}  // namespace tradestore
