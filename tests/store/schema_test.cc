// The schema description (src/store/schema.h) against what the migrations
// build: fresh SQLite stores (a directory of three files and a single file)
// and a fresh PostgreSQL store must match it exactly, in both directions,
// with no tolerance for empty tables. Also checks the description's own
// consistency and that the comparison notices drift.
#include "store/schema.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/candle_chunk.h"
#include "sql/migrations.h"
#include "sql/postgres/pg_connection.h"
#include "sql/sqlite/sqlite_connection.h"
#include "store/schema_check.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "store/store_test_util.h"
#include "store/table_io.h"
#include "tradestore/candle_repository.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using testing::PgServer;
using testing::TempDir;

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += "\n  " + l;
  return out;
}

void ExpectMatches(Store& store) {
  const std::vector<std::string> d = detail::SchemaDifferences(detail::ImplOf(store));
  EXPECT_TRUE(d.empty()) << store.url() << " differs from src/store/schema.h:" << Joined(d);
}

TEST(Schema, FreshSqliteDirectoryStoreMatchesTheDescription) {
  TempDir dir;
  Store store = Store::Open("sqlite:" + dir.Sub("store"));
  ExpectMatches(store);
}

TEST(Schema, FreshSqliteFileStoreMatchesTheDescription) {
  TempDir dir;
  Store store = Store::Open("sqlite:" + dir.Sub("store.db"));
  ExpectMatches(store);
}

TEST(Schema, FreshPostgresStoreMatchesTheDescription) {
  Store store = Store::Open(PgServer::Get().CreateDatabase());
  ExpectMatches(store);
}

// Every described id column of a PostgreSQL store takes its ids from a
// sequence it owns, and none is an identity column (Citus refuses those):
// migration 0009 and schema::Table::identity agree.
std::vector<std::string> IdColumnProblems(sql::Connection& c) {
  std::vector<std::string> problems;
  for (const detail::schema::Table& t : detail::schema::kTables) {
    const std::string table = std::string(t.schema) + "." + std::string(t.name);
    sql::Statement& st = c.Prepare(
        "SELECT a.attname, a.attidentity, pg_get_serial_sequence(?, a.attname) IS NOT NULL "
        "FROM pg_attribute a WHERE a.attrelid = ?::regclass AND a.attnum > 0 "
        "AND NOT a.attisdropped ORDER BY a.attnum");
    st.Bind(1, table).Bind(2, table);
    while (st.Step()) {
      const std::string column = st.GetText(0);
      if (!st.GetText(1).empty()) problems.push_back(table + "." + column + " is an identity");
      const bool owned_sequence = st.GetInt64(2) != 0;
      // The change log's trigger-written ids come from a sequence shared
      // by both of its tables; transient tables name no id column.
      const bool transient = t.role == detail::schema::Role::kTransient;
      if (owned_sequence != (column == t.identity) && !(transient && owned_sequence)) {
        problems.push_back(table + "." + column +
                           (owned_sequence ? " has a sequence but schema.h names no id column"
                                           : " has no sequence of its own"));
      }
    }
    st.Reset();
  }
  return problems;
}

TEST(Schema, PostgresIdsComeFromOwnedSequencesNotIdentities) {
  Store store = Store::Open(PgServer::Get().CreateDatabase());
  sql::Connection& c = detail::ImplOf(store).connection(detail::Database::kTrading);
  const std::vector<std::string> problems = IdColumnProblems(c);
  EXPECT_TRUE(problems.empty()) << Joined(problems);
}

// A store written before migration 0009 (identity columns) is converted in
// place: its rows stay, and new ids continue after the largest in use.
TEST(Schema, Migration9ConvertsAnExistingPostgresStoreInPlace) {
  const std::string url = PgServer::Get().CreateDatabase();
  {
    auto c = sql::OpenPostgres(url);
    for (const sql::EmbeddedMigration& m : sql::MigrationsFor("postgres", "all")) {
      if (m.version >= 9) break;
      c->ExecuteScript(m.sql);
    }
    c->ExecuteScript(
        "CREATE TABLE public.schema_migrations (database TEXT NOT NULL, version INTEGER NOT "
        "NULL, name TEXT NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (database, version));"
        "INSERT INTO public.schema_migrations SELECT 'all', v, 'v' || v, 0 "
        "FROM generate_series(1, 8) v;"
        "INSERT INTO trading.bots (name, mode, created_at) VALUES ('old-1', 'paper', now()), "
        "('old-2', 'paper', now());"
        "INSERT INTO trading.bots (id, name, mode, created_at) VALUES (40, 'old-40', 'paper', "
        "now());");
  }
  Store store = Store::Open(url);
  sql::Connection& c = detail::ImplOf(store).connection(detail::Database::kTrading);
  EXPECT_TRUE(IdColumnProblems(c).empty()) << Joined(IdColumnProblems(c));
  ExpectMatches(store);
  ASSERT_TRUE(store.bots().FindByName("old-2").has_value());
  EXPECT_EQ(store.bots().FindByName("old-2")->id, 2);
  Bot b;
  b.name = "new";
  b.mode = RunMode::kPaper;
  EXPECT_EQ(store.bots().Create(b).id, 41);
}

