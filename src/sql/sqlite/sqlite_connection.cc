#include "sql/sqlite/sqlite_connection.h"

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sql/retry.h"
#include "sql/sqlite/file_coordinator.h"
#include "sql/text_check.h"
#include "tradestore/error.h"

namespace tradestore::sql {
namespace {

// Translates a SQLite result code into a typed Error, keeping the extended
// code's name and whether retrying the unit of work can help.
[[noreturn]] void Throw(sqlite3* db, int rc, std::string_view context) {
  const int ext = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  std::string message(context);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const char* name = sqlite3_errstr(ext);
  std::string code = "SQLITE_" + std::to_string(ext) + " (" + (name ? name : "") + ")";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw Error(ErrorKind::kUnavailable, message, code, /*retryable=*/true);
    case SQLITE_CONSTRAINT:
      if (ext == SQLITE_CONSTRAINT_CHECK || ext == SQLITE_CONSTRAINT_NOTNULL) {
        throw Error(ErrorKind::kInvalidArgument, message, code);
      }
      throw Error(ErrorKind::kConflict, message, code);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      throw Error(ErrorKind::kStorage, message, code);
    default:
      throw Error(ErrorKind::kInternal, message, code);
  }
}

constexpr std::array<std::string_view, 5> kSchemas = {"trading", "market", "analytics", "config",
                                                      "audit"};

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool IsBusy(int rc) { return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED; }

// SQLite's busy handler of a connection: while another connection holds the
// lock, poll again after a short jittered delay (0.5 ms doubling to 10 ms)
// until the busy timeout has passed since the first refusal. Short polls
// matter: a writer committing in a tight loop frees the write lock only for
// microseconds between its transactions, which SQLite's own handler (that
// sleeps up to 100 ms between tries) keeps missing, so that two such
// writers could starve a third past its whole timeout.
struct BusyWait {
  std::chrono::microseconds timeout{0};
  std::optional<Backoff> backoff;

