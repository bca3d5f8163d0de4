// The entity catalog behind `tradestore show`, `export` and `import ENTITY`:
// every entity name mapped to its table of the table_io catalog, generic
// filters derived from the table's columns, filtered reads in key order and
// inserts that keep ids in one unit of work. All the SQL of show/export/
// import lives here (src/store); src/io renders and parses the rows.
//
// Not part of the public API (see include/tradestore/export_import.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/table_io.h"
#include "tradestore/timestamp.h"

namespace tradestore::detail {

// An entity name of the CLI, the table behind it ("trading.orders") and the
// column --from/--to filter on ("" when the entity has none).
struct EntityName {
  std::string_view entity;
  std::string_view table;
  std::string_view time_column;
};

// Every entity name tradestore knows, whether or not this build's catalog
// has its table yet.
const std::vector<EntityName>& EntityNames();

// The table of `entity`. Throws Error(kInvalidArgument) for an unknown
// entity name (listing the known ones) and Error(kNotFound) "not available
// in this store version" when the entity is known but its table is not in
// this build's catalog.
const TableInfo& EntityTable(std::string_view entity);

// The entities whose tables this build's catalog holds, in the catalog's
// foreign-key order (referenced tables first): the order to import them in.
std::vector<std::string> AvailableEntities();

// The column that --from/--to filter on: the entity's (EntityNames) when the
// table is an entity's and has that column; otherwise the first of time,
// exit_time, date, detected_at, effective_from, created_at, open_time,
// updated_at the table has; "" when it has none.
std::string TimeColumn(const TableInfo& table);

// Filters as given on the command line; each applies only to tables with
// the matching column and is refused (kInvalidArgument naming the entity)
// otherwise.
struct EntityFilter {
  std::optional<std::string> bot;        // a bot name or id: bot_id (id for bots)
  std::optional<std::string> symbol;     // instrument_id IN (...), or a symbol column
  std::optional<std::string> venue;      // instrument_id IN (...), or a venue column
  std::optional<std::string> timeframe;  // a timeframe column
  std::optional<std::string> strategy;   // a strategy column
  std::optional<std::int64_t> id;        // the id column
  std::optional<Timestamp> from;         // the time column >= from
  std::optional<Timestamp> to;           // the time column < to
  std::optional<std::int64_t> limit;     // at most this many rows
  bool include_test = false;             // else is_test = 0 where the column exists
  // Else rows of system accounts (accounts.kind = 'system') are left out:
  // the accounts themselves, and rows of trading-database tables with an
  // account_id naming one (balances, ledger legs, balance history).
  bool include_system = true;
};

// A filter resolved against a store: a WHERE clause over the table's
// columns and its parameters (bot names and symbols already turned into
// ids). Throws Error(kNotFound) for a bot or symbol the store does not have.
struct ResolvedFilter {
  std::string where;  // "" or "a = ? AND b IN (?, ?)"
  std::vector<Value> params;
  std::optional<std::int64_t> limit;
  // market.candles only: the same filter as series and times, so that reads
  // see compacted candles (src/store/candle_chunks.h) as rows.
  struct Candles {
    std::optional<std::vector<std::int64_t>> instruments;  // nullopt: every instrument
    std::optional<std::string> timeframe;
    std::optional<Timestamp> from;
    std::optional<Timestamp> to;
  };
  std::optional<Candles> candles;
};
ResolvedFilter ResolveFilter(StoreImpl& store, const TableInfo& table, const EntityFilter& filter);

// Rows matching `filter` in key order, strictly after the key `after` when
// given, at most `batch` of them (keyset pagination). market.candles reads
// compacted candles as rows too, merged in key order (a candle with an
// unknown trade count has NULL trades).
std::vector<Row> ReadFilteredRows(StoreImpl& store, const TableInfo& table,
                                  const ResolvedFilter& filter, const std::optional<Row>& after,
                                  std::int64_t batch);
// The rows whose integer columns `equal` hold the given values (e.g.
// {{"id", 42}}), in key order: a point read by key, without ResolveFilter's
// lookups. Throws kInvalidArgument for a column the table lacks; not for
// market.candles (its compacted rows are not in the table).
std::vector<Row> ReadRowsWhereEqual(StoreImpl& store, const TableInfo& table,
                                    const std::vector<std::pair<std::string, std::int64_t>>& equal);
// How many rows match (ignoring the limit); candles count compacted ones.
std::int64_t CountFilteredRows(StoreImpl& store, const TableInfo& table,
                               const ResolvedFilter& filter);

// Inserts `rows` (values for `columns`, a subset of the table's, in that
// order; omitted columns take their defaults) in one unit of work: all
// rows or none. Candles inside the range of a chunk are folded into it (a
// candle already stored there is a conflict, as a duplicate row is). A failing row's error is
// rethrown with the same kind, prefixed by `where(i)` (e.g. "file.csv:12"). Afterwards moves the
// identity sequence past the largest id (PostgreSQL). `progress(done)` is
// called now and then. `before_commit`, when given, runs inside the unit of
// work after the last row (it sees them); if it throws, nothing is written.
void InsertEntityRows(StoreImpl& store, const TableInfo& table,
                      const std::vector<std::string>& columns, const std::vector<Row>& rows,
                      const std::function<std::string(std::size_t)>& where,
                      const std::function<void(std::size_t)>& progress = {},
                      const std::function<void()>& before_commit = {});

// For the legacy importer's compensation: deletes the instruments with these
// ids when no row of the market database refers to them. Never throws.
void DeleteUnusedInstruments(StoreImpl& store, const std::vector<std::int64_t>& ids) noexcept;

}  // namespace tradestore::detail
