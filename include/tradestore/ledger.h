// Accounts, balances per currency and the double-entry ledger: a balance
// always equals the sum of its ledger entries, to the last unit, and every
// journal's legs sum to zero per currency.
//
// Accounting model (margin style): an account holds cash per currency. Fills
// do not move notional; realized P&L (in the instrument's quote currency)
// and fees (in the fee's own currency) are posted as ledger entries when
// they happen. Equity = cash + unrealized P&L of open positions.
//
// Double entry: every movement is one journal (journal_id = the id of its
// first leg) of legs that sum to zero per currency. A deposit, withdrawal,
// fee, realized P&L, funding payment or adjustment posted against a bot's
// account gets its balancing leg on one of the bot's system accounts,
// created on first use:
//   deposit, withdrawal -> "system:external"   fee         -> "system:fees"
//   realized_pnl        -> "system:pnl"        funding     -> "system:funding"
//   adjustment          -> "system:adjustments"
// A transfer moves an amount between two accounts of the same bot: its two
// legs are both bot accounts. System accounts have balances like any other
// (equal to the sum of their entries) and are not listed by default. On
// PostgreSQL a posting locks its account, then the system account (accounts
// before system accounts, fees before P&L within a fill), so postings of one
// bot to the same system account take turns.
// Entries written before schema migration trading/0002 (postgres 0004) are
// single-leg journals (journal_id = id, no balancing leg).
//
// Locked balances (reservations): an open order reserves
//   remaining quantity x (limit price, else stop price, else expected price)
// in the instrument's quote currency (market orders without an expected
// price reserve nothing). The reservation is taken when the order is
// created, recomputed on every fill and amend, and released in full when
// the order is filled, cancelled, expired or rejected. It is kept on the
// order (Order::reserved) and summed into Balance::locked of the order's
// account; available = amount - locked. Reservations never post ledger
// entries, and an order is not refused when available goes negative (margin
// accounts can commit more than their cash): available < 0 shows it.
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

enum class AccountKind { kBot, kSystem };
std::string_view ToString(AccountKind k) noexcept;    // "bot", "system"
AccountKind ParseAccountKind(std::string_view text);  // throws Error(kInvalidArgument)

struct Account {
  AccountId id = 0;  // assigned by the store
  BotId bot_id = 0;
  std::string name;  // unique per bot; "system:" names are reserved
  Timestamp created_at;
  AccountKind kind = AccountKind::kBot;
  RunMode mode = RunMode::kPaper;  // the bot's
  bool is_test = false;            // the bot's
};

enum class LedgerEntryType {
  kDeposit,      // amount > 0
  kWithdrawal,   // amount < 0
  kFee,          // amount <= 0 (a rebate is a positive fee)
  kRealizedPnl,  // signed
  kTransfer,     // signed; the two legs of a transfer share a journal_id
  kAdjustment,   // signed, with a description
  kFunding,      // signed: a funding payment received (> 0) or paid (< 0)
};
std::string_view ToString(LedgerEntryType t) noexcept;  // "deposit", "withdrawal",
                                                        // "fee", "realized_pnl",
                                                        // "transfer", "adjustment",
                                                        // "funding"
LedgerEntryType ParseLedgerEntryType(std::string_view text);

struct LedgerEntry {
  LedgerEntryId id = 0;  // assigned by the store
  BotId bot_id = 0;
  AccountId account_id = 0;
  Timestamp time;
  LedgerEntryType type = LedgerEntryType::kDeposit;
  std::string currency;                  // e.g. "USDC"
  Decimal amount;                        // signed: credit > 0, debit < 0
  Decimal balance_after;                 // set by the store: the balance after this entry
  std::optional<std::int64_t> order_id;  // the order, fill or trade it
  std::optional<std::int64_t> fill_id;   // comes from, when any
  std::optional<std::int64_t> trade_id;
  std::string description;
  std::int64_t journal_id = 0;     // set by the store: shared by the legs of one movement
  RunMode mode = RunMode::kPaper;  // set by the store: the bot's
  bool is_test = false;            // set by the store: the bot's
};

struct Balance {
  AccountId account_id = 0;
  std::string currency;
  Decimal amount;  // equals the sum of the account's entries in `currency`
  Timestamp updated_at;
  Decimal locked;  // reserved by open orders (see above), >= 0
  Decimal available() const { return amount - locked; }
};

// Filters of LedgerRepository::Query and Sums. Test data is excluded unless
// include_test.
struct LedgerFilter {
  std::optional<BotId> bot;  // all bots when empty
  std::optional<AccountId> account;
  std::optional<LedgerEntryType> type;
  std::optional<std::string> currency;
  std::optional<Timestamp> from;  // inclusive
  std::optional<Timestamp> to;    // exclusive
  bool include_system = false;    // include the legs on system accounts
  bool include_test = false;
};

// One line of LedgerRepository::Sums.
struct LedgerSum {
  LedgerEntryType type = LedgerEntryType::kDeposit;
  std::string currency;
  Decimal amount;          // exact sum
  std::int64_t count = 0;  // entries summed
};

enum class SnapshotKind { kDaily, kOnDemand };
std::string_view ToString(SnapshotKind k) noexcept;     // "daily", "on_demand"
SnapshotKind ParseSnapshotKind(std::string_view text);  // throws Error(kInvalidArgument)

// One balance-history row: an account's balance in one currency at a time,
// with margin fields. Margin fields (1x, full notional):
//   unrealized_pnl = sum of the account's open positions' unrealized P&L
//                    (marked at their last price) quoted in `currency`
//   equity         = amount + unrealized_pnl
//   margin_used    = locked + sum |quantity| x last price of those positions
//   free_margin    = equity - margin_used
//   margin_level   = equity / margin_used (fraction); empty when margin_used = 0
struct BalanceSnapshot {
  BotId bot_id = 0;
  AccountId account_id = 0;
  std::string currency;
  Timestamp time;  // a UTC midnight for daily snapshots
  SnapshotKind kind = SnapshotKind::kOnDemand;
  Decimal amount;
  Decimal locked;
  Decimal available;
  Decimal unrealized_pnl;
  Decimal equity;
  Decimal margin_used;
  Decimal free_margin;
  std::optional<double> margin_level;
  RunMode mode = RunMode::kPaper;
  bool is_test = false;
};

}  // namespace tradestore
