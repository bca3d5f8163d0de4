// status, stats and optimize; see include/tradestore/status.h.
#include "tradestore/status.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "store/ops_queries.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using nlohmann::json;

json OptTime(const std::optional<Timestamp>& t) { return t ? json(t->ToIso()) : json(nullptr); }
template <typename T>
json Opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

std::string Backend(const std::string& url) {
  return detail::IsPostgresUrl(url) ? "postgres" : "sqlite";
}

// Throws kNotFound for a SQLite store that does not exist: status and check
// never create one.
void RequireExisting(const std::string& url) {
  if (detail::IsPostgresUrl(url)) return;
  if (!url.starts_with("sqlite:")) {
    throw InvalidArgument(
        "store URL '" + url +
        "' must start with sqlite: or postgresql:// (e.g. sqlite:tradestore-data)");
  }
  const auto files = detail::SqliteFilesOf(url);
  if (files.empty()) return;  // :memory:
  const std::filesystem::path root = files.size() == 1
                                         ? std::filesystem::path(files[0].path)
                                         : std::filesystem::path(files[0].path).parent_path();
  if (!std::filesystem::exists(root)) throw NotFound("no store at " + root.string());
}

std::string PgLocation(const std::string& db) {
  return db == "trading" ? "schemas trading, config, audit" : "schema " + db;
}

void FillStorage(detail::StoreImpl& impl, std::vector<DatabaseStatus>& out) {
  for (const detail::StorageInfo& s : detail::Storage(impl)) {
    DatabaseStatus d;
    d.name = s.database;
    d.location = s.path.empty() ? PgLocation(s.database) : s.path;
    d.connected = true;
    d.bytes = s.bytes;
    d.wal_bytes = s.wal_bytes;
    d.free_pages = s.free_pages;
    d.page_size = s.page_size;
    d.dead_rows = s.dead_rows;
    d.file_modified = s.file_modified;
    out.push_back(std::move(d));
  }
}

}  // namespace

bool StoreStatus::ok() const {
  if (!connected) return false;
  for (const DatabaseStatus& d : databases) {
    if (!d.connected || !d.pending_migrations.empty() || d.schema_version > d.latest_version) {
      return false;
    }
  }
  for (const TableStatus& t : tables) {
    if (!t.error.empty()) return false;
  }
  return true;
}

StoreStatus GetStatus(const std::string& url) {
  RequireExisting(url);
  StoreStatus status;
  status.url = url;
  status.backend = Backend(url);
  StoreOptions options;
  options.migrate = false;
  std::optional<Store> store;
  try {
    store.emplace(Store::Open(url, options));
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kInvalidArgument) throw;
    status.error = e.what();
    for (const detail::SqliteFile& f : detail::SqliteFilesOf(url)) {
      DatabaseStatus d;
      d.name = f.database;
      d.location = f.path;
      d.error = e.what();
      status.databases.push_back(std::move(d));
    }
    return status;
  }
  detail::StoreImpl& impl = store->impl();
  try {
    FillStorage(impl, status.databases);
    const auto schemas = detail::SchemaStates(impl);
    for (DatabaseStatus& d : status.databases) {
      for (const detail::SchemaState& s : schemas) {
        // PostgreSQL and single-file stores have one migration series per
        // store ("all") or per database name in the same file.
        if (s.database == d.name || s.database == "all" ||
            (d.name == "all" && s.database == "trading")) {
          d.schema_version = s.current;
          d.latest_version = s.latest;
          d.pending_migrations = s.pending;
        }
      }
    }
    // A single-file store holds three migration series: report the file as
    // pending when any of them is.
    if (status.databases.size() == 1 && status.databases[0].name == "all") {
      status.databases[0].pending_migrations.clear();
      for (const detail::SchemaState& s : schemas) {
        {
          status.databases[0].pending_migrations.insert(
              status.databases[0].pending_migrations.end(), s.pending.begin(), s.pending.end());
          if (s.current > s.latest) status.databases[0].schema_version = s.current;
        }
      }
    }
    for (const detail::TableState& t : detail::TableStates(impl)) {
      TableStatus ts;
      ts.table = t.table->QualifiedName();
      ts.database = detail::DatabaseName(t.table->database);
      ts.rows = t.rows;
      if (t.test_rows) {
        ts.test_rows = *t.test_rows;
        ts.real_rows = t.rows - *t.test_rows;
      }
      ts.last_write = t.last_write;
      if (t.error) ts.error = *t.error;
      status.tables.push_back(std::move(ts));
      const TableStatus& added = status.tables.back();
      for (DatabaseStatus& d : status.databases) {
        const bool same = d.name == added.database || d.name == "all";
        if (same && t.last_write && (!d.last_write || *t.last_write > *d.last_write)) {
          d.last_write = t.last_write;
        }
      }
    }
    status.connected = true;
  } catch (const Error& e) {
    status.error = e.what();
    for (DatabaseStatus& d : status.databases) {
      d.connected = false;
      d.error = e.what();
    }
  }
  return status;
}

