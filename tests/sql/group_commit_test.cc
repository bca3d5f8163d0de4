// Group commit on SQLite (src/sql/sqlite/file_coordinator.h and the
// driver's GroupSync): the writer queue's order and timeout, the durability
// barrier's grouping and sticky failure, and, on real files through a VFS
// that watches every write and sync of the WAL, that each commit returns
// only after a sync that started once its frames were written.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sql/connection.h"
#include "sql/sqlite/file_coordinator.h"
#include "sql/sqlite/sqlite_connection.h"
#include "tradestore/error.h"

namespace tradestore::sql {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> next{0};
    path_ = fs::temp_directory_path() /
            ("tradestore-gc-" + std::to_string(::getpid()) + "-" + std::to_string(next++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// Options of a connection with group commit (synchronous FULL).
SqliteOptions FullSync() {
  SqliteOptions o;
  o.synchronous = "FULL";
  return o;
}

TEST(WriterQueueTest, HandsOverInArrivalOrder) {
  WriterQueue queue;
  ASSERT_TRUE(queue.Acquire(0us));
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      ASSERT_TRUE(queue.Acquire(10s));
      {
        std::lock_guard lock(mu);
        order.push_back(i);
      }
      queue.Release();
    });
    std::this_thread::sleep_for(30ms);  // thread i is queued before thread i+1
  }
  queue.Release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST(WriterQueueTest, GivesUpAfterItsTimeoutAndLeavesTheQueue) {
  WriterQueue queue;
  ASSERT_TRUE(queue.Acquire(0us));
  EXPECT_FALSE(queue.Acquire(0us));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(queue.Acquire(20ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
  queue.Release();
  // The waiter that gave up is gone: the queue is free again.
  EXPECT_TRUE(queue.Acquire(0us));
  queue.Release();
}

// A writer that releases and re-takes the lock in a tight loop cannot keep
// a waiter out for longer than about WriterQueue::kMaxBarge.
TEST(WriterQueueTest, AWaiterIsServedDespiteATightLoop) {
  WriterQueue queue;
  std::atomic<bool> stop{false};
  std::thread looper([&] {
    while (!stop) {
      ASSERT_TRUE(queue.Acquire(10s));
      std::this_thread::sleep_for(100us);  // a short unit of work
      queue.Release();
    }
  });
  std::this_thread::sleep_for(20ms);
  for (int i = 0; i < 20; ++i) {
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(queue.Acquire(10s));
    const auto waited = std::chrono::steady_clock::now() - start;
    queue.Release();
    // kMaxBarge (2 ms) plus one unit of work and scheduling, with room
    // for a loaded machine.
    EXPECT_LT(waited, 200ms);
  }
  stop = true;
  looper.join();
}

TEST(DurabilityBarrierTest, OneSyncCoversEveryCommitBeforeIt) {
  DurabilityBarrier barrier;
  std::atomic<int> syncs{0};
  auto slow_sync = [&] {
    ++syncs;
    std::this_thread::sleep_for(30ms);
    return 0;
  };
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      const std::uint64_t seq = barrier.Committed();
      if (barrier.WaitDurable(seq, slow_sync) != 0) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  // The first leader's sync covers at least itself; the commits recorded
  // during it need one more: far fewer than 8 syncs.
  EXPECT_LE(syncs.load(), 4);
  EXPECT_EQ(barrier.syncs(), static_cast<std::uint64_t>(syncs.load()));
}

TEST(DurabilityBarrierTest, AFailedSyncFailsItsCommitsAndEveryLaterOne) {
  DurabilityBarrier barrier;
  const std::uint64_t first = barrier.Committed();
  EXPECT_EQ(barrier.WaitDurable(first, [] { return 0; }), 0);
  const std::uint64_t second = barrier.Committed();
  EXPECT_EQ(barrier.WaitDurable(second, [] { return SQLITE_IOERR_FSYNC; }), SQLITE_IOERR_FSYNC);
  const std::uint64_t third = barrier.Committed();
  EXPECT_EQ(barrier.WaitDurable(third, [] { return 0; }), SQLITE_IOERR_FSYNC);
  // A commit made durable before the failure stays so.
  EXPECT_EQ(barrier.WaitDurable(first, [] { return 0; }), 0);
}

// A VFS over the default one that numbers each completed write to a WAL
// file and, around each sync of a WAL file, records the highest number
// every one of whose writes a completed sync covered.
struct SyncSpy {
  static inline sqlite3_vfs* real = nullptr;
  static inline sqlite3_vfs vfs{};
  static inline sqlite3_io_methods methods{};
  static inline std::atomic<std::uint64_t> writes{0};
  static inline std::atomic<std::uint64_t> durable{0};
  static inline std::atomic<std::uint64_t> syncs{0};
  static inline thread_local std::uint64_t last_write = 0;  // this thread's newest WAL write

  struct File {
    sqlite3_file base;
    bool wal;
    sqlite3_file* Real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
  };
  static File* Of(sqlite3_file* f) { return reinterpret_cast<File*>(f); }

  static int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out) {
    File* file = Of(f);
    file->base.pMethods = nullptr;
    file->wal = (flags & SQLITE_OPEN_WAL) != 0;
    const int rc = real->xOpen(real, name, file->Real(), flags, out);
    if (rc == SQLITE_OK && file->Real()->pMethods != nullptr) file->base.pMethods = &methods;
    return rc;
  }
  static int Close(sqlite3_file* f) { return Of(f)->Real()->pMethods->xClose(Of(f)->Real()); }
  static int Read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
    return Of(f)->Real()->pMethods->xRead(Of(f)->Real(), b, n, o);
  }
  static int Write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
    const int rc = Of(f)->Real()->pMethods->xWrite(Of(f)->Real(), b, n, o);
    if (Of(f)->wal) last_write = ++writes;  // numbered once complete
    return rc;
  }
  static int Truncate(sqlite3_file* f, sqlite3_int64 n) {
    return Of(f)->Real()->pMethods->xTruncate(Of(f)->Real(), n);
  }
  static int Sync(sqlite3_file* f, int flags) {
    const std::uint64_t covered = writes.load();  // every write numbered so far has completed
    const int rc = Of(f)->Real()->pMethods->xSync(Of(f)->Real(), flags);
    if (Of(f)->wal && rc == SQLITE_OK) {
      ++syncs;
      std::uint64_t seen = durable.load();
      while (seen < covered && !durable.compare_exchange_weak(seen, covered)) {
      }
    }
    return rc;
  }
  static int FileSize(sqlite3_file* f, sqlite3_int64* n) {
    return Of(f)->Real()->pMethods->xFileSize(Of(f)->Real(), n);
  }
  static int Lock(sqlite3_file* f, int l) {
    return Of(f)->Real()->pMethods->xLock(Of(f)->Real(), l);
  }
  static int Unlock(sqlite3_file* f, int l) {
    return Of(f)->Real()->pMethods->xUnlock(Of(f)->Real(), l);
  }
  static int CheckReserved(sqlite3_file* f, int* r) {
    return Of(f)->Real()->pMethods->xCheckReservedLock(Of(f)->Real(), r);
  }
  static int FileControl(sqlite3_file* f, int op, void* arg) {
    return Of(f)->Real()->pMethods->xFileControl(Of(f)->Real(), op, arg);
  }
  static int SectorSize(sqlite3_file* f) {
    return Of(f)->Real()->pMethods->xSectorSize(Of(f)->Real());
  }
  static int Characteristics(sqlite3_file* f) {
    return Of(f)->Real()->pMethods->xDeviceCharacteristics(Of(f)->Real());
  }
  static int ShmMap(sqlite3_file* f, int i, int n, int e, void volatile** p) {
    return Of(f)->Real()->pMethods->xShmMap(Of(f)->Real(), i, n, e, p);
  }
  static int ShmLock(sqlite3_file* f, int o, int n, int fl) {
    return Of(f)->Real()->pMethods->xShmLock(Of(f)->Real(), o, n, fl);
  }
  static void ShmBarrier(sqlite3_file* f) { Of(f)->Real()->pMethods->xShmBarrier(Of(f)->Real()); }
  static int ShmUnmap(sqlite3_file* f, int d) {
    return Of(f)->Real()->pMethods->xShmUnmap(Of(f)->Real(), d);
  }
  static int Fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** p) {
    return Of(f)->Real()->pMethods->xFetch(Of(f)->Real(), o, n, p);
  }
  static int Unfetch(sqlite3_file* f, sqlite3_int64 o, void* p) {
    return Of(f)->Real()->pMethods->xUnfetch(Of(f)->Real(), o, p);
  }

  // Installs the spy as the default VFS until destroyed.
  SyncSpy() {
    real = sqlite3_vfs_find(nullptr);
    vfs = *real;
    vfs.zName = "tradestore-sync-spy";
    vfs.szOsFile = static_cast<int>(sizeof(File)) + real->szOsFile;
    vfs.pNext = nullptr;
    vfs.xOpen = &Open;
    methods = sqlite3_io_methods{3,
                                 &Close,
                                 &Read,
                                 &Write,
                                 &Truncate,
                                 &Sync,
                                 &FileSize,
                                 &Lock,
                                 &Unlock,
                                 &CheckReserved,
                                 &FileControl,
                                 &SectorSize,
                                 &Characteristics,
                                 &ShmMap,
                                 &ShmLock,
                                 &ShmBarrier,
                                 &ShmUnmap,
                                 &Fetch,
                                 &Unfetch};
    sqlite3_vfs_register(&vfs, /*makeDflt=*/1);
  }
  ~SyncSpy() {
    sqlite3_vfs_unregister(&vfs);
    sqlite3_vfs_register(real, 1);
  }
  // Whether every WAL write of the calling thread so far has been synced.
  // Under group commit a unit of work's frames are written by whichever
  // thread commits its batch, which checks its own writes here.
  static bool MineDurable() { return durable.load() >= last_write; }
  // Whether every WAL write completed before `seen` (a value of `writes`)
  // has been synced: what a commit that returns must guarantee for all
  // that was written before it was called.
  static bool DurableThrough(std::uint64_t seen) { return durable.load() >= seen; }
};

