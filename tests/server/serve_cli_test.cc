// `tradestore serve` as a process: it prints where it listens, answers,
// drains and exits 0 on SIGTERM and SIGINT, and refuses a public address
// without a token (exit 2, saying why) or a taken port (exit 5).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include "tradestore/export_import.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

namespace fs = std::filesystem;

struct Process {
  pid_t pid = -1;
  int err_fd = -1;  // the child's stderr
  std::string err;  // read so far
};

Process Spawn(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  int pipefd[2];
  if (pipe(pipefd) != 0) throw std::runtime_error("pipe");
  Process p;
  p.pid = fork();
  if (p.pid == 0) {
    dup2(pipefd[1], STDERR_FILENO);
    close(pipefd[0]);
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipefd[1]);
  p.err_fd = pipefd[0];
  return p;
}

// Reads the child's stderr until `pattern` matches or it closes.
std::smatch ReadUntil(Process& p, const std::regex& pattern) {
  char buf[4096];
  std::smatch m;
  while (!std::regex_search(p.err, m, pattern)) {
    const ssize_t n = read(p.err_fd, buf, sizeof buf);
    if (n <= 0) break;
    p.err.append(buf, static_cast<std::size_t>(n));
  }
  return m;
}

int Wait(Process& p) {
  int status = 0;
  waitpid(p.pid, &status, 0);
  char buf[4096];
  ssize_t n;
  while ((n = read(p.err_fd, buf, sizeof buf)) > 0) p.err.append(buf, static_cast<std::size_t>(n));
  close(p.err_fd);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class ServeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ts-serve-cli-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
    url_ = "sqlite:" + (dir_ / "store").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  std::string url_;
};

TEST_F(ServeCli, ServesAndDrainsOnSignals) {
  for (int sig : {SIGTERM, SIGINT}) {
    Process p = Spawn({TRADESTORE_CLI, "serve", "--store", url_, "--listen", "127.0.0.1:0"});
    const std::smatch m = ReadUntil(p, std::regex(R"(on http://127\.0\.0\.1:(\d+)/)"));
    ASSERT_FALSE(m.empty()) << p.err;
    const int port = std::stoi(m[1]);
    httplib::Client client("127.0.0.1", port);
    const auto res = client.Get("/api/v1/ping");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    const auto t0 = std::chrono::steady_clock::now();
    kill(p.pid, sig);
    EXPECT_EQ(Wait(p), 0) << p.err;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
    EXPECT_NE(p.err.find("draining"), std::string::npos) << p.err;
    EXPECT_NE(p.err.find("stopped"), std::string::npos) << p.err;
  }
}

// A request in flight when the signal comes is finished, not cut: the
// client has sent half of a POST's body when SIGTERM arrives, sends the rest
// after it, gets its 201, and the row is in the store.
TEST_F(ServeCli, ARequestInFlightAtTheSignalIsFinished) {
  Process p = Spawn({TRADESTORE_CLI, "serve", "--store", url_, "--listen", "127.0.0.1:0"},
                    {"TRADESTORE_TOKEN=drain-token"});
  const std::smatch m = ReadUntil(p, std::regex(R"(on http://127\.0\.0\.1:(\d+)/)"));
  ASSERT_FALSE(m.empty()) << p.err;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(m[1])));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string body =
      R"({"component":"drain-test","event_type":"in-flight","message":"sent across SIGTERM"})";
  const std::string head =
      "POST /api/v1/system-events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Authorization: Bearer drain-token\r\n"
      "Content-Type: application/json\r\nConnection: close\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  const auto send_all = [fd](const std::string& data) {
    return send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  };
  ASSERT_TRUE(send_all(head + body.substr(0, body.size() / 2)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the server is reading it
  kill(p.pid, SIGTERM);
  ReadUntil(p, std::regex("draining"));
  ASSERT_TRUE(send_all(body.substr(body.size() / 2)));
  std::string response;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) response.append(buf, static_cast<std::size_t>(n));
  close(fd);
  EXPECT_EQ(response.rfind("HTTP/1.1 201", 0), 0u) << response;
  EXPECT_EQ(Wait(p), 0) << p.err;
  Store store = Store::Open(url_);
  ExportFilter all;
  all.include_test = true;
  EXPECT_EQ(ReadEntity(store, "system-events", all).rows.size(), 1u);
}

TEST_F(ServeCli, TokenFromFileOrEnvironmentAndNeverPrinted) {
  const fs::path token_file = dir_ / "token";
  std::ofstream(token_file) << "file-token-123\n";
  Process p = Spawn({TRADESTORE_CLI, "serve", "--store", url_, "--listen", "127.0.0.1:0",
                     "--token-file", token_file.string()});
  const std::smatch m = ReadUntil(p, std::regex(R"(on http://127\.0\.0\.1:(\d+)/)"));
  ASSERT_FALSE(m.empty()) << p.err;
  httplib::Client client("127.0.0.1", std::stoi(m[1]));
  EXPECT_EQ(client.Get("/api/v1/bots")->status, 401);
  client.set_bearer_token_auth("file-token-123");
  EXPECT_EQ(client.Get("/api/v1/bots")->status, 200);
  kill(p.pid, SIGTERM);
  EXPECT_EQ(Wait(p), 0);
  EXPECT_EQ(p.err.find("file-token-123"), std::string::npos) << "the token was printed";

  Process q = Spawn({TRADESTORE_CLI, "serve", "--store", url_, "--listen", "0.0.0.0:0"},
                    {"TRADESTORE_TOKEN=env-token-456"});
  const std::smatch n = ReadUntil(q, std::regex(R"(on http://0\.0\.0\.0:(\d+)/)"));
  ASSERT_FALSE(n.empty()) << q.err;
  httplib::Client c2("127.0.0.1", std::stoi(n[1]));
  c2.set_bearer_token_auth("env-token-456");
  EXPECT_EQ(c2.Get("/api/v1/bots")->status, 200);
  kill(q.pid, SIGTERM);
  EXPECT_EQ(Wait(q), 0);
  EXPECT_EQ(q.err.find("env-token-456"), std::string::npos);
}

TEST_F(ServeCli, RefusesPublicAddressWithoutTokenAndBusyPort) {
  Process p = Spawn({TRADESTORE_CLI, "serve", "--store", url_, "--listen", "0.0.0.0:0"},
                    {"TRADESTORE_TOKEN="});
  EXPECT_EQ(Wait(p), 2) << p.err;
  EXPECT_NE(p.err.find("without a token"), std::string::npos) << p.err;

  Process bad = Spawn({TRADESTORE_CLI, "serve", "--store", url_, "--listen", "127.0.0.1:99999"});
  EXPECT_EQ(Wait(bad), 2) << bad.err;

  Process first = Spawn({TRADESTORE_CLI, "serve", "--store", url_, "--listen", "127.0.0.1:0"});
  const std::smatch m = ReadUntil(first, std::regex(R"(on http://127\.0\.0\.1:(\d+)/)"));
  ASSERT_FALSE(m.empty()) << first.err;
  Process second = Spawn(
      {TRADESTORE_CLI, "serve", "--store", url_, "--listen", "127.0.0.1:" + std::string(m[1])});
  EXPECT_EQ(Wait(second), 5) << second.err;
  EXPECT_NE(second.err.find("cannot listen"), std::string::npos) << second.err;
  kill(first.pid, SIGTERM);
  EXPECT_EQ(Wait(first), 0);
}

}  // namespace
}  // namespace tradestore
