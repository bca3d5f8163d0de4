// Orders and their history (trading schema).
//
// Lifecycle: new -> accepted -> partially_filled -> filled, or cancelled,
// expired or rejected (with a reason) from any open status
// (kOrderStatusTransitions, order_types.h). Every status change, amend,
// retry and venue id is kept as an order event. Amends are made in place:
// the order keeps its id and client_order_id, and an event of kind "amend"
// records the new quantity and prices (the old ones are in the previous
// amend event or the creation event). Links: signal_id (the cause),
// the position (bot_id, account_id, instrument_id) and trade_id (the trade
// the order's fill closed).
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

using OrderId = std::int64_t;
using SignalId = std::int64_t;

struct Order {
  OrderId id = 0;  // assigned by the store
  BotId bot_id = 0;
  AccountId account_id = 0;
  InstrumentId instrument_id = 0;
  std::string client_order_id;        // unique per bot; generated when empty
  std::string venue_order_id;         // the venue's id once accepted; may be empty
  std::optional<SignalId> signal_id;  // the signal that caused it
  std::string strategy;
  Side side = Side::kBuy;
  OrderType type = OrderType::kMarket;
  TimeInForce time_in_force = TimeInForce::kGtc;
  Decimal quantity;                    // > 0, base units
  std::optional<Decimal> limit_price;  // limit and stop-limit orders
  std::optional<Decimal> stop_price;   // stop and stop-limit orders
  OrderStatus status = OrderStatus::kNew;
  Decimal filled_quantity;                    // maintained by the store
  std::optional<Decimal> average_fill_price;  // maintained by the store
  std::string reason;                         // reject or cancel reason
  std::string exit_reason;                    // if this order closes a position: the trade's
                                              // exit reason ("signal", "stop_loss", ...)
  std::optional<Timestamp> triggered_at;      // when a stop or stop-limit order's
                                              // stop price was reached
  RunMode mode = RunMode::kPaper;
  bool is_test = false;
  Timestamp created_at;
  Timestamp updated_at;
  // The price the strategy expected (e.g. the signal's close); slippage of
  // the trade's fills is measured against it (else against limit_price).
  std::optional<Decimal> expected_price;
  std::string strategy_version;          // provenance
  std::string bot_version;               // provenance; the bot's version when empty
  std::optional<std::int64_t> trade_id;  // set by the store: the trade it closed
  std::int64_t retry_count = 0;          // maintained by RecordRetry
  std::string last_error;                // maintained by RecordRetry
  Decimal reserved;                      // set by the store: quote currency locked (ledger.h)

  Decimal remaining_quantity() const { return quantity - filled_quantity; }
};

enum class OrderEventKind { kStatus, kAmend, kRetry, kVenueId };
std::string_view ToString(OrderEventKind k) noexcept;       // "status", "amend", "retry",
                                                            // "venue_id"
OrderEventKind ParseOrderEventKind(std::string_view text);  // throws Error(kInvalidArgument)

// What OrderRepository::Amend changes (at least one must be set).
struct OrderAmendment {
  std::optional<Decimal> quantity;  // new total quantity, > filled quantity
  std::optional<Decimal> limit_price;
  std::optional<Decimal> stop_price;
};

// One change of an order, kept forever.
struct OrderEvent {
  std::int64_t id = 0;
  BotId bot_id = 0;
  OrderId order_id = 0;
  Timestamp time;
  std::optional<OrderStatus> from_status;     // empty for the creation event
  OrderStatus to_status = OrderStatus::kNew;  // == from_status unless kind is kStatus
  std::string reason;  // cancel/reject reason, fill id, amend summary, retry error
  OrderEventKind kind = OrderEventKind::kStatus;
  std::optional<Decimal> quantity;     // the order's after an amend
  std::optional<Decimal> limit_price;  // the order's after an amend
  std::optional<Decimal> stop_price;   // the order's after an amend
  RunMode mode = RunMode::kPaper;
  bool is_test = false;
};

}  // namespace tradestore
