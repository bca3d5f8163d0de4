// Backend-neutral SQL access: Connection, Statement, Transaction.
//
// SQL text is written once for both dialects: '?' placeholders (the
// PostgreSQL driver numbers them $1, $2, ...), schema-qualified table names
// ("trading.orders", "market.candles"; the SQLite driver maps each schema to
// the database file that holds it), INSERT ... RETURNING and
// INSERT ... ON CONFLICT, which both dialects support.
//
// Typed values cross the boundary through typed Bind/Get calls so that each
// driver picks its own exact encoding: Decimal is canonical TEXT on SQLite
// and NUMERIC on PostgreSQL; Timestamp is INTEGER microseconds on SQLite and
// timestamptz on PostgreSQL.
//
// Not thread-safe: one Connection per thread.
#pragma once

#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sql/retry.h"
#include "tradestore/decimal.h"
#include "tradestore/error.h"
#include "tradestore/timestamp.h"

namespace tradestore::sql {

enum class Dialect { kSqlite, kPostgres };

// Bytes stored as they are (SQLite BLOB, PostgreSQL bytea): unlike text,
// any byte (NUL, invalid UTF-8) is allowed.
struct Blob {
  std::string bytes;
  auto operator<=>(const Blob&) const = default;
};

// A prepared statement owned by its Connection's cache. Parameters are
// 1-based; columns are 0-based.
class Statement {
 public:
  virtual ~Statement() = default;

  virtual Statement& BindNull(int index) = 0;
  virtual Statement& Bind(int index, std::int64_t value) = 0;
  virtual Statement& Bind(int index, double value) = 0;
  virtual Statement& Bind(int index, std::string_view value) = 0;
  virtual Statement& Bind(int index, const Decimal& value) = 0;
  virtual Statement& Bind(int index, Timestamp value) = 0;
  virtual Statement& BindBlob(int index, std::string_view bytes) = 0;
  Statement& Bind(int index, const Blob& value) { return BindBlob(index, value.bytes); }
  Statement& Bind(int index, int value) { return Bind(index, static_cast<std::int64_t>(value)); }
  Statement& Bind(int index, bool value) { return Bind(index, std::int64_t{value ? 1 : 0}); }
  Statement& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Statement& Bind(int index, const std::string& value) {
    return Bind(index, std::string_view(value));
  }
  template <typename T>
  Statement& Bind(int index, const std::optional<T>& value) {
    return value ? Bind(index, *value) : BindNull(index);
  }

  // Advances to the next result row; false when done. Throws Error.
  virtual bool Step() = 0;
  // Runs to completion and returns the number of rows changed.
  virtual std::int64_t Execute() = 0;
  // Runs the statement for its effect alone: the caller needs neither its
  // rows nor its count of changed rows. Inside a unit of work a driver may
  // send it without waiting for the server (PostgreSQL: pipeline mode, so
  // that consecutive writes and the next read share one round trip). An
  // error it raises is then thrown by the next statement run on this
  // connection, or by the outermost Commit, naming this statement's text;
  // the unit of work then rolls back as after any failed operation in it.
  // Outside a unit of work, and on SQLite, it is Execute().
  virtual void ExecuteDeferred() { Execute(); }
  // Clears the result so the statement can run again; keeps bindings.
  virtual void Reset() = 0;
  // Asks that the rows of this statement's runs come in the driver's
  // binary form where it has one, for hot reads: PostgreSQL's binary
  // result format, so that neither the server nor the client formats or
  // parses numbers and times, and bytea arrives as its bytes. The getters
  // read the same values either way: integers from int2/int4/int8/bool,
  // doubles from float8 (bit for bit), float4 (the float's exact value)
  // and the integers, text from text/varchar/char/name, blobs from bytea,
  // timestamps from timestamptz/timestamp and int8 (µs); other types
  // (numeric, say) and infinite times throw Error(kInternal) naming the
  // column. The choice stays with the cached statement of this text.
  // SQLite: nothing changes. Returns *this.
  virtual Statement& PreferBinaryResults() { return *this; }

