#include "sql/migrations.h"

#include <algorithm>

#include "tradestore/error.h"

namespace tradestore::sql {
namespace {

constexpr std::string_view kCreateTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " database TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL,"
    " PRIMARY KEY (database, version))";

bool HasMigrationsTable(Connection& c) {
  auto& st = c.Prepare(c.dialect() == Dialect::kSqlite
                           ? "SELECT 1 FROM sqlite_master WHERE type='table' AND "
                             "name='schema_migrations'"
                           : "SELECT 1 FROM information_schema.tables WHERE "
                             "table_schema='public' AND table_name='schema_migrations'");
  const bool found = st.Step();
  st.Reset();
  return found;
}

int AppliedVersion(Connection& c, std::string_view database) {
  if (!HasMigrationsTable(c)) return 0;
  auto& st =
      c.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE database = ?");
  st.Bind(1, database);
  st.Step();
  const int v = static_cast<int>(st.GetInt64(0));
  st.Reset();
  return v;
}

}  // namespace

std::vector<EmbeddedMigration> MigrationsFor(std::string_view dialect, std::string_view database) {
  std::vector<EmbeddedMigration> out;
  for (const auto& m : kEmbeddedMigrations) {
    if (dialect == m.dialect && database == m.database) out.push_back(m);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
  return out;
}

MigrationStatus GetMigrationStatus(Connection& connection, std::string_view dialect,
                                   std::string_view database) {
  MigrationStatus status;
  status.current_version = AppliedVersion(connection, database);
  for (const auto& m : MigrationsFor(dialect, database)) {
    status.latest_version = std::max(status.latest_version, m.version);
    if (m.version > status.current_version) status.pending.push_back(m.version);
  }
  return status;
}

std::vector<int> Migrate(Connection& connection, std::string_view dialect,
                         std::string_view database) {
  const MigrationStatus status = GetMigrationStatus(connection, dialect, database);
  if (status.current_version > status.latest_version) {
    throw Error(ErrorKind::kConflict,
                "the " + std::string(database) + " database is at schema version " +
                    std::to_string(status.current_version) + " but this tradestore knows only " +
                    std::to_string(status.latest_version) +
                    "; upgrade tradestore to open it (nothing was changed)");
  }
  std::vector<int> applied;
  for (const auto& m : MigrationsFor(dialect, database)) {
    if (m.version <= status.current_version) continue;
    Transaction tx(connection);
    connection.ExecuteScript(kCreateTable);
    connection.ExecuteScript(m.sql);
    connection
        .Prepare(
            "INSERT INTO schema_migrations (database, version, name, applied_at) VALUES (?, ?, "
            "?, ?)")
        .Bind(1, database)
        .Bind(2, m.version)
        .Bind(3, m.name)
        .Bind(4, Timestamp::Now().micros())
        .Execute();
    tx.Commit();
    applied.push_back(m.version);
  }
  return applied;
}

}  // namespace tradestore::sql
