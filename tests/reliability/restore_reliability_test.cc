// The reliability suite's restore cases (issue 15): `tradestore restore`
// with a live writer is refused (exit 4) and loses none of its commits; a
// restore onto a full disk exits 6 and leaves nothing partial, on a small
// tmpfs (needs root to mount it; CI runs as root) and under a file size
// limit (RLIMIT_FSIZE with SIGXFSZ ignored: writes past the limit fail with
// EFBIG, as on a full disk, and SQLite reports an I/O error).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ops/ops_test_util.h"
#include "ops/store_user.h"
#include "tradestore/backup.h"
#include "tradestore/check.h"
#include "tradestore/status.h"

namespace tradestore {
namespace {

namespace fs = std::filesystem;
using testing::OpsTempDir;
using testing::StoreUser;

std::string Text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CliRun {
  int code = -1;
  std::string out, err;
};

// Runs the CLI with `args`; a positive `fsize_limit` runs it under
// RLIMIT_FSIZE with SIGXFSZ ignored.
CliRun Cli(const OpsTempDir& dir, const std::vector<std::string>& args, rlim_t fsize_limit = 0) {
  const std::string out = dir.Sub("cli.out");
  const std::string err = dir.Sub("cli.err");
  std::vector<std::string> argv_s = {TRADESTORE_CLI};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(out.c_str(), "w", stdout) || !freopen(err.c_str(), "w", stderr)) _exit(120);
    if (fsize_limit > 0) {
      signal(SIGXFSZ, SIG_IGN);
      const rlimit limit{fsize_limit, fsize_limit};
      if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(121);
    }
    execv(TRADESTORE_CLI, argv.data());
    _exit(122);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = Text(out);
  r.err = Text(err);
  return r;
}

std::int64_t Rows(const std::string& url, const std::string& table) {
  for (const TableStatus& t : GetStatus(url).tables) {
    if (t.table == table) return t.rows;
  }
  ADD_FAILURE() << "no table " << table;
  return -1;
}

// A store with `candles` hourly candles besides the trading seed: its
// market database is a few MB for 40,000.
void SeedBig(const std::string& url, int candles) {
  Store s = Store::Open(url);
  const testing::TradingSeed seed = testing::SeedTrading(s);
  std::vector<Candle> rows;
  for (int i = 0; i < candles; ++i) {
    Candle c;
    c.open_time = testing::kOpsT0 + (1000 + i) * kMicrosPerHour;
    c.open = 100 + i % 50;
    c.high = c.open + 2;
    c.low = c.open - 1;
    c.close = c.open + 1;
    c.volume = 10 + i;
    rows.push_back(c);
  }
  s.candles().Upsert(seed.instrument.id, Timeframe::k1h, rows);
  s.candles().RefreshCoverage(seed.instrument.id, Timeframe::k1h);
}

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.push_back(e.path().string());
  return out;
}