// A directory store of today whose `database` file is then made again with
// only its migrations before `version`; returns a connection to that file
// for the caller to add the rows an older build would have written.
std::unique_ptr<sql::Connection> StoreWithFileAtVersion(const std::string& path,
                                                        const std::string& database, int version) {
  { Store fresh = Store::Open("sqlite:" + path); }
  const std::string file = path + "/" + database + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file + suffix);
  auto c = sql::OpenSqlite(file, sql::SqliteOptions{});
  c->ExecuteScript(
      "CREATE TABLE schema_migrations (database TEXT NOT NULL, version INTEGER NOT NULL, "
      "name TEXT NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (database, version))");
  for (const sql::EmbeddedMigration& m : sql::MigrationsFor("sqlite", database)) {
    if (m.version >= version) break;
    c->ExecuteScript(m.sql);
    c->ExecuteScript("INSERT INTO schema_migrations VALUES ('" + database + "', " +
                     std::to_string(m.version) + ", 'v', 0)");
  }
  return c;
}

// SQLite trading migration 0006 makes the change log's bot_id NOT NULL by
// building the table again: the rows stay (those without a bot go), and so
// does the AUTOINCREMENT counter, so no id is handed out twice.
TEST(Schema, SqliteTradingMigration6KeepsTheChangeLogsRowsAndCounter) {
  TempDir dir;
  const std::string path = dir.Sub("store");
  {
    // trading.db at version 5.
    auto c = StoreWithFileAtVersion(path, "trading", 6);
    c->ExecuteScript(
        "INSERT INTO change_log (kind, bot_id, entity, row_id, time) VALUES "
        "('fill', NULL, 'fills', 1, 1000), ('fill', 7, 'fills', 2, 2000), "
        "('order', 7, 'orders', 3, 3000), ('fill', 7, 'fills', 4, 4000);"
        "DELETE FROM change_log WHERE id = 4");  // the counter stays at 4
  }
  Store store = Store::Open("sqlite:" + path);
  ExpectMatches(store);
  sql::Connection& c = detail::ImplOf(store).connection(detail::Database::kTrading);
  auto ids = [&] {
    std::vector<std::int64_t> out;
    sql::Statement& st = c.Prepare("SELECT id FROM audit.change_log ORDER BY id");
    while (st.Step()) out.push_back(st.GetInt64(0));
    st.Reset();
    return out;
  };
  EXPECT_EQ(ids(), (std::vector<std::int64_t>{2, 3}));
  c.ExecuteScript(
      "INSERT INTO audit.change_log (kind, bot_id, entity, row_id, time) "
      "VALUES ('fill', 7, 'fills', 5, 5000)");
  EXPECT_EQ(ids(), (std::vector<std::int64_t>{2, 3, 5}));
  EXPECT_THROW(c.ExecuteScript("INSERT INTO audit.change_log (kind, bot_id, entity, row_id, "
                               "time) VALUES ('fill', NULL, 'fills', 6, 6000)"),
               Error);
}

