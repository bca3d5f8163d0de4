// Backup, verify and restore; see include/tradestore/backup.h.
#include "tradestore/backup.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "ops/ops_util.h"
#include "ops/sha256.h"
#include "store/ops_queries.h"
#include "store/restore_queries.h"
#include "store/store_impl.h"
#include "store/table_io.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

#ifndef TRADESTORE_VERSION
#define TRADESTORE_VERSION "unknown"
#endif

namespace tradestore {
namespace {

namespace fs = std::filesystem;
using detail::Row;
using detail::TableInfo;
using nlohmann::json;
using ops::Fsync;
using ops::ReadFile;
using ops::WriteFile;

constexpr const char* kManifest = "manifest.json";
constexpr const char* kFormat = "tradestore-backup";

// ---- Files -----------------------------------------------------------------

// The whole file, or "" when it cannot be read.
std::string ReadFileOr(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return in ? s.str() : std::string();
}

// "backup-20261121T073000.123456Z"
std::string BackupName(Timestamp t) {
  std::string name = "backup-";
  for (char c : t.ToIso()) {
    if (c != '-' && c != ':') name += c;
  }
  return name;
}

// ---- Stores ----------------------------------------------------------------

std::string BackendOf(const std::string& url) {
  return detail::IsPostgresUrl(url) ? "postgres" : "sqlite";
}

// The URL of the store inside a backup directory.
std::string BackupStoreUrl(const fs::path& dir, const std::string& layout) {
  if (layout == "directory") return "sqlite:" + dir.string();
  return "sqlite:" + (dir / "store.db").string();
}

// Opens `url` without migrating it, and without group commit: restore
// holds a SQLite store's files exclusively through the store's own
// connections, which the shared connections of group commit would keep
// from it (docs/storage.md, "Group commit").
Store OpenAsIs(const std::string& url) {
  StoreOptions o;
  o.migrate = false;
  o.group_commit = false;
  return Store::Open(url, o);
}

// Refuses stores with tables or columns the catalog does not know (an
// unknown table, even an empty one, included).
void RequireCatalog(Store& store, const char* what) {
  const std::vector<std::string> problems = detail::CatalogDifferences(detail::ImplOf(store));
  if (problems.empty()) return;
  std::string message = std::string("the ") + what + " (" + detail::RedactedUrl(store.url()) +
                        ") holds data this build of tradestore does not know: ";
  for (std::size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
  throw Conflict(message + " (nothing was changed)");
}

std::vector<std::string> RenderKey(const std::optional<Row>& key) {
  std::vector<std::string> out;
  if (key) {
    for (const detail::Value& v : *key) out.push_back(detail::ValueToString(v));
  }
  return out;
}

std::vector<BackupTable> TableSums(
    Store& store,
    const std::function<void(const std::string&, std::size_t, std::size_t)>& progress) {
  std::vector<BackupTable> out;
  const auto& tables = detail::StoreTables();
  std::size_t i = 0;
  for (const TableInfo& t : tables) {
    if (progress) progress(t.QualifiedName(), ++i, tables.size());
    const detail::TableChecksum sum = detail::ChecksumTable(detail::ImplOf(store), t);
    out.push_back({t.QualifiedName(), sum.rows, sum.checksum,
                   RenderKey(detail::LastKey(detail::ImplOf(store), t))});
  }
  return out;
}

std::vector<std::pair<std::string, int>> SchemaVersions(Store& store) {
  std::vector<std::pair<std::string, int>> out;
  for (const detail::SchemaState& s : detail::SchemaStates(detail::ImplOf(store))) {
    out.emplace_back(s.database, s.current);
  }
  return out;
}

// ---- Manifest --------------------------------------------------------------

json ToJson(const BackupManifest& m) {
  json j;
  j["format"] = kFormat;
  j["format_version"] = m.format_version;
  j["created_at"] = m.created_at.ToIso();
  j["created_at_us"] = m.created_at.micros();
  j["tradestore_version"] = m.tradestore_version;
  j["backend"] = m.backend;
  j["layout"] = m.layout;
  j["source_url"] = m.source_url;
  j["schema_versions"] = json::object();
  for (const auto& [db, v] : m.schema_versions) j["schema_versions"][db] = v;
  j["tables"] = json::array();
  for (const BackupTable& t : m.tables) {
    j["tables"].push_back(
        {{"table", t.table}, {"rows", t.rows}, {"checksum", t.checksum}, {"last_key", t.last_key}});
  }
  j["files"] = json::array();
  for (const BackupFile& f : m.files) {
    j["files"].push_back({{"name", f.name}, {"bytes", f.bytes}, {"sha256", f.sha256}});
  }
  return j;
}

BackupManifest FromJson(const json& j) {
  if (j.value("format", "") != kFormat) {
    throw InvalidArgument("not a tradestore backup manifest (format is not '" +
                          std::string(kFormat) + "')");
  }
  BackupManifest m;
  m.format_version = j.at("format_version").get<int>();
  if (m.format_version != 1) {
    throw InvalidArgument(
        fmt::format("backup format version {} is not known to this build", m.format_version));
  }
  m.created_at = Timestamp(j.at("created_at_us").get<std::int64_t>());
  m.tradestore_version = j.at("tradestore_version").get<std::string>();
  m.backend = j.at("backend").get<std::string>();
  m.layout = j.at("layout").get<std::string>();
  if (m.layout != "directory" && m.layout != "single-file" && m.layout != "postgres-snapshot") {
    throw InvalidArgument("unknown backup layout '" + m.layout + "'");
  }
  m.source_url = j.at("source_url").get<std::string>();
  for (const auto& [db, v] : j.at("schema_versions").items()) {
    m.schema_versions.emplace_back(db, v.get<int>());
  }
  for (const json& t : j.at("tables")) {
    m.tables.push_back({t.at("table").get<std::string>(), t.at("rows").get<std::int64_t>(),
                        t.at("checksum").get<std::string>(),
                        t.at("last_key").get<std::vector<std::string>>()});
  }
  for (const json& f : j.at("files")) {
    const std::string name = f.at("name").get<std::string>();
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
      throw InvalidArgument("bad file name '" + name + "' in the manifest");
    }
    m.files.push_back({name, f.at("bytes").get<std::int64_t>(), f.at("sha256").get<std::string>()});
  }
  return m;
}

// ---- Retention -------------------------------------------------------------

// The complete backups directly inside `dir` (directories named backup-*
// holding a manifest), oldest first: their names are fixed-width UTC times.
std::vector<fs::path> BackupsIn(const fs::path& dir) {
  std::vector<fs::path> backups;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.is_directory() && name.starts_with("backup-") && fs::exists(e.path() / kManifest)) {
      backups.push_back(e.path());
    }
  }
  std::sort(backups.begin(), backups.end());
  return backups;
}

