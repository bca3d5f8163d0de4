// Compacted candles read as rows by plain SQL clients (docs/storage.md, "Reading compacted
// candles with SQL"): the SQLite extension libtradestore_sqlite, loaded through the SQLite API
// and by the sqlite3 shell, and the PostgreSQL function and view that `candles sql-functions`
// creates from libtradestore_pg, read through libpq and by psql. Every candle a client reads
// equals, bit for bit, what the store's own reader gives; corrupt chunks are errors.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ops/ops_test_util.h"
#include "store/candle_series.h"
#include "store/store_impl.h"
#include "support/citus_store.h"
#include "support/pg_harness.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using testing::At;
using testing::ExpectSame;
using testing::OpsTempDir;
using testing::PgServer;
using testing::Series;
using testing::Slice;
using testing::Spaced;

// Output and exit status of a shell command.
std::pair<std::string, int> Shell(const std::string& command) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return {"popen failed", -1};
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = pclose(p);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

// 5,000 1m candles with holes, compacted below minute 4,500 (three chunks: 2,048 + 2,048 +
// the rest), the rest rows; and a 5m series of rows only.
struct Stored {
  InstrumentId id = 0;
  std::vector<Candle> minute;  // as the store reads them back
};
Stored Fill(const std::string& url) {
  Store s = Store::Open(url);
  Stored out;
  out.id = testing::AddSeriesInstrument(s).id;
  s.candles().Upsert(out.id, Timeframe::k1m, Series(0, 5000, {10, 2047, 2048, 4499}));
  s.candles().Upsert(out.id, Timeframe::k5m, Spaced(300, 5));
  EXPECT_EQ(s.candles().Compact(out.id, Timeframe::k1m, At(4500)).chunks, 3);
  out.minute = s.candles().Range(out.id, Timeframe::k1m);
  EXPECT_EQ(out.minute.size(), 4996u);
  return out;
}

// ---- SQLite -------------------------------------------------------------------------------

class SqliteDb {
 public:
  explicit SqliteDb(const std::string& path, bool load = true) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    if (!load) return;
    sqlite3_enable_load_extension(db_, 1);
    char* error = nullptr;
    const int rc = sqlite3_load_extension(db_, TRADESTORE_SQLITE_EXTENSION, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "");
    sqlite3_free(error);
  }
  ~SqliteDb() { sqlite3_close_v2(db_); }
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Candles of `sql` (columns open_time, open, high, low, close, volume, trades); an error
  // is returned in `error`.
  std::vector<Candle> Candles(const std::string& sql, std::string* error = nullptr) {
    std::vector<Candle> out;
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr);
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
      Candle c;
      c.open_time = Timestamp(sqlite3_column_int64(st, 0));
      c.open = sqlite3_column_double(st, 1);
      c.high = sqlite3_column_double(st, 2);
      c.low = sqlite3_column_double(st, 3);
      c.close = sqlite3_column_double(st, 4);
      c.volume = sqlite3_column_double(st, 5);
      c.trades = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 6);
      out.push_back(c);
      rc = SQLITE_OK;
    }
    if (rc != SQLITE_DONE) {
      if (error != nullptr) {
        *error = sqlite3_errmsg(db_);
      } else {
        ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      }
    }
    sqlite3_finalize(st);
    return out;
  }
  std::string Text(const std::string& sql) {
    std::string out;
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr), SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db_);
    while (sqlite3_step(st) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const unsigned char* t = sqlite3_column_text(st, i);
        out += t == nullptr ? "NULL" : reinterpret_cast<const char*>(t);
        out += i + 1 < sqlite3_column_count(st) ? "|" : "\n";
      }
    }
    sqlite3_finalize(st);
    return out;
  }
  void Exec(const std::string& sql) {
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << sql << ": " << (error != nullptr ? error : "");
    sqlite3_free(error);
  }

 private:
  sqlite3* db_ = nullptr;
};

constexpr const char* kColumns = "open_time, open, high, low, close, volume, trades";

std::string Where(InstrumentId id, const char* tf, const std::string& extra = "") {
  return std::string(" WHERE instrument_id = ") + std::to_string(id) + " AND timeframe = '" + tf +
         "'" + extra + " ORDER BY open_time";
}

