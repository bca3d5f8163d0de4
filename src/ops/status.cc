// status; see include/tradestore/status.h.
#include "tradestore/status.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "ops/ops_util.h"
#include "sql/postgres/pg_connection.h"
#include "store/ops_queries.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {
using nlohmann::json;
using ops::Backend;
using ops::FillStorage;
using ops::Opt;
using ops::OptTime;
using ops::RequireExisting;

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
  if (replica && (!replica->connected || !replica->is_replica)) return false;
  return true;
}

StoreStatus GetStatus(const std::string& url) {
  RequireExisting(url);
  StoreStatus status;
  status.url = detail::RedactedUrl(url);
  status.backend = Backend(url);
  StoreOptions options;
  options.migrate = false;
  std::optional<Store> store;
  try {
    store.emplace(Store::Open(url, options));
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kInvalidArgument) throw;
    status.error = e.what();
    std::vector<detail::SqliteFile> parts = detail::SqliteFilesOf(url);
    if (status.backend == "postgres") {
      for (const char* db : {"trading", "market", "analytics"}) {
        parts.push_back({db, ops::PgLocation(db)});
      }
    }
    for (const detail::SqliteFile& f : parts) {
      DatabaseStatus d;
      d.name = f.database;
      d.location = f.path;
      d.error = e.what();
      status.databases.push_back(std::move(d));
    }
    return status;
  }
  if (status.backend == "postgres") {
    if (const auto r = sql::PostgresReplicaStatus(url)) {
      ReplicaStatus rs;
      rs.location = r->location;
      rs.connected = r->connected;
      rs.error = r->error;
      rs.is_replica = r->in_recovery;
      rs.replay_lsn = r->replay_lsn;
      rs.lag_bytes = r->lag_bytes;
      rs.seconds_since_replay = r->seconds_since_replay;
      if (rs.connected && !rs.is_replica && rs.error.empty()) {
        rs.error = "the server at read_host is not a replica (not in recovery)";
      }
      status.replica = std::move(rs);
    }
  }
  detail::StoreImpl& impl = detail::ImplOf(*store);
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
  if (s.replica) {
    const ReplicaStatus& r = *s.replica;
    j["replica"] = {{"location", r.location},
                    {"connected", r.connected},
                    {"error", r.error.empty() ? json(nullptr) : json(r.error)},
                    {"is_replica", r.is_replica},
                    {"replay_lsn", r.replay_lsn.empty() ? json(nullptr) : json(r.replay_lsn)},
                    {"lag_bytes", Opt(r.lag_bytes)},
                    {"seconds_since_replay",
                     r.seconds_since_replay ? json(*r.seconds_since_replay) : json(nullptr)}};
  } else {
    j["replica"] = nullptr;
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

}  // namespace tradestore
