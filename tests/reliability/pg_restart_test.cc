// Issue 15 item 9: a PostgreSQL restart must not end a CLI job. A backtest
// and a loop of candle imports run while the server is restarted twice
// (pg_ctl restart -m fast, then -m immediate: a crash and recovery) and then
// one of its client backends is killed with SIGKILL, as the kernel's OOM
// killer does (the postmaster then ends every other backend and recovers
// from the WAL by itself); every process exits 0, and the backtest's results
// equal those of the same backtest run without interruption (its JSON and
// `report --json`, bot names aside). `backtest --resume` of a finished
// session changes nothing.
//
// The restarts are placed by the backtest's progress (its committed steps,
// read from the store), not by the clock, so that they land mid-run however
// loaded the machine is: the first after a quarter of the reference run's
// steps, the second after half, the kill after three quarters. The server
// runs with the harness's synchronous_commit=off, so the immediate restart
// can lose commits it had acknowledged: the backtest must notice (its step
// precondition) and redo them.
//
// The server is private to this test (test_servers postgres start/stop with a
// state file of its own): restarting the shared one would cut the other
// tests off.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "reliability/reliability_util.h"
#include "tradestore/error.h"
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

std::string PgBinDir() {
  if (const char* env = std::getenv("TRADESTORE_PG_BINDIR"); env != nullptr && *env != '\0') {
    return env;
  }
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    try {
      const int v = std::stoi(e.path().filename().string());
      if (v > best_version && std::filesystem::exists(e.path() / "bin" / "pg_ctl")) {
        best_version = v;
        best = (e.path() / "bin").string();
      }
    } catch (const std::exception&) {
    }
  }
  return best;
}

// A private server: started by test_servers postgres, which writes "DIR PORT".
class PrivateServer {
 public:
  explicit PrivateServer(const ScratchDir& dir) : state_(dir.Sub("pg.state")) {
    RunProcess({TRADESTORE_TEST_SERVERS, "postgres", "start", state_}, dir.Sub("pg-start"));
    std::ifstream in(state_);
    in >> dir_ >> port_;
  }
  ~PrivateServer() {
    RunProcess({TRADESTORE_TEST_SERVERS, "postgres", "stop", state_}, state_ + "-stop");
  }
  bool ok() const { return !dir_.empty(); }
  std::string Url() const {
    return "postgresql:///postgres?host=" + dir_ + "&port=" + std::to_string(port_) +
           "&user=postgres";
  }
  // pg_ctl restart -m MODE (the server's options are kept in
  // postmaster.opts); as the postgres user when we are root.
  ProcessRun Restart(const std::string& mode) const {
    std::vector<std::string> args = {PgBinDir() + "/pg_ctl",
                                     "restart",
                                     "-m",
                                     mode,
                                     "-w",
                                     "-t",
                                     "60",
                                     "-s",
                                     "-D",
                                     dir_ + "/data",
                                     "-l",
                                     dir_ + "/server.log"};
    if (geteuid() == 0) args.insert(args.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
    return RunProcess(args, state_ + "-restart-" + mode);
  }
  // Kills one client backend (a "postgres: USER DB [local]" child of the
  // postmaster) with SIGKILL; returns its pid, or 0 when none was found.
  pid_t KillClientBackend() const {
    std::ifstream pid_file(dir_ + "/data/postmaster.pid");
    pid_t postmaster = 0;
    pid_file >> postmaster;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
      const std::string name = e.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      // /proc/PID/stat: "PID (COMM) STATE PPID ..."; COMM may hold spaces.
      const std::string stat = testing::ReadWhole((e.path() / "stat").string());
      const std::size_t close = stat.rfind(')');
      if (close == std::string::npos) continue;
      std::istringstream rest(stat.substr(close + 1));
      std::string state;
      pid_t parent = 0;
      rest >> state >> parent;
      if (postmaster == 0 || parent != postmaster) continue;
      const std::string cmdline = testing::ReadWhole((e.path() / "cmdline").string());
      if (cmdline.find("[local]") == std::string::npos) continue;
      const pid_t pid = static_cast<pid_t>(std::stol(name));
      if (kill(pid, SIGKILL) == 0) return pid;
    }
    return 0;
  }
  // The server's log since the first restart (pg_ctl -l).
  std::string Log() const { return testing::ReadWhole(dir_ + "/server.log"); }

 private:
  std::string state_;
  std::string dir_;
  int port_ = 0;
};