  static int Handler(void* self, int count) {
    auto* wait = static_cast<BusyWait*>(self);
    if (count == 0) {
      wait->backoff.emplace(RetryPolicy{wait->timeout, std::chrono::microseconds(500),
                                        std::chrono::microseconds(10'000)});
    }
    return wait->backoff && wait->backoff->Wait() ? 1 : 0;
  }
};

// Syncs the WAL file of `db` with SQLite's own call: xSync of the
// connection's WAL file object (SQLITE_FCNTL_JOURNAL_POINTER) with
// SQLITE_SYNC_NORMAL, the call a COMMIT at synchronous=FULL makes. Returns
// SQLITE_OK or the error code.
int SyncWal(sqlite3* db) {
  sqlite3_file* wal = nullptr;
  const int rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
  if (rc != SQLITE_OK) return rc;
  if (wal == nullptr || wal->pMethods == nullptr) return SQLITE_IOERR_FSYNC;
  return wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
}

// The error of a commit whose WAL sync failed with `rc` (a failed sync is
// sticky: see DurabilityBarrier).
Error SyncFailed(sqlite3* db, int rc) {
  const char* name = sqlite3_errstr(rc);
  return Error(ErrorKind::kStorage,
               std::string("group commit: the sync of the WAL file of '") +
                   sqlite3_db_filename(db, "main") + "' failed (" + (name ? name : "") +
                   "): this commit and every later one may be lost at a crash; close every "
                   "connection to the store and reopen it",
               "SQLITE_" + std::to_string(rc));
}

// Group commit on one connection (docs/storage.md, "Group commit"): the
// connection runs at synchronous=NORMAL, so a COMMIT writes its WAL frames
// without an fsync; SQLite's commit hook notes that a commit is under way,
// and after the call that committed returns (the COMMIT of a unit of work,
// or a write statement in autocommit finishing or being reset) the commit
// is recorded with the file's DurabilityBarrier and the caller waits until
// one sync of the WAL file, started after its commit completed, has
// returned. The sync is SQLite's own: xSync of the connection's WAL file
// object (SQLITE_FCNTL_JOURNAL_POINTER) with SQLITE_SYNC_NORMAL, the call a
// COMMIT at synchronous=FULL makes; any descriptor of the file syncs the
// same inode, so one connection's sync covers every connection's frames.
class GroupSync {
 public:
  GroupSync(sqlite3* db, std::shared_ptr<SharedFile> shared) : db_(db), shared_(std::move(shared)) {
    sqlite3_commit_hook(db_, &GroupSync::OnCommit, this);
  }
  ~GroupSync() { sqlite3_commit_hook(db_, nullptr, nullptr); }
  GroupSync(const GroupSync&) = delete;
  GroupSync& operator=(const GroupSync&) = delete;

  // After a call that may have committed: if it did (and no transaction is
  // open any more), returns once that commit is durable. Throws
  // Error(kStorage) when the WAL sync failed: the commit is in the database
  // (other connections may read it) but may be lost at a crash.
  void AfterCall() {
    if (!pending_ || !sqlite3_get_autocommit(db_)) return;
    pending_ = false;
    const std::uint64_t seq = shared_->barrier.Committed();
    const int rc = shared_->barrier.WaitDurable(seq, [this] { return SyncWal(db_); });
    if (rc != 0) throw SyncFailed(db_, rc);
  }
  // Syncs the WAL file now (after a write that bypassed the commit hook,
  // e.g. the online backup API); throws as AfterCall.
  void SyncNow() {
    pending_ = true;
    AfterCall();
  }

 private:
  static int OnCommit(void* self) {
    static_cast<GroupSync*>(self)->pending_ = true;
    return 0;  // let the commit go on
  }
  sqlite3* db_;
  std::shared_ptr<SharedFile> shared_;
  bool pending_ = false;  // the commit hook ran since the last AfterCall
};

class SqliteStatement final : public Statement {
 public:
  // `retry`: the connection's retry policy for statements that start a
  // unit of work of their own (see Step). `group`: the connection's group
  // commit, or null.
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, const RetryPolicy* retry, GroupSync* group)
      : db_(db), stmt_(stmt), retry_(retry), group_(group) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  Statement& BindNull(int index) override {
    bound_by_ = nullptr;
    Check(sqlite3_bind_null(stmt_, index));
    return *this;
  }
  Statement& Bind(int index, std::int64_t value) override {
    bound_by_ = nullptr;
    Check(sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }
  Statement& Bind(int index, double value) override {
    bound_by_ = nullptr;
    Check(sqlite3_bind_double(stmt_, index, value));
    return *this;
  }
  Statement& Bind(int index, std::string_view value) override {
    bound_by_ = nullptr;
    CheckBoundText(sqlite3_sql(stmt_), index, value);
    // An empty view may have a null data(), which SQLite would store as NULL.
    const char* data = value.data() != nullptr ? value.data() : "";
    Check(sqlite3_bind_text(stmt_, index, data, static_cast<int>(value.size()), SQLITE_TRANSIENT));
    return *this;
  }
  Statement& Bind(int index, const Decimal& value) override {
    return Bind(index, std::string_view(value.ToString()));
  }
  Statement& BindBlob(int index, std::string_view bytes) override {
    bound_by_ = nullptr;
    // A zero-length blob, not NULL, for empty bytes.
    Check(sqlite3_bind_blob64(stmt_, index, bytes.empty() ? "" : bytes.data(), bytes.size(),
                              SQLITE_TRANSIENT));
    return *this;
  }
  Statement& Bind(int index, Timestamp value) override {
    CheckBoundTime(sqlite3_sql(stmt_), index, value);
    return Bind(index, value.micros());
  }

  // A statement run outside a unit of work is one of its own; refused as
  // busy at its first step (past the busy timeout), it has done nothing and
  // is run again under the connection's retry policy, as Connection::Begin
  // retries a unit of work that cannot start.
  bool Step() override {
    int rc = sqlite3_step(stmt_);
    if (!stepped_ && IsBusy(rc) && retry_ != nullptr && sqlite3_get_autocommit(db_)) {
      Backoff backoff(*retry_);
      while (IsBusy(rc) && backoff.Wait()) {
        sqlite3_reset(stmt_);
        rc = sqlite3_step(stmt_);
      }
    }
    stepped_ = true;
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) {
      if (group_ != nullptr) group_->AfterCall();  // a write in autocommit
      return false;
    }
    sqlite3_reset(stmt_);
    Throw(db_, rc, sqlite3_sql(stmt_));
  }
  std::int64_t Execute() override {
    while (Step()) {
    }
    return sqlite3_changes64(db_);
  }
  // A write in autocommit whose rows were read (RETURNING) but not to the
  // end commits here.
  void Reset() override {
    sqlite3_reset(stmt_);
    stepped_ = false;
    if (group_ != nullptr) group_->AfterCall();
  }
  void ResetAndClear() {
    bound_by_ = nullptr;
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    stepped_ = false;
    if (group_ != nullptr) group_->AfterCall();
  }

  bool IsNull(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  std::int64_t GetInt64(int column) const override { return sqlite3_column_int64(stmt_, column); }
  double GetDouble(int column) const override { return sqlite3_column_double(stmt_, column); }
  std::string GetText(int column) const override {
    const auto* text = sqlite3_column_text(stmt_, column);
    if (text == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(text),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  Decimal GetDecimal(int column) const override {
    if (sqlite3_column_type(stmt_, column) == SQLITE_INTEGER) {
      return Decimal::FromInt(sqlite3_column_int64(stmt_, column));
    }
    return Decimal::Parse(GetText(column));
  }
  Timestamp GetTimestamp(int column) const override { return Timestamp(GetInt64(column)); }
  std::string_view GetBlob(int column) const override {
    const void* data = sqlite3_column_blob(stmt_, column);
    if (data == nullptr) return {};
    return std::string_view(static_cast<const char*>(data),
                            static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }

  sqlite3* db() const { return db_; }
  sqlite3_stmt* handle() const { return stmt_; }
  // Who bound the parameters now bound: a bulk writer (which then skips
  // values it bound already), or null after any other bind or a reset.
  const void* bound_by() const { return bound_by_; }
  void set_bound_by(const void* writer) { bound_by_ = writer; }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK) Throw(db_, rc, "bind");
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  const RetryPolicy* retry_;
  GroupSync* group_;
  bool stepped_ = false;  // stepped since the last reset
  const void* bound_by_ = nullptr;
};

// Hash and equality that let the statement cache be searched with a
// string_view, without building a std::string key per call.
struct SqlHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
struct SqlEqual {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
};

// Units of work of one process merged into shared transactions (see
// MergedWriter below): the unit's batch, and whether it runs inside a
// savepoint of a transaction that an earlier unit opened.
class MergedWriter;
struct MergedBatch;
struct MergedUnit {
  std::shared_ptr<MergedBatch> batch;
  bool savepoint = false;
};

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(sqlite3* db, int busy_timeout_ms) : db_(db) {
    busy_.timeout = std::chrono::milliseconds(busy_timeout_ms);
    sqlite3_busy_handler(db_, &BusyWait::Handler, &busy_);
  }
  ~SqliteConnection() override {
    last_ = nullptr;
    if (unit_) EndMergedUnit(/*commit=*/false);
    sqlite3_finalize(begin_);
    sqlite3_finalize(commit_);
    cache_.clear();
    group_.reset();
    sqlite3_close_v2(db_);
  }

  // Group commit, set by OpenSqlite before any statement is prepared (the
  // caller has set synchronous=NORMAL): this connection's writes in
  // autocommit are synced with the file's barrier (GroupSync), and its
  // units of work run in the file's shared transactions (MergedWriter):
  // while one is open, every statement goes to the writer's connection.
  void JoinGroupCommit(std::shared_ptr<SharedFile> shared, std::shared_ptr<MergedWriter> merged) {
    group_ = std::make_unique<GroupSync>(db_, std::move(shared));
    merged_ = std::move(merged);
  }
  bool group_commit_active() const { return group_ != nullptr; }
  SqliteGroupCommitStats merged_stats() const;
  GroupSync* group() { return group_.get(); }

  Dialect dialect() const override { return Dialect::kSqlite; }
  std::string_view ForUpdate() const override { return ""; }
  sqlite3* handle() const { return db_; }

  Statement& Prepare(std::string_view sql) override {
    if (unit_) return MergedConnection().Prepare(sql);
    // Streaming writers prepare the same text again and again: compare with
    // the last statement's text before hashing.
    if (last_ != nullptr && last_->first == sql) {
      last_->second->ResetAndClear();
      return *last_->second;
    }
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      const std::string text = StripSchemas(sql);
      sqlite3_stmt* stmt = nullptr;
      const int rc = sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size()),
                                        SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) Throw(db_, rc, "prepare: " + text);
      it = cache_
               .emplace(std::string(sql),
                        std::make_unique<SqliteStatement>(db_, stmt, &begin_retry(), group_.get()))
               .first;
    } else {
      it->second->ResetAndClear();
    }
    last_ = &*it;
    return *it->second;
  }

  void ExecuteScript(std::string_view sql) override {
    if (unit_) return MergedConnection().ExecuteScript(sql);
    const std::string text = StripSchemas(sql);
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : "";
      sqlite3_free(err);
      Throw(db_, rc, "exec: " + msg);
    }
    if (group_) group_->AfterCall();  // a script that wrote in autocommit or ran COMMIT
  }