std::vector<std::string> ApplyRetention(const fs::path& dir, int keep) {
  std::vector<fs::path> backups = BackupsIn(dir);
  std::vector<std::string> removed;
  while (keep > 0 && backups.size() > static_cast<std::size_t>(keep)) {
    fs::remove_all(backups.front());
    removed.push_back(backups.front().string());
    backups.erase(backups.begin());
  }
  if (!removed.empty()) Fsync(dir, true);
  return removed;
}

void CopyRows(Store& from, Store& to, const TableInfo& t) {
  std::optional<Row> after;
  constexpr std::int64_t kBatch = 5000;
  for (;;) {
    const std::vector<Row> rows =
        detail::ReadRows(detail::ImplOf(from), t, after, std::nullopt, kBatch);
    if (rows.empty()) break;
    detail::InsertRows(detail::ImplOf(to), t, rows);
    if (static_cast<std::int64_t>(rows.size()) < kBatch) break;
    after = detail::KeyOf(t, rows.back());
  }
  detail::SyncIdentity(detail::ImplOf(to), t);
}

}  // namespace

std::string ManifestToJson(const BackupManifest& m) { return ToJson(m).dump(2); }

BackupResult Backup(const std::string& url, const std::string& target_dir,
                    const BackupOptions& options) {
  if (options.keep < 0) throw InvalidArgument("backup: --keep must be 0 or more");
  if (target_dir.empty()) throw InvalidArgument("backup: no target directory");
  const bool postgres = detail::IsPostgresUrl(url);
  const std::vector<detail::SqliteFile> files = detail::SqliteFilesOf(url);
  if (!postgres) {
    if (!url.starts_with("sqlite:")) {
      throw InvalidArgument("store URL '" + url + "' must start with sqlite: or postgresql://");
    }
    if (files.empty()) throw InvalidArgument("cannot back up an in-memory store");
    for (const detail::SqliteFile& f : files) {
      if (!fs::exists(f.path)) throw NotFound("no store at " + f.path);
    }
  }
  // Open (and so migrate) the source first: a backup is of a current store.
  Store source = Store::Open(url);
  RequireCatalog(source, "store");

  const fs::path dir(target_dir);
  fs::create_directories(dir);
  BackupManifest m;
  m.created_at = Timestamp::Now();
  m.tradestore_version = TRADESTORE_VERSION;
  m.backend = BackendOf(url);
  m.source_url = detail::RedactedUrl(url);
  const std::string name = BackupName(m.created_at);
  const fs::path final_path = dir / name;
  const fs::path tmp = dir / (".tmp-" + name + "-" + std::to_string(::getpid()));
  if (fs::exists(final_path)) throw Conflict("backup " + final_path.string() + " already exists");
  fs::create_directories(tmp);
  try {
    std::vector<std::string> names;
    if (!postgres) {
      m.layout = files.size() == 1 ? "single-file" : "directory";
      std::vector<std::string> targets;
      for (const detail::SqliteFile& f : files) {
        names.push_back(files.size() == 1 ? "store.db" : f.database + ".db");
        targets.push_back((tmp / names.back()).string());
      }
      detail::SqliteSnapshot(files, targets);
      Store copy = OpenAsIs(BackupStoreUrl(tmp, m.layout));
      m.schema_versions = SchemaVersions(copy);
      m.tables = TableSums(copy, options.progress);
    } else {
      m.layout = "postgres-snapshot";
      names.push_back("store.db");
      m.schema_versions = SchemaVersions(source);
      Store copy = Store::Open(BackupStoreUrl(tmp, m.layout));
      std::vector<BackupTable> source_sums;
      detail::WithSnapshot(detail::ImplOf(source), [&] {
        const auto& tables = detail::StoreTables();
        std::size_t i = 0;
        for (const TableInfo& t : tables) {
          if (options.progress) options.progress(t.QualifiedName(), ++i, tables.size());
          CopyRows(source, copy, t);
          const detail::TableChecksum sum = detail::ChecksumTable(detail::ImplOf(source), t);
          source_sums.push_back({t.QualifiedName(), sum.rows, sum.checksum, {}});
        }
      });
      m.tables = TableSums(copy, nullptr);
      for (std::size_t i = 0; i < m.tables.size(); ++i) {
        if (m.tables[i].rows != source_sums[i].rows ||
            m.tables[i].checksum != source_sums[i].checksum) {
          throw Error(ErrorKind::kInternal,
                      fmt::format("backup: {} differs from the snapshot it was copied from ({} "
                                  "rows {} vs {} rows {})",
                                  m.tables[i].table, m.tables[i].rows, m.tables[i].checksum,
                                  source_sums[i].rows, source_sums[i].checksum));
        }
      }
    }
    // The copies are closed: hash them, then the manifest; sync everything
    // and move the directory into place.
    for (const std::string& n : names) {
      for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(tmp / (n + suffix));
      BackupFile f{n, 0, ""};
      f.sha256 = ops::Sha256File((tmp / n).string(), &f.bytes);
      m.files.push_back(f);
      Fsync(tmp / n, false);
    }
    WriteFile(tmp / kManifest, ManifestToJson(m) + "\n");
    Fsync(tmp / kManifest, false);
    Fsync(tmp, true);
    fs::rename(tmp, final_path);
    Fsync(dir, true);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
  BackupResult r;
  r.path = final_path.string();
  r.manifest = std::move(m);
  r.removed = ApplyRetention(dir, options.keep);
  return r;
}

std::string ResolveBackupDir(const std::string& dir) {
  const fs::path path(dir);
  std::error_code ec;
  if (!fs::is_directory(path, ec) || fs::exists(path / kManifest, ec)) return dir;
  try {
    const std::vector<fs::path> backups = BackupsIn(path);
    return backups.empty() ? dir : backups.back().string();
  } catch (const fs::filesystem_error&) {
    return dir;  // unlistable: VerifyBackup reports the manifest it cannot read
  }
}

VerifyResult VerifyBackup(const std::string& backup_or_root) {
  if (!fs::is_directory(backup_or_root)) {
    throw NotFound("no backup directory " + backup_or_root);
  }
  const std::string backup_dir = ResolveBackupDir(backup_or_root);
  const fs::path dir(backup_dir);
  VerifyResult r;
  r.path = backup_dir;
  try {
    r.manifest = FromJson(json::parse(ReadFile(dir / kManifest)));
  } catch (const std::exception& e) {
    r.problems.push_back({kManifest, std::string("unreadable manifest: ") + e.what()});
    return r;
  }
  const BackupManifest& m = *r.manifest;
  std::set<std::string> listed = {kManifest};
  for (const BackupFile& f : m.files) {
    listed.insert(f.name);
    const fs::path p = dir / f.name;
    if (!fs::exists(p)) {
      r.problems.push_back({f.name, "missing"});
      continue;
    }
    std::int64_t bytes = 0;
    const std::string sha = ops::Sha256File(p.string(), &bytes);
    if (bytes != f.bytes) {
      r.problems.push_back({f.name, fmt::format("{} bytes, the manifest says {}", bytes, f.bytes)});
    }
    if (sha != f.sha256) {
      r.problems.push_back({f.name, "SHA-256 " + sha + " differs from the manifest's " + f.sha256});
    }
  }
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (!listed.count(name)) r.problems.push_back({name, "not listed in the manifest"});
  }
  if (!r.problems.empty()) {
    r.problems.push_back({"tables", "not checked: the files differ from the manifest"});
    return r;
  }
  // The files are what was written: read every table back.
  try {
    Store copy = OpenAsIs(BackupStoreUrl(dir, m.layout));
    for (const BackupTable& t : m.tables) {
      const TableInfo& info = detail::FindTable(t.table);
      const detail::TableChecksum sum = detail::ChecksumTable(detail::ImplOf(copy), info);
      if (sum.rows != t.rows || sum.checksum != t.checksum) {
        r.problems.push_back({t.table, fmt::format("{} rows checksum {}, the manifest says {} rows "
                                                   "checksum {}",
                                                   sum.rows, sum.checksum, t.rows, t.checksum)});
      }
    }
  } catch (const Error& e) {
    r.problems.push_back({"tables", e.what()});
  }
  for (const BackupFile& f : m.files) {
    for (const char* suffix : {"-wal", "-shm"}) fs::remove(dir / (f.name + suffix));
  }
  return r;
}

