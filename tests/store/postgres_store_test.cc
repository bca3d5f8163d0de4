// What only the PostgreSQL backend has: one database with real schemas,
// migrations in public.schema_migrations, SQLSTATEs through the store.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "sql/migrations.h"
#include "sql/postgres/pg_connection.h"
#include "store/store_test_util.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using testing::PgServer;
using testing::Seeded;

struct MigrationRow {
  std::string database;
  std::int64_t version;
  std::string name;
  std::int64_t applied_at;
};

std::vector<MigrationRow> MigrationRows(const std::string& url) {
  auto c = sql::OpenPostgres(url);
  auto& st = c->Prepare(
      "SELECT database, version, name, applied_at FROM public.schema_migrations ORDER BY 1, 2");
  std::vector<MigrationRow> rows;
  while (st.Step()) rows.push_back({st.GetText(0), st.GetInt64(1), st.GetText(2), st.GetInt64(3)});
  return rows;
}

TEST(Postgres, MigratesOnceAndRecordsItInPublicSchemaMigrations) {
  const std::string url = PgServer::Get().CreateDatabase();
  { Seeded s(url); }
  const auto first = MigrationRows(url);
  const auto known = sql::MigrationsFor("postgres", "all");
  ASSERT_FALSE(known.empty());
  ASSERT_EQ(first.size(), known.size());
  EXPECT_EQ(first[0].database, "all");
  EXPECT_EQ(first[0].version, 1);
  EXPECT_EQ(first[0].name, "init");
  // Reopening neither re-runs a migration nor loses data.
  Store again = Store::Open(url);
  EXPECT_EQ(again.bots().List().size(), 1u);
  const auto second = MigrationRows(url);
  ASSERT_EQ(second.size(), first.size());
  EXPECT_EQ(second[0].applied_at, first[0].applied_at);
  auto c = sql::OpenPostgres(url);
  EXPECT_TRUE(sql::GetMigrationStatus(*c, "postgres", "all").pending.empty());
  EXPECT_TRUE(sql::Migrate(*c, "postgres", "all").empty());
  // Real schemas.
  auto& st = c->Prepare(
      "SELECT count(*) FROM pg_namespace WHERE nspname IN ('trading', "
      "'market', 'analytics', 'config', 'audit')");
  ASSERT_TRUE(st.Step());
  EXPECT_EQ(st.GetInt64(0), 5);
}

TEST(Postgres, ProcessesOpeningAtOnceMigrateOnce) {
  const std::string url = PgServer::Get().CreateDatabase();
  std::vector<std::thread> threads;
  std::vector<std::string> errors(4);
  for (std::size_t i = 0; i < errors.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        Store s = Store::Open(url);
        s.bots().List();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  EXPECT_EQ(MigrationRows(url).size(), sql::MigrationsFor("postgres", "all").size());
}

TEST(Postgres, UnreachableServerIsUnavailable) {
  try {
    Store::Open("postgresql:///x?host=/nonexistent-tradestore-dir&port=1");
    FAIL() << "opened a store on no server";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnavailable) << e.what();
    EXPECT_TRUE(e.retryable());
  }
  // Both URL schemes.
  const std::string url = PgServer::Get().CreateDatabase();
  ASSERT_TRUE(url.starts_with("postgresql://"));
  Store s = Store::Open("postgres://" + url.substr(std::string("postgresql://").size()));
  EXPECT_TRUE(s.bots().List().empty());
}

TEST(Postgres, RefusesADatabaseFromANewerVersion) {
  const std::string url = PgServer::Get().CreateDatabase();
  { Store s = Store::Open(url); }
  sql::OpenPostgres(url)->ExecuteScript(
      "INSERT INTO public.schema_migrations (database, version, name, applied_at) "
      "VALUES ('all', 999, 'future', 0)");
  try {
    Store::Open(url);
    FAIL() << "opened a database from the future";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("999"), std::string::npos) << e.what();
  }
}

TEST(Postgres, ConstraintViolationsAreTypedErrors) {
  const std::string url = PgServer::Get().CreateDatabase();
  Seeded s(url);
  auto c = sql::OpenPostgres(url);
  // A duplicate bot name that skips the repository's own check hits the
  // unique key: a conflict carrying the SQLSTATE.
  try {
    c->Prepare("INSERT INTO trading.bots (name, mode, created_at) VALUES (?, 'live', ?)")
        .Bind(1, s.bot.name)
        .Bind(2, Timestamp::Now())
        .Execute();
    FAIL() << "duplicate bot name accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict) << e.what();
    EXPECT_EQ(e.native_code(), "23505");
  }
  // A signal that names a bot that does not exist breaks the foreign key
  // (SignalRepository::Record itself refuses it earlier, with kNotFound).
  try {
    c->Prepare(
         "INSERT INTO trading.signals (bot_id, instrument_id, strategy, time, side, strength, "
         "mode) VALUES (?, ?, 'x', ?, 'buy', 0, 'live')")
        .Bind(1, s.bot.id + 1000)
        .Bind(2, s.instrument.id)
        .Bind(3, Timestamp::Now())
        .Execute();
    FAIL() << "signal of a missing bot accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict) << e.what();
    EXPECT_EQ(e.native_code(), "23503");
  }
  // A CHECK constraint: bad input.
  try {
    c->ExecuteScript("UPDATE market.instruments SET price_precision = 19");
    FAIL() << "precision 19 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    EXPECT_EQ(e.native_code(), "23514");
  }
  // The store is still usable after the errors.
  EXPECT_EQ(s.store.bots().List().size(), 1u);
}

TEST(Postgres, StoresExactDecimalsAndTimestamps) {
  const std::string url = PgServer::Get().CreateDatabase();
  Seeded s(url);
  auto c = sql::OpenPostgres(url);
  auto& st = c->Prepare(
      "SELECT data_type FROM information_schema.columns WHERE table_schema = ? AND "
      "table_name = ? AND column_name = ?");
  auto type = [&](const char* schema, const char* table, const char* column) {
    st.Bind(1, schema).Bind(2, table).Bind(3, column);
    std::string out = st.Step() ? st.GetText(0) : "missing";
    st.Reset();
    return out;
  };
  EXPECT_EQ(type("trading", "ledger_entries", "amount"), "numeric");
  EXPECT_EQ(type("trading", "orders", "created_at"), "timestamp with time zone");
  EXPECT_EQ(type("market", "candles", "close"), "double precision");
  EXPECT_EQ(type("trading", "bots", "is_test"), "integer");
  EXPECT_EQ(type("trading", "orders", "id"), "bigint");
  EXPECT_EQ(type("public", "schema_migrations", "applied_at"), "bigint");
}

}  // namespace
}  // namespace tradestore
