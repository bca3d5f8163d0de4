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
LedgerEntry PostValidatedLedgerEntry(StoreImpl& impl, const LedgerEntry& entry);

}  // namespace tradestore::detail