TEST(CandleSqlAccess, SqliteExtensionReadsEveryCandleAsTheStoreDoes) {
  OpsTempDir dir;
  const Stored stored = Fill("sqlite:" + dir.Sub("store"));
  SqliteDb db(dir.Sub("store") + "/market.db");
  // Plain SQL on the table sees only the rows; the view sees every candle.
  EXPECT_EQ(db.Text("SELECT count(*) FROM candles WHERE timeframe = '1m'"), "500\n");
  ExpectSame(stored.minute, db.Candles(std::string("SELECT ") + kColumns + " FROM all_candles" +
                                       Where(stored.id, "1m")));
  EXPECT_EQ(db.Text("SELECT count(*) FROM all_candles WHERE timeframe = '5m'"), "300\n");
  EXPECT_EQ(db.Text("SELECT count(*) FROM all_candles"), "5296\n");

  // Bounds on open_time, inside chunks and across chunks and rows, each operator.
  const std::string from = std::to_string(At(2000).micros());
  const std::string to = std::to_string(At(4600).micros());
  ExpectSame(
      Slice(stored.minute, At(2000), At(4600)),
      db.Candles(std::string("SELECT ") + kColumns + " FROM all_candles" +
                 Where(stored.id, "1m", " AND open_time >= " + from + " AND open_time < " + to)));
  ExpectSame(
      Slice(stored.minute, At(2001), At(4601)),
      db.Candles(std::string("SELECT ") + kColumns + " FROM all_candles" +
                 Where(stored.id, "1m", " AND open_time > " + from + " AND open_time <= " + to)));
  ExpectSame(
      Slice(stored.minute, At(3000), At(3001)),
      db.Candles(std::string("SELECT ") + kColumns + " FROM all_candles" +
                 Where(stored.id, "1m", " AND open_time = " + std::to_string(At(3000).micros()))));
  // A real bound (rounded outwards by the extension, checked exactly by SQLite).
  ExpectSame(
      Slice(stored.minute, At(2001), At(4600)),
      db.Candles(std::string("SELECT ") + kColumns + " FROM all_candles" +
                 Where(stored.id, "1m", " AND open_time >= " + from + ".5 AND open_time < " + to)));
  EXPECT_TRUE(db.Candles(std::string("SELECT ") + kColumns + " FROM all_candles" +
                         Where(stored.id, "1m", " AND open_time < 0"))
                  .empty());

  // The series' chunks are found by the primary key (on a rowid table, its
  // unique index), not by scanning every chunk.
  const std::string plan = db.Text("EXPLAIN QUERY PLAN SELECT * FROM all_candles" +
                                   Where(stored.id, "1m", " AND open_time >= " + from));
  EXPECT_NE(plan.find("SEARCH c USING INDEX sqlite_autoindex_candle_chunks_1 (instrument_id=? AND "
                      "timeframe=?)"),
            std::string::npos)
      << plan;

  // The function alone, on one chunk; NULL gives nothing; text is refused by name.
  EXPECT_EQ(db.Text("SELECT count(*), min(r.open_time) = c.first_open_time, max(r.open_time) = "
                    "c.last_open_time FROM candle_chunks c, candle_chunk_rows(c.data) r "
                    "GROUP BY c.first_open_time ORDER BY c.first_open_time"),
            "2048|1|1\n2048|1|1\n400|1|1\n");
  EXPECT_EQ(db.Text("SELECT count(*) FROM candle_chunk_rows(NULL)"), "0\n");
  std::string error;
  db.Candles("SELECT * FROM candle_chunk_rows('not a chunk')", &error);
  EXPECT_NE(error.find("candle_chunk_rows: the argument must be a chunk's data"), std::string::npos)
      << error;
}

TEST(CandleSqlAccess, SqliteCorruptChunkIsAnErrorNotWrongRows) {
  OpsTempDir dir;
  const Stored stored = Fill("sqlite:" + dir.Sub("store"));
  SqliteDb db(dir.Sub("store") + "/market.db");
  // One flipped byte in the middle of the second chunk: its checksum fails.
  db.Exec(
      "UPDATE candle_chunks SET data = CAST(substr(data, 1, 40) || "
      "CASE WHEN substr(data, 41, 1) = X'00' THEN X'01' ELSE X'00' END || substr(data, 42) "
      "AS BLOB) "
      "WHERE first_open_time = (SELECT first_open_time FROM candle_chunks ORDER BY "
      "first_open_time LIMIT 1 OFFSET 1)");
  std::string error;
  db.Candles(std::string("SELECT ") + kColumns + " FROM all_candles" + Where(stored.id, "1m"),
             &error);
  EXPECT_NE(error.find("candle_chunk_rows: candle chunk"), std::string::npos) << error;
  // A range that lies wholly in the first chunk never decodes the corrupt one.
  ExpectSame(
      Slice(stored.minute, At(0), At(100)),
      db.Candles(std::string("SELECT ") + kColumns + " FROM all_candles" +
                 Where(stored.id, "1m", " AND open_time < " + std::to_string(At(100).micros()))));
}

