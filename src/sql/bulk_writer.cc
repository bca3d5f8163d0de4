// The SQL text of the drivers' bulk upserts, and the row-shape checks
// every BulkWriter shares.
#include <string>

#include "sql/connection.h"
#include "sql/text_check.h"
#include "tradestore/text.h"

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
  // The stored row is "t" where only_changes compares it (PostgreSQL finds
  // a bare column name ambiguous there).
  std::string sql = "INSERT INTO " + spec.table + (spec.only_changes ? " AS t" : "") + " (" +
                    Join(spec.columns) + ") ";
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
      if (spec.only_changes) {
        sql += " WHERE ";
        for (std::size_t i = 0; i < spec.update_columns.size(); ++i) {
          if (i > 0) sql += " OR ";
          sql += "t." + spec.update_columns[i] + " IS DISTINCT FROM excluded." +
                 spec.update_columns[i];
        }
        for (const std::string& column : spec.zero_is_change) {
          sql += " OR excluded." + column + " = 0";
        }
      }
    }
  }
  return sql;
}

}  // namespace tradestore::sql

namespace tradestore::sql {

void BulkWriter::CheckText(int column, std::string_view value) const {
  if (!FindInvalidText(value)) return;
  tradestore::CheckText(
      "text for column '" + column_names_[static_cast<std::size_t>(column - 1)] + "' of " + table_,
      value);
}

void BulkWriter::CheckTime(int column, Timestamp value) const {
  if (InStoredTimeRange(value)) return;
  CheckTimeRange(
      "time for column '" + column_names_[static_cast<std::size_t>(column - 1)] + "' of " + table_,
      value);
}

int BulkWriter::NextColumn() {
  if (finished_)
    throw Error(ErrorKind::kInternal, "bulk write into " + table_ + ": already finished");
  if (column_ >= columns_) {
    throw Error(ErrorKind::kInternal, "bulk write into " + table_ + ": more than " +
                                          std::to_string(columns_) + " values in a row");
  }
  return ++column_;
}

void BulkWriter::EndRow() {
  if (finished_)
    throw Error(ErrorKind::kInternal, "bulk write into " + table_ + ": already finished");
  if (column_ != columns_) {
    throw Error(ErrorKind::kInternal, "bulk write into " + table_ + ": a row has " +
                                          std::to_string(column_) + " values for " +
                                          std::to_string(columns_) + " columns");
  }
  column_ = 0;
  WriteRow();
  ++rows_;
}

std::int64_t BulkWriter::Finish() {
  if (finished_)
    throw Error(ErrorKind::kInternal, "bulk write into " + table_ + ": already finished");
  if (column_ != 0) {
    throw Error(ErrorKind::kInternal, "bulk write into " + table_ + ": unfinished row");
  }
  finished_ = true;
  FinishRows();
  return rows_;
}

}  // namespace tradestore::sql
