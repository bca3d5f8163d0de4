// Accounts, balances per currency and the ledger: a balance always equals
// the sum of its ledger entries, to the last unit.
//
// Accounting model (margin style): an account holds cash per currency. Fills
// do not move notional; realized P&L (in the instrument's quote currency)
// and fees are posted as ledger entries when they happen. Equity = cash +
// unrealized P&L of open positions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tradestore/bot.h"
#include "tradestore/decimal.h"
#include "tradestore/timestamp.h"

namespace tradestore {

using AccountId = std::int64_t;
using LedgerEntryId = std::int64_t;

struct Account {
  AccountId id = 0;  // assigned by the store
  BotId bot_id = 0;
  std::string name;  // unique per bot
  Timestamp created_at;
};

enum class LedgerEntryType {
  kDeposit,      // amount > 0
  kWithdrawal,   // amount < 0
  kFee,          // amount <= 0 (a rebate is a positive fee)
  kRealizedPnl,  // signed
  kTransfer,     // signed; the two legs of a transfer share a transfer_id
  kAdjustment,   // signed, with a description
};
std::string_view ToString(LedgerEntryType t) noexcept;  // "deposit", "withdrawal",
                                                        // "fee", "realized_pnl",
                                                        // "transfer", "adjustment"
LedgerEntryType ParseLedgerEntryType(std::string_view text);

struct LedgerEntry {
  LedgerEntryId id = 0;  // assigned by the store
  BotId bot_id = 0;
  AccountId account_id = 0;
  Timestamp time;
  LedgerEntryType type = LedgerEntryType::kDeposit;
  std::string currency;   // e.g. "USDC"
  Decimal amount;         // signed: credit > 0, debit < 0
  Decimal balance_after;  // set by the store: the balance after this entry
  std::optional<std::int64_t> order_id;  // the order, fill or trade it
  std::optional<std::int64_t> fill_id;   // comes from, when any
  std::optional<std::int64_t> trade_id;
  std::string description;
};

struct Balance {
  AccountId account_id = 0;
  std::string currency;
  Decimal amount;  // equals the sum of the account's entries in `currency`
  Timestamp updated_at;
};

}  // namespace tradestore
