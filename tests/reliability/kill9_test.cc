// Issue 15's reliability suite: kill -9 at random moments. A library fill
// loop, a CLI candle import and a CLI backtest are each killed (SIGKILL) a
// few times at a random moment of their run, on a SQLite store and on a
// PostgreSQL store (a database of the test server: the killed process is
// the client, whose session the server ends, rolling back what it had not
// committed); after every
// kill everything the killed process had seen committed is in the store
// (each fill id the loop logged after its Commit returned; the import all
// or nothing) and `check` passes; then the job is run again (the fill loop
// and the import) or resumed (`backtest --resume`) to completion, and the
// backtest's results equal those of an uninterrupted run.
//
// Bounded in time: the kill moments are drawn within one uninterrupted
// run's duration (a few seconds); the whole file takes well under a minute.
// The seed of the moments is printed, and TRADESTORE_KILL9_SEED replays it.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "reliability/reliability_util.h"
#include "support/pg_harness.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using testing::ProcessRun;
using testing::RunProcess;
using testing::ScratchDir;
using testing::SeedBtcusdc;
using testing::WithoutBot;

const std::string kCli = TRADESTORE_CLI;
const std::string kData = TRADESTORE_SOURCE_DIR "/examples/data/ohlcv/";
constexpr int kTrials = 3;

std::mt19937_64& Random() {
  static std::mt19937_64 generator = [] {
    const char* env = std::getenv("TRADESTORE_KILL9_SEED");
    const std::uint64_t seed =
        env != nullptr && *env != '\0' ? std::strtoull(env, nullptr, 10) : std::random_device{}();
    std::cout << "[ kill -9 moments: TRADESTORE_KILL9_SEED=" << seed << " ]\n";
    return std::mt19937_64(seed);
  }();
  return generator;
}

// A moment in [lo, hi) of a run, in milliseconds.
std::chrono::milliseconds Moment(std::chrono::milliseconds lo, std::chrono::milliseconds hi) {
  std::uniform_int_distribution<std::int64_t> d(lo.count(), std::max(lo.count() + 1, hi.count()));
  return std::chrono::milliseconds(d(Random()));
}

// Runs `args` and kills it with SIGKILL after `after`; the run as it ended
// (code 137 when the kill hit it, 0 if it had finished).
ProcessRun KillAfter(const std::vector<std::string>& args, const std::string& out_prefix,
                     std::chrono::milliseconds after) {
  const pid_t pid = testing::StartProcess(args, out_prefix);
  std::this_thread::sleep_for(after);
  if (pid != 0) kill(pid, SIGKILL);
  return testing::WaitProcess(pid, args, out_prefix);
}