namespace {

// ---- Restore ---------------------------------------------------------------

// How long restore waits for another connection's lock on a target file
// before it calls the store in use: long enough for a short transaction to
// end, pointless for an idle connection (which keeps its lock until it
// closes).
constexpr int kRestoreLockWaitMs = 1000;

// The processes holding a POSIX lock on `path` (SQLite's locks; Linux
// /proc/locks), other than this one: "pid 123 (tradestore backtest ...)".
// Empty when none is found or /proc/locks cannot be read.
std::vector<std::string> LockHolders(const std::string& path) {
  std::vector<std::string> out;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return out;
  std::ifstream locks("/proc/locks");
  std::string line;
  std::set<long> pids;
  const std::string device_inode =
      fmt::format("{:02x}:{:02x}:{}", major(st.st_dev), minor(st.st_dev),
                  static_cast<unsigned long>(st.st_ino));
  while (std::getline(locks, line)) {
    if (line.find("->") != std::string::npos) continue;  // a waiter, not a holder
    std::istringstream in(line);
    std::string id, type, advisory, mode, pid, where;
    if (!(in >> id >> type >> advisory >> mode >> pid >> where)) continue;
    if (where != device_inode) continue;
    char* end = nullptr;
    const long p = std::strtol(pid.c_str(), &end, 10);
    if (end == pid.c_str() || p == ::getpid()) continue;
    pids.insert(p);
  }
  for (long p : pids) {
    std::string cmdline = ReadFileOr(fmt::format("/proc/{}/cmdline", p));
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    while (!cmdline.empty() && cmdline.back() == ' ') cmdline.pop_back();
    if (cmdline.size() > 100) cmdline = cmdline.substr(0, 97) + "...";
    out.push_back(cmdline.empty() ? fmt::format("pid {}", p)
                                  : fmt::format("pid {} ({})", p, cmdline));
  }
  return out;
}

// Refuses, changing nothing, unless restore has the target store to itself:
// SQLite: every file held exclusively by `target`'s own connections (kept
// until `target` closes, so no process can read or write the store while
// it is replaced); PostgreSQL: no other session on the database.
void TakeStoreOffline(Store& target, const std::string& url) {
  detail::StoreImpl& impl = detail::ImplOf(target);
  const std::string redacted = detail::RedactedUrl(url);
  if (impl.dialect() == sql::Dialect::kPostgres) {
    const std::vector<detail::OtherSession> others = detail::OtherSessions(impl);
    if (others.empty()) return;
    std::string list;
    for (const detail::OtherSession& o : others) {
      list += fmt::format("{}pid {} application_name '{}' user {} {}{}", list.empty() ? "" : "; ",
                          o.pid, o.application_name, o.user, o.state,
                          o.client.empty() ? "" : " from " + o.client);
    }
    throw Conflict(fmt::format(
        "refusing to restore into {}: {} other session{} connected to its database ({}). Stop "
        "every process using the store (bots, backtests, imports, tradestore serve, psql) and run "
        "restore again; nothing was changed",
        redacted, others.size(), others.size() == 1 ? " is" : "s are", list));
  }
  try {
    detail::TakeSqliteFilesExclusively(impl, kRestoreLockWaitMs);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kUnavailable) throw;
    std::string holders;
    for (detail::Database db :
         {detail::Database::kTrading, detail::Database::kMarket, detail::Database::kAnalytics}) {
      for (const std::string& h : LockHolders(impl.path(db))) {
        if (holders.find(h) == std::string::npos) holders += (holders.empty() ? "" : "; ") + h;
      }
    }
    throw Error(ErrorKind::kConflict,
                fmt::format("refusing to restore into {}: the store is in use by another "
                            "process{} ({}). Stop every process using the store (bots, "
                            "backtests, imports, tradestore serve, sqlite3) and run restore "
                            "again; nothing was changed",
                            redacted, holders.empty() ? "" : " (" + holders + ")", e.what()),
                e.native_code());
  }
}

