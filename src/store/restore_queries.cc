// Restore's own SQL; see restore_queries.h.
#include "store/restore_queries.h"

#include "sql/migrations.h"
#include "sql/sqlite/sqlite_connection.h"
#include "store/query_util.h"
#include "tradestore/error.h"

namespace tradestore::detail {
namespace {

constexpr Database kDatabases[] = {Database::kTrading, Database::kMarket, Database::kAnalytics};
constexpr const char* kNames[] = {"trading", "market", "analytics"};

bool IsPostgres(StoreImpl& store) { return store.dialect() == sql::Dialect::kPostgres; }

}  // namespace

void TakeSqliteFilesExclusively(StoreImpl& store, int wait_ms) {
  if (IsPostgres(store)) return;
  const int n = store.single_file() ? 1 : 3;
  for (int i = 0; i < n; ++i) {
    sql::Connection& c = store.connection(kDatabases[i]);
    const std::string path = store.path(kDatabases[i]);
    try {
      c.ExecuteScript("PRAGMA busy_timeout=" + std::to_string(wait_ms) +
                      "; PRAGMA locking_mode=EXCLUSIVE");
      // The lock is taken by the first write transaction and, in
      // exclusive locking mode, kept after COMMIT.
      c.ExecuteScript("BEGIN EXCLUSIVE");
      sql::Statement& st = c.Prepare("SELECT count(*) FROM sqlite_master");
      st.Step();
      st.Reset();
      c.ExecuteScript("COMMIT");
    } catch (const Error& e) {
      try {
        c.ExecuteScript("ROLLBACK");  // when BEGIN succeeded; an error otherwise
      } catch (const Error&) {
      }
      throw Error(e.kind(), path + ": " + e.what(), e.native_code(), e.retryable());
    }
  }
}

std::vector<OtherSession> OtherSessions(StoreImpl& store) {
  std::vector<OtherSession> out;
  if (!IsPostgres(store)) return out;
  sql::Statement& st = store.connection(Database::kTrading)
                           .Prepare(
                               "SELECT pid, coalesce(application_name, ''), coalesce(usename, ''), "
                               "coalesce(state, ''), coalesce(host(client_addr), '') "
                               "FROM pg_stat_activity WHERE datname = current_database() "
                               "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                               "AND coalesce(application_name, '') NOT LIKE 'citus\\_internal %' "
                               "ORDER BY backend_start, pid");
  while (st.Step()) {
    out.push_back({st.GetInt64(0), st.GetText(1), st.GetText(2), st.GetText(3), st.GetText(4)});
  }
  st.Reset();
  return out;
}

bool TableExists(StoreImpl& store, const TableInfo& table) {
  sql::Connection& c = store.connection(table.database);
  sql::Statement& st =
      IsPostgres(store)
          ? c.Prepare(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND "
                "table_name = ?")
          : c.Prepare(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND ? <> '' AND "
                "name = ?");
  BindParams(st, std::string_view(table.schema), std::string_view(table.name));
  const bool found = st.Step() && st.GetInt64(0) > 0;
  st.Reset();
  return found;
}

void MigrateOpenStore(StoreImpl& store) {
  if (IsPostgres(store)) {
    sql::Migrate(store.connection(Database::kTrading), "postgres", "all");
    return;
  }
  for (int i = 0; i < 3; ++i) sql::Migrate(store.connection(kDatabases[i]), "sqlite", kNames[i]);
}

void RestoreSqliteFile(StoreImpl& store, Database db, const std::string& source) {
  if (IsPostgres(store)) {
    throw Error(ErrorKind::kInternal, "restore: a file restore into a PostgreSQL store");
  }
  sql::SqliteRestoreInto(store.connection(db), source, store.path(db));
}

}  // namespace tradestore::detail
