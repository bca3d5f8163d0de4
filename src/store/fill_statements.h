// The statements of the fill path (order creation, transitions, fills,
// positions, the trade journal, the ledger and balances), built from the schema description: the
// repositories run them, and the benchmarks' raw baselines
// (bench/store_bench.cc) run the very same text, so that both sides do the
// same writes.
//
// Not part of the public API.
#pragma once

#include <string>

#include "sql/connection.h"
#include "store/schema_row.h"

namespace tradestore::detail::statements {

using schema::Columns;
namespace tables = schema::tables;

// trading.orders as OrderRepository::Create writes it: the rest takes the
// database's defaults. bot_version is the last column, and its value
// expression takes the bot id as one more parameter after the columns'.
inline constexpr auto kOrderInsert = Columns<tables::kOrders>::Insertable(
    {"triggered_at", "trade_id", "retry_count", "last_error", "reserved"});
// INSERT ... ON CONFLICT (bot_id, client_order_id) DO NOTHING RETURNING id,
// bot_version; the bot's version when none is given (a subquery on SQLite,
// trading.bot_version() on PostgreSQL, which Citus can route).
const std::string& OrderInsertSql(sql::Dialect dialect);

inline constexpr auto kOrderEventInsert = Columns<tables::kOrderEvents>::Insertable();
const std::string& OrderEventInsertSql();

// INSERT ... ON CONFLICT (bot_id, venue, venue_fill_id) DO NOTHING
// RETURNING id.
inline constexpr auto kFillInsert = Columns<tables::kFills>::Insertable();
const std::string& FillInsertSql();

// The trade journal as the fill path writes it: all but the id and the
// review (set later by TradeRepository::UpdateReview). RETURNING id.
inline constexpr auto kTradeInsert = Columns<tables::kTrades>::Insertable(
    {"tags", "notes", "mental_state", "rule_breaks", "grade", "links", "reviewed_at"});
const std::string& TradeInsertSql();

// The whole position row, upserted on its key.
inline constexpr auto kPositionRow = Columns<tables::kPositions>::All();
inline constexpr auto kPositionKey =
    Columns<tables::kPositions>::Only({"bot_id", "account_id", "instrument_id"});
const std::string& PositionUpsertSql();

inline constexpr auto kPositionEventInsert = Columns<tables::kPositionEvents>::Insertable();
const std::string& PositionEventInsertSql();

// An order's transition (OrderRepository::Transition): UPDATE ... WHERE
// bot_id = ? AND id = ?.
inline constexpr auto kOrderStatusUpdate =
    Columns<tables::kOrders>::Only({"status", "updated_at", "reason", "reserved"});
const std::string& OrderStatusUpdateSql();

// A fill's effect on its order (OrderRepository::RecordFill): UPDATE ...
// WHERE bot_id = ? AND id = ?.
inline constexpr auto kOrderFillUpdate = Columns<tables::kOrders>::Only(
    {"filled_quantity", "average_fill_price", "status", "updated_at", "reserved", "trade_id"});
const std::string& OrderFillUpdateSql();

// A balance's amount after a ledger leg: INSERT ... SELECT (locked '0', the
// bot's mode and test flag) FROM trading.bots WHERE id = ? (the bot id,
// bound by Where) ON CONFLICT (bot_id, account_id, currency) DO UPDATE
// amount and updated_at.
inline constexpr auto kBalanceAmount =
    Columns<tables::kBalances>::Only({"account_id", "currency", "amount", "updated_at"});
const std::string& BalanceAmountUpsertSql();

// A balance's locked amount (reservations, ledger.h): as BalanceAmount with
// amount '0' for a new row; a conflict updates locked and updated_at.
inline constexpr auto kBalanceLocked =
    Columns<tables::kBalances>::Only({"account_id", "currency", "updated_at", "locked"});
const std::string& BalanceLockedUpsertSql();

// A ledger leg's own values; the bot id (bot_id, mode, is_test come from
// its row) follows them as the parameter of "WHERE b.id = ?".
inline constexpr auto kLedgerLeg = Columns<tables::kLedgerEntries>::Only(
    {"account_id", "time", "type", "currency", "amount", "balance_after", "order_id", "fill_id",
     "trade_id", "description"});
// What a leg's insert returns.
inline constexpr auto kLedgerReturning =
    Columns<tables::kLedgerEntries>::Only({"id", "journal_id", "mode", "is_test"});
// The first leg of a journal, whose id (drawn in the statement: the next
// rowid on SQLite, the identity sequence on PostgreSQL) is also its
// journal id. RETURNING kLedgerReturning.
const std::string& LedgerFirstLegSql(sql::Dialect dialect);
// A later leg of journal `journal_id`. RETURNING kLedgerReturning.
inline constexpr auto kLedgerNextLeg = Columns<tables::kLedgerEntries>::Only(
    {"account_id", "time", "type", "currency", "amount", "balance_after", "order_id", "fill_id",
     "trade_id", "description", "journal_id"});
const std::string& LedgerNextLegSql();
// A later leg on a system account whose id is cached: the account row is
// selected by "a.bot_id = ? AND a.id = ? AND a.name = ? AND a.kind =
// 'system'" (bound by Where), so a stale id inserts nothing.
inline constexpr auto kLedgerSystemLeg = Columns<tables::kLedgerEntries>::Only(
    {"time", "type", "currency", "amount", "balance_after", "order_id", "fill_id", "trade_id",
     "description", "journal_id"});
const std::string& LedgerSystemLegSql();

}  // namespace tradestore::detail::statements
