// Table-level access to a store for tradestore's own ops (copy between
// backends, verification): the catalog of tables with their typed columns
// and key order, keyset-paginated reads in key order, batched inserts that
// keep ids, and a content checksum that is the same on every backend.
//
// Not part of the public API (see include/tradestore/copy.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/store_impl.h"
#include "tradestore/decimal.h"
#include "tradestore/timestamp.h"

namespace tradestore::detail {

// How a column's values travel: the API type behind the column, whatever
// each backend stores (a Decimal is TEXT on SQLite and NUMERIC on
// PostgreSQL; a Timestamp INTEGER µs and timestamptz).
enum class ColumnKind { kInt, kDouble, kText, kDecimal, kTime, kBlob };

struct ColumnInfo {
  std::string name;
  ColumnKind kind;
};

struct TableInfo {
  std::string schema;  // "trading", "market", "analytics"
  std::string name;    // "orders"
  Database database;
  std::vector<ColumnInfo> columns;
  // Columns that order the rows and identify each one (a unique key): the
  // same order on every backend.
  std::vector<std::string> key;
  // The identity column whose sequence must follow explicit ids (PostgreSQL
  // setval after a copy); empty when the table has none.
  std::string identity;

  std::string QualifiedName() const { return schema + "." + name; }
};

// A value of one column: NULL, or the kind's type.
using Value =
    std::variant<std::monostate, std::int64_t, double, std::string, Decimal, Timestamp, sql::Blob>;
using Row = std::vector<Value>;

// Every copied table of a store (schema::Role::kCopied in schema.h), in the
// description's order, which is safe for foreign keys (referenced tables
// first); the key is the primary key, the kinds follow the logical types.
const std::vector<TableInfo>& StoreTables();
// The table named "schema.name" or "name"; throws kInvalidArgument naming
// the known tables otherwise.
const TableInfo& FindTable(std::string_view name);

// Compares the catalog above with what the store's database actually holds:
// returns one message per table or column the database has that the
// catalog does not know (so a copy cannot silently skip data), and per
// catalog column the database lacks. An unknown table is a difference
// whether or not it holds rows (the message ends " (empty)" or " (N
// rows)"): the catalog is the schema description's, which must describe
// every table. The description's transient tables (the change feed's logs,
// the per-bot counters) are left out of the catalog on purpose: not
// reported.
std::vector<std::string> CatalogDifferences(StoreImpl& store);

// Rows of `table` in key order, strictly after `after` (a key tuple, when
// given) and up to and including `upto` (when given), at most `limit`.
std::vector<Row> ReadRows(StoreImpl& store, const TableInfo& table, const std::optional<Row>& after,
                          const std::optional<Row>& upto, std::int64_t limit);
// The key values of a row read by ReadRows.
Row KeyOf(const TableInfo& table, const Row& row);
// The key of the table's last row in key order; nullopt if it is empty.
std::optional<Row> LastKey(StoreImpl& store, const TableInfo& table);
std::int64_t CountRows(StoreImpl& store, const TableInfo& table);

// Inserts rows (full column lists, explicit ids) in one unit of work.
void InsertRows(StoreImpl& store, const TableInfo& table, const std::vector<Row>& rows);
// PostgreSQL: moves the identity column's sequence past the largest id, so
// later inserts without an id do not collide. No-op on SQLite.
void SyncIdentity(StoreImpl& store, const TableInfo& table);

struct TableChecksum {
  std::int64_t rows = 0;
  std::string checksum;  // 16 hex digits, FNV-1a 64 of the canonical rendering
};
// Row count and checksum of the table's rows in key order, up to and
// including `upto` when given, read in batches of `batch_rows`. The
// rendering is canonical (integers in decimal, decimals in canonical text,
// times as µs integers, doubles in shortest round-trip form, text
// length-prefixed, NULL as a marker), so equal content gives equal
// checksums on SQLite and PostgreSQL.
TableChecksum ChecksumTable(StoreImpl& store, const TableInfo& table,
                            const std::optional<Row>& upto = std::nullopt,
                            std::int64_t batch_rows = 5000);

// SQL text helpers: `parts` joined by `sep`; the table's column names
// joined by ", "; "(?, ?, ...)" with n placeholders.
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
std::string ColumnList(const TableInfo& t);
std::string Placeholders(std::size_t n);

// Binds `v` to parameter `index` (NULL for std::monostate).
void BindValue(sql::Statement& st, int index, const Value& v);
// Reads column `column` of the current row as `kind` (NULL -> monostate).
Value ReadValue(const sql::Statement& st, int column, ColumnKind kind);
// The rows of a bound SELECT of every column of `table`, in order (the
// statement is reset afterwards, also when a read throws).
std::vector<Row> StepRows(sql::Statement& st, const TableInfo& table);

// A value rendered for people (errors, messages).
std::string ValueToString(const Value& value);

}  // namespace tradestore::detail