  // The outermost level is BEGIN IMMEDIATE: the write lock is taken up front
  // so that a read-then-write unit of work never fails half-way with
  // SQLITE_BUSY on the upgrade; the busy timeout waits for other writers.
  // (Nesting and poisoning: Connection.)
  //
  // Under group commit (SqliteOptions::group_commit), the unit of work runs
  // on the file's shared connection instead (MergedWriter): it first waits
  // its turn among this process's writers to the file, up to the busy
  // timeout (then kUnavailable, retryable, as SQLITE_BUSY).
  void BeginTransaction() override {
    if (merged_) return BeginMergedUnit();
    if (begin_ == nullptr) begin_ = PrepareRaw("BEGIN IMMEDIATE");
    Run(begin_);
  }
  // A COMMIT that fails (SQLITE_BUSY past the timeout, I/O) leaves the
  // transaction open in SQLite; it is rolled back here so that the unit of
  // work ends with the Commit call, as Connection promises. A merged unit
  // of work returns once its batch is durable (MergedWriter); a connection
  // with group commit has every unit of work merged, so the plain path
  // below never has a GroupSync to wait for.
  void CommitTransaction() override {
    if (unit_) return EndMergedUnit(/*commit=*/true);
    if (commit_ == nullptr) commit_ = PrepareRaw("COMMIT");
    try {
      Run(commit_);
    } catch (...) {
      RollbackTransaction();
      throw;
    }
  }
  void RollbackTransaction() noexcept override {
    if (unit_) return EndMergedUnit(/*commit=*/false);
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 protected:
  std::unique_ptr<BulkWriter> OpenBulkWriter(BulkUpsertSpec spec) override;

 private:
  using Cache =
      std::unordered_map<std::string, std::unique_ptr<SqliteStatement>, SqlHash, SqlEqual>;

  sqlite3_stmt* PrepareRaw(const std::string& text) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) Throw(db_, rc, "prepare: " + text);
    return stmt;
  }

