// ImportEntity: CSV, JSON Lines and the SQL dump's own INSERT form, parsed
// and validated completely before anything is written; see
// export_import.h.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "io/csv_file.h"
#include "io/export_format.h"
#include "store/entities.h"
#include "store/ops_queries.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"
#include "tradestore/text.h"

namespace tradestore {
namespace {

using detail::ColumnKind;
using detail::Row;
using detail::TableInfo;
using detail::Value;
using io::ParseCsv;
using io::RawRow;
using io::RawTable;
using io::ReadFile;
using io::ThrowAt;

std::optional<std::string> JsonCell(const std::string& file, std::int64_t line,
                                    const std::string& key, const nlohmann::json& v,
                                    ColumnKind kind) {
  if (v.is_null()) return std::nullopt;
  if (v.is_string()) {
    if (kind == ColumnKind::kInt) ThrowAt(file, line, key, v.get<std::string>(), "not an integer");
    return v.get<std::string>();
  }
  if (v.is_number_integer() && kind != ColumnKind::kText && kind != ColumnKind::kTime) {
    return v.dump();
  }
  if (v.is_number_float() && kind == ColumnKind::kDouble) return v.dump();
  const char* why = kind == ColumnKind::kDecimal ? "decimals must be JSON strings (exact text)"
                    : kind == ColumnKind::kTime  ? "times must be ISO-8601 strings"
                    : kind == ColumnKind::kText  ? "text must be a JSON string"
                                                 : "wrong JSON type";
  ThrowAt(file, line, key, v.dump(), why);
}

RawTable ParseJsonl(const std::string& file, const std::string& text, const TableInfo& table) {
  RawTable out;
  std::int64_t line = 0;
  std::size_t pos = 0;
  bool first = true;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view l(text.data() + pos, end - pos);
    pos = end + 1;
    ++line;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.find_first_not_of(" \t") == std::string_view::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(l);
    } catch (const nlohmann::json::exception& e) {
      // parse_error for bad syntax, out_of_range for a number beyond a double (1E400).
      ThrowAt(file, line, fmt::format("malformed JSON: {}", e.what()));
    }
    if (!j.is_object()) ThrowAt(file, line, "each line must be a JSON object");
    if (first) {
      for (const auto& [k, v] : j.items()) out.columns.push_back(k);
      // nlohmann sorts keys; keep the table's order for known columns.
      std::stable_sort(out.columns.begin(), out.columns.end(),
                       [&](const std::string& a, const std::string& b) {
                         auto idx = [&](const std::string& n) {
                           for (std::size_t i = 0; i < table.columns.size(); ++i)
                             if (table.columns[i].name == n) return i;
                           return table.columns.size();
                         };
                         return idx(a) < idx(b);
                       });
      out.header_line = line;
      first = false;
    }
    RawRow row;
    row.line = line;
    for (const auto& [k, v] : j.items()) {
      if (std::find(out.columns.begin(), out.columns.end(), k) == out.columns.end()) {
        ThrowAt(file, line, k, v.dump(), "field not in the first line's fields");
      }
    }
    for (const std::string& c : out.columns) {
      if (!j.contains(c)) ThrowAt(file, line, c, "", "missing field (present on the first line)");
      ColumnKind kind = ColumnKind::kText;
      for (const auto& ci : table.columns)
        if (ci.name == c) kind = ci.kind;
      row.cells.push_back(JsonCell(file, line, c, j[c], kind));
    }
    out.rows.push_back(std::move(row));
  }
  if (first) out.header_line = 1;
  return out;
}

// The SQL dump's own form only: comments, blank space, and
// INSERT INTO <table> (<columns>) VALUES (<literals>); with literals NULL,
// numbers and '...' strings. Anything else is refused, never executed.
class SqlReader {
 public:
  SqlReader(const std::string& file, const std::string& text, const TableInfo& table)
      : file_(file), text_(text), table_(table) {}

