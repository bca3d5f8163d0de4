// Orders and their status history (trading schema).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

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
  std::string client_order_id;  // unique per bot; generated when empty
  std::string venue_order_id;   // the venue's id once accepted; may be empty
  std::optional<SignalId> signal_id;  // the signal that caused it
  std::string strategy;
  Side side = Side::kBuy;
  OrderType type = OrderType::kMarket;
  TimeInForce time_in_force = TimeInForce::kGtc;
  Decimal quantity;                    // > 0, base units
  std::optional<Decimal> limit_price;  // limit and stop-limit orders
  std::optional<Decimal> stop_price;   // stop and stop-limit orders
  OrderStatus status = OrderStatus::kNew;
  Decimal filled_quantity;                     // maintained by the store
  std::optional<Decimal> average_fill_price;   // maintained by the store
  std::string reason;       // reject or cancel reason
  std::string exit_reason;  // if this order closes a position: the trade's
                            // exit reason ("signal", "stop_loss", ...)
  std::optional<Timestamp> triggered_at;  // when a stop or stop-limit order's
                                          // stop price was reached
  RunMode mode = RunMode::kPaper;
  bool is_test = false;
  Timestamp created_at;
  Timestamp updated_at;

  Decimal remaining_quantity() const { return quantity - filled_quantity; }
};

// One status change of an order, kept forever.
struct OrderEvent {
  std::int64_t id = 0;
  BotId bot_id = 0;
  OrderId order_id = 0;
  Timestamp time;
  std::optional<OrderStatus> from_status;  // empty for the creation event
  OrderStatus to_status = OrderStatus::kNew;
  std::string reason;
};

}  // namespace tradestore
