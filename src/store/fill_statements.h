// The statements of the fill path (order creation, transitions, fills,
// positions, the trade journal), built from the schema description: the
// repositories run them, and the benchmarks' raw baselines
// (bench/store_bench.cc) run the very same text, so that both sides do the
// same writes.
//
// Not part of the public API.
#pragma once

#include <string>

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

}  // namespace tradestore::detail::statements
