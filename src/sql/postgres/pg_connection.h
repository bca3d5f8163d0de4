// The PostgreSQL driver, on libpq.
//
// SQL is the text the repositories write once for both dialects: '?'
// placeholders are numbered $1, $2, ... (NumberPlaceholders) and each
// distinct text is prepared once per connection with server-inferred
// parameter types. Parameters and results travel as text: Decimal as its
// canonical text (NUMERIC), Timestamp as ISO-8601 with 'Z' (timestamptz),
// integers and booleans as decimal digits, which the server reads as
// integer or boolean from the context ("(? OR bot_id = ?)").
//
// The session runs with DateStyle=ISO and TimeZone=UTC so that timestamptz
// comes back as "2023-03-01 00:00:00.123456+00". Errors are translated at
// this boundary from their SQLSTATE (see PgError); the SQLSTATE is kept in
// Error::native_code().
//
// No libpq header is included here: PGconn stays inside the .cc file.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sql/connection.h"
#include "tradestore/error.h"

namespace tradestore::sql {

// Connects to the server named by `conninfo`: a URL
// ("postgresql://user@host:5432/db?sslmode=disable") or key=value pairs
// ("host=/tmp dbname=db"); libpq parses both and applies the PG*
// environment variables. Throws Error(kInvalidArgument) for a malformed
// string and Error(kUnavailable, retryable) when the server cannot be
// reached or refuses the login.
//
// tradestore's own parameters are taken out before libpq sees the string
// (URL query parameters, or key=value pairs):
//   pool_size=N (default 4): the most sessions open to this server from
//     this process, shared by every Store opened with the same string;
//   prepared_statements=on|off (default on): off runs every statement
//     unnamed (PQexecParams) and sends no startup options, for PgBouncer in
//     transaction mode;
//   read_host=H, read_port=P: a streaming replica of the server (same
//     databases, roles and password: libpq's host and port replaced), used
//     only by connections opened with PgOpenOptions::route_reads;
//   read_wait_ms=N (default 2000): how long a routed read waits for the
//     replica to catch up before it goes to the primary.
// With route_reads and a read_host, each autocommit SELECT (outside a unit
// of work) runs on the replica once it has replayed (pg_last_wal_replay_lsn)
// the primary's WAL position noted after this connection's last write
// (pg_current_wal_insert_lsn after each commit or autocommit write, and at
// open) and after the last write of every other connection of this process
// to the same connection string: a read sees its own writes, those made
// through any other Store of the process, and everything committed before
// the connection was opened. A replica still behind after read_wait_ms, one
// that cannot be reached, or one that refuses the statement sends that
// read to the primary; after such a wait, the connection's next reads look
// at the replica's position once, without waiting, until it has caught up.
// Reads are statements that start with SELECT or WITH (one that writes is
// refused by the replica and runs on the primary). Units of work always run
// on the primary.
// The Connection leases a session from the pool at the outermost Begin
// (until Commit or Rollback) and for each autocommit statement; a session
// found dead is replaced with backoff (5 tries, 50 ms doubling to 1 s).
// Parses `conninfo` as OpenPostgres does (the URL's own parameters above,
// then libpq's parser) without connecting; throws Error(kInvalidArgument)
// naming the parameter and value that are wrong. For the fuzzer and for
// checking a URL before a long job.
void CheckPostgresUrl(const std::string& conninfo);

// The store's own parameter chunk_format=2|3 (the candle chunk format it
// writes, StoreOptions::chunk_format) in `conninfo`, a URL or key=value
// string; nullopt when absent. The driver accepts the parameter and keeps
// it from libpq; another value throws Error(kInvalidArgument) naming it,
// here and at OpenPostgres.
std::optional<int> PostgresChunkFormat(const std::string& conninfo);

struct PgOpenOptions {
  bool route_reads = false;  // autocommit reads to read_host (above)
};
std::unique_ptr<Connection> OpenPostgres(const std::string& conninfo,
                                         const PgOpenOptions& options = {});

// Routed reads so far in this process, per connection string (each
// counted once): on the replica (of which some waited for it to catch up),
// or sent to the primary instead.
struct PgReadStats {
  std::int64_t replica_reads = 0;
  std::int64_t replica_waits = 0;
  std::int64_t primary_reads = 0;
};
PgReadStats PostgresReadStats(const std::string& conninfo);

// The replica named by read_host/read_port, as seen now (nullopt without
// read_host). Never throws for an unreachable server: `error` says why.
struct PgReplicaStatus {
  std::string location;  // "host:port" as given
  bool connected = false;
  std::string error;
  bool in_recovery = false;  // false: the server named is not a replica
  std::string replay_lsn;    // pg_last_wal_replay_lsn()
  // The primary's WAL insert position minus the replica's replay position:
  // how far behind it is (0: caught up).
  std::optional<std::int64_t> lag_bytes;
  // now() - pg_last_xact_replay_timestamp() on the replica: the age of the
  // last transaction it replayed (grows while the primary is idle, so it
  // means lag only while lag_bytes > 0).
  std::optional<double> seconds_since_replay;
};
std::optional<PgReplicaStatus> PostgresReplicaStatus(const std::string& conninfo);

// A session of its own (outside the pool) that LISTENs on one channel, for
// waking a reader when a trigger NOTIFYs at commit. Needs a direct session:
// PgBouncer in transaction mode does not carry LISTEN.
class PgListener {
 public:
  virtual ~PgListener() = default;
  // Consumes the notifications received; true if there was one (or the
  // session was lost and re-established: some may have been missed), false
  // when none came within `timeout`. Throws Error(kUnavailable, retryable)
  // when the session is lost and cannot be re-established.
  virtual bool Wait(std::chrono::milliseconds timeout) = 0;
};
// Connects as OpenPostgres would (same string) and runs LISTEN `channel`
// (a plain identifier). Throws Error(kInvalidArgument) for a string with
// prepared_statements=off: that names a transaction pooler, through which
// LISTEN would silently receive nothing.
std::unique_ptr<PgListener> ListenPostgres(const std::string& conninfo, const std::string& channel);

// The state of the pool behind a connection string (nullopt if no
// Connection uses it).
struct PgPoolStats {
  int size = 0;               // pool_size
  int open = 0;               // sessions open (leased or idle)
  int idle = 0;               // sessions waiting in the pool
  std::int64_t leases = 0;    // sessions handed out so far
  std::int64_t connects = 0;  // physical connections made so far
};
std::optional<PgPoolStats> PostgresPoolStats(const std::string& conninfo);

// The result of rewriting '?' placeholders to $1..$n.
struct NumberedSql {
  std::string text;
  int parameters = 0;
};

// Rewrites each '?' outside string literals ('...', E'...'), quoted
// identifiers ("..."), dollar-quoted strings ($tag$...$tag$) and comments
// (-- and nested /* */) into $1, $2, ... in order.
NumberedSql NumberPlaceholders(std::string_view sql);

// Appends `value` as one field of COPY's text format: backslash, tab,
// newline and carriage return escaped as \\, \t, \n, \r (NULL is written as
// \N by the caller, so a text "\N" stays text).
void AppendCopyText(std::string& out, std::string_view value);

// The typed Error for a SQLSTATE: 23505/23503 (unique, foreign key) →
// kConflict; 23514/23502 (check, not null) and class 22 (data exceptions)
// → kInvalidArgument; 40001/40P01 (serialization failure, deadlock),
// 55P03 (lock_timeout) and 57014 (statement_timeout, cancel) →
// kUnavailable, retryable; class 08 (connection) and 57P01..57P03
// (shutdown) → kUnavailable, retryable only outside a transaction (inside
// one the unit of work is lost with the session); class 53 (insufficient
// resources) → kStorage; anything else kInternal. native_code() is the
// SQLSTATE. (A session lost during COMMIT is kInDoubt, decided by the
// connection, which knows that COMMIT was in flight.)
Error PgError(std::string_view sqlstate, const std::string& message, bool in_transaction);

}  // namespace tradestore::sql
