// Another process using a store, for the restore tests: ops_order_writer
// (tests/ops/order_writer_main.cc) either writing orders and fills without a
// pause or, with `idle`, holding the store open untouched like a bot between
// decisions. Stopped (stop file, then waitpid) by Stop() or the destructor.
#pragma once

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "ops/ops_test_util.h"

extern char** environ;

namespace tradestore::testing {

class StoreUser {
 public:
  StoreUser(const std::string& url, const OpsTempDir& dir, bool idle, const std::string& tag = "")
      : stop_(dir.Sub("stop" + tag)), progress_(dir.Sub("progress" + tag)) {
    std::vector<std::string> args = {TRADESTORE_ORDER_WRITER, url, stop_, progress_};
    if (idle) args.push_back("--idle");
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, TRADESTORE_ORDER_WRITER, nullptr, nullptr, argv.data(), environ),
              0);
  }
  ~StoreUser() {
    if (pid_ > 0) Stop();
  }
  StoreUser(const StoreUser&) = delete;
  StoreUser& operator=(const StoreUser&) = delete;

  // The orders written so far (0 before the first report, and when idle).
  long Progress() const {
    std::ifstream in(progress_);
    long n = 0;
    in >> n;
    return n;
  }
  // Waits until the process has the store open and has written at least
  // `orders` orders.
  long WaitFor(long orders) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!std::filesystem::exists(progress_) || Progress() < orders) {
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "the store user wrote only " << Progress() << " orders";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Progress();
  }
  // Stops the process; returns its exit code (0: stopped cleanly).
  int Stop() {
    std::ofstream(stop_) << "stop\n";
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  pid_t pid() const { return pid_; }

 private:
  std::string stop_, progress_;
  pid_t pid_ = -1;
};

}  // namespace tradestore::testing
