// `tradestore serve` under load, measured with wrk on loopback:
//
//   1. GET /api/v1/trades?limit=500: the first page, and a page behind a
//      cursor deep in the list (90% of the way), of a store with 1,000,000
//      closed trades across 10 bots;
//   2. GET /api/v1/overview of that store;
//   3. POST /api/v1/bots/B/fills from 16 connections (SQLite,
//      synchronous=NORMAL): fills of 0.001 on large accepted orders, each
//      with a unique venue_fill_id (bench/wrk/fills.lua); no 5xx and no
//      "database is locked" allowed. This run lasts --duration seconds
//      (default 60) and the server's RSS (VmRSS of /proc/PID/status) is
//      sampled every second: start, end and max are reported.
//
// The store is built once with the library (orders, fills, trades, ledger,
// balances and daily portfolio snapshots, all through the public API, so
// `tradestore check` passes; the program runs it) and cached in --cache
// (default: server-bench-store in the working directory). The write run
// works on a copy, so the cache stays as built.
//
// Prints a table "workload | measured | target | met". Exit 0 when every
// target is met, 1 when one is missed, 2 on an error. See docs/benchmarks.md.
//
// Usage: tradestore_server_bench [--cache DIR] [--trades N] [--bots N]
//                                [--duration S] [--read-duration S]
//                                [--read-connections N,N] [--fill-connections N]
//                                [--threads N] [--only reads|fills]
//                                [--cli PATH (the tradestore that serves)]
#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "result_line.h"
#include "tradestore/ledger.h"
#include "tradestore/portfolio.h"
#include "tradestore/store.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using tradestore::Decimal;
using tradestore::Timestamp;

#ifndef TRADESTORE_SOURCE_DIR
#define TRADESTORE_SOURCE_DIR "."
#endif
#ifndef TRADESTORE_CLI
#define TRADESTORE_CLI "tradestore"
#endif

// Bump when the generated store changes: a cache of another version is
// rebuilt.
constexpr int kStoreVersion = 1;

struct Options {
  std::string cache = "server-bench-store";
  std::int64_t trades = 1'000'000;
  int bots = 10;
  int duration = 60;                           // the fills run (and its RSS samples)
  int read_duration = 10;                      // each read run
  std::vector<int> read_connections = {1, 4};  // one run per count
  int fill_connections = 16;
  int threads = 16;  // serve --threads
  std::string only;  // "reads" or "fills"
  // The tradestore executable that serves (another build, for a paired
  // comparison of two versions on one store and machine).
  std::string cli = TRADESTORE_CLI;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

pid_t Spawn(const std::vector<std::string>& args, const fs::path& log) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
  return pid;
}

int Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// ---- the store ---------------------------------------------------------------

