// Event-stream latency of `tradestore serve`: from a commit to the moment a
// stream client has the event, for commits through the server (a heartbeat
// POSTed to it) and for commits by another process (a forked child writing
// the store through the library). The heartbeat's own time is the commit
// time (the store stamps it just before COMMIT), and the event's row carries
// it, so latency = arrival - last_heartbeat_at on the same clock.
//
// Prints a table: workload, events, p50, p99, max, target, met.
// Targets (docs/benchmarks.md): p99 <= 100 ms in-process, <= 1 s another process.
#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "result_line.h"
#include "tradestore/server.h"
#include "tradestore/store.h"

namespace {

using namespace tradestore;
namespace fs = std::filesystem;
using nlohmann::json;

struct Result {
  std::vector<double> latencies_ms;
};

// Streams heartbeat events of `bot` until `count` arrived; records latency.
void Listen(int port, std::size_t count, Result& result, std::atomic<bool>& ready) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(60, 0);
  std::string buffer;
  client.Get("/api/v1/events?kinds=bot-heartbeat", [&](const char* data, std::size_t size) {
    ready = true;
    buffer.append(data, size);
    std::size_t end;
    while ((end = buffer.find("\n\n")) != std::string::npos) {
      const std::string block = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      const std::size_t d = block.find("data: ");
      if (d == std::string::npos) continue;
      const Timestamp now = Timestamp::Now();
      const json event = json::parse(block.substr(d + 6, block.find('\n', d) - d - 6));
      const std::optional<Timestamp> at =
          Timestamp::TryParse(event["row"]["last_heartbeat_at"].get<std::string>());
      if (at) result.latencies_ms.push_back(static_cast<double>(now - *at) / 1000.0);
    }
    return result.latencies_ms.size() < count;
  });
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

void Row(const char* workload, const Result& r, double target_ms) {
  const double p99 = Percentile(r.latencies_ms, 0.99);
  const bool met = p99 <= target_ms && !r.latencies_ms.empty();
  std::printf("%-36s %7zu %9.2f %9.2f %9.2f %9.0f %5s\n", workload, r.latencies_ms.size(),
              Percentile(r.latencies_ms, 0.5), p99, Percentile(r.latencies_ms, 1.0), target_ms,
              met ? "yes" : "NO");
  tradestore::bench::PrintResultLine(
      std::string(workload) + ", p99", tradestore::bench::Fixed(p99, 2, "ms"), "", "",
      "<= " + tradestore::bench::Fixed(target_ms, 0, "ms"), tradestore::bench::Met(met));
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 300;
  const fs::path dir = fs::temp_directory_path() / ("ts-events-bench-" + std::to_string(getpid()));
  const std::string url = "sqlite:" + dir.string();
  {
    Store store = Store::Open(url);
    Bot b;
    b.name = "bench";
    store.bots().Create(b);
  }
  // The other process is forked now, before any thread exists, and waits
  // for its turn on a pipe.
  int go[2];
  if (pipe(go) != 0) return 1;
  const pid_t child = fork();
  if (child == 0) {
    close(go[1]);
    char c;
    if (read(go[0], &c, 1) != 1) _exit(1);
    Store store = Store::Open(url);
    const BotId id = store.bots().FindByName("bench")->id;
    for (std::size_t i = 0; i < n; ++i) {
      store.bots().Heartbeat(id, Timestamp::Now(), "running");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    _exit(0);
  }
  close(go[0]);
  ServerOptions o;
  o.store_url = url;
  o.port = 0;
  Server server(o);
  server.Start();
  std::printf("%-36s %7s %9s %9s %9s %9s %5s\n", "workload (SQLite, loopback)", "events", "p50 ms",
              "p99 ms", "max ms", "target", "met");

  // Commits through the server: one heartbeat POST every 5 ms.
  {
    Result r;
    std::atomic<bool> ready{false};
    std::thread listener(Listen, server.port(), n, std::ref(r), std::ref(ready));
    while (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    httplib::Client client("127.0.0.1", server.port());
    for (std::size_t i = 0; i < n; ++i) {
      client.Post("/api/v1/bots/bench/heartbeat", R"({"state":"running"})", "application/json");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    listener.join();
    Row("commit in serve -> stream client", r, 100);
  }
  // Commits by another process: the forked child writes through the library.
  {
    Result r;
    std::atomic<bool> ready{false};
    std::thread listener(Listen, server.port(), n, std::ref(r), std::ref(ready));
    while (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (write(go[1], "g", 1) != 1) return 1;
    int status = 0;
    waitpid(child, &status, 0);
    listener.join();
    Row("commit by another process -> client", r, 1000);
  }
  server.Stop();
  server.Wait();
  fs::remove_all(dir);
  return 0;
}
