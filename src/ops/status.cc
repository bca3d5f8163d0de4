// status; see include/tradestore/status.h.
#include "tradestore/status.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "ops/ops_util.h"
#include "sql/postgres/pg_connection.h"
#include "store/candle_chunks.h"
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

namespace {

void FillCandleSeries(detail::StoreImpl& impl, Store& store, std::vector<CandleSeriesStatus>& out) {
  sql::Connection& c = impl.connection(detail::Database::kMarket);
  const std::vector<detail::SeriesStorage> series = detail::CandleStorageBySeries(c);
  if (series.empty()) return;
  std::int64_t rows = 0;
  for (const detail::SeriesStorage& s : series) rows += s.row_candles;
  const std::optional<std::int64_t> row_bytes = detail::CandleRowBytes(c);
  std::map<std::int64_t, Instrument> instruments;
  for (const Instrument& i : store.instruments().List()) instruments.emplace(i.id, i);
  for (const detail::SeriesStorage& s : series) {
    CandleSeriesStatus st;
    st.instrument_id = s.instrument;
    if (const auto it = instruments.find(s.instrument); it != instruments.end()) {
      st.symbol = it->second.symbol;
      st.venue = it->second.venue;
    }
    st.timeframe = s.timeframe;
    st.row_candles = s.row_candles;
    st.chunk_candles = s.chunk_candles;
    st.chunks = s.chunks;
    st.chunk_bytes = s.chunk_bytes;
    if (s.chunk_candles > 0) {
      st.chunk_bytes_per_candle =
          static_cast<double>(s.chunk_bytes) / static_cast<double>(s.chunk_candles);
    }
    const std::int64_t candles = s.row_candles + s.chunk_candles;
    if (candles > 0 && (s.row_candles == 0 || (row_bytes && rows > 0))) {
      const double on_rows = s.row_candles == 0 ? 0.0
                                                : static_cast<double>(*row_bytes) *
                                                      static_cast<double>(s.row_candles) /
                                                      static_cast<double>(rows);
      st.bytes_per_candle =
          (on_rows + static_cast<double>(s.chunk_bytes)) / static_cast<double>(candles);
    }
    out.push_back(std::move(st));
  }
}

}  // namespace

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
    try {
      FillCandleSeries(impl, *store, status.candle_series);
      status.compaction_policies = store->candles().CompactionPolicies();
    } catch (const Error&) {
      // A store older than candle chunks or the compaction policy: its
      // tables above say what is missing; there is nothing to report.
      status.candle_series.clear();
      status.compaction_policies.clear();
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
  j["candle_series"] = json::array();
  for (const CandleSeriesStatus& c : s.candle_series) {
    j["candle_series"].push_back({{"instrument_id", c.instrument_id},
                                  {"symbol", c.symbol},
                                  {"venue", c.venue},
                                  {"timeframe", c.timeframe},
                                  {"row_candles", c.row_candles},
                                  {"chunk_candles", c.chunk_candles},
                                  {"chunks", c.chunks},
                                  {"chunk_bytes", c.chunk_bytes},
                                  {"bytes_per_candle", Opt(c.bytes_per_candle)},
                                  {"chunk_bytes_per_candle", Opt(c.chunk_bytes_per_candle)}});
  }
  j["compaction_policies"] = json::array();
  for (const CandleCompactionPolicy& p : s.compaction_policies) {
    j["compaction_policies"].push_back(
        {{"timeframe", p.timeframe ? std::string(ToString(*p.timeframe)) : "default"},
         {"older_than_us", p.older_than},
         {"updated_at", p.updated_at.ToIso()}});
  }
  return j.dump(2);
}

}  // namespace tradestore
