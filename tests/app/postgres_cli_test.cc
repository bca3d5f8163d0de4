// End-to-end CLI tests on PostgreSQL (a database of the test server per
// test): the same import, backtest and report give the same report as on
// SQLite, and `tradestore copy` moves the demo store SQLite -> PostgreSQL ->
// SQLite with identical checksums, resumes, and reports mismatches.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "reliability/reliability_util.h"
#include "sql/postgres/pg_connection.h"
#include "support/citus_store.h"
#include "support/pg_harness.h"
#include "support/pg_replica_harness.h"
#include "support/pgbouncer_harness.h"

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
  // `tag` names the output files, for runs in parallel.
  Result Run(const std::vector<std::string>& args, const std::string& tag = "") {
    std::string cmd =
        "cd " + Quote(dir_.string()) + " && env -u TRADESTORE_URL " + Quote(TRADESTORE_CLI);
    for (const std::string& a : args) cmd += " " + Quote(a);
    const fs::path out = dir_ / ("stdout" + tag), err = dir_ / ("stderr" + tag);
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
    return MakeBacktest(url, "XBTUSDC_60.csv", "1h", 10, 30);
  }
  // Kraken's XBTUSDC `file` (examples/data/ohlcv/kraken/BTC_USDC) as
  // `timeframe` candles and one sma-cross(fast, slow) backtest.
  json MakeBacktest(const std::string& url, const std::string& file, const std::string& timeframe,
                    int fast, int slow) {
    const std::string csv =
        std::string(TRADESTORE_SOURCE_DIR) + "/examples/data/ohlcv/kraken/BTC_USDC/" + file;
    Result r = Run({"import", "candles", csv, "--symbol", "BTCUSDC", "--venue", "kraken",
                    "--timeframe", timeframe, "--store", url});
    EXPECT_EQ(r.exit_code, 0) << r;
    r = Run({"backtest", "--symbol", "BTCUSDC", "--venue", "kraken", "--timeframe", timeframe,
             "--strategy", "sma-cross", "--fast", std::to_string(fast), "--slow",
             std::to_string(slow), "--cash", "10000", "--json", "--store", url});
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

  // The operator's commands on `source`: `export all` / `import all` into
  // `fresh()`, `copy` to SQLite and back into `fresh()` (checksums equal),
  // `backup`, `verify`, `restore` into a single PostgreSQL and into
  // `fresh()`. Each copy must give `source`'s report and pass check.
  // Returns the SQLite copy's URL.
  std::string ExpectOperationsKeepTheReport(const std::string& source,
                                            const std::function<std::string()>& fresh);

  fs::path dir_;
};

std::map<std::string, std::string> Checksums(const json& copy, const char* side) {
  std::map<std::string, std::string> out;
  for (const json& t : copy["tables"]) out[t["table"]] = t[side];
  return out;
}

