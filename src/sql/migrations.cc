#include "sql/migrations.h"

#include <algorithm>
#include <cstdint>

#include "tradestore/error.h"

namespace tradestore::sql {
namespace {

// The table of applied versions: unqualified in SQLite (one per database
// file), public.schema_migrations in PostgreSQL (one per database, whatever
// the search_path).
std::string MigrationsTable(const Connection& c) {
  return c.dialect() == Dialect::kPostgres ? "public.schema_migrations" : "schema_migrations";
}

std::string CreateTableSql(const Connection& c) {
  return "CREATE TABLE IF NOT EXISTS " + MigrationsTable(c) +
         " ("
         " database TEXT NOT NULL,"
         " version INTEGER NOT NULL,"
         " name TEXT NOT NULL,"
         " applied_at BIGINT NOT NULL,"
         " PRIMARY KEY (database, version))";
}

// Serialises migrations between processes opening the same PostgreSQL
// database at once; held until the end of the current transaction.
constexpr std::int64_t kMigrationLockKey = 0x7472616465;  // "trade"

bool HasMigrationsTable(Connection& c) {
  auto& st = c.Prepare(c.dialect() == Dialect::kSqlite
                           ? "SELECT 1 FROM sqlite_master WHERE type='table' AND "
                             "name='schema_migrations'"
                           : "SELECT 1 FROM pg_catalog.pg_tables WHERE "
                             "schemaname='public' AND tablename='schema_migrations'");
  const bool found = st.Step();
  st.Reset();
  return found;
}

int AppliedVersion(Connection& c, std::string_view database) {
  if (!HasMigrationsTable(c)) return 0;
  auto& st = c.Prepare("SELECT COALESCE(MAX(version), 0) FROM " + MigrationsTable(c) +
                       " WHERE database = ?");
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
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.version < b.version; });
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
  const bool postgres = connection.dialect() == Dialect::kPostgres;
  for (const auto& m : MigrationsFor(dialect, database)) {
    if (m.version <= status.current_version) continue;
    Transaction tx(connection);
    if (postgres) {
      // Another process may have applied it while we waited for the lock.
      connection.Prepare("SELECT pg_advisory_xact_lock(?)").Bind(1, kMigrationLockKey).Execute();
      if (AppliedVersion(connection, database) >= m.version) continue;
    }
    connection.ExecuteScript(CreateTableSql(connection));
    connection.ExecuteScript(m.sql);
    connection
        .Prepare("INSERT INTO " + MigrationsTable(connection) +
                 " (database, version, name, applied_at) VALUES (?, ?, ?, ?)")
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
