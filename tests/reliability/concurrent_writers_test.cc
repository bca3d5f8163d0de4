// Issue 15 item 8: "database is locked" must never reach a user. Six writer
// processes (two CLI backtests, two CLI candle imports, two library fill
// loops) run at once on one SQLite store for a fixed window while
// `optimize`, `status`, `check` and `backup` loop beside them. Every process
// must exit 0; afterwards `check` passes and everything any writer reported
// as committed is in the store: each fill loop's logged orders and fills,
// each backtest's bot with the fills it reported, each import's candles.
//
// Bounded in time: writers start new work for TRADESTORE_RELIABILITY_SECONDS
// (default 12) and the test then waits for the runs in flight.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "reliability/reliability_util.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using testing::ProcessRun;
using testing::RunProcess;
using testing::ScratchDir;
using testing::SeedBtcusdc;

const std::string kCli = TRADESTORE_CLI;
const std::string kData = TRADESTORE_SOURCE_DIR "/examples/data/ohlcv/";

int WindowSeconds() {
  const char* env = std::getenv("TRADESTORE_RELIABILITY_SECONDS");
  return env != nullptr && *env != '\0' ? std::atoi(env) : 12;
}

// Every process run by the test, for the final verdict.
class Runs {
 public:
  void Add(const std::string& slot, ProcessRun run) {
    std::lock_guard lock(mu_);
    counts_[slot]++;
    if (run.code != 0) failures_.push_back(slot + ": " + run.Describe());
    runs_.push_back({slot, std::move(run)});
  }
  std::vector<std::pair<std::string, ProcessRun>> All() {
    std::lock_guard lock(mu_);
    return runs_;
  }
  std::vector<std::string> failures() {
    std::lock_guard lock(mu_);
    return failures_;
  }
  std::map<std::string, int> counts() {
    std::lock_guard lock(mu_);
    return counts_;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, ProcessRun>> runs_;
  std::vector<std::string> failures_;
  std::map<std::string, int> counts_;
};

TEST(ConcurrentWriters, SixWritersBesideMaintenanceNeverSeeLockedAndLoseNothing) {
  ScratchDir dir;
  const std::string url = "sqlite:" + dir.Sub("store");
  // The candles the backtests trade: 1m imported, 5m resampled (6048 steps,
  // each one unit of work).
  if (const auto failed = SeedBtcusdc(kCli, url, "5m", dir)) FAIL() << failed->Describe();

  const int window = WindowSeconds();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(window);
  Runs runs;
  std::vector<std::thread> slots;
  // Runs `make(n)` again and again (n = 0, 1, ...) until the deadline.
  auto loop = [&](const std::string& slot, auto make) {
    slots.emplace_back([&, slot, make] {
      for (int n = 0; std::chrono::steady_clock::now() < deadline; ++n) {
        runs.Add(slot, RunProcess(make(n), dir.Sub(slot + "-" + std::to_string(n))));
      }
    });
  };
  // Writers: two library fill loops (one process each, for the window)...
  for (int i = 0; i < 2; ++i) {
    const std::string name = "fill-" + std::to_string(i);
    slots.emplace_back([&, name] {
      runs.Add(name, RunProcess({TRADESTORE_FILL_LOOP, url, name, std::to_string(window),
                                 dir.Sub(name + ".log")},
                                dir.Sub(name)));
    });
  }
  // ... two backtest loops and two import loops.
  for (int i = 0; i < 2; ++i) {
    const std::string bt = "backtest-" + std::to_string(i);
    loop(bt, [=](int n) {
      return std::vector<std::string>{kCli,
                                      "backtest",
                                      "--json",
                                      "--store",
                                      url,
                                      "--symbol",
                                      "BTCUSDC",
                                      "--timeframe",
                                      "5m",
                                      "--bot",
                                      bt + "-" + std::to_string(n)};
    });
    const std::string im = "import-" + std::to_string(i);
    loop(im, [=](int n) {
      return std::vector<std::string>{kCli,
                                      "import",
                                      "candles",
                                      "--json",
                                      "--store",
                                      url,
                                      kData + "kraken/BTC_USDC/XBTUSDC_60.csv",
                                      "--symbol",
                                      im + "-" + std::to_string(n),
                                      "--timeframe",
                                      "1h",
                                      "--quote",
                                      "USDC"};
    });
  }
  // Maintenance beside them.
  loop("optimize", [=](int) { return std::vector<std::string>{kCli, "optimize", "--store", url}; });
  loop("status", [=](int) { return std::vector<std::string>{kCli, "status", "--store", url}; });
  loop("check", [=](int) { return std::vector<std::string>{kCli, "check", "--store", url}; });
  const std::string backups = dir.Sub("backups");
  loop("backup", [=](int) {
    return std::vector<std::string>{kCli, "backup", "--store", url, "--to", backups, "--keep", "2"};
  });
  for (std::thread& t : slots) t.join();

  const std::vector<std::string> failures = runs.failures();
  std::string counts;
  for (const auto& [slot, n] : runs.counts()) counts += slot + "=" + std::to_string(n) + " ";
  EXPECT_TRUE(failures.empty()) << failures.size() << " runs failed (runs: " << counts << ")\n"
                                << (failures.empty() ? "" : failures.front());
  for (const std::string& f : failures) ADD_FAILURE() << f;
  std::cout << "[ runs ] " << counts << "\n";

  // Afterwards: the store checks out...
  const ProcessRun check = RunProcess({kCli, "check", "--store", url}, dir.Sub("final-check"));
  EXPECT_EQ(check.code, 0) << check.Describe();

  // ... and everything reported as committed is there.
  Store store = Store::Open(url);
  for (int i = 0; i < 2; ++i) {
    const std::string name = "fill-" + std::to_string(i);
    const auto bot = store.bots().FindByName(name);
    ASSERT_TRUE(bot) << name;
    std::set<std::string> stored;
    for (const Fill& f : store.orders().ListFills(bot->id)) stored.insert(f.venue_fill_id);
    std::istringstream log(testing::ReadWhole(dir.Sub(name + ".log")));
    OrderId order = 0;
    std::string fill;
    int logged = 0;
    while (log >> order >> fill) {
      ++logged;
      EXPECT_EQ(store.orders().Fills(bot->id, order).size(), 1u) << name << " order " << order;
      EXPECT_TRUE(stored.count(fill)) << name << " fill " << fill;
    }
    EXPECT_GT(logged, 0) << name;
    EXPECT_EQ(stored.size(), static_cast<std::size_t>(logged)) << name;
  }
  for (const auto& [slot, run] : runs.All()) {
    if (run.code != 0) continue;
    if (slot.starts_with("backtest-")) {
      const nlohmann::json j = nlohmann::json::parse(run.out);
      const auto bot = store.bots().FindByName(j["bot"].get<std::string>());
      ASSERT_TRUE(bot) << run.out;
      EXPECT_EQ(static_cast<std::int64_t>(store.orders().ListFills(bot->id).size()),
                j["fills"].get<std::int64_t>())
          << run.out;
    } else if (slot.starts_with("import-")) {
      const nlohmann::json j = nlohmann::json::parse(run.out);
      const auto instrument = store.instruments().Find("", j["symbol"].get<std::string>());
      ASSERT_TRUE(instrument) << run.out;
      EXPECT_EQ(store.candles().Info(instrument->id, Timeframe::k1h).count,
                j["rows_in_store"].get<std::int64_t>())
          << run.out;
    }
  }
}

}  // namespace
}  // namespace tradestore
