// Fills (executions) of orders (trading schema). A fill is identified by
// (bot, venue, venue_fill_id): a repeated report of the same fill is
// recognised and recorded once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tradestore/bot.h"
#include "tradestore/decimal.h"
#include "tradestore/order.h"
#include "tradestore/timestamp.h"

namespace tradestore {

using FillId = std::int64_t;

enum class Liquidity { kMaker, kTaker };
std::string_view ToString(Liquidity l) noexcept;  // "maker", "taker"
Liquidity ParseLiquidity(std::string_view text);

struct Fill {
  FillId id = 0;  // assigned by the store
  BotId bot_id = 0;
  OrderId order_id = 0;
  InstrumentId instrument_id = 0;  // taken from the order by the store
  AccountId account_id = 0;        // taken from the order by the store
  std::string venue;               // e.g. "paper"
  std::string venue_fill_id;       // unique per (bot, venue)
  Side side = Side::kBuy;          // taken from the order by the store
  Decimal quantity;                // > 0
  Decimal price;                   // > 0
  Decimal fee;                     // >= 0 charged, < 0 rebate; in fee_currency
  std::string fee_currency;        // empty = the instrument's quote asset
  Liquidity liquidity = Liquidity::kTaker;
  Timestamp time;
  RunMode mode = RunMode::kPaper;  // taken from the order by the store
  bool is_test = false;            // taken from the order by the store
};

}  // namespace tradestore
