// OrderRepository: orders, their lifecycle and fills; RecordFill is the
// atomic fill path (src/store/order_repositories.cc).
//
// Obtained from Store (store.h); units, errors and thread safety as stated
// there.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/fill.h"
#include "tradestore/ledger.h"
#include "tradestore/order.h"
#include "tradestore/position.h"
#include "tradestore/repository.h"
#include "tradestore/timestamp.h"
#include "tradestore/trade.h"

namespace tradestore {

// What recording one fill did, all in one unit of work.
struct FillOutcome {
  bool duplicate = false;  // the (venue, venue_fill_id) was already recorded:
                           // nothing changed and the stored fill is returned
  Fill fill;
  Order order;        // after the fill
  Position position;  // after the fill
  PositionChange change;
  std::optional<Trade> closed_trade;        // when the fill closed (or flipped) a position
  std::vector<LedgerEntry> ledger_entries;  // fee and realized P&L postings
};

class OrderRepository {
 public:
  // Records a new order (status new) and its creation event. Generates a
  // client_order_id when empty. Throws kInvalidArgument for a non-positive
  // quantity, a missing limit or stop price for the type, or a price on a
  // type that takes none; kConflict for a duplicate client_order_id.
  Order Create(const Order& order);
  // Moves an order to `to`, recording an event. Throws kConflict naming the
  // order id and both states if kOrderStatusTransitions does not allow it.
  Order Transition(BotId bot, OrderId id, OrderStatus to, Timestamp time,
                   std::string_view reason = {});
  // Records that a stop or stop-limit order's stop price was reached (kept
  // once; later calls return the order unchanged). Throws kConflict for
  // other order types or terminal orders.
  Order MarkTriggered(BotId bot, OrderId id, Timestamp time);
  Order Get(BotId bot, OrderId id);  // throws kNotFound
  std::optional<Order> FindByClientId(BotId bot, std::string_view client_order_id);
  // Orders not in a terminal status, oldest first.
  std::vector<Order> ListOpen(BotId bot);
  std::vector<Order> List(BotId bot, const TimeRange& range = {});
  std::vector<OrderEvent> Events(BotId bot, OrderId id);

  // Lifecycle shortcuts over Transition (same errors): accepted, with the
  // venue's order id when given (also kept as a "venue_id" event), and
  // cancelled, expired or rejected with a reason (required for reject:
  // kInvalidArgument when empty). All release the order's reservation
  // (ledger.h) when they end it.
  Order Accept(BotId bot, OrderId id, Timestamp time, std::string_view venue_order_id = {});
  Order Cancel(BotId bot, OrderId id, Timestamp time, std::string_view reason = {});
  Order Expire(BotId bot, OrderId id, Timestamp time, std::string_view reason = {});
  Order Reject(BotId bot, OrderId id, Timestamp time, std::string_view reason);
  // Amends an open order in place (see order.h) and recomputes its
  // reservation. Throws kInvalidArgument for an empty amendment, a
  // non-positive value or a price the order type takes none of; kConflict
  // for a terminal order or a quantity not above the filled quantity.
  Order Amend(BotId bot, OrderId id, const OrderAmendment& amendment, Timestamp time,
              std::string_view reason = {});
  // Records a failed attempt to send or change an order: retry_count + 1,
  // last_error, and a "retry" event. Throws kInvalidArgument for an empty
  // error, kConflict for a terminal order.
  Order RecordRetry(BotId bot, OrderId id, Timestamp time, std::string_view error);

  // Records a fill of an order: the fill (idempotent on bot, venue and venue_fill_id: a resend
  // returns the stored fill, duplicate = true; one whose order, quantity, price, fee, fee currency,
  // liquidity or time (when given) differ is kConflict naming each field), the order's filled
  // quantity, average price and status (with its event), the position, fee and realized P&L
  // ledger entries in the instrument's quote currency, and the closed trade when the position
  // returns to flat (with its signal's outcome, SignalRepository::RecordOutcome); all in one
  // unit of work. Throws kConflict if the order is in a status that cannot fill (naming id and
  // status) or the fill exceeds its remaining quantity; kInvalidArgument for a non-positive
  // quantity or price or an empty venue_fill_id.
  FillOutcome RecordFill(const Fill& fill);
  std::vector<Fill> Fills(BotId bot, OrderId id);
  std::vector<Fill> ListFills(BotId bot, const TimeRange& range = {});

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
