// The rules written once in sql::Connection and sql::BulkWriter (nesting,
// poisoning, the end of a unit of work at its outermost Commit, row shape),
// held on both drivers; and each driver's error mapping for locks,
// timeouts and a COMMIT whose outcome is unknown, provoked on real
// databases (a SQLite file, the PostgreSQL test server).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "sql/connection.h"
#include "sql/postgres/pg_connection.h"
#include "sql/sqlite/sqlite_connection.h"
#include "support/pg_harness.h"
#include "tradestore/error.h"

namespace tradestore::sql {
namespace {

namespace fs = std::filesystem;
using testing::PgServer;

// The Error `fn` throws (a failure if it throws none).
Error ErrorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no tradestore::Error thrown";
  return Error(ErrorKind::kInternal, "none");
}

// A fresh SQLite file in a directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> next{0};
    path_ = fs::temp_directory_path() /
            ("tradestore-uow-" + std::to_string(::getpid()) + "-" + std::to_string(next++));
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

// Parameter: 0 SQLite, 1 PostgreSQL, 2 PostgreSQL with unnamed statements
// (prepared_statements=off, as behind PgBouncer).
class UnitOfWorkTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    url_ = GetParam() != 0 ? PgServer::Get().CreateDatabase() : dir_.File("uow.db");
    if (GetParam() == 2) url_ += "&prepared_statements=off";
    c_ = Open();
    // A deferred foreign key is checked by COMMIT itself: the one failure
    // both databases report at COMMIT, not at a statement.
    c_->ExecuteScript("CREATE TABLE parent (id INTEGER PRIMARY KEY)");
    c_->ExecuteScript(
        "CREATE TABLE items (name TEXT UNIQUE, parent_id INTEGER REFERENCES parent (id) "
        "DEFERRABLE INITIALLY DEFERRED)");
  }
  std::unique_ptr<Connection> Open(int busy_timeout_ms = 5000) {
    if (GetParam() != 0) return OpenPostgres(url_);
    SqliteOptions options;
    options.busy_timeout_ms = busy_timeout_ms;
    return OpenSqlite(url_, options);
  }
  void Insert(const char* name, std::optional<std::int64_t> parent = std::nullopt) {
    c_->Prepare("INSERT INTO items (name, parent_id) VALUES (?, ?)")
        .Bind(1, name)
        .Bind(2, parent)
        .Execute();
  }
  std::int64_t Count() {
    auto& st = c_->Prepare("SELECT count(*) FROM items");
    EXPECT_TRUE(st.Step());
    const std::int64_t n = st.GetInt64(0);
    st.Reset();
    return n;
  }

  TempDir dir_;
  std::string url_;
  std::unique_ptr<Connection> c_;
};

TEST_P(UnitOfWorkTest, NestedLevelsJoinTheOutermost) {
  {
    Transaction outer(*c_);
    Insert("a");
    {
      Transaction inner(*c_);
      Insert("b");
      EXPECT_EQ(c_->transaction_depth(), 2);
      inner.Commit();  // joins: nothing is committed yet
      EXPECT_EQ(c_->transaction_depth(), 1);
    }
    auto other = Open();
    auto& st = other->Prepare("SELECT count(*) FROM items");
    ASSERT_TRUE(st.Step());
    EXPECT_EQ(st.GetInt64(0), 0);  // not visible before the outermost Commit
    st.Reset();
    outer.Commit();
  }
  EXPECT_EQ(c_->transaction_depth(), 0);
  EXPECT_EQ(Count(), 2);
}

