// Portfolio snapshots: equity marked to market over time (the equity curve).
#pragma once

#include "tradestore/bot.h"
#include "tradestore/decimal.h"
#include "tradestore/ledger.h"
#include "tradestore/timestamp.h"

namespace tradestore {

struct PortfolioSnapshot {
  BotId bot_id = 0;
  AccountId account_id = 0;
  Timestamp time;
  Decimal equity;          // cash + unrealized_pnl
  Decimal cash;            // account balance in the quote currency
  Decimal unrealized_pnl;  // open positions marked to the latest price
  int open_positions = 0;
};

}  // namespace tradestore