TEST(CandleSqlAccess, SqliteSingleFileStoreAndDatabasesWithoutCandles) {
  OpsTempDir dir;
  const std::string file = dir.Sub("one.db");
  const Stored stored = Fill("sqlite:" + file);
  {
    SqliteDb db(file);
    ExpectSame(stored.minute, db.Candles(std::string("SELECT ") + kColumns + " FROM all_candles" +
                                         Where(stored.id, "1m")));
  }
  // trading.db has no candles: the function loads, no view is made.
  Fill("sqlite:" + dir.Sub("dir"));
  SqliteDb trading(dir.Sub("dir") + "/trading.db");
  EXPECT_EQ(trading.Text("SELECT count(*) FROM temp.sqlite_schema WHERE name = 'all_candles'"),
            "0\n");
  EXPECT_EQ(trading.Text("SELECT count(*) FROM candle_chunk_rows(NULL)"), "0\n");
}

TEST(CandleSqlAccess, SqliteShellLoadsTheExtension) {
  OpsTempDir dir;
  const Stored stored = Fill("sqlite:" + dir.Sub("store"));
  std::string stem = TRADESTORE_SQLITE_EXTENSION;
  stem = stem.substr(0, stem.size() - 3);  // the shell adds ".so", as a user types it
  // What `candles sql-functions` tells a SQLite user to type.
  const auto [told, told_rc] =
      Shell(std::string(TRADESTORE_CLI) +
            " candles sql-functions --store sqlite:" + dir.Sub("store") + " --json");
  ASSERT_EQ(told_rc, 0) << told;
  const auto j = nlohmann::json::parse(told);
  EXPECT_EQ(j["load"], ".load " + stem) << told;
  const auto [out, rc] = Shell(
      "sqlite3 -readonly " + dir.Sub("store") + "/market.db '" + j["load"].get<std::string>() +
      "' \"SELECT count(*), sum(trades IS NULL) FROM all_candles WHERE timeframe = '1m'\"");
  ASSERT_EQ(rc, 0) << out;
  std::int64_t unknown = 0;
  for (const Candle& c : stored.minute) unknown += c.trades < 0;
  EXPECT_EQ(out, std::to_string(stored.minute.size()) + "|" + std::to_string(unknown) + "\n");
}

// ---- PostgreSQL ---------------------------------------------------------------------------

std::vector<Candle> PgCandles(Store& s, const std::string& sql) {
  std::vector<Candle> out;
  sql::Statement& st = detail::ImplOf(s).connection(detail::Database::kMarket).Prepare(sql);
  while (st.Step()) {
    Candle c;
    c.open_time = st.GetTimestamp(0);
    c.open = st.GetDouble(1);
    c.high = st.GetDouble(2);
    c.low = st.GetDouble(3);
    c.close = st.GetDouble(4);
    c.volume = st.GetDouble(5);
    c.trades = st.IsNull(6) ? -1 : st.GetInt64(6);
    out.push_back(c);
  }
  st.Reset();
  return out;
}

std::string Iso(Timestamp t) { return "'" + t.ToIso() + "'"; }

// On one PostgreSQL server and on a store distributed on the test Citus
// cluster (market.candle_chunks sharded by instrument: the function runs on
// the workers, where `candles sql-functions` has Citus create it too).
class CandleSqlFunctions : public ::testing::TestWithParam<std::string> {};

