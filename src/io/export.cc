// ExportEntity, ReadEntity and the format names; see export_import.h.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <random>

#include "io/export_format.h"
#include "store/entities.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"

namespace tradestore {
namespace {

constexpr std::int64_t kBatch = 5000;

detail::EntityFilter ToDetail(const ExportFilter& f) {
  detail::EntityFilter d;
  d.bot = f.bot;
  d.symbol = f.symbol;
  d.venue = f.venue;
  d.timeframe = f.timeframe;
  d.strategy = f.strategy;
  d.id = f.id;
  d.from = f.from;
  d.to = f.to;
  d.limit = f.limit;
  d.include_test = f.include_test;
  d.include_system = f.include_system;
  return d;
}

// Calls `each` for every matching row, in key order, honouring the limit.
template <typename F>
std::int64_t ForEachRow(Store& store, const detail::TableInfo& table,
                        const detail::ResolvedFilter& filter, const DataProgress& progress,
                        F&& each) {
  detail::StoreImpl& impl = detail::ImplOf(store);
  const std::int64_t total = progress ? detail::CountFilteredRows(impl, table, filter) : 0;
  const std::int64_t wanted = filter.limit.value_or(-1);
  std::int64_t done = 0;
  std::optional<detail::Row> after;
  for (;;) {
    std::int64_t batch = kBatch;
    if (wanted >= 0) batch = std::min(batch, wanted - done);
    if (batch <= 0) break;
    const std::vector<detail::Row> rows =
        detail::ReadFilteredRows(impl, table, filter, after, batch);
    for (const detail::Row& row : rows) each(row);
    done += static_cast<std::int64_t>(rows.size());
    if (progress) progress(done, wanted >= 0 ? std::min(total, wanted) : total);
    if (static_cast<std::int64_t>(rows.size()) < batch) break;
    after = detail::KeyOf(table, rows.back());
  }
  return done;
}

std::string Header(const detail::TableInfo& table, DataFormat format, std::string_view entity) {
  std::string out;
  if (format == DataFormat::kCsv) {
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      if (i > 0) out += ',';
      out += table.columns[i].name;
    }
    out += '\n';
  } else if (format == DataFormat::kSql) {
    out = fmt::format(
        "-- tradestore SQL dump: entity {}, table {}\n"
        "-- One INSERT per row, in key order. Times are ISO-8601 UTC, decimals exact text.\n"
        "-- Load with: tradestore import {} FILE --format sql\n",
        entity, table.QualifiedName(), entity);
  }
  return out;
}

constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(std::string_view in) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : in) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kBase64Url[(buffer >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kBase64Url[(buffer << (6 - bits)) & 0x3F];
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view in) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : in) {
    const std::size_t v = kBase64Url.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

// A page cursor: base64url of the JSON array of the last row's key values.
std::string EncodeCursor(const detail::Row& key) {
  std::string json = "[";
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (i > 0) json += ',';
    json += io::JsonString(io::ValueText(key[i]));
  }
  json += ']';
  return Base64UrlEncode(json);
}

detail::Row DecodeCursor(const detail::TableInfo& table, std::string_view entity,
                         std::string_view cursor) {
  const auto bad = [&](std::string_view why) {
    return InvalidArgument(fmt::format("field 'cursor' value '{}': not a cursor of {} ({})",
                                       cursor.substr(0, 80), entity, why));
  };
  const std::optional<std::string> json = Base64UrlDecode(cursor);
  if (!json) throw bad("not base64url");
  const nlohmann::json parsed = nlohmann::json::parse(*json, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array() || parsed.size() != table.key.size())
    throw bad("wrong shape");
  detail::Row key;
  for (std::size_t i = 0; i < table.key.size(); ++i) {
    if (!parsed[i].is_string()) throw bad("wrong shape");
    const auto column =
        std::find_if(table.columns.begin(), table.columns.end(),
                     [&](const detail::ColumnInfo& c) { return c.name == table.key[i]; });
    std::string error;
    key.push_back(io::ParseValue(parsed[i].get<std::string>(), column->kind, error));
    if (!error.empty()) throw bad(error);
  }
  return key;
}

}  // namespace