  // Runs a statement without parameters or rows, as ExecuteScript would.
  void Run(sqlite3_stmt* stmt) {
    const int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
      // The same message ExecuteScript gives.
      Throw(db_, rc, std::string("exec: ") + sqlite3_errmsg(db_));
    }
  }

  // Defined after MergedWriter.
  SqliteConnection& MergedConnection();
  void BeginMergedUnit();
  // Ends the open merged unit; throws (commit only) the group's error.
  void EndMergedUnit(bool commit);

  sqlite3* db_;
  BusyWait busy_;
  std::unique_ptr<GroupSync> group_;      // null: no group commit
  std::shared_ptr<MergedWriter> merged_;  // null: units of work are transactions of their own
  std::optional<MergedUnit> unit_;        // the merged unit of work open now
  Cache cache_;
  Cache::value_type* last_ = nullptr;  // the last statement Prepare returned
  sqlite3_stmt* begin_ = nullptr;      // BEGIN IMMEDIATE, prepared once
  sqlite3_stmt* commit_ = nullptr;     // COMMIT, prepared once
};

// The bulk upsert on SQLite: the cached prepared INSERT ... ON CONFLICT,
// bound straight through the sqlite3 API and stepped once per row, in the
// caller's transaction (one write transaction is the fastest SQLite gets;
// there is no COPY). sqlite3_reset keeps the parameters bound, so a null,
// integer or text value equal to the one the previous row bound in its
// column (an import's instrument and timeframe) is not bound again: binding
// text copies it into SQLite's memory, under the connection's mutex.
class SqliteBulkWriter final : public BulkWriter {
 public:
  SqliteBulkWriter(SqliteStatement& statement, const BulkUpsertSpec& spec)
      : BulkWriter(spec.table, spec.columns),
        statement_(statement),
        stmt_(statement.handle()),
        bound_(spec.columns.size()) {
    sqlite3_reset(stmt_);
  }

 protected:
  void PutNull(int column) override {
    Bound& b = Slot(column);
    if (b.kind == Bound::kNull) return;
    b.kind = Bound::kUnknown;
    Check(sqlite3_bind_null(stmt_, column));
    b.kind = Bound::kNull;
  }
  void Put(int column, std::int64_t value) override {
    Bound& b = Slot(column);
    if (b.kind == Bound::kInteger && b.integer == value) return;
    b.kind = Bound::kUnknown;
    Check(sqlite3_bind_int64(stmt_, column, value));
    b.kind = Bound::kInteger;
    b.integer = value;
  }
  void Put(int column, double value) override {
    Slot(column).kind = Bound::kUnknown;
    Check(sqlite3_bind_double(stmt_, column, value));
  }
  void Put(int column, std::string_view value) override {
    Bound& b = Slot(column);
    if (b.kind == Bound::kText && b.text == value) return;
    const char* data = value.data() != nullptr ? value.data() : "";
    b.kind = Bound::kUnknown;
    Check(sqlite3_bind_text(stmt_, column, data, static_cast<int>(value.size()), SQLITE_TRANSIENT));
    b.kind = Bound::kText;
    b.text.assign(value);
  }
  void Put(int column, const Decimal& value) override {
    Put(column, std::string_view(value.ToString()));
  }
  void Put(int column, Timestamp value) override { Put(column, value.micros()); }
  void PutBlob(int column, std::string_view bytes) override {
    Slot(column).kind = Bound::kUnknown;
    Check(sqlite3_bind_blob64(stmt_, column, bytes.empty() ? "" : bytes.data(), bytes.size(),
                              SQLITE_TRANSIENT));
  }
  void WriteRow() override {
    const int rc = sqlite3_step(stmt_);
    sqlite3_reset(stmt_);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) Throw(statement_.db(), rc, sqlite3_sql(stmt_));
  }
  void FinishRows() override {}  // every row was written by its EndRow

 private:
  // The value a column has bound since this writer's last row.
  struct Bound {
    enum Kind : std::uint8_t { kUnknown, kNull, kInteger, kText } kind = kUnknown;
    std::int64_t integer = 0;
    std::string text;
  };
  // The column's record. When another user of the cached statement
  // (another writer, a Prepare of the same text) bound or ran it since,
  // forgets every record and resets the statement.
  Bound& Slot(int column) {
    if (statement_.bound_by() != this) {
      sqlite3_reset(stmt_);
      for (Bound& b : bound_) b.kind = Bound::kUnknown;
      statement_.set_bound_by(this);
    }
    return bound_[static_cast<std::size_t>(column - 1)];
  }
  void Check(int rc) {
    if (rc != SQLITE_OK) Throw(statement_.db(), rc, "bind");
  }

  SqliteStatement& statement_;
  sqlite3_stmt* const stmt_;  // statement_.handle()
  std::vector<Bound> bound_;  // by column - 1
};

std::unique_ptr<BulkWriter> SqliteConnection::OpenBulkWriter(BulkUpsertSpec spec) {
  auto& statement = static_cast<SqliteStatement&>(Prepare(BulkUpsertSql(spec)));
  return std::make_unique<SqliteBulkWriter>(statement, spec);
}

// The outcome of one shared transaction, which its units wait for.
struct MergedBatch {
  bool done = false;
  std::optional<Error> error;  // set when the transaction did not commit or sync
};