TEST(RestoreReliability, RestoreWithALiveWriterIsRefusedAndLosesNoCommit) {
  OpsTempDir dir;
  const std::string url = "sqlite:" + dir.Sub("store");
  {
    Store s = Store::Open(url);
    testing::SeedTrading(s);
  }
  const std::string backups = dir.Sub("backups");
  ASSERT_EQ(Cli(dir, {"backup", "--store", url, "--to", backups}).code, 0);
  const std::int64_t seeded = Rows(url, "trading.orders");
  StoreUser writer(url, dir, /*idle=*/false);
  const long before = writer.WaitFor(20);
  for (int round = 0; round < 3; ++round) {
    const CliRun r = Cli(dir, {"restore", backups, "--store", url, "--force"});
    EXPECT_EQ(r.code, 4) << r.err;
    EXPECT_NE(r.err.find("in use by another process"), std::string::npos) << r.err;
  }
  writer.WaitFor(before + 20);  // still writing, into the same store
  EXPECT_EQ(writer.Stop(), 0);
  EXPECT_EQ(Rows(url, "trading.orders"), seeded + writer.Progress());
  const CliRun check = Cli(dir, {"check", "--store", url});
  EXPECT_EQ(check.code, 0) << check.out << check.err;
  // Nobody uses the store now: the forced restore runs.
  const CliRun r = Cli(dir, {"restore", backups, "--store", url, "--force"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Rows(url, "trading.orders"), seeded);
}

// A small tmpfs (`bytes`, rounded up to pages) mounted for one test,
// unmounted after.
class SmallTmpfs {
 public:
  SmallTmpfs(const std::string& path, std::uintmax_t bytes) : path_(path) {
    fs::create_directories(path_);
    const std::string options = "size=" + std::to_string(bytes);
    mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

 private:
  std::string path_;
  bool mounted_ = false;
  std::string error_;
};

std::uintmax_t Bytes(const std::string& dir) {
  std::uintmax_t n = 0;
  for (const std::string& f : FilesIn(dir)) {
    if (fs::is_regular_file(f)) n += fs::file_size(f);
  }
  return n;
}

TEST(RestoreReliability, OntoAFullTmpfsExitsSixAndLeavesNothingPartial) {
  OpsTempDir dir;
  const std::string source = "sqlite:" + dir.Sub("big");
  SeedBig(source, 40000);
  const std::string backups = dir.Sub("backups");
  ASSERT_EQ(Cli(dir, {"backup", "--store", source, "--to", backups}).code, 0);
  // A small store, and a tmpfs with room for it and a little more, but not
  // for the big store's backup.
  const std::string seed_dir = dir.Sub("small");
  {
    Store s = Store::Open("sqlite:" + seed_dir);
    testing::SeedTrading(s);
  }
  const std::uintmax_t tmpfs_bytes = Bytes(seed_dir) + (1u << 20);
  ASSERT_GT(Bytes(backups), tmpfs_bytes);
  SmallTmpfs tmpfs(dir.Sub("tmpfs"), tmpfs_bytes);
  // A real full disk, never skipped: the suite runs as root (as CI does).
  ASSERT_TRUE(tmpfs.mounted()) << "mount -t tmpfs " << dir.Sub("tmpfs") << ": " << tmpfs.error()
                               << " (the reliability suite needs root to mount a small tmpfs)";

  // Into a new store: no empty store is left behind.
  const std::string fresh = dir.Sub("tmpfs/new");
  CliRun r = Cli(dir, {"restore", backups, "--store", "sqlite:" + fresh});
  EXPECT_EQ(r.code, 6) << r.err;
  EXPECT_NE(r.err.find("not enough free space"), std::string::npos) << r.err;
  EXPECT_TRUE(FilesIn(dir.Sub("tmpfs")).empty()) << FilesIn(dir.Sub("tmpfs")).front();

  // Over a store that fits: it stays as it was.
  const std::string small = "sqlite:" + dir.Sub("tmpfs/small");
  fs::copy(seed_dir, dir.Sub("tmpfs/small"), fs::copy_options::recursive);
  const std::int64_t candles = Rows(small, "market.candles");
  const std::vector<std::string> files = FilesIn(dir.Sub("tmpfs"));
  r = Cli(dir, {"restore", backups, "--store", small, "--force"});
  EXPECT_EQ(r.code, 6) << r.err;
  EXPECT_EQ(FilesIn(dir.Sub("tmpfs")), files);
  EXPECT_EQ(Rows(small, "market.candles"), candles);
  EXPECT_TRUE(CheckStore(small).ok());
}

TEST(RestoreReliability, WritesFailingPastAFileSizeLimitExitSixAndLeaveNothingPartial) {
  OpsTempDir dir;
  constexpr rlim_t kLimit = 1024 * 1024;
  // A directory store into a new target: the files it created are removed.
  const std::string source = "sqlite:" + dir.Sub("big");
  SeedBig(source, 40000);
  ASSERT_EQ(Cli(dir, {"backup", "--store", source, "--to", dir.Sub("backups")}).code, 0);
  const std::string fresh = dir.Sub("new");
  CliRun r = Cli(dir, {"restore", dir.Sub("backups"), "--store", "sqlite:" + fresh}, kLimit);
  EXPECT_EQ(r.code, 6) << r.err;
  EXPECT_FALSE(fs::exists(fresh)) << FilesIn(fresh).size() << " files left";

  // A single-file store over an existing one: one transaction, rolled back.
  const std::string single = "sqlite:" + dir.Sub("big.db");
  SeedBig(single, 40000);
  ASSERT_EQ(Cli(dir, {"backup", "--store", single, "--to", dir.Sub("single-backups")}).code, 0);
  const std::string target = "sqlite:" + dir.Sub("target.db");
  {
    Store s = Store::Open(target);
    testing::SeedTrading(s, 1);
  }
  const std::int64_t orders = Rows(target, "trading.orders");
  ASSERT_LT(fs::file_size(dir.Sub("target.db")), kLimit);
  r = Cli(dir, {"restore", dir.Sub("single-backups"), "--store", target, "--force"}, kLimit);
  EXPECT_EQ(r.code, 6) << r.err;
  EXPECT_EQ(Rows(target, "trading.orders"), orders);
  EXPECT_EQ(Rows(target, "market.candles"), 45);
  EXPECT_TRUE(CheckStore(target).ok());
}

}  // namespace
}  // namespace tradestore
