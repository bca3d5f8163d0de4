// The ledger posting shared by LedgerRepository::Post and the fill path
// (OrderRepository::RecordFill). Not part of the public API.
#pragma once

#include "store/store_impl.h"
#include "tradestore/ledger.h"

namespace tradestore::detail {

// Throws Error(kInvalidArgument) as LedgerRepository::Post documents for an
// empty currency, a zero amount or a sign that does not fit the type.
void ValidateLedgerEntry(const LedgerEntry& entry);

// Posts a validated entry of an existing account and updates its balance.
// The caller holds a transaction on the trading database: the fill path
// posts inside its own unit of work, whose order (and foreign key) already
// proves the account exists.
// The balance row it reads is locked (Connection::ForUpdate) until the unit
// of work ends.
LedgerEntry PostValidatedLedgerEntry(StoreImpl& impl, const LedgerEntry& entry);

// Locks the account row until the unit of work ends (Connection::ForUpdate;
// a no-op on SQLite, whose writers are serialized): every change of an
// account's balances and positions takes it first, so concurrent units of
// work on one account run one after the other even when the balance or
// position row does not exist yet (a row lock cannot cover a missing row).
// Throws Error(kNotFound) if the account does not exist.
void LockAccount(StoreImpl& impl, BotId bot, AccountId account);

}  // namespace tradestore::detail