  virtual bool IsNull(int column) const = 0;
  virtual std::int64_t GetInt64(int column) const = 0;
  virtual double GetDouble(int column) const = 0;
  virtual std::string GetText(int column) const = 0;
  virtual Decimal GetDecimal(int column) const = 0;
  virtual Timestamp GetTimestamp(int column) const = 0;
  // The bytes of a blob column; the view is valid until the next Step,
  // Reset or GetBlob on this statement.
  virtual std::string_view GetBlob(int column) const = 0;
  bool GetBool(int column) const { return GetInt64(column) != 0; }
  std::optional<std::int64_t> GetOptionalInt64(int column) const {
    return IsNull(column) ? std::nullopt : std::optional(GetInt64(column));
  }
  std::optional<Decimal> GetOptionalDecimal(int column) const {
    return IsNull(column) ? std::nullopt : std::optional(GetDecimal(column));
  }
  std::optional<double> GetOptionalDouble(int column) const {
    return IsNull(column) ? std::nullopt : std::optional(GetDouble(column));
  }
};

// What BeginBulkUpsert writes: rows of `columns` into `table`
// (schema-qualified); a row whose `conflict_columns` match an existing row
// updates its `update_columns` instead (none: the existing row is kept). No
// conflict columns: plain inserts. Names are trusted SQL identifiers.
struct BulkUpsertSpec {
  std::string table;
  std::vector<std::string> columns;
  std::vector<std::string> conflict_columns;
  std::vector<std::string> update_columns;
  // The caller guarantees that no row conflicts with a stored row or with
  // another row of this write (e.g. it holds a lock on a range known to be
  // empty, and its keys strictly increase): PostgreSQL then COPYs straight
  // into the table, without the staging table and the upsert; SQLite runs
  // the same statement as without it. A conflict that happens nonetheless
  // fails the write (kConflict) instead of updating.
  bool insert_only = false;
  // PostgreSQL: send the rows in COPY's binary format (no text to format on
  // this side, none to parse on the server) when every column is bigint,
  // integer, smallint, boolean, double precision, text, varchar,
  // timestamptz or bytea; otherwise, and on SQLite, nothing changes. The
  // caller then adds each column's own C++ type (an int64 for an integer
  // or boolean column, a double for double precision, a Timestamp for
  // timestamptz, text for text, a Blob for bytea); another type throws
  // Error(kInternal) naming the table and the column.
  bool binary = false;
  // The conflict update runs only for a row in which some update column
  // changes (`IS DISTINCT FROM` the stored value): rows written again as
  // they are stored write nothing (no page or WAL frame on SQLite, no new
  // row version on PostgreSQL). 0.0 and -0.0 compare equal, so a new value
  // of 0 in a column of `zero_is_change` (double columns) always counts as
  // a change, and the stored zero takes the new one's sign.
  bool only_changes = false;
  std::vector<std::string> zero_is_change = {};
};

// A streaming bulk write, obtained from Connection::BeginBulkUpsert inside a
// unit of work. Each row is one typed value per column, in column order
// (Add..., then EndRow, or AddRow(v1, v2, ...)); memory stays flat however
// many rows are sent. Rows become part of the unit of work by Finish():
// nothing is visible to others before its Commit, and nothing of a writer
// that is destroyed unfinished is written (the unit of work must then be
// rolled back). Within one write a later row with the same conflict key
// wins, as if the rows were upserted one by one.
//
// The row shape is checked here, once for every driver: a value beyond the
// last column, a row ended short, Finish with a row half-added, and any use
// after Finish throw Error(kInternal) naming the table. Drivers implement
// the Put/WriteRow/FinishRows hooks, which only ever see whole, well-formed
// rows.
class BulkWriter {
 public:
  virtual ~BulkWriter() = default;
  BulkWriter(const BulkWriter&) = delete;
  BulkWriter& operator=(const BulkWriter&) = delete;

  BulkWriter& AddNull() {
    PutNull(NextColumn());
    return *this;
  }
  BulkWriter& Add(std::int64_t value) {
    Put(NextColumn(), value);
    return *this;
  }
  BulkWriter& Add(double value) {
    Put(NextColumn(), value);
    return *this;
  }
  BulkWriter& Add(std::string_view value) {
    const int column = NextColumn();
    CheckText(column, value);  // tradestore/text.h: valid UTF-8, no NUL
    Put(column, value);
    return *this;
  }
  BulkWriter& Add(const Decimal& value) {
    Put(NextColumn(), value);
    return *this;
  }
  BulkWriter& Add(Timestamp value) {
    const int column = NextColumn();
    CheckTime(column, value);  // sql/text_check.h: 0001-01-01 to 9999-12-31
    Put(column, value);
    return *this;
  }
  BulkWriter& Add(const Blob& value) {
    PutBlob(NextColumn(), value.bytes);
    return *this;
  }
  BulkWriter& Add(int value) { return Add(static_cast<std::int64_t>(value)); }
  BulkWriter& Add(bool value) { return Add(std::int64_t{value ? 1 : 0}); }
  BulkWriter& Add(const char* value) { return Add(std::string_view(value)); }
  BulkWriter& Add(const std::string& value) { return Add(std::string_view(value)); }
  template <typename T>
  BulkWriter& Add(const std::optional<T>& value) {
    return value ? Add(*value) : AddNull();
  }
  // Ends the current row; throws Error(kInternal) unless it had one value
  // per column, else the driver's typed Error if writing it failed.
  void EndRow();