TEST_P(UnitOfWorkTest, AFailedInnerLevelPoisonsTheOuterSoItCannotCommit) {
  Insert("taken");
  {
    Transaction outer(*c_);
    Insert("c");
    {
      Transaction inner(*c_);
      EXPECT_EQ(ErrorOf([&] { Insert("taken"); }).kind(), ErrorKind::kConflict);
    }  // ends without Commit: the unit of work is poisoned
    EXPECT_EQ(c_->transaction_depth(), 1);
    // The caller swallowed the inner failure and tries to commit anyway.
    const Error e = ErrorOf([&] { outer.Commit(); });
    EXPECT_EQ(e.kind(), ErrorKind::kConflict) << e.what();
    EXPECT_NE(std::string(e.what()).find("cannot commit"), std::string::npos) << e.what();
    EXPECT_EQ(c_->transaction_depth(), 0);  // the refused Commit ended it
  }
  EXPECT_EQ(Count(), 1);  // "c" was rolled back with everything else
  {
    Transaction tx(*c_);  // a fresh unit of work is not poisoned
    Insert("d");
    tx.Commit();
  }
  EXPECT_EQ(Count(), 2);
  // Poisoning also holds when the inner level committed before a later
  // inner level failed, and at any depth.
  {
    Transaction outer(*c_);
    {
      Transaction a(*c_);
      Insert("e");
      a.Commit();
    }
    {
      Transaction b(*c_);
      {
        Transaction c(*c_);
        EXPECT_EQ(c_->transaction_depth(), 3);
      }  // depth 3 ends without Commit
      b.Commit();
    }
    EXPECT_EQ(ErrorOf([&] { outer.Commit(); }).kind(), ErrorKind::kConflict);
  }
  EXPECT_EQ(Count(), 2);
}

// The rule both drivers now share: the outermost Commit ends the unit of
// work whether it returns or throws. A COMMIT that fails (here a deferred
// foreign key) leaves depth 0 and nothing written, and the connection takes
// a new unit of work at once. (SQLite keeps a transaction open after a
// failed COMMIT; its driver rolls it back.)
TEST_P(UnitOfWorkTest, AFailedCommitEndsTheUnitOfWorkAndWritesNothing) {
  {
    Transaction tx(*c_);
    Insert("orphan", 42);  // parent 42 does not exist: found at COMMIT
    const Error e = ErrorOf([&] { tx.Commit(); });
    EXPECT_EQ(e.kind(), ErrorKind::kConflict) << e.what();
    EXPECT_EQ(c_->transaction_depth(), 0);
  }  // the Transaction's Rollback is a no-op
  EXPECT_EQ(Count(), 0);
  c_->ExecuteScript("INSERT INTO parent (id) VALUES (42)");
  {
    Transaction tx(*c_);
    Insert("child", 42);
    tx.Commit();
  }
  EXPECT_EQ(Count(), 1);
  EXPECT_EQ(ErrorOf([&] { c_->Commit(); }).kind(), ErrorKind::kInternal);  // none open
  c_->Rollback();  // none open: nothing happens
  EXPECT_EQ(c_->transaction_depth(), 0);
}

TEST_P(UnitOfWorkTest, BulkWriterRowShapeIsCheckedTheSameOnBothDrivers) {
  const BulkUpsertSpec spec{"items", {"name", "parent_id"}, {"name"}, {}};
  auto has = [](const Error& e, const char* text) {
    return std::string(e.what()).find(text) != std::string::npos;
  };
  // Outside a unit of work, and without columns: refused.
  Error e = ErrorOf([&] { c_->BeginBulkUpsert(spec); });
  EXPECT_EQ(e.kind(), ErrorKind::kInternal);
  EXPECT_TRUE(has(e, "needs a unit of work")) << e.what();
  {
    Transaction tx(*c_);
    e = ErrorOf([&] { c_->BeginBulkUpsert({"items", {}, {}, {}}); });
    EXPECT_TRUE(has(e, "no columns")) << e.what();

    auto w = c_->BeginBulkUpsert(spec);
    EXPECT_EQ(w->table(), "items");
    w->AddRow("one", std::optional<std::int64_t>());
    e = ErrorOf([&] { w->Add("two").Add(std::int64_t{1}).Add("three"); });
    EXPECT_EQ(e.kind(), ErrorKind::kInternal);
    EXPECT_TRUE(has(e, "bulk write into items: more than 2 values in a row")) << e.what();
  }
  {
    Transaction tx(*c_);
    auto w = c_->BeginBulkUpsert(spec);
    w->Add("short");
    e = ErrorOf([&] { w->EndRow(); });
    EXPECT_TRUE(has(e, "bulk write into items: a row has 1 values for 2 columns")) << e.what();
  }
  {
    Transaction tx(*c_);
    auto w = c_->BeginBulkUpsert(spec);
    w->AddRow("one", std::optional<std::int64_t>());
    w->Add("half");
    e = ErrorOf([&] { w->Finish(); });
    EXPECT_TRUE(has(e, "bulk write into items: unfinished row")) << e.what();
  }
  EXPECT_EQ(Count(), 0);  // none of the failed writes committed anything
  {
    Transaction tx(*c_);
    auto w = c_->BeginBulkUpsert(spec);
    w->AddRow("one", std::optional<std::int64_t>());
    w->AddRow("two", std::optional<std::int64_t>());
    EXPECT_EQ(w->Finish(), 2);
    e = ErrorOf([&] { w->Finish(); });
    EXPECT_TRUE(has(e, "already finished")) << e.what();
    e = ErrorOf([&] { w->Add("late"); });
    EXPECT_TRUE(has(e, "already finished")) << e.what();
    tx.Commit();
  }
  EXPECT_EQ(Count(), 2);
}

