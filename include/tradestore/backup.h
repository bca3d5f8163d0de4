// Online backup, restore and verification of a whole store.
//
// Backup (while bots keep writing):
//   SQLite: every file of the store is copied as one consistent set with
//     the online backup API, from one read transaction over all files
//     (one connection attaching them), so writers are never blocked;
//   PostgreSQL: every table of the catalog (store/table_io) is read in one
//     REPEATABLE READ transaction into a single-file SQLite store
//     (store.db) inside the backup: one snapshot of the whole database.
// The backup is a directory DIR/backup-YYYYMMDDTHHMMSS.ffffffZ written under
// a temporary name (.tmp-backup-...), its files and the directory fsynced,
// then renamed into place: a backup directory that exists is complete. It
// holds manifest.json: format, time, tradestore version, backend and layout,
// schema versions, per-table row counts, checksums (the backend-independent
// FNV-1a of table_io: equal content has equal checksums on SQLite and
// PostgreSQL) and last keys, and per-file size and SHA-256.
// `keep` > 0 then deletes the oldest complete backups in DIR beyond the
// newest `keep` (only directories named backup-* holding a manifest).
//
// Verify: every file's size and SHA-256, then every table's count and
// checksum read back from the backup's files, against the manifest.
//
// Restore: verifies the backup first (nothing is touched if it fails),
// then takes the target to itself, or refuses even with `force`: SQLite:
// every file locked in exclusive locking mode (no other connection, in any
// process, may have it open: in WAL mode an idle connection keeps a shared
// lock; once held, other connections cannot read or write the store until
// the restore ends); PostgreSQL: no other client session on the database
// (pg_stat_activity; Stores of this process share its pool and are not
// seen). Then it refuses, unless `force`:
//   - a target whose schema is newer than the backup's (any database);
//   - a target holding data the backup does not have: any catalog table
//     with more rows than the manifest records, or a last key beyond the
//     manifest's (rows written after the backup would be lost).
// A SQLite backup restored into a SQLite store of the same layout is copied
// into each target file with SQLite's backup API through the locked
// connection (one transaction per file; a failure rolls that file back),
// after a free-space check (kStorage, native code "ENOSPC", when it would
// not fit). Any other combination (PostgreSQL, or a different layout) is
// restored row by row in one unit of work per database (delete every row,
// insert the backup's), identity sequences moved past the largest id. A
// failed restore into a store that did not exist removes what it created.
// The restored store is then checksummed against the manifest.
//
// Errors: Error(kInvalidArgument) for a bad URL, an in-memory store or a
// `keep` < 0; kNotFound for a missing store or backup directory; kConflict
// for a refused restore (naming the reason: the store in use by another
// process or session, with what to stop; newer schema, data the backup
// lacks, a backup that fails verification, a store holding tables this
// build does not know); kStorage for I/O failures and a full disk. VerifyBackup reports a
// damaged or foreign directory as problems instead of throwing.
//
// Thread safety: each call opens its own connections. Backup runs beside
// writers (other threads or processes); Restore takes the target to itself
// and refuses while anything else uses it (see above).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tradestore/timestamp.h"

namespace tradestore {

struct BackupTable {
  std::string table;  // "trading.orders"
  std::int64_t rows = 0;
  std::string checksum;               // 16 hex digits
  std::vector<std::string> last_key;  // the key of the last row, rendered; empty when no rows
};

struct BackupFile {
  std::string name;  // relative to the backup directory: "trading.db"
  std::int64_t bytes = 0;
  std::string sha256;  // 64 hex digits
};

struct BackupManifest {
  int format_version = 1;
  Timestamp created_at;
  std::string tradestore_version;
  std::string backend;  // "sqlite" or "postgres" (the source store)
  // "directory" (trading.db, market.db, analytics.db), "single-file"
  // (store.db holding every schema), or "postgres-snapshot" (store.db).
  std::string layout;
  std::string source_url;
  std::vector<std::pair<std::string, int>> schema_versions;  // database -> version
  std::vector<BackupTable> tables;
  std::vector<BackupFile> files;
};

struct BackupOptions {
  int keep = 0;  // keep the newest N backups in the target dir (0: keep all)
  std::function<void(const std::string& table, std::size_t index, std::size_t total)> progress;
};

struct BackupResult {
  std::string path;  // the new backup directory
  BackupManifest manifest;
  std::vector<std::string> removed;  // older backups deleted by `keep`
};

BackupResult Backup(const std::string& url, const std::string& target_dir,
                    const BackupOptions& options = {});

struct VerifyProblem {
  std::string what;  // "trading.db" or "trading.orders"
  std::string message;
};

struct VerifyResult {
  std::string path;
  std::optional<BackupManifest> manifest;  // nullopt when unreadable
  std::vector<VerifyProblem> problems;
  bool ok() const { return manifest.has_value() && problems.empty(); }
};

// The backup that `dir` names: `dir` itself when it holds manifest.json (a
// backup's own directory); else, when it is a backup root (a Backup
// target_dir) holding complete backups (backup-* directories with a
// manifest), the newest of them (backup names sort by time); else `dir`
// unchanged (verification then reports its missing manifest). Never throws.
std::string ResolveBackupDir(const std::string& dir);

// Checks a backup without restoring it; never throws for a damaged backup
// (problems are listed), only kNotFound for a missing directory. A backup
// root is resolved to its newest backup (ResolveBackupDir); VerifyResult::path
// names the backup checked.
VerifyResult VerifyBackup(const std::string& backup_dir);

struct RestoreOptions {
  bool force = false;
  std::function<void(const std::string& table, std::size_t index, std::size_t total)> progress;
};

struct RestoreResult {
  std::string url;
  std::string backup;                   // the backup directory restored
  std::string method;                   // "files" or "rows"
  std::vector<std::string> overridden;  // refusals --force overrode
  std::vector<BackupTable> tables;      // as restored (equal to the manifest)
};

// Restores the backup `backup_dir` names, resolved as VerifyBackup does
// (a backup root: its newest backup); RestoreResult::backup names it.
RestoreResult Restore(const std::string& backup_dir, const std::string& url,
                      const RestoreOptions& options = {});

std::string ManifestToJson(const BackupManifest& manifest);
std::string BackupResultToJson(const BackupResult& result);
std::string VerifyResultToJson(const VerifyResult& result);
std::string RestoreResultToJson(const RestoreResult& result);

}  // namespace tradestore
