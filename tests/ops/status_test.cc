// status, stats and optimize on both backends.
#include "tradestore/status.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ops/ops_test_util.h"
#include "store/ops_queries.h"
#include "store/store_impl.h"
#include "support/pg_harness.h"
#include "tradestore/check.h"
#include "tradestore/error.h"
#include "tradestore/storage_stats.h"

namespace tradestore {
namespace {

using testing::Backend;
using testing::FreshUrl;
using testing::OpsTempDir;
using testing::SeedTrading;

const TableStatus& Table(const StoreStatus& s, const std::string& name) {
  for (const TableStatus& t : s.tables) {
    if (t.table == name) return t;
  }
  static const TableStatus none;
  ADD_FAILURE() << "no table " << name;
  return none;
}

class StatusTest : public ::testing::TestWithParam<Backend> {
 protected:
  OpsTempDir dir_;
  std::string url_ = FreshUrl(GetParam(), dir_, "store");
};

TEST_P(StatusTest, ReportsDatabasesTablesAndTestData) {
  {
    Store s = Store::Open(url_);
    SeedTrading(s);
    Bot test_bot;
    test_bot.name = "TEST-bot";
    test_bot.is_test = true;
    test_bot.created_at = testing::kOpsT0;
    test_bot = s.bots().Create(test_bot);
    // One fill of the test bot: fills carry is_test (their order's) since
    // the domain migration.
    const Account acc = s.accounts().Create(test_bot.id, "main");
    Order o;
    o.bot_id = test_bot.id;
    o.account_id = acc.id;
    o.instrument_id = s.instruments().List().front().id;
    o.side = Side::kBuy;
    o.quantity = Decimal::Parse("0.1");
    o.strategy = "test";
    o.is_test = true;  // the fill takes it from its order
    o.created_at = testing::kOpsT0;
    const Order order = s.orders().Create(o);
    s.orders().Transition(test_bot.id, order.id, OrderStatus::kAccepted, testing::kOpsT0);
    Fill f;
    f.bot_id = test_bot.id;
    f.order_id = order.id;
    f.venue = "paper";
    f.venue_fill_id = "test-1";
    f.quantity = Decimal::Parse("0.1");
    f.price = Decimal::Parse("100");
    f.time = testing::kOpsT0;
    s.orders().RecordFill(f);
  }
  const StoreStatus s = GetStatus(url_);
  EXPECT_TRUE(s.ok()) << s.error;
  ASSERT_EQ(s.databases.size(), 3u);
  for (const DatabaseStatus& d : s.databases) {
    EXPECT_TRUE(d.connected) << d.name;
    EXPECT_TRUE(d.pending_migrations.empty());
    EXPECT_GT(d.schema_version, 0);
    EXPECT_EQ(d.schema_version, d.latest_version);
    EXPECT_GT(d.bytes, 0) << d.name;
    EXPECT_EQ(d.wal_bytes.has_value(), GetParam() == Backend::kSqlite);
  }
  const TableStatus& bots = Table(s, "trading.bots");
  EXPECT_EQ(bots.rows, 2);
  EXPECT_EQ(bots.real_rows, 1);
  EXPECT_EQ(bots.test_rows, 1);
  // The seed's 7 fills are real; the test bot's one is test data.
  const TableStatus& fills = Table(s, "trading.fills");
  EXPECT_EQ(fills.rows, 8);
  EXPECT_EQ(fills.real_rows, 7);
  EXPECT_EQ(fills.test_rows, 1);
  // A table without is_test has no split.
  EXPECT_FALSE(Table(s, "market.candles").test_rows.has_value());
  EXPECT_EQ(Table(s, "trading.trades").rows, 3);
  EXPECT_EQ(Table(s, "market.candles").rows, 45);
  ASSERT_TRUE(Table(s, "trading.fills").last_write.has_value());
  EXPECT_EQ(*Table(s, "trading.fills").last_write, testing::kOpsT0 + 40 * kMicrosPerHour);

  const auto j = nlohmann::json::parse(StatusToJson(s));
  EXPECT_EQ(j["database"]["status"], "connected");
  for (const char* db : {"trading", "market", "analytics"}) {
    EXPECT_EQ(j["database"]["databases"][db], "connected") << db;
    EXPECT_TRUE(j["database"]["urls"].contains(db));
  }
  EXPECT_TRUE(j["ok"].get<bool>());
  EXPECT_EQ(j["tables"].size(), s.tables.size());
}

TEST_P(StatusTest, ReportsPendingMigrationsWithoutApplyingThem) {
  {
    Store s = Store::Open(url_);
    // Forget the last migration, as if the store were older.
    detail::ImplOf(s)
        .connection(detail::Database::kMarket)
        .ExecuteScript(
            GetParam() == Backend::kSqlite
                ? "DELETE FROM schema_migrations WHERE database = 'market' AND version = "
                  "(SELECT max(version) FROM schema_migrations WHERE database = "
                  "'market')"
                : "DELETE FROM public.schema_migrations WHERE version = (SELECT "
                  "max(version) FROM public.schema_migrations)");
  }
  const StoreStatus s = GetStatus(url_);
  EXPECT_FALSE(s.ok());
  bool pending = false;
  for (const DatabaseStatus& d : s.databases) pending = pending || !d.pending_migrations.empty();
  EXPECT_TRUE(pending);
  EXPECT_FALSE(GetStatus(url_).ok());   // status did not migrate it
  EXPECT_FALSE(CheckStore(url_).ok());  // nor did check
}

TEST_P(StatusTest, ReportsANewerSchemaWithoutRefusingToLook) {
  {
    Store s = Store::Open(url_);
    detail::ImplOf(s)
        .connection(detail::Database::kTrading)
        .ExecuteScript(GetParam() == Backend::kSqlite
                           ? "INSERT INTO schema_migrations VALUES ('trading', 999, 'future', 0)"
                           : "INSERT INTO public.schema_migrations VALUES ('all', 999, 'future', "
                             "0)");
  }
  EXPECT_THROW(Store::Open(url_), Error);  // a normal open refuses it
  const StoreStatus s = GetStatus(url_);
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.connected);
  EXPECT_EQ(s.databases[0].schema_version, 999);
  EXPECT_LT(s.databases[0].latest_version, 999);
}

TEST_P(StatusTest, StatsListIndexesAndOptimizeRuns) {
  {
    Store s = Store::Open(url_);
    SeedTrading(s);
  }
  const StoreStats st = GetStats(url_);
  EXPECT_FALSE(st.indexes.empty());
  bool fills_index = false;
  for (const IndexStats& i : st.indexes) fills_index = fills_index || i.index == "fills_order";
  EXPECT_TRUE(fills_index);
  EXPECT_FALSE(st.queries_recorded);  // SQLite never, the test server has no pg_stat_statements
  EXPECT_FALSE(st.queries_note.empty());
  const OptimizeResult o = Optimize(url_, true);
  bool vacuumed = false;
  for (const OptimizeAction& a : o.actions) vacuumed = vacuumed || a.action == "vacuum";
  EXPECT_TRUE(vacuumed);
  EXPECT_GT(o.bytes_after, 0);
  EXPECT_TRUE(CheckStore(url_).ok());
}

TRADESTORE_OPS_ON_BOTH_BACKENDS(StatusTest);

TEST(StatusSqlite, AMissingStoreIsNotFoundAndNotCreated) {
  OpsTempDir dir;
  const std::string missing = dir.Sub("missing");
  try {
    GetStatus("sqlite:" + missing);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
  }
  EXPECT_FALSE(std::filesystem::exists(missing));
  EXPECT_THROW(GetStatus("mysql://x"), Error);
}

TEST(StatusPostgres, AnUnreachableServerIsReportedNotThrown) {
  const StoreStatus s = GetStatus("postgresql:///nodb?host=/nonexistent&port=1");
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(s.connected);
  EXPECT_FALSE(s.error.empty());
  ASSERT_EQ(s.databases.size(), 3u);
  for (const DatabaseStatus& d : s.databases) EXPECT_FALSE(d.connected);
  const auto j = nlohmann::json::parse(StatusToJson(s));
  EXPECT_EQ(j["database"]["status"], "disconnected");
  EXPECT_EQ(j["database"]["databases"]["trading"], "disconnected");
}

TEST(RedactedUrl, HidesPasswordsOnly) {
  EXPECT_EQ(detail::RedactedUrl("postgresql://bot:s3cret@db.example:5432/trading?sslmode=require"),
            "postgresql://bot:***@db.example:5432/trading?sslmode=require");
  EXPECT_EQ(detail::RedactedUrl("postgresql:///db?host=/tmp&password=abc&user=x"),
            "postgresql:///db?host=/tmp&password=***&user=x");
  EXPECT_EQ(detail::RedactedUrl("host=/tmp password=abc dbname=d"),
            "host=/tmp password=*** dbname=d");
  EXPECT_EQ(detail::RedactedUrl("postgresql://bot@host/db"), "postgresql://bot@host/db");
  EXPECT_EQ(detail::RedactedUrl("sqlite:data/store"), "sqlite:data/store");
}

TEST(OptimizeSqlite, VacuumReclaimsTheSpaceOfDeletedRows) {
  OpsTempDir dir;
  const std::string url = "sqlite:" + dir.Sub("store");
  {
    Store s = Store::Open(url);
    SeedTrading(s);
    std::vector<Candle> candles;
    for (int i = 0; i < 20000; ++i) {
      Candle c;
      c.open_time = testing::kOpsT0 + i * kMicrosPerMinute;
      c.open = c.high = c.low = c.close = 100 + i % 7;
      c.volume = 1;
      candles.push_back(c);
    }
    const Instrument in = *s.instruments().Find("kraken", "BTCUSDC");
    s.candles().Upsert(in.id, Timeframe::k1m, candles);
    detail::ImplOf(s)
        .connection(detail::Database::kMarket)
        .ExecuteScript("DELETE FROM market.candles WHERE timeframe = '1m'");
  }
  const StoreStats before = GetStats(url);
  std::int64_t free_pages = 0;
  for (const DatabaseStatus& d : before.databases) free_pages += d.free_pages.value_or(0);
  EXPECT_GT(free_pages, 10);
  const OptimizeResult o = Optimize(url, true);
  EXPECT_GT(o.reclaimed(), 10 * 4096) << OptimizeToJson(o);
  for (const DatabaseStatus& d : GetStats(url).databases) EXPECT_EQ(d.free_pages, 0) << d.name;
}

TEST(AmcheckPostgres, ChecksEveryBtreeIndexWhenTheExtensionIsInstalled) {
  const std::string url = testing::PgServer::Get().CreateDatabase();
  {
    Store s = Store::Open(url);
    SeedTrading(s);
  }
  CheckOptions only;
  only.only = {"amcheck"};
  const CheckReport without = CheckStore(url, only);
  ASSERT_EQ(without.checks.size(), 2u);
  EXPECT_NE(without.checks[1].note.find("not installed"), std::string::npos)
      << without.checks[1].note;
  {
    Store s = Store::Open(url);
    detail::ImplOf(s)
        .connection(detail::Database::kTrading)
        .ExecuteScript("CREATE EXTENSION amcheck");
  }
  const CheckReport with = CheckStore(url, only);
  EXPECT_TRUE(with.ok());
  EXPECT_EQ(with.checks[1].status, "passed");
  EXPECT_NE(with.checks[1].note.find("B-tree indexes checked"), std::string::npos)
      << with.checks[1].note;
}

}  // namespace
}  // namespace tradestore