// Group commit with shared transactions (docs/storage.md, "Group commit"):
// the units of work of one process on one database file run, one at a
// time, on one connection of their own, and units that follow each other
// closely share its transaction:
// - A unit takes the file's writer queue (WriterQueue: arrival order with
//   bounded barging), then either opens the transaction (BEGIN IMMEDIATE:
//   it is the first unit of a batch) or joins the open one inside a
//   SAVEPOINT.
// - At its end, a unit that committed releases its savepoint; one that
//   failed rolls back to it, so its work alone is undone. If other units
//   wait for the queue and the batch is young (kMaxUnits; kMaxAge since its
//   first unit ended, which bounds how long a finished unit waits), the
//   queue is handed on with the transaction still open; otherwise the unit
//   commits the transaction (COMMIT at synchronous=NORMAL writes the WAL
//   frames of every unit of the batch), hands the queue on, and then syncs
//   the WAL through the file's DurabilityBarrier (one fsync can cover
//   several batches and the connections' own commits).
// - Every unit's Commit returns only once its batch is durable, and throws
//   the batch's error if its COMMIT or sync failed.
// The pages that consecutive units touch (the same index leaves, the same
// account rows) are written to the WAL once per batch instead of once per
// unit, and the sync runs while the next batch works.
//
// Thread safety: the queue serialises the use of connection_ and of
// open_/units_/first_done_; batch outcomes are published under mutex_; the
// barrier lets one thread at a time sync through syncer_.
class MergedWriter {
 public:
  static constexpr int kMaxUnits = 64;
  static constexpr std::chrono::microseconds kMaxAge{10'000};
  static constexpr std::chrono::milliseconds kOrphanCheck{250};

  // `connection` and `syncer`: two connections of their own to the file,
  // at synchronous=NORMAL; `syncer` has read the file (its WAL is open).
  MergedWriter(std::unique_ptr<SqliteConnection> connection,
               std::unique_ptr<SqliteConnection> syncer, std::shared_ptr<SharedFile> shared)
      : connection_(std::move(connection)),
        syncer_(std::move(syncer)),
        shared_(std::move(shared)) {}

  SqliteConnection& connection() { return *connection_; }

  SqliteGroupCommitStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

  // Waits for the queue up to `timeout` (then kUnavailable, retryable, as
  // SQLite's busy error) and starts a unit; throws with nothing held.
  MergedUnit BeginUnit(std::chrono::microseconds timeout) {
    if (!shared_->writers.Acquire(timeout)) {
      // The open batch may have been handed to this unit (see Wait).
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++gave_up_;
      }
      done_.notify_all();
      throw Error(ErrorKind::kUnavailable,
                  std::string("exec: database is locked (another writer of this process held '") +
                      sqlite3_db_filename(connection_->handle(), "main") +
                      "' past the busy timeout)",
                  "SQLITE_5 (database is locked)", /*retryable=*/true);
    }
    MergedUnit unit;
    if (open_) {
      unit.batch = open_;
      unit.savepoint = true;
      try {
        connection_->Prepare("SAVEPOINT tradestore_unit").Execute();
      } catch (...) {
        EndTurn();
        throw;
      }
      return unit;
    }
    try {
      connection_->BeginTransaction();
    } catch (...) {
      shared_->writers.Release();
      throw;
    }
    open_ = std::make_shared<MergedBatch>();
    units_ = 0;
    unit.batch = open_;
    return unit;
  }

  // Ends `unit` as committed; returns once its batch is durable, or throws
  // the batch's error (the unit's work is then not, or not surely, in the
  // database).
  void CommitUnit(const MergedUnit& unit) {
    // A deferred foreign key still unresolved would fail the COMMIT of the
    // whole batch: the unit that left it is refused here, alone.
    int deferred = 0;
    int highwater = 0;
    sqlite3_db_status(connection_->handle(), SQLITE_DBSTATUS_DEFERRED_FKS, &deferred, &highwater,
                      0);
    if (deferred > 0) {
      RollbackUnit(unit);
      throw Error(ErrorKind::kConflict, "commit: FOREIGN KEY constraint failed",
                  "SQLITE_787 (constraint failed)");
    }
    if (unit.savepoint) {
      try {
        connection_->Prepare("RELEASE tradestore_unit").Execute();
      } catch (...) {
        RollbackUnit(unit);
        throw;
      }
    }
    if (++units_ == 1) first_done_ = std::chrono::steady_clock::now();
    EndTurn();
    Wait(unit.batch);
  }

  // Undoes `unit` alone: the units before it in the batch stay.
  void RollbackUnit(const MergedUnit& unit) noexcept {
    if (unit.savepoint) {
      try {
        connection_->Prepare("ROLLBACK TO tradestore_unit").Execute();
        connection_->Prepare("RELEASE tradestore_unit").Execute();
      } catch (...) {
        // Checked below: SQLite may have rolled the whole transaction back.
      }
      if (!sqlite3_get_autocommit(connection_->handle())) {
        EndTurn();
        return;
      }
    }
    // The first unit of its batch (nothing else to keep), or SQLite itself
    // rolled the transaction back after an error (I/O, disk full): the
    // batch ends here, and its units learn that their work is gone.
    connection_->RollbackTransaction();
    std::optional<Error> error;
    if (units_ > 0) {
      error = Error(ErrorKind::kUnavailable,
                    std::string("group commit: the shared transaction on '") +
                        sqlite3_db_filename(connection_->handle(), "main") +
                        "' was rolled back by SQLite after an error in another unit of work; "
                        "this unit of work was not committed",
                    "", /*retryable=*/true);
    }
    Publish(Close(), std::move(error));
  }

