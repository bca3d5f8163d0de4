#include "sql/sqlite/file_coordinator.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

namespace tradestore::sql {

bool WriterQueue::Acquire(std::chrono::microseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (!held_ && (waiters_.empty() || now - waiters_.front()->since < kMaxBarge)) {
    held_ = true;
    return true;
  }
  if (timeout.count() <= 0) return false;
  Waiter me;
  me.since = now;
  waiters_.push_back(&me);
  const auto deadline = now + timeout;
  while (true) {
    if (me.granted) return true;  // handed over by Release: held_ stayed true
    if (!held_ && waiters_.front() == &me) {
      // Woken by Release as the oldest waiter: take the free queue.
      waiters_.pop_front();
      held_ = true;
      return true;
    }
    if (me.cv.wait_until(lock, deadline) == std::cv_status::timeout && !me.granted &&
        (held_ || waiters_.front() != &me)) {
      waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &me));
      // The next oldest may now take a free queue.
      if (!held_ && !waiters_.empty()) waiters_.front()->cv.notify_one();
      return false;
    }
  }
}

void WriterQueue::Release() noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  if (waiters_.empty()) {
    held_ = false;
    return;
  }
  Waiter* oldest = waiters_.front();
  if (std::chrono::steady_clock::now() - oldest->since >= kMaxBarge) {
    // It has waited long enough: hand over, no one can take it first.
    waiters_.pop_front();
    oldest->granted = true;
  } else {
    held_ = false;  // the oldest waiter, or a running writer, takes it
  }
  oldest->cv.notify_one();
}

bool WriterQueue::HasWaiters() {
  std::lock_guard<std::mutex> lock(mutex_);
  return !waiters_.empty();
}

std::uint64_t DurabilityBarrier::Committed() {
  std::lock_guard<std::mutex> lock(mutex_);
  return ++committed_;
}

int DurabilityBarrier::WaitDurable(std::uint64_t seq, const std::function<int()>& sync) {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    if (seq > failed_from_ && seq <= failed_through_) return failed_rc_;
    if (seq <= durable_) return 0;
    if (syncing_) {
      cv_.wait(lock);
      continue;
    }
    // Lead a group: every commit recorded so far has completed its writes,
    // so one sync started now covers them all.
    syncing_ = true;
    const std::uint64_t target = committed_;
    const std::uint64_t from = durable_;
    lock.unlock();
    int rc = 0;
    try {
      rc = sync();
    } catch (...) {
      rc = -1;
    }
    lock.lock();
    syncing_ = false;
    ++syncs_;
    if (rc != 0 && failed_rc_ == 0) {
      // Sticky: after a failed fsync the kernel may have dropped the dirty
      // pages, so no later sync can vouch for these commits or any after.
      failed_from_ = from;
      failed_through_ = UINT64_MAX;
      failed_rc_ = rc;
    } else if (rc == 0) {
      durable_ = std::max(durable_, target);
    }
    cv_.notify_all();
  }
}

std::uint64_t DurabilityBarrier::syncs() {
  std::lock_guard<std::mutex> lock(mutex_);
  return syncs_;
}

std::shared_ptr<SharedFile> SharedFileFor(const std::string& canonical_path) {
  static PerFile<SharedFile> files;
  return files.Get(canonical_path, [] { return std::make_shared<SharedFile>(); });
}

}  // namespace tradestore::sql