// SQLite market migration 0007 builds candle_chunks again as a rowid table
// (0005 made it WITHOUT ROWID, whose rows overflow a quarter-page): the
// chunks stay byte for byte, and so does the primary key.
TEST(Schema, SqliteMarketMigration7KeepsTheChunksAndTheirKey) {
  TempDir dir;
  const std::string path = dir.Sub("store");
  std::vector<Candle> candles;
  for (int i = 0; i < 3000; ++i) {
    const double close = 100 + (i % 17) * 0.25;
    candles.push_back(Candle{Timestamp(1'700'000'040'000'000 + i * 60'000'000LL), close - 0.5,
                             close + 1, close - 1, close, i * 0.001, i});
  }
  const std::string first = internal::candle_chunk::Encode(std::span(candles).first(2048));
  const std::string second = internal::candle_chunk::Encode(std::span(candles).subspan(2048));
  {
    // market.db at version 6.
    auto c = StoreWithFileAtVersion(path, "market", 7);
    c->ExecuteScript(
        "INSERT INTO instruments (id, venue, symbol, price_precision, size_precision, "
        "created_at) VALUES (1, 'kraken', 'XBTUSDC', 2, 8, 0)");
    for (const std::string* bytes : {&first, &second}) {
      const auto h = internal::candle_chunk::ReadHeader(*bytes);
      c->Prepare(
           "INSERT INTO candle_chunks (instrument_id, timeframe, first_open_time, "
           "last_open_time, count, checksum, data) VALUES (1, '1m', ?, ?, ?, ?, ?)")
          .Bind(1, h.first.micros())
          .Bind(2, h.last.micros())
          .Bind(3, h.count)
          .Bind(4, static_cast<std::int64_t>(h.checksum))
          .BindBlob(5, *bytes)
          .Execute();
    }
  }
  Store store = Store::Open("sqlite:" + path);
  ExpectMatches(store);
  const std::vector<Candle> got = store.candles().Range(1, Timeframe::k1m);
  ASSERT_EQ(got.size(), candles.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].open_time, candles[i].open_time) << i;
    ASSERT_EQ(got[i].close, candles[i].close) << i;
    ASSERT_EQ(got[i].trades, candles[i].trades) << i;
  }
  sql::Connection& c = detail::ImplOf(store).connection(detail::Database::kMarket);
  sql::Statement& ddl = c.Prepare(
      "SELECT sql FROM market.sqlite_schema WHERE type = 'table' AND name = 'candle_chunks'");
  ASSERT_TRUE(ddl.Step());
  EXPECT_EQ(ddl.GetText(0).find("WITHOUT ROWID"), std::string::npos) << ddl.GetText(0);
  ddl.Reset();
  sql::Statement& bytes =
      c.Prepare("SELECT data FROM market.candle_chunks ORDER BY first_open_time");
  ASSERT_TRUE(bytes.Step());
  EXPECT_EQ(bytes.GetBlob(0), first);
  ASSERT_TRUE(bytes.Step());
  EXPECT_EQ(bytes.GetBlob(0), second);
  bytes.Reset();
  // The key still refuses a second chunk at the same start.
  EXPECT_THROW(c.ExecuteScript("INSERT INTO market.candle_chunks SELECT * FROM "
                               "market.candle_chunks LIMIT 1"),
               Error);
}

TEST(Schema, DescriptionIsConsistent) {
  std::set<std::string> tables;
  for (const detail::schema::Table& t : detail::schema::kTables) {
    const std::string name = std::string(t.schema) + "." + std::string(t.name);
    EXPECT_TRUE(tables.insert(name).second) << name << " is described twice";
    EXPECT_FALSE(t.primary_key.empty()) << name << " has no primary key";
    std::set<std::string_view> columns;
    for (const detail::schema::Column& c : t.columns) {
      EXPECT_TRUE(columns.insert(c.name).second) << name << "." << c.name << " is described twice";
    }
    for (std::string_view k : t.primary_key) {
      EXPECT_GE(t.IndexOf(k), 0) << name << ": key column " << k << " is not a column";
    }
    if (!t.postgres_key_prefix.empty()) {
      EXPECT_GE(t.IndexOf(t.postgres_key_prefix), 0)
          << name << " is keyed by " << t.postgres_key_prefix << " but has none";
    }
    if (!t.identity.empty()) {
      EXPECT_GE(t.IndexOf(t.identity), 0) << name;
    }
    // The bound writers and readers (schema_row.h) keep a 64-bit mask.
    EXPECT_LE(t.columns.size(), 64u) << name;
  }
}

TEST(Schema, CatalogIsTheDescriptionsCopiedTables) {
  std::vector<std::string> described;
  for (const detail::schema::Table& t : detail::schema::kTables) {
    if (t.role == detail::schema::Role::kCopied) {
      described.push_back(std::string(t.schema) + "." + std::string(t.name));
    }
  }
  std::vector<std::string> catalog;
  for (const detail::TableInfo& t : detail::StoreTables()) catalog.push_back(t.QualifiedName());
  EXPECT_EQ(catalog, described);
}

