// End-to-end CLI tests on PostgreSQL (a database of the test server per
// test): the same import, backtest and report give the same report as on
// SQLite, and `tradestore copy` moves the demo store SQLite -> PostgreSQL ->
// SQLite with identical checksums, resumes, and reports mismatches.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/citus_store.h"
#include "support/pg_harness.h"

namespace tradestore {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Result {
  int exit_code = -1;
  std::string out, err;
};

std::ostream& operator<<(std::ostream& os, const Result& r) {
  return os << "exit " << r.exit_code << "\n--- stdout ---\n"
            << r.out << "--- stderr ---\n"
            << r.err;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class PostgresCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() /
           ("tradestore-pgcli-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs the CLI with stdout and stderr redirected to files (never a
  // terminal), TRADESTORE_URL unset.
  Result Run(const std::vector<std::string>& args) {
    std::string cmd =
        "cd " + Quote(dir_.string()) + " && env -u TRADESTORE_URL " + Quote(TRADESTORE_CLI);
    for (const std::string& a : args) cmd += " " + Quote(a);
    const fs::path out = dir_ / "stdout", err = dir_ / "stderr";
    cmd += " >" + Quote(out.string()) + " 2>" + Quote(err.string()) + " </dev/null";
    const int status = std::system(cmd.c_str());
    Result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadAll(out);
    r.err = ReadAll(err);
    return r;
  }

  std::string SqliteUrl(const std::string& name) { return "sqlite:" + (dir_ / name).string(); }

  // The demo store: Kraken's hourly XBTUSDC candles and an sma-cross
  // backtest over them. Returns the backtest's JSON.
  json MakeDemo(const std::string& url) {
    const std::string csv =
        std::string(TRADESTORE_SOURCE_DIR) + "/examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_60.csv";
    Result r = Run({"import", "candles", csv, "--symbol", "BTCUSDC", "--venue", "kraken",
                    "--timeframe", "1h", "--store", url});
    EXPECT_EQ(r.exit_code, 0) << r;
    r = Run({"backtest", "--symbol", "BTCUSDC", "--venue", "kraken", "--timeframe", "1h",
             "--strategy", "sma-cross", "--fast", "10", "--slow", "30", "--cash", "10000", "--json",
             "--store", url});
    EXPECT_EQ(r.exit_code, 0) << r;
    return json::parse(r.out, nullptr, false);
  }

  json Copy(const std::vector<std::string>& args, int expected_exit = 0) {
    std::vector<std::string> all{"copy"};
    all.insert(all.end(), args.begin(), args.end());
    all.push_back("--json");
    const Result r = Run(all);
    EXPECT_EQ(r.exit_code, expected_exit) << r;
    return json::parse(r.out, nullptr, false);
  }

  fs::path dir_;
};

std::map<std::string, std::string> Checksums(const json& copy, const char* side) {
  std::map<std::string, std::string> out;
  for (const json& t : copy["tables"]) out[t["table"]] = t[side];
  return out;
}

TEST_F(PostgresCliTest, BacktestReportIsTheSameOnSqliteAndPostgres) {
  const std::string sqlite = SqliteUrl("store");
  const std::string pg = testing::PgServer::Get().CreateDatabase();
  const json bt_sqlite = MakeDemo(sqlite);
  const json bt_pg = MakeDemo(pg);
  ASSERT_FALSE(bt_sqlite.is_discarded());
  ASSERT_FALSE(bt_pg.is_discarded());
  EXPECT_EQ(bt_sqlite, bt_pg);
  const Result a = Run({"report", "--json", "--store", sqlite});
  const Result b = Run({"report", "--json", "--store", pg});
  ASSERT_EQ(a.exit_code, 0) << a;
  ASSERT_EQ(b.exit_code, 0) << b;
  json ja = json::parse(a.out), jb = json::parse(b.out);
  ja.erase("store");  // the URL, if a report ever prints it
  jb.erase("store");
  EXPECT_GT(ja["statistics"]["trades"]["trade_count"].get<int>(), 0);
  EXPECT_EQ(ja, jb);
  EXPECT_EQ(a.out, b.out);  // byte for byte, as the report prints no URL
}

// The same on a Citus cluster (docs/scale-out.md): the store distributed by
// bot before the import, then the same backtest and report, byte for byte.
TEST_F(PostgresCliTest, BacktestReportIsTheSameOnSqliteAndCitus) {
  const std::string sqlite = SqliteUrl("store");
  const std::string citus = testing::FreshCitusStoreUrl();
  const json bt_sqlite = MakeDemo(sqlite);
  const json bt_citus = MakeDemo(citus);
  ASSERT_FALSE(bt_citus.is_discarded());
  EXPECT_EQ(bt_sqlite, bt_citus);
  const Result a = Run({"report", "--json", "--store", sqlite});
  const Result b = Run({"report", "--json", "--store", citus});
  ASSERT_EQ(b.exit_code, 0) << b;
  EXPECT_EQ(a.out, b.out);
  const Result check = Run({"check", "--store", citus});
  EXPECT_EQ(check.exit_code, 0) << check;
}

// `tradestore distribute`: applies the layout to a store that already has
// rows, then finds nothing to do; refuses a store without Citus.
TEST_F(PostgresCliTest, DistributeIsIdempotentAndRefusedWithoutCitus) {
  const std::string citus = testing::CitusCluster::Get().CreateDatabase();
  const std::string sqlite = SqliteUrl("demo");
  const json bt = MakeDemo(citus);  // rows in plain tables of the coordinator
  ASSERT_FALSE(bt.is_discarded());
  const Result first = Run({"distribute", "--json", "--store", citus});
  ASSERT_EQ(first.exit_code, 0) << first;
  const json j1 = json::parse(first.out);
  EXPECT_TRUE(j1["changed"].get<bool>());
  EXPECT_EQ(j1["workers"], 2);
  const Result second = Run({"distribute", "--store", citus});
  ASSERT_EQ(second.exit_code, 0) << second;
  EXPECT_NE(second.out.find("already distributed, nothing to do"), std::string::npos) << second;
  // The rows moved into the shards: the same report as on SQLite.
  MakeDemo(sqlite);
  const Result a = Run({"report", "--json", "--store", sqlite});
  const Result b = Run({"report", "--json", "--store", citus});
  ASSERT_EQ(b.exit_code, 0) << b;
  EXPECT_EQ(a.out, b.out);
  const Result check = Run({"check", "--store", citus});  // counters not counted twice
  EXPECT_EQ(check.exit_code, 0) << check;

  const Result pg = Run({"distribute", "--store", testing::PgServer::Get().CreateDatabase()});
  EXPECT_NE(pg.exit_code, 0) << pg;
  EXPECT_NE(pg.err.find("has no citus extension"), std::string::npos) << pg;
  const Result lite = Run({"distribute", "--store", sqlite});
  EXPECT_NE(lite.exit_code, 0) << lite;
  EXPECT_NE(lite.err.find("not a PostgreSQL store URL"), std::string::npos) << lite;
}

TEST_F(PostgresCliTest, CopyDemoStoreToPostgresAndBackWithIdenticalChecksums) {
  const std::string sqlite = SqliteUrl("demo");
  const std::string pg = testing::PgServer::Get().CreateDatabase();
  const std::string back = SqliteUrl("back.db");
  MakeDemo(sqlite);
  const json first = Copy({sqlite, pg});
  ASSERT_FALSE(first.is_discarded());
  EXPECT_TRUE(first["ok"].get<bool>());
  const json second = Copy({pg, back});
  ASSERT_FALSE(second.is_discarded());
  EXPECT_TRUE(second["ok"].get<bool>());
  const auto s1 = Checksums(first, "source_checksum");
  EXPECT_EQ(s1, Checksums(first, "target_checksum"));
  EXPECT_EQ(s1, Checksums(second, "source_checksum"));
  EXPECT_EQ(s1, Checksums(second, "target_checksum"));
  EXPECT_GE(s1.size(), 15u);  // every table of the catalog
  for (const json& t : first["tables"]) {
    if (t["table"] == "market.candles") {
      EXPECT_EQ(t["source_rows"], 2160);
    }
    if (t["table"] == "trading.trades") {
      EXPECT_GT(t["source_rows"].get<int>(), 0);
    }
  }
  // Every hop gives the same report.
  const Result r1 = Run({"report", "--json", "--store", sqlite});
  const Result r2 = Run({"report", "--json", "--store", pg});
  const Result r3 = Run({"report", "--json", "--store", back});
  ASSERT_EQ(r1.exit_code, 0) << r1;
  EXPECT_EQ(r1.out, r2.out);
  EXPECT_EQ(r1.out, r3.out);
  // The human-readable table says so too.
  const Result text = Run({"copy", sqlite, back, "--verify-only"});
  EXPECT_EQ(text.exit_code, 0) << text;
  EXPECT_NE(text.out.find("trading.orders"), std::string::npos) << text;
  EXPECT_NE(text.out.find("all tables match"), std::string::npos) << text;
}

TEST_F(PostgresCliTest, CopyResumesAfterAPartialCopy) {
  const std::string sqlite = SqliteUrl("demo");
  const std::string pg = testing::PgServer::Get().CreateDatabase();
  MakeDemo(sqlite);
  json part = Copy({sqlite, pg, "--tables", "market.instruments,market.candles,trading.bots"});
  ASSERT_FALSE(part.is_discarded());
  EXPECT_EQ(part["tables"].size(), 4u);  // market.candles brings market.candle_chunks along
  EXPECT_TRUE(part["ok"].get<bool>());
  // Before the rest is copied, a full verification shows the missing tables.
  const json missing = Copy({sqlite, pg, "--verify-only"}, 1);
  EXPECT_FALSE(missing["ok"].get<bool>());
  const json full = Copy({sqlite, pg, "--batch-rows", "500"});
  ASSERT_FALSE(full.is_discarded());
  EXPECT_TRUE(full["ok"].get<bool>());
  for (const json& t : full["tables"]) {
    if (t["table"] == "market.candles") {
      EXPECT_EQ(t["resumed_rows"], 2160);
      EXPECT_EQ(t["copied_rows"], 0);
    }
    if (t["table"] == "trading.orders") {
      EXPECT_EQ(t["resumed_rows"], 0);
      EXPECT_GT(t["copied_rows"].get<int>(), 0);
    }
  }
}

TEST_F(PostgresCliTest, CopyVerificationFailsOnAModifiedRow) {
  const std::string sqlite = SqliteUrl("demo");
  const std::string target = SqliteUrl("target");
  MakeDemo(sqlite);
  ASSERT_TRUE(Copy({sqlite, target})["ok"].get<bool>());
  // Change one trade's fee in the target behind tradestore's back.
  const std::string db = (dir_ / "target" / "trading.db").string();
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(handle, "UPDATE trades SET fees = '0.5' WHERE id = 1", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  EXPECT_EQ(sqlite3_changes(handle), 1);
  sqlite3_close(handle);
  const json v = Copy({sqlite, target, "--verify-only"}, 1);
  EXPECT_FALSE(v["ok"].get<bool>());
  for (const json& t : v["tables"]) {
    EXPECT_EQ(t["ok"].get<bool>(), t["table"] != "trading.trades") << t;
  }
  const Result text = Run({"copy", sqlite, target, "--verify-only"});
  EXPECT_EQ(text.exit_code, 1) << text;
  EXPECT_NE(text.out.find("MISMATCH"), std::string::npos) << text;
  // A copy refuses to write over the different data.
  const Result again = Run({"copy", sqlite, target});
  EXPECT_EQ(again.exit_code, 4) << again;
  EXPECT_NE(again.err.find("trading.trades"), std::string::npos) << again;
}

}  // namespace
}  // namespace tradestore
