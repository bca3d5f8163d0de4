// Value rendering and parsing for export and import; see export_format.h.
#include "io/export_format.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "tradestore/error.h"

namespace tradestore::io {

using detail::ColumnKind;
using detail::Value;

std::string IsoMicros(Timestamp t) {
  std::string iso = t.ToIso();  // "...SSZ" or "...SS.ffffffZ"
  if (iso.find('.') == std::string::npos) iso.insert(iso.size() - 1, ".000000");
  return iso;
}

std::string ValueText(const Value& value) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return {};
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(x);
        } else if constexpr (std::is_same_v<T, double>) {
          char buf[64];
          const auto r = std::to_chars(buf, buf + sizeof buf, x);
          return std::string(buf, r.ptr);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return x;
        } else if constexpr (std::is_same_v<T, Decimal>) {
          return x.ToString();
        } else if constexpr (std::is_same_v<T, sql::Blob>) {
          // PostgreSQL's bytea hex form: "\x" and two lowercase digits a byte.
          static constexpr char kHex[] = "0123456789abcdef";
          std::string out = "\\x";
          for (unsigned char b : x.bytes) {
            out += kHex[b >> 4];
            out += kHex[b & 15];
          }
          return out;
        } else {
          return IsoMicros(x);
        }
      },
      value);
}

std::string CsvField(const Value& value) {
  if (std::holds_alternative<std::monostate>(value)) return {};
  const std::string text = ValueText(value);
  if (!text.empty() && text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string JsonString(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
}

std::vector<std::string> JsonKeys(const detail::TableInfo& table) {
  std::vector<std::string> keys;
  keys.reserve(table.columns.size());
  for (const detail::ColumnInfo& c : table.columns) keys.push_back(JsonString(c.name) + ":");
  return keys;
}

void AppendJsonObject(const std::vector<std::string>& keys, const detail::Row& row,
                      std::string& out) {
  out += '{';
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (i > 0) out += ',';
    out += keys[i];
    out += JsonValue(row[i]);
  }
  out += '}';
}

std::string JsonValue(const Value& value) {
  if (std::holds_alternative<std::monostate>(value)) return "null";
  if (std::holds_alternative<std::int64_t>(value)) return ValueText(value);
  if (const double* d = std::get_if<double>(&value); d && std::isfinite(*d)) {
    return ValueText(value);
  }
  return JsonString(ValueText(value));
}

std::string SqlLiteral(const Value& value) {
  if (std::holds_alternative<std::monostate>(value)) return "NULL";
  if (std::holds_alternative<std::int64_t>(value)) return ValueText(value);
  if (const double* d = std::get_if<double>(&value); d && std::isfinite(*d)) {
    return ValueText(value);
  }
  std::string out = "'";
  for (char c : ValueText(value)) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

Value ParseValue(std::string_view text, ColumnKind kind, std::string& error) {
  error.clear();
  switch (kind) {
    case ColumnKind::kText:
      return std::string(text);
    case ColumnKind::kInt: {
      std::int64_t v = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size()) {
        error = "not an integer";
        return {};
      }
      return v;
    }
    case ColumnKind::kDouble: {
      double v = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
      if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size()) {
        error = "not a number";
        return {};
      }
      return v;
    }
    case ColumnKind::kDecimal: {
      if (auto d = Decimal::TryParse(text)) return *d;
      error = "not an exact decimal";
      return {};
    }
    case ColumnKind::kBlob: {
      const auto nibble = [](char c) {
        return c >= '0' && c <= '9'   ? c - '0'
               : c >= 'a' && c <= 'f' ? c - 'a' + 10
               : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                      : -1;
      };
      if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) {
        error = "not bytes in hex form (\\x...)";
        return {};
      }
      sql::Blob blob;
      for (std::size_t i = 2; i < text.size(); i += 2) {
        const int hi = nibble(text[i]);
        const int lo = nibble(text[i + 1]);
        if (hi < 0 || lo < 0) {
          error = "not bytes in hex form (\\x...)";
          return {};
        }
        blob.bytes += static_cast<char>(hi << 4 | lo);
      }
      return blob;
    }
    case ColumnKind::kTime: {
      if (auto t = Timestamp::TryParse(text)) return *t;
      error = "not an ISO-8601 time";
      return {};
    }
  }
  error = "unknown column kind";
  return {};
}

void ThrowAt(const std::string& file, std::int64_t line, std::string_view field,
             std::string_view value, std::string_view reason) {
  std::string shown(value.substr(0, 80));
  if (value.size() > 80) shown += "...";
  throw InvalidArgument(
      fmt::format("{}:{}: field '{}' value '{}': {}", file, line, field, shown, reason));
}

void ThrowAt(const std::string& file, std::int64_t line, std::string_view reason) {
  throw InvalidArgument(fmt::format("{}:{}: {}", file, line, reason));
}

}  // namespace tradestore::io