TEST_P(CandleSqlFunctions, FunctionAndViewReadEveryCandleAsTheStoreDoes) {
  const std::string url =
      GetParam() == "citus" ? testing::FreshCitusStoreUrl() : PgServer::Get().CreateDatabase();
  const Stored stored = Fill(url);
  // Created by the CLI (the module found beside it), then again: idempotent.
  for (int i = 0; i < 2; ++i) {
    const auto [out, rc] =
        Shell(std::string(TRADESTORE_CLI) + " candles sql-functions --store '" + url + "' --json");
    ASSERT_EQ(rc, 0) << out;
    EXPECT_EQ(nlohmann::json::parse(out)["view"], "market.all_candles") << out;
  }
  Store s = Store::Open(url);
  ExpectSame(stored.minute, PgCandles(s, std::string("SELECT ") + kColumns +
                                             " FROM market.all_candles" + Where(stored.id, "1m")));
  ExpectSame(Slice(stored.minute, At(2000), At(4600)),
             PgCandles(s, std::string("SELECT ") + kColumns + " FROM market.all_candles" +
                              Where(stored.id, "1m",
                                    " AND open_time >= " + Iso(At(2000)) + " AND open_time < " +
                                        Iso(At(4600)))));
  // The bounded form docs/storage.md gives for long series: chunks bounded by their index row.
  ExpectSame(Slice(stored.minute, At(2000), At(3000)),
             PgCandles(s,
                       "SELECT r.open_time, r.open, r.high, r.low, r.close, r.volume, r.trades "
                       "FROM market.candle_chunks c, market.candle_chunk_rows(c.data) r "
                       "WHERE c.instrument_id = " +
                           std::to_string(stored.id) +
                           " AND c.timeframe = '1m' AND "
                           "c.last_open_time >= " +
                           Iso(At(2000)) + " AND c.first_open_time < " + Iso(At(3000)) +
                           " AND r.open_time >= " + Iso(At(2000)) + " AND r.open_time < " +
                           Iso(At(3000)) + " ORDER BY r.open_time"));
  // psql, as a user or Grafana would query.
  const auto [out, rc] = Shell("psql -X -A -t -d '" + url +
                               "' -c \"SELECT count(*) FROM market.all_candles WHERE timeframe = "
                               "'1m'\" -c \"SELECT count(*) FROM market.all_candles\"");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "4996\n5296\n");
  if (GetParam() == "citus") {
    // The chunks are sharded, and every worker has the function that reads
    // its shards (Citus propagated the CREATE FUNCTION).
    const auto [dist, dist_rc] =
        Shell("psql -X -A -t -d '" + url +
              "' -c \"SELECT partmethod FROM pg_dist_partition WHERE logicalrelid = "
              "'market.candle_chunks'::regclass\"");
    EXPECT_EQ(dist, "h\n") << dist;
    auto& cluster = testing::CitusCluster::Get();
    for (int i = 0; i < testing::CitusCluster::kWorkers; ++i) {
      const auto [fn, fn_rc] = Shell(
          "psql -X -A -t -d '" + cluster.WorkerUrl(i, testing::CitusCluster::DatabaseOf(url)) +
          "' -c \"SELECT count(*) FROM pg_proc WHERE proname = 'candle_chunk_rows'\"");
      EXPECT_EQ(fn, "1\n") << "worker " << i << ": " << fn;
    }
  }

  // A corrupt chunk is an error naming the decoder's finding.
  detail::ImplOf(s)
      .connection(detail::Database::kMarket)
      .ExecuteScript(
          "UPDATE market.candle_chunks SET data = set_byte(data, 40, get_byte(data, 40) # 1) "
          "WHERE first_open_time = (SELECT min(first_open_time) FROM market.candle_chunks)");
  try {
    PgCandles(s, std::string("SELECT ") + kColumns + " FROM market.all_candles");
    ADD_FAILURE() << "a corrupt chunk was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("candle_chunk_rows: candle chunk"), std::string::npos)
        << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, CandleSqlFunctions, ::testing::Values("postgres", "citus"),
                         [](const auto& info) { return info.param; });

TEST(CandleSqlAccess, PostgresRefusesBadModulesAndSqlite) {
  OpsTempDir dir;
  {
    Store lite = Store::Open("sqlite:" + dir.Sub("lite"));
    EXPECT_THROW(lite.candles().CreateSqlRowAccess(TRADESTORE_PG_MODULE), Error);
  }
  Store s = Store::Open(PgServer::Get().CreateDatabase());
  for (const std::string& bad : {std::string("libtradestore_pg.so"), std::string("/tmp/x'y.so")}) {
    try {
      s.candles().CreateSqlRowAccess(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
  try {
    s.candles().CreateSqlRowAccess(dir.Sub("missing.so"));
    ADD_FAILURE() << "a missing module was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.so"), std::string::npos) << e.what();
  }
  // Nothing was created by the failures.
  const auto [out, rc] =
      Shell("psql -X -A -t -d '" + s.url() +
            "' -c \"SELECT count(*) FROM pg_proc WHERE proname = 'candle_chunk_rows'\"");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "0\n");
  s.candles().CreateSqlRowAccess(TRADESTORE_PG_MODULE);
  EXPECT_TRUE(PgCandles(s, std::string("SELECT ") + kColumns + " FROM market.all_candles").empty());
}

}  // namespace
}  // namespace tradestore
