// ReadFile and ParseCsv; see csv_file.h.
#include "io/csv_file.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/export_format.h"
#include "tradestore/error.h"

namespace tradestore::io {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) throw NotFound(fmt::format("{}: no such file", path));
    throw Error(ErrorKind::kStorage, fmt::format("{}: cannot read", path));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RawTable ParseCsv(const std::string& file, const std::string& text) {
  RawTable out;
  // A UTF-8 byte order mark (spreadsheet exports) is not part of the header.
  std::size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
  std::int64_t line = 1;
  bool header = true;
  while (i < text.size()) {
    RawRow row;
    row.line = line;
    for (;;) {
      std::optional<std::string> cell;
      if (i < text.size() && text[i] == '"') {
        std::string value;
        ++i;
        for (;;) {
          if (i >= text.size()) ThrowAt(file, row.line, "unterminated quoted field");
          const char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              value += '"';
              ++i;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          value += c;
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          ThrowAt(file, line, "characters after a closing quote");
        }
        cell = std::move(value);
      } else {
        const std::size_t end = text.find_first_of(",\n\r", i);
        std::string value = text.substr(i, end == std::string::npos ? std::string::npos : end - i);
        if (value.find('"') != std::string::npos) {
          ThrowAt(file, line, "a quote inside an unquoted field");
        }
        i = end == std::string::npos ? text.size() : end;
        if (!value.empty()) cell = std::move(value);
      }
      row.cells.push_back(std::move(cell));
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < text.size() && text[i] == '\r') ++i;
      if (i < text.size() && text[i] == '\n') {
        ++i;
        ++line;
      }
      break;
    }
    if (header) {
      for (auto& c : row.cells) out.columns.push_back(c.value_or(""));
      out.header_line = row.line;
      header = false;
    } else {
      out.rows.push_back(std::move(row));
    }
  }
  if (header) ThrowAt(file, 1, "empty file: no header row");
  return out;
}

std::string_view TrimBlanks(std::string_view s) noexcept {
  constexpr std::string_view kBlanks = " \t\r\n";
  const std::size_t first = s.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kBlanks) - first + 1);
}

}  // namespace tradestore::io