// 10 bots, each with `trades / bots` round trips of 0.01 BTCUSDC (a buy fill
// then a sell fill) on orders of 500 round trips each, spread over the 100
// days before now, a deposit, and a daily portfolio snapshot. One unit of
// work per 500 round trips.
void BuildStore(const std::string& url, const Options& o) {
  // synchronous=NORMAL, the default: one unit of work per 500 round trips
  // makes the syncs few.
  auto store = tradestore::Store::Open(url);
  tradestore::Instrument in;
  in.venue = "paper";
  in.symbol = "BTCUSDC";
  in.base_asset = "BTC";
  in.quote_asset = "USDC";
  in.price_precision = 2;
  in.size_precision = 8;
  in = store.instruments().Upsert(in);
  const Decimal qty = Decimal::Parse("0.01");
  const Decimal fee = Decimal::Parse("0.05");
  const std::int64_t per_bot = o.trades / o.bots;
  constexpr std::int64_t kChunk = 500;
  const std::int64_t end = Timestamp::Now().micros() - 3'600'000'000LL;
  const std::int64_t span = 100LL * 86'400'000'000LL;
  const std::int64_t step = std::max<std::int64_t>(1, span / (2 * per_bot));
  const auto started = Clock::now();
  for (int b = 0; b < o.bots; ++b) {
    tradestore::Bot bot_in;
    bot_in.name = "bot-" + std::to_string(b + 1);
    bot_in.strategy = "bench";
    bot_in.equity_currency = "USDC";
    const tradestore::Bot bot = store.bots().Create(bot_in);
    const tradestore::Account account = store.accounts().Create(bot.id, "main");
    const std::int64_t t0 = end - span;
    {
      tradestore::LedgerEntry deposit;
      deposit.bot_id = bot.id;
      deposit.account_id = account.id;
      deposit.time = Timestamp(t0 - 1);
      deposit.type = tradestore::LedgerEntryType::kDeposit;
      deposit.currency = "USDC";
      deposit.amount = Decimal::FromInt(100000);
      deposit.description = "bench deposit";
      store.ledger().Post(deposit);
    }
    Decimal cash = Decimal::FromInt(100000);
    Decimal peak_cash = cash;
    std::int64_t next_snapshot = t0 + 86'400'000'000LL;
    auto& orders = store.orders();
    for (std::int64_t c = 0; c < per_bot; c += kChunk) {
      const std::int64_t n = std::min(kChunk, per_bot - c);
      tradestore::UnitOfWork uow = store.BeginTrading();
      const Timestamp t_open(t0 + 2 * c * step);
      tradestore::Order buy, sell;
      for (auto [order, side] :
           {std::pair{&buy, tradestore::Side::kBuy}, std::pair{&sell, tradestore::Side::kSell}}) {
        order->bot_id = bot.id;
        order->account_id = account.id;
        order->instrument_id = in.id;
        order->strategy = "bench";
        order->side = side;
        order->type = tradestore::OrderType::kLimit;
        order->limit_price = Decimal::Parse("20000");
        order->quantity = qty * Decimal::FromInt(n);
        order->created_at = t_open;
        order->updated_at = t_open;
        *order = orders.Create(*order);
        orders.Transition(bot.id, order->id, tradestore::OrderStatus::kAccepted, t_open);
      }
      for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t k = c + i;
        // Prices wander; a round trip gains or loses a few USDC.
        const Decimal entry = Decimal::FromInt(20000 + (k * 7919 + b * 104729) % 2000);
        const Decimal exit = entry + Decimal::FromInt((k * 31 + b) % 11 - 5);
        for (int leg = 0; leg < 2; ++leg) {
          tradestore::Fill f;
          f.bot_id = bot.id;
          f.order_id = leg == 0 ? buy.id : sell.id;
          f.venue = "paper";
          f.venue_fill_id = std::to_string(b) + "-" + std::to_string(k) + (leg == 0 ? "b" : "s");
          f.quantity = qty;
          f.price = leg == 0 ? entry : exit;
          f.fee = fee;
          f.time = Timestamp(t0 + (2 * k + leg) * step);
          orders.RecordFill(f);
        }
        cash += (exit - entry) * qty - fee - fee;
        if (peak_cash < cash) peak_cash = cash;
        const std::int64_t now = t0 + (2 * k + 1) * step;
        if (now >= next_snapshot) {
          tradestore::PortfolioSnapshot s;
          s.bot_id = bot.id;
          s.account_id = account.id;
          s.time = Timestamp(next_snapshot);
          s.equity = cash;
          s.cash = cash;
          store.portfolio().Record(s);
          next_snapshot += 86'400'000'000LL;
        }
      }
      uow.Commit();
    }
    std::fprintf(stderr, "  built %s: %lld trades (%.0f s so far)\n", bot.name.c_str(),
                 static_cast<long long>(per_bot),
                 std::chrono::duration<double>(Clock::now() - started).count());
  }
}