// `threads` writers on one file, each committing `commits` units of work
// (and, every tenth, a write in autocommit and an INSERT ... RETURNING in
// autocommit that is reset after its row); counts the calls that returned
// before a sync covered their WAL writes.
struct Outcome {
  int not_durable = 0;
  std::int64_t rows = 0;
  std::uint64_t syncs = 0;
  bool group_active = false;
};
Outcome RunWriters(const std::string& path, const SqliteOptions& options, int threads,
                   int commits) {
  {
    auto c = OpenSqlite(path, options);
    c->ExecuteScript("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  }
  const std::uint64_t syncs_before = SyncSpy::syncs.load();
  std::atomic<int> not_durable{0};
  std::atomic<bool> active{false};
  std::vector<std::thread> pool;
  for (int w = 0; w < threads; ++w) {
    pool.emplace_back([&, w] {
      auto c = OpenSqlite(path, options);
      if (SqliteGroupCommitActive(*c)) active = true;
      for (int i = 0; i < commits; ++i) {
        const std::string v = std::to_string(w) + "-" + std::to_string(i);
        if (i % 10 == 9) {
          c->Prepare("INSERT INTO t(v) VALUES (?)").Bind(1, v + "a").Execute();
          if (!SyncSpy::MineDurable()) ++not_durable;
          Statement& r = c->Prepare("INSERT INTO t(v) VALUES (?) RETURNING id");
          r.Bind(1, v + "r");
          EXPECT_TRUE(r.Step());
          r.Reset();  // commits here
          if (!SyncSpy::MineDurable()) ++not_durable;
          continue;
        }
        Transaction tx(*c);
        c->Prepare("INSERT INTO t(v) VALUES (?)").Bind(1, v).Execute();
        const std::uint64_t before = SyncSpy::writes.load();
        tx.Commit();
        if (!SyncSpy::MineDurable() || !SyncSpy::DurableThrough(before)) ++not_durable;
      }
    });
  }
  for (auto& t : pool) t.join();
  Outcome out;
  out.not_durable = not_durable;
  out.syncs = SyncSpy::syncs.load() - syncs_before;
  out.group_active = active;
  auto c = OpenSqlite(path, options);
  Statement& st = c->Prepare("SELECT count(*) FROM t");
  st.Step();
  out.rows = st.GetInt64(0);
  st.Reset();
  return out;
}

TEST(GroupCommitTest, EveryCommitIsSyncedBeforeItReturns) {
  SyncSpy spy;
  TempDir dir;
  const SqliteOptions full = FullSync();
  const Outcome out = RunWriters(dir.File("g.db"), full, 8, 60);
  EXPECT_TRUE(out.group_active);
  EXPECT_EQ(out.not_durable, 0);
  EXPECT_EQ(out.rows, 8 * (54 + 12));  // 54 units of work and 6 x 2 autocommit writes each
  // One sync per group, not per commit (the count is informative: how
  // many commits share a sync depends on the scheduler).
  EXPECT_LE(out.syncs, static_cast<std::uint64_t>(8 * 66));
  std::cout << "8 writers, " << 8 * 66 << " commits, " << out.syncs << " WAL syncs\n";
}

TEST(GroupCommitTest, OneWriterSyncsEachCommit) {
  SyncSpy spy;
  TempDir dir;
  const SqliteOptions full = FullSync();
  const Outcome out = RunWriters(dir.File("g.db"), full, 1, 40);
  EXPECT_EQ(out.not_durable, 0);
  EXPECT_GE(out.syncs, 44u);  // 36 units of work + 4 x 2 autocommit writes
}

// The spy sees the difference: without group commit, synchronous=NORMAL
// returns before the WAL is synced; SQLite's own FULL does not.
TEST(GroupCommitTest, TheSpyCatchesUnsyncedCommits) {
  SyncSpy spy;
  TempDir dir;
  SqliteOptions normal;
  normal.group_commit = false;
  const Outcome lazy = RunWriters(dir.File("n.db"), normal, 1, 20);
  EXPECT_FALSE(lazy.group_active);
  EXPECT_GT(lazy.not_durable, 0);

  SqliteOptions full_off;
  full_off.synchronous = "FULL";
  full_off.group_commit = false;
  const Outcome own = RunWriters(dir.File("f.db"), full_off, 4, 20);
  EXPECT_FALSE(own.group_active);
  EXPECT_EQ(own.not_durable, 0);
}

TEST(GroupCommitTest, NotForMemoryOrNormal) {
  const SqliteOptions full = FullSync();
  EXPECT_FALSE(SqliteGroupCommitActive(*OpenSqlite(":memory:", full)));
  TempDir dir;
  EXPECT_FALSE(SqliteGroupCommitActive(*OpenSqlite(dir.File("n.db"), SqliteOptions{})));
  EXPECT_TRUE(SqliteGroupCommitActive(*OpenSqlite(dir.File("f.db"), full)));
}

// Two connections of one thread: the second cannot start a unit of work
// while the first holds the file's writer queue, and says so as SQLite's
// busy error would (kUnavailable, retryable) once its busy timeout passed.
TEST(GroupCommitTest, AQueuedWriterTimesOutAsBusy) {
  TempDir dir;
  SqliteOptions options = FullSync();
  options.busy_timeout_ms = 50;
  auto a = OpenSqlite(dir.File("q.db"), options);
  auto b = OpenSqlite(dir.File("q.db"), options);
  a->ExecuteScript("CREATE TABLE t(v)");
  a->Begin();
  try {
    b->Begin();
    ADD_FAILURE() << "the second writer started";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnavailable);
    EXPECT_TRUE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("database is locked"), std::string::npos) << e.what();
  }
  EXPECT_EQ(b->transaction_depth(), 0);
  a->Rollback();
  b->Begin();  // free again
  b->Commit();
}

