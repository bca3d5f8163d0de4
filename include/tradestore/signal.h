// Strategy signals, linked to the orders and trades they caused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tradestore/bot.h"
#include "tradestore/instrument.h"
#include "tradestore/order.h"
#include "tradestore/order_types.h"
#include "tradestore/timestamp.h"

namespace tradestore {

struct Signal {
  SignalId id = 0;  // assigned by the store
  BotId bot_id = 0;
  InstrumentId instrument_id = 0;
  std::string strategy;
  Timestamp time;
  Side side = Side::kBuy;
  double strength = 0;  // strategy-defined, conventionally in [0, 1]
  std::optional<double> price;  // reference price when the signal fired
  bool acted_on = false;        // set when an order was placed for it
  std::string note;
  RunMode mode = RunMode::kPaper;
  bool is_test = false;
};

}  // namespace tradestore
