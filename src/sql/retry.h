// Waiting and retrying with jittered exponential backoff, bounded in time:
// the one policy behind every retry of the SQL layer (a unit of work that
// cannot start because the store is busy, SQLite's lock waits).
//
// Thread safety: a Backoff belongs to one thread; the jitter comes from a
// per-thread generator seeded from std::random_device.
#pragma once

#include <chrono>
#include <optional>

namespace tradestore::sql {

struct RetryPolicy {
  // How long retrying may go on, from the first failure; zero: never retry.
  std::chrono::microseconds budget{0};
  // The first delay; each next one doubles up to `max_delay`. Each delay is
  // drawn uniformly from [d/2, d] (jitter: processes that failed together
  // do not retry in lockstep), and the last one is cut to the budget left.
  std::chrono::microseconds first_delay{10'000};
  std::chrono::microseconds max_delay{1'000'000};
};

// The delays of one retry sequence under a policy.
class Backoff {
 public:
  explicit Backoff(const RetryPolicy& policy);

  // The next delay, or nullopt once the budget is spent.
  std::optional<std::chrono::microseconds> Next();
  // Sleeps for Next() and returns true, or returns false at once when the
  // budget is spent.
  bool Wait();
  // Retries so far (calls of Next that returned a delay).
  int attempts() const { return attempts_; }

 private:
  RetryPolicy policy_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::microseconds delay_;
  int attempts_ = 0;
};

}  // namespace tradestore::sql
