// The ledger posting shared by LedgerRepository::Post and the fill path
// (OrderRepository::RecordFill). Not part of the public API.
#pragma once

#include "store/store_impl.h"
#include "tradestore/ledger.h"

namespace tradestore::detail {

// Throws Error(kInvalidArgument) as LedgerRepository::Post documents for an
// empty currency, a zero amount or a sign that does not fit the type.
void ValidateLedgerEntry(const LedgerEntry& entry);

// Names of system accounts start with this (ledger.h).
inline constexpr std::string_view kSystemAccountPrefix = "system:";

// Inserts one leg of a journal and updates its account's balance (the
// caller holds the account's lock). journal_id 0 starts a new journal (its
// id is the leg's id); the returned entry carries the journal id.
LedgerEntry InsertLeg(StoreImpl& impl, const LedgerEntry& entry, std::int64_t journal_id);

// Adds `delta` (signed) to the locked amount of an account's balance in
// `currency` (creating the balance row at amount 0 if missing); no-op for a
// zero delta or an empty currency. The caller holds the account's lock.
// Throws Error(kInternal) if locked would go negative.
void AdjustLocked(StoreImpl& impl, BotId bot, AccountId account, std::string_view currency,
                  const Decimal& delta, Timestamp time);

// Posts a validated entry of an existing account and updates its balance,
// with its balancing leg (-amount) on the bot's system account named
// `system_account` (SystemAccountFor(entry.type), fill_accounting.h;
// created on first use, locked before its balance is read).
// The caller holds a transaction on the trading database: the fill path
// posts inside its own unit of work, whose order (and foreign key) already
// proves the account exists.
// The balance row it reads is locked (Connection::ForUpdate) until the unit
// of work ends.
LedgerEntry PostValidatedLedgerEntry(StoreImpl& impl, const LedgerEntry& entry,
                                     std::string_view system_account);

// Locks the account row until the unit of work ends (Connection::ForUpdate;
// a no-op on SQLite, whose writers are serialized): every change of an
// account's balances and positions takes it first, so concurrent units of
// work on one account run one after the other even when the balance or
// position row does not exist yet (a row lock cannot cover a missing row).
// Throws Error(kNotFound) if the account does not exist.
void LockAccount(StoreImpl& impl, BotId bot, AccountId account);

// Writes the balance of `entry`'s account and currency (inserting the row,
// with the bot's mode and test flag, when missing). The caller holds the
// account's lock.
void WriteBalance(sql::Connection& c, const LedgerEntry& entry, const Decimal& balance,
                  Timestamp time);

}  // namespace tradestore::detail