// Shared transactions: units of work that queue behind an open one join its
// transaction, and each Commit returns once that transaction committed.
// Three connections of one file: `a` holds a unit of work while `b` and `c`
// queue for the file; `c` rolls back. The batch holds a's and b's rows,
// commits once, and a's Commit returns only after b's row is in the file.
TEST(GroupCommitTest, QueuedUnitsOfWorkShareOneTransaction) {
  TempDir dir;
  const SqliteOptions full = FullSync();
  const std::string file = dir.File("s.db");
  auto a = OpenSqlite(file, full);
  auto b = OpenSqlite(file, full);
  auto c = OpenSqlite(file, full);
  a->ExecuteScript("CREATE TABLE t(v TEXT NOT NULL)");
  const SqliteGroupCommitStats before = SqliteGroupCommitStatsOf(*a);

  a->Begin();
  a->Prepare("INSERT INTO t(v) VALUES ('a')").Execute();
  std::thread tb([&] {
    b->Begin();
    b->Prepare("INSERT INTO t(v) VALUES ('b')").Execute();
    EXPECT_NO_THROW(b->Commit());
  });
  std::thread tc([&] {
    c->Begin();
    c->Prepare("INSERT INTO t(v) VALUES ('c')").Execute();
    c->Rollback();
  });
  std::this_thread::sleep_for(200ms);  // b and c queue for the file
  a->Commit();

  // What is committed, read through a connection without group commit.
  SqliteOptions plain;
  plain.group_commit = false;
  auto reader = OpenSqlite(file, plain);
  auto rows = [&] {
    std::vector<std::string> out;
    Statement& st = reader->Prepare("SELECT v FROM t ORDER BY v");
    while (st.Step()) out.push_back(st.GetText(0));
    st.Reset();
    return out;
  };
  EXPECT_EQ(rows(), (std::vector<std::string>{"a", "b"}));  // before b's thread is joined
  tb.join();
  tc.join();
  EXPECT_EQ(rows(), (std::vector<std::string>{"a", "b"}));
  const SqliteGroupCommitStats after = SqliteGroupCommitStatsOf(*b);
  EXPECT_EQ(after.transactions - before.transactions, 1u)
      << before.transactions << " " << before.units << " " << after.transactions << " "
      << after.units;
  EXPECT_EQ(after.units - before.units, 2u);
}

