// A throwaway PostgreSQL server for tests.
//
// The first call to PgServer::Get() in a test binary runs initdb into a
// fresh directory under /tmp and starts the server listening only on a
// unix socket in that directory (no TCP), with fsync off. As root (CI), the
// server runs as the `postgres` system user, since PostgreSQL refuses to
// run as root. The server is stopped and its directory removed when the
// test binary ends (a gtest Environment). If it cannot start, Get() throws
// with initdb's or the server's log: tests that need it fail, never skip.
//
// Binaries: $TRADESTORE_PG_BINDIR, else the newest /usr/lib/postgresql/*/bin.
//
// Under ctest, one server is shared by all test processes: the ctest
// fixture "pg" runs `test_servers postgres start STATE` first and `... stop STATE`
// last, and the tests find it through $TRADESTORE_TEST_PG_SHARED=STATE.
// Every database is still private to one test. If the shared server cannot
// be reached, a process starts its own as above.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace tradestore::testing {

class PgServer {
 public:
  // The server of this test binary, started on first use.
  static PgServer& Get();

  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // A store URL ("postgresql:///db?host=DIR&port=N&user=postgres").
  std::string Url(const std::string& database) const;
  // Creates a new empty database "t_<n>" and returns its URL.
  std::string CreateDatabase();
  // Runs SQL (no parameters) in the administrative database "postgres".
  void Execute(const std::string& sql);

  void Stop() noexcept;

  // For `test_servers postgres`: starts a server that outlives this process and
  // writes "DIR PORT" to `state_file`; stops it and removes its files.
  static void StartShared(const std::string& state_file);
  static void StopShared(const std::string& state_file);
  const std::string& dir() const { return dir_; }
  int port() const { return port_; }

 private:
  PgServer() = default;
  void Start();
  // Uses the shared server named in `state_file`; false if unreachable.
  bool Attach(const std::string& state_file);

  std::string bin_dir_;
  std::string dir_;
  int port_ = 0;
  bool as_postgres_user_ = false;
  bool running_ = false;
  bool owned_ = true;  // false when attached to the shared server
  int next_database_ = 0;
  std::vector<std::string> databases_;
  struct Admin;
  std::unique_ptr<Admin> admin_;
};

}  // namespace tradestore::testing
