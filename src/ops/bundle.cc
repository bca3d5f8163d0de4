// Bundles: a whole store as a directory of entity files and a manifest; see
// include/tradestore/bundle.h.
#include "tradestore/bundle.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "ops/ops_util.h"
#include "ops/sha256.h"
#include "store/database.h"
#include "store/ops_queries.h"
#include "store/store_impl.h"
#include "tradestore/check.h"
#include "tradestore/error.h"
#include "tradestore/store.h"
#include "tradestore/timeframe.h"

namespace tradestore {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kFormatName = "tradestore-bundle";

std::string FileName(const std::string& entity, DataFormat format) {
  return entity + "." + std::string(ToString(format));
}

json ToJson(const BundleManifest& m) {
  json entries = json::array();
  for (const BundleEntry& e : m.entries) {
    entries.push_back({{"entity", e.entity},
                       {"table", e.table},
                       {"file", e.file},
                       {"rows", e.rows},
                       {"sha256", e.sha256}});
  }
  return {{"format", kFormatName},
          {"version", m.version},
          {"data_format", std::string(ToString(m.format))},
          {"created_at", m.created_at},
          {"source", m.source},
          {"entities", entries}};
}

// Error(kInvalidArgument) "DIR/manifest.json: field 'F': reason".
[[noreturn]] void Malformed(const fs::path& path, std::string_view field, std::string_view why) {
  throw InvalidArgument(fmt::format("{}: field '{}': {}", path.string(), field, why));
}

// j[name], named `where` + name in errors ("entities[2].rows").
template <typename T>
T Field(const json& j, const fs::path& path, const std::string& name,
        const std::string& where = "") {
  if (!j.is_object() || !j.contains(name)) Malformed(path, where + name, "missing");
  try {
    return j.at(name).get<T>();
  } catch (const json::exception&) {
    Malformed(path, where + name, "has the wrong type (" + j.at(name).dump() + ")");
  }
}

BundleManifest FromJson(const json& j, const fs::path& path) {
  if (!j.is_object()) Malformed(path, "(document)", "not a JSON object");
  if (Field<std::string>(j, path, "format") != kFormatName) {
    Malformed(path, "format",
              "not a tradestore bundle (expected '" + std::string(kFormatName) + "', found " +
                  j.at("format").dump() + ")");
  }
  BundleManifest m;
  m.version = Field<int>(j, path, "version");
  if (m.version != kBundleVersion) {
    Malformed(path, "version",
              fmt::format("{} is not a bundle version this tradestore reads ({})", m.version,
                          kBundleVersion));
  }
  const auto format = Field<std::string>(j, path, "data_format");
  try {
    m.format = ParseDataFormat(format);
  } catch (const Error& e) {
    Malformed(path, "data_format", e.what());
  }
  m.created_at = Field<std::string>(j, path, "created_at");
  m.source = Field<std::string>(j, path, "source");
  const json entries = Field<json>(j, path, "entities");
  if (!entries.is_array()) Malformed(path, "entities", "not an array");
  const std::vector<std::string> known = AvailableEntities();
  std::set<std::string> seen;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json& e = entries[i];
    const std::string where = fmt::format("entities[{}].", i);
    BundleEntry b;
    b.entity = Field<std::string>(e, path, "entity", where);
    if (std::find(known.begin(), known.end(), b.entity) == known.end()) {
      Malformed(path, where + "entity", "'" + b.entity + "' is not an entity of this store");
    }
    if (!seen.insert(b.entity).second) {
      Malformed(path, where + "entity", "'" + b.entity + "' is listed twice");
    }
    b.table = Field<std::string>(e, path, "table", where);
    b.file = Field<std::string>(e, path, "file", where);
    const fs::path file(b.file);
    if (b.file.empty() || file.has_parent_path() || file.is_absolute() || b.file == "." ||
        b.file == "..") {
      Malformed(path, where + "file", "'" + b.file + "' is not a file name in the bundle");
    }
    b.rows = Field<std::int64_t>(e, path, "rows", where);
    if (b.rows < 0) Malformed(path, where + "rows", fmt::format("{} is negative", b.rows));
    b.sha256 = Field<std::string>(e, path, "sha256", where);
    m.entries.push_back(std::move(b));
  }
  return m;
}

// The named check's outcome, run on `store` as `tradestore check` would.
CheckOutcome RunCheck(const CheckDefinition& def, Store& store) {
  CheckOutcome out;
  out.name = def.name;
  CheckOptions options;
  options.max_findings = 5;
  def.run(&store, store.url(), options, out);
  return out;
}

}  // namespace