// The nearest existing directory at or above `path`.
fs::path ExistingDirOf(fs::path path) {
  std::error_code ec;
  path = fs::absolute(path, ec);
  while (!path.empty() && !fs::is_directory(path, ec)) {
    if (path == path.parent_path()) break;
    path = path.parent_path();
  }
  return path;
}

// Refuses (kStorage, "ENOSPC") before anything is written when the target's
// file system cannot hold the restore: each file's pages go through the
// write-ahead log (about the backup's size) and then into the database file
// (growing it to the backup's size).
void RequireSpaceFor(const std::vector<detail::SqliteFile>& targets,
                     const std::vector<std::int64_t>& backup_bytes, const std::string& url) {
  std::int64_t need = 1 << 20;  // headers, -shm, the manifest check's reads
  for (std::size_t i = 0; i < targets.size() && i < backup_bytes.size(); ++i) {
    std::error_code ec;
    const auto old_size = fs::file_size(targets[i].path, ec);
    const std::int64_t old_bytes = ec ? 0 : static_cast<std::int64_t>(old_size);
    need += backup_bytes[i] + backup_bytes[i] / 50 +
            std::max<std::int64_t>(0, backup_bytes[i] - old_bytes);
  }
  const fs::path dir = ExistingDirOf(fs::path(targets.front().path).parent_path());
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) != 0) return;  // unknown: let the writes tell
  const std::int64_t free_bytes =
      static_cast<std::int64_t>(vfs.f_bavail) * static_cast<std::int64_t>(vfs.f_frsize);
  if (free_bytes < need) {
    throw Error(ErrorKind::kStorage,
                fmt::format("not enough free space to restore into {}: about {} bytes are "
                            "needed, {} are free on {}; nothing was changed",
                            detail::RedactedUrl(url), need, free_bytes, dir.string()),
                "ENOSPC");
  }
}

