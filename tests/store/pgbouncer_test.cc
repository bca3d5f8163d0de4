// PostgreSQL through PgBouncer in transaction mode (the test PgBouncer of
// pgbouncer_harness.h, prepared_statements=off): more bot processes than
// PgBouncer has server sessions trade at once without an error and their
// books reconcile; what needs a session of its own (the change feed's
// LISTEN) is refused with a clear error instead of silently missing
// notifications. The store conformance suites run through PgBouncer too
// (Backend::kPgBouncer, store_test_util.h).
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "sql/postgres/pg_connection.h"
#include "store/domain_day.h"
#include "store/store_test_util.h"
#include "tradestore/error.h"

extern char** environ;

namespace tradestore {
namespace {

using testing::PgBouncerServer;
using testing::PgServer;
using testing::TempDir;

const char* const kCandles =
    TRADESTORE_SOURCE_DIR "/examples/data/ohlcv/binanceus/BTCUSDC_1m_20230301_20230321.csv";

// The first `lines` candles of kCandles (with the header), so that each bot
// process trades a few hours rather than a day.
std::string ShortCandles(const TempDir& dir, int lines) {
  std::ifstream in(kCandles);
  const std::string path = dir.Sub("candles.csv");
  std::ofstream out(path);
  std::string line;
  for (int i = 0; i <= lines && std::getline(in, line); ++i) out << line << "\n";
  return path;
}

// "postgresql:///NAME?..." → NAME.
std::string DatabaseOf(const std::string& url) {
  const auto begin = url.find(":///") + 4;
  return url.substr(begin, url.find('?') - begin);
}

TEST(PgBouncer, MoreBotProcessesThanServerSessionsTradeAtOnce) {
  constexpr int kBots = 3 * PgBouncerServer::kPoolSize;  // 6 processes, 2 server sessions
  TempDir dir;
  const std::string candles = ShortCandles(dir, 360);
  const std::string url = PgBouncerServer::Get().CreateDatabase();
  {
    Store setup = Store::Open(url);  // migrated through PgBouncer
    testing::DayInstrument(setup);
  }

  // The server's own view: sessions on this database while the bots run.
  auto admin = sql::OpenPostgres(PgServer::Get().Url("postgres"));
  auto& sessions = admin->Prepare("SELECT count(*) FROM pg_stat_activity WHERE datname = ?");
  std::atomic<bool> running{true};
  std::int64_t most_sessions = 0;
  std::thread watcher([&] {
    while (running) {
      sessions.Reset();
      sessions.Bind(1, DatabaseOf(url));
      if (sessions.Step()) most_sessions = std::max(most_sessions, sessions.GetInt64(0));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  std::vector<pid_t> pids;
  for (int i = 0; i < kBots; ++i) {
    // Index 3 is the bot that hits its loss limit in domain_day.h; skip it.
    const std::string index = std::to_string(i < 3 ? i : i + 1);
    std::vector<std::string> args = {
        TRADESTORE_DOMAIN_DRIVER, url, "b-" + std::to_string(i), index, "0", candles};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    ASSERT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ), 0);
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "driver status " << status;
  }
  running = false;
  watcher.join();
  // Six processes (each with its own pool of up to 4 client sessions) were
  // served by PgBouncer's two server sessions.
  EXPECT_GE(most_sessions, 1);
  EXPECT_LE(most_sessions, PgBouncerServer::kPoolSize);

  Store store = Store::Open(url);
  for (int i = 0; i < kBots; ++i) {
    SCOPED_TRACE(i);
    const auto bot = store.bots().FindByName("b-" + std::to_string(i));
    ASSERT_TRUE(bot.has_value());
    EXPECT_EQ(bot->runtime_state, "done");
    for (const auto& a : store.accounts().List(bot->id, /*include_system=*/true)) {
      for (const auto& b : store.accounts().Balances(bot->id, a.id)) {
        EXPECT_EQ(b.amount, store.ledger().SumEntries(bot->id, a.id, b.currency)) << a.name;
      }
    }
    EXPECT_FALSE(store.orders().ListFills(bot->id).empty());
  }
}

TEST(PgBouncer, ChangeFeedIsRefusedWithAClearError) {
  Store store = Store::Open(PgBouncerServer::Get().CreateDatabase());
  try {
    (void)store.changes().Head();
    ADD_FAILURE() << "the change feed worked through a transaction pooler";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("pooler in transaction mode"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tradestore