BundleManifest ExportBundle(Store& store, const std::string& dir, DataFormat format,
                            const BundleProgress& progress) {
  const fs::path root(dir);
  std::error_code ec;
  if (fs::exists(root, ec)) {
    if (!fs::is_directory(root, ec) || !fs::is_empty(root, ec)) {
      throw Conflict(fmt::format(
          "export all: {} exists and is not an empty directory; give a new directory", dir));
    }
  } else if (!fs::create_directories(root, ec) && ec) {
    throw Error(ErrorKind::kStorage, fmt::format("cannot create {}: {}", dir, ec.message()));
  }
  BundleManifest m;
  m.format = format;
  m.created_at = Timestamp::Now().ToIso();
  m.source = detail::RedactedUrl(store.url());
  const std::vector<std::string> entities = AvailableEntities();
  try {
    detail::WithSnapshot(detail::ImplOf(store), [&] {
      for (std::size_t i = 0; i < entities.size(); ++i) {
        if (progress) progress(entities[i], i, entities.size());
        ExportOptions options;
        options.format = format;
        options.filter.include_test = true;
        options.filter.include_system = true;
        BundleEntry e;
        e.entity = entities[i];
        e.file = FileName(e.entity, format);
        const ExportSummary s =
            ExportEntityToFile(store, e.entity, (root / e.file).string(), options);
        e.table = s.table;
        e.rows = s.rows;
        e.sha256 = ops::Sha256File((root / e.file).string());
        m.entries.push_back(std::move(e));
      }
    });
    const fs::path manifest = root / kBundleManifest;
    const fs::path temp = root / (std::string(".") + kBundleManifest + ".tmp");
    ops::WriteFile(temp, ToJson(m).dump(2) + "\n");
    ops::Fsync(temp, false);
    fs::rename(temp, manifest);
    ops::Fsync(root, true);
  } catch (...) {
    for (const std::string& entity : entities) fs::remove(root / FileName(entity, format), ec);
    fs::remove(root / (std::string(".") + kBundleManifest + ".tmp"), ec);
    throw;
  }
  return m;
}

BundleManifest ReadBundleManifest(const std::string& dir) {
  const fs::path path = fs::path(dir) / kBundleManifest;
  if (!fs::exists(path)) {
    throw NotFound(
        fmt::format("{}: no bundle manifest (write a bundle with `tradestore export "
                    "all --out DIR`)",
                    path.string()));
  }
  json j;
  try {
    j = json::parse(ops::ReadFile(path));
  } catch (const json::exception& e) {  // syntax, or a number beyond a double
    throw InvalidArgument(fmt::format("{}: not valid JSON: {}", path.string(), e.what()));
  }
  return FromJson(j, path);
}

BundleImportSummary ImportBundle(Store& store, const std::string& dir,
                                 const BundleProgress& progress) {
  const auto started = std::chrono::steady_clock::now();
  const BundleManifest m = ReadBundleManifest(dir);
  const fs::path root(dir);
  // Every file is what the manifest says before anything is written.
  std::map<std::string, const BundleEntry*> by_entity;
  for (const BundleEntry& e : m.entries) {
    const fs::path file = root / e.file;
    if (!fs::exists(file)) {
      throw NotFound(
          fmt::format("{}: listed in the manifest for {} but missing", file.string(), e.entity));
    }
    const std::string sha = ops::Sha256File(file.string());
    if (sha != e.sha256) {
      throw Conflict(
          fmt::format("{}: SHA-256 {} does not match the manifest's {}; nothing "
                      "was imported",
                      file.string(), sha, e.sha256));
    }
    by_entity[e.entity] = &e;
  }

  BundleImportSummary summary;
  summary.dir = dir;
  detail::StoreImpl& impl = detail::ImplOf(store);
  // One unit of work per database (they are one connection on PostgreSQL
  // and in a single-file store: the later ones nest). Commits run market,
  // trading, analytics: market rows alone are harmless.
  std::optional<sql::Transaction> market, trading, analytics;
  market.emplace(impl.connection(detail::Database::kMarket));
  trading.emplace(impl.connection(detail::Database::kTrading));
  analytics.emplace(impl.connection(detail::Database::kAnalytics));

  const std::vector<std::string> order = AvailableEntities();
  std::size_t index = 0;
  for (const std::string& entity : order) {
    const auto it = by_entity.find(entity);
    if (it == by_entity.end()) continue;
    const BundleEntry& e = *it->second;
    if (progress) progress(entity, index++, by_entity.size());
    ImportOptions options;
    options.format = m.format;
    ImportSummary s = ImportEntity(store, entity, (root / e.file).string(), options);
    if (s.rows != e.rows) {
      throw Conflict(fmt::format("{}: {} rows, the manifest says {}; nothing was imported",
                                 (root / e.file).string(), s.rows, e.rows));
    }
    summary.rows += s.rows;
    summary.imported.push_back(std::move(s));
  }

  // Candle coverage is derived metadata, not an entity: rebuilt from the
  // imported candles.
  if (by_entity.count("candles")) {
    for (const Instrument& instrument : store.instruments().List()) {
      for (Timeframe tf : kAllTimeframes) {
        if (store.candles().RefreshCoverage(instrument.id, tf)) ++summary.coverage_series;
      }
    }
  }

  std::string failures;
  int failed = 0;
  for (const CheckDefinition& def : RegisteredChecks()) {
    if (def.storage) continue;  // file-level checks: the database refused bad rows already
    const CheckOutcome out = RunCheck(def, store);
    bool error = out.status == "error";
    std::string first;
    for (const CheckFinding& f : out.findings) {
      if (f.severity != FindingSeverity::kError) continue;
      error = true;
      if (first.empty()) first = fmt::format("{} {}: {}", f.table, f.row, f.message);
    }
    if (!error) {
      summary.checks.push_back(def.name);
      continue;
    }
    ++failed;
    failures += fmt::format("{}{} ({})", failures.empty() ? "" : "; ", def.name,
                            first.empty() ? out.note : first);
  }
  if (failed > 0) {
    throw Conflict(
        fmt::format("{}: the imported store would fail {} check{}: {}; nothing was "
                    "imported",
                    dir, failed, failed == 1 ? "" : "s", failures));
  }
  market->Commit();
  trading->Commit();
  analytics->Commit();
  summary.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace tradestore