  RawTable Read() {
    RawTable out;
    bool first = true;
    for (;;) {
      SkipSpace();
      if (i_ >= text_.size()) break;
      const std::int64_t line = line_;
      const std::string word = Word();
      if (!Upper(word, "INSERT")) Refuse(line, word);
      Expect("INTO", line);
      const std::string name = Name();
      if (name != table_.QualifiedName()) {
        ThrowAt(file_, line,
                fmt::format("only INSERT INTO {} statements are read; found INSERT INTO {}",
                            table_.QualifiedName(), name));
      }
      std::vector<std::string> columns;
      Punct('(', line);
      for (;;) {
        columns.push_back(Name());
        if (Peek() == ',') {
          ++i_;
          continue;
        }
        break;
      }
      Punct(')', line);
      Expect("VALUES", line);
      Punct('(', line);
      RawRow row;
      row.line = line;
      for (;;) {
        row.cells.push_back(Literal(line));
        if (Peek() == ',') {
          ++i_;
          continue;
        }
        break;
      }
      Punct(')', line);
      Punct(';', line);
      if (first) {
        out.columns = columns;
        out.header_line = line;
        first = false;
      } else if (columns != out.columns) {
        ThrowAt(file_, line, "the column list differs from the first INSERT's");
      }
      out.rows.push_back(std::move(row));
    }
    return out;
  }

 private:
  static bool Upper(const std::string& word, std::string_view want) {
    if (word.size() != want.size()) return false;
    for (std::size_t k = 0; k < word.size(); ++k) {
      if (std::toupper(static_cast<unsigned char>(word[k])) != want[k]) return false;
    }
    return true;
  }

  [[noreturn]] void Refuse(std::int64_t line, const std::string& word) {
    std::size_t end = text_.find_first_of(";\n", i_);
    std::string shown =
        word +
        text_.substr(i_, end == std::string::npos ? 40 : std::min<std::size_t>(end - i_, 40));
    ThrowAt(file_, line,
            fmt::format("only INSERT INTO {} statements are read (the file is never executed); "
                        "found '{}'",
                        table_.QualifiedName(), shown));
  }

  void SkipSpace() {
    while (i_ < text_.size()) {
      const char c = text_[i_];
      if (c == '\n') {
        ++line_;
        ++i_;
      } else if (std::isspace(static_cast<unsigned char>(c))) {
        ++i_;
      } else if (c == '-' && i_ + 1 < text_.size() && text_[i_ + 1] == '-') {
        while (i_ < text_.size() && text_[i_] != '\n') ++i_;
      } else {
        break;
      }
    }
  }

  char Peek() {
    SkipSpace();
    return i_ < text_.size() ? text_[i_] : '\0';
  }

  std::string Word() {
    SkipSpace();
    const std::size_t start = i_;
    while (i_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[i_])) || text_[i_] == '_')) {
      ++i_;
    }
    if (start == i_ && i_ < text_.size()) ++i_;  // one symbol, for the message
    return text_.substr(start, i_ - start);
  }

  // An identifier, possibly schema-qualified.
  std::string Name() {
    std::string name = Word();
    while (i_ < text_.size() && text_[i_] == '.') {
      ++i_;
      name += '.';
      name += Word();
    }
    for (char c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.') {
        ThrowAt(file_, line_, fmt::format("expected a name, found '{}'", name));
      }
    }
    return name;
  }

  void Expect(std::string_view keyword, std::int64_t line) {
    const std::string w = Word();
    if (!Upper(w, keyword)) {
      ThrowAt(file_, line, fmt::format("expected {}, found '{}'", keyword, w));
    }
  }

  void Punct(char c, std::int64_t line) {
    if (Peek() != c) {
      ThrowAt(file_, line_ > line ? line_ : line,
              fmt::format("expected '{}', found '{}'", c,
                          i_ < text_.size() ? std::string(1, text_[i_]) : "end of file"));
    }
    ++i_;
  }

  std::optional<std::string> Literal(std::int64_t line) {
    const char c = Peek();
    if (c == '\'') {
      std::string value;
      ++i_;
      for (;;) {
        if (i_ >= text_.size()) ThrowAt(file_, line, "unterminated string literal");
        const char d = text_[i_++];
        if (d == '\'') {
          if (i_ < text_.size() && text_[i_] == '\'') {
            value += '\'';
            ++i_;
            continue;
          }
          break;
        }
        if (d == '\n') ++line_;
        value += d;
      }
      return value;
    }
    if (c == '-' || c == '+' || std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      const std::size_t start = i_;
      ++i_;
      while (i_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[i_])) ||
                                   text_[i_] == '.' || text_[i_] == '+' || text_[i_] == '-')) {
        ++i_;
      }
      return text_.substr(start, i_ - start);
    }
    const std::string w = Word();
    if (Upper(w, "NULL")) return std::nullopt;
    ThrowAt(file_, line_,
            fmt::format("expected a literal (NULL, a number or '...'), found '{}'", w));
  }

  const std::string& file_;
  const std::string& text_;
  const TableInfo& table_;
  std::size_t i_ = 0;
  std::int64_t line_ = 1;
};

}  // namespace