// A unit of work that leaves a deferred foreign key unresolved is refused
// at its own Commit (kConflict), alone: the COMMIT of the shared
// transaction would otherwise fail every unit of its batch.
TEST(GroupCommitTest, ADeferredForeignKeyFailsOnlyItsOwnUnitOfWork) {
  TempDir dir;
  const SqliteOptions full = FullSync();
  const std::string file = dir.File("fk.db");
  auto a = OpenSqlite(file, full);
  auto b = OpenSqlite(file, full);
  a->ExecuteScript(
      "CREATE TABLE p(id INTEGER PRIMARY KEY);"
      "CREATE TABLE ch(pid INTEGER NOT NULL REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED);"
      "INSERT INTO p VALUES (1)");
  auto count = [&] {
    Statement& st = a->Prepare("SELECT count(*) FROM ch");
    EXPECT_TRUE(st.Step());
    const std::int64_t n = st.GetInt64(0);
    st.Reset();
    return n;
  };

  // Alone: refused, nothing stored, and the next unit of work runs.
  a->Begin();
  a->Prepare("INSERT INTO ch(pid) VALUES (99)").Execute();
  try {
    a->Commit();
    ADD_FAILURE() << "a dangling deferred foreign key committed";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("FOREIGN KEY"), std::string::npos) << e.what();
  }
  EXPECT_EQ(count(), 0);

  // Inside a batch: a's unit holds the file, b's joins it and is refused.
  a->Begin();
  a->Prepare("INSERT INTO ch(pid) VALUES (1)").Execute();
  std::thread tb([&] {
    b->Begin();
    b->Prepare("INSERT INTO ch(pid) VALUES (99)").Execute();
    EXPECT_THROW(b->Commit(), Error);
    EXPECT_EQ(b->transaction_depth(), 0);
  });
  std::this_thread::sleep_for(200ms);
  a->Commit();
  tb.join();
  EXPECT_EQ(count(), 1);
}

}  // namespace
}  // namespace tradestore::sql
