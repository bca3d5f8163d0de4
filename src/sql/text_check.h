// The last line of the store's text rule (tradestore/text.h): every text
// value bound to a statement is checked by the drivers, and a refusal names
// the column the value was meant for when the statement's SQL says it.
// Likewise the time range: every time written to a store is checked here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tradestore/timestamp.h"

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

// The times a store holds: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999Z, the years of ISO-8601's four digits, which
// every text form of a time (exports, JSON, PostgreSQL's text protocol)
// writes and Timestamp::Parse reads back. A time outside is refused when it
// is written, so that whatever a store holds can be exported and imported
// again.
constexpr bool InStoredTimeRange(Timestamp t) { return t.InIsoRange(); }

// Throws Error(kInvalidArgument) "WHAT: TIME (N microseconds since the epoch) is
// outside the times a store holds (0001-01-01 to 9999-12-31 UTC)" unless
// InStoredTimeRange(value). `what` names the field: "time for column
// 'open_time' of market.candles".
void CheckTimeRange(std::string_view what, Timestamp value);

// CheckTimeRange on a bound parameter that the statement writes (a value of
// INSERT ... VALUES, or an assignment of UPDATE/ON CONFLICT ... SET), naming
// its column ("time for column 'COL'"); a time only compared (WHERE, a
// range bound) may be anything.
void CheckBoundTime(std::string_view sql, int index, Timestamp value);

}  // namespace tradestore::sql
