#include "sql/text_check.h"

#include <cctype>
#include <vector>

#include "tradestore/error.h"
#include "tradestore/text.h"

namespace tradestore::sql {
namespace {

bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '"';
}

// The offset of the parameter's marker ("?N" or "$N", N not followed by a
// digit), or npos.
std::size_t FindParameter(std::string_view sql, int index) {
  const std::string digits = std::to_string(index);
  for (const char mark : {'?', '$'}) {
    std::size_t at = 0;
    const std::string token = mark + digits;
    while ((at = sql.find(token, at)) != std::string_view::npos) {
      const std::size_t end = at + token.size();
      if (end >= sql.size() || std::isdigit(static_cast<unsigned char>(sql[end])) == 0) {
        return at;
      }
      at = end;
    }
  }
  // Anonymous markers: the index-th "?" not followed by a digit.
  int seen = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] != '?') continue;
    if (i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1])) != 0) continue;
    if (++seen == index) return i;
  }
  return std::string_view::npos;
}

std::string LastIdentifierBefore(std::string_view sql, std::size_t end) {
  while (end > 0 && std::isspace(static_cast<unsigned char>(sql[end - 1])) != 0) --end;
  std::size_t begin = end;
  while (begin > 0 && IsIdentChar(sql[begin - 1])) --begin;
  std::string name(sql.substr(begin, end - begin));
  if (const std::size_t dot = name.rfind('.'); dot != std::string::npos) name.erase(0, dot + 1);
  std::erase(name, '"');
  return name;
}

bool EndsWithWord(std::string_view sql, std::size_t end, std::string_view word) {
  while (end > 0 && std::isspace(static_cast<unsigned char>(sql[end - 1])) != 0) --end;
  if (end < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(sql[end - word.size() + i])) != word[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> ParameterColumn(std::string_view sql, int index) {
  const std::size_t at = FindParameter(sql, index);
  if (at == std::string_view::npos) return std::nullopt;
  // "col = ?N"
  std::size_t before = at;
  while (before > 0 && std::isspace(static_cast<unsigned char>(sql[before - 1])) != 0) --before;
  if (before > 0 && sql[before - 1] == '=') {
    std::string name = LastIdentifierBefore(sql, before - 1);
    if (!name.empty()) return name;
  }
  // Inside a VALUES tuple: its position among the tuple's top-level commas.
  int depth = 0;
  int position = 0;
  std::size_t open = std::string_view::npos;
  for (std::size_t i = at; i-- > 0;) {
    const char c = sql[i];
    if (c == ')') {
      ++depth;
    } else if (c == '(') {
      if (depth == 0) {
        open = i;
        break;
      }
      --depth;
    } else if (c == ',' && depth == 0) {
      ++position;
    }
  }
  if (open == std::string_view::npos) return std::nullopt;
  std::size_t prev = open;
  while (prev > 0 && std::isspace(static_cast<unsigned char>(sql[prev - 1])) != 0) --prev;
  if (!EndsWithWord(sql, open, "VALUES") && !(prev > 0 && sql[prev - 1] == ',')) {
    return std::nullopt;
  }
  // The column list: the first parenthesis after the last "INSERT INTO".
  std::string upper(sql.substr(0, open));
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::size_t insert = upper.rfind("INSERT INTO");
  if (insert == std::string::npos) return std::nullopt;
  const std::size_t list_open = sql.find('(', insert);
  const std::size_t list_close = sql.find(')', list_open);
  if (list_open == std::string_view::npos || list_close == std::string_view::npos ||
      list_close > open) {
    return std::nullopt;
  }
  std::vector<std::string> columns(1);
  for (const char c : sql.substr(list_open + 1, list_close - list_open - 1)) {
    if (c == ',') {
      columns.emplace_back();
    } else if (std::isspace(static_cast<unsigned char>(c)) == 0 && c != '"') {
      columns.back() += c;
    }
  }
  if (position >= static_cast<int>(columns.size()) || columns[position].empty()) {
    return std::nullopt;
  }
  return columns[position];
}

void CheckBoundText(std::string_view sql, int index, std::string_view value) {
  if (!FindInvalidText(value)) return;  // the common case costs one scan
  const std::optional<std::string> column = ParameterColumn(sql, index);
  CheckText(
      column ? "text for column '" + *column + "'" : "text for parameter " + std::to_string(index),
      value);
}

namespace {

// Whether parameter `index` of `sql` is a value the statement writes: inside
// INSERT ... VALUES (not a SELECT's or WHERE's), or after SET and before any
// later WHERE.
bool IsWrittenParameter(std::string_view sql, int index) {
  const std::size_t at = FindParameter(sql, index);
  if (at == std::string_view::npos) return false;
  std::string upper(sql.substr(0, at));
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::size_t where = upper.rfind("WHERE");
  const std::size_t select = upper.rfind("SELECT");
  const std::size_t set = upper.rfind(" SET ");
  const std::size_t insert = upper.rfind("INSERT INTO");
  auto after = [](std::size_t a, std::size_t b) { return b == std::string::npos || a > b; };
  if (set != std::string::npos && after(set, where)) return true;
  return insert != std::string::npos && after(insert, where) && after(insert, select) &&
         upper.find("VALUES", insert) != std::string::npos;
}

}  // namespace

void CheckTimeRange(std::string_view what, Timestamp value) {
  if (InStoredTimeRange(value)) return;
  throw InvalidArgument(
      std::string(what) + ": " + value.ToIso() + " (" + std::to_string(value.micros()) +
      " microseconds since the epoch) is outside the times a store holds (0001-01-01 to "
      "9999-12-31 UTC)");
}

void CheckBoundTime(std::string_view sql, int index, Timestamp value) {
  if (InStoredTimeRange(value) || !IsWrittenParameter(sql, index)) return;
  const std::optional<std::string> column = ParameterColumn(sql, index);
  CheckTimeRange(
      column ? "time for column '" + *column + "'" : "time for parameter " + std::to_string(index),
      value);
}

}  // namespace tradestore::sql