// Statement::ExecuteDeferred: writes whose results nobody reads. On
// PostgreSQL inside a unit of work they are pipelined and their errors come
// later (the next statement, or Commit); on SQLite and outside a unit of
// work at once. Either way the same rules hold: reads see them in order, an
// error names the failing statement and leaves nothing written, a rollback
// drops them, and the connection serves the next unit of work.
TEST_P(UnitOfWorkTest, DeferredWritesKeepTheirOrderAndAnErrorWritesNothing) {
  auto defer = [&](const char* name) {
    c_->Prepare("INSERT INTO items (name, parent_id) VALUES (?, NULL)")
        .Bind(1, name)
        .ExecuteDeferred();
  };
  auto names_in_a_statement = [](const Error& e) {
    return std::string(e.what()).find("INSERT INTO items") != std::string::npos;
  };
  // Outside a unit of work: written at once, seen by another connection.
  defer("now");
  {
    auto other = Open();
    auto& st = other->Prepare("SELECT count(*) FROM items WHERE name = 'now'");
    ASSERT_TRUE(st.Step());
    EXPECT_EQ(st.GetInt64(0), 1);
    st.Reset();
  }
  // Reads in the unit of work see the deferred writes before them.
  {
    Transaction tx(*c_);
    defer("a");
    defer("b");
    EXPECT_EQ(Count(), 3);
    defer("c");
    tx.Commit();
  }
  EXPECT_EQ(Count(), 4);
  // An error found by the next statement: it names the deferred statement,
  // poisons the unit of work, and nothing of it is written.
  {
    Transaction outer(*c_);
    defer("d");
    const Error e = ErrorOf([&] {
      Transaction inner(*c_);
      defer("a");  // taken
      Count();
      inner.Commit();
    });
    EXPECT_EQ(e.kind(), ErrorKind::kConflict) << e.what();
    EXPECT_TRUE(names_in_a_statement(e)) << e.what();
    const Error refused = ErrorOf([&] { outer.Commit(); });
    EXPECT_EQ(refused.kind(), ErrorKind::kConflict) << refused.what();
    EXPECT_NE(std::string(refused.what()).find("an operation inside it failed"), std::string::npos)
        << refused.what();
  }
  EXPECT_EQ(Count(), 4);
  // An error found by Commit.
  {
    Transaction tx(*c_);
    const Error e = ErrorOf([&] {
      defer("e");
      defer("b");  // taken
      tx.Commit();
    });
    EXPECT_EQ(e.kind(), ErrorKind::kConflict) << e.what();
    EXPECT_TRUE(names_in_a_statement(e)) << e.what();
  }
  EXPECT_EQ(c_->transaction_depth(), 0);
  EXPECT_EQ(Count(), 4);
  // A rollback drops what was deferred.
  {
    Transaction tx(*c_);
    defer("f");
  }  // no Commit: rolled back
  EXPECT_EQ(Count(), 4);
  // The connection serves the next unit of work, deferred writes and all.
  {
    Transaction tx(*c_);
    defer("g");
    Insert("h");
    defer("i");
    tx.Commit();
  }
  EXPECT_EQ(Count(), 7);
}