// Runs `args` and, once `log` has grown by a line (the run committed
// something), kills it with SIGKILL after `after` more.
ProcessRun KillAfterLogGrows(const std::vector<std::string>& args, const std::string& out_prefix,
                             const std::string& log, std::chrono::milliseconds after) {
  const std::size_t before = testing::ReadWhole(log).size();
  const pid_t pid = testing::StartProcess(args, out_prefix);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (testing::ReadWhole(log).size() == before && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(after);
  if (pid != 0) kill(pid, SIGKILL);
  return testing::WaitProcess(pid, args, out_prefix);
}

template <typename F>
std::chrono::milliseconds Timed(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

void ExpectCheckPasses(const std::string& url, const std::string& out_prefix) {
  const ProcessRun check = RunProcess({kCli, "check", "--store", url}, out_prefix);
  EXPECT_EQ(check.code, 0) << check.Describe();
}

// A resumed run writes the analytics days again.
const std::vector<std::string> kResumeRewrites = {"analytics_days_written"};

// The backends: each test runs on a SQLite directory store and on a new
// database of the test PostgreSQL server.
enum class Backend { kSqlite, kPostgres };

class KillNine : public ::testing::TestWithParam<Backend> {
 protected:
  // A fresh store: `name` under the scratch directory, or a new database.
  std::string FreshUrl(const std::string& name) {
    return GetParam() == Backend::kSqlite ? "sqlite:" + dir_.Sub(name)
                                          : testing::PgServer::Get().CreateDatabase();
  }
  ScratchDir dir_;
};

// The fill ids of whole lines of the loop's log (a line cut by the kill
// is not one it finished logging).
std::vector<std::string> LoggedFillIds(const std::string& log) {
  const std::string text = testing::ReadWhole(log);
  std::vector<std::string> ids;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    const std::string line = text.substr(start, end - start);
    const std::size_t space = line.find(' ');
    if (space != std::string::npos) ids.push_back(line.substr(space + 1));
  }
  return ids;
}

TEST_P(KillNine, LibraryFillLoop) {
  const std::string url = FreshUrl("store");
  const std::string log = dir_.Sub("fills.log");
  std::size_t logged_before = 0;
  for (int trial = 1; trial <= kTrials; ++trial) {
    const std::chrono::milliseconds at =
        Moment(std::chrono::milliseconds(200), std::chrono::milliseconds(1500));
    SCOPED_TRACE("trial " + std::to_string(trial) + ": kill -9 after " +
                 std::to_string(at.count()) + " ms after its first logged fill");
    // The same bot every time: each run takes the previous one's up again.
    const ProcessRun run = KillAfterLogGrows({TRADESTORE_FILL_LOOP, url, "loop", "30", log},
                                             dir_.Sub("loop-" + std::to_string(trial)), log, at);
    EXPECT_EQ(run.code, 128 + SIGKILL) << run.Describe();
    const std::vector<std::string> logged = LoggedFillIds(log);
    EXPECT_GT(logged.size(), logged_before) << "the loop committed nothing before the kill";
    logged_before = logged.size();
    {
      Store store = Store::Open(url);
      const auto bot = store.bots().FindByName("loop");
      ASSERT_TRUE(bot.has_value());
      std::set<std::string> stored;
      for (const Fill& f : store.orders().ListFills(bot->id)) stored.insert(f.venue_fill_id);
      for (const std::string& id : logged) EXPECT_EQ(stored.count(id), 1u) << "fill " << id;
      // Each kill so far may have hit one round trip between its Commit
      // and its log line: committed, not logged.
      EXPECT_LE(stored.size(), logged.size() + static_cast<std::size_t>(trial));
    }
    ExpectCheckPasses(url, dir_.Sub("check-" + std::to_string(trial)));
  }
  // Run again to completion: the loop carries on after the last fill.
  const ProcessRun last =
      RunProcess({TRADESTORE_FILL_LOOP, url, "loop", "1", log}, dir_.Sub("last"));
  ASSERT_EQ(last.code, 0) << last.Describe();
  const std::vector<std::string> logged = LoggedFillIds(log);
  EXPECT_EQ(std::set<std::string>(logged.begin(), logged.end()).size(), logged.size())
      << "a fill id was logged twice";
  ExpectCheckPasses(url, dir_.Sub("check-last"));
}

TEST_P(KillNine, CandleImport) {
  const std::string url = FreshUrl("store");
  const std::vector<std::string> import = {kCli,
                                           "import",
                                           "candles",
                                           "--json",
                                           "--store",
                                           url,
                                           kData + "binanceus/BTCUSDC_1m_20230301_20230321.csv",
                                           "--symbol",
                                           "BTCUSDC",
                                           "--timeframe",
                                           "1m",
                                           "--quote",
                                           "USDC"};
  // An uninterrupted import into a store of its own: how long it takes.
  std::vector<std::string> reference = import;
  reference[5] = FreshUrl("reference");
  ProcessRun full;
  const auto took = Timed([&] { full = RunProcess(reference, dir_.Sub("reference")); });
  ASSERT_EQ(full.code, 0) << full.Describe();
  const std::int64_t rows = nlohmann::json::parse(full.out)["rows_in_store"].get<std::int64_t>();
  ASSERT_GT(rows, 0);
  for (int trial = 1; trial <= kTrials; ++trial) {
    const std::chrono::milliseconds at = Moment(took / 10, took * 9 / 10);
    SCOPED_TRACE("trial " + std::to_string(trial) + ": kill -9 after " +
                 std::to_string(at.count()) + " ms of " + std::to_string(took.count()));
    std::vector<std::string> args = import;
    args[8] = "K" + std::to_string(trial);  // --symbol: a new instrument each trial
    const ProcessRun run = KillAfter(args, dir_.Sub("import-" + std::to_string(trial)), at);
    {
      // One unit of work: all of the file or nothing.
      Store store = Store::Open(url);
      const auto instrument = store.instruments().Find("", args[8]);
      const std::int64_t stored =
          instrument ? store.candles().Info(instrument->id, Timeframe::k1m).count : 0;
      if (run.code == 0) {
        EXPECT_EQ(stored, rows);
      } else {
        EXPECT_EQ(run.code, 128 + SIGKILL) << run.Describe();
        EXPECT_TRUE(stored == 0 || stored == rows) << stored << " of " << rows << " rows";
      }
    }
    ExpectCheckPasses(url, dir_.Sub("check-" + std::to_string(trial)));
    // Run again to completion.
    const ProcessRun again = RunProcess(args, dir_.Sub("again-" + std::to_string(trial)));
    ASSERT_EQ(again.code, 0) << again.Describe();
    EXPECT_EQ(nlohmann::json::parse(again.out)["rows_in_store"], rows);
    ExpectCheckPasses(url, dir_.Sub("check-again-" + std::to_string(trial)));
  }
}

TEST_P(KillNine, BacktestResumes) {
  const std::string url = FreshUrl("store");
  if (const auto failed = SeedBtcusdc(kCli, url, "15m", dir_)) FAIL() << failed->Describe();
  const auto backtest = [&](const std::string& bot, bool resume) {
    std::vector<std::string> args = {kCli,      "backtest",    "--json", "--store", url, "--symbol",
                                     "BTCUSDC", "--timeframe", "15m",    "--bot",   bot};
    if (resume) args.push_back("--resume");
    return args;
  };
  const auto report = [&](const std::string& bot) {
    const ProcessRun r = RunProcess({kCli, "report", "--json", "--store", url, "--bot", bot},
                                    dir_.Sub("report-" + bot));
    EXPECT_EQ(r.code, 0) << r.Describe();
    return r.code == 0 ? WithoutBot(nlohmann::json::parse(r.out), kResumeRewrites)
                       : nlohmann::json();
  };
  ProcessRun reference;
  const auto took =
      Timed([&] { reference = RunProcess(backtest("reference", false), dir_.Sub("reference")); });
  ASSERT_EQ(reference.code, 0) << reference.Describe();
  const nlohmann::json expected = WithoutBot(nlohmann::json::parse(reference.out), kResumeRewrites);
  const nlohmann::json expected_report = report("reference");
  for (int trial = 1; trial <= kTrials; ++trial) {
    const std::chrono::milliseconds at = Moment(took / 10, took * 9 / 10);
    SCOPED_TRACE("trial " + std::to_string(trial) + ": kill -9 after " +
                 std::to_string(at.count()) + " ms of " + std::to_string(took.count()));
    const std::string bot = "killed" + std::to_string(trial);
    const ProcessRun run = KillAfter(backtest(bot, false), dir_.Sub(bot), at);
    if (run.code != 0) {
      EXPECT_EQ(run.code, 128 + SIGKILL) << run.Describe();
    }
    ExpectCheckPasses(url, dir_.Sub("check-" + bot));
    // Resumed from the last committed step, to the same results.
    const ProcessRun resumed = RunProcess(backtest(bot, true), dir_.Sub(bot + "-resumed"));
    ASSERT_EQ(resumed.code, 0) << resumed.Describe();
    EXPECT_EQ(WithoutBot(nlohmann::json::parse(resumed.out), kResumeRewrites), expected)
        << resumed.out;
    EXPECT_EQ(report(bot), expected_report);
    ExpectCheckPasses(url, dir_.Sub("check-" + bot + "-resumed"));
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, KillNine,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kSqlite ? "sqlite" : "postgres";
                         });

}  // namespace
}  // namespace tradestore
