// Reads routed to a streaming replica (read_host/read_port, the test replica
// of pg_replica_harness.h): a store opened with StoreOptions::read_replica
// reads from the replica and sees its own writes, and those of every other
// store of the process, at once (it waits for the replica to replay them); a
// replica that stays behind (replay paused) sends the read to the primary
// after read_wait_ms; status shows the lag.
//
// One test, since it pauses replay on the replica that the test processes
// share (others would then read from the primary, still correctly).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "sql/postgres/pg_connection.h"
#include "support/pg_harness.h"
#include "support/pg_replica_harness.h"
#include "tradestore/bot.h"
#include "tradestore/status.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using testing::PgReplica;

Bot NewBot(Store& store, const std::string& name) {
  Bot b;
  b.name = name;
  b.mode = RunMode::kPaper;
  return store.bots().Create(b);
}

TEST(ReadReplica, ReadsSeeTheirOwnWritesAndFallBackToThePrimaryWhenTheReplicaLags) {
  PgReplica& replica = PgReplica::Get();
  // Long enough for the replica to replay a write on a loaded machine (the
  // new database included), so that the first phase never times out.
  // Under the full test run the replica replays every test's WAL: 2 s was
  // once not enough.
  constexpr int kWaitMs = 5000;
  const std::string url = replica.CreateDatabase() + "&read_wait_ms=" + std::to_string(kWaitMs);
  StoreOptions routed;
  routed.read_replica = true;
  Store store = Store::Open(url, routed);
  // A second store of the process, opened before the writes below (the HTTP
  // server's pool holds several): its reads must see them too.
  Store reader = Store::Open(url, routed);

  // Each write is read back at once, from the replica.
  const sql::PgReadStats before = sql::PostgresReadStats(url);
  for (int i = 0; i < 5; ++i) {
    const std::string name = "bot-" + std::to_string(i);
    const Bot bot = NewBot(store, name);
    const auto found = store.bots().FindByName(name);
    ASSERT_TRUE(found.has_value()) << name;
    EXPECT_EQ(found->id, bot.id);
  }
  const sql::PgReadStats after = sql::PostgresReadStats(url);
  EXPECT_GE(after.replica_reads - before.replica_reads, 5);
  EXPECT_EQ(after.primary_reads, before.primary_reads);
  // The same database on the replica itself holds them.
  {
    StoreOptions as_is;
    as_is.migrate = false;
    Store on_replica = Store::Open(replica.Url(PgReplica::DatabaseOf(url)), as_is);
    // Read directly, without the store's wait: the replica may still be
    // replaying the last write.
    const auto start = std::chrono::steady_clock::now();
    while (!on_replica.bots().FindByName("bot-4") &&
           std::chrono::steady_clock::now() - start < std::chrono::seconds(10)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(on_replica.bots().FindByName("bot-4").has_value());
  }

  StoreStatus status = GetStatus(url);
  ASSERT_TRUE(status.replica.has_value());
  EXPECT_TRUE(status.replica->connected) << status.replica->error;
  EXPECT_TRUE(status.replica->is_replica);
  EXPECT_TRUE(status.ok());
  ASSERT_TRUE(status.replica->lag_bytes.has_value());

  // Replay paused: a write cannot reach the replica, so its read goes to
  // the primary after read_wait_ms, and still sees it.
  replica.Execute("SELECT pg_wal_replay_pause()");
  struct Resume {
    PgReplica& r;
    ~Resume() {
      try {
        r.Execute("SELECT pg_wal_replay_resume()");
      } catch (const std::exception&) {
      }
    }
  } resume{replica};
  NewBot(store, "while-paused");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(store.bots().FindByName("while-paused").has_value());
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(kWaitMs));
  // The other store's reads wait for that write too (the position is the
  // process's, not the connection's), then read it from the primary; reading
  // the replica at once would miss it.
  const auto other = std::chrono::steady_clock::now();
  EXPECT_TRUE(reader.bots().FindByName("while-paused").has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - other, std::chrono::milliseconds(kWaitMs));
  const sql::PgReadStats paused = sql::PostgresReadStats(url);
  EXPECT_GE(paused.primary_reads, after.primary_reads + 2);
  // The connection remembers that the replica is behind: the next reads
  // look at its position once and go to the primary without waiting again.
  const auto again = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(store.bots().FindByName("while-paused").has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - again, std::chrono::milliseconds(kWaitMs));
  EXPECT_EQ(sql::PostgresReadStats(url).replica_reads, paused.replica_reads);
  // status shows the lag.
  status = GetStatus(url);
  ASSERT_TRUE(status.replica.has_value());
  ASSERT_TRUE(status.replica->lag_bytes.has_value());
  EXPECT_GT(*status.replica->lag_bytes, 0);
  const std::string json = StatusToJson(status);
  EXPECT_NE(json.find("\"lag_bytes\""), std::string::npos);

  // Replay resumed: the replica catches up and serves reads again (the
  // first reads after the resume may still find it behind).
  replica.Execute("SELECT pg_wal_replay_resume()");
  const auto resumed = std::chrono::steady_clock::now();
  while (sql::PostgresReadStats(url).replica_reads == paused.replica_reads &&
         std::chrono::steady_clock::now() - resumed < std::chrono::seconds(10)) {
    EXPECT_TRUE(store.bots().FindByName("while-paused").has_value());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GT(sql::PostgresReadStats(url).replica_reads, paused.replica_reads);

  // Without read_replica (a bot's store) nothing is routed.
  Store writer = Store::Open(url);
  const sql::PgReadStats last = sql::PostgresReadStats(url);
  EXPECT_TRUE(writer.bots().FindByName("bot-0").has_value());
  EXPECT_EQ(sql::PostgresReadStats(url).replica_reads, last.replica_reads);
}

TEST(ReadReplica, StatusReportsAnUnreachableReplica) {
  const std::string url =
      testing::PgServer::Get().CreateDatabase() + "&read_host=/nonexistent&read_port=1";
  Store::Open(url);  // migrated on the primary
  const StoreStatus status = GetStatus(url);
  ASSERT_TRUE(status.replica.has_value());
  EXPECT_FALSE(status.replica->connected);
  EXPECT_FALSE(status.replica->error.empty());
  EXPECT_FALSE(status.ok());
  // Reads still work: they go to the primary.
  StoreOptions routed;
  routed.read_replica = true;
  Store store = Store::Open(url, routed);
  NewBot(store, "b");
  EXPECT_TRUE(store.bots().FindByName("b").has_value());
}

}  // namespace
}  // namespace tradestore