 private:
  // By the holder of the queue, after a unit ended with the transaction
  // still open: hands the queue to the next unit, or ends the batch.
  void EndTurn() noexcept {
    if (units_ > 0 && units_ < kMaxUnits && shared_->writers.HasWaiters() &&
        std::chrono::steady_clock::now() - first_done_ < kMaxAge) {
      shared_->writers.Release();
      return;
    }
    CommitOpen();
  }

  // By the holder of the queue: commits the open transaction (rolls it back
  // when no unit is in it), frees the queue, syncs, publishes the outcome.
  void CommitOpen() noexcept {
    const int units = units_;
    std::optional<Error> error;
    if (units == 0) {
      connection_->RollbackTransaction();
    } else {
      try {
        connection_->CommitTransaction();  // on failure, rolled back
      } catch (const Error& e) {
        error = e;
      } catch (const std::exception& e) {
        error = Error(ErrorKind::kInternal, std::string("group commit: ") + e.what());
      }
    }
    const std::uint64_t seq = error || units == 0 ? 0 : shared_->barrier.Committed();
    std::shared_ptr<MergedBatch> batch = Close();
    if (seq != 0) {
      const int rc =
          shared_->barrier.WaitDurable(seq, [this] { return SyncWal(syncer_->handle()); });
      if (rc != 0) error = SyncFailed(syncer_->handle(), rc);
    }
    if (units > 0 && !error) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.transactions;
      stats_.units += static_cast<std::uint64_t>(units);
    }
    Publish(std::move(batch), std::move(error));
  }

  // By the holder of the queue, with no transaction open any more: ends the
  // batch and frees the queue. Returns the batch.
  std::shared_ptr<MergedBatch> Close() noexcept {
    std::shared_ptr<MergedBatch> batch = std::move(open_);
    open_.reset();
    units_ = 0;
    shared_->writers.Release();
    return batch;
  }

  void Publish(std::shared_ptr<MergedBatch> batch, std::optional<Error> error) noexcept {
    if (!batch) return;
    std::lock_guard<std::mutex> lock(mutex_);
    batch->done = true;
    batch->error = std::move(error);
    done_.notify_all();
  }

  // Returns once `batch` has ended, or throws its error. A batch handed to
  // a unit that then gave up waiting for the queue (busy timeout) has no
  // one left to end it: that unit wakes the members (BeginUnit), and one
  // that finds the queue free takes it and commits the batch itself. The
  // timed wake (kOrphanCheck) is a safety net only.
  void Wait(const std::shared_ptr<MergedBatch>& batch) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!batch->done) {
      const std::uint64_t seen = gave_up_;
      done_.wait_for(lock, kOrphanCheck, [&] { return batch->done || gave_up_ != seen; });
      if (batch->done) break;
      lock.unlock();
      if (shared_->writers.Acquire(std::chrono::microseconds(0))) {
        if (open_ == batch) {
          CommitOpen();
        } else {
          shared_->writers.Release();
        }
      }
      lock.lock();
    }
    if (batch->error) throw *batch->error;
  }

  std::unique_ptr<SqliteConnection> connection_;
  std::unique_ptr<SqliteConnection> syncer_;
  std::shared_ptr<SharedFile> shared_;
  // Used only by the holder of shared_->writers:
  std::shared_ptr<MergedBatch> open_;                 // the open transaction's batch, or null
  int units_ = 0;                                     // units committed into it so far
  std::chrono::steady_clock::time_point first_done_;  // when the first of them ended
  // Guarded by mutex_:
  std::mutex mutex_;
  std::condition_variable done_;
  std::uint64_t gave_up_ = 0;  // units that gave up waiting for the queue
  SqliteGroupCommitStats stats_;
};

SqliteConnection& SqliteConnection::MergedConnection() { return merged_->connection(); }

SqliteGroupCommitStats SqliteConnection::merged_stats() const {
  return merged_ ? merged_->stats() : SqliteGroupCommitStats{};
}

void SqliteConnection::BeginMergedUnit() { unit_ = merged_->BeginUnit(busy_.timeout); }

void SqliteConnection::EndMergedUnit(bool commit) {
  const MergedUnit unit = std::move(*unit_);
  unit_.reset();
  if (commit) {
    merged_->CommitUnit(unit);
  } else {
    merged_->RollbackUnit(unit);
  }
}

// The MergedWriter of the file at `canonical_path`, opened by `open` on
// first use and kept while any connection holds it.
std::shared_ptr<MergedWriter> MergedWriterFor(
    const std::string& canonical_path, const std::shared_ptr<SharedFile>& shared,
    const std::function<std::unique_ptr<SqliteConnection>()>& open) {
  static PerFile<MergedWriter> writers;
  return writers.Get(canonical_path,
                     [&] { return std::make_shared<MergedWriter>(open(), open(), shared); });
}

}  // namespace

