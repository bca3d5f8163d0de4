#include "support/pg_harness.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sql/connection.h"
#include "sql/postgres/pg_connection.h"
#include "support/server_process.h"
#include "support/server_state.h"
#include "tradestore/error.h"

namespace tradestore::testing {

struct PgServer::Admin {
  std::unique_ptr<sql::Connection> connection;
};

namespace {

namespace fs = std::filesystem;

// Stops the server when the test binary ends.
class PgEnvironment : public ::testing::Environment {
 public:
  void TearDown() override;
};

PgServer* g_server = nullptr;

void PgEnvironment::TearDown() {
  if (g_server != nullptr) g_server->Stop();
}

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new PgEnvironment);

}  // namespace

PgServer& PgServer::Get() {
  // A failed start is remembered: every test that needs the server fails
  // with the same message instead of retrying initdb.
  static std::string failure;
  static std::unique_ptr<PgServer> server;
  if (!failure.empty()) throw std::runtime_error(failure);
  if (!server) {
    auto fresh = std::unique_ptr<PgServer>(new PgServer());
    const char* shared = std::getenv("TRADESTORE_TEST_PG_SHARED");
    try {
      if (shared == nullptr || *shared == '\0' || !fresh->Attach(shared)) fresh->Start();
    } catch (const std::exception& e) {
      failure = std::string("test PostgreSQL server did not start: ") + e.what();
      fresh->Stop();
      throw std::runtime_error(failure);
    }
    server = std::move(fresh);
    g_server = server.get();
  }
  return *server;
}

PgServer::~PgServer() { Stop(); }

void PgServer::Start() {
  bin_dir_ = FindBinDir();
  char tmpl[] = "/tmp/tradestore-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  const std::string data = dir_ + "/data";
  const std::string server_log = dir_ + "/server.log";

  as_postgres_user_ = PrepareServerDir(dir_);
  InitDb(bin_dir_, dir_, data, as_postgres_user_);

  // Only a unix socket in our own directory: no port can clash with another
  // server's TCP port; the port number only names the socket file.
  port_ = StartOnFreePort(bin_dir_, dir_, data, server_log, as_postgres_user_, 30, "the server",
                          [this](int port) {
                            return "-c listen_addresses='' -c unix_socket_directories='" + dir_ +
                                   "' -p " + std::to_string(port) +
                                   " -c fsync=off -c synchronous_commit=off"
                                   " -c full_page_writes=off -c shared_buffers=16MB"
                                   " -c max_connections=60";
                          });
  running_ = true;

  // pg_ctl -w waits for readiness; connecting proves it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  admin_ = std::make_unique<Admin>();
  while (!admin_->connection) {
    try {
      admin_->connection = sql::OpenPostgres(Url("postgres"));
    } catch (const Error& e) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error(std::string("cannot connect: ") + e.what() + "\n" +
                                 ReadFile(server_log));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

bool PgServer::Attach(const std::string& state_file) {
  const std::optional<ServerState> state = ReadServerState(state_file);
  if (!state) return false;
  dir_ = state->dir;
  port_ = state->port;
  owned_ = false;
  try {
    admin_ = std::make_unique<Admin>();
    admin_->connection = sql::OpenPostgres(Url("postgres"));
    return true;
  } catch (const Error&) {
    admin_.reset();
    dir_.clear();
    owned_ = true;
    return false;
  }
}

void PgServer::StartShared(const std::string& state_file) {
  PgServer server;
  server.Start();
  WriteServerState(state_file, {server.dir_, server.port_});
  server.admin_.reset();
  server.owned_ = false;  // keep it running
}

void PgServer::StopShared(const std::string& state_file) {
  const std::optional<ServerState> state = ReadServerState(state_file);
  if (!state) return;
  PgServer server;
  server.bin_dir_ = FindBinDir();
  server.as_postgres_user_ = geteuid() == 0;
  server.dir_ = state->dir;
  server.running_ = true;
  server.Stop();
  std::error_code ec;
  fs::remove(state_file, ec);
}

void PgServer::Stop() noexcept {
  if (admin_) admin_.reset();
  if (!owned_) {
    // A shared server outlives us: drop what we created.
    if (!databases_.empty()) {
      try {
        auto admin = sql::OpenPostgres(Url("postgres"));
        for (const auto& name : databases_) {
          admin->ExecuteScript("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
      } catch (const std::exception&) {
      }
      databases_.clear();
    }
    dir_.clear();
    return;
  }
  if (running_) {
    Run({bin_dir_ + "/pg_ctl", "stop", "-m", "immediate", "-s", "-w", "-D", dir_ + "/data"},
        as_postgres_user_, dir_, dir_ + "/pg_ctl.log");
    running_ = false;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    dir_.clear();
  }
}

std::string PgServer::Url(const std::string& database) const {
  return "postgresql:///" + database + "?host=" + dir_ + "&port=" + std::to_string(port_) +
         "&user=postgres";
}

std::string PgServer::CreateDatabase() {
  // Unique across the processes that share one server.
  const std::string name = "t_" + std::to_string(getpid()) + "_" + std::to_string(++next_database_);
  Execute("CREATE DATABASE " + name);
  databases_.push_back(name);
  return Url(name);
}

void PgServer::Execute(const std::string& sql) { admin_->connection->ExecuteScript(sql); }

}  // namespace tradestore::testing