// The cache: DIR/store (the store) and DIR/built (what it was built with).
std::string CachedStore(const Options& o) {
  const fs::path dir = fs::absolute(o.cache);
  const fs::path marker = dir / "built";
  const std::string want = "version=" + std::to_string(kStoreVersion) +
                           " trades=" + std::to_string(o.trades) +
                           " bots=" + std::to_string(o.bots) + "\n";
  const std::string url = "sqlite:" + (dir / "store").string();
  if (fs::exists(marker) && ReadFile(marker) == want) {
    std::fprintf(stderr, "store: cached in %s\n", dir.c_str());
    return url;
  }
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::fprintf(stderr, "store: building %lld trades across %d bots in %s\n",
               static_cast<long long>(o.trades), o.bots, dir.c_str());
  const auto start = Clock::now();
  BuildStore(url, o);
  std::fprintf(stderr, "store: built in %.0f s; tradestore check...\n",
               std::chrono::duration<double>(Clock::now() - start).count());
  const fs::path log = dir / "check.log";
  const int rc = Wait(Spawn({TRADESTORE_CLI, "check", "--store", url}, log));  // this build's
  if (rc != 0) {
    throw std::runtime_error("tradestore check failed on the generated store (" + log.string() +
                             "):\n" + ReadFile(log));
  }
  std::ofstream(marker) << want;
  return url;
}

// ---- the server --------------------------------------------------------------

class Serve {
 public:
  Serve(const std::string& cli, const std::string& url, int threads, const fs::path& log) {
    pid_ = Spawn({cli, "serve", "--store", url, "--listen", "127.0.0.1:0", "--threads",
                  std::to_string(threads)},
                 log);
    const std::regex listening("http://127\\.0\\.0\\.1:([0-9]+)/");
    for (const auto deadline = Clock::now() + std::chrono::seconds(60);
         port_ == 0 && Clock::now() < deadline;) {
      std::smatch m;
      const std::string text = ReadFile(log);
      if (std::regex_search(text, m, listening)) port_ = std::stoi(m[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (port_ == 0) throw std::runtime_error("tradestore serve did not start:\n" + ReadFile(log));
  }
  ~Serve() {
    kill(pid_, SIGTERM);
    Wait(pid_);
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// VmRSS of a process, in KiB.
std::int64_t RssKib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

// ---- wrk -----------------------------------------------------------------------

struct WrkResult {
  std::map<std::string, double> v;  // bench.* values printed by the script
  double get(const std::string& k) const {
    const auto it = v.find(k);
    return it == v.end() ? -1 : it->second;
  }
  double rate() const { return get("requests") / (get("duration_us") / 1e6); }
};

WrkResult RunWrk(const std::string& url, const std::string& script, int connections, int seconds,
                 const std::vector<std::string>& script_args, const fs::path& log) {
  std::vector<std::string> args = {"wrk",
                                   "-t" + std::to_string(std::min(2, connections)),
                                   "-c" + std::to_string(connections),
                                   "-d" + std::to_string(seconds) + "s",
                                   "--timeout",
                                   "10s",
                                   "-s",
                                   std::string(TRADESTORE_SOURCE_DIR) + "/bench/wrk/" + script,
                                   url};
  if (!script_args.empty()) {
    args.push_back("--");
    args.insert(args.end(), script_args.begin(), script_args.end());
  }
  const int rc = Wait(Spawn(args, log));
  const std::string out = ReadFile(log);
  if (rc != 0) throw std::runtime_error("wrk failed:\n" + out);
  WrkResult r;
  const std::regex line(R"(bench\.([a-z0-9_]+)=([0-9.]+))");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), line); it != std::sregex_iterator();
       ++it) {
    r.v[(*it)[1]] = std::stod((*it)[2]);
  }
  if (r.get("requests") <= 0) throw std::runtime_error("wrk ran no request:\n" + out);
  return r;
}

struct Row {
  std::string workload, measured, target;
  bool met;
};

std::string Ms(double us) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f ms", us / 1000);
  return b;
}

std::string Base64UrlDecode(const std::string& in) {
  std::string out;
  int bits = 0;
  unsigned value = 0;
  for (char c : in) {
    int d;
    if (c >= 'A' && c <= 'Z')
      d = c - 'A';
    else if (c >= 'a' && c <= 'z')
      d = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      d = c - '0' + 52;
    else if (c == '-')
      d = 62;
    else if (c == '_')
      d = 63;
    else
      continue;
    value = (value << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xFF);
    }
  }
  return out;
}