INSTANTIATE_TEST_SUITE_P(Drivers, UnitOfWorkTest, ::testing::Values(0, 1, 2), [](const auto& info) {
  return info.param == 0 ? "Sqlite" : info.param == 1 ? "Postgres" : "PostgresUnnamedStatements";
});

// ---- SQLite: a bulk writer binds a repeated value once -------------------

// The SQLite bulk writer leaves a value bound when the next row repeats it
// (sqlite3_reset keeps bindings). Every row must still be written with its
// own values: across nulls, integers and text that repeat and change, after
// another statement of the same text bound other values in between, and
// with two writers of the same text taking turns.
TEST(SqliteBulkWriter, RepeatedValuesAreBoundOnceAndEveryRowKeepsItsOwn) {
  TempDir dir;
  auto c = OpenSqlite(dir.File("bulk.db"), SqliteOptions{});
  c->ExecuteScript("CREATE TABLE pairs (name TEXT PRIMARY KEY, tag TEXT, n INTEGER)");
  const BulkUpsertSpec spec{"pairs", {"name", "tag", "n"}, {"name"}, {"tag", "n"}};
  using N = std::optional<std::int64_t>;
  c->Begin();
  auto first = c->BeginBulkUpsert(spec);
  first->AddRow("a", "x", N(1));
  first->AddRow("b", "x", N(1));
  first->AddRow("c", "x", N());
  first->AddRow("d", "y", N());
  first->AddRow("e", "y", N(1));
  // The same statement text, bound and run by someone else.
  c->Prepare(BulkUpsertSql(spec)).Bind(1, "f").Bind(2, "z").Bind(3, std::int64_t{2}).Execute();
  first->AddRow("g", "y", N(1));
  auto second = c->BeginBulkUpsert(spec);  // the same cached statement
  second->AddRow("h", "w", N(3));
  first->AddRow("i", "y", N(1));
  second->AddRow("j", "w", N(3));
  first->AddRow("b", "y", N(1));  // the later row wins
  EXPECT_EQ(first->Finish(), 8);
  EXPECT_EQ(second->Finish(), 2);
  c->Commit();

  std::string rows;
  auto& st = c->Prepare("SELECT name, tag, n FROM pairs ORDER BY name");
  while (st.Step()) {
    rows += st.GetText(0) + "," + st.GetText(1) + "," +
            (st.IsNull(2) ? std::string("null") : std::to_string(st.GetInt64(2))) + ";";
  }
  EXPECT_EQ(rows, "a,x,1;b,y,1;c,x,null;d,y,null;e,y,1;f,z,2;g,y,1;h,w,3;i,y,1;j,w,3;");
}

// ---- SQLite: SQLITE_BUSY is kUnavailable, retryable, on every path --------

TEST(SqliteErrors, BusyFromAnotherWriterIsUnavailableAndRetryable) {
  TempDir dir;
  const std::string path = dir.File("busy.db");
  auto holder = OpenSqlite(path, SqliteOptions{});
  holder->ExecuteScript("CREATE TABLE t (x INTEGER)");
  SqliteOptions impatient;
  impatient.busy_timeout_ms = 20;
  auto waiter = OpenSqlite(path, impatient);
  holder->Begin();  // BEGIN IMMEDIATE: holds the write lock
  holder->Prepare("INSERT INTO t (x) VALUES (1)").Execute();
  const Error e = ErrorOf([&] { waiter->Begin(); });
  EXPECT_EQ(e.kind(), ErrorKind::kUnavailable) << e.what();
  EXPECT_TRUE(e.retryable());
  EXPECT_EQ(e.native_code().rfind("SQLITE_5 ", 0), 0u) << e.native_code();  // SQLITE_BUSY
  EXPECT_EQ(waiter->transaction_depth(), 0);  // a failed BEGIN opens nothing
  holder->Commit();
  waiter->Begin();  // retried once the other writer is done: succeeds
  waiter->Prepare("INSERT INTO t (x) VALUES (2)").Execute();
  waiter->Commit();
}

