// test_servers KIND start STATE [PG_STATE] | test_servers KIND stop STATE
//
// The throwaway servers that ctest's "pg" fixture starts once and shares
// between test processes (each test still gets its own database):
//   postgres  a PostgreSQL server (pg_harness.h); STATE gets "DIR PORT"
//   citus     a Citus coordinator and two workers (citus_harness.h)
//   pgbouncer a transaction-mode PgBouncer in front of the server whose
//             state file is PG_STATE (pgbouncer_harness.h)
//   replica   a streaming replica of the server of PG_STATE
//             (pg_replica_harness.h)
// Exit 2 on a usage error. A server that fails to start is reported on
// stderr but is not fatal (exit 0): the other kinds still serve their tests,
// and a test that needs the missing one starts its own or fails with the
// real error; none skips.
#include <cstdio>
#include <exception>
#include <functional>
#include <map>
#include <string>

#include "support/citus_harness.h"
#include "support/pg_harness.h"
#include "support/pg_replica_harness.h"
#include "support/pgbouncer_harness.h"

namespace {

using tradestore::testing::CitusCluster;
using tradestore::testing::PgBouncerServer;
using tradestore::testing::PgReplica;
using tradestore::testing::PgServer;

struct Kind {
  bool needs_pg_state;  // start takes the PostgreSQL server's state file too
  std::function<void(const std::string& state, const std::string& pg_state)> start;
  std::function<void(const std::string& state)> stop;
};

const std::map<std::string, Kind>& Kinds() {
  static const std::map<std::string, Kind> kinds = {
      {"postgres",
       {false, [](const std::string& s, const std::string&) { PgServer::StartShared(s); },
        [](const std::string& s) { PgServer::StopShared(s); }}},
      {"citus",
       {false, [](const std::string& s, const std::string&) { CitusCluster::StartShared(s); },
        [](const std::string& s) { CitusCluster::StopShared(s); }}},
      {"pgbouncer",
       {true,
        [](const std::string& s, const std::string& pg) { PgBouncerServer::StartShared(s, pg); },
        [](const std::string& s) { PgBouncerServer::StopShared(s); }}},
      {"replica",
       {true, [](const std::string& s, const std::string& pg) { PgReplica::StartShared(s, pg); },
        [](const std::string& s) { PgReplica::StopShared(s); }}},
  };
  return kinds;
}

}  // namespace

int main(int argc, char** argv) {
  const char* usage =
      "usage: test_servers postgres|citus start STATE\n"
      "       test_servers pgbouncer|replica start STATE PG_STATE\n"
      "       test_servers KIND stop STATE\n";
  if (argc < 4) {
    std::fputs(usage, stderr);
    return 2;
  }
  const std::string kind_name = argv[1];
  const std::string command = argv[2];
  const auto kind = Kinds().find(kind_name);
  const bool start = command == "start";
  const int wanted = start && kind != Kinds().end() && kind->second.needs_pg_state ? 5 : 4;
  if (kind == Kinds().end() || (!start && command != "stop") || argc != wanted) {
    std::fputs(usage, stderr);
    return 2;
  }
  try {
    if (start) {
      kind->second.start(argv[3], argc == 5 ? argv[4] : "");
    } else {
      kind->second.stop(argv[3]);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "test_servers %s %s: %s\n", kind_name.c_str(), command.c_str(), e.what());
  }
  return 0;
}