// What a restore into a SQLite store created (files and directory that did
// not exist before), removed again when the restore fails, so that a failed
// restore into a new store leaves no empty store behind.
class CreatedFiles {
 public:
  explicit CreatedFiles(const std::vector<detail::SqliteFile>& targets) {
    for (const detail::SqliteFile& f : targets) {
      std::error_code ec;
      if (!fs::exists(f.path, ec)) files_.push_back(f.path);
    }
    all_ = files_.size() == targets.size();
    if (targets.size() > 1) {
      const fs::path dir = fs::path(targets.front().path).parent_path();
      std::error_code ec;
      if (!fs::exists(dir, ec)) dir_ = dir;
    }
  }
  // Whether none of the store's files existed: a new store.
  bool all() const { return all_; }
  // Removes them (the store's connections must be closed).
  void Remove() noexcept {
    std::error_code ec;
    for (const std::string& f : files_) {
      for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(f + suffix, ec);
    }
    if (!dir_.empty() && fs::is_empty(dir_, ec)) fs::remove(dir_, ec);
  }

 private:
  std::vector<std::string> files_;
  fs::path dir_;
  bool all_ = false;
};

// The file databases a backup's files restore into, in the store's order.
std::vector<detail::Database> FileDatabases(const std::string& layout) {
  if (layout == "single-file") return {detail::Database::kTrading};
  return {detail::Database::kTrading, detail::Database::kMarket, detail::Database::kAnalytics};
}

