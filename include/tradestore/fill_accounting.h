// Fill accounting: the effect of one fill on its order, the position, the
// trade journal and the ledger, as a pure function of values (no I/O). The
// store (OrderRepository::RecordFill) checks the fill against what it has
// stored, calls AccountFill and writes the result in one unit of work; the
// same function can be run without a database (tests, simulations).
//
// Conventions (position.h, trade.h, ledger.h): quantities are signed on
// positions (long > 0); prices, fees, P&L and balances are exact decimals
// (Decimal::kScale); divisions round half-even. Times are µs UTC.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tradestore/decimal.h"
#include "tradestore/fill.h"
#include "tradestore/ledger.h"
#include "tradestore/order.h"
#include "tradestore/position.h"
#include "tradestore/timestamp.h"
#include "tradestore/trade.h"

namespace tradestore {

// A position with the running state of its open trade (the columns of the
// position row that the public Position does not show). While flat the
// trade state is that of the last closed trade, cleared (StartTrade) when
// the next one opens.
struct PositionState {
  Position position;
  Decimal trade_max_quantity;               // largest |quantity| held since the trade opened
  Decimal trade_exit_quantity;              // sum of the closing quantities
  Decimal trade_exit_notional;              // sum of closing quantity x fill price
  Decimal trade_gross_pnl;                  // realized so far (gross, quote currency)
  Decimal trade_fees;                       // fees of the trade's fills so far
  std::optional<Decimal> trade_high;        // highest fill or mark price seen while open
  std::optional<Decimal> trade_low;         // lowest fill or mark price seen while open
  std::optional<SignalId> trade_signal_id;  // of the opening order
  std::string trade_strategy;               // of the opening order
  std::optional<OrderId> trade_entry_order_id;
  Decimal trade_entry_fees;
  Decimal trade_entry_slippage;
  Decimal trade_exit_slippage;
  std::string trade_strategy_version;  // of the opening order
  TradeContext context;                // PositionRepository::SetTradeContext, SetStops

  // Starts a new trade's state from an opening fill of `order` (open_qty at
  // `price`, with its part of the fee and slippage): the stops of the
  // position and the journal context of the previous trade are cleared.
  void StartTrade(const Order& order, Decimal open_qty, Decimal price, Decimal fee,
                  Decimal slippage);
  // Widens trade_high / trade_low to include `price`.
  void SeePrice(Decimal price);
};

// One leg of a ledger journal (ledger.h). The first leg of a fill's journal
// is on the order's (bot) account, entry.account_id; its balancing leg is on
// the bot's system account named `system_account` (entry.account_id 0 until
// the store resolves the name, creating the account on first use).
struct JournalLeg {
  LedgerEntry entry;           // type, currency, amount, time, order/fill/trade ids, description
  std::string system_account;  // "" for the bot account's leg, else e.g. "system:fees"
};

// The legs of one movement; they sum to zero per currency. A fill's
// journals have two legs: [bot account leg, system account leg].
using Journal = std::vector<JournalLeg>;

// The system account that balances an entry of `type` (ledger.h):
// "system:external" (deposit, withdrawal, transfer), "system:fees",
// "system:pnl", "system:funding", "system:adjustments".
std::string_view SystemAccountFor(LedgerEntryType type) noexcept;

// What one fill does. Ids the store assigns on insert (the closed trade's)
// are 0 here until AssignTradeId.
struct FillEffect {
  // The order after the fill: filled_quantity, average_fill_price
  // (quantity-weighted, half-even), status (filled when nothing remains,
  // else partially_filled), updated_at, reserved, and trade_id (the closed
  // trade's, when the fill closed one).
  Order order;
  OrderStatus order_from_status = OrderStatus::kAccepted;  // before the fill
  std::string order_event_reason;                          // "fill <venue_fill_id>"
  // order.reserved after - before (quote currency): the change of the
  // account's locked balance (ledger.h, "Locked balances").
  Decimal reservation_change;
  // The position and its trade state after the fill. position.fees adds
  // the fill's fee; last_price is the fill price; stops, trailing state,
  // highest/lowest price and unrealized P&L are kept while open and cleared
  // when flat.
  PositionState position;
  PositionChange change;         // ApplyFill's result
  PositionEvent position_event;  // opened/increased/reduced/closed/flipped (id 0)
  // The journal row of the trade the fill closed (or flipped), all fields
  // but the review ones and id; see trade.h for each formula. Closing
  // fees and slippage are the fill's pro-rata share (fee x closed / fill
  // quantity, half-even); pnl_percent, r_multiple, mae_r and mfe_r are
  // computed in double from the exact values.
  std::optional<Trade> closed_trade;
  // The fee (fill.fee_currency, amount -fee, balanced on "system:fees")
  // when the fee is not zero, then the realized P&L (quote currency, else
  // the fee currency when the instrument has none; balanced on
  // "system:pnl") when not zero.
  std::vector<Journal> journals;

  // Sets the id of the closed trade where it is referenced: closed_trade,
  // order.trade_id, position_event.trade_id and the realized P&L legs.
  void AssignTradeId(TradeId id);
};

// Checks the fields of a reported fill. Throws Error(kInvalidArgument)
// naming the fill ("fill '<venue_fill_id>' of order <id>"), the field and
// the value for an empty venue_fill_id or a non-positive quantity or price.
void ValidateFill(const Fill& fill);

// The fill as it is recorded: instrument, account, side, mode and is_test
// from `order`; time `now` when unset (Timestamp()); fee_currency
// `quote_asset` when empty. Other fields as reported.
Fill NormalizeFill(const Fill& reported, const Order& order, std::string_view quote_asset,
                   Timestamp now);

// A resend of an already recorded fill (same bot, venue and venue_fill_id)
// must carry the same values. `normalized` is NormalizeFill(reported, ...),
// `stored` the recorded fill. Throws Error(kConflict) listing every field
// that differs ("quantity 2 (stored 1)", ...): order_id, quantity, price,
// fee, fee_currency, liquidity, and time when the report gave one.
void CheckResentFill(const Fill& reported, const Fill& normalized, const Fill& stored);

// Checks that `order` can take `fill`. Throws Error(kConflict) when the
// order is not accepted or partially filled (naming the fill, the order's
// id, client id and status) or the fill's quantity exceeds the order's
// remaining quantity.
void CheckFillable(const Order& order, const Fill& fill);

// The reservation of an order (ledger.h): remaining quantity x (limit
// price, else stop price, else expected price); 0 for terminal orders and
// for orders without any of these prices.
Decimal ReservationOf(const Order& order);

// The slippage cost of `quantity` filled at `price` (trade.h): > 0 = worse
// than the order's expected price (else its limit price); 0 without either.
Decimal SlippageOf(const Order& order, Decimal quantity, Decimal price);

// The effect of `fill` on `order` and on the position of its bot, account
// and instrument (`position`, nullopt when none was ever stored).
//   order:      as stored before the fill.
//   fill:       NormalizeFill's result with its id assigned (the ledger
//               entries and the position event refer to it).
//   quote_asset: the instrument's quote currency (realized P&L and the
//               reservation are in it); may be empty.
// Throws Error(kInvalidArgument) as ValidateFill and Error(kConflict) as
// CheckFillable.
FillEffect AccountFill(const Order& order, const std::optional<PositionState>& position,
                       const Fill& fill, std::string_view quote_asset);

}  // namespace tradestore
