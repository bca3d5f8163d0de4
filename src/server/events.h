// The live event stream of `tradestore serve` (GET /api/v1/events,
// Server-Sent Events), over the store's change feed (change_feed.h).
//
// A poller thread waits on a feed of its own (LISTEN/NOTIFY on PostgreSQL,
// polling on SQLite) and wakes the streams when another process commits; a
// write through this server wakes them at once. Each stream then reads the
// feed after its own cursor, so every client gets exactly the events after
// its Last-Event-ID, none lost or repeated, whichever process wrote them.
// A stream holds one worker thread while open; at most threads / 2 streams
// are open at once (503 beyond), so streams never starve the API.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace tradestore::server {

struct ServerState;

class EventHub {
 public:
  EventHub(ServerState& state, int threads)
      : state_(state), max_streams_(threads / 2 > 0 ? threads / 2 : 1) {}
  // A commit happened in this process: wake the streams now.
  void Wake();
  // Blocks until the wake counter differs from `seen`, Stop(), or
  // `timeout_ms` passed; returns the counter.
  std::uint64_t WaitFor(std::uint64_t seen, int timeout_ms);
  std::uint64_t generation();
  // The poller: wakes the streams on commits of other processes, until Stop().
  void Run();
  // Ends every stream (shutdown).
  void Stop();
  bool stopped();
  // Counts an open stream; false when the limit is reached.
  bool TryOpenStream();
  void CloseStream();

 private:
  ServerState& state_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t generation_ = 0;
  bool stopped_ = false;
  int streams_ = 0;
  int max_streams_;
};

}  // namespace tradestore::server
