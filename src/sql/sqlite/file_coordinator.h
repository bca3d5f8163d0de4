// What the SQLite connections of one process share per database file: a
// fair writer queue and the group-commit durability barrier (see
// docs/storage.md, "Group commit"). Nothing here calls SQLite; the driver
// (sqlite_connection.cc) decides when to queue and what a sync is.
//
// Thread safety: every member function may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tradestore::sql {

// A lock taken by a unit of work of this process before it starts on the
// file (on the connection where units share transactions: MergedWriter in
// sqlite_connection.cc) and released when it ends, so that the writers of
// one process pass the file to each other through a condition variable
// instead of busy-polling SQLite's write lock. Writers of other processes
// still meet at SQLite's lock (and its busy handler).
//
// Bounded barging: a free lock goes to whoever asks first, a running
// writer or the oldest waiter (woken by Release), as long as the oldest
// waiter has waited less than kMaxBarge; after that, Release hands the lock
// straight to it and newcomers queue behind it. Strict first-come hand-over
// on every release would stall the file whenever the next waiter is not
// on a CPU yet (a lock convoy: measured at half the throughput of polling
// with 8 and 16 writers on 2 busy CPUs); unbounded barging would let a
// writer in a tight loop starve the others, which is what the queue is
// for. So a waiter waits at most about kMaxBarge plus one unit of work per
// writer ahead of it.
class WriterQueue {
 public:
  static constexpr std::chrono::microseconds kMaxBarge{2000};

  // Waits until the calling thread holds the lock (see above), or `timeout`
  // has passed (zero: do not wait). Returns false on timeout, holding
  // nothing.
  bool Acquire(std::chrono::microseconds timeout);
  // Frees the lock, or hands it to the oldest waiter (see above). Only the
  // holder calls it.
  void Release() noexcept;
  // Whether a thread is waiting for the lock now (the holder asks it to
  // decide whether to hand its group transaction on; see MergedWriter in
  // sqlite_connection.cc).
  bool HasWaiters();

 private:
  struct Waiter {
    std::condition_variable cv;
    std::chrono::steady_clock::time_point since;
    bool granted = false;
  };
  std::mutex mutex_;
  bool held_ = false;
  std::deque<Waiter*> waiters_;  // oldest first
};

// Group commit: connections that run at synchronous=NORMAL (a commit writes
// its WAL frames without an fsync) wait here after each commit until a sync
// of the WAL file has covered it. The first waiter whose commit is not yet
// covered becomes the leader: it notes the newest commit recorded so far,
// syncs once, and marks every commit up to that one durable; commits that
// arrive during its sync wait for the next leader, who covers them all with
// one more sync.
class DurabilityBarrier {
 public:
  // Records a commit whose writes have all completed (the COMMIT returned);
  // returns its number (1, 2, ...).
  std::uint64_t Committed();
  // Returns once commit `seq` is durable: 0, or the nonzero code a failed
  // sync returned. `sync` makes every write completed before it was called
  // durable and returns 0 or an error code (an exception counts as -1); the
  // calling thread runs it when it leads a group. A failed sync is sticky:
  // every commit it covered and every later one gets its code (after a
  // failed fsync the kernel may have dropped those pages, so no later sync
  // can vouch for them); the connections must be closed and the file
  // reopened (SQLite's recovery then reads what the WAL really holds).
  int WaitDurable(std::uint64_t seq, const std::function<int()>& sync);
  // Syncs run so far (for tests and benchmarks).
  std::uint64_t syncs();

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::uint64_t committed_ = 0;  // the newest commit recorded
  std::uint64_t durable_ = 0;    // every commit up to this one is durable
  // Commits in (failed_from_, failed_through_] get failed_rc_ (a failed sync).
  std::uint64_t failed_from_ = 0;
  std::uint64_t failed_through_ = 0;
  int failed_rc_ = 0;
  bool syncing_ = false;
  std::uint64_t syncs_ = 0;
};

// The queue and barrier of one database file.
struct SharedFile {
  WriterQueue writers;
  DurabilityBarrier barrier;
};

// One object per database file for the whole process: the one for
// `canonical_path` (symbolic links resolved, so that two spellings of one
// file share it), made by `make` on first use and kept while anyone holds
// it. The registry keeps weak pointers only, and forgets the files nobody
// holds when it makes a new object (it stays as small as the set of open
// files). Thread-safe; `make` runs under the registry's lock.
template <typename T>
class PerFile {
 public:
  std::shared_ptr<T> Get(const std::string& canonical_path,
                         const std::function<std::shared_ptr<T>()>& make) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::weak_ptr<T>& slot = objects_[canonical_path];
    if (auto found = slot.lock()) return found;
    std::shared_ptr<T> made = make();
    slot = made;
    for (auto it = objects_.begin(); it != objects_.end();) {
      it = it->second.expired() ? objects_.erase(it) : std::next(it);
    }
    return made;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::weak_ptr<T>> objects_;
};

// The SharedFile of the database file at `canonical_path` (PerFile).
std::shared_ptr<SharedFile> SharedFileFor(const std::string& canonical_path);

}  // namespace tradestore::sql
