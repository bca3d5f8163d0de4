// Value rendering and parsing shared by export, import and show (see
// include/tradestore/export_import.h for the rules).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/table_io.h"

namespace tradestore::io {

// The text of a non-NULL value in every format: integers, shortest
// round-trip doubles ("nan", "inf", "-inf"), canonical decimals, ISO-8601
// UTC times with microseconds, text as is.
std::string ValueText(const detail::Value& value);
// ISO-8601 UTC with exactly six fraction digits.
std::string IsoMicros(Timestamp t);

// A CSV field (RFC 4180): NULL empty, the empty string "", quoted when it
// holds a comma, quote, CR or LF.
std::string CsvField(const detail::Value& value);
// A JSON value: null, number (int, finite double), or string.
std::string JsonValue(const detail::Value& value);
std::string JsonString(std::string_view text);
// `"name":` for each column of `table`, escaped once, for JsonObject.
std::vector<std::string> JsonKeys(const detail::TableInfo& table);
// A row as one JSON object, keys in column order (the JSON Lines row).
void AppendJsonObject(const std::vector<std::string>& keys, const detail::Row& row,
                      std::string& out);
// An SQL literal: NULL, bare number, or '...' with quotes doubled.
std::string SqlLiteral(const detail::Value& value);

// Parses `text` as a value of `kind`; nullopt-free: returns the reason in
// `error` (empty on success).
detail::Value ParseValue(std::string_view text, detail::ColumnKind kind, std::string& error);

// "FILE:LINE: field 'X' value 'V': reason" as Error(kInvalidArgument).
[[noreturn]] void ThrowAt(const std::string& file, std::int64_t line, std::string_view field,
                          std::string_view value, std::string_view reason);
// "FILE:LINE: reason" as Error(kInvalidArgument).
[[noreturn]] void ThrowAt(const std::string& file, std::int64_t line, std::string_view reason);

}  // namespace tradestore::io
