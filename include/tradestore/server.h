// `tradestore serve`: the store over HTTP. A REST/JSON API under /api/v1
// (described by the OpenAPI 3 document at /api/v1/openapi.json), a live
// event stream (Server-Sent Events at /api/v1/events), Prometheus metrics at
// /metrics and the web dashboard at /. Every route is a thin call of the
// library API; see docs/server.md.
//
// Auth: a bearer token (`Authorization: Bearer TOKEN`), compared in constant
// time and never logged. Without a token the server accepts only loopback
// addresses (a non-loopback `host` is refused at construction). Unless
// `public_read`, reads need the token too; /api/v1/health, /api/v1/ping and
// the dashboard's static files never do. `read_only` refuses every write
// with 403.
//
// Concurrency: requests run on a pool of `threads` worker threads; each
// takes a Store of its own from a pool of open stores (a Store is not
// thread-safe). On SQLite, writes from this process take turns on one mutex
// (SQLite admits one writer at a time; waiting in-process is cheaper and
// fairer than the busy handler), so concurrent clients never see
// "database is locked" from each other.
//
// Thread safety: Start, Wait and Stop may be called from different threads;
// Stop is safe to call from any thread, more than once.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace tradestore {

struct ServerOptions {
  std::string store_url;                 // as Store::Open; "" = Store::DefaultUrl()
  std::string host = "127.0.0.1";        // address to bind: an IPv4/IPv6 literal or "localhost"
  int port = 8080;                       // 0: any free port (see Server::port())
  std::string token;                     // "" = no auth (loopback hosts only)
  bool read_only = false;                // refuse writes (403)
  bool public_read = false;              // reads without a token
  std::size_t max_body_bytes = 1 << 20;  // larger request bodies get 413
  int threads = 16;                      // worker threads (and pooled stores)
  // PostgreSQL with a streaming replica in the URL (read_host=): reads
  // outside a unit of work (every GET) go to the replica once it has
  // replayed the latest write made through this server (or wait up to
  // read_wait_ms and go to the primary); writes go to the primary
  // (StoreOptions::read_replica, docs/scale-out.md). The live event stream
  // stays on the primary.
  bool read_replica = false;
  // Directory of the dashboard's built files (web/dist). "" = the files
  // built into this binary, when it was built with them.
  std::string dashboard_dir;
};

// True for "localhost", "::1" and 127.0.0.0/8.
bool IsLoopbackHost(const std::string& host) noexcept;

class Server {
 public:
  // Validates the options and opens one store (migrating it, as
  // Store::Open). Throws Error(kInvalidArgument) for a non-loopback host
  // without a token (saying why), a port outside 0..65535, threads < 1, a
  // zero body limit, or read_replica on a store URL without read_host; the
  // store's errors otherwise.
  explicit Server(ServerOptions options);
  ~Server();  // stops and waits
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on background threads; returns once the
  // socket listens. Throws Error(kUnavailable) if the address cannot be
  // bound (in use, not local).
  void Start();
  // The bound port (after Start).
  int port() const;
  // Blocks until Stop() has been called and every in-flight request has
  // finished (event streams are ended); then the stores are closed.
  void Wait();
  // Stops accepting connections, ends event streams, lets in-flight
  // requests finish. Returns at once; Wait() for the drain.
  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tradestore
