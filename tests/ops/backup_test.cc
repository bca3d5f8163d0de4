// Online backup while another process writes, verify, restore, refusals
// and retention, on both backends.
#include "tradestore/backup.h"

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "ops/ops_test_util.h"
#include "store/store_impl.h"
#include "store/table_io.h"
#include "tradestore/check.h"
#include "tradestore/error.h"
#include "tradestore/status.h"

extern char** environ;

namespace tradestore {
namespace {

namespace fs = std::filesystem;
using testing::Backend;
using testing::FreshUrl;
using testing::OpsTempDir;
using testing::SeedTrading;

// The orders the writer reports having written; 0 before its first report.
long Progress(const std::string& file) {
  std::ifstream in(file);
  long n = 0;
  in >> n;
  return n;
}

class Writer {
 public:
  Writer(const std::string& url, const OpsTempDir& dir)
      : stop_(dir.Sub("stop")), progress_(dir.Sub("progress")) {
    std::vector<std::string> args = {TRADESTORE_ORDER_WRITER, url, stop_, progress_};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, TRADESTORE_ORDER_WRITER, nullptr, nullptr, argv.data(), environ),
              0);
  }
  ~Writer() {
    if (pid_ > 0) Stop();
  }
  // Waits until the writer has written at least `orders` orders.
  long WaitFor(long orders) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    long n = 0;
    while ((n = Progress(progress_)) < orders) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "the writer wrote only " << n << " orders";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return n;
  }
  int Stop() {
    std::ofstream(stop_) << "stop\n";
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  std::string stop_, progress_;
  pid_t pid_ = -1;
};

std::int64_t ManifestRows(const BackupManifest& m, const std::string& table) {
  for (const BackupTable& t : m.tables) {
    if (t.table == table) return t.rows;
  }
  ADD_FAILURE() << "no table " << table << " in the manifest";
  return -1;
}

std::string Dump(const CheckReport& r) {
  std::string out;
  for (const CheckOutcome& c : r.checks) {
    for (const CheckFinding& f : c.findings) {
      if (f.severity == FindingSeverity::kError)
        out += c.name + ": " + f.row + " " + f.message + "\n";
    }
  }
  return out;
}

RestoreOptions Forced() {
  RestoreOptions o;
  o.force = true;
  return o;
}

BackupOptions Keep(int n) {
  BackupOptions o;
  o.keep = n;
  return o;
}

// The restored store passes check and holds exactly the manifest's rows.
void ExpectRestoredMatches(const std::string& url, const BackupManifest& m) {
  const CheckReport r = CheckStore(url);
  EXPECT_TRUE(r.ok()) << Dump(r);
  const StoreStatus s = GetStatus(url);
  ASSERT_EQ(s.tables.size(), m.tables.size());
  for (const TableStatus& t : s.tables) EXPECT_EQ(t.rows, ManifestRows(m, t.table)) << t.table;
}

class BackupTest : public ::testing::TestWithParam<Backend> {
 protected:
  OpsTempDir dir_;
  std::string url_ = FreshUrl(GetParam(), dir_, "store");
  std::string backups_ = dir_.Sub("backups");
};

TEST_P(BackupTest, ABackupTakenWhileAnotherProcessWritesRestoresToAConsistentStore) {
  {
    Store s = Store::Open(url_);
    SeedTrading(s);
  }
  Writer writer(url_, dir_);
  const long before = writer.WaitFor(20);
  const BackupResult b = Backup(url_, backups_);
  // The writer was never blocked: it kept writing during and after.
  writer.WaitFor(before + 20);
  EXPECT_EQ(writer.Stop(), 0);

  const std::int64_t orders = ManifestRows(b.manifest, "trading.orders");
  EXPECT_GE(orders, before + 4);  // the seed's and the writer's
  Store source = Store::Open(url_);
  EXPECT_LT(orders, detail::CountRows(detail::ImplOf(source), detail::FindTable("trading.orders")));

  const VerifyResult v = VerifyBackup(b.path);
  EXPECT_TRUE(v.ok()) << (v.problems.empty() ? "" : v.problems[0].message);
  const std::string target = FreshUrl(GetParam(), dir_, "restored");
  const RestoreResult r = Restore(b.path, target);
  EXPECT_EQ(r.method, GetParam() == Backend::kSqlite ? "files" : "rows");
  ExpectRestoredMatches(target, b.manifest);
  // The manifest's JSON carries what it promises.
  const auto j = nlohmann::json::parse(ManifestToJson(b.manifest));
  EXPECT_EQ(j["backend"], GetParam() == Backend::kSqlite ? "sqlite" : "postgres");
  EXPECT_FALSE(j["files"][0]["sha256"].get<std::string>().empty());
  EXPECT_FALSE(j["schema_versions"].empty());
}

