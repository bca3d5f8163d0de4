#include "tradestore/retry.h"

#include "sql/retry.h"

namespace tradestore {

void RunRetrying(const std::function<void()>& work, const RetryOptions& options) {
  sql::RetryPolicy policy;
  policy.budget = options.budget;
  policy.first_delay = std::chrono::milliseconds(100);
  policy.max_delay = std::chrono::seconds(2);
  std::optional<sql::Backoff> backoff;
  for (;;) {
    try {
      work();
      return;
    } catch (const Error& e) {
      const bool lost = e.kind() == ErrorKind::kUnavailable && e.retryable();
      const bool in_doubt = e.kind() == ErrorKind::kInDoubt;
      if (!lost && !(in_doubt && (options.committed || options.idempotent))) throw;
      if (!backoff) backoff.emplace(policy);
      if (options.on_retry) options.on_retry(e);
      if (in_doubt && options.committed) {
        // Looking it up needs the store back: wait for it as for a lost
        // unit of work.
        for (;;) {
          if (!backoff->Wait()) throw;
          try {
            if (options.committed()) return;
            break;
          } catch (const Error& again) {
            if (again.kind() != ErrorKind::kUnavailable || !again.retryable()) throw;
          }
        }
        continue;
      }
      if (!backoff->Wait()) throw;
    }
  }
}

}  // namespace tradestore
