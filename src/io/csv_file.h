// Reading whole CSV files (RFC 4180) for the entity import and the trade
// list / equity curve readers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tradestore::io {

// A parsed file: the columns (as the file names them), then rows of text
// cells (nullopt = NULL) with the line each starts on (1-based).
struct RawRow {
  std::int64_t line = 0;
  std::vector<std::optional<std::string>> cells;
};
struct RawTable {
  std::vector<std::string> columns;
  std::int64_t header_line = 1;
  std::vector<RawRow> rows;
};

// The whole file as bytes. Throws Error(kNotFound) when `path` does not
// exist, Error(kStorage) when it cannot be read.
std::string ReadFile(const std::string& path);

// RFC 4180: records of fields; a quoted field may hold commas, quotes ("")
// and line breaks. An unquoted empty field is NULL, a quoted one "". The
// first record is the header; a UTF-8 byte order mark before it is
// skipped. `file` names the file in errors. Throws Error(kInvalidArgument)
// "FILE:LINE: reason" for an unterminated quoted field, characters after a
// closing quote, a quote inside an unquoted field, or an empty file.
RawTable ParseCsv(const std::string& file, const std::string& text);

// `s` without the spaces, tabs, CRs and LFs around it (a cell's padding);
// quotes are the CSV reader's business, not this.
std::string_view TrimBlanks(std::string_view s) noexcept;

}  // namespace tradestore::io
