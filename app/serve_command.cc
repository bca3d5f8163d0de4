// tradestore serve [--store URL] [--listen HOST:PORT] [--token-file FILE]
//                  [--read-only] [--public-read] [--read-replica] [--threads N]
//                  [--dashboard-dir DIR]
// Serves the store over HTTP until SIGINT or SIGTERM, then drains in-flight
// requests and closes the store.
#include <fmt/format.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.h"
#include "tradestore/error.h"
#include "tradestore/server.h"

namespace tradestore::cli {
namespace {

struct ServeArgs {
  std::string listen = "127.0.0.1:8080";
  std::string token_file;
  bool read_only = false;
  bool public_read = false;
  bool read_replica = false;
  int threads = 16;
  std::size_t max_body_bytes = 1 << 20;
  std::string dashboard_dir;
};

// "HOST:PORT", "[v6]:PORT" or ":PORT" (loopback).
std::pair<std::string, int> ParseListen(const std::string& text) {
  std::string host;
  std::string port;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find("]:");
    if (close == std::string::npos)
      throw InvalidArgument("--listen '" + text + "': expected [V6]:PORT");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string::npos)
      throw InvalidArgument("--listen '" + text + "': expected HOST:PORT");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty()) host = "127.0.0.1";
  char* end = nullptr;
  const long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535)
    throw InvalidArgument(fmt::format("--listen '{}': port '{}' is not 0..65535", text, port));
  return {host, static_cast<int>(p)};
}

// The token: the file's first line (trailing whitespace dropped), else
// $TRADESTORE_TOKEN. Never printed.
std::string ReadToken(const std::string& file) {
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) throw NotFound("--token-file '" + file + "' cannot be read");
    std::string token;
    std::getline(in, token);
    while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back())))
      token.pop_back();
    if (token.empty()) throw InvalidArgument("--token-file '" + file + "' is empty");
    return token;
  }
  const char* env = std::getenv("TRADESTORE_TOKEN");
  return env ? env : "";
}

// glibc's malloc returns the free top of each thread's arena to the kernel
// as soon as it exceeds 128 KiB, and serves blocks over 128 KiB (growing
// dynamically) with mmap. A request that builds a page of 500 rows (~0.5
// MB) then faults its memory in afresh on every request: a quarter of the
// CPU time of GET /api/v1/trades?limit=500 went to sysmalloc and page faults
// (perf, docs/benchmarks.md). A server keeps what it used: memory stays at
// the peak of the busiest requests instead.
void TuneMalloc() {
  mallopt(M_MMAP_THRESHOLD, 8 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

int RunServe(const GlobalOptions& global, const ServeArgs& a) {
  TuneMalloc();
  ServerOptions o;
  o.store_url = global.ResolvedUrl();
  std::tie(o.host, o.port) = ParseListen(a.listen);
  o.token = ReadToken(a.token_file);
  o.read_only = a.read_only;
  o.public_read = a.public_read;
  o.read_replica = a.read_replica;
  o.threads = a.threads;
  o.max_body_bytes = a.max_body_bytes;
  o.dashboard_dir = a.dashboard_dir;

  // Signals are taken by this thread only (sigwait), never by workers.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Server server(o);
  server.Start();
  std::cerr << fmt::format("tradestore serve: {} on http://{}:{}/ ({}{}{})\n", o.store_url,
                           o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host,
                           server.port(), o.token.empty() ? "no token" : "token required",
                           o.read_only ? ", read-only" : "",
                           std::string(o.public_read ? ", public reads" : "") +
                               (o.read_replica ? ", reads from the replica" : ""));
  int sig = 0;
  sigwait(&signals, &sig);
  std::cerr << "tradestore serve: " << (sig == SIGINT ? "SIGINT" : "SIGTERM")
            << ": draining requests and closing the store\n";
  server.Stop();
  server.Wait();
  std::cerr << "tradestore serve: stopped\n";
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run) {
  auto* sub = app.add_subcommand(
      "serve", "Serve the store over HTTP: REST API, event stream, metrics and dashboard");
  auto args = std::make_shared<ServeArgs>();
  sub->add_option("--listen", args->listen,
                  "HOST:PORT to listen on (default 127.0.0.1:8080; a non-loopback host needs a "
                  "token)");
  sub->add_option("--token-file", args->token_file,
                  "File whose first line is the bearer token (else $TRADESTORE_TOKEN)");
  sub->add_flag("--read-only", args->read_only, "Refuse every write (403)");
  sub->add_flag("--public-read", args->public_read, "Allow reads without the token");
  sub->add_flag("--read-replica", args->read_replica,
                "PostgreSQL with read_host= in the URL: serve reads from the replica once it has "
                "replayed this server's latest write (writes and events stay on the primary)");
  sub->add_option("--threads", args->threads, "Worker threads (default 16)")
      ->check(CLI::Range(1, 1024));
  sub->add_option("--max-body-bytes", args->max_body_bytes,
                  "Largest request body accepted (default 1 MiB; larger: 413)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
  sub->add_option("--dashboard-dir", args->dashboard_dir,
                  "Serve the dashboard from this directory (a web/ build) instead of the "
                  "built-in files");
  AddCommonOptions(*sub, global, /*with_json=*/false);
  sub->callback(
      [&global, &run, args] { run = [&global, args]() { return RunServe(global, *args); }; });
}

}  // namespace tradestore::cli
