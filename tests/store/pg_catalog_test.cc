// Reads PostgreSQL's catalog: every primary key and unique index of a
// per-bot table (a table of the trading or analytics schema with a bot_id
// column) must include bot_id, so that each table can be distributed by
// bot_id on Citus.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sql/connection.h"
#include "store/store_impl.h"
#include "support/pg_harness.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

// "schema.table: index" for each unique index (primary keys and unique
// constraints included) of a per-bot table that leaves bot_id out.
std::vector<std::string> KeysWithoutBotId(sql::Connection& c) {
  sql::Statement& st = c.Prepare(R"(
    SELECT n.nspname || '.' || t.relname || ': ' || ix.relname
    FROM pg_index i
    JOIN pg_class t ON t.oid = i.indrelid
    JOIN pg_class ix ON ix.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE i.indisunique
      AND t.relkind IN ('r', 'p', 'm')
      AND n.nspname IN ('trading', 'analytics')
      AND EXISTS (SELECT 1 FROM pg_attribute a
                  WHERE a.attrelid = t.oid AND a.attname = 'bot_id' AND NOT a.attisdropped)
      AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = t.oid AND a.attname = 'bot_id'
                        AND a.attnum = ANY (i.indkey::int2[]))
    ORDER BY 1)");
  std::vector<std::string> out;
  while (st.Step()) out.push_back(st.GetText(0));
  st.Reset();
  return out;
}

std::int64_t PerBotTables(sql::Connection& c) {
  sql::Statement& st = c.Prepare(
      "SELECT count(DISTINCT table_schema || '.' || table_name) FROM information_schema.columns "
      "WHERE table_schema IN ('trading', 'analytics') AND column_name = 'bot_id'");
  const std::int64_t n = st.Step() ? st.GetInt64(0) : 0;
  st.Reset();
  return n;
}

TEST(PgCatalog, EveryKeyOfAPerBotTableIncludesBotId) {
  Store store = Store::Open(testing::PgServer::Get().CreateDatabase());
  sql::Connection& c = detail::ImplOf(store).connection(detail::Database::kTrading);
  EXPECT_GE(PerBotTables(c), 10);  // the check really looks at the tables
  const std::vector<std::string> bad = KeysWithoutBotId(c);
  for (const std::string& b : bad) ADD_FAILURE() << "key without bot_id: " << b;
}

TEST(PgCatalog, TheCheckCatchesAKeyWithoutBotId) {
  Store store = Store::Open(testing::PgServer::Get().CreateDatabase());
  sql::Connection& c = detail::ImplOf(store).connection(detail::Database::kTrading);
  c.ExecuteScript(
      "CREATE TABLE trading.bad_example (id bigint PRIMARY KEY, bot_id bigint NOT NULL, "
      "code text NOT NULL); CREATE UNIQUE INDEX bad_example_code ON trading.bad_example (code);"
      "CREATE UNIQUE INDEX good_example ON trading.bad_example (bot_id, code);");
  EXPECT_EQ(KeysWithoutBotId(c),
            (std::vector<std::string>{"trading.bad_example: bad_example_code",
                                      "trading.bad_example: bad_example_pkey"}));
}

}  // namespace
}  // namespace tradestore