std::string StripSchemas(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;
  for (std::size_t i = 0; i < sql.size();) {
    const char c = sql[i];
    if (quote != 0) {
      out += c;
      if (c == quote) quote = 0;
      ++i;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      ++i;
      continue;
    }
    if (IsIdentChar(c) && (i == 0 || !IsIdentChar(sql[i - 1]))) {
      bool stripped = false;
      for (std::string_view schema : kSchemas) {
        if (sql.substr(i, schema.size()) == schema && i + schema.size() < sql.size() &&
            sql[i + schema.size()] == '.') {
          i += schema.size() + 1;
          stripped = true;
          break;
        }
      }
      if (stripped) continue;
    }
    out += c;
    ++i;
  }
  return out;
}

namespace {

// A connection of SqliteSnapshotFiles, closed on every path.
struct Handle {
  sqlite3* db = nullptr;
  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() {
    if (db != nullptr) sqlite3_close_v2(db);
  }
  // Opens `path` with `flags`; throws the driver's Error naming it.
  void Open(const std::string& path, int flags, std::string_view what) {
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
      if (db == nullptr) Throw(nullptr, SQLITE_NOMEM, std::string(what) + " " + path);
      Throw(db, rc, std::string(what) + " " + path);
    }
    sqlite3_extended_result_codes(db, 1);
  }
  void Exec(const std::string& sql, std::string_view what) {
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) Throw(db, rc, std::string(what) + ": " + sql);
  }
};

// Whether `db`'s main database is in WAL mode (PRAGMA journal_mode=WAL
// leaves a file that cannot use it, e.g. on a VFS without shared memory, in
// its old mode).
bool JournalModeIsWal(sqlite3* db) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr) != SQLITE_OK) return false;
  bool wal = false;
  if (sqlite3_step(st) == SQLITE_ROW) {
    const auto* mode = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    wal = mode != nullptr && std::strcmp(mode, "wal") == 0;
  }
  sqlite3_finalize(st);
  return wal;
}

// PRAGMA `name` of `db`'s main database as an integer (-1 on error).
std::int64_t PragmaInt(sqlite3* db, const char* name) {
  sqlite3_stmt* st = nullptr;
  const std::string sql = std::string("PRAGMA ") + name;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return -1;
  const std::int64_t value = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  return value;
}

}  // namespace

void SqliteSnapshotFiles(const std::vector<std::string>& sources,
                         const std::vector<std::string>& targets,
                         const std::vector<std::size_t>& read_order, int busy_timeout_ms) {
  if (sources.empty() || sources.size() != targets.size() || read_order.size() != sources.size()) {
    throw Error(ErrorKind::kInternal, "snapshot: sources, targets and read order do not match");
  }
  Handle src;
  src.Open(sources[0], SQLITE_OPEN_READWRITE, "snapshot: cannot open");
  sqlite3_busy_timeout(src.db, busy_timeout_ms);
  std::vector<std::string> schemas = {"main"};
  for (std::size_t i = 1; i < sources.size(); ++i) {
    const std::string alias = "src" + std::to_string(i);
    sqlite3_stmt* st = nullptr;
    const std::string attach = "ATTACH DATABASE ?1 AS " + alias;
    int rc = sqlite3_prepare_v2(src.db, attach.c_str(), -1, &st, nullptr);
    if (rc != SQLITE_OK) Throw(src.db, rc, "snapshot: attach");
    sqlite3_bind_text(st, 1, sources[i].c_str(), -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) Throw(src.db, rc, "snapshot: cannot attach " + sources[i]);
    schemas.push_back(alias);
  }
  src.Exec("BEGIN", "snapshot");
  try {
    for (std::size_t i : read_order) {
      if (i >= sources.size()) throw Error(ErrorKind::kInternal, "snapshot: bad read order");
      src.Exec("SELECT count(*) FROM " + schemas[i] + ".sqlite_master", "snapshot");
    }
    for (std::size_t i = 0; i < sources.size(); ++i) {
      Handle dst;
      dst.Open(targets[i], SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "snapshot: cannot create");
      sqlite3_backup* b = sqlite3_backup_init(dst.db, "main", src.db, schemas[i].c_str());
      if (b == nullptr) {
        Throw(dst.db, sqlite3_errcode(dst.db), "snapshot: backup of " + sources[i]);
      }
      const int rc = sqlite3_backup_step(b, -1);
      sqlite3_backup_finish(b);
      if (rc != SQLITE_DONE) Throw(dst.db, rc, "snapshot: copying " + sources[i]);
    }
  } catch (...) {
    sqlite3_exec(src.db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  src.Exec("COMMIT", "snapshot");
}

namespace {

// Process-wide SQLite settings, made once before the library's first use
// here. Without memory statistics (which tradestore never reads: no
// sqlite3_memory_used, no soft heap limit), SQLite's allocations take no
// global mutex. sqlite3_config refuses (SQLITE_MISUSE) once SQLite is
// initialized, e.g. by a host program that used it first: then the host's
// settings stay, and nothing else changes.
void ConfigureSqliteOnce() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
}

}  // namespace

std::unique_ptr<Connection> OpenSqlite(const std::string& path, const SqliteOptions& options) {
  ConfigureSqliteOnce();
  sqlite3* db = nullptr;
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = "cannot open SQLite database '" + path + "'";
    if (db != nullptr) {
      msg += ": ";
      msg += sqlite3_errmsg(db);
      sqlite3_close_v2(db);
    }
    throw Error(ErrorKind::kStorage, msg, "SQLITE_" + std::to_string(rc));
  }
  sqlite3_extended_result_codes(db, 1);
  auto conn = std::make_unique<SqliteConnection>(db, options.busy_timeout_ms);
  const std::string sync = options.synchronous;
  if (sync != "NORMAL" && sync != "FULL" && sync != "OFF" && sync != "EXTRA") {
    throw InvalidArgument("synchronous must be NORMAL or FULL, got '" + sync + "'");
  }
  if (options.page_size != 0 && (options.page_size < 512 || options.page_size > 65536 ||
                                 (options.page_size & (options.page_size - 1)) != 0)) {
    throw InvalidArgument("page_size must be a power of two from 512 to 65536, got " +
                          std::to_string(options.page_size));
  }
  try {
    // Reading the header proves the file is a database before we change it.
    conn->ExecuteScript("PRAGMA schema_version");
    bool wal = false;
    if (!options.read_only && path != ":memory:") {
      // Before anything writes the new file's header (switching to WAL
      // does).
      if (options.page_size != 0 && PragmaInt(db, "page_count") == 0) {
        conn->ExecuteScript("PRAGMA page_size=" + std::to_string(options.page_size));
      }
      conn->ExecuteScript("PRAGMA journal_mode=WAL");
      wal = JournalModeIsWal(db);
    }
    // Group commit and its writer queue (SqliteOptions), keyed by the file's
    // real path so that every spelling of it shares one queue and barrier.
    std::string effective_sync = sync;
    const char* file = sqlite3_db_filename(db, "main");
    if (options.group_commit && wal && sync == "FULL" && file != nullptr && *file != '\0') {
      std::error_code ec;
      std::filesystem::path canonical = std::filesystem::weakly_canonical(file, ec);
      if (ec) canonical = file;
      std::shared_ptr<SharedFile> shared = SharedFileFor(canonical.string());
      effective_sync = "NORMAL";  // the WAL sync comes after each commit
      // Units of work run in shared transactions on a connection of their
      // own at synchronous=FULL (MergedWriter).
      conn->JoinGroupCommit(
          shared, MergedWriterFor(canonical.string(), shared, [&] {
            SqliteOptions own = options;
            own.group_commit = false;
            own.synchronous = "NORMAL";  // the barrier syncs after each batch
            std::unique_ptr<Connection> c = OpenSqlite(path, own);
            c->ExecuteScript("SELECT count(*) FROM sqlite_master");  // opens the WAL
            return std::unique_ptr<SqliteConnection>(static_cast<SqliteConnection*>(c.release()));
          }));
    }
    conn->ExecuteScript("PRAGMA synchronous=" + effective_sync + "; PRAGMA foreign_keys=ON");
    if (options.temp_store_memory) conn->ExecuteScript("PRAGMA temp_store=MEMORY");
  } catch (const Error& e) {
    throw Error(e.kind(), "'" + path + "': " + e.what(), e.native_code(), e.retryable());
  }
  return conn;
}