// `new_store`: the target did not exist (a failure removes it again).
RestoreResult RestoreInto(const std::string& backup_dir, const BackupManifest& m,
                          const std::string& url, bool by_files, bool new_store,
                          const RestoreOptions& options) {
  RestoreResult result;
  result.url = detail::RedactedUrl(url);
  result.backup = backup_dir;
  result.method = by_files ? "files" : "rows";
  {
    // The target, held to ourselves from here until it is restored.
    Store target = OpenAsIs(url);
    TakeStoreOffline(target, url);
    detail::StoreImpl& impl = detail::ImplOf(target);
    Store copy = OpenAsIs(BackupStoreUrl(backup_dir, m.layout));

    // What would be lost: a newer schema, or rows the backup does not have.
    std::vector<std::string> reasons;
    for (const detail::SchemaState& s : detail::SchemaStates(impl)) {
      if (s.current > s.latest) {
        reasons.push_back(fmt::format(
            "the target's {} database is at schema version {}, newer than this build's {}",
            s.database, s.current, s.latest));
        continue;
      }
      if (BackendOf(url) != m.backend) continue;
      for (const auto& [db, version] : m.schema_versions) {
        if (db == s.database && s.current > version) {
          reasons.push_back(
              fmt::format("the target's {} database is at schema version {}, newer than the "
                          "backup's {}",
                          s.database, s.current, version));
        }
      }
    }
    if (reasons.empty()) {
      for (const BackupTable& t : m.tables) {
        const TableInfo& info = detail::FindTable(t.table);
        // A table the target's schema does not have yet holds nothing to
        // lose; any other error reading the target propagates.
        std::int64_t rows = 0;
        std::optional<Row> last;
        try {
          if (!detail::TableExists(impl, info)) continue;
          rows = detail::CountRows(impl, info);
          last = detail::LastKey(impl, info);
        } catch (const Error& e) {
          throw Error(e.kind(),
                      fmt::format("restore: cannot read the target's {} to tell what restoring "
                                  "over it would lose: {}; nothing was changed",
                                  t.table, e.what()),
                      e.native_code(), e.retryable());
        }
        const std::optional<Row> backup_last = detail::LastKey(detail::ImplOf(copy), info);
        if (rows > t.rows) {
          reasons.push_back(
              fmt::format("the target's {} has {} rows, the backup {}", t.table, rows, t.rows));
        } else if (last && (!backup_last || *backup_last < *last)) {
          reasons.push_back(fmt::format(
              "the target's {} has rows after the backup's last key "
              "(target up to ({}), backup up to ({}))",
              t.table, fmt::join(RenderKey(last), ", "), fmt::join(RenderKey(backup_last), ", ")));
        }
      }
    }
    if (!reasons.empty()) {
      if (!options.force) {
        std::string why;
        for (const std::string& r : reasons) why += (why.empty() ? "" : "; ") + r;
        throw Conflict("refusing to restore over " + detail::RedactedUrl(url) + ": " + why +
                       ". Nothing was changed; --force restores anyway and loses that");
      }
      result.overridden = reasons;
    }

    if (by_files) {
      const std::vector<std::string> names =
          m.layout == "single-file"
              ? std::vector<std::string>{"store.db"}
              : std::vector<std::string>{"trading.db", "market.db", "analytics.db"};
      const std::vector<detail::Database> dbs = FileDatabases(m.layout);
      // Each file in one transaction of the target's own (exclusive)
      // connection: a failure leaves that file as it was.
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (options.progress) options.progress(names[i], i + 1, names.size());
        try {
          detail::RestoreSqliteFile(impl, dbs[i], (fs::path(backup_dir) / names[i]).string());
        } catch (const Error& e) {
          if (i == 0 || new_store) throw;
          std::string done;
          for (std::size_t j = 0; j < i; ++j) done += (j ? ", " : "") + names[j];
          throw Error(e.kind(),
                      fmt::format("{} ({} restored already, {} and the rest not: the store mixes "
                                  "the backup and its old state; run restore again with --force)",
                                  e.what(), done, names[i]),
                      e.native_code(), false);
        }
      }
    } else {
      for (const detail::SchemaState& s : detail::SchemaStates(detail::ImplOf(copy))) {
        if (!s.pending.empty()) {
          throw Conflict(fmt::format(
              "the backup's {} database is at schema version {}, older than this build's {}: "
              "restore it into a SQLite store of the same layout (file restore), which migrates "
              "on open; nothing was changed",
              s.database, s.current, s.latest));
        }
      }
      detail::MigrateOpenStore(impl);
      RequireCatalog(target, "target store");
      // One unit of work per database connection: everything or nothing.
      std::vector<sql::Connection*> connections;
      for (detail::Database db :
           {detail::Database::kTrading, detail::Database::kMarket, detail::Database::kAnalytics}) {
        sql::Connection* c = &impl.connection(db);
        if (std::find(connections.begin(), connections.end(), c) == connections.end()) {
          connections.push_back(c);
        }
      }
      // SQLite: the files are taken exclusively by a transaction of their
      // own (kept in exclusive locking mode), so before the units of work
      // begin (a BEGIN inside one fails: restoring a PostgreSQL backup into
      // a SQLite store did).
      const bool postgres_target = impl.dialect() == sql::Dialect::kPostgres;
      if (!postgres_target) TakeStoreOffline(target, url);
      std::vector<std::unique_ptr<sql::Transaction>> txs;
      for (sql::Connection* c : connections) txs.push_back(std::make_unique<sql::Transaction>(*c));
      detail::DeleteAllRows(impl);
      const auto& tables = detail::StoreTables();
      std::size_t i = 0;
      for (const TableInfo& t : tables) {
        if (options.progress) options.progress(t.QualifiedName(), ++i, tables.size());
        CopyRows(copy, target, t);
      }
      // PostgreSQL: a session that connected meanwhile could have read the
      // old rows; refuse rather than restore under it.
      if (postgres_target) TakeStoreOffline(target, url);
      for (auto& tx : txs) tx->Commit();
    }
  }  // the target's connections close: other processes may use it again

  // The restored store must hold exactly what the manifest says.
  Store restored = Store::Open(url);
  for (const BackupTable& t : m.tables) {
    const detail::TableChecksum sum =
        detail::ChecksumTable(detail::ImplOf(restored), detail::FindTable(t.table));
    if (sum.rows != t.rows || sum.checksum != t.checksum) {
      throw Error(
          ErrorKind::kStorage,
          fmt::format("restore of {} into {}: {} holds {} rows checksum {}, the backup {} "
                      "rows checksum {}",
                      backup_dir, url, t.table, sum.rows, sum.checksum, t.rows, t.checksum));
    }
    result.tables.push_back({t.table, sum.rows, sum.checksum, t.last_key});
  }
  return result;
}

}  // namespace

