// A throwaway streaming replica of the test PostgreSQL server (pg_harness.h),
// for the read-replica tests (docs/scale-out.md).
//
// The first call to PgReplica::Get() in a test binary copies the test server
// with pg_basebackup (-R: standby.signal and primary_conninfo, WAL streamed)
// into a fresh directory under /tmp and starts it as a hot standby listening
// only on a unix socket in that directory (as the `postgres` system user
// when root). Every database of the server, including those created later,
// is on the replica once replayed. If it cannot start, Get() throws with
// pg_basebackup's or the replica's log: tests fail, never skip.
//
// Under ctest, one replica is shared by all test processes: the fixture "pg"
// runs `test_servers replica start STATE PG_STATE` once the server runs and
// `... stop STATE` at the end; the tests find it in the file
// pg-replica-test-server.state beside $TRADESTORE_TEST_PG_SHARED. If it
// cannot be reached, a process starts its own of its PostgreSQL server.
#pragma once

#include <string>

namespace tradestore::testing {

class PgReplica {
 public:
  // The replica of this test binary, started on first use.
  static PgReplica& Get();

  ~PgReplica();
  PgReplica(const PgReplica&) = delete;
  PgReplica& operator=(const PgReplica&) = delete;

  // A URL of `database` on the replica itself (read-only).
  std::string Url(const std::string& database) const;
  // `primary_url` (a URL of the test server) with the read_host and
  // read_port parameters that name this replica.
  std::string Routed(const std::string& primary_url) const;
  // Creates a new empty database on the test server (PgServer) and returns
  // its URL with reads routed to this replica (Routed), once the replica
  // has it.
  std::string CreateDatabase();
  // The database a test server URL names (postgresql:///NAME?...).
  static std::string DatabaseOf(const std::string& url);

  // Runs SQL (no parameters) in the replica's database "postgres", e.g.
  // SELECT pg_wal_replay_pause().
  void Execute(const std::string& sql);

  const std::string& dir() const { return dir_; }
  int port() const { return port_; }

  void Stop() noexcept;

  // For `test_servers replica`: starts a replica of the shared server named
  // in `pg_state_file` that outlives this process and writes "DIR PORT" to
  // `state_file`; stops it and removes its files.
  static void StartShared(const std::string& state_file, const std::string& pg_state_file);
  static void StopShared(const std::string& state_file);

 private:
  PgReplica() = default;
  void Start(const std::string& pg_dir, int pg_port);
  bool Attach(const std::string& state_file);

  std::string bin_dir_;
  std::string dir_;
  int port_ = 0;
  bool as_postgres_user_ = false;
  bool running_ = false;
  bool owned_ = true;  // false when attached to the shared replica
};

}  // namespace tradestore::testing
