// Issue 15 item 8, its first cause: `optimize` ran
// wal_checkpoint(TRUNCATE) with the busy timeout, which holds the write lock
// while it waits for every reader to leave the WAL: with a reader on an old
// snapshot it blocked every writer for the whole 5 s. Now the checkpoint
// never waits: optimize returns at once, says the checkpoint is incomplete,
// and a writer that gives up after 200 ms without retries is never refused
// meanwhile.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "reliability/reliability_util.h"
#include "sql/connection.h"
#include "store/store_impl.h"
#include "tradestore/storage_stats.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

detail::StoreImpl& Impl(Store& s) { return detail::StoreAccess::Impl(s); }

Bot NewBot(Store& s, const std::string& name) {
  Bot b;
  b.name = name;
  return s.bots().Create(b);
}

TEST(OptimizeBesideReaders, NeverWaitsForReadersNorBlocksWriters) {
  testing::ScratchDir dir;
  const std::string url = "sqlite:" + dir.Sub("store");
  Store writer = Store::Open(url + "?busy_timeout_ms=200&retry_ms=0");
  for (int i = 0; i < 20; ++i) NewBot(writer, "before-" + std::to_string(i));

  // A reader on a snapshot of trading.db, then more commits after it.
  Store reader = Store::Open(url);
  sql::Connection& rc = Impl(reader).connection(detail::Database::kTrading);
  rc.ExecuteScript("BEGIN DEFERRED");
  sql::Statement& st = rc.Prepare("SELECT count(*) FROM trading.bots");
  ASSERT_TRUE(st.Step());
  st.Reset();
  for (int i = 0; i < 20; ++i) NewBot(writer, "after-" + std::to_string(i));

  // Writes go on while optimize runs; none may be refused.
  std::atomic<bool> done = false;
  std::atomic<int> written = 0;
  std::string refused;
  std::thread bot_thread([&] {
    try {
      while (!done) {
        NewBot(writer, "during-" + std::to_string(written));
        ++written;
      }
    } catch (const Error& e) {
      refused = e.what();
    }
  });
  const auto start = std::chrono::steady_clock::now();
  OptimizeResult r;
  try {
    r = Optimize(url, false);
  } catch (...) {
    done = true;
    bot_thread.join();
    throw;
  }
  const auto took = std::chrono::steady_clock::now() - start;
  done = true;
  bot_thread.join();
  EXPECT_EQ(refused, "");
  EXPECT_GT(written, 0);
  // The busy timeout is 5 s: optimize did not wait for the reader.
  EXPECT_LT(took, std::chrono::seconds(3)) << OptimizeToJson(r);
  bool incomplete = false;
  for (const OptimizeAction& a : r.actions) {
    if (a.database == "trading" && a.action.starts_with("wal_checkpoint(") &&
        a.action.find("incomplete") != std::string::npos) {
      incomplete = true;
    }
  }
  EXPECT_TRUE(incomplete) << OptimizeToJson(r);

  // The reader gone, a checkpoint of the idle store completes and empties
  // the WAL.
  rc.ExecuteScript("ROLLBACK");
  const OptimizeResult idle = Optimize(url, false);
  for (const OptimizeAction& a : idle.actions) {
    EXPECT_EQ(a.action.find("incomplete"), std::string::npos) << OptimizeToJson(idle);
  }
  EXPECT_EQ(idle.actions.back().action, "wal_checkpoint(TRUNCATE)") << OptimizeToJson(idle);
}

}  // namespace
}  // namespace tradestore