RestoreResult Restore(const std::string& backup_or_root, const std::string& url,
                      const RestoreOptions& options) {
  const VerifyResult v = VerifyBackup(backup_or_root);
  const std::string& backup_dir = v.path;  // the backup taken from a backup root
  if (!v.ok()) {
    std::string why;
    for (const VerifyProblem& p : v.problems)
      why += (why.empty() ? "" : "; ") + p.what + ": " + p.message;
    throw Conflict("the backup " + backup_dir + " fails verification (" + why +
                   "); nothing was changed");
  }
  const BackupManifest& m = *v.manifest;
  const bool postgres = detail::IsPostgresUrl(url);
  const std::vector<detail::SqliteFile> target_files = detail::SqliteFilesOf(url);
  if (!postgres) {
    if (!url.starts_with("sqlite:")) {
      throw InvalidArgument("store URL '" + url + "' must start with sqlite: or postgresql://");
    }
    if (target_files.empty()) throw InvalidArgument("cannot restore into an in-memory store");
  }
  const bool by_files = !postgres && m.backend == "sqlite" &&
                        ((m.layout == "directory" && target_files.size() == 3) ||
                         (m.layout == "single-file" && target_files.size() == 1));
  if (postgres) return RestoreInto(backup_dir, m, url, by_files, false, options);

  std::vector<std::int64_t> backup_bytes;
  if (by_files) {
    for (const BackupFile& f : m.files) backup_bytes.push_back(f.bytes);
  } else {
    std::int64_t total = 0;
    for (const BackupFile& f : m.files) total += f.bytes;
    backup_bytes.assign(target_files.size(),
                        total / static_cast<std::int64_t>(target_files.size()));
  }
  RequireSpaceFor(target_files, backup_bytes, url);
  CreatedFiles created(target_files);
  try {
    return RestoreInto(backup_dir, m, url, by_files, created.all(), options);
  } catch (...) {
    created.Remove();
    throw;
  }
}

