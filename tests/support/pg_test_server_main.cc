// pg_test_server start|stop STATE_FILE: the PostgreSQL server that ctest's
// "pg" fixture shares between test processes (see pg_harness.h).
#include <cstdio>
#include <exception>
#include <string>

#include "support/pg_harness.h"

int main(int argc, char** argv) {
  const std::string usage = "usage: pg_test_server start|stop STATE_FILE\n";
  if (argc != 3) {
    std::fputs(usage.c_str(), stderr);
    return 2;
  }
  const std::string command = argv[1];
  try {
    if (command == "start") {
      tradestore::testing::PgServer::StartShared(argv[2]);
    } else if (command == "stop") {
      tradestore::testing::PgServer::StopShared(argv[2]);
    } else {
      std::fputs(usage.c_str(), stderr);
      return 2;
    }
  } catch (const std::exception& e) {
    // Not fatal: without the shared server each test process starts its
    // own, and a test fails with the real error if that fails too.
    std::fprintf(stderr, "pg_test_server %s: %s\n", command.c_str(), e.what());
  }
  return 0;
}
