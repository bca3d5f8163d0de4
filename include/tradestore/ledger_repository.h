// LedgerRepository: double-entry ledger postings, transfers and balance
// history (src/store/account_repositories.cc).
//
// Obtained from Store (store.h); units, errors and thread safety as stated
// there.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/decimal.h"
#include "tradestore/ledger.h"
#include "tradestore/repository.h"
#include "tradestore/timestamp.h"

namespace tradestore {

class LedgerRepository {
 public:
  // Posts one movement as a journal: the entry on its account and the
  // balancing leg on the bot's system account for the type (ledger.h),
  // updating both balances in the same unit of work; returns the entry with
  // id, journal_id and balance_after. Throws kInvalidArgument if the
  // amount's sign does not fit the type (deposit > 0, withdrawal < 0, fee
  // any sign, zero amounts refused), the currency is empty, the type is
  // transfer (use Transfer) or the account is a system account; kNotFound
  // for an unknown account.
  LedgerEntry Post(const LedgerEntry& entry);
  // Moves `amount` (> 0) of `currency` from one account of a bot to another
  // as one journal of two transfer legs (-amount, +amount); returns {from
  // leg, to leg}. Throws kInvalidArgument for a non-positive amount, an
  // empty currency or the same account twice; kNotFound for an unknown
  // account.
  std::pair<LedgerEntry, LedgerEntry> Transfer(BotId bot, AccountId from, AccountId to,
                                               std::string_view currency, Decimal amount,
                                               Timestamp time, std::string_view description = {});
  // Entries matching `filter`, oldest first (by time, then id).
  std::vector<LedgerEntry> Query(const LedgerFilter& filter);
  // Exact sums of the entries matching `filter`, by type and currency.
  std::vector<LedgerSum> Sums(const LedgerFilter& filter);
  // The legs of one journal, by id.
  std::vector<LedgerEntry> Journal(BotId bot, std::int64_t journal_id);
  // The balance of an account in a currency at `at`: the exact sum of its
  // entries with time <= at (zero before the first).
  Decimal BalanceAt(BotId bot, AccountId account, std::string_view currency, Timestamp at);
  // Records the account's balances now (one row per currency it holds) with
  // margin fields (ledger.h) as balance-history rows of `kind` at `time`
  // (replacing rows of the same key); returns them. A daily snapshot's time
  // must be a UTC midnight (kInvalidArgument otherwise). Throws kNotFound
  // for an unknown account.
  std::vector<BalanceSnapshot> Snapshot(BotId bot, AccountId account, Timestamp time,
                                        SnapshotKind kind);
  // Balance-history rows of an account, oldest first; all currencies when
  // `currency` is empty; daily and on-demand unless `kind` is given.
  std::vector<BalanceSnapshot> History(BotId bot, AccountId account, std::string_view currency = {},
                                       const TimeRange& range = {},
                                       std::optional<SnapshotKind> kind = std::nullopt);
  // Entries of an account, oldest first; all currencies when empty.
  std::vector<LedgerEntry> Entries(BotId bot, AccountId account, std::string_view currency = {},
                                   const TimeRange& range = {});
  // Sum of an account's entries in a currency, computed from the entries
  // themselves (the balance must equal it).
  Decimal SumEntries(BotId bot, AccountId account, std::string_view currency);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
