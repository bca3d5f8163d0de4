// The live event stream of `tradestore serve` (GET /api/v1/events,
// Server-Sent Events). One poller thread follows the store's change feed
// (change_feed.h) and wakes the streams; a write through this server wakes
// it at once, and commits by other processes are seen through the feed
// (PostgreSQL: LISTEN/NOTIFY; SQLite: polling every few milliseconds).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace tradestore::server {

struct ServerState;

class EventHub {
 public:
  explicit EventHub(ServerState& state) : state_(state) {}
  // A commit happened in this process: wake the streams now.
  void Wake();
  // Blocks until Wake() or `timeout_ms` passed; returns the wake counter.
  std::uint64_t WaitFor(std::uint64_t seen, int timeout_ms);
  std::uint64_t generation();
  // The poller: follows the change feed until Stop(), waking the streams
  // when it sees commits of other processes.
  void Run();
  // Ends every stream (shutdown).
  void Stop();
  bool stopped();

 private:
  ServerState& state_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t generation_ = 0;
  bool stopped_ = false;
};

}  // namespace tradestore::server
