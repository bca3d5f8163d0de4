// Portfolio snapshots: equity marked to market over time (the equity curve),
// with exposure and value at risk (seed 004's portfolio snapshots), per bot
// and account; PortfolioRepository::Latest and Total give the view across
// bots.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tradestore/bot.h"
#include "tradestore/decimal.h"
#include "tradestore/ledger.h"
#include "tradestore/timestamp.h"

namespace tradestore {

// All money in the account's quote currency.
struct PortfolioSnapshot {
  BotId bot_id = 0;
  AccountId account_id = 0;
  Timestamp time;
  Decimal equity;          // cash + unrealized_pnl
  Decimal cash;            // account balance in the quote currency
  Decimal unrealized_pnl;  // open positions marked to the latest price
  int open_positions = 0;
  Decimal exposure_gross = {};      // sum of |position notional|, >= 0
  Decimal exposure_net = {};        // sum of signed position notional (long > 0); |net| <= gross
  std::optional<Decimal> var = {};  // value at risk, a loss amount >= 0, if computed
  std::optional<double> var_confidence = {};  // its confidence level in (0, 1), e.g. 0.95
  // Provenance: Record copies mode and is_test from the bot (the values
  // given here are ignored) and bot_version when it is left empty.
  RunMode mode = RunMode::kPaper;
  bool is_test = false;
  std::string bot_version = {};
};

// The sum over bots and accounts of their latest snapshots at a time
// (PortfolioRepository::Total). Currencies are not converted: callers that
// mix quote currencies must total per currency themselves.
struct PortfolioTotal {
  Timestamp at;                // the time asked for
  std::int64_t snapshots = 0;  // how many (bot, account) snapshots were summed
  Decimal equity;
  Decimal cash;
  Decimal unrealized_pnl;
  Decimal exposure_gross;
  Decimal exposure_net;
  std::int64_t open_positions = 0;
};

}  // namespace tradestore