std::string Base64UrlEncode(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  int bits = 0;
  unsigned value = 0;
  for (unsigned char c : in) {
    value = (value << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += k[(value >> bits) & 63];
    }
  }
  if (bits > 0) out += k[(value << (6 - bits)) & 63];
  return out;
}

json GetJson(httplib::Client& c, const std::string& path) {
  const auto r = c.Get(path);
  if (!r || r->status != 200)
    throw std::runtime_error("GET " + path + ": " + (r ? r->body : httplib::to_string(r.error())));
  return json::parse(r->body);
}

json PostJson(httplib::Client& c, const std::string& path, const json& body) {
  const auto r = c.Post(path, body.dump(), "application/json");
  if (!r || r->status >= 300)
    throw std::runtime_error("POST " + path + ": " + (r ? r->body : httplib::to_string(r.error())));
  return json::parse(r->body);
}

void Reads(const std::string& url, const Options& o, const fs::path& work, std::vector<Row>& rows) {
  Serve serve(o.cli, url, o.threads, work / "serve-reads.log");
  httplib::Client c("127.0.0.1", serve.port());
  c.set_read_timeout(std::chrono::seconds(60));
  // A cursor 90% of the way down the trades: the first page's cursor names
  // the key (bot_id, id); the same shape with a later key.
  const json first = GetJson(c, "/api/v1/trades?limit=500");
  if (first["data"].size() != 500) throw std::runtime_error("the first trades page is short");
  json key = json::parse(Base64UrlDecode(first["next"].get<std::string>()));
  const std::int64_t deep_id = static_cast<std::int64_t>(static_cast<double>(o.trades) * 0.9);
  for (json& k : key) k = std::to_string(deep_id);  // (bot_id, id) or (id)
  if (key.size() == 2) {
    key[0] = std::to_string(static_cast<std::int64_t>(o.bots * 0.9) + 1);
  }
  const std::string cursor = Base64UrlEncode(key.dump());
  const json deep = GetJson(c, "/api/v1/trades?limit=500&cursor=" + cursor);
  if (deep["data"].size() != 500) throw std::runtime_error("the deep trades page is short");
  std::fprintf(stderr, "reads: deep cursor %s starts at trade id %lld\n", key.dump().c_str(),
               static_cast<long long>(deep["data"][0]["id"].get<std::int64_t>()));
  const json overview = GetJson(c, "/api/v1/overview");
  if (overview["bots"].size() != static_cast<std::size_t>(o.bots))
    throw std::runtime_error("the overview does not list every bot");

  struct Read {
    std::string name, path;
    double target_ms;
  };
  const std::vector<Read> reads = {
      {"GET trades, limit 500, first page", "/api/v1/trades?limit=500", 20},
      {"GET trades, limit 500, cursor at 90%", "/api/v1/trades?limit=500&cursor=" + cursor, 20},
      {"GET overview (10 bots)", "/api/v1/overview", 50}};
  for (const Read& r : reads) {
    for (const int connections : o.read_connections) {
      std::fprintf(stderr, "reads: %s, %d connections, %d s\n", r.name.c_str(), connections,
                   o.read_duration);
      const WrkResult w = RunWrk(serve.base() + r.path, "report.lua", connections, o.read_duration,
                                 {}, work / "wrk-read.log");
      const double p99 = w.get("p99_us");
      const bool clean = w.get("non2xx") == 0 && w.get("socket_errors") == 0;
      char measured[128];
      std::snprintf(measured, sizeof measured, "p99 %s, p50 %s, %.0f req/s%s", Ms(p99).c_str(),
                    Ms(w.get("p50_us")).c_str(), w.rate(), clean ? "" : ", ERRORS");
      char target[64];
      std::snprintf(target, sizeof target, "p99 <= %.0f ms", r.target_ms);
      rows.push_back({r.name + " (" + std::to_string(connections) + " conn)", measured, target,
                      clean && p99 <= r.target_ms * 1000});
    }
  }
}