// The snapshot of `tradestore backup` (once raw sqlite3 calls in
// src/store/ops_queries.cc, mapped to kStorage whatever the code) now maps
// through the driver: a file locked by another connection is kUnavailable.
TEST(SqliteErrors, SnapshotOfALockedFileIsUnavailableAndRetryable) {
  TempDir dir;
  const std::string path = dir.File("locked.db");
  auto holder = OpenSqlite(path, SqliteOptions{});
  // A rollback journal (not WAL), so that an exclusive lock keeps readers
  // out.
  holder->ExecuteScript("PRAGMA journal_mode=DELETE; CREATE TABLE t (x INTEGER)");
  holder->ExecuteScript("INSERT INTO t (x) VALUES (1)");
  holder->ExecuteScript("BEGIN EXCLUSIVE");
  const std::string target = dir.File("copy.db");
  const Error e = ErrorOf([&] { SqliteSnapshotFiles({path}, {target}, {0}, 20); });
  EXPECT_EQ(e.kind(), ErrorKind::kUnavailable) << e.what();
  EXPECT_TRUE(e.retryable());
  EXPECT_EQ(e.native_code().rfind("SQLITE_5 ", 0), 0u) << e.native_code();  // SQLITE_BUSY
  holder->ExecuteScript("ROLLBACK");
  SqliteSnapshotFiles({path}, {target}, {0}, 20);  // unlocked: copies
  auto copy = OpenSqlite(target, SqliteOptions{});
  auto& st = copy->Prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(st.Step());
  EXPECT_EQ(st.GetInt64(0), 1);
  st.Reset();
  // A missing source is a storage failure, not "busy".
  EXPECT_EQ(ErrorOf([&] {
              SqliteSnapshotFiles({dir.File("missing.db")}, {dir.File("x.db")}, {0}, 20);
            }).kind(),
            ErrorKind::kStorage);
}

// ---- SQLite: the page size of a new file ---------------------------------------

std::int64_t PageSize(Connection& c) {
  auto& st = c.Prepare("PRAGMA page_size");
  EXPECT_TRUE(st.Step());
  const std::int64_t size = st.GetInt64(0);
  st.Reset();
  return size;
}

TEST(SqlitePageSize, ANewFileTakesItAnExistingOneKeepsItsOwn) {
  TempDir dir;
  SqliteOptions small;
  small.page_size = 2048;
  {
    auto created = OpenSqlite(dir.File("new.db"), small);
    created->ExecuteScript("CREATE TABLE t (x INTEGER)");
    EXPECT_EQ(PageSize(*created), 2048);
  }
  {
    auto old = OpenSqlite(dir.File("old.db"), SqliteOptions{});
    old->ExecuteScript("CREATE TABLE t (x INTEGER)");
    EXPECT_EQ(PageSize(*old), 4096);
  }
  EXPECT_EQ(PageSize(*OpenSqlite(dir.File("old.db"), small)), 4096);  // WAL: cannot change
  EXPECT_EQ(PageSize(*OpenSqlite(dir.File("new.db"), SqliteOptions{})), 2048);
  for (const int bad : {100, 3000, 131072}) {
    SqliteOptions o;
    o.page_size = bad;
    const Error e = ErrorOf([&] { OpenSqlite(dir.File("bad.db"), o); });
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::to_string(bad)), std::string::npos) << e.what();
  }
}

