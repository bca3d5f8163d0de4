// The operator commands through the CLI: JSON shapes and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ops/ops_test_util.h"
#include "sql/connection.h"
#include "store/store_impl.h"
#include "tradestore/backup.h"
#include "tradestore/export_import.h"

namespace tradestore {
namespace {

using testing::OpsTempDir;

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs the CLI with `args`, stdout and stderr captured.
CliRun Cli(const std::string& args, const OpsTempDir& dir) {
  const std::string out = dir.Sub("stdout.txt");
  const std::string err = dir.Sub("stderr.txt");
  const int status =
      std::system((std::string(TRADESTORE_CLI) + " " + args + " > " + out + " 2> " + err).c_str());
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadText(out);
  r.err = ReadText(err);
  return r;
}

nlohmann::json Json(const CliRun& r) {
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << r.out;
    return {};
  }
}

TEST(OpsCli, CheckExitsOneForAnUnbalancedJournalAndZeroForAStaleBot) {
  OpsTempDir dir;
  const std::string url = "sqlite:" + dir.Sub("store");
  const std::string store = " --store " + url;
  BotId stale = 0;
  {
    Store s = Store::Open(url);
    testing::SeedTrading(s);
    Bot b;
    b.name = "gone-quiet";
    b.mode = RunMode::kLive;
    b.created_at = Timestamp::Now() - kMicrosPerDay;
    stale = s.bots().Create(b).id;
    s.bots().Heartbeat(stale, Timestamp::Now() - kMicrosPerHour, "running");
  }
  CliRun r = Cli("check --json --only stale-bots" + store, dir);
  EXPECT_EQ(r.code, 0) << r.out;  // a warning
  nlohmann::json j = Json(r);
  ASSERT_EQ(j["checks"].size(), 2u) << r.out;  // open, stale-bots
  EXPECT_EQ(j["checks"][1]["status"], "warning");
  EXPECT_EQ(j["checks"][1]["findings"][0]["severity"], "warning");
  EXPECT_EQ(j["checks"][1]["findings"][0]["row"],
            "id=" + std::to_string(stale) + ", name=gone-quiet");
  r = Cli("check --json --only stale-bots --stale-after 2h" + store, dir);
  EXPECT_EQ(Json(r)["checks"][1]["status"], "passed") << r.out;

  {
    Store s = Store::Open(url);
    detail::ImplOf(s)
        .connection(detail::Database::kTrading)
        .ExecuteScript(
            "UPDATE trading.ledger_entries SET amount = '1' WHERE id = (SELECT max(id) FROM "
            "trading.ledger_entries)");
  }
  r = Cli("check --json --only ledger-double-entry" + store, dir);
  EXPECT_EQ(r.code, 1) << r.out;
  j = Json(r);
  EXPECT_EQ(j["checks"][1]["status"], "failed");
  EXPECT_NE(j["checks"][1]["findings"][0]["row"].get<std::string>().find("journal_id="),
            std::string::npos);
}

// `verify DIR` and `restore DIR` on the DIR of `backup --to DIR` (a backup
// root holding several backups) take its newest backup and say so on
// stderr; a backup's own directory works as before, and a directory holding
// no backup still fails verification for its missing manifest.
TEST(OpsCli, ExportAllAndImportAllMoveAWholeStore) {
  OpsTempDir dir;
  const std::string source = " --store sqlite:" + dir.Sub("source");
  const std::string target = " --store sqlite:" + dir.Sub("target");
  {
    Store s = Store::Open("sqlite:" + dir.Sub("source"));
    testing::SeedTrading(s);
  }
  const std::string bundle = dir.Sub("bundle");
  CliRun r = Cli("export all --bot ops-bot --out " + bundle + source, dir);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("filters (--bot"), std::string::npos) << r.err;
  r = Cli("export all" + source, dir);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--out DIR"), std::string::npos) << r.err;
  r = Cli("export all --format jsonl --out " + bundle + source, dir);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(bundle + "/fills.jsonl"));
  r = Cli("export all --out " + bundle + source, dir);  // not empty any more
  EXPECT_EQ(r.code, 4) << r.err;
  r = Cli("import all --json " + bundle + target, dir);
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j = Json(r);
  EXPECT_EQ(j["entities"].size(), AvailableEntities().size());
  EXPECT_EQ(j["coverage_series"], 1);
  EXPECT_GE(j["checks_passed"].size(), 10u);
  r = Cli("check" + target, dir);
  EXPECT_EQ(r.code, 0) << r.out;
  r = Cli("import all " + bundle + target, dir);  // the rows are there: a clash
  EXPECT_EQ(r.code, 4) << r.err;
  EXPECT_NE(r.err.find("instruments.jsonl:"), std::string::npos) << r.err;
  r = Cli("import all " + dir.Sub("nowhere") + target, dir);
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("no bundle manifest"), std::string::npos) << r.err;
}