void Fills(const std::string& cached_url, const Options& o, const fs::path& work,
           std::vector<Row>& rows) {
  // A copy of the cached store: the cache stays as built.
  const fs::path copy = work / "fills-store";
  fs::remove_all(copy);
  const fs::path cached = cached_url.substr(std::strlen("sqlite:"));
  std::fprintf(stderr, "fills: copying the store\n");
  fs::copy(cached, copy, fs::copy_options::recursive);
  // Written out before the run: else the first WAL checkpoint's fsync
  // flushes the whole 2 GB copy and stalls the writes for seconds.
  for (const fs::directory_entry& e : fs::directory_iterator(copy)) {
    const int fd = open(e.path().c_str(), O_RDONLY);
    if (fd >= 0) {
      fsync(fd);
      close(fd);
    }
  }
  const std::string url = "sqlite:" + copy.string();
  Serve serve(o.cli, url, o.threads, work / "serve-fills.log");
  httplib::Client c("127.0.0.1", serve.port());
  c.set_read_timeout(std::chrono::seconds(60));
  // A bot of its own, 64 accepted orders (half buys, half sells) of
  // 1,000,000 each: the fills of 0.001 never use them up.
  PostJson(c, "/api/v1/bots", {{"name", "loadgen"}, {"mode", "paper"}});
  std::vector<std::string> order_ids;
  for (int i = 0; i < 64; ++i) {
    const json order = PostJson(c, "/api/v1/bots/loadgen/orders",
                                {{"symbol", "BTCUSDC"},
                                 {"venue", "paper"},
                                 {"side", i % 2 == 0 ? "buy" : "sell"},
                                 {"type", "limit"},
                                 {"limit_price", "20000"},
                                 {"quantity", "1000000"}});
    const std::string id = std::to_string(order["id"].get<std::int64_t>());
    PostJson(c, "/api/v1/bots/loadgen/orders/" + id + "/accept", json::object());
    order_ids.push_back(id);
  }
  std::vector<std::string> args = {"loadgen", "run" + std::to_string(getpid())};
  args.insert(args.end(), order_ids.begin(), order_ids.end());

  // RSS every second during the run.
  std::atomic<bool> running{true};
  std::vector<std::int64_t> rss;
  std::thread sampler([&] {
    while (running) {
      rss.push_back(RssKib(serve.pid()));
      for (int i = 0; i < 10 && running; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  std::fprintf(stderr, "fills: %d connections, %d s\n", o.fill_connections, o.duration);
  WrkResult w;
  try {
    w = RunWrk(serve.base() + "/api/v1/bots/loadgen/fills", "fills.lua", o.fill_connections,
               o.duration, args, work / "wrk-fills.log");
  } catch (...) {
    running = false;
    sampler.join();
    throw;
  }
  running = false;
  sampler.join();
  rss.push_back(RssKib(serve.pid()));

  // Every fill the server acknowledged is in the store.
  const json overview = GetJson(c, "/api/v1/overview");
  std::int64_t stored = -1;
  for (const json& b : overview["bots"]) {
    if (b["bot"] == "loadgen") stored = b["fills"].get<std::int64_t>();
  }
  const double ok_requests = w.get("requests") - w.get("non2xx");
  const double rate = ok_requests / (w.get("duration_us") / 1e6);
  const bool clean = w.get("non2xx") == 0 && w.get("server_errors") == 0 && w.get("locked") == 0 &&
                     w.get("socket_errors") == 0;
  char measured[256];
  std::snprintf(measured, sizeof measured,
                "%.0f fills/s (p99 %s); 5xx %.0f, locked %.0f, other non-2xx %.0f; stored %lld of "
                "%.0f acknowledged",
                rate, Ms(w.get("p99_us")).c_str(), w.get("server_errors"), w.get("locked"),
                w.get("non2xx") - w.get("server_errors"), static_cast<long long>(stored),
                ok_requests);
  // wrk stops counting at the end of the run, but each connection may have
  // one request in flight then, which the server still records: every
  // acknowledged fill is stored, and at most one more per connection.
  const auto acknowledged = static_cast<std::int64_t>(ok_requests);
  const bool all_stored = stored >= acknowledged && stored <= acknowledged + o.fill_connections;
  rows.push_back({"POST fills, " + std::to_string(o.fill_connections) + " conn, SQLite NORMAL",
                  measured, ">= 2000 fills/s, no 5xx/locked", clean && rate >= 2000 && all_stored});

  const std::int64_t start = rss.front();
  const std::int64_t end = rss.back();
  const std::int64_t max = *std::max_element(rss.begin(), rss.end());
  // The first seconds warm up (each worker thread's malloc arena, the
  // stores' page caches up to SQLite's cache_size): flat means the end is
  // within 5% of the sample a third of the way in (20 s of 60).
  const std::int64_t warm = rss[rss.size() / 3];
  char m2[200];
  std::snprintf(
      m2, sizeof m2, "start %.1f MiB, at %zu s %.1f MiB, end %.1f MiB, max %.1f MiB (%zu samples)",
      start / 1024.0, rss.size() / 3, warm / 1024.0, end / 1024.0, max / 1024.0, rss.size());
  rows.push_back({"serve RSS during the fills run (" + std::to_string(o.duration) + " s)", m2,
                  "end <= that at 1/3 + 5%", end * 20 <= warm * 21});
  fs::remove_all(copy);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--cache") {
      o.cache = next();
    } else if (arg == "--trades") {
      o.trades = std::stoll(next());
    } else if (arg == "--bots") {
      o.bots = std::max(1, std::stoi(next()));
    } else if (arg == "--duration") {
      o.duration = std::max(1, std::stoi(next()));
    } else if (arg == "--read-duration") {
      o.read_duration = std::max(1, std::stoi(next()));
    } else if (arg == "--read-connections") {
      o.read_connections.clear();
      std::stringstream list(next());
      for (std::string n; std::getline(list, n, ',');)
        o.read_connections.push_back(std::max(1, std::stoi(n)));
    } else if (arg == "--fill-connections") {
      o.fill_connections = std::max(1, std::stoi(next()));
    } else if (arg == "--threads") {
      o.threads = std::max(1, std::stoi(next()));
    } else if (arg == "--only") {
      o.only = next();
    } else if (arg == "--cli") {
      o.cli = next();
    } else {
      std::fprintf(stderr,
                   "usage: tradestore_server_bench [--cache DIR] [--trades N] [--bots N] "
                   "[--duration S] [--read-duration S] [--read-connections N,N] "
                   "[--fill-connections N] [--threads N] [--only reads|fills] [--cli PATH]\n");
      return 2;
    }
  }
  try {
    const std::string url = CachedStore(o);
    const fs::path work = fs::absolute(o.cache) / "run";
    fs::create_directories(work);
    std::vector<Row> rows;
    if (o.only.empty() || o.only == "reads") Reads(url, o, work, rows);
    if (o.only.empty() || o.only == "fills") Fills(url, o, work, rows);
    std::size_t w0 = 8, w1 = 8, w2 = 6;
    for (const Row& r : rows) {
      w0 = std::max(w0, r.workload.size());
      w1 = std::max(w1, r.measured.size());
      w2 = std::max(w2, r.target.size());
    }
    std::printf("\ntradestore serve: %lld trades across %d bots, serve --threads %d\n",
                static_cast<long long>(o.trades), o.bots, o.threads);
    std::printf("%-*s | %-*s | %-*s | met\n", static_cast<int>(w0), "workload",
                static_cast<int>(w1), "measured", static_cast<int>(w2), "target");
    std::printf("%s\n", std::string(w0 + w1 + w2 + 12, '-').c_str());
    bool all = true;
    for (const Row& r : rows) {
      std::printf("%-*s | %-*s | %-*s | %s\n", static_cast<int>(w0), r.workload.c_str(),
                  static_cast<int>(w1), r.measured.c_str(), static_cast<int>(w2), r.target.c_str(),
                  r.met ? "yes" : "NO");
      tradestore::bench::PrintResultLine("serve: " + r.workload, r.measured, "", "", r.target,
                                         tradestore::bench::Met(r.met));
      all = all && r.met;
    }
    return all ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tradestore_server_bench: %s\n", e.what());
    return 2;
  }
}
