// pg_replica_test_server start STATE_FILE PG_STATE_FILE | stop STATE_FILE:
// the streaming replica that ctest's "pg" fixture shares between test
// processes, of the shared PostgreSQL server (see pg_replica_harness.h).
#include <cstdio>
#include <exception>
#include <string>

#include "support/pg_replica_harness.h"

int main(int argc, char** argv) {
  const std::string usage =
      "usage: pg_replica_test_server start STATE_FILE PG_STATE_FILE | stop STATE_FILE\n";
  const std::string command = argc > 1 ? argv[1] : "";
  try {
    if (command == "start" && argc == 4) {
      tradestore::testing::PgReplica::StartShared(argv[2], argv[3]);
    } else if (command == "stop" && argc == 3) {
      tradestore::testing::PgReplica::StopShared(argv[2]);
    } else {
      std::fputs(usage.c_str(), stderr);
      return 2;
    }
  } catch (const std::exception& e) {
    // Not fatal for the other tests of the fixture: the replica tests then
    // try to start their own and fail with the real error, never skip.
    std::fprintf(stderr, "pg_replica_test_server %s: %s\n", command.c_str(), e.what());
  }
  return 0;
}