ImportSummary ImportEntity(Store& store, std::string_view entity, const std::string& file,
                           const ImportOptions& options) {
  const TableInfo& table = detail::EntityTable(entity);
  std::optional<DataFormat> format = options.format;
  if (!format) format = FormatFromExtension(file);
  if (!format) {
    throw InvalidArgument(fmt::format(
        "{}: cannot tell the format from the extension; use --format csv|jsonl|sql", file));
  }
  const std::string text = ReadFile(file);
  RawTable raw;
  switch (*format) {
    case DataFormat::kCsv:
      raw = ParseCsv(file, text);
      break;
    case DataFormat::kJsonl:
      raw = ParseJsonl(file, text, table);
      break;
    case DataFormat::kSql:
      raw = SqlReader(file, text, table).Read();
      break;
  }
  // Columns: known, not repeated, keys present.
  std::vector<ColumnKind> kinds;
  for (const std::string& c : raw.columns) {
    const auto it = std::find_if(table.columns.begin(), table.columns.end(),
                                 [&](const detail::ColumnInfo& ci) { return ci.name == c; });
    if (it == table.columns.end()) {
      io::ThrowAt(file, raw.header_line, c, c,
                  fmt::format("unknown column of {} ({})", entity, table.QualifiedName()));
    }
    if (std::count(raw.columns.begin(), raw.columns.end(), c) > 1) {
      io::ThrowAt(file, raw.header_line, c, c, "column named twice");
    }
    kinds.push_back(it->kind);
  }
  if (!raw.rows.empty() || !raw.columns.empty()) {
    for (const std::string& k : table.key) {
      if (std::find(raw.columns.begin(), raw.columns.end(), k) == raw.columns.end()) {
        io::ThrowAt(file, raw.header_line, k, "",
                    fmt::format("missing required column (a key column of {})", entity));
      }
    }
  }
  std::vector<Row> rows;
  rows.reserve(raw.rows.size());
  for (const RawRow& r : raw.rows) {
    if (r.cells.size() != raw.columns.size()) {
      io::ThrowAt(file, r.line,
                  fmt::format("row has {} cells, the header has {} columns", r.cells.size(),
                              raw.columns.size()));
    }
    Row row;
    row.reserve(r.cells.size());
    std::string error;
    for (std::size_t i = 0; i < r.cells.size(); ++i) {
      if (!r.cells[i]) {
        row.emplace_back(std::monostate{});
        continue;
      }
      if (FindInvalidText(*r.cells[i])) {
        CheckText(fmt::format("{}:{}: field '{}'", file, r.line, raw.columns[i]), *r.cells[i]);
      }
      row.push_back(io::ParseValue(*r.cells[i], kinds[i], error));
      if (!error.empty()) io::ThrowAt(file, r.line, raw.columns[i], *r.cells[i], error);
    }
    rows.push_back(std::move(row));
  }
  const auto total = static_cast<std::int64_t>(rows.size());
  std::function<void(std::size_t)> progress;
  if (options.progress) {
    progress = [&](std::size_t done) { options.progress(static_cast<std::int64_t>(done), total); };
  }
  if (!rows.empty()) {
    // Orders and fills must meet the rules that hold in every state of the
    // store (check fill-rules), over the rows already there and the new
    // ones: an over-filled order is refused here, not found by check later.
    std::function<void()> rules;
    if (table.QualifiedName() == "trading.orders" || table.QualifiedName() == "trading.fills") {
      rules = [&store, &file, &entity] {
        const std::vector<detail::RowFinding> found =
            detail::FillRuleViolations(detail::ImplOf(store));
        if (found.empty()) return;
        std::string list;
        for (std::size_t i = 0; i < found.size() && i < 5; ++i) {
          list += fmt::format("{}{} {}: {}", i == 0 ? "" : "; ", found[i].table, found[i].row,
                              found[i].message);
        }
        throw Conflict(fmt::format(
            "{}: importing {} would break the rules of orders and fills ({} problem{}: {}{}); "
            "nothing was imported",
            file, entity, found.size(), found.size() == 1 ? "" : "s", list,
            found.size() > 5 ? "; ..." : ""));
      };
    }
    detail::InsertEntityRows(
        detail::ImplOf(store), table, raw.columns, rows,
        [&](std::size_t i) { return fmt::format("{}:{}", file, raw.rows[i].line); }, progress,
        rules);
  }
  return ImportSummary{std::string(entity), table.QualifiedName(), file, *format, total};
}

}  // namespace tradestore