bool SqliteGroupCommitActive(const Connection& connection) {
  const auto* c = dynamic_cast<const SqliteConnection*>(&connection);
  return c != nullptr && c->group_commit_active();
}

SqliteGroupCommitStats SqliteGroupCommitStatsOf(const Connection& connection) {
  const auto* c = dynamic_cast<const SqliteConnection*>(&connection);
  return c != nullptr ? c->merged_stats() : SqliteGroupCommitStats{};
}

void SqliteRestoreInto(Connection& target, const std::string& source_path,
                       const std::string& target_path) {
  auto* dst = dynamic_cast<SqliteConnection*>(&target);
  if (dst == nullptr)
    throw Error(ErrorKind::kInternal, "restore: the target is not a SQLite connection");
  if (!sqlite3_get_autocommit(dst->handle())) {
    throw Error(ErrorKind::kInternal, "restore: the target connection has a transaction open");
  }
  Handle src;
  src.Open(source_path, SQLITE_OPEN_READONLY, "restore: cannot open");
  // SQLite's backup cannot change the page size of a WAL database: a file
  // of another page size (a backup of an older store, whose trading.db had
  // 4096-byte pages) is copied with the target in rollback mode, which
  // takes the source's page size, and the target goes back to WAL after.
  sqlite3* db = dst->handle();
  const bool resize =
      PragmaInt(src.db, "page_size") != PragmaInt(db, "page_size") && JournalModeIsWal(db);
  if (resize) {
    dst->ExecuteScript("PRAGMA journal_mode=DELETE");
    if (JournalModeIsWal(db)) {
      throw Error(ErrorKind::kConflict, "restore: '" + target_path +
                                            "' is open elsewhere: its journal mode cannot "
                                            "change for a copy of another page size");
    }
  }
  sqlite3_backup* b = sqlite3_backup_init(db, "main", src.db, "main");
  int rc = b == nullptr ? sqlite3_errcode(db) : sqlite3_backup_step(b, -1);
  if (b != nullptr) sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    if (resize) sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    Throw(db, rc, "restore: copying " + source_path + " into " + target_path);
  }
  if (resize) dst->ExecuteScript("PRAGMA journal_mode=WAL");
  // The backup API commits without the commit hook: under group commit the
  // restored pages are synced here, as synchronous=FULL would have.
  if (dst->group() != nullptr) dst->group()->SyncNow();
}

}  // namespace tradestore::sql