// Drift in either direction is reported, on both backends, and an extra
// table is reported even when it is empty.
TEST(Schema, DriftIsReported) {
  TempDir dir;
  Store sqlite = Store::Open("sqlite:" + dir.Sub("store"));
  Store pg = Store::Open(PgServer::Get().CreateDatabase());
  for (Store* s : {&sqlite, &pg}) {
    detail::StoreImpl& impl = detail::ImplOf(*s);
    sql::Connection& trading = impl.connection(detail::Database::kTrading);
    sql::Connection& analytics = impl.connection(detail::Database::kAnalytics);
    const bool pg_store = impl.dialect() == sql::Dialect::kPostgres;
    trading.ExecuteScript(pg_store ? "ALTER TABLE trading.trades ADD COLUMN extra text"
                                   : "ALTER TABLE trades ADD COLUMN extra TEXT");
    trading.ExecuteScript(pg_store ? "ALTER TABLE trading.trades DROP COLUMN notes"
                                   : "ALTER TABLE trades DROP COLUMN notes");
    analytics.ExecuteScript(pg_store ? "CREATE TABLE analytics.stray (id bigint PRIMARY KEY)"
                                     : "CREATE TABLE stray (id INTEGER PRIMARY KEY)");
    const std::vector<std::string> d = detail::SchemaDifferences(impl);
    const std::vector<std::string> expected = {
        "column trading.trades.extra (" + std::string(pg_store ? "text" : "TEXT") +
            ") is in the database but not in src/store/schema.h",
        "column trading.trades.notes is in src/store/schema.h but not in the database",
        "table analytics.stray is in the database but not in src/store/schema.h"};
    for (const std::string& e : expected) {
      EXPECT_NE(std::find(d.begin(), d.end(), e), d.end())
          << s->url() << ": missing \"" << e << "\" in:" << Joined(d);
    }
    EXPECT_EQ(d.size(), expected.size()) << s->url() << ":" << Joined(d);
  }
}

namespace schema = detail::schema;
using schema::tables::kFills;

