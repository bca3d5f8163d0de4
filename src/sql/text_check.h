// The last line of the store's text rule (tradestore/text.h): every text
// value bound to a statement is checked by the drivers, and a refusal names
// the column the value was meant for when the statement's SQL says it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tradestore::sql {

// The column that parameter `index` (1-based, written ?N or $N, or the
// index-th anonymous ?) of `sql`
// fills: "col" in "col = ?N" (UPDATE ... SET, WHERE), or the column at the
// parameter's position in "INSERT INTO t (c1, c2, ...) VALUES (?1, ?2, ...)"
// (any row of a multi-row VALUES). nullopt when the SQL does not say.
std::optional<std::string> ParameterColumn(std::string_view sql, int index);

// CheckText on a bound parameter: throws Error(kInvalidArgument)
// "text for column 'COL': ..." (or "text for parameter N: ...") when
// `value` is not valid UTF-8 or holds a NUL byte.
void CheckBoundText(std::string_view sql, int index, std::string_view value);

}  // namespace tradestore::sql