std::string PostgresCliTest::ExpectOperationsKeepTheReport(
    const std::string& source, const std::function<std::string()>& fresh) {
  const Result base = Run({"report", "--json", "--store", source});
  EXPECT_EQ(base.exit_code, 0) << base;
  const auto same_report = [&](const std::string& url, const std::string& what) {
    SCOPED_TRACE(what);
    const Result r = Run({"report", "--json", "--store", url});
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out, base.out);
    const Result c = Run({"check", "--store", url});
    EXPECT_EQ(c.exit_code, 0) << c;
  };

  const fs::path bundle = dir_ / "bundle";
  Result r = Run({"export", "all", "--out", bundle.string(), "--store", source});
  EXPECT_EQ(r.exit_code, 0) << r;
  const std::string imported = fresh();
  r = Run({"import", "all", bundle.string(), "--store", imported});
  EXPECT_EQ(r.exit_code, 0) << r;
  same_report(imported, "export all, import all");

  const std::string sqlite = SqliteUrl("copy");
  const json out = Copy({source, sqlite});
  EXPECT_FALSE(out.is_discarded());
  EXPECT_TRUE(out.value("ok", false));
  same_report(sqlite, "copy to SQLite");
  const std::string back = fresh();
  const json in = Copy({sqlite, back});
  EXPECT_FALSE(in.is_discarded());
  EXPECT_TRUE(in.value("ok", false));
  EXPECT_EQ(Checksums(out, "source_checksum"), Checksums(in, "target_checksum"));
  same_report(back, "copy SQLite back");

  const fs::path backups = dir_ / "backups";
  r = Run({"backup", "--to", backups.string(), "--store", source});
  EXPECT_EQ(r.exit_code, 0) << r;
  r = Run({"verify", backups.string()});
  EXPECT_EQ(r.exit_code, 0) << r;
  const std::string single = testing::PgServer::Get().CreateDatabase();
  r = Run({"restore", backups.string(), "--store", single});
  EXPECT_EQ(r.exit_code, 0) << r;
  same_report(single, "restore into PostgreSQL");
  const std::string restored = fresh();
  r = Run({"restore", backups.string(), "--store", restored});
  EXPECT_EQ(r.exit_code, 0) << r;
  same_report(restored, "restore into a store of the source's kind");
  return sqlite;
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