TEST(SchemaRow, StatementTextComesFromTheDescription) {
  constexpr auto insert = schema::Columns<kFills>::Insertable({"liquidity"});
  EXPECT_EQ(insert.size(), 14);
  EXPECT_EQ(insert.InsertSql(" RETURNING id"),
            "INSERT INTO trading.fills (bot_id, order_id, account_id, instrument_id, venue, "
            "venue_fill_id, side, quantity, price, fee, fee_currency, time, mode, is_test) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  constexpr auto key = schema::Columns<kFills>::Only({"venue_fill_id", "bot_id"});
  EXPECT_EQ(key.List("f."), "f.bot_id, f.venue_fill_id");  // the table's order
  EXPECT_EQ(key.SelectSql(" WHERE id = ?"),
            "SELECT bot_id, venue_fill_id FROM trading.fills WHERE id = ?");
  EXPECT_EQ(key.ExcludedAssignments(schema::Columns<kFills>::Only({"bot_id"})),
            "venue_fill_id = excluded.venue_fill_id");
  // Positions: the parameter of a column is its place among the statement's.
  EXPECT_EQ(insert.Position(schema::Col<kFills>("bot_id").index), 0);
  EXPECT_EQ(insert.Position(schema::Col<kFills>("time").index), 11);
}

// Runs `f`, which must throw Error(kInternal) whose message names `part`.
template <class F>
void ExpectInternal(F&& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one naming " << part;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInternal) << e.what();
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(SchemaRow, MisuseIsAnInternalErrorNamingTableAndColumn) {
  Store store = Store::Open("sqlite::memory:");
  sql::Connection& c = detail::ImplOf(store).connection(detail::Database::kTrading);
  constexpr auto insert = schema::Columns<kFills>::Insertable({"liquidity"});
  const std::string sql = insert.InsertSql();
  ExpectInternal(
      [&] {
        schema::RowWriter<kFills> row(c.Prepare(sql), insert);
        row.Set("price", 1.5);  // a decimal column bound as a double
      },
      "trading.fills column 'price'");
  ExpectInternal(
      [&] {
        schema::RowWriter<kFills> row(c.Prepare(sql), insert);
        row.Set("liquidity", "taker");  // not among the statement's columns
      },
      "trading.fills column 'liquidity'");
  ExpectInternal(
      [&] {
        schema::RowWriter<kFills> row(c.Prepare(sql), insert);
        row.Set("bot_id", std::int64_t{1});
        row.Done();  // order_id and the rest were never set
      },
      "trading.fills column 'order_id'");
  ExpectInternal(
      [&] {
        (void)insert.InsertSql("", {{"bot_id", "coalesce(?, ?)"}});
      },
      "trading.fills column 'bot_id'");
  c.Prepare(sql).Reset();
}

using schema::tables::kBalances;
using schema::tables::kCandles;

TEST(SchemaRow, UpdatesUpsertsAndInsertSelectsComeFromTheDescription) {
  constexpr auto update = schema::Columns<kFills>::Only({"price", "fee"});
  EXPECT_EQ(update.UpdateSql(" WHERE id = ?"),
            "UPDATE trading.fills SET price = ?, fee = ? WHERE id = ?");
  constexpr auto balance = schema::Columns<kBalances>::All();
  EXPECT_EQ(
      balance.UpsertSql(schema::Columns<kBalances>::Only({"bot_id", "account_id", "currency"}),
                        schema::Columns<kBalances>::Only({"mode", "is_test"}), " RETURNING 1"),
      "INSERT INTO trading.balances (bot_id, account_id, currency, amount, updated_at, locked, "
      "mode, is_test) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (bot_id, account_id, "
      "currency) DO UPDATE SET amount = excluded.amount, updated_at = excluded.updated_at, "
      "locked = excluded.locked RETURNING 1");
  // Computed columns join the statement's in the table's order; the
  // statement's columns keep one parameter each.
  constexpr auto bound = schema::Columns<kBalances>::Only({"currency", "account_id"});
  EXPECT_EQ(bound.InsertSelectSql({{"is_test", "b.is_test"}, {"bot_id", "b.id"}},
                                  " FROM trading.bots b WHERE b.id = ?"),
            "INSERT INTO trading.balances (bot_id, account_id, currency, is_test) SELECT b.id, ?, "
            "?, b.is_test FROM trading.bots b WHERE b.id = ?");
  const sql::BulkUpsertSpec spec = schema::Columns<kCandles>::All().BulkUpsert(
      schema::Columns<kCandles>::Only({"instrument_id", "timeframe", "open_time"}));
  EXPECT_EQ(spec.table, "market.candles");
  EXPECT_EQ(spec.columns.size(), 9u);
  EXPECT_EQ(spec.conflict_columns,
            (std::vector<std::string>{"instrument_id", "timeframe", "open_time"}));
  EXPECT_EQ(spec.update_columns.front(), "open");
  EXPECT_EQ(spec.update_columns.back(), "trades");
}

TEST(SchemaRow, BadComputedColumnsAndBulkRowsOutOfOrderAreInternalErrors) {
  constexpr auto bound = schema::Columns<kBalances>::Only({"currency", "account_id"});
  // A computed value with a parameter, one for a statement column, and an
  // unknown name.
  ExpectInternal(
      [&] {
        (void)bound.InsertSelectSql({{"bot_id", "?"}}, "");
      },
      "trading.balances column 'bot_id'");
  ExpectInternal(
      [&] {
        (void)bound.InsertSelectSql({{"currency", "'USD'"}}, "");
      },
      "trading.balances column 'currency'");
  ExpectInternal(
      [&] {
        (void)bound.InsertSelectSql({{"colour", "1"}}, "");
      },
      "trading.balances has no column 'colour'");
  // A bulk row's values come in the table's order; nothing is written.
  Store store = Store::Open("sqlite::memory:");
  Instrument in;
  in.venue = "v";
  in.symbol = "S";
  const InstrumentId id = store.instruments().Upsert(in).id;
  sql::Connection& c = detail::ImplOf(store).connection(detail::Database::kMarket);
  constexpr auto row = schema::Columns<kCandles>::All();
  c.Begin();
  auto bulk = c.BeginBulkUpsert(
      row.BulkUpsert(schema::Columns<kCandles>::Only({"instrument_id", "timeframe", "open_time"})));
  ExpectInternal(
      [&] {
        schema::BulkRow<kCandles>(*bulk, row)
            .Add("instrument_id", id)
            .Add("open_time", Timestamp(0));
      },
      "market.candles column 'open_time'");
  ExpectInternal([&] { schema::BulkRow<kCandles>(*bulk, row).Add("volume", 1); },
                 "market.candles column 'volume'");  // an integer for a real column
  bulk.reset();
  c.Rollback();
  EXPECT_TRUE(store.candles().Range(id, Timeframe::k1m, {}).empty());
}

}  // namespace
}  // namespace tradestore
