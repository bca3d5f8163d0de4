// The databases of a store. Not part of the public API.
#pragma once

namespace tradestore::detail {

// Which database a table (and the aggregate it holds) lives in. A SQLite
// directory store keeps each in its own file (trading.db, market.db,
// analytics.db; the "config" and "audit" schemas live in trading.db); a
// single-file SQLite store and a PostgreSQL store hold all three in one
// database.
enum class Database { kTrading, kMarket, kAnalytics };

}  // namespace tradestore::detail
