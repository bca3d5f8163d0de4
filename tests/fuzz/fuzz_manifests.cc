// Fuzzes the two manifests a user hands over with a directory of files: a
// bundle's (ReadBundleManifest, read by `import all` before anything is
// written) and a backup's (VerifyBackup, read by `verify` and `restore`).
// Properties: a bundle manifest is read or refused with tradestore::Error
// of kind kInvalidArgument; an accepted one names entities of this store
// once each, file names that stay inside the directory and row counts >= 0.
// VerifyBackup never throws for a damaged backup: a manifest it cannot read
// is a problem it lists, and whatever it read renders as JSON.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "fuzz_support.h"
#include "tradestore/backup.h"
#include "tradestore/bundle.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"

using namespace tradestore;

namespace {

// A directory of this process, removed at exit, holding manifest.json.
class ManifestDir {
 public:
  ManifestDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "tradestore-fuzz-manifest-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    dir_ = pattern;
  }
  ~ManifestDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& Write(const std::uint8_t* data, std::size_t size) {
    std::ofstream out(dir_ + "/manifest.json", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) std::abort();
    return dir_;
  }

 private:
  std::string dir_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static ManifestDir dir;
  static const std::vector<std::string> known = AvailableEntities();
  const std::string& path = dir.Write(data, size);
  try {
    const BundleManifest m = ReadBundleManifest(path);
    std::set<std::string> seen;
    for (const BundleEntry& e : m.entries) {
      fuzz::Check(std::find(known.begin(), known.end(), e.entity) != known.end(),
                  "a bundle entity is an entity of this store");
      fuzz::Check(seen.insert(e.entity).second, "a bundle entity is listed once");
      const std::filesystem::path file(e.file);
      fuzz::Check(!e.file.empty() && !file.has_parent_path() && !file.is_absolute() &&
                      e.file != "." && e.file != "..",
                  "a bundle file stays inside the bundle");
      fuzz::Check(e.rows >= 0, "a bundle's row counts are not negative");
    }
  } catch (const Error& e) {
    fuzz::Check(e.kind() == ErrorKind::kInvalidArgument, "a bad bundle manifest is invalid input");
  }
  const VerifyResult r = VerifyBackup(path);  // throws nothing for a damaged backup
  fuzz::Check(r.manifest.has_value() || !r.problems.empty(),
              "an unreadable backup manifest is a problem");
  if (r.manifest) {
    for (const BackupFile& f : r.manifest->files) {
      fuzz::Check(!f.name.empty() && f.name.find('/') == std::string::npos && f.name != "." &&
                      f.name != "..",
                  "a backup file stays inside the backup");
    }
  }
  fuzz::Check(!VerifyResultToJson(r).empty(), "a verify result renders");
  return 0;
}
