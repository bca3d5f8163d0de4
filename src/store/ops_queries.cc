// Operator queries: status, statistics, optimize, storage integrity,
// retention and snapshots; see ops_queries.h. (Domain invariant queries are
// in invariant_queries.cc.)
#include "store/ops_queries.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "sql/migrations.h"
#include "sql/sqlite/sqlite_connection.h"
#include "store/candle_chunks.h"
#include "store/query_util.h"
#include "tradestore/error.h"
#include "tradestore/timeframe.h"

namespace tradestore::detail {
namespace {

namespace fs = std::filesystem;

constexpr Database kDatabases[] = {Database::kTrading, Database::kMarket, Database::kAnalytics};

bool IsPostgres(StoreImpl& store) { return store.dialect() == sql::Dialect::kPostgres; }

std::int64_t ScalarInt(sql::Connection& c, std::string_view query) {
  sql::Statement& st = c.Prepare(query);
  std::int64_t v = 0;
  if (st.Step() && !st.IsNull(0)) v = st.GetInt64(0);
  st.Reset();
  return v;
}

std::int64_t FileBytes(const std::string& path) {
  std::error_code ec;
  const auto n = fs::file_size(path, ec);
  return ec ? 0 : static_cast<std::int64_t>(n);
}

std::optional<Timestamp> FileTime(const std::string& path) {
  std::error_code ec;
  const auto t = fs::last_write_time(path, ec);
  if (ec) return std::nullopt;
  const auto sys = std::chrono::file_clock::to_sys(t);
  return Timestamp(
      std::chrono::duration_cast<std::chrono::microseconds>(sys.time_since_epoch()).count());
}

// The distinct SQLite connections of a store with their database name and
// path ("all" for a single-file store).
struct Part {
  std::string database;
  std::string path;
  sql::Connection* connection;
};
std::vector<Part> SqliteParts(StoreImpl& store) {
  std::vector<Part> parts;
  if (store.single_file()) {
    parts.push_back({"all", store.path(Database::kTrading), &store.connection(Database::kTrading)});
    return parts;
  }
  for (Database db : kDatabases) {
    parts.push_back({DatabaseName(db), store.path(db), &store.connection(db)});
  }
  return parts;
}

// PostgreSQL schemas per database.
const char* kPgSchemas = "('trading', 'config', 'audit', 'market', 'analytics')";
std::string PgDatabaseOfSchema(const std::string& schema) {
  return schema == "market" || schema == "analytics" ? schema : "trading";
}

bool IsRecordTime(const ColumnInfo& c) {
  return c.kind == ColumnKind::kTime &&
         (c.name == "time" || c.name == "created_at" || c.name == "updated_at" ||
          c.name == "computed_at" || c.name == "exit_time");
}

std::int64_t PgDatabaseBytes(StoreImpl& store) {
  return ScalarInt(store.connection(Database::kTrading),
                   "SELECT pg_database_size(current_database())");
}

std::int64_t SqliteBytes(const std::string& path) {
  return FileBytes(path) + FileBytes(path + "-wal");
}

}  // namespace

const char* DatabaseName(Database db) {
  switch (db) {
    case Database::kTrading:
      return "trading";
    case Database::kMarket:
      return "market";
    case Database::kAnalytics:
      return "analytics";
  }
  return "trading";
}

bool IsPostgresUrl(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

std::string RedactedUrl(std::string_view url) {
  std::string out(url);
  if (const auto scheme = out.find("://"); scheme != std::string::npos) {
    const auto at = out.find('@', scheme + 3);
    const auto slash = out.find('/', scheme + 3);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
      const auto colon = out.find(':', scheme + 3);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  for (std::size_t pos = 0; (pos = out.find("password=", pos)) != std::string::npos;) {
    const std::size_t start = pos + 9;
    std::size_t end = out.find_first_of("& ", start);
    if (end == std::string::npos) end = out.size();
    out.replace(start, end - start, "***");
    pos = start + 3;
  }
  return out;
}

std::vector<SqliteFile> SqliteFilesOf(std::string_view url) {
  if (!url.starts_with("sqlite:")) return {};
  std::string_view rest = url.substr(7);
  if (rest.starts_with("//")) rest.remove_prefix(2);
  if (const auto q = rest.find('?'); q != std::string_view::npos) rest = rest.substr(0, q);
  if (rest.empty() || rest == ":memory:") return {};
  const std::string path(rest);
  std::error_code ec;
  const auto status = fs::status(path, ec);
  bool single = false;
  if (fs::exists(status)) {
    single = !fs::is_directory(status);
  } else {
    std::string lower = path;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    single = lower.ends_with(".db") || lower.ends_with(".sqlite") || lower.ends_with(".sqlite3");
  }
  if (single) return {{"all", path}};
  std::vector<SqliteFile> out;
  for (Database db : kDatabases) {
    out.push_back({DatabaseName(db), (fs::path(path) / (std::string(DatabaseName(db)) + ".db"))});
  }
  return out;
}

std::vector<SchemaState> SchemaStates(StoreImpl& store) {
  std::vector<SchemaState> out;
  auto add = [&](sql::Connection& c, const char* dialect, const char* database) {
    const sql::MigrationStatus m = sql::GetMigrationStatus(c, dialect, database);
    out.push_back({database, m.current_version, m.latest_version, m.pending});
  };
  if (IsPostgres(store)) {
    add(store.connection(Database::kTrading), "postgres", "all");
  } else {
    for (Database db : kDatabases) add(store.connection(db), "sqlite", DatabaseName(db));
  }
  return out;
}

std::vector<StorageInfo> Storage(StoreImpl& store) {
  std::vector<StorageInfo> out;
  if (IsPostgres(store)) {
    sql::Connection& c = store.connection(Database::kTrading);
    std::map<std::string, StorageInfo> by_db;
    for (Database db : kDatabases) {
      StorageInfo& s = by_db[DatabaseName(db)];
      s.database = DatabaseName(db);
      s.bytes = 0;
      s.dead_rows = 0;
    }
    sql::Statement& st = c.Prepare(
        std::string("SELECT n.nspname, COALESCE(sum(pg_total_relation_size(c.oid)), 0)::bigint "
                    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind = 'r' AND n.nspname IN ") +
        kPgSchemas + " GROUP BY n.nspname");
    while (st.Step()) by_db[PgDatabaseOfSchema(st.GetText(0))].bytes += st.GetInt64(1);
    st.Reset();
    sql::Statement& dead =
        c.Prepare(std::string("SELECT schemaname, COALESCE(sum(n_dead_tup), 0)::bigint FROM "
                              "pg_stat_user_tables WHERE schemaname IN ") +
                  kPgSchemas + " GROUP BY schemaname");
    while (dead.Step()) *by_db[PgDatabaseOfSchema(dead.GetText(0))].dead_rows += dead.GetInt64(1);
    dead.Reset();
    for (Database db : kDatabases) out.push_back(by_db[DatabaseName(db)]);
    return out;
  }
  for (const Part& p : SqliteParts(store)) {
    StorageInfo s;
    s.database = p.database;
    s.path = p.path;
    s.bytes = FileBytes(p.path);
    s.wal_bytes = FileBytes(p.path + "-wal");
    s.page_size = ScalarInt(*p.connection, "PRAGMA page_size");
    s.page_count = ScalarInt(*p.connection, "PRAGMA page_count");
    s.free_pages = ScalarInt(*p.connection, "PRAGMA freelist_count");
    s.file_modified = FileTime(p.path);
    if (auto w = FileTime(p.path + "-wal"); w && (!s.file_modified || *w > *s.file_modified)) {
      s.file_modified = w;
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<TableState> TableStates(StoreImpl& store) {
  std::vector<TableState> out;
  for (const TableInfo& t : StoreTables()) {
    TableState s;
    s.table = &t;
    try {
      sql::Connection& c = store.connection(t.database);
      const bool has_test = std::any_of(t.columns.begin(), t.columns.end(),
                                        [](const ColumnInfo& ci) { return ci.name == "is_test"; });
      sql::Statement& count = c.Prepare(
          "SELECT count(*)" +
          std::string(has_test ? ", COALESCE(sum(CASE WHEN is_test = 1 THEN 1 ELSE 0 END), 0)"
                               : "") +
          " FROM " + t.QualifiedName());
      if (count.Step()) {
        s.rows = count.GetInt64(0);
        if (has_test) s.test_rows = count.GetInt64(1);
      }
      count.Reset();
      std::vector<std::string> times;
      for (const ColumnInfo& ci : t.columns) {
        if (IsRecordTime(ci)) times.push_back("max(" + ci.name + ")");
      }
      std::string from = t.QualifiedName();
      if (t.QualifiedName() == "market.candles") {
        times = {"max(updated_at)"};
        from = "market.candle_coverage";
      }
      if (!times.empty()) {
        std::string list;
        for (std::size_t i = 0; i < times.size(); ++i) list += (i ? ", " : "") + times[i];
        sql::Statement& st = c.Prepare("SELECT " + list + " FROM " + from);
        if (st.Step()) {
          for (std::size_t i = 0; i < times.size(); ++i) {
            if (st.IsNull(static_cast<int>(i))) continue;
            const Timestamp v = st.GetTimestamp(static_cast<int>(i));
            if (!s.last_write || v > *s.last_write) s.last_write = v;
          }
        }
        st.Reset();
      }
    } catch (const Error& e) {
      s.error = e.what();
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<IndexUse> IndexUsage(StoreImpl& store) {
  std::vector<IndexUse> out;
  if (IsPostgres(store)) {
    sql::Statement& st = store.connection(Database::kTrading)
                             .Prepare(std::string("SELECT schemaname, relname, indexrelname, "
                                                  "idx_scan, idx_tup_read, "
                                                  "pg_relation_size(indexrelid) FROM "
                                                  "pg_stat_user_indexes WHERE schemaname IN ") +
                                      kPgSchemas + " ORDER BY 1, 2, 3");
    while (st.Step()) {
      IndexUse u;
      u.database = PgDatabaseOfSchema(st.GetText(0));
      u.table = st.GetText(0) + "." + st.GetText(1);
      u.index = st.GetText(2);
      u.scans = st.GetInt64(3);
      u.tuples_read = st.GetInt64(4);
      u.bytes = st.GetInt64(5);
      out.push_back(std::move(u));
    }
    st.Reset();
    return out;
  }
  for (const Part& p : SqliteParts(store)) {
    sql::Connection& c = *p.connection;
    const bool has_stat1 =
        ScalarInt(c, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'") > 0;
    bool has_dbstat = true;
    try {
      ScalarInt(c, "SELECT count(*) FROM dbstat WHERE name = 'sqlite_master'");
    } catch (const Error&) {
      has_dbstat = false;
    }
    std::vector<std::pair<std::string, std::string>> indexes;
    {
      sql::Statement& st = c.Prepare(
          "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' ORDER BY tbl_name, name");
      while (st.Step()) indexes.emplace_back(st.GetText(0), st.GetText(1));
      st.Reset();
    }
    // WITHOUT ROWID tables are their primary-key index.
    {
      sql::Statement& st = c.Prepare(
          "SELECT name, name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%WITHOUT "
          "ROWID%' ORDER BY name");
      while (st.Step()) indexes.emplace_back(st.GetText(0), st.GetText(1) + " (primary key)");
      st.Reset();
    }
    for (const auto& [table, index] : indexes) {
      IndexUse u;
      u.database = p.database;
      u.table = table;
      u.index = index;
      const std::string name = index.ends_with(" (primary key)") ? table : index;
      if (has_stat1) {
        sql::Statement& st = c.Prepare("SELECT stat FROM sqlite_stat1 WHERE idx = ?");
        BindParams(st, name);
        if (st.Step() && !st.IsNull(0)) u.stat = st.GetText(0);
        st.Reset();
      }
      if (has_dbstat) {
        sql::Statement& st =
            c.Prepare("SELECT COALESCE(sum(pgsize), 0) FROM dbstat WHERE name = ?");
        BindParams(st, name);
        if (st.Step()) u.bytes = st.GetInt64(0);
        st.Reset();
      }
      out.push_back(std::move(u));
    }
  }
  return out;
}

std::optional<std::vector<QueryShape>> SlowestQueries(StoreImpl& store, int limit,
                                                      std::string& why) {
  if (!IsPostgres(store)) {
    why = "SQLite does not record query times";
    return std::nullopt;
  }
  sql::Connection& c = store.connection(Database::kTrading);
  if (ScalarInt(c, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'") == 0) {
    why =
        "the pg_stat_statements extension is not installed in this database (it needs "
        "shared_preload_libraries = 'pg_stat_statements' and CREATE EXTENSION "
        "pg_stat_statements)";
    return std::nullopt;
  }
  std::vector<QueryShape> out;
  try {
    sql::Statement& st = c.Prepare(
        "SELECT query, calls, total_exec_time, mean_exec_time FROM pg_stat_statements "
        "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "ORDER BY total_exec_time DESC LIMIT ?");
    BindParams(st, static_cast<std::int64_t>(limit));
    while (st.Step()) {
      out.push_back({st.GetText(0), st.GetInt64(1), st.GetDouble(2), st.GetDouble(3)});
    }
    st.Reset();
  } catch (const Error& e) {
    why = std::string("pg_stat_statements cannot be read: ") + e.what();
    return std::nullopt;
  }
  return out;
}

std::vector<OptimizeStep> Optimize(StoreImpl& store, bool vacuum) {
  std::vector<OptimizeStep> out;
  if (IsPostgres(store)) {
    sql::Connection& c = store.connection(Database::kTrading);
    auto step = [&](const char* action, const std::string& sql) {
      OptimizeStep s{"all", action, PgDatabaseBytes(store), 0};
      c.ExecuteScript(sql);
      s.bytes_after = PgDatabaseBytes(store);
      out.push_back(s);
    };
    step("analyze", "ANALYZE");
    if (vacuum) step("vacuum", "VACUUM");
    return out;
  }
  // Maintenance beside live writers (docs/operations.md, "optimize"): every
  // write step is a short unit of work of its own that waits for the write
  // lock like any writer (BEGIN IMMEDIATE, retried), ANALYZE reads a sample
  // of each index (analysis_limit) instead of all of it, and the checkpoint
  // never waits for anyone (see below). Only VACUUM, when asked for, holds
  // the write lock for as long as it rewrites the file.
  for (const Part& p : SqliteParts(store)) {
    sql::Connection& c = *p.connection;
    c.ExecuteScript("PRAGMA analysis_limit=1000");
    auto step = [&](const char* action, const std::string& sql, bool in_transaction) {
      OptimizeStep s{p.database, action, SqliteBytes(p.path), 0};
      std::optional<sql::Transaction> tx;
      if (in_transaction) tx.emplace(c);
      sql::Statement& st = c.Prepare(sql);
      while (st.Step()) {
      }
      st.Reset();
      if (tx) tx->Commit();
      s.bytes_after = SqliteBytes(p.path);
      out.push_back(s);
    };
    step("analyze", "ANALYZE", true);
    step("pragma optimize", "PRAGMA optimize", true);
    if (vacuum) step("vacuum", "VACUUM", false);  // cannot run inside a transaction
    if (p.path.empty()) continue;                 // in memory: no WAL
    // The checkpoint, on a connection of its own that never waits for a
    // lock: PASSIVE copies what it can without blocking anyone; TRUNCATE
    // then also empties the -wal file, but only if that is possible at
    // once. (A waiting TRUNCATE would hold the write lock until every
    // reader moved past the WAL: up to the whole busy timeout, failing the
    // writers queued behind it.)
    sql::SqliteOptions no_wait;
    no_wait.busy_timeout_ms = 0;
    auto own = sql::OpenSqlite(p.path, no_wait);
    auto checkpoint = [&](const char* mode) {
      OptimizeStep s{p.database, std::string("wal_checkpoint(") + mode + ")", SqliteBytes(p.path),
                     0};
      sql::Statement& st = own->Prepare(std::string("PRAGMA wal_checkpoint(") + mode + ")");
      // One row: busy (1: refused, another connection held a lock it
      // needed), frames in the WAL, frames copied into the database.
      bool busy = true;
      bool complete = false;
      if (st.Step()) {
        busy = st.GetInt64(0) != 0;
        complete = !busy && st.GetInt64(1) == st.GetInt64(2);
      }
      st.Reset();
      s.bytes_after = SqliteBytes(p.path);
      if (!complete) s.action += " incomplete: the store is in use";
      out.push_back(s);
      return !busy;
    };
    if (checkpoint("PASSIVE")) checkpoint("TRUNCATE");
  }
  return out;
}

std::vector<std::string> SqliteIntegrityCheck(const std::string& path, int max_errors) {
  if (!fs::exists(path)) return {"the file " + path + " does not exist"};
  std::vector<std::string> out;
  try {
    sql::SqliteOptions options;
    auto c = sql::OpenSqlite(path, options);
    sql::Statement& st = c->Prepare(fmt::format("PRAGMA integrity_check({})", max_errors));
    while (st.Step()) {
      const std::string line = st.GetText(0);
      if (line != "ok") out.push_back(line);
    }
    st.Reset();
  } catch (const Error& e) {
    out.push_back(e.what());
  }
  return out;
}

std::vector<std::string> SqliteForeignKeyCheck(const std::string& path) {
  if (!fs::exists(path)) return {};
  std::vector<std::string> out;
  try {
    auto c = sql::OpenSqlite(path, sql::SqliteOptions{});
    sql::Statement& st = c->Prepare("PRAGMA foreign_key_check");
    while (st.Step()) {
      out.push_back(fmt::format("{} rowid {}: no parent row in {} (foreign key {})", st.GetText(0),
                                st.IsNull(1) ? std::string("NULL") : st.GetText(1), st.GetText(2),
                                st.GetInt64(3)));
    }
    st.Reset();
  } catch (const Error& e) {
    out.push_back(e.what());
  }
  return out;
}

std::vector<std::string> PostgresUnvalidatedConstraints(StoreImpl& store, bool validate) {
  sql::Connection& c = store.connection(Database::kTrading);
  std::vector<std::array<std::string, 3>> found;
  sql::Statement& st =
      c.Prepare(std::string("SELECT n.nspname, t.relname, con.conname FROM pg_constraint con "
                            "JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON "
                            "n.oid = t.relnamespace WHERE NOT con.convalidated AND n.nspname IN ") +
                kPgSchemas + " ORDER BY 1, 2, 3");
  while (st.Step()) found.push_back({st.GetText(0), st.GetText(1), st.GetText(2)});
  st.Reset();
  std::vector<std::string> out;
  for (const auto& [schema, table, name] : found) {
    std::string line = fmt::format("{}.{} constraint {} is not validated", schema, table, name);
    if (validate) {
      try {
        c.ExecuteScript(
            fmt::format("ALTER TABLE {}.{} VALIDATE CONSTRAINT \"{}\"", schema, table, name));
        line += " (validated now)";
      } catch (const Error& e) {
        line += fmt::format(" and fails validation: {}", e.what());
      }
    }
    out.push_back(line);
  }
  return out;
}

std::vector<std::string> PostgresForeignKeyCheck(StoreImpl& store) {
  sql::Connection& c = store.connection(Database::kTrading);
  struct Fk {
    std::string name, child, parent;
    std::vector<std::string> child_cols, parent_cols;
  };
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t comma; (comma = s.find(',', start)) != std::string::npos; start = comma + 1) {
      out.push_back(s.substr(start, comma - start));
    }
    out.push_back(s.substr(start));
    return out;
  };
  std::vector<Fk> fks;
  sql::Statement& st = c.Prepare(
      std::string(
          "SELECT con.conname, cn.nspname || '.' || cl.relname, pn.nspname || '.' || pl.relname, "
          "(SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(con.conkey) WITH "
          "ORDINALITY k(att, i) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = "
          "k.att), "
          "(SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(con.confkey) WITH "
          "ORDINALITY k(att, i) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = "
          "k.att) "
          "FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_namespace cn "
          "ON cn.oid = cl.relnamespace JOIN pg_class pl ON pl.oid = con.confrelid JOIN "
          "pg_namespace pn ON pn.oid = pl.relnamespace WHERE con.contype = 'f' AND cn.nspname "
          "IN ") +
      kPgSchemas + " ORDER BY 2, 1");
  while (st.Step()) {
    fks.push_back(
        {st.GetText(0), st.GetText(1), st.GetText(2), split(st.GetText(3)), split(st.GetText(4))});
  }
  st.Reset();
  std::vector<std::string> out;
  for (const Fk& fk : fks) {
    std::string not_null;
    std::string match;
    for (std::size_t i = 0; i < fk.child_cols.size(); ++i) {
      not_null += fmt::format("{}c.\"{}\" IS NOT NULL", i ? " AND " : "", fk.child_cols[i]);
      match += fmt::format("{}p.\"{}\" = c.\"{}\"", i ? " AND " : "", fk.parent_cols[i],
                           fk.child_cols[i]);
    }
    const std::int64_t n = ScalarInt(
        c, fmt::format("SELECT count(*) FROM {} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} p "
                       "WHERE {})",
                       fk.child, not_null, fk.parent, match));
    if (n > 0) {
      out.push_back(fmt::format("{}: {} row{} violate foreign key {} ({}) -> {} ({})", fk.child, n,
                                n == 1 ? "" : "s", fk.name, fmt::join(fk.child_cols, ", "),
                                fk.parent, fmt::join(fk.parent_cols, ", ")));
    }
  }
  return out;
}

AmcheckResult PostgresAmcheck(StoreImpl& store) {
  AmcheckResult r;
  sql::Connection& c = store.connection(Database::kTrading);
  if (ScalarInt(c, "SELECT count(*) FROM pg_extension WHERE extname = 'amcheck'") == 0) {
    r.note = ScalarInt(c, "SELECT count(*) FROM pg_available_extensions WHERE name = 'amcheck'") > 0
                 ? "amcheck is available on the server but not installed in this database "
                   "(CREATE EXTENSION amcheck, as a superuser, enables B-tree index checks)"
                 : "the amcheck extension is not available on this server";
    return r;
  }
  r.available = true;
  std::vector<std::string> indexes;
  sql::Statement& st = c.Prepare(
      std::string("SELECT n.nspname || '.' || ci.relname FROM pg_index i JOIN pg_class ci ON "
                  "ci.oid = i.indexrelid JOIN pg_am am ON am.oid = ci.relam JOIN pg_namespace n "
                  "ON n.oid = ci.relnamespace WHERE am.amname = 'btree' AND n.nspname IN ") +
      kPgSchemas + " ORDER BY 1");
  while (st.Step()) indexes.push_back(st.GetText(0));
  st.Reset();
  for (const std::string& index : indexes) {
    try {
      sql::Statement& check = c.Prepare("SELECT bt_index_check(CAST(? AS regclass))::text");
      BindParams(check, index);
      while (check.Step()) {
      }
      check.Reset();
      ++r.indexes;
    } catch (const Error& e) {
      r.problems.push_back(fmt::format("index {}: {}", index, e.what()));
    }
  }
  return r;
}

// ---- Retention -------------------------------------------------------------

namespace {

struct PruneSql {
  std::string key;   // "id" or "instrument_id, timeframe, open_time"
  std::string cond;  // with one '?' for the cut-off time
  Database database;
};

PruneSql SqlOf(const PruneKindInfo& kind) {
  const std::string terminal = "('filled', 'cancelled', 'rejected', 'expired')";
  if (kind.kind == "candles") {
    return {"instrument_id, timeframe, open_time", "open_time < ?", Database::kMarket};
  }
  if (kind.kind == "order-events") {
    return {"id",
            "time < ? AND EXISTS (SELECT 1 FROM trading.orders o WHERE o.bot_id = "
            "trading.order_events.bot_id AND o.id = trading.order_events.order_id AND o.status "
            "IN " +
                terminal + ")",
            Database::kTrading};
  }
  if (kind.kind == "portfolio-snapshots") {
    return {"bot_id, account_id, time", "time < ?", Database::kTrading};
  }
  if (kind.kind == "performance-reports") {
    return {"id", "computed_at < ?", Database::kAnalytics};
  }
  if (kind.kind == "signals") {
    return {"id",
            "time < ? AND NOT EXISTS (SELECT 1 FROM trading.orders o WHERE o.bot_id = "
            "trading.signals.bot_id AND o.signal_id = trading.signals.id) AND NOT EXISTS (SELECT 1 "
            "FROM trading.trades t WHERE t.bot_id = trading.signals.bot_id AND t.signal_id = "
            "trading.signals.id) AND NOT EXISTS (SELECT 1 FROM trading.positions p WHERE "
            "p.bot_id = trading.signals.bot_id AND p.trade_signal_id = trading.signals.id)",
            Database::kTrading};
  }
  if (kind.kind == "change-log") {
    // One log per database file on SQLite. The newest row stays, so that
    // the largest id never goes back even without AUTOINCREMENT (which a
    // later migration may drop: it is a quarter of the triggers' cost).
    return {"id", "time < ? AND id < (SELECT MAX(id) FROM " + kind.table + ")",
            kind.table.starts_with("market.") ? Database::kMarket : Database::kTrading};
  }
  // audit.* event tables (system-events, errors, risk-events): id and time.
  return {"id", "time < ?", Database::kTrading};
}

}  // namespace

const std::vector<PruneKindInfo>& PruneKinds() {
  static const std::vector<PruneKindInfo> kinds = {
      {"candles", "market.candles", "candles opening before T (coverage rows are recomputed)"},
      {"order-events", "trading.order_events",
       "status events before T of orders in a terminal status (filled, cancelled, rejected, "
       "expired); events of open orders are kept"},
      {"signals", "trading.signals", "signals before T that no order, trade or position refers to"},
      {"portfolio-snapshots", "trading.portfolio_snapshots", "equity snapshots before T"},
      {"performance-reports", "analytics.performance_reports", "reports computed before T"},
      {"system-events", "audit.system_events", "system events before T"},
      {"errors", "audit.error_log", "error log entries before T"},
      {"risk-events", "audit.risk_events", "risk events before T"},
      // The change feed's logs (change_feed.h), one kind for both tables.
      {"change-log", "audit.change_log", "change feed events recorded before T"},
      {"change-log", "market.market_change_log", "change feed events recorded before T"},
  };
  return kinds;
}

bool PruneTableExists(StoreImpl& store, const PruneKindInfo& kind) {
  const PruneSql s = SqlOf(kind);
  sql::Connection& c = store.connection(s.database);
  const auto dot = kind.table.find('.');
  const std::string schema = kind.table.substr(0, dot);
  const std::string name = kind.table.substr(dot + 1);
  sql::Statement& st =
      IsPostgres(store)
          ? c.Prepare(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND "
                "table_name = ?")
          : c.Prepare(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND ? <> '' AND "
                "name = ?");
  BindParams(st, schema, name);
  const bool found = st.Step() && st.GetInt64(0) > 0;
  st.Reset();
  return found;
}

std::int64_t CountPrunable(StoreImpl& store, const PruneKindInfo& kind, Timestamp before) {
  const PruneSql s = SqlOf(kind);
  sql::Statement& st = store.connection(s.database)
                           .Prepare("SELECT count(*) FROM " + kind.table + " WHERE " + s.cond);
  BindParams(st, before);
  const std::int64_t n = st.Step() ? st.GetInt64(0) : 0;
  st.Reset();
  return n;
}

std::int64_t PruneBatch(StoreImpl& store, const PruneKindInfo& kind, Timestamp before,
                        std::int64_t batch) {
  const PruneSql s = SqlOf(kind);
  sql::Connection& c = store.connection(s.database);
  const bool composite = s.key.find(',') != std::string::npos;
  const std::string lhs = composite ? "(" + s.key + ")" : s.key;
  sql::Transaction tx(c);
  sql::Statement& st =
      c.Prepare("DELETE FROM " + kind.table + " WHERE " + lhs + " IN (SELECT " + s.key + " FROM " +
                kind.table + " WHERE " + s.cond + " ORDER BY " + s.key + " LIMIT ?)");
  BindParams(st, before, batch);
  const std::int64_t n = st.Execute();
  tx.Commit();
  return n;
}

std::vector<CandleSeriesKey> SeriesWithCandlesBefore(StoreImpl& store, Timestamp before) {
  std::vector<CandleSeriesKey> out;
  sql::Statement& st = store.connection(Database::kMarket)
                           .Prepare(
                               "SELECT DISTINCT instrument_id, timeframe FROM market.candles "
                               "WHERE open_time < ? UNION SELECT instrument_id, timeframe FROM "
                               "market.candle_chunks WHERE first_open_time < ? ORDER BY 1, 2");
  BindParams(st, before, before);
  while (st.Step()) out.push_back({st.GetInt64(0), st.GetText(1)});
  st.Reset();
  return out;
}

std::int64_t CountChunkedBefore(StoreImpl& store, Timestamp before) {
  sql::Connection& c = store.connection(Database::kMarket);
  TimeRange range;
  range.to = before;
  std::int64_t n = 0;
  for (const auto& [id, tf] : SeriesWithChunks(c, before)) n += CountChunked(c, id, tf, range);
  return n;
}

std::int64_t PruneChunkedCandles(StoreImpl& store, const CandleSeriesKey& series,
                                 Timestamp before) {
  sql::Connection& c = store.connection(Database::kMarket);
  sql::Transaction tx(c);
  const std::int64_t n =
      DeleteChunkedBefore(c, series.instrument_id, series.timeframe, before, store.chunk_format());
  if (const auto tf = TryParseTimeframe(series.timeframe)) {
    store.candles.RefreshCoverage(series.instrument_id, *tf);  // joins this unit of work
  }
  tx.Commit();
  return n;
}

// ---- Snapshots -------------------------------------------------------------

void SqliteSnapshot(const std::vector<SqliteFile>& sources,
                    const std::vector<std::string>& targets) {
  if (sources.empty() || sources.size() != targets.size()) {
    throw Error(ErrorKind::kInternal, "snapshot: sources and targets do not match");
  }
  std::vector<std::string> paths;
  for (const SqliteFile& f : sources) {
    if (!fs::exists(f.path)) throw NotFound("snapshot: no database file " + f.path);
    paths.push_back(f.path);
  }
  // Files whose rows refer to another file's rows are read first
  // (analytics, then trading, then market), so a row never refers to one
  // missing from the set even if a writer commits between those first
  // reads.
  std::vector<std::size_t> order;
  for (std::size_t i = sources.size(); i-- > 0;) order.push_back(i);
  if (sources.size() == 3) order = {2, 0, 1};  // analytics, trading, market
  sql::SqliteSnapshotFiles(paths, targets, order, /*busy_timeout_ms=*/10000);
}

void WithSnapshot(StoreImpl& store, const std::function<void()>& body) {
  if (IsPostgres(store)) {
    sql::Connection& c = store.connection(Database::kTrading);
    sql::Transaction tx(c);
    c.ExecuteScript("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    body();
    tx.Commit();
    return;
  }
  // The driver's own Begin takes the write lock (BEGIN IMMEDIATE); a read
  // snapshot is a deferred transaction whose first read pins it.
  std::vector<sql::Connection*> open;
  try {
    for (const Part& p : SqliteParts(store)) {
      p.connection->ExecuteScript("BEGIN DEFERRED");
      open.push_back(p.connection);
      ScalarInt(*p.connection, "SELECT count(*) FROM sqlite_master");
    }
    body();
  } catch (...) {
    for (sql::Connection* c : open) {
      try {
        c->ExecuteScript("ROLLBACK");
      } catch (const Error&) {
      }
    }
    throw;
  }
  // Nothing was written: ending a read transaction cannot lose anything,
  // and on a damaged file (a failed read may have ended it already) it must
  // not turn the findings into an exception.
  for (sql::Connection* c : open) {
    try {
      c->ExecuteScript("ROLLBACK");
    } catch (const Error&) {
    }
  }
}

void DeleteAllRows(StoreImpl& store) {
  if (store.dialect() == sql::Dialect::kPostgres) {
    // Citus refuses to modify a reference table (bots) in a transaction that
    // already modified a distributed table over parallel connections: the
    // rest of the caller's transaction runs its multi-shard statements over
    // one connection per worker.
    sql::Connection& c = store.connection(Database::kTrading);
    sql::Statement& has = c.Prepare("SELECT count(*) FROM pg_extension WHERE extname = 'citus'");
    const bool citus = has.Step() && has.GetInt64(0) > 0;
    has.Reset();
    if (citus) c.Prepare("SET LOCAL citus.multi_shard_modify_mode = 'sequential'").Execute();
  }
  const std::vector<TableInfo>& tables = StoreTables();
  for (auto it = tables.rbegin(); it != tables.rend(); ++it) {
    store.connection(it->database).Prepare("DELETE FROM " + it->QualifiedName()).Execute();
  }
}

}  // namespace tradestore::detail
