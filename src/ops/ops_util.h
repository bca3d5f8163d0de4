// Helpers shared by the ops commands (status, stats). Internal.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "store/ops_queries.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/status.h"

namespace tradestore::ops {

using nlohmann::json;

inline json OptTime(const std::optional<Timestamp>& t) {
  return t ? json(t->ToIso()) : json(nullptr);
}
template <typename T>
inline json Opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

// fsync of a file or (directory = true) a directory; kStorage on failure.
inline void Fsync(const std::filesystem::path& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) throw Error(ErrorKind::kStorage, "cannot open " + path.string() + " to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw Error(ErrorKind::kStorage, "cannot sync " + path.string());
}

// Writes `text` to `path` (replacing it); kStorage on failure.
inline void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw Error(ErrorKind::kStorage, "cannot write " + path.string());
}

// The whole file; kNotFound when it cannot be read.
inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw NotFound("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string Backend(const std::string& url) {
  return detail::IsPostgresUrl(url) ? "postgres" : "sqlite";
}

// Throws kNotFound for a SQLite store that does not exist: status and check
// never create one.
inline void RequireExisting(const std::string& url) {
  if (detail::IsPostgresUrl(url)) return;
  if (!url.starts_with("sqlite:")) {
    throw InvalidArgument(
        "store URL '" + url +
        "' must start with sqlite: or postgresql:// (e.g. sqlite:tradestore-data)");
  }
  const auto files = detail::SqliteFilesOf(url);
  if (files.empty()) return;  // :memory:
  const std::filesystem::path root = files.size() == 1
                                         ? std::filesystem::path(files[0].path)
                                         : std::filesystem::path(files[0].path).parent_path();
  if (!std::filesystem::exists(root)) throw NotFound("no store at " + root.string());
  if (files.size() > 1) {
    bool any = false;
    for (const auto& f : files) any = any || std::filesystem::exists(f.path);
    if (!any) {
      throw NotFound("no store at " + root.string() +
                     " (the directory holds none of trading.db, market.db, analytics.db)");
    }
  }
}

inline std::string PgLocation(const std::string& db) {
  return db == "trading" ? "schemas trading, config, audit" : "schema " + db;
}

inline void FillStorage(detail::StoreImpl& impl, std::vector<DatabaseStatus>& out) {
  for (const detail::StorageInfo& s : detail::Storage(impl)) {
    DatabaseStatus d;
    d.name = s.database;
    d.location = s.path.empty() ? PgLocation(s.database) : s.path;
    d.connected = true;
    d.bytes = s.bytes;
    d.wal_bytes = s.wal_bytes;
    d.free_pages = s.free_pages;
    d.page_size = s.page_size;
    d.dead_rows = s.dead_rows;
    d.file_modified = s.file_modified;
    out.push_back(std::move(d));
  }
}

}  // namespace tradestore::ops