TEST_P(BackupTest, CheckSeesOneSnapshotWhileAnotherProcessWrites) {
  {
    Store s = Store::Open(url_);
    SeedTrading(s);
  }
  Writer writer(url_, dir_);
  long done = writer.WaitFor(10);
  for (int i = 0; i < 5; ++i) {
    const CheckReport r = CheckStore(url_);
    EXPECT_TRUE(r.ok()) << Dump(r);
    done = writer.WaitFor(done + 4);  // it kept writing meanwhile
  }
  EXPECT_EQ(writer.Stop(), 0);
  EXPECT_TRUE(CheckStore(url_).ok());
}

TEST_P(BackupTest, AFlippedByteFailsVerifyAndRestoreChangesNothing) {
  {
    Store s = Store::Open(url_);
    SeedTrading(s);
  }
  const BackupResult b = Backup(url_, backups_);
  ASSERT_TRUE(VerifyBackup(b.path).ok());
  ASSERT_TRUE(VerifyBackup(b.path).ok());  // verifying changes nothing
  const std::string file = b.path + "/" + b.manifest.files[0].name;
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(fs::file_size(file) / 2));
    char c = 0;
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x01);
    f.seekp(static_cast<std::streamoff>(fs::file_size(file) / 2));
    f.write(&c, 1);
  }
  const VerifyResult v = VerifyBackup(b.path);
  EXPECT_FALSE(v.ok());
  ASSERT_FALSE(v.problems.empty());
  EXPECT_EQ(v.problems[0].what, b.manifest.files[0].name);
  EXPECT_NE(v.problems[0].message.find("SHA-256"), std::string::npos);

  const std::string target = FreshUrl(GetParam(), dir_, "target");
  {
    Store t = Store::Open(target);
    SeedTrading(t, 1);
  }
  try {
    Restore(b.path, target, Forced());
    FAIL() << "restored a damaged backup";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("fails verification"), std::string::npos);
  }
  const StoreStatus s = GetStatus(target);
  for (const TableStatus& t : s.tables) {
    if (t.table == "trading.trades") {
      EXPECT_EQ(t.rows, 1);  // the target's own data
    }
  }
}

TEST_P(BackupTest, AnEditedManifestFailsVerify) {
  {
    Store s = Store::Open(url_);
    SeedTrading(s);
  }
  const BackupResult b = Backup(url_, backups_);
  nlohmann::json j;
  {
    std::ifstream in(b.path + "/manifest.json");
    j = nlohmann::json::parse(in);
  }
  for (auto& t : j["tables"]) {
    if (t["table"] == "trading.fills") t["rows"] = t["rows"].get<int>() - 1;
  }
  std::ofstream(b.path + "/manifest.json") << j.dump(2);
  const VerifyResult v = VerifyBackup(b.path);
  EXPECT_FALSE(v.ok());
  ASSERT_EQ(v.problems.size(), 1u);
  EXPECT_EQ(v.problems[0].what, "trading.fills");
}

// A manifest with bytes that are not UTF-8 (found by fuzz_manifests): the
// parser's message quotes them; verify reports the unreadable manifest, and
// its JSON report writes them as U+FFFD instead of failing (it used to
// terminate `tradestore verify --json`).
TEST_P(BackupTest, AManifestThatIsNotUtf8IsReportedNotFatal) {
  {
    Store s = Store::Open(url_);
    SeedTrading(s);
  }
  const BackupResult b = Backup(url_, backups_);
  std::ofstream(b.path + "/manifest.json") << "{\"format\": \"tradestore-backup\xff\xfe\"";
  const VerifyResult v = VerifyBackup(b.path);
  EXPECT_FALSE(v.ok());
  ASSERT_EQ(v.problems.size(), 1u);
  EXPECT_EQ(v.problems[0].what, "manifest.json");
  std::string report;
  ASSERT_NO_THROW(report = VerifyResultToJson(v));
  const nlohmann::json j = nlohmann::json::parse(report);
  EXPECT_FALSE(j["ok"].get<bool>());
  EXPECT_NE(j["problems"][0]["message"].get<std::string>().find("\xEF\xBF\xBD"), std::string::npos)
      << report;
  EXPECT_THROW(Restore(b.path, url_), Error);
}

