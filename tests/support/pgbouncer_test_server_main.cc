// pgbouncer_test_server start STATE_FILE PG_STATE_FILE | stop STATE_FILE:
// the PgBouncer that ctest's "pg" fixture shares between test processes, in
// front of the shared PostgreSQL server (see pgbouncer_harness.h).
#include <cstdio>
#include <exception>
#include <string>

#include "support/pgbouncer_harness.h"

int main(int argc, char** argv) {
  const std::string usage =
      "usage: pgbouncer_test_server start STATE_FILE PG_STATE_FILE | stop STATE_FILE\n";
  const std::string command = argc > 1 ? argv[1] : "";
  try {
    if (command == "start" && argc == 4) {
      tradestore::testing::PgBouncerServer::StartShared(argv[2], argv[3]);
    } else if (command == "stop" && argc == 3) {
      tradestore::testing::PgBouncerServer::StopShared(argv[2]);
    } else {
      std::fputs(usage.c_str(), stderr);
      return 2;
    }
  } catch (const std::exception& e) {
    // Not fatal for the other tests of the fixture: the tests that need
    // PgBouncer then try to start their own and fail with the real error
    // (pgbouncer not installed, ...), never skip.
    std::fprintf(stderr, "pgbouncer_test_server %s: %s\n", command.c_str(), e.what());
  }
  return 0;
}
