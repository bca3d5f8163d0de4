// The Citus layout (src/store/distribution.h, docs/scale-out.md): its rules
// against the schema description, and DistributeStore() on the test
// cluster (tests/support/citus_harness.h): applied, idempotent, refused
// with a clear message and no change where there is no Citus.
#include "store/distribution.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "sql/connection.h"
#include "store/change_feed_test_util.h"
#include "store/store_impl.h"
#include "store/store_test_util.h"
#include "support/citus_harness.h"
#include "support/citus_store.h"
#include "tradestore/change_feed.h"
#include "tradestore/error.h"

namespace tradestore {
namespace {

using detail::Placement;
using testing::CitusCluster;

std::string NameOf(const detail::schema::Table& t) {
  return std::string(t.schema) + "." + std::string(t.name);
}

std::int64_t Int(sql::Connection& c, const std::string& query) {
  sql::Statement& st = c.Prepare(query);
  const std::int64_t v = st.Step() ? st.GetInt64(0) : -1;
  st.Reset();
  return v;
}

// A heartbeat of `bot` reaches the feed, once: on Citus the heartbeat's
// trigger fires on every node holding trading.bots, and only the node of the
// bot's shard of the log may write. The feed may hold the event back while
// a transaction on any node of the cluster runs (other tests' too), so it
// is awaited, and a second read after it finds no other.
void ExpectOneHeartbeat(Store& store, BotId bot) {
  std::string cursor = store.changes().Head();
  store.bots().Heartbeat(bot, Timestamp(kMicrosPerMinute), "running");
  const std::vector<ChangeEvent> events =
      testing::ReadUntil(store.changes(), cursor, testing::HeartbeatOf(bot));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "bot-heartbeat");
  EXPECT_EQ(events[0].bot, std::optional<BotId>(bot));
  store.changes().WaitForChange(std::chrono::milliseconds(300));
  EXPECT_TRUE(store.changes().After(cursor, 10).events.empty());
}

// Citus' rules for a distributed table: its primary key includes the
// distribution column. The anchors of the co-location groups come first.
TEST(Distribution, LayoutFollowsCitusRules) {
  bool seen_bot_anchor = false;
  bool seen_instrument_anchor = false;
  int by_bot = 0;
  for (const detail::schema::Table& t : detail::schema::kTables) {
    const std::string name = NameOf(t);
    const Placement p = detail::PlacementOf(t);
    if (p == Placement::kByBot) {
      ++by_bot;
      bool key_has_bot = t.postgres_key_prefix == "bot_id";
      for (std::string_view k : t.primary_key) key_has_bot = key_has_bot || k == "bot_id";
      EXPECT_TRUE(key_has_bot) << name << " is distributed by bot_id but its key lacks it";
      EXPECT_TRUE(seen_bot_anchor || name == "trading.accounts") << name << " before the anchor";
      seen_bot_anchor = true;
    }
    if (p == Placement::kByInstrument) {
      // The PostgreSQL key starts with the distribution column.
      const std::string_view first =
          t.postgres_key_prefix.empty() ? t.primary_key.front() : t.postgres_key_prefix;
      EXPECT_EQ(first, detail::DistributionColumn(t)) << name;
      EXPECT_TRUE(seen_instrument_anchor || name == "market.candles") << name;
      seen_instrument_anchor = true;
    }
  }
  EXPECT_GE(by_bot, 20);
}

// The distribution of every store table, from citus_tables.
std::map<std::string, std::string> Placements(sql::Connection& c) {
  std::map<std::string, std::string> out;
  sql::Statement& st = c.Prepare(
      "SELECT table_name::text, citus_table_type || ':' || distribution_column || ':' || "
      "colocation_id FROM citus_tables");
  while (st.Step()) out[st.GetText(0)] = st.GetText(1);
  st.Reset();
  return out;
}

TEST(Distribution, AppliesTheLayoutToAStoreWithRowsAndIsIdempotent) {
  const std::string url = CitusCluster::Get().CreateDatabase();
  testing::Seeded seeded(url);
  detail::StoreImpl& impl = detail::ImplOf(seeded.store);
  const DistributeResult first = detail::DistributeStore(impl);
  EXPECT_TRUE(first.changed());
  EXPECT_EQ(first.workers, 2);
  EXPECT_EQ(first.change_feed_triggers.size(), 8u);
  sql::Connection& c = impl.connection(detail::Database::kTrading);
  const std::map<std::string, std::string> placed = Placements(c);
  const std::string orders = placed.at("trading.orders");
  std::set<std::string> bot_groups;
  for (const detail::schema::Table& t : detail::schema::kTables) {
    const std::string name = NameOf(t);
    const auto it = placed.find(name);
    switch (detail::PlacementOf(t)) {
      case Placement::kReference:
        ASSERT_NE(it, placed.end()) << name;
        EXPECT_EQ(it->second.substr(0, 10), "reference:") << name;
        break;
      case Placement::kByBot:
        ASSERT_NE(it, placed.end()) << name;
        EXPECT_EQ(it->second.substr(0, 19), "distributed:bot_id:") << name;
        bot_groups.insert(it->second);
        break;
      case Placement::kByInstrument: {
        ASSERT_NE(it, placed.end()) << name;
        const std::string prefix =
            "distributed:" + std::string(detail::DistributionColumn(t)) + ":";
        EXPECT_EQ(it->second.substr(0, prefix.size()), prefix) << name;
        EXPECT_NE(it->second.substr(prefix.size()), orders.substr(19))
            << name << ": own co-location group";
        break;
      }
      case Placement::kCoordinator:
        if (it != placed.end()) {
          EXPECT_EQ(it->second.substr(0, 6), "local:") << name;
        }
        break;
    }
  }
  EXPECT_EQ(bot_groups.size(), 1u) << "per-bot tables are all co-located";
  // The rows written before are in the shards now, and foreign keys hold.
  EXPECT_EQ(seeded.store.bots().Get(seeded.bot.id).name, "bot-a");
  EXPECT_EQ(seeded.store.accounts().Get(seeded.bot.id, seeded.account.id).name, "main");
  EXPECT_GE(Int(c,
                "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                "conrelid = 'trading.orders'::regclass"),
            2);
  EXPECT_THROW(c.ExecuteScript("INSERT INTO trading.accounts (bot_id, name, created_at) "
                               "VALUES (999, 'orphan', now())"),
               Error);
  // Again: nothing to do, nothing changed.
  const DistributeResult second = detail::DistributeStore(impl);
  EXPECT_FALSE(second.changed());
  EXPECT_TRUE(second.change_feed_triggers.empty());
  EXPECT_EQ(Placements(c), placed);
}

TEST(Distribution, RefusedWithoutTheCitusExtensionChangingNothing) {
  Store pg = Store::Open(testing::PgServer::Get().CreateDatabase());
  sql::Connection& c = detail::ImplOf(pg).connection(detail::Database::kTrading);
  const std::int64_t triggers = Int(c, "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal");
  try {
    detail::DistributeStore(detail::ImplOf(pg));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("has no citus extension"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nothing was changed"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Int(c, "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal"), triggers);

  Store sqlite = Store::Open("sqlite::memory:");
  try {
    detail::DistributeStore(detail::ImplOf(sqlite));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("is a SQLite store"), std::string::npos) << e.what();
  }
}

// The template the conformance tests copy is a finished distributed store.
TEST(Distribution, FreshCitusStoresAreDistributed) {
  Store store = Store::Open(testing::FreshCitusStoreUrl());
  sql::Connection& c = detail::ImplOf(store).connection(detail::Database::kTrading);
  EXPECT_EQ(Placements(c).at("trading.fills").substr(0, 19), "distributed:bot_id:");
  EXPECT_FALSE(detail::DistributeStore(detail::ImplOf(store)).changed());
}

// A store distributed by a tradestore from before the change feed ran on
// Citus has local change logs and no feed triggers: its feed is refused,
// saying what to do, and `distribute` run again installs it. (The feed
// itself on Citus: change_feed_test.cc.)
TEST(Distribution, DistributeAgainInstallsTheChangeFeedOfAnOlderDistributedStore) {
  testing::Seeded seeded(testing::FreshCitusStoreUrl());
  detail::StoreImpl& impl = detail::ImplOf(seeded.store);
  sql::Connection& c = impl.connection(detail::Database::kTrading);
  // What the older `distribute` left: the logs local, their triggers gone.
  for (const char* statement : {
           "SET client_min_messages = warning",
           "SET citus.enable_unsafe_triggers = on",
           "SELECT undistribute_table('audit.change_log')",
           "SELECT undistribute_table('market.market_change_log')",
           "DROP TRIGGER change_log_orders ON trading.orders",
           "DROP TRIGGER change_log_fills ON trading.fills",
           "DROP TRIGGER change_log_positions ON trading.positions",
           "DROP TRIGGER change_log_trades ON trading.trades",
           "DROP TRIGGER change_log_balances ON trading.balances",
           "DROP TRIGGER change_log_risk_events ON audit.risk_events",
           "DROP TRIGGER change_log_bots_heartbeat ON trading.bots",
           "DROP TRIGGER change_log_candle_coverage ON market.candle_coverage",
           "RESET citus.enable_unsafe_triggers",
           "RESET client_min_messages",
       }) {
    c.ExecuteScript(statement);
  }
  {
    Store other = Store::Open(impl.url());
    try {
      (void)other.changes().Head();
      ADD_FAILURE() << "the feed of a store without its triggers answered";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("run `tradestore distribute` again"), std::string::npos)
          << e.what();
    }
  }
  const DistributeResult again = detail::DistributeStore(impl);
  EXPECT_TRUE(again.changed());
  EXPECT_EQ(again.change_feed_triggers.size(), 8u);
  EXPECT_EQ(Placements(c).at("audit.change_log").substr(0, 19), "distributed:bot_id:");
  EXPECT_EQ(Placements(c).at("market.market_change_log").substr(0, 19), "distributed:row_id:");

  Store store = Store::Open(impl.url());
  ExpectOneHeartbeat(store, seeded.bot.id);
  EXPECT_FALSE(detail::DistributeStore(impl).changed());
}

// A store that `distribute` placed before PostgreSQL migration 0014 (the
// feed's hooks) gets the Citus hooks from the migration itself: its writes
// never NOTIFY on a worker, and a heartbeat is written once, by the node of
// the bot's shard of the log.
TEST(Distribution, MigrationOfTheFeedsHooksKeepsADistributedStoreOnCitusHooks) {
  testing::Seeded seeded(testing::FreshCitusStoreUrl());
  detail::StoreImpl& impl = detail::ImplOf(seeded.store);
  sql::Connection& c = impl.connection(detail::Database::kTrading);
  auto citus_hooks = [&] {
    return Int(c,
               "SELECT (prosrc NOT LIKE '%pg_notify%')::int FROM pg_proc "
               "WHERE proname = 'change_log_wake' AND pronamespace = 'audit'::regnamespace") == 1;
  };
  ASSERT_TRUE(citus_hooks());
  // Back to before 0014: its functions gone, its version not applied.
  for (const char* statement : {
           "SET client_min_messages = warning",
           "DROP FUNCTION audit.change_log_use_citus_hooks()",
           "DROP FUNCTION audit.change_log_wake()",
           "DROP FUNCTION audit.change_log_is_local(bigint)",
           "DELETE FROM public.schema_migrations WHERE database = 'all' AND version = 14",
           "RESET client_min_messages",
       }) {
    c.ExecuteScript(statement);
  }
  ASSERT_EQ(Int(c, "SELECT count(*) FROM pg_proc WHERE proname = 'change_log_wake'"), 0);
  Store store = Store::Open(impl.url());  // runs 0014 again
  EXPECT_TRUE(citus_hooks());
  ExpectOneHeartbeat(store, seeded.bot.id);
  EXPECT_FALSE(detail::DistributeStore(impl).changed());
}

}  // namespace
}  // namespace tradestore