// Restore copies a file of another page size (a backup of a store made
// before trading.db had 2048-byte pages) into a WAL file, which SQLite's
// backup cannot do in WAL mode: the target takes the source's page size and
// is in WAL mode again afterwards.
TEST(SqlitePageSize, RestoreIntoAFileOfAnotherPageSize) {
  TempDir dir;
  SqliteOptions small;
  small.page_size = 2048;
  for (const bool to_smaller : {false, true}) {
    const std::string tag = to_smaller ? "down" : "up";
    const std::string source = dir.File(tag + "-source.db");
    const std::string target = dir.File(tag + "-target.db");
    {
      auto src = OpenSqlite(source, to_smaller ? small : SqliteOptions{});
      src->ExecuteScript("CREATE TABLE t (x INTEGER, pad TEXT)");
      src->Begin();
      for (int i = 0; i < 2000; ++i) {
        src->Prepare("INSERT INTO t (x, pad) VALUES (?, ?)")
            .Bind(1, i)
            .Bind(2, std::string(200, 'p'))
            .Execute();
      }
      src->Commit();
    }
    auto dst = OpenSqlite(target, to_smaller ? SqliteOptions{} : small);
    dst->ExecuteScript("CREATE TABLE old (y INTEGER); INSERT INTO old VALUES (1)");
    SqliteRestoreInto(*dst, source, target);
    EXPECT_EQ(PageSize(*dst), to_smaller ? 2048 : 4096) << tag;
    auto& mode = dst->Prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode.Step());
    EXPECT_EQ(mode.GetText(0), "wal") << tag;
    mode.Reset();
    auto& sum = dst->Prepare("SELECT count(*), sum(x) FROM t");
    ASSERT_TRUE(sum.Step());
    EXPECT_EQ(sum.GetInt64(0), 2000) << tag;
    EXPECT_EQ(sum.GetInt64(1), 1999 * 2000 / 2) << tag;
    sum.Reset();
    auto& integrity = dst->Prepare("PRAGMA integrity_check");
    ASSERT_TRUE(integrity.Step());
    EXPECT_EQ(integrity.GetText(0), "ok") << tag;
    integrity.Reset();
    EXPECT_THROW(dst->Prepare("SELECT y FROM old").Step(), Error) << tag;  // replaced whole
  }
}

// ---- PostgreSQL: timeouts are kUnavailable; a lost COMMIT is kInDoubt -----

class PgErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = PgServer::Get().CreateDatabase();
    c_ = OpenPostgres(url_);
    c_->ExecuteScript("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)");
    c_->ExecuteScript("INSERT INTO t VALUES (1, 0)");
  }
  std::string url_;
  std::unique_ptr<Connection> c_;
};

TEST_F(PgErrorsTest, LockTimeoutIsUnavailableAndRetryable) {
  auto other = OpenPostgres(url_);
  other->Begin();
  other->ExecuteScript("UPDATE t SET n = 1 WHERE id = 1");  // holds the row lock
  c_->Begin();
  c_->ExecuteScript("SET LOCAL lock_timeout = '50ms'");
  const Error e = ErrorOf([&] { c_->ExecuteScript("UPDATE t SET n = 2 WHERE id = 1"); });
  EXPECT_EQ(e.kind(), ErrorKind::kUnavailable) << e.what();
  EXPECT_EQ(e.native_code(), "55P03");
  EXPECT_TRUE(e.retryable());
  c_->Rollback();
  other->Commit();
  // Run again once the lock is released: succeeds.
  {
    Transaction tx(*c_);
    c_->ExecuteScript("UPDATE t SET n = 2 WHERE id = 1");
    tx.Commit();
  }
}

TEST_F(PgErrorsTest, StatementTimeoutIsUnavailableAndRetryable) {
  Transaction tx(*c_);
  c_->ExecuteScript("SET LOCAL statement_timeout = '50ms'");
  const Error e = ErrorOf([&] { c_->ExecuteScript("SELECT pg_sleep(10)"); });
  EXPECT_EQ(e.kind(), ErrorKind::kUnavailable) << e.what();
  EXPECT_EQ(e.native_code(), "57014");
  EXPECT_TRUE(e.retryable());
}

