// Export and import of every entity of a store (tradestore show, export,
// import ENTITY), in three formats, with a byte-identical round trip.
//
// Entities are the names of `tradestore show` (bots, accounts, balances,
// ledger, orders, order-events, fills, positions, position-events, trades,
// signals, signal-components, portfolio-snapshots, balance-history,
// risk-limits, risk-events, daily-pnl, configs, strategies, system-events,
// errors, patterns, ml-results, latency, news-feeds, seen-news) plus candles
// and instruments.
// Each is one table; its columns are the table's, in the table's order, and
// rows come in the table's key order (see docs/export-import.md).
//
// Value rendering (the same in every format):
//   integers   decimal digits ("-12")
//   doubles    shortest text that reads back to the same double ("0.1",
//              "1e+21"); NaN and infinities as "nan", "inf", "-inf"
//   decimals   canonical Decimal text, exact ("50000.5", "-0.000001")
//   times      ISO-8601 UTC with microseconds ("2023-03-01T00:00:00.000000Z")
//   text       as stored (UTF-8)
// CSV: a header row of column names, RFC 4180 quoting (a field is quoted
// when it holds a comma, quote, CR or LF, or is the empty string), CRLF-free
// "\n" line ends; NULL is an empty unquoted field, the empty string is "".
// JSON Lines: one object per row, keys in column order; integers and
// doubles as JSON numbers (non-finite doubles as strings), decimals and
// times as JSON strings (so nothing is lost), NULL as null.
// SQL: a comment header, then one "INSERT INTO schema.table (cols) VALUES
// (...);" per row: NULL, numbers bare, everything else a single-quoted
// literal ('' for a quote). The importer reads only that form.
//
// Thread safety: as Store (one thread at a time per Store object).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tradestore/coverage.h"
#include "tradestore/instrument.h"
#include "tradestore/store.h"
#include "tradestore/timestamp.h"

