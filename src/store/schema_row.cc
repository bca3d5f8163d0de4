// Errors of the typed rows; see schema_row.h.
#include "store/schema_row.h"

#include <fmt/format.h>

#include "tradestore/error.h"

namespace tradestore::detail::schema {
namespace {

std::string Named(const Table& table, int column) {
  return fmt::format("{}.{} column '{}'", table.schema, table.name, table.columns[column].name);
}

}  // namespace

void ThrowNotInStatement(const Table& table, int column) {
  throw Error(ErrorKind::kInternal,
              fmt::format("{} is not among the statement's columns", Named(table, column)));
}

void ThrowWrongType(const Table& table, int column, std::string_view what) {
  throw Error(ErrorKind::kInternal,
              fmt::format("{} is bound or read as {}, which does not suit its type in "
                          "src/store/schema.h",
                          Named(table, column), what));
}

void ThrowNotSet(const Table& table, int column) {
  throw Error(ErrorKind::kInternal,
              fmt::format("{} of the statement was not set", Named(table, column)));
}

void ThrowBadValue(const Table& table, int column, std::string_view expression) {
  throw Error(ErrorKind::kInternal,
              fmt::format("{}: the value '{}' must take exactly one parameter (more are allowed "
                          "in the statement's last column only)",
                          Named(table, column), expression));
}

}  // namespace tradestore::detail::schema
