// Small helpers shared by the repositories' SQL.
#pragma once

#include <string>
#include <string_view>

#include "sql/connection.h"
#include "tradestore/store.h"

namespace tradestore::detail {

// " AND column >= ? AND column < ?" for the bounds `r` has.
inline std::string RangeSql(std::string_view column, const TimeRange& r) {
  std::string sql;
  if (r.from) sql += " AND " + std::string(column) + " >= ?";
  if (r.to) sql += " AND " + std::string(column) + " < ?";
  return sql;
}

// Binds `values` to the parameters from 1 on, in order (a WHERE clause's);
// returns the next free index.
template <class... V>
int BindParams(sql::Statement& st, const V&... values) {
  int index = 1;
  (st.Bind(index++, values), ...);
  return index;
}

// Binds the bounds RangeSql added, from parameter `index`; returns the next
// free index.
inline int BindRange(sql::Statement& st, int index, const TimeRange& r) {
  if (r.from) st.Bind(index++, *r.from);
  if (r.to) st.Bind(index++, *r.to);
  return index;
}

}  // namespace tradestore::detail