namespace {

// The reports below quote what they read (a damaged manifest's bytes reach
// them through the parser's message): invalid UTF-8 is written as U+FFFD
// rather than failing the report.
std::string DumpReport(const json& j) {
  return j.dump(2, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string BackupResultToJson(const BackupResult& r) {
  json j;
  j["path"] = r.path;
  j["manifest"] = ToJson(r.manifest);
  j["removed"] = r.removed;
  return DumpReport(j);
}

std::string VerifyResultToJson(const VerifyResult& r) {
  json j;
  j["path"] = r.path;
  j["ok"] = r.ok();
  j["manifest"] = r.manifest ? ToJson(*r.manifest) : json(nullptr);
  j["problems"] = json::array();
  for (const VerifyProblem& p : r.problems) {
    j["problems"].push_back({{"what", p.what}, {"message", p.message}});
  }
  return DumpReport(j);
}

std::string RestoreResultToJson(const RestoreResult& r) {
  json j;
  j["url"] = r.url;
  j["backup"] = r.backup;
  j["method"] = r.method;
  j["overridden"] = r.overridden;
  j["tables"] = json::array();
  for (const BackupTable& t : r.tables) {
    j["tables"].push_back({{"table", t.table}, {"rows", t.rows}, {"checksum", t.checksum}});
  }
  return DumpReport(j);
}

}  // namespace tradestore
