// citus_test_cluster start|stop STATE_FILE: the Citus cluster that ctest's
// "citus" fixture shares between test processes (see citus_harness.h).
#include <cstdio>
#include <exception>
#include <string>

#include "support/citus_harness.h"

int main(int argc, char** argv) {
  const std::string usage = "usage: citus_test_cluster start|stop STATE_FILE\n";
  if (argc != 3) {
    std::fputs(usage.c_str(), stderr);
    return 2;
  }
  const std::string command = argv[1];
  try {
    if (command == "start") {
      tradestore::testing::CitusCluster::StartShared(argv[2]);
    } else if (command == "stop") {
      tradestore::testing::CitusCluster::StopShared(argv[2]);
    } else {
      std::fputs(usage.c_str(), stderr);
      return 2;
    }
  } catch (const std::exception& e) {
    // Not fatal: without the shared cluster each test process starts its
    // own, and a test fails with the real error if that fails too.
    std::fprintf(stderr, "citus_test_cluster %s: %s\n", command.c_str(), e.what());
  }
  return 0;
}
