// Errors of the typed rows; see schema_row.h.
#include "store/schema_row.h"

#include <fmt/format.h>

#include "tradestore/error.h"

namespace tradestore::detail::schema {
namespace {

// kInternal: "trading.fills column 'price' <what>".
[[noreturn]] void Fail(const Table& table, int column, const std::string& what) {
  throw Error(ErrorKind::kInternal, fmt::format("{}.{} column '{}' {}", table.schema, table.name,
                                                table.columns[column].name, what));
}

}  // namespace

void ThrowNotInStatement(const Table& table, int column) {
  Fail(table, column, "is not among the statement's columns");
}

void ThrowWrongType(const Table& table, int column, std::string_view what) {
  Fail(table, column,
       fmt::format("is bound or read as {}, which does not suit its type in src/store/schema.h",
                   what));
}

void ThrowNotSet(const Table& table, int column) {
  Fail(table, column, "of the statement was not set");
}

void ThrowBadValue(const Table& table, int column, std::string_view expression) {
  Fail(table, column,
       fmt::format("has the value '{}', which must take exactly one parameter (more are allowed "
                   "in the statement's last column only)",
                   expression));
}

void ThrowBadComputed(const Table& table, int column, std::string_view expression) {
  Fail(table, column,
       fmt::format("has the computed value '{}', which must take no parameter and name a column "
                   "that is not one of the statement's",
                   expression));
}

void ThrowUnknownColumn(const Table& table, std::string_view name) {
  throw Error(ErrorKind::kInternal, fmt::format("{}.{} has no column '{}' in src/store/schema.h",
                                                table.schema, table.name, name));
}

void ThrowOutOfOrder(const Table& table, int column) {
  Fail(table, column, "is added out of the table's column order in a bulk row");
}

}  // namespace tradestore::detail::schema
