// Numbered schema migrations, one set per dialect and database.
//
// Files live in src/sql/migrations/<dialect>/<database>/NNNN_name.sql and
// are compiled in (cmake/EmbedMigrations.cmake). Each database records the
// versions it has applied in its schema_migrations table. Opening a store
// applies the missing ones in order, each in its own transaction; a store
// whose recorded version is newer than this build knows is refused with a
// clear message, never silently used or downgraded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sql/connection.h"

namespace tradestore::sql {

struct EmbeddedMigration {
  const char* dialect;   // "sqlite" or "postgres"
  const char* database;  // "trading", "market", "analytics" (sqlite) or "all"
  int version;
  const char* name;
  const char* sql;
};
extern const std::vector<EmbeddedMigration> kEmbeddedMigrations;

struct MigrationStatus {
  int current_version = 0;  // highest applied
  int latest_version = 0;   // highest this build knows
  std::vector<int> pending;
};

// The migrations of one dialect and database, sorted by version.
std::vector<EmbeddedMigration> MigrationsFor(std::string_view dialect, std::string_view database);

// Reads what `connection` has applied, without changing anything.
MigrationStatus GetMigrationStatus(Connection& connection, std::string_view dialect,
                                   std::string_view database);

// Applies pending migrations. Throws Error(kConflict) if the database was
// written by a newer tradestore (its version is above latest_version).
// Returns the versions applied.
std::vector<int> Migrate(Connection& connection, std::string_view dialect,
                         std::string_view database);

}  // namespace tradestore::sql
