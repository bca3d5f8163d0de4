// No behaviour change from one schema description (issue 14 item 1): the
// CLI of today records a three-bot store from examples/data and exports
// every entity in CSV, JSON Lines and SQL exactly as
// tests/fixtures/export_before/generate.sh did with the CLI of before; the
// fixture keeps the SHA-256 of each export (the exports are ~6 MB), after
// masking the values that differ between two runs (random client order ids
// and wall-clock times; see the script).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace tradestore {
namespace {

namespace fs = std::filesystem;

// "HASH  NAME" lines of a sha256sum listing, by name.
std::map<std::string, std::string> ReadSums(const fs::path& path) {
  std::map<std::string, std::string> sums;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t gap = line.find("  ");
    if (gap == std::string::npos) {
      ADD_FAILURE() << path << ": not a sha256sum line: " << line;
      continue;
    }
    sums[line.substr(gap + 2)] = line.substr(0, gap);
  }
  return sums;
}

TEST(ExportFixture, EveryEntityInEveryFormatIsByteIdenticalToBefore) {
  const fs::path out =
      fs::temp_directory_path() / ("tradestore-export-fixture-" + std::to_string(::getpid()));
  fs::remove_all(out);
  const std::string command = "cd '" + std::string(TRADESTORE_SOURCE_DIR) +
                              "' && bash tests/fixtures/export_before/generate.sh '" +
                              TRADESTORE_CLI + "' '" + out.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const auto before =
      ReadSums(fs::path(TRADESTORE_SOURCE_DIR) / "tests/fixtures/export_before/SHA256SUMS");
  const auto today = ReadSums(out / "SHA256SUMS");
  ASSERT_EQ(before.size(), 84u);  // 28 entities x 3 formats
  bool all_same = true;
  for (const auto& [name, hash] : before) {
    const auto it = today.find(name);
    if (it == today.end()) {
      ADD_FAILURE() << name << ": not exported today";
      all_same = false;
    } else if (it->second != hash) {
      ADD_FAILURE() << name << ": differs from before (today's file: " << (out / "exports" / name)
                    << "; regenerate the before-file with the old CLI to compare)";
      all_same = false;
    }
  }
  for (const auto& [name, hash] : today) {
    EXPECT_TRUE(before.count(name)) << name << ": exported today, not before";
  }
  // The non-empty exports are real data, not all headers.
  std::ifstream fills(out / "exports" / "fills.csv");
  std::string line;
  int rows = 0;
  while (std::getline(fills, line)) ++rows;
  EXPECT_GT(rows, 100);
  if (all_same) fs::remove_all(out);  // kept on failure, for a diff
}

}  // namespace
}  // namespace tradestore