// A session lost while deferred writes are in flight (a trigger of one of
// them terminates its backend): the next statement reports the unit of
// work lost and safe to run again, Commit refuses, nothing is written, and
// the connection goes on with a new session.
TEST_F(PgErrorsTest, ASessionLostUnderDeferredWritesLosesTheUnitOfWorkSafely) {
  c_->ExecuteScript(
      "CREATE TABLE fatal (x INTEGER);"
      "CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(10); RETURN NULL; "
      "END $$;"
      "CREATE TRIGGER die AFTER INSERT ON fatal FOR EACH ROW EXECUTE FUNCTION die()");
  {
    Transaction tx(*c_);
    c_->Prepare("UPDATE t SET n = 5 WHERE id = ?").Bind(1, 1).ExecuteDeferred();
    c_->Prepare("INSERT INTO fatal VALUES (?)").Bind(1, 1).ExecuteDeferred();
    // Found by the next use of the session: here preparing a new statement.
    const Error lost = ErrorOf([&] {
      c_->Prepare("UPDATE t SET n = 6 WHERE id = ?").Bind(1, 1).ExecuteDeferred();
      c_->Prepare("SELECT n FROM t WHERE id = 1").Step();
    });
    EXPECT_EQ(lost.kind(), ErrorKind::kUnavailable) << lost.what();
    EXPECT_TRUE(lost.retryable()) << lost.what();
    EXPECT_NE(std::string(lost.what()).find("safe to run it again"), std::string::npos)
        << lost.what();
    const Error refused = ErrorOf([&] { tx.Commit(); });
    EXPECT_EQ(refused.kind(), ErrorKind::kUnavailable) << refused.what();
    EXPECT_EQ(c_->transaction_depth(), 0);
  }
  auto& st = c_->Prepare("SELECT n FROM t WHERE id = 1");
  ASSERT_TRUE(st.Step());
  EXPECT_EQ(st.GetInt64(0), 0);
  st.Reset();
  {
    Transaction tx(*c_);
    c_->Prepare("UPDATE t SET n = 7 WHERE id = ?").Bind(1, 1).ExecuteDeferred();
    tx.Commit();
  }
  ASSERT_TRUE(st.Step());
  EXPECT_EQ(st.GetInt64(0), 7);
  st.Reset();
}

// A deterministic lost COMMIT: a deferred constraint trigger runs inside
// COMMIT and terminates its own backend, so the session dies with COMMIT in
// flight every time (no race with a second session). The client cannot
// tell whether the server committed first: kInDoubt, not retryable, exit
// code 7.
TEST_F(PgErrorsTest, ConnectionLostDuringCommitIsInDoubt) {
  c_->ExecuteScript(
      "CREATE TABLE doomed (x INTEGER);"
      "CREATE FUNCTION die_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      "PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(10); RETURN NULL; "
      "END $$;"
      "CREATE CONSTRAINT TRIGGER die AFTER INSERT ON doomed DEFERRABLE INITIALLY DEFERRED "
      "FOR EACH ROW EXECUTE FUNCTION die_at_commit()");
  // Twice: COMMIT alone, and COMMIT sent in one round trip after a
  // deferred write (Statement::ExecuteDeferred).
  for (const bool deferred : {false, true}) {
    Error e(ErrorKind::kInternal, "none");
    {
      Transaction tx(*c_);
      if (deferred) {
        c_->Prepare("INSERT INTO doomed VALUES (?)").Bind(1, 1).ExecuteDeferred();
      } else {
        c_->ExecuteScript("INSERT INTO doomed VALUES (1)");
      }
      e = ErrorOf([&] { tx.Commit(); });
      EXPECT_EQ(c_->transaction_depth(), 0);
    }
    EXPECT_EQ(e.kind(), ErrorKind::kInDoubt) << deferred << ": " << e.what();
    EXPECT_FALSE(e.retryable());
    EXPECT_EQ(e.native_code(), "08007");
    EXPECT_EQ(ToString(e.kind()), "in_doubt");
    EXPECT_EQ(ExitCode(e.kind()), 7);
  }
  // The connection goes on with a new session.
  auto& st = c_->Prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(st.Step());
  EXPECT_EQ(st.GetInt64(0), 1);
  st.Reset();
}

}  // namespace
}  // namespace tradestore::sql
