// The state file of a shared throwaway server ("DIR PORT"), written by
// `test_servers KIND start` (test_servers_main.cc) and read by the test
// processes that attach to it and by `... stop`.
#pragma once

#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

namespace tradestore::testing {

struct ServerState {
  std::string dir;  // the server's directory (its socket is there)
  int port = 0;
};

// nullopt when the file is missing or does not hold "DIR PORT".
inline std::optional<ServerState> ReadServerState(const std::string& path) {
  std::ifstream in(path);
  ServerState s;
  if (!(in >> s.dir >> s.port)) return std::nullopt;
  return s;
}

// Writes "DIR PORT\n" to `path`; throws std::runtime_error when it cannot.
inline void WriteServerState(const std::string& path, const ServerState& state) {
  std::ofstream out(path, std::ios::trunc);
  out << state.dir << " " << state.port << "\n";
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
}

// The shared PostgreSQL server that a PgBouncer or a replica is started
// for; throws std::runtime_error naming `pg_state_file` when there is none.
inline ServerState SharedPostgresState(const std::string& pg_state_file) {
  const std::optional<ServerState> s = ReadServerState(pg_state_file);
  if (!s) {
    throw std::runtime_error("no shared PostgreSQL server in " + pg_state_file +
                             " (pg.server.start must run first)");
  }
  return *s;
}

}  // namespace tradestore::testing
