// The SQL behind `restore` (include/tradestore/backup.h) that the other
// operator commands do not share: taking a store to ourselves before its
// content is replaced, the other sessions of a PostgreSQL database, whether
// a table exists, migrating an open store, and copying a SQLite file into a
// store's own connection. The ops layer (src/ops/backup.cc) orchestrates
// these; it writes no SQL of its own.
//
// Not part of the public API.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/store_impl.h"
#include "store/table_io.h"

namespace tradestore::detail {

// SQLite: takes every file of `store` to its own connection, for good:
// PRAGMA locking_mode=EXCLUSIVE, then BEGIN EXCLUSIVE, a read and COMMIT on
// each connection (trading, market, analytics; one for a single-file
// store), waiting at most `wait_ms` for each lock. In WAL mode every other
// connection that has read the file holds a SHARED lock on it until it
// closes, idle or not (that lock is how SQLite's last connection knows to
// checkpoint and delete the WAL), so the exclusive lock is granted only
// when no other connection, in any process, has the file open; once held,
// other connections cannot read or write it (their busy timeout runs out
// with SQLITE_BUSY) until `store` is closed. Returns normally when every
// file is held. When one is in use, throws Error(kUnavailable) whose
// native_code() is the SQLite code and whose message names the file (the
// files taken before are released when `store` closes). PostgreSQL:
// nothing to do (see OtherSessions).
void TakeSqliteFilesExclusively(StoreImpl& store, int wait_ms);

// PostgreSQL: the other client sessions connected to the store's database
// (pg_stat_activity, excluding this connection's own backend), oldest
// first. Empty on SQLite. On Citus the cluster's own connections
// (application_name "citus_internal gpid=N": a node executing a distributed
// statement, this connection's included) are not clients and are left out;
// a client shows up as its own session on the coordinator.
struct OtherSession {
  std::int64_t pid = 0;
  std::string application_name;  // "" when the client set none
  std::string user;
  std::string state;   // "idle", "active", "idle in transaction", ...
  std::string client;  // client address, "" for a Unix socket
};
std::vector<OtherSession> OtherSessions(StoreImpl& store);

// Whether `table` exists in the store's schema (a table a later migration
// adds may be missing from an older store). Errors propagate.
bool TableExists(StoreImpl& store, const TableInfo& table);

// Applies the pending migrations of every database of an open store (as
// Store::Open does with StoreOptions::migrate), on its own connections.
void MigrateOpenStore(StoreImpl& store);

// SQLite: replaces the content of the file behind `db` (the whole file of a
// single-file store) by the database file `source` through the store's own
// connection (sql::SqliteRestoreInto): one transaction, rolled back on
// failure. The connection must have no transaction open.
void RestoreSqliteFile(StoreImpl& store, Database db, const std::string& source);

}  // namespace tradestore::detail