TEST_P(BackupTest, RestoreRefusesToLoseNewerDataUnlessForced) {
  {
    Store s = Store::Open(url_);
    SeedTrading(s);
  }
  const BackupResult b = Backup(url_, backups_);
  // The same data: nothing to lose.
  EXPECT_NO_THROW(Restore(b.path, url_));
  {
    Store s = Store::Open(url_);
    Bot bot;
    bot.name = "written-after-the-backup";
    bot.created_at = testing::kOpsT0;
    s.bots().Create(bot);
  }
  try {
    Restore(b.path, url_);
    FAIL() << "restored over newer data";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("trading.bots"), std::string::npos) << e.what();
  }
  {
    Store s = Store::Open(url_);
    EXPECT_TRUE(s.bots().FindByName("written-after-the-backup").has_value());
  }
  const RestoreResult r = Restore(b.path, url_, Forced());
  EXPECT_EQ(r.overridden.size(), 1u);
  ExpectRestoredMatches(url_, b.manifest);
  Store s = Store::Open(url_);
  EXPECT_FALSE(s.bots().FindByName("written-after-the-backup").has_value());
}

TEST_P(BackupTest, RestoreRefusesAStoreWithANewerSchema) {
  {
    Store s = Store::Open(url_);
    SeedTrading(s);
  }
  const BackupResult b = Backup(url_, backups_);
  const std::string target = FreshUrl(GetParam(), dir_, "newer");
  {
    Store t = Store::Open(target);
    detail::ImplOf(t)
        .connection(detail::Database::kTrading)
        .ExecuteScript(
            GetParam() == Backend::kSqlite
                ? "INSERT INTO schema_migrations VALUES ('trading', 999, 'future', 0)"
                : "INSERT INTO public.schema_migrations VALUES ('all', 999, 'future', 0)");
  }
  try {
    Restore(b.path, target);
    FAIL() << "restored over a newer schema";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("schema version 999"), std::string::npos) << e.what();
  }
}

TEST_P(BackupTest, KeepRetainsTheNewestBackups) {
  {
    Store s = Store::Open(url_);
    SeedTrading(s, 1);
  }
  std::vector<std::string> paths;
  for (int i = 0; i < 3; ++i) paths.push_back(Backup(url_, backups_, Keep(2)).path);
  int left = 0;
  for (const auto& e : fs::directory_iterator(backups_)) {
    (void)e;
    ++left;
  }
  EXPECT_EQ(left, 2);
  EXPECT_FALSE(fs::exists(paths[0]));
  EXPECT_TRUE(fs::exists(paths[1]));
  EXPECT_TRUE(fs::exists(paths[2]));
  EXPECT_THROW(Backup(url_, backups_, Keep(-1)), Error);
  EXPECT_THROW(VerifyBackup(dir_.Sub("nope")), Error);
}

TRADESTORE_OPS_ON_BOTH_BACKENDS(BackupTest);

TEST(BackupSqlite, ASingleFileStoreRoundTripsAndRestoresIntoPostgres) {
  OpsTempDir dir;
  const std::string url = "sqlite:" + dir.Sub("one.db");
  {
    Store s = Store::Open(url);
    SeedTrading(s);
  }
  const BackupResult b = Backup(url, dir.Sub("bk"));
  EXPECT_EQ(b.manifest.layout, "single-file");
  ASSERT_EQ(b.manifest.files.size(), 1u);
  const std::string file_target = "sqlite:" + dir.Sub("two.db");
  EXPECT_EQ(Restore(b.path, file_target).method, "files");
  ExpectRestoredMatches(file_target, b.manifest);
  const std::string pg = testing::PgServer::Get().CreateDatabase();
  EXPECT_EQ(Restore(b.path, pg).method, "rows");
  ExpectRestoredMatches(pg, b.manifest);
}

}  // namespace
}  // namespace tradestore
