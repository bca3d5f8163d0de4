// The SQL text shared by the drivers' bulk upserts.
#include <string>

#include "sql/connection.h"

namespace tradestore::sql {
namespace {

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace

std::string BulkUpsertSql(const BulkUpsertSpec& spec, std::string_view source) {
  std::string sql = "INSERT INTO " + spec.table + " (" + Join(spec.columns) + ") ";
  if (source.empty()) {
    sql += "VALUES (";
    for (std::size_t i = 0; i < spec.columns.size(); ++i) sql += i == 0 ? "?" : ", ?";
    sql += ")";
  } else {
    sql += source;
  }
  if (!spec.conflict_columns.empty()) {
    sql += " ON CONFLICT (" + Join(spec.conflict_columns) + ") DO ";
    if (spec.update_columns.empty()) {
      sql += "NOTHING";
    } else {
      sql += "UPDATE SET ";
      for (std::size_t i = 0; i < spec.update_columns.size(); ++i) {
        if (i > 0) sql += ", ";
        sql += spec.update_columns[i] + " = excluded." + spec.update_columns[i];
      }
    }
  }
  return sql;
}

}  // namespace tradestore::sql
