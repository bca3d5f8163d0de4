// A throwaway PgBouncer for tests, in transaction pooling mode in front of
// the test PostgreSQL server (pg_harness.h).
//
// The first call to PgBouncerServer::Get() in a test binary writes a
// configuration into a fresh directory under /tmp and starts Debian's
// `pgbouncer` (as the `postgres` system user when root: PgBouncer refuses
// to run as root) listening only on a unix socket in that directory. Every
// database of the test server is reachable through it (`* =` in
// [databases]) with pool_mode = transaction and default_pool_size =
// kPoolSize server sessions per database, however many clients connect.
// Store URLs through it carry prepared_statements=off. If pgbouncer is not
// installed or does not start, Get() throws with its log: tests that need
// it fail (naming the package to install), never skip.
//
// Under ctest, one PgBouncer is shared by all test processes: the fixture
// "pg" runs `test_servers pgbouncer start STATE PG_STATE` after the
// PostgreSQL server has started and `... stop STATE` at the end; the tests
// find it in the file pgbouncer-test-server.state beside
// $TRADESTORE_TEST_PG_SHARED. If it cannot be reached, a process starts its
// own in front of its PostgreSQL server.
#pragma once

#include <string>

namespace tradestore::testing {

class PgBouncerServer {
 public:
  // default_pool_size: server sessions per database (and user).
  static constexpr int kPoolSize = 2;

  // The PgBouncer of this test binary, started on first use.
  static PgBouncerServer& Get();

  ~PgBouncerServer();
  PgBouncerServer(const PgBouncerServer&) = delete;
  PgBouncerServer& operator=(const PgBouncerServer&) = delete;

  // A store URL of `database` through PgBouncer
  // ("postgresql:///db?host=DIR&port=N&user=postgres&prepared_statements=off").
  std::string Url(const std::string& database) const;
  // The same database as `server_url` (a URL of the test PostgreSQL server,
  // PgServer::Url or CreateDatabase) through PgBouncer.
  std::string Through(const std::string& server_url) const;
  // Creates a new empty database on the test PostgreSQL server
  // (PgServer::CreateDatabase) and returns its URL through PgBouncer.
  std::string CreateDatabase();

  void Stop() noexcept;

  // For `test_servers pgbouncer`: starts a PgBouncer in front of the shared
  // server named in `pg_state_file` that outlives this process, and writes
  // "DIR PORT" to `state_file`; stops it and removes its files.
  static void StartShared(const std::string& state_file, const std::string& pg_state_file);
  static void StopShared(const std::string& state_file);

 private:
  PgBouncerServer() = default;
  // Starts pgbouncer in front of the server at unix socket `pg_dir`:`pg_port`.
  void Start(const std::string& pg_dir, int pg_port);
  bool Attach(const std::string& state_file);

  std::string dir_;
  int port_ = 0;
  bool as_postgres_user_ = false;
  bool running_ = false;
  bool owned_ = true;  // false when attached to the shared PgBouncer
};

}  // namespace tradestore::testing