// Waits (up to 120 s) until bot `bot` has committed `steps` steps (its
// portfolio snapshots, the set-up's aside); false on time out.
bool WaitForSteps(const std::string& url, const std::string& bot, std::size_t steps) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < give_up) {
    try {
      Store store = Store::Open(url);
      if (const auto b = store.bots().FindByName(bot)) {
        for (const Account& a : store.accounts().List(b->id)) {
          if (store.portfolio().Curve(b->id, a.id).size() > steps) return true;
        }
      }
    } catch (const Error&) {
      // The server is restarting: ask again.
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(PostgresRestart, ImportAndBacktestSurviveRestartsAndAKilledBackend) {
  ScratchDir dir;
  PrivateServer server(dir);
  ASSERT_TRUE(server.ok()) << testing::ReadWhole(dir.Sub("pg-start.err"));
  const std::string url = server.Url();
  if (const auto failed = SeedBtcusdc(kCli, url, "15m", dir)) FAIL() << failed->Describe();
  auto backtest = [&](const std::string& bot, const std::string& out, bool resume = false) {
    std::vector<std::string> args = {kCli,      "backtest",    "--json", "--store", url, "--symbol",
                                     "BTCUSDC", "--timeframe", "15m",    "--bot",   bot};
    if (resume) args.push_back("--resume");
    return RunProcess(args, dir.Sub(out));
  };
  const ProcessRun reference = backtest("reference", "reference");
  ASSERT_EQ(reference.code, 0) << reference.Describe();

  // The cut-off run: a backtest and imports in a loop while the server
  // restarts twice and then loses a backend to SIGKILL.
  std::atomic<bool> restarts_done = false;
  ProcessRun cut;
  std::thread backtester([&] { cut = backtest("cut", "cut"); });
  std::vector<ProcessRun> imports;
  std::thread importer([&] {
    for (int n = 0; !restarts_done || n == 0; ++n) {
      imports.push_back(
          RunProcess({kCli, "import", "candles", "--json", "--store", url,
                      kData + "kraken/BTC_USDC/XBTUSDC_1.csv", "--symbol",
                      "IMP" + std::to_string(n), "--timeframe", "1m", "--quote", "USDC"},
                     dir.Sub("import-" + std::to_string(n))));
    }
  });
  const std::size_t steps = nlohmann::json::parse(reference.out)["candles"].get<std::size_t>();
  const bool quarter = WaitForSteps(url, "cut", steps / 4);
  const ProcessRun fast = server.Restart("fast");
  const bool half = WaitForSteps(url, "cut", steps / 2);
  const ProcessRun immediate = server.Restart("immediate");
  const bool three_quarters = WaitForSteps(url, "cut", steps * 3 / 4);
  const pid_t killed = server.KillClientBackend();
  restarts_done = true;
  EXPECT_TRUE(quarter && half && three_quarters)
      << "the backtest did not get to a quarter / half / three quarters of its steps";
  EXPECT_NE(killed, 0) << "no client backend to kill";
  backtester.join();
  importer.join();
  // The postmaster saw the kill and recovered (restart_after_crash).
  EXPECT_NE(server.Log().find("terminated by signal 9"), std::string::npos) << server.Log();
  EXPECT_EQ(fast.code, 0) << fast.Describe();
  EXPECT_EQ(immediate.code, 0) << immediate.Describe();
  ASSERT_EQ(cut.code, 0) << cut.Describe();
  // How the restarts reached the backtest (its retries, on stderr).
  std::cout << "[ cut backtest stderr ]\n" << cut.err << "\n";
  for (const ProcessRun& r : imports) {
    EXPECT_EQ(r.code, 0) << r.Describe();
    if (r.code == 0) {
      EXPECT_EQ(nlohmann::json::parse(r.out)["rows_in_store"], 56717) << r.out;
    }
  }
  // The cut-off backtest did exactly what the reference did.
  EXPECT_EQ(WithoutBot(nlohmann::json::parse(cut.out)),
            WithoutBot(nlohmann::json::parse(reference.out)))
      << cut.out << "\n"
      << reference.out;
  auto report = [&](const std::string& bot) {
    const ProcessRun r = RunProcess({kCli, "report", "--json", "--store", url, "--bot", bot},
                                    dir.Sub("report-" + bot));
    EXPECT_EQ(r.code, 0) << r.Describe();
    return r.code == 0 ? WithoutBot(nlohmann::json::parse(r.out)) : nlohmann::json();
  };
  EXPECT_EQ(report("cut"), report("reference"));
  // --resume of a finished session: nothing left to do, the same results
  // (its analytics are already up to date).
  const ProcessRun again = backtest("cut", "cut-resumed", /*resume=*/true);
  ASSERT_EQ(again.code, 0) << again.Describe();
  nlohmann::json resumed = WithoutBot(nlohmann::json::parse(again.out));
  nlohmann::json first = WithoutBot(nlohmann::json::parse(cut.out));
  EXPECT_EQ(resumed["analytics_days_written"], 0);
  resumed.erase("analytics_days_written");
  first.erase("analytics_days_written");
  EXPECT_EQ(resumed, first);
  EXPECT_EQ(report("cut"), report("reference"));
  const ProcessRun check = RunProcess({kCli, "check", "--store", url}, dir.Sub("check"));
  EXPECT_EQ(check.code, 0) << check.Describe();
}

}  // namespace
}  // namespace tradestore
