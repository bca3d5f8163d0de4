// The SQLite driver.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sql/connection.h"

namespace tradestore::sql {

struct SqliteOptions {
  // "NORMAL" (default: durable at checkpoints, never corrupt in WAL mode)
  // or "FULL" (fsync at every commit).
  std::string synchronous = "NORMAL";
  int busy_timeout_ms = 5000;
  bool read_only = false;
  // PRAGMA temp_store=MEMORY: savepoint (statement) journals stay in memory
  // instead of spilling to a temporary file past 64 KiB. Right for a
  // database of small units of work (trading.db: one fill touches ~20
  // pages); wrong for bulk upserts inside a savepoint (market.db), whose
  // journal can grow as large as the data they rewrite.
  bool temp_store_memory = false;
  // The page size (bytes, a power of two from 512 to 65536) of a database
  // file this call creates; 0 keeps SQLite's default (4096). An existing
  // file keeps its own: in WAL mode SQLite cannot change it. Smaller pages
  // suit a file of many small writes (trading.db): a commit writes each page
  // it touched whole, to the WAL and again at the checkpoint.
  int page_size = 0;
  // With synchronous "FULL" on a WAL file: group commit (docs/storage.md,
  // "Group commit"). The units of work of this process on the file queue
  // in-process (WriterQueue in file_coordinator.h, waited for up to
  // busy_timeout_ms, then kUnavailable as SQLite's busy error) and run on
  // one connection of the file's, where units that queued behind an open one
  // join its transaction (each in a savepoint, so a failing unit rolls back
  // alone); one COMMIT and one fsync serve the batch, and each Commit
  // returns once its batch is durable. Writes in autocommit run on this
  // connection at synchronous=NORMAL and return once a shared fsync of the
  // WAL file has covered them. Nothing changes at other synchronous
  // settings, for ":memory:" and for read-only connections.
  bool group_commit = true;
};

// Opens (creating if needed) the database file at `path` with WAL, the
// synchronous mode, foreign keys on and the busy timeout. ":memory:" opens a
// private in-memory database. Throws Error(kStorage) if it cannot be opened.
std::unique_ptr<Connection> OpenSqlite(const std::string& path, const SqliteOptions& options);

// Copies each database file `sources[i]` to `targets[i]` (created or
// overwritten) with SQLite's online backup API, all from one read
// transaction, so that the copies are one consistent snapshot even while
// other connections write: sources[0] is opened and the others attached to
// it, and each file's snapshot is pinned by a first read, in `read_order`
// (indices into `sources`; a file whose rows refer to another file's should
// come first), before any page is copied. `busy_timeout_ms` bounds the wait
// for a lock. Errors are the driver's (one mapping for every SQLite call:
// SQLITE_BUSY and SQLITE_LOCKED are kUnavailable, retryable; I/O, a file that
// is not a database, one that cannot be opened are kStorage), with `what`
// naming the step and file. Throws Error(kInternal) when the lists do not
// match.
void SqliteSnapshotFiles(const std::vector<std::string>& sources,
                         const std::vector<std::string>& targets,
                         const std::vector<std::size_t>& read_order, int busy_timeout_ms);

// Replaces the whole content of the database behind `target` (a connection
// OpenSqlite made, with no transaction open) by the database file at
// `source_path`, page by page with SQLite's online backup API, through
// `target` itself: in one write transaction of that connection (a failure,
// e.g. SQLITE_FULL on a full disk, rolls it back and leaves the target as it
// was) and under its locks, so it is safe while `target` holds the file in
// locking_mode=EXCLUSIVE (restore), unlike replacing the file, which other
// processes holding it open would never see. `target_path` names the target
// in messages. Errors are the driver's (kStorage for I/O and SQLITE_FULL,
// kUnavailable for a lock); kInternal for a connection of another driver.
void SqliteRestoreInto(Connection& target, const std::string& source_path,
                       const std::string& target_path);

// Whether `connection` (one OpenSqlite made) commits in groups: it was
// opened with synchronous "FULL" and group_commit on a WAL file (see
// SqliteOptions::group_commit). false for a connection of another driver.
bool SqliteGroupCommitActive(const Connection& connection);

// How the units of work of a file's process shared transactions under group
// commit so far (every connection of the file in this process reports the
// same): `transactions` committed, holding `units` units of work. Zeros
// without group commit.
struct SqliteGroupCommitStats {
  std::uint64_t transactions = 0;
  std::uint64_t units = 0;
};
SqliteGroupCommitStats SqliteGroupCommitStatsOf(const Connection& connection);

// Rewrites "schema.table" to "table" for the five schema names
// (trading, market, analytics, config, audit) outside string literals.
std::string StripSchemas(std::string_view sql);

}  // namespace tradestore::sql