std::string CoverageToJson(const CandleCoverage& c, const Instrument& i) {
  const nlohmann::ordered_json j = {{"instrument_id", c.instrument_id},
                                    {"symbol", i.symbol},
                                    {"venue", i.venue},
                                    {"timeframe", std::string(ToString(c.timeframe))},
                                    {"first", c.first.ToIso()},
                                    {"last", c.last.ToIso()},
                                    {"count", c.count},
                                    {"expected_count", c.expected_count},
                                    {"missing", c.missing()},
                                    {"gap_count", c.gap_count},
                                    {"updated_at", c.updated_at.ToIso()}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<EntityColumn> EntityColumns(std::string_view entity) {
  std::vector<EntityColumn> out;
  for (const detail::ColumnInfo& c : detail::EntityTable(entity).columns) {
    ColumnType type = ColumnType::kText;
    switch (c.kind) {
      case detail::ColumnKind::kInt:
        type = ColumnType::kInteger;
        break;
      case detail::ColumnKind::kDouble:
        type = ColumnType::kNumber;
        break;
      case detail::ColumnKind::kDecimal:
        type = ColumnType::kDecimal;
        break;
      case detail::ColumnKind::kTime:
        type = ColumnType::kTime;
        break;
      case detail::ColumnKind::kText:
      case detail::ColumnKind::kBlob:  // "\\x" hex text
        break;
    }
    out.push_back({c.name, type});
  }
  return out;
}

EntityPage ReadEntityPage(Store& store, std::string_view entity, const ExportFilter& filter,
                          std::string_view cursor, std::int64_t limit) {
  if (limit < 1 || limit > kMaxPageLimit) {
    throw InvalidArgument(
        fmt::format("field 'limit' value '{}': must be 1..{}", limit, kMaxPageLimit));
  }
  const detail::TableInfo& table = detail::EntityTable(entity);
  const detail::ResolvedFilter resolved =
      detail::ResolveFilter(detail::ImplOf(store), table, ToDetail(filter));
  std::optional<detail::Row> after;
  if (!cursor.empty()) after = DecodeCursor(table, entity, cursor);
  std::vector<detail::Row> rows =
      detail::ReadFilteredRows(detail::ImplOf(store), table, resolved, after, limit + 1);
  EntityPage page;
  page.entity = std::string(entity);
  for (const detail::ColumnInfo& c : table.columns) page.columns.push_back(c.name);
  if (static_cast<std::int64_t>(rows.size()) > limit) {
    rows.resize(static_cast<std::size_t>(limit));
    page.next = EncodeCursor(detail::KeyOf(table, rows.back()));
  }
  const std::vector<std::string> keys = io::JsonKeys(table);
  page.rows.reserve(rows.size());
  for (const detail::Row& row : rows) {
    std::string text;
    io::AppendJsonObject(keys, row, text);
    page.rows.push_back(std::move(text));
  }
  return page;
}

std::optional<std::string> ReadEntityRow(
    Store& store, std::string_view entity,
    const std::vector<std::pair<std::string, std::int64_t>>& equal) {
  const detail::TableInfo& table = detail::EntityTable(entity);
  if (entity == "candles") throw InvalidArgument("ReadEntityRow: candles are read by page");
  const std::vector<detail::Row> rows =
      detail::ReadRowsWhereEqual(detail::ImplOf(store), table, equal);
  if (rows.empty()) return std::nullopt;
  std::string text;
  io::AppendJsonObject(io::JsonKeys(table), rows.front(), text);
  return text;
}

DataFormat ParseDataFormat(std::string_view text) {
  if (text == "csv") return DataFormat::kCsv;
  if (text == "jsonl") return DataFormat::kJsonl;
  if (text == "sql") return DataFormat::kSql;
  throw InvalidArgument(fmt::format("unknown format '{}'; use csv, jsonl or sql", text));
}

std::string_view ToString(DataFormat format) noexcept {
  switch (format) {
    case DataFormat::kCsv:
      return "csv";
    case DataFormat::kJsonl:
      return "jsonl";
    case DataFormat::kSql:
      return "sql";
  }
  return "csv";
}

std::optional<DataFormat> FormatFromExtension(std::string_view path) {
  const std::string ext = std::filesystem::path(std::string(path)).extension().string();
  if (ext == ".csv") return DataFormat::kCsv;
  if (ext == ".jsonl" || ext == ".ndjson") return DataFormat::kJsonl;
  if (ext == ".sql") return DataFormat::kSql;
  return std::nullopt;
}

std::vector<std::string> KnownEntities() {
  std::vector<std::string> out;
  for (const detail::EntityName& e : detail::EntityNames()) out.emplace_back(e.entity);
  return out;
}

std::vector<std::string> AvailableEntities() { return detail::AvailableEntities(); }

ExportSummary ExportEntity(Store& store, std::string_view entity, std::ostream& out,
                           const ExportOptions& options) {
  const detail::TableInfo& table = detail::EntityTable(entity);
  const detail::ResolvedFilter filter =
      detail::ResolveFilter(detail::ImplOf(store), table, ToDetail(options.filter));
  ExportSummary summary{std::string(entity), table.QualifiedName(), 0};
  out << Header(table, options.format, entity);
  std::string sql_prefix;
  if (options.format == DataFormat::kSql) {
    sql_prefix = "INSERT INTO " + table.QualifiedName() + " (";
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      if (i > 0) sql_prefix += ", ";
      sql_prefix += table.columns[i].name;
    }
    sql_prefix += ") VALUES (";
  }
  const std::vector<std::string> json_keys = io::JsonKeys(table);
  std::string line;
  summary.rows = ForEachRow(store, table, filter, options.progress, [&](const detail::Row& row) {
    line.clear();
    switch (options.format) {
      case DataFormat::kCsv:
        for (std::size_t i = 0; i < row.size(); ++i) {
          if (i > 0) line += ',';
          line += io::CsvField(row[i]);
        }
        break;
      case DataFormat::kJsonl:
        io::AppendJsonObject(json_keys, row, line);
        break;
      case DataFormat::kSql:
        line += sql_prefix;
        for (std::size_t i = 0; i < row.size(); ++i) {
          if (i > 0) line += ", ";
          line += io::SqlLiteral(row[i]);
        }
        line += ");";
        break;
    }
    line += '\n';
    out << line;
  });
  out.flush();
  if (!out) throw Error(ErrorKind::kStorage, "export: writing the output failed");
  return summary;
}

ExportSummary ExportEntityToFile(Store& store, std::string_view entity, const std::string& path,
                                 const ExportOptions& options) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::random_device rd;
  const fs::path temp = dir / fmt::format(".{}.tmp-{:08x}", target.filename().string(), rd());
  ExportSummary summary;
  try {
    {
      std::ofstream file(temp, std::ios::binary | std::ios::trunc);
      if (!file) {
        throw Error(ErrorKind::kStorage, fmt::format("cannot write {}", temp.string()));
      }
      summary = ExportEntity(store, entity, file, options);
      file.close();
      if (!file) throw Error(ErrorKind::kStorage, fmt::format("writing {} failed", temp.string()));
    }
    const int fd = ::open(temp.c_str(), O_RDONLY);
    if (fd < 0 || ::fsync(fd) != 0) {
      if (fd >= 0) ::close(fd);
      throw Error(ErrorKind::kStorage, fmt::format("cannot flush {}", temp.string()));
    }
    ::close(fd);
    std::error_code ec;
    fs::rename(temp, target, ec);
    if (ec) {
      throw Error(ErrorKind::kStorage,
                  fmt::format("cannot rename {} to {}: {}", temp.string(), path, ec.message()));
    }
    if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY); dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
  } catch (...) {
    std::error_code ec;
    fs::remove(temp, ec);
    throw;
  }
  return summary;
}

EntityRows ReadEntity(Store& store, std::string_view entity, const ExportFilter& filter) {
  const detail::TableInfo& table = detail::EntityTable(entity);
  const detail::ResolvedFilter resolved =
      detail::ResolveFilter(detail::ImplOf(store), table, ToDetail(filter));
  EntityRows out;
  for (const detail::ColumnInfo& c : table.columns) {
    out.columns.push_back(c.name);
    out.numeric.push_back(c.kind == detail::ColumnKind::kInt ||
                          c.kind == detail::ColumnKind::kDouble ||
                          c.kind == detail::ColumnKind::kDecimal);
  }
  ForEachRow(store, table, resolved, {}, [&](const detail::Row& row) {
    std::vector<std::optional<std::string>> cells;
    for (const detail::Value& v : row) {
      if (std::holds_alternative<std::monostate>(v)) {
        cells.emplace_back();
      } else if (const Timestamp* t = std::get_if<Timestamp>(&v)) {
        cells.emplace_back(t->ToIso());
      } else {
        cells.emplace_back(io::ValueText(v));
      }
    }
    out.rows.push_back(std::move(cells));
  });
  return out;
}

}  // namespace tradestore