namespace tradestore {

enum class DataFormat { kCsv, kJsonl, kSql };

// "csv", "jsonl", "sql". Throws Error(kInvalidArgument) for anything else.
DataFormat ParseDataFormat(std::string_view text);
std::string_view ToString(DataFormat format) noexcept;
// From a file name's extension: .csv, .jsonl (or .ndjson), .sql; nullopt
// otherwise.
std::optional<DataFormat> FormatFromExtension(std::string_view path);

// Every entity name tradestore knows.
std::vector<std::string> KnownEntities();
// The entities this build's store holds, referenced ones first (instruments,
// candles, bots, accounts, ...): the order to import a whole store in.
std::vector<std::string> AvailableEntities();

// Filters of show and export. Each applies only where the entity's table
// has the column (else Error(kInvalidArgument) naming the entity):
//   bot        a bot's name or id: rows whose bot_id is that bot's (bots:
//              the bot itself). Error(kNotFound) if there is no such bot.
//   symbol     rows whose instrument has this symbol (or a symbol column);
//   venue      rows whose instrument is on this venue (or a venue column);
//              Error(kNotFound) when no instrument matches.
//   timeframe  candles of this timeframe ("1h").
//   from, to   the entity's time column (the first of time, exit_time, date,
//              detected_at, effective_from, created_at, open_time,
//              updated_at): from <= t < to.
//   limit      at most this many rows (in key order).
//   include_test  else rows with is_test = 1 are left out.
//   strategy   rows whose strategy column is this (orders, trades, signals,
//              ...); kInvalidArgument for a table without one.
//   id         the row whose id column is this (kInvalidArgument for a
//              table without an id column).
//   include_system  else rows of the bots' system accounts (accounts.kind =
//              'system', ledger.h) are left out: those accounts, and the
//              balances, ledger legs and balance history on them. True by
//              default (exports are complete); `show` sets it false unless
//              --include-system.
struct ExportFilter {
  std::optional<std::string> bot;
  std::optional<std::string> symbol;
  std::optional<std::string> venue;
  std::optional<std::string> timeframe;
  std::optional<std::string> strategy;
  std::optional<std::int64_t> id;
  std::optional<Timestamp> from;
  std::optional<Timestamp> to;
  std::optional<std::int64_t> limit;
  bool include_test = false;
  bool include_system = true;
};

// Progress: rows done so far and rows expected in all (0 when unknown).
using DataProgress = std::function<void(std::int64_t done, std::int64_t total)>;

struct ExportOptions {
  DataFormat format = DataFormat::kCsv;
  ExportFilter filter;
  DataProgress progress;
};

struct ExportSummary {
  std::string entity;
  std::string table;  // "trading.orders"
  std::int64_t rows = 0;
};

// Writes the entity's rows to `out` in the chosen format. Throws
// Error(kInvalidArgument) for an unknown entity or a filter that does not
// apply, kNotFound for an entity this store version does not have (or a
// bot or symbol it does not know), the store's errors otherwise.
ExportSummary ExportEntity(Store& store, std::string_view entity, std::ostream& out,
                           const ExportOptions& options = {});
// As above, into `path`, atomically: written to a temporary file beside it,
// flushed to disk and renamed; on failure the temporary file is removed
// and `path` is untouched. Throws Error(kStorage) when the file cannot be
// written.
ExportSummary ExportEntityToFile(Store& store, std::string_view entity, const std::string& path,
                                 const ExportOptions& options = {});

// The entity's rows for people: column names and each value rendered as
// above, except times without a zero fraction (Timestamp::ToIso); NULL as
// nullopt. `numeric[i]` tells whether column i is a number (to right-align).
struct EntityRows {
  std::vector<std::string> columns;
  std::vector<bool> numeric;
  std::vector<std::vector<std::optional<std::string>>> rows;
};
EntityRows ReadEntity(Store& store, std::string_view entity, const ExportFilter& filter = {});

// A coverage row (coverage.h) as one JSON object, for the CLI's
// `candles coverage --json`, the HTTP API and its event stream: instrument_id,
// symbol, venue, timeframe, first, last (ISO-8601), count, expected_count,
// missing, gap_count, updated_at.
std::string CoverageToJson(const CandleCoverage& coverage, const Instrument& instrument);

// The columns of an entity's rows, in order, with the JSON type each takes
// in the JSON Lines rendering: integer, number (double; non-finite values
// as the strings "nan", "inf", "-inf"), decimal (exact text), time (ISO-8601
// text) or text. Any column may be null. Throws as ExportEntity for an
// unknown entity.
enum class ColumnType { kInteger, kNumber, kDecimal, kTime, kText };
struct EntityColumn {
  std::string name;
  ColumnType type = ColumnType::kText;
};
std::vector<EntityColumn> EntityColumns(std::string_view entity);

// One page of an entity's rows for keyset pagination (the HTTP API's lists):
// each row one JSON object rendered as a JSON Lines row above (keys in
// column order; decimals and times as strings). `cursor` is "" for the first
// page, else the `next` of the page before; `limit` (1..kMaxPageLimit) rows
// at most, in the table's key order. `next` is "" when no row follows.
// A cursor is opaque (base64url text of the last row's key); one that does
// not decode to a key of this entity is Error(kInvalidArgument) naming it.
// Other errors as ExportEntity; a limit outside 1..kMaxPageLimit is
// kInvalidArgument. The page is read in one statement (consistent).
inline constexpr std::int64_t kMaxPageLimit = 1000;
struct EntityPage {
  std::string entity;
  std::vector<std::string> columns;
  std::vector<std::string> rows;  // JSON object texts
  std::string next;               // cursor of the next page, "" at the end
};
EntityPage ReadEntityPage(Store& store, std::string_view entity, const ExportFilter& filter,
                          std::string_view cursor, std::int64_t limit);

// One row of `entity` by the values of integer columns (e.g. {{"id", 42},
// {"bot_id", 3}}; a position by bot_id, account_id and instrument_id) as
// the JSON object text that ReadEntityPage gives for it (test-tagged rows
// and system accounts included): a point read for a caller that knows the
// keys, without the filter's name lookups. nullopt when no row matches;
// the first in key order when several do. Throws kInvalidArgument for an
// unknown entity or column, or for candles (use ReadEntityPage).
std::optional<std::string> ReadEntityRow(
    Store& store, std::string_view entity,
    const std::vector<std::pair<std::string, std::int64_t>>& equal);

struct ImportOptions {
  std::optional<DataFormat> format;  // from the file's extension when unset
  DataProgress progress;
  // Run the trading checks around the import (see ImportEntity). ImportBundle
  // turns it off: it runs every check once, on the whole imported store.
  bool check_rules = true;
};

struct ImportSummary {
  std::string entity;
  std::string table;
  std::string file;
  DataFormat format = DataFormat::kCsv;
  std::int64_t rows = 0;
  // Checks that fail after this import only because tables they also read
  // come later in bundle order (orders imported before their fills), one
  // line each: "check order-fills fails until the rest of its tables are
  // imported (2 findings: trading.orders id=4: ...)". Empty when none.
  std::vector<std::string> pending_checks;
};

// Imports a file written by ExportEntity (or by hand in the same format)
// into the entity's table, keeping ids; all rows in one unit of work, so a
// failed import changes nothing. Columns may come in any order; columns
// left out take the table's defaults, except the key columns, which are
// required. PostgreSQL identity sequences are moved past the largest id.
// Throws Error(kInvalidArgument) "FILE:LINE: field 'X' value 'V': reason"
// for an unknown or missing column, a bad time, decimal, integer or double,
// a row with the wrong number of cells, malformed CSV/JSON/SQL, or (SQL) any
// statement other than an INSERT into the entity's own table; database
// refusals (unique keys, foreign keys, NOT NULL) keep their kind and are
// prefixed with FILE:LINE of the row. kNotFound for a missing file.
//
// The imported store passes check: imported orders and fills must meet
// check fill-rules (quantities, prices, their order's account, instrument
// and side, never past the order's quantity), and the checks order-fills,
// positions, trades, bot-counters, balances, ledger-references,
// ledger-running-balance and ledger-double-entry must pass once the entity
// is the last of the tables they read, in the order `export all` writes
// them (orders, fills, positions, trades; balances, then ledger entries).
// Otherwise Error(kConflict) "FILE: importing ENTITY would fail check NAME
// (N problems: TABLE ROW: ...); nothing was imported" (also when the store
// failed that check before: repair it first). A check's findings at an
// earlier step are returned in ImportSummary::pending_checks. Each of
// these checks scans its tables once, inside the import's unit of work.
ImportSummary ImportEntity(Store& store, std::string_view entity, const std::string& file,
                           const ImportOptions& options = {});

}  // namespace tradestore
