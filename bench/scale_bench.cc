// Scale-out (issue 13 section 1; docs/benchmarks.md, "Citus"): bots
// recording fills through the public API (bench/bot_fills.h) on one
// PostgreSQL server beside a Citus cluster of a coordinator and two
// workers, in the same run. Both are the throwaway servers of the tests
// (tests/support: fsync off, loopback, on this machine), so the cluster
// has no more CPUs than the single server: no speed-up is expected on one
// machine; what it shows is the cost of the router path per fill and how
// eight bots share the cluster.
//
//   tradestore_scale_bench [--reps N] [--fills N] [--bots N]
//
// --fills: fills per bot (default 100); --bots: bots of the concurrent
// workload (default 8); --reps: repetitions, alternating which backend
// goes first (default 3). Prints fills/s and the per-fill time of one bot
// on each, and the ratios Citus / PostgreSQL (medians). No target: exit 0
// unless a run fails.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "bot_fills.h"
#include "result_line.h"
#include "support/citus_store.h"
#include "support/pg_harness.h"

namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// A fresh store on the backend: a migrated PostgreSQL database, or a
// migrated and distributed Citus one (tradestore distribute).
std::string FreshStore(bool citus) {
  return citus ? tradestore::testing::FreshCitusStoreUrl()
               : tradestore::testing::PgServer::Get().CreateDatabase();
}

double Run(bool citus, int bots, int fills, int rep) {
  const std::string url = FreshStore(citus);
  tradestore::bench::AddBenchInstrument(url);
  return tradestore::bench::RunBots(url, bots, fills, "bot-" + std::to_string(rep) + "-");
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 3, fills = 100, bots = 8;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) {
      std::cerr << "usage: tradestore_scale_bench [--reps N] [--fills N] [--bots N]\n";
      return 2;
    }
    const int value = std::stoi(argv[++i]);
    if (a == "--reps") {
      reps = value;
    } else if (a == "--fills") {
      fills = value;
    } else if (a == "--bots") {
      bots = value;
    } else {
      std::cerr << "usage: tradestore_scale_bench [--reps N] [--fills N] [--bots N]\n";
      return 2;
    }
  }
  // Start both (and build the distributed template) before any clock.
  FreshStore(false);
  FreshStore(true);

  std::printf("%-28s | %-16s | %-16s | %s\n", "workload", "PostgreSQL", "Citus",
              "Citus / PostgreSQL");
  for (const int n : {1, bots}) {
    std::vector<double> pg, citus, ratios;
    for (int r = 0; r < reps; ++r) {
      double a = 0, b = 0;
      if (r % 2 == 0) {
        a = Run(false, n, fills, r);
        b = Run(true, n, fills, r);
      } else {
        b = Run(true, n, fills, r);
        a = Run(false, n, fills, r);
      }
      pg.push_back(a);
      citus.push_back(b);
      ratios.push_back(b / a);
    }
    const double p = Median(pg), c = Median(citus);
    const std::string label = "fills, " + std::to_string(n) + (n == 1 ? " bot" : " bots at once");
    std::printf("%-28s | %8.0f fills/s | %8.0f fills/s | %.2f\n", label.c_str(), p, c,
                Median(ratios));
    tradestore::bench::PrintResultLine(label + " (Citus)",
                                       tradestore::bench::Fixed(c, 0, "fills/s"),
                                       tradestore::bench::Fixed(p, 0, "fills/s") + " (PostgreSQL)",
                                       tradestore::bench::Fixed(Median(ratios), 2), "", "");
    if (n == 1) {
      std::printf("%-28s | %11.2f ms | %11.2f ms | +%.2f ms per fill on the router path\n",
                  "  time per fill, 1 bot", 1000 / p, 1000 / c, 1000 / c - 1000 / p);
    }
    std::fflush(stdout);
  }
  return 0;
}
