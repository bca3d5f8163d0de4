// The nesting rule of units of work, written once for every driver (see
// Connection::Begin in connection.h).
#include "sql/connection.h"

namespace tradestore::sql {

void Connection::Begin() {
  if (depth_ == 0) {
    Backoff backoff(begin_retry_);
    for (;;) {
      try {
        BeginTransaction();  // throws with nothing open
        break;
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::kUnavailable || !e.retryable() || !backoff.Wait()) throw;
        ++begin_retries_;
      }
    }
    poisoned_ = false;
  }
  ++depth_;
}

void Connection::Commit() {
  if (depth_ == 0) throw Error(ErrorKind::kInternal, "commit without a transaction");
  if (depth_ > 1) {
    --depth_;
    return;
  }
  // The outermost level: the unit of work ends here, whatever happens next.
  const bool poisoned = poisoned_;
  depth_ = 0;
  poisoned_ = false;
  if (poisoned) {
    Error refused = RefusedCommit();
    RollbackTransaction();
    throw refused;
  }
  CommitTransaction();
}

void Connection::Rollback() noexcept {
  if (depth_ == 0) return;
  if (depth_ > 1) {
    --depth_;
    poisoned_ = true;
    return;
  }
  depth_ = 0;
  poisoned_ = false;
  RollbackTransaction();
}

Error Connection::RefusedCommit() const { return PoisonedCommit(); }

std::unique_ptr<BulkWriter> Connection::BeginBulkUpsert(BulkUpsertSpec spec) {
  if (spec.columns.empty()) {
    throw Error(ErrorKind::kInternal, "bulk write into " + spec.table + ": no columns");
  }
  if (depth_ == 0) throw Error(ErrorKind::kInternal, "a bulk write needs a unit of work (Begin)");
  return OpenBulkWriter(std::move(spec));
}

}  // namespace tradestore::sql