std::string StatusToJson(const StoreStatus& s) {
  json j;
  j["url"] = s.url;
  j["backend"] = s.backend;
  j["ok"] = s.ok();
  j["error"] = s.error.empty() ? json(nullptr) : json(s.error);
  // The legacy system status (seed 000): database.status, databases, urls.
  json legacy;
  legacy["status"] = s.connected ? "connected" : "disconnected";
  legacy["type"] = s.backend == "postgres" ? "PostgreSQL" : "SQLite Multi-Database";
  json names = json::object();
  json urls = json::object();
  for (const char* db : {"trading", "market", "analytics"}) {
    bool connected = s.connected;
    std::string where = s.url;
    for (const DatabaseStatus& d : s.databases) {
      if (d.name == db || d.name == "all") {
        connected = connected && d.connected;
        where = s.backend == "postgres" ? s.url : d.location;
      }
    }
    if (s.backend == "sqlite" && s.databases.size() == 1) legacy["type"] = "SQLite";
    names[db] = connected ? "connected" : "disconnected";
    urls[db] = where;
  }
  legacy["databases"] = names;
  legacy["urls"] = urls;
  j["database"] = legacy;
  j["databases"] = json::array();
  for (const DatabaseStatus& d : s.databases) {
    j["databases"].push_back({{"name", d.name},
                              {"location", d.location},
                              {"connected", d.connected},
                              {"error", d.error.empty() ? json(nullptr) : json(d.error)},
                              {"schema_version", d.schema_version},
                              {"latest_version", d.latest_version},
                              {"pending_migrations", d.pending_migrations},
                              {"bytes", d.bytes},
                              {"wal_bytes", Opt(d.wal_bytes)},
                              {"page_size", Opt(d.page_size)},
                              {"free_pages", Opt(d.free_pages)},
                              {"dead_rows", Opt(d.dead_rows)},
                              {"last_write", OptTime(d.last_write)},
                              {"file_modified", OptTime(d.file_modified)}});
  }
  j["tables"] = json::array();
  for (const TableStatus& t : s.tables) {
    j["tables"].push_back({{"table", t.table},
                           {"database", t.database},
                           {"rows", t.rows},
                           {"real_rows", Opt(t.real_rows)},
                           {"test_rows", Opt(t.test_rows)},
                           {"last_write", OptTime(t.last_write)},
                           {"error", t.error.empty() ? json(nullptr) : json(t.error)}});
  }
  return j.dump(2);
}

StoreStats GetStats(const std::string& url) {
  RequireExisting(url);
  Store store = Store::Open(url);
  StoreStats stats;
  stats.url = url;
  stats.backend = Backend(url);
  FillStorage(store.impl(), stats.databases);
  for (const detail::IndexUse& u : detail::IndexUsage(store.impl())) {
    stats.indexes.push_back(
        {u.database, u.table, u.index, u.bytes, u.scans, u.tuples_read, u.stat});
  }
  std::string why;
  if (auto q = detail::SlowestQueries(store.impl(), 10, why)) {
    stats.queries_recorded = true;
    for (const detail::QueryShape& s : *q) {
      stats.slowest_queries.push_back({s.query, s.calls, s.total_ms, s.mean_ms});
    }
  } else {
    stats.queries_note = why;
  }
  return stats;
}

std::string StatsToJson(const StoreStats& s) {
  json j;
  j["url"] = s.url;
  j["backend"] = s.backend;
  j["databases"] = json::array();
  for (const DatabaseStatus& d : s.databases) {
    std::optional<double> free_fraction;
    if (d.free_pages && d.page_size && d.bytes > 0) {
      free_fraction = static_cast<double>(*d.free_pages * *d.page_size) / d.bytes;
    }
    j["databases"].push_back({{"name", d.name},
                              {"location", d.location},
                              {"bytes", d.bytes},
                              {"wal_bytes", Opt(d.wal_bytes)},
                              {"page_size", Opt(d.page_size)},
                              {"free_pages", Opt(d.free_pages)},
                              {"free_fraction", Opt(free_fraction)},
                              {"dead_rows", Opt(d.dead_rows)}});
  }
  j["indexes"] = json::array();
  for (const IndexStats& i : s.indexes) {
    j["indexes"].push_back(
        {{"database", i.database},
         {"table", i.table},
         {"index", i.index},
         {"bytes", Opt(i.bytes)},
         {"scans", Opt(i.scans)},
         {"tuples_read", Opt(i.tuples_read)},
         {"sqlite_stat", i.sqlite_stat.empty() ? json(nullptr) : json(i.sqlite_stat)}});
  }
  j["queries_recorded"] = s.queries_recorded;
  j["queries_note"] = s.queries_note.empty() ? json(nullptr) : json(s.queries_note);
  j["slowest_queries"] = json::array();
  for (const QueryStats& q : s.slowest_queries) {
    j["slowest_queries"].push_back(
        {{"query", q.query}, {"calls", q.calls}, {"total_ms", q.total_ms}, {"mean_ms", q.mean_ms}});
  }
  return j.dump(2);
}

OptimizeResult Optimize(const std::string& url, bool vacuum) {
  RequireExisting(url);
  Store store = Store::Open(url);
  OptimizeResult r;
  r.url = url;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> per_db;  // first before, last after
  for (const detail::OptimizeStep& s : detail::Optimize(store.impl(), vacuum)) {
    r.actions.push_back({s.database, s.action, s.bytes_before, s.bytes_after});
    auto [it, inserted] = per_db.try_emplace(s.database, s.bytes_before, s.bytes_after);
    if (!inserted) it->second.second = s.bytes_after;
  }
  for (const auto& [db, sizes] : per_db) {
    r.bytes_before += sizes.first;
    r.bytes_after += sizes.second;
  }
  return r;
}

std::string OptimizeToJson(const OptimizeResult& r) {
  json j;
  j["url"] = r.url;
  j["bytes_before"] = r.bytes_before;
  j["bytes_after"] = r.bytes_after;
  j["reclaimed_bytes"] = r.reclaimed();
  j["actions"] = json::array();
  for (const OptimizeAction& a : r.actions) {
    j["actions"].push_back({{"database", a.database},
                            {"action", a.action},
                            {"bytes_before", a.bytes_before},
                            {"bytes_after", a.bytes_after}});
  }
  return j.dump(2);
}

}  // namespace tradestore
