// Restore refuses a store that another process or session uses (issue 15
// item 1): an idle bot holding a SQLite store open, a writer mid-write, a
// second PostgreSQL session; nothing changes, and once the other user is
// gone the same restore succeeds. Also: the guard tells a missing table
// from a table it cannot read (item 7).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ops/ops_test_util.h"
#include "ops/store_user.h"
#include "store/store_impl.h"
#include "tradestore/backup.h"
#include "tradestore/check.h"
#include "tradestore/error.h"
#include "tradestore/status.h"

namespace tradestore {
namespace {

using testing::Backend;
using testing::OpsTempDir;
using testing::SeedTrading;
using testing::StoreUser;

std::int64_t Rows(const std::string& url, const std::string& table) {
  for (const TableStatus& t : GetStatus(url).tables) {
    if (t.table == table) return t.rows;
  }
  ADD_FAILURE() << "no table " << table;
  return -1;
}

std::int64_t ManifestRows(const BackupManifest& m, const std::string& table) {
  for (const BackupTable& t : m.tables) {
    if (t.table == table) return t.rows;
  }
  ADD_FAILURE() << "no table " << table << " in the manifest";
  return -1;
}

RestoreOptions Forced() {
  RestoreOptions o;
  o.force = true;
  return o;
}

// Restore must throw kConflict; returns the message.
std::string RefusedMessage(const std::string& backup, const std::string& url,
                           const RestoreOptions& options = {}) {
  try {
    Restore(backup, url, options);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "restore went ahead while the store was in use";
  return "";
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct Seeded {
  OpsTempDir dir;
  std::string url;
  BackupResult backup;
  explicit Seeded(Backend backend, const std::string& store = "store")
      : url(testing::FreshUrl(backend, dir, store)) {
    {
      Store s = Store::Open(url);
      SeedTrading(s);
    }
    backup = Backup(url, dir.Sub("backups"));
  }
};

TEST(RestoreInUse, AnIdleProcessHoldingTheStoreOpenIsRefusedThenRestoreSucceedsOnceItExits) {
  Seeded s(Backend::kSqlite);
  StoreUser idle(s.url, s.dir, /*idle=*/true);
  idle.WaitFor(0);
  const std::string message = RefusedMessage(s.backup.path, s.url, Forced());
  EXPECT_TRUE(Contains(message, "in use by another process")) << message;
  EXPECT_TRUE(Contains(message, "pid " + std::to_string(idle.pid()))) << message;
  EXPECT_TRUE(Contains(message, "ops_order_writer")) << message;
  EXPECT_TRUE(Contains(message, "Stop every process using the store")) << message;
  EXPECT_TRUE(Contains(message, "nothing was changed")) << message;
  EXPECT_EQ(idle.Stop(), 0);
  const RestoreResult r = Restore(s.backup.path, s.url);
  EXPECT_EQ(r.method, "files");
  EXPECT_TRUE(CheckStore(s.url).ok());
}

TEST(RestoreInUse, AWriterMidWriteIsRefusedEvenWithForceAndKeepsEveryCommit) {
  Seeded s(Backend::kSqlite);
  const std::int64_t seeded = ManifestRows(s.backup.manifest, "trading.orders");
  StoreUser writer(s.url, s.dir, /*idle=*/false);
  const long before = writer.WaitFor(10);
  const std::string message = RefusedMessage(s.backup.path, s.url, Forced());
  EXPECT_TRUE(Contains(message, "in use by another process")) << message;
  // The writer carries on and every order it reports is in the store.
  writer.WaitFor(before + 10);
  EXPECT_EQ(writer.Stop(), 0);
  EXPECT_EQ(Rows(s.url, "trading.orders"), seeded + writer.Progress());
  EXPECT_TRUE(CheckStore(s.url).ok());
  // Without the writer, a forced restore goes back to the backup.
  const RestoreResult r = Restore(s.backup.path, s.url, Forced());
  EXPECT_FALSE(r.overridden.empty());
  EXPECT_EQ(Rows(s.url, "trading.orders"), seeded);
}

TEST(RestoreInUse, AStoreOpenInThisProcessIsRefusedToo) {
  Seeded s(Backend::kSqlite, "single.db");
  EXPECT_EQ(s.backup.manifest.layout, "single-file");
  {
    Store open = Store::Open(s.url);
    (void)open.bots().FindByName("ops-bot");
    const std::string message = RefusedMessage(s.backup.path, s.url);
    EXPECT_TRUE(Contains(message, "in use")) << message;
  }
  EXPECT_EQ(Restore(s.backup.path, s.url).method, "files");
}

TEST(RestoreInUse, AnotherPostgresSessionIsRefusedNamingItsApplication) {
  Seeded s(Backend::kPostgres);
  {
    // Another process (its own session; Stores of one process share a
    // connection pool, and so sessions).
    StoreUser idle(s.url, s.dir, /*idle=*/true);
    idle.WaitFor(0);
    const std::string message = RefusedMessage(s.backup.path, s.url, Forced());
    EXPECT_TRUE(Contains(message, "1 other session is connected")) << message;
    EXPECT_TRUE(Contains(message, "application_name 'tradestore'")) << message;
    EXPECT_TRUE(Contains(message, "Stop every process using the store")) << message;
    EXPECT_EQ(idle.Stop(), 0);
  }
  // Nothing changed, and with the other session gone the restore runs.
  EXPECT_EQ(Rows(s.url, "trading.orders"), ManifestRows(s.backup.manifest, "trading.orders"));
  const RestoreResult r = Restore(s.backup.path, s.url);
  EXPECT_EQ(r.method, "rows");
  EXPECT_TRUE(CheckStore(s.url).ok());
}

TEST(RestoreInUse, TheCliExitsFourNamingTheStoreAndZeroOnceTheUserIsGone) {
  Seeded s(Backend::kSqlite);
  const std::string out = s.dir.Sub("out.txt");
  const std::string err = s.dir.Sub("err.txt");
  const std::string command = std::string(TRADESTORE_CLI) + " restore " + s.dir.Sub("backups") +
                              " --store " + s.url + " > " + out + " 2> " + err;
  auto run = [&] {
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  auto text = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  {
    StoreUser idle(s.url, s.dir, /*idle=*/true);
    idle.WaitFor(0);
    EXPECT_EQ(run(), 4) << text(err);
    EXPECT_TRUE(Contains(text(err), "in use by another process")) << text(err);
    EXPECT_TRUE(Contains(text(err), s.url)) << text(err);
  }
  EXPECT_EQ(run(), 0) << text(err);
  EXPECT_TRUE(Contains(text(out), "restored")) << text(out);
}

TEST(RestoreGuard, AMissingTableHoldsNothingToLoseButAnUnreadableOneStopsTheRestore) {
  Seeded s(Backend::kSqlite);
  {
    Store t = Store::Open(s.url);
    detail::ImplOf(t)
        .connection(detail::Database::kAnalytics)
        .ExecuteScript("DROP TABLE analytics.execution_latency");
  }
  EXPECT_EQ(Restore(s.backup.path, s.url).method, "files");
  {
    Store t = Store::Open(s.url);
    // A table that is there but cannot be read as the catalog says: the
    // guard cannot tell what would be lost.
    detail::ImplOf(t)
        .connection(detail::Database::kTrading)
        .ExecuteScript("ALTER TABLE trading.bots RENAME COLUMN id TO bot_key");
  }
  try {
    Restore(s.backup.path, s.url);
    ADD_FAILURE() << "restored over a table it could not read";
  } catch (const Error& e) {
    EXPECT_TRUE(Contains(e.what(), "trading.bots")) << e.what();
    EXPECT_TRUE(Contains(e.what(), "nothing was changed")) << e.what();
  }
  Store t = Store::Open(s.url);
  EXPECT_NO_THROW(detail::ImplOf(t)
                      .connection(detail::Database::kTrading)
                      .ExecuteScript("SELECT bot_key FROM trading.bots"));
}

}  // namespace
}  // namespace tradestore