  template <typename... Values>
  void AddRow(const Values&... values) {
    (Add(values), ...);
    EndRow();
  }

  // Writes whatever is still buffered into the table; returns the number of
  // rows added. Throws Error(kInternal) with a row half-added or when called
  // twice, else the driver's typed Error.
  std::int64_t Finish();

  const std::string& table() const { return table_; }

 protected:
  BulkWriter(std::string table, std::vector<std::string> column_names)
      : table_(std::move(table)),
        column_names_(std::move(column_names)),
        columns_(static_cast<int>(column_names_.size())) {}

  // One value of the current row, `column` 1-based (1..columns, in order).
  virtual void PutNull(int column) = 0;
  virtual void Put(int column, std::int64_t value) = 0;
  virtual void Put(int column, double value) = 0;
  virtual void Put(int column, std::string_view value) = 0;
  virtual void Put(int column, const Decimal& value) = 0;
  virtual void Put(int column, Timestamp value) = 0;
  virtual void PutBlob(int column, std::string_view bytes) = 0;
  // The current row is complete (one value per column): write or buffer it.
  virtual void WriteRow() = 0;
  // Every row was ended: write what is buffered.
  virtual void FinishRows() = 0;

  bool finished() const { return finished_; }

 private:
  // The 1-based column of the next value; throws past the last column or
  // after Finish.
  int NextColumn();
  // Throws Error(kInvalidArgument) naming the column when `value` is not
  // valid UTF-8 or holds a NUL (tradestore/text.h).
  void CheckText(int column, std::string_view value) const;
  // Throws Error(kInvalidArgument) naming the column when `value` is outside
  // the times a store holds (sql/text_check.h).
  void CheckTime(int column, Timestamp value) const;

  const std::string table_;
  const std::vector<std::string> column_names_;
  const int columns_;
  int column_ = 0;  // values added to the current row
  std::int64_t rows_ = 0;
  bool finished_ = false;
};

class Connection {
 public:
  virtual ~Connection() = default;

  virtual Dialect dialect() const = 0;
  // The row-locking clause to append to a SELECT that precedes an UPDATE of
  // the rows it reads inside a unit of work: " FOR NO KEY UPDATE" on
  // PostgreSQL (READ COMMITTED: without it two units of work read the same
  // balance and the second write loses the first; NO KEY, because the
  // foreign keys of concurrent inserts take KEY SHARE locks on the same rows
  // and FOR UPDATE would conflict with them), "" on SQLite, whose write
  // units of work start with BEGIN IMMEDIATE and so already run one at a
  // time.
  virtual std::string_view ForUpdate() const = 0;
  // Prepare(sql + ForUpdate()): the locking read of a read-modify-write. The
  // locked text is built once per statement, not on every call (a hot path:
  // every fill and ledger posting reads this way).
  Statement& PrepareForUpdate(std::string_view sql) {
    if (ForUpdate().empty()) return Prepare(sql);
    auto it = locked_sql_.find(sql);
    if (it == locked_sql_.end()) {
      it = locked_sql_.emplace(std::string(sql), std::string(sql) + std::string(ForUpdate())).first;
    }
    return Prepare(it->second);
  }
  // Returns the cached prepared statement for `sql`, reset and ready to
  // bind. The reference stays valid for the connection's lifetime; do not
  // use the same statement text re-entrantly while iterating its rows.
  virtual Statement& Prepare(std::string_view sql) = 0;
  // Runs one or more statements without parameters (DDL, pragmas).
  virtual void ExecuteScript(std::string_view sql) = 0;