// A multi-bot session (issue 13 §1): eight bots backtesting at once, each
// in its own process, on each backend. Every bot's report, and the report
// of all bots, is the same on SQLite, PostgreSQL and Citus, and check
// passes on all three.
TEST_F(PostgresCliTest, EightBotsBacktestingAtOnceReportTheSameOnEveryBackend) {
  const std::string csv =
      std::string(TRADESTORE_SOURCE_DIR) + "/examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_720.csv";
  const std::vector<std::pair<std::string, std::string>> stores = {
      {"sqlite", SqliteUrl("multi")},
      {"postgres", testing::PgServer::Get().CreateDatabase()},
      {"citus", testing::FreshCitusStoreUrl()}};
  constexpr int kBots = 8;
  std::map<std::string, std::vector<std::string>> reports;
  for (const auto& [backend, url] : stores) {
    SCOPED_TRACE(backend);
    Result r = Run({"import", "candles", csv, "--symbol", "BTCUSDC", "--venue", "kraken",
                    "--timeframe", "12h", "--store", url});
    ASSERT_EQ(r.exit_code, 0) << r;
    std::vector<Result> runs(kBots);
    std::vector<std::thread> bots;
    for (int i = 0; i < kBots; ++i) {
      bots.emplace_back([&, i, url = url, backend = backend] {
        const std::vector<std::string> args = {"backtest",
                                               "--symbol",
                                               "BTCUSDC",
                                               "--venue",
                                               "kraken",
                                               "--timeframe",
                                               "12h",
                                               "--strategy",
                                               "sma-cross",
                                               "--fast",
                                               std::to_string(2 + i % 4),
                                               "--slow",
                                               std::to_string(8 + i),
                                               "--cash",
                                               "10000",
                                               "--bot",
                                               "bot-" + std::to_string(i),
                                               "--json",
                                               "--store",
                                               url};
        runs[i] = Run(args, "-" + backend + "-" + std::to_string(i));
      });
    }
    for (std::thread& t : bots) t.join();
    for (int i = 0; i < kBots; ++i) EXPECT_EQ(runs[i].exit_code, 0) << "bot-" << i << runs[i];
    for (int i = 0; i < kBots; ++i) {
      r = Run({"report", "--json", "--bot", "bot-" + std::to_string(i), "--store", url});
      EXPECT_EQ(r.exit_code, 0) << r;
      reports[backend].push_back(r.out);
    }
    r = Run({"report", "--json", "--all", "--store", url});
    EXPECT_EQ(r.exit_code, 0) << r;
    reports[backend].push_back(r.out);
    r = Run({"check", "--store", url});
    EXPECT_EQ(r.exit_code, 0) << r;
  }
  ASSERT_EQ(reports["sqlite"].size(), kBots + 1u);
  for (std::size_t i = 0; i < reports["sqlite"].size(); ++i) {
    SCOPED_TRACE(i < kBots ? "bot-" + std::to_string(i) : std::string("all bots"));
    const json j = json::parse(reports["sqlite"][i], nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << reports["sqlite"][i];
    EXPECT_GT(j["statistics"]["trades"]["trade_count"].get<int>(), 0);
    EXPECT_EQ(reports["sqlite"][i], reports["postgres"][i]);
    EXPECT_EQ(reports["sqlite"][i], reports["citus"][i]);
  }
}

// Growing and rebalancing the cluster while bots write (issue 13 §1): four
// bots backtest on a Citus store while a third worker is added
// (citus_add_node) and the rebalancer moves shards onto it, then drains one
// of the first workers (every shard moves off it) and spreads the shards
// over all three again. Nothing is lost and nothing is written twice: every
// run exits 0, check passes, and each bot's fills and report equal the same
// bot's on SQLite.
TEST_F(PostgresCliTest, RebalancingTheClusterWhileBotsWriteLosesNothing) {
  const std::string csv =
      std::string(TRADESTORE_SOURCE_DIR) + "/examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_720.csv";
  const std::string citus = testing::FreshCitusStoreUrl();
  const std::string sqlite = SqliteUrl("reference");
  constexpr int kBots = 4;
  const auto backtest = [&](const std::string& url, int i, const std::string& tag) {
    return Run(
        {"backtest", "--symbol", "BTCUSDC", "--venue", "kraken", "--timeframe", "12h", "--strategy",
         "sma-cross", "--fast", std::to_string(2 + i % 4), "--slow", std::to_string(8 + i),
         "--cash", "10000", "--bot", "bot-" + std::to_string(i), "--store", url},
        tag);
  };
  for (const std::string& url : {citus, sqlite}) {
    const Result r = Run({"import", "candles", csv, "--symbol", "BTCUSDC", "--venue", "kraken",
                          "--timeframe", "12h", "--store", url});
    ASSERT_EQ(r.exit_code, 0) << r;
  }
  for (int i = 0; i < kBots; ++i) {
    const Result r = backtest(sqlite, i, "");
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  std::unique_ptr<sql::Connection> admin = sql::OpenPostgres(citus);
  testing::CitusCluster& cluster = testing::CitusCluster::Get();
  const int drained = cluster.worker_port(0);
  // The new worker's server is started before the bots; it joins the
  // cluster while they write.
  const int added = cluster.StartExtraWorker(testing::CitusCluster::DatabaseOf(citus));
  const auto placements_on = [&](int port) {
    sql::Statement& st = admin->Prepare(
        "SELECT count(*) FROM pg_dist_shard_placement WHERE nodeport = " + std::to_string(port));
    EXPECT_TRUE(st.Step());
    const std::int64_t n = st.GetInt64(0);
    st.Reset();
    return n;
  };
  const auto placements_on_drained = [&] { return placements_on(drained); };
  const std::int64_t before = placements_on_drained();
  ASSERT_GT(before, 0);

  // Besides the backtests, a bot recording a fill per unit of work from
  // before the cluster changes until after: every fill it logged as
  // committed must be in the store, once.
  testing::ScratchDir scratch;
  const std::string loop_log = scratch.Sub("loop.log");
  const std::vector<std::string> loop_args = {TRADESTORE_FILL_LOOP, citus, "steady", "600",
                                              loop_log};
  const pid_t loop = testing::StartProcess(loop_args, scratch.Sub("loop"));
  ASSERT_NE(loop, 0);
  std::vector<Result> runs(kBots);
  std::atomic<int> running = kBots;
  std::vector<std::thread> bots;
  for (int i = 0; i < kBots; ++i) {
    bots.emplace_back([&, i] {
      runs[i] = backtest(citus, i, "-" + std::to_string(i));
      --running;
    });
  }
  // Once the bots are writing fills, drain worker 0 (the rebalancer moves
  // each shard group to worker 1, online), then let it hold shards again
  // and rebalance.
  const auto fills = [&] {
    sql::Statement& st = admin->Prepare("SELECT count(*) FROM trading.fills");
    EXPECT_TRUE(st.Step());
    const std::int64_t n = st.GetInt64(0);
    st.Reset();
    return n;
  };
  const auto started = std::chrono::steady_clock::now();
  while (fills() == 0 && std::chrono::steady_clock::now() - started < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GT(running.load(), 0) << "the bots finished before the rebalancing began";
  // A third worker joins and the rebalancer moves shard groups onto it;
  // then worker 0 is drained (each shard group moves off it, online), may
  // hold shards again, and the shards are spread over all three.
  int running_after_add = 0, running_after_drain = 0;
  std::int64_t on_added = 0, after_drain = 0;
  const std::string node = "'127.0.0.1', " + std::to_string(drained);
  try {
    admin->ExecuteScript("SELECT citus_add_node('127.0.0.1', " + std::to_string(added) + ")");
    admin->ExecuteScript("SELECT citus_rebalance_start()");
    admin->ExecuteScript("SELECT citus_rebalance_wait()");
    running_after_add = running.load();
    on_added = placements_on(added);
    admin->ExecuteScript("SELECT citus_drain_node(" + node + ")");
    running_after_drain = running.load();
    after_drain = placements_on_drained();
    admin->ExecuteScript("SELECT citus_set_node_property(" + node + ", 'shouldhaveshards', true)");
    admin->ExecuteScript("SELECT citus_rebalance_start()");
    admin->ExecuteScript("SELECT citus_rebalance_wait()");
  } catch (const Error& e) {
    ADD_FAILURE() << "changing the cluster failed: " << e.what();
  }
  for (std::thread& t : bots) t.join();
  // The steady bot has written through every change: stopped now (a fill
  // may be committed and not yet logged), its log checked below.
  const std::string log_before_stop = testing::ReadWhole(loop_log);
  const std::int64_t logged_before_stop =
      std::count(log_before_stop.begin(), log_before_stop.end(), '\n');
  kill(loop, SIGTERM);
  const testing::ProcessRun loop_run = testing::WaitProcess(loop, loop_args, scratch.Sub("loop"));
  EXPECT_EQ(loop_run.code, 128 + SIGTERM) << loop_run.Describe();
  EXPECT_GT(logged_before_stop, 0) << loop_run.Describe();
  {
    std::set<std::string> logged;
    std::istringstream lines(testing::ReadWhole(loop_log));
    std::string order, fill;
    while (lines >> order >> fill) logged.insert(fill);
    std::multiset<std::string> stored;
    sql::Statement& st = admin->Prepare(
        "SELECT f.venue_fill_id FROM trading.fills f JOIN trading.bots b ON b.id = f.bot_id "
        "WHERE b.name = 'steady'");
    while (st.Step()) stored.insert(st.GetText(0));
    st.Reset();
    for (const std::string& f : logged) EXPECT_EQ(stored.count(f), 1u) << f;
    EXPECT_LE(stored.size(), logged.size() + 1);  // the one in flight at SIGTERM
    std::cerr << "steady bot: " << logged.size() << " fills logged, " << stored.size()
              << " stored\n";
  }
  // How much the moves overlapped the backtests depends on timing: said,
  // not asserted.
  std::cerr << "bots still running when the new worker had its shards: " << running_after_add
            << " of " << kBots << "; when the drain ended: " << running_after_drain << "\n";
  // The added worker holds shards (reference tables and moved shard groups).
  EXPECT_GT(on_added, 0);
  // Reference tables keep a placement on every node; the distributed
  // tables' shards left the drained worker and came back.
  EXPECT_LT(after_drain, before);
  EXPECT_GT(placements_on_drained(), after_drain);

  for (int i = 0; i < kBots; ++i) EXPECT_EQ(runs[i].exit_code, 0) << "bot-" << i << runs[i];
  Result r = Run({"check", "--store", citus});
  EXPECT_EQ(r.exit_code, 0) << r;
  for (int i = 0; i < kBots; ++i) {
    const std::string bot = "bot-" + std::to_string(i);
    SCOPED_TRACE(bot);
    for (const char* entity : {"fills", "trades"}) {
      const Result a = Run({"export", entity, "--bot", bot, "--store", sqlite});
      const Result b = Run({"export", entity, "--bot", bot, "--store", citus});
      ASSERT_EQ(a.exit_code, 0) << a;
      ASSERT_EQ(b.exit_code, 0) << b;
      // Ids differ between the stores (the bots ran one after another on
      // SQLite, at once on Citus): the same number of rows; the report
      // below compares their values.
      EXPECT_EQ(std::count(a.out.begin(), a.out.end(), '\n'),
                std::count(b.out.begin(), b.out.end(), '\n'))
          << entity;
    }
    const Result a = Run({"report", "--json", "--bot", bot, "--store", sqlite});
    const Result b = Run({"report", "--json", "--bot", bot, "--store", citus});
    ASSERT_EQ(a.exit_code, 0) << a;
    EXPECT_EQ(a.out, b.out);
  }
}

// The operator's commands on a Citus store (issue 13 §1): export all and
// import all into a fresh distributed store, copy to SQLite and back into
// Citus, backup and restore into a single PostgreSQL and into Citus: each
// copy gives the same report and passes check. Then analyze, the views,
// prune, stats and status give on Citus what they give on the SQLite copy.
TEST_F(PostgresCliTest, OperationsOnACitusStoreKeepItsReport) {
  const std::string citus = testing::FreshCitusStoreUrl();
  MakeBacktest(citus, "XBTUSDC_720.csv", "12h", 3, 9);
  const std::string sqlite =
      ExpectOperationsKeepTheReport(citus, [] { return testing::FreshCitusStoreUrl(); });
  Result r;

  // The same commands on Citus and on the SQLite copy give the same output.
  const std::vector<std::vector<std::string>> commands = {
      {"analyze", "--json"},
      {"refresh-views"},
      {"views", "daily", "--json"},
      {"views", "summary", "--json"},
      {"prune", "--before", "2023-02-01", "--what", "candles,order-events", "--dry-run", "--json"},
      {"prune", "--before", "2023-02-01", "--what", "candles,order-events", "--json"},
      {"report", "--json"}};
  for (const std::vector<std::string>& command : commands) {
    SCOPED_TRACE(command[0] + (command.size() > 1 ? " " + command[1] : ""));
    std::vector<std::string> on_citus = command, on_sqlite = command;
    on_citus.insert(on_citus.end(), {"--store", citus});
    on_sqlite.insert(on_sqlite.end(), {"--store", sqlite});
    const Result a = Run(on_citus), b = Run(on_sqlite);
    EXPECT_EQ(a.exit_code, 0) << a;
    EXPECT_EQ(b.exit_code, 0) << b;
    // analyze prints timings, refresh-views what it refreshed (nothing on
    // SQLite): the views after them show their results.
    if (command[0] == "analyze" || command[0] == "refresh-views") continue;
    EXPECT_EQ(a.out, b.out);
  }
  for (const char* command : {"stats", "status", "check"}) {
    r = Run({command, "--store", citus});
    EXPECT_EQ(r.exit_code, 0) << command << r;
  }
}

// The operator's commands through PgBouncer in transaction mode (issue 13
// §2): export all / import all, copy both ways, backup, verify and restore,
// each into a fresh database through the pooler; every copy keeps the
// report and passes check.
TEST_F(PostgresCliTest, OperationsThroughPgBouncerKeepTheReport) {
  const std::string pooled = testing::PgBouncerServer::Get().CreateDatabase();
  MakeBacktest(pooled, "XBTUSDC_720.csv", "12h", 3, 9);
  ExpectOperationsKeepTheReport(pooled,
                                [] { return testing::PgBouncerServer::Get().CreateDatabase(); });
}

// The same through PgBouncer in transaction mode (prepared_statements=off),
// then the operator's read commands on that store: check, status, stats,
// show, export and views.
TEST_F(PostgresCliTest, BacktestReportIsTheSameOnSqliteAndThroughPgBouncer) {
  const std::string sqlite = SqliteUrl("store");
  const std::string pooled = testing::PgBouncerServer::Get().CreateDatabase();
  const json bt_sqlite = MakeDemo(sqlite);
  const json bt_pooled = MakeDemo(pooled);
  ASSERT_FALSE(bt_pooled.is_discarded());
  EXPECT_EQ(bt_sqlite, bt_pooled);
  const Result a = Run({"report", "--json", "--store", sqlite});
  const Result b = Run({"report", "--json", "--store", pooled});
  ASSERT_EQ(b.exit_code, 0) << b;
  EXPECT_EQ(a.out, b.out);
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{"check"},
                                             {"status"},
                                             {"stats"},
                                             {"show", "trades"},
                                             {"export", "trades", "--format", "csv"},
                                             {"refresh-views"},
                                             {"views", "summary"}}) {
    std::vector<std::string> args = command;
    args.push_back("--store");
    Result on_sqlite = Run([&] {
      auto v = args;
      v.push_back(sqlite);
      return v;
    }());
    args.push_back(pooled);
    const Result r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << command.front() << "\n" << r;
    if (command.front() == "show" || command.front() == "export") {
      EXPECT_EQ(r.out, on_sqlite.out) << command.front();
    }
  }
}

// With a read replica in the URL (read_host, read_port): the backtest
// writes to the primary, and the report, read from the replica right after,
// is the SQLite report byte for byte (the replica is waited for: it must
// have replayed what was committed before the report started). status
// shows the replica and its lag; a bad read_port is refused.
TEST_F(PostgresCliTest, ReportFromAReadReplicaIsTheSameAsOnSqlite) {
  const std::string sqlite = SqliteUrl("store");
  const std::string routed = testing::PgReplica::Get().CreateDatabase();
  EXPECT_EQ(MakeDemo(sqlite), MakeDemo(routed));
  const Result a = Run({"report", "--json", "--store", sqlite});
  const Result b = Run({"report", "--json", "--store", routed});
  ASSERT_EQ(b.exit_code, 0) << b;
  EXPECT_EQ(a.out, b.out);
  for (const char* command : {"show", "export"}) {
    const Result x = Run({command, "trades", "--store", sqlite});
    const Result y = Run({command, "trades", "--store", routed});
    EXPECT_EQ(y.exit_code, 0) << y;
    EXPECT_EQ(x.out, y.out) << command;
  }
  const Result status = Run({"status", "--json", "--store", routed});
  EXPECT_EQ(status.exit_code, 0) << status;
  const json s = json::parse(status.out, nullptr, false);
  ASSERT_FALSE(s.is_discarded()) << status;
  EXPECT_TRUE(s["replica"]["connected"].get<bool>()) << status;
  EXPECT_TRUE(s["replica"]["is_replica"].get<bool>()) << status;
  EXPECT_TRUE(s["replica"]["lag_bytes"].is_number()) << status;
  const Result text = Run({"status", "--store", routed});
  EXPECT_NE(text.out.find("replica"), std::string::npos) << text;
  EXPECT_NE(text.out.find("lag"), std::string::npos) << text;
  const Result bad = Run({"report", "--store", routed + "&read_port=x"});
  EXPECT_EQ(bad.exit_code, 2) << bad;
  EXPECT_NE(bad.err.find("read_port"), std::string::npos) << bad;
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