TEST(OpsCli, VerifyAndRestoreTakeTheNewestBackupOfABackupRoot) {
  OpsTempDir dir;
  const std::string store = " --store sqlite:" + dir.Sub("store");
  {
    Store s = Store::Open("sqlite:" + dir.Sub("store"));
    testing::SeedTrading(s);
  }
  const std::string root = dir.Sub("bk");
  CliRun r = Cli("backup --json --to " + root + store, dir);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const std::string older = Json(r)["path"].get<std::string>();
  r = Cli("backup --json --to " + root + store, dir);
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const std::string newest = Json(r)["path"].get<std::string>();
  ASSERT_NE(older, newest);
  EXPECT_EQ(ResolveBackupDir(root), newest);
  EXPECT_EQ(ResolveBackupDir(older), older);

  r = Cli("verify --json " + root, dir);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(Json(r)["ok"].get<bool>()) << r.out;
  EXPECT_EQ(Json(r)["path"], newest);
  EXPECT_NE(r.err.find(root + " is a backup root; taking its newest backup " + newest),
            std::string::npos)
      << r.err;
  r = Cli("verify " + root, dir);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("backup verified: " + newest), std::string::npos) << r.out;

  r = Cli("restore --json " + root + " --store sqlite:" + dir.Sub("copy"), dir);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(Json(r)["backup"], newest);
  EXPECT_NE(r.err.find("taking its newest backup " + newest), std::string::npos) << r.err;

  // A backup's own directory: taken as is, nothing said.
  r = Cli("verify --json " + older, dir);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(Json(r)["path"], older);
  EXPECT_EQ(r.err.find("backup root"), std::string::npos) << r.err;

  // A directory holding no backup: unreadable manifest, as before.
  std::filesystem::create_directories(dir.Sub("empty"));
  r = Cli("verify " + dir.Sub("empty"), dir);
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("unreadable manifest"), std::string::npos) << r.out;
  r = Cli("restore " + dir.Sub("empty") + " --store sqlite:" + dir.Sub("copy2"), dir);
  EXPECT_EQ(r.code, 4) << r.out << r.err;
}

TEST(OpsCli, EveryCommandWithItsJsonAndExitCodes) {
  OpsTempDir dir;
  const std::string store = " --store sqlite:" + dir.Sub("store");
  {
    Store s = Store::Open("sqlite:" + dir.Sub("store"));
    testing::SeedTrading(s);
  }
  CliRun r = Cli("status --json" + store, dir);
  ASSERT_EQ(r.code, 0) << r.out;
  nlohmann::json j = Json(r);
  EXPECT_EQ(j["database"]["status"], "connected");
  EXPECT_EQ(j["database"]["databases"]["market"], "connected");

  r = Cli("check --json" + store, dir);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(Json(r)["ok"].get<bool>());
  EXPECT_EQ(Cli("check --only nonsense" + store, dir).code, 2);
  EXPECT_EQ(Cli("check --stale-after 15" + store, dir).code, 2);
  EXPECT_EQ(Cli("check --stale-after 1h" + store, dir).code, 0);

  r = Cli("stats --json" + store, dir);
  EXPECT_EQ(r.code, 0);
  EXPECT_FALSE(Json(r)["indexes"].empty());
  r = Cli("optimize --json" + store, dir);
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(Json(r).contains("reclaimed_bytes"));

  r = Cli("backup --json --to " + dir.Sub("bk") + store, dir);
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string backup = Json(r)["path"].get<std::string>();
  r = Cli("verify --json " + backup, dir);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(Json(r)["ok"].get<bool>());
  r = Cli("restore --json " + backup + " --store sqlite:" + dir.Sub("copy"), dir);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(Json(r)["method"], "files");

  r = Cli("prune --json --dry-run --before 2023-03-02 --what candles,order-events" + store, dir);
  EXPECT_EQ(r.code, 0) << r.out;
  j = Json(r);
  EXPECT_EQ(j["kinds"][0]["matched"], 21);  // 24 hours less a 3-hour gap
  EXPECT_EQ(j["kinds"][0]["deleted"], 0);
  EXPECT_EQ(Cli("prune --before 2023-03-02 --what ledger" + store, dir).code, 2);
  EXPECT_EQ(Cli("prune --before yesterday --what candles" + store, dir).code, 2);

  // More data than the backup: refused (conflict), then a damaged backup
  // fails verify (1) and restore (4).
  EXPECT_EQ(Cli("prune --before 2023-03-02 --what candles" + store, dir).code, 0);
  {
    Store s = Store::Open("sqlite:" + dir.Sub("copy"));
    Bot b;
    b.name = "newer";
    b.created_at = testing::kOpsT0;
    s.bots().Create(b);
  }
  EXPECT_EQ(Cli("restore " + backup + " --store sqlite:" + dir.Sub("copy"), dir).code, 4);
  EXPECT_EQ(Cli("restore --force " + backup + " --store sqlite:" + dir.Sub("copy"), dir).code, 0);
  {
    std::fstream f(backup + "/market.db", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5000);
    f.put('\x5a');
  }
  r = Cli("verify --json " + backup, dir);
  EXPECT_EQ(r.code, 1);
  EXPECT_FALSE(Json(r)["ok"].get<bool>());
  EXPECT_EQ(Cli("restore --force " + backup + " --store sqlite:" + dir.Sub("copy"), dir).code, 4);
  EXPECT_EQ(Cli("verify " + dir.Sub("no-such-backup"), dir).code, 3);
  EXPECT_EQ(Cli("status --store sqlite:" + dir.Sub("no-such-store"), dir).code, 3);
}

}  // namespace
}  // namespace tradestore