  // Transaction control; prefer the RAII Transaction below. The nesting
  // rule lives here, once for every driver:
  // - Only the outermost Begin starts a database transaction; nested levels
  //   join it, so a repository's own unit of work commits with its
  //   caller's. If the outermost BEGIN fails, no level is open.
  // - A nested level that ends without Commit (an operation inside failed)
  //   poisons the whole unit of work: the outermost Commit then rolls
  //   everything back and throws PoisonedCommit() (or the driver's more
  //   specific RefusedCommit, e.g. a lost session). Nothing half-done can
  //   commit. (No savepoints: they cost a statement or a round trip per
  //   call, and no caller continues a unit of work after an operation in it
  //   failed.)
  // - The outermost Commit ends the unit of work whether it returns or
  //   throws: the depth is 0 afterwards, and a failed COMMIT leaves nothing
  //   open (the driver rolls back what is left), so the caller's Rollback
  //   is a no-op. A failed COMMIT wrote nothing, except kInDoubt: the
  //   connection was lost during COMMIT and whether it committed is
  //   unknown.
  // - Rollback never throws; at depth 0 it does nothing.
  // A new outermost Begin starts unpoisoned.
  // - The outermost Begin retries a start refused as busy or unavailable
  //   (Error kUnavailable with retryable(): SQLite's write lock held past
  //   the busy timeout, a PostgreSQL session that cannot be had) under the
  //   begin retry policy (set_begin_retry; none by default), with jittered
  //   exponential backoff. Retrying there is always safe: nothing of the
  //   caller's unit of work has run yet. When the policy's budget is spent
  //   the last error is thrown.
  void Begin();
  void Commit();
  void Rollback() noexcept;
  int transaction_depth() const { return depth_; }

  // The retry policy of the outermost Begin (see Begin).
  void set_begin_retry(const RetryPolicy& policy) { begin_retry_ = policy; }
  const RetryPolicy& begin_retry() const { return begin_retry_; }
  // Starts of units of work that were refused and retried, so far.
  std::int64_t begin_retries() const { return begin_retries_; }

  // Begins a bulk upsert (see BulkWriter) in the current unit of work,
  // which must be open (Begin) until Finish; throws Error(kInternal) outside
  // one or for a spec without columns. SQLite runs its cached prepared
  // INSERT ... ON CONFLICT once per row; PostgreSQL streams the rows with
  // COPY into a staging table (see docs/storage.md). Use no other statement
  // of this connection between the first row and Finish.
  std::unique_ptr<BulkWriter> BeginBulkUpsert(BulkUpsertSpec spec);

 protected:
  // The driver's side of the nesting rule above.
  // Starts the database transaction (the outermost Begin). On throw,
  // nothing is open.
  virtual void BeginTransaction() = 0;
  // Commits it (the outermost Commit of an unpoisoned unit of work). On
  // throw, no transaction may remain open: the driver has rolled it back,
  // or the outcome is unknown (kInDoubt).
  virtual void CommitTransaction() = 0;
  // Rolls it back (the outermost Rollback, or a poisoned Commit).
  virtual void RollbackTransaction() noexcept = 0;
  // The error a poisoned unit of work's Commit throws; computed before its
  // rollback. PoisonedCommit() unless the driver knows better.
  virtual Error RefusedCommit() const;
  // The driver's bulk writer for a checked spec, inside a unit of work.
  virtual std::unique_ptr<BulkWriter> OpenBulkWriter(BulkUpsertSpec spec) = 0;
  // A failure the driver found outside any statement's error path (an
  // abandoned COPY) poisons the open unit of work, if any.
  void Poison() noexcept {
    if (depth_ > 0) poisoned_ = true;
  }

 private:
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  // Statement text -> the same text with ForUpdate() appended.
  std::unordered_map<std::string, std::string, TextHash, std::equal_to<>> locked_sql_;
  int depth_ = 0;
  bool poisoned_ = false;
  RetryPolicy begin_retry_;
  std::int64_t begin_retries_ = 0;
};

// The INSERT ... ON CONFLICT text of `spec`: rows from `source` (a SELECT),
// or VALUES with one '?' per column when it is empty.
std::string BulkUpsertSql(const BulkUpsertSpec& spec, std::string_view source = {});

// The error the outermost Commit throws for a poisoned unit of work.
inline Error PoisonedCommit() {
  return Error(ErrorKind::kConflict,
               "the unit of work was rolled back: an operation inside it failed, so it cannot "
               "commit");
}

// Begins in the constructor; rolls back in the destructor unless Commit()
// was called. Non-copyable, non-movable.
class Transaction {
 public:
  explicit Transaction(Connection& connection) : connection_(connection) { connection_.Begin(); }
  ~Transaction() {
    if (!done_) connection_.Rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void Commit() {
    connection_.Commit();
    done_ = true;
  }

 private:
  Connection& connection_;
  bool done_ = false;
};

}  // namespace tradestore::sql
