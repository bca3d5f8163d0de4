// Group commit (issue 12 section 2; docs/benchmarks.md, "Group commit"):
// writer threads of one process, each a bot with its own Store on one
// SQLite directory store, record full fills through the public API as a
// bot would: per fill one UnitOfWork with OrderRepository::Create,
// Transition to accepted and RecordFill (fill, order, order events,
// position, fee and P&L ledger legs, the closed trade on every second
// fill), then Commit. Each workload runs with group_commit=on and =off on
// fresh stores, alternating within the same run, and prints fills/s,
// the ratio on/off (median of paired ratios) and the target.
//
//   tradestore_group_commit_bench [--reps N] [--full-fills N] [--normal-fills N] [--dir DIR]
//
// --full-fills: fills per thread at synchronous=FULL (default 150);
// --normal-fills: per thread at NORMAL (default 200); --dir: where the
// scratch stores go (default: the system temp dir; use a real disk, a
// tmpfs makes FULL meaningless). Exit 0 when every target is met, else 1.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bot_fills.h"
#include "result_line.h"

namespace {

namespace fs = std::filesystem;
using tradestore::Decimal;
using tradestore::Timestamp;

struct Workload {
  std::string name;
  std::string synchronous;
  int threads;
  int fills_per_thread;
  // Target: fills/s with group commit (0: none), and the least ratio on/off.
  double min_fills_per_second;
  double min_ratio;
  std::string target_text;
};

// Runs `w` once on a fresh store under `root`; returns fills/s.
double RunOnce(const fs::path& root, const Workload& w, bool group_commit, int rep) {
  const fs::path dir = root / (w.name + (group_commit ? "-on-" : "-off-") + std::to_string(rep));
  fs::remove_all(dir);
  const std::string url = "sqlite:" + dir.string() + "?synchronous=" + w.synchronous +
                          "&group_commit=" + (group_commit ? "on" : "off");
  tradestore::bench::AddBenchInstrument(url);  // created and migrated before the clock
  const double fills_per_second =
      tradestore::bench::RunBots(url, w.threads, w.fills_per_thread, "bench-");
  fs::remove_all(dir);
  return fills_per_second;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 3, full_fills = 150, normal_fills = 200;
  fs::path root = fs::temp_directory_path();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--reps") {
      reps = std::stoi(next());
    } else if (a == "--full-fills") {
      full_fills = std::stoi(next());
    } else if (a == "--normal-fills") {
      normal_fills = std::stoi(next());
    } else if (a == "--dir") {
      root = next();
    } else {
      std::cerr << "usage: tradestore_group_commit_bench [--reps N] [--full-fills N] "
                   "[--normal-fills N] [--dir DIR]\n";
      return 2;
    }
  }
  root /= "tradestore-gc-bench-" + std::to_string(::getpid());
  fs::create_directories(root);

  const std::vector<Workload> workloads = {
      {"full-8", "full", 8, full_fills, 5000, 0, ">=5000/s"},
      {"full-1", "full", 1, full_fills, 0, 0.95, "ratio>=0.95"},
      {"normal-8", "normal", 8, normal_fills, 0, 0, "-"},
      {"normal-16", "normal", 16, normal_fills, 0, 0, "-"},
  };
  std::printf("%-34s | %-14s | %-14s | %-5s | %-11s | %s\n", "workload", "group commit on", "off",
              "ratio", "target", "met");
  bool all_met = true;
  for (const Workload& w : workloads) {
    std::vector<double> on, off, ratios;
    for (int r = 0; r < reps; ++r) {
      // Alternate which goes first, so that neither always gets the
      // warmer page cache.
      double a = 0, b = 0;
      if (r % 2 == 0) {
        a = RunOnce(root, w, true, r);
        b = RunOnce(root, w, false, r);
      } else {
        b = RunOnce(root, w, false, r);
        a = RunOnce(root, w, true, r);
      }
      on.push_back(a);
      off.push_back(b);
      ratios.push_back(a / b);
    }
    const double on_m = Median(on), off_m = Median(off), ratio = Median(ratios);
    bool met = true;
    if (w.min_fills_per_second > 0 && on_m < w.min_fills_per_second) met = false;
    if (w.min_ratio > 0 && ratio < w.min_ratio) met = false;
    const bool has_target = w.min_fills_per_second > 0 || w.min_ratio > 0;
    all_met = all_met && met;
    const std::string label = "fills, " + w.synchronous + ", " + std::to_string(w.threads) +
                              (w.threads == 1 ? " thread" : " threads");
    std::printf("%-34s | %8.0f fills/s | %6.0f fills/s | %5.2f | %-11s | %s\n", label.c_str(), on_m,
                off_m, ratio, w.target_text.c_str(), has_target ? (met ? "yes" : "NO") : "-");
    tradestore::bench::PrintResultLine(
        label + " (group commit)", tradestore::bench::Fixed(on_m, 0, "fills/s"),
        tradestore::bench::Fixed(off_m, 0, "fills/s") + " (group_commit=off)",
        tradestore::bench::Fixed(ratio, 2), has_target ? w.target_text : "",
        has_target ? tradestore::bench::Met(met) : "");
    std::fflush(stdout);
  }
  fs::remove_all(root);
  return all_met ? 0 : 1;
}
