// Running a unit of work again when it was lost or refused, for callers
// whose work can be re-run (docs/storage.md, "Reconnection and lost units
// of work").
//
// The library already retries, by itself, the start of every unit of work
// (store.h: a busy SQLite store, a PostgreSQL session that cannot be had):
// nothing has run then. What it cannot do alone is run again a unit of work
// lost half-way (a PostgreSQL restart rolls it back), because only the
// caller knows its work: RunRetrying does that for a callable that opens,
// fills and commits its own unit of work.
//
// Thread safety: as the Store the callable uses.
#pragma once

#include <chrono>
#include <functional>

#include "tradestore/error.h"

namespace tradestore {

struct RetryOptions {
  // How long re-running may go on, from the first failure (default 60 s).
  std::chrono::milliseconds budget{60'000};
  // For an unknown-outcome COMMIT (Error kInDoubt): whether the work was
  // committed after all, looked up in the store (a commit marker written in
  // the same unit of work: an idempotency key, a row at a known time). true:
  // RunRetrying returns; false: the work is run again. Not set: kInDoubt is
  // thrown, unless `idempotent`.
  std::function<bool()> committed;
  // The work gives the same store whether it ran once or twice (e.g. an
  // upsert of the same rows): after kInDoubt it is simply run again.
  bool idempotent = false;
  // Told of each failure that will be retried, before the wait (e.g. to
  // print "connection lost, retrying").
  std::function<void(const Error&)> on_retry;
};

// Calls `work`; when it throws Error kUnavailable with retryable() (the unit
// of work was lost or refused and nothing of it was written) or kInDoubt
// (see RetryOptions), waits with jittered exponential backoff (100 ms
// doubling to 2 s, each drawn from [d/2, d]) and calls it again, until
// `options.budget` has passed since the first failure; then the last error
// is thrown. Any other error is thrown at once.
void RunRetrying(const std::function<void()>& work, const RetryOptions& options = {});

}  // namespace tradestore
