#include "support/pg_replica_harness.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sql/postgres/pg_connection.h"
#include "support/pg_harness.h"
#include "support/server_process.h"
#include "support/server_state.h"
#include "tradestore/error.h"

namespace tradestore::testing {
namespace {

namespace fs = std::filesystem;

PgReplica* g_replica = nullptr;

// Stops this binary's own replica when the test binary ends.
class PgReplicaEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    if (g_replica != nullptr) g_replica->Stop();
  }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new PgReplicaEnvironment);

// The state file of the shared replica: beside the shared server's.
std::string SharedStateFile() {
  const char* pg_state = std::getenv("TRADESTORE_TEST_PG_SHARED");
  if (pg_state == nullptr || *pg_state == '\0') return "";
  return (fs::path(pg_state).parent_path() / "pg-replica-test-server.state").string();
}

}  // namespace

PgReplica& PgReplica::Get() {
  static std::string failure;
  static std::unique_ptr<PgReplica> replica;
  if (!failure.empty()) throw std::runtime_error(failure);
  if (!replica) {
    auto fresh = std::unique_ptr<PgReplica>(new PgReplica());
    const std::string shared = SharedStateFile();
    try {
      if (shared.empty() || !fresh->Attach(shared)) {
        PgServer& server = PgServer::Get();
        fresh->Start(server.dir(), server.port());
      }
    } catch (const std::exception& e) {
      failure = std::string("test PostgreSQL replica did not start: ") + e.what();
      fresh->Stop();
      throw std::runtime_error(failure);
    }
    replica = std::move(fresh);
    g_replica = replica.get();
  }
  return *replica;
}

PgReplica::~PgReplica() { Stop(); }

void PgReplica::Start(const std::string& pg_dir, int pg_port) {
  bin_dir_ = FindBinDir();
  char tmpl[] = "/tmp/tradestore-replica-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  as_postgres_user_ = PrepareServerDir(dir_);
  const std::string data = dir_ + "/data";
  const std::string log = dir_ + "/replica.log";

  // -c fast: an immediate checkpoint rather than a spread one; -R: the copy
  // starts as a standby of its source; -C -S: through a replication slot of
  // its own, so that the primary keeps every WAL segment the replica has not
  // received. Without it a replica that fell behind the tests' WAL (each new
  // database is WAL-logged whole) past a checkpoint lost its stream for good
  // and never saw another database (a CI run once failed every replica test
  // so).
  const std::vector<std::string> backup = {bin_dir_ + "/pg_basebackup",
                                           "-D",
                                           data,
                                           "-h",
                                           pg_dir,
                                           "-p",
                                           std::to_string(pg_port),
                                           "-U",
                                           "postgres",
                                           "-R",
                                           "-C",
                                           "-S",
                                           "tradestore_replica_" + std::to_string(getpid()),
                                           "-X",
                                           "stream",
                                           "-c",
                                           "fast",
                                           "--no-sync"};
  if (const int rc = Run(backup, as_postgres_user_, dir_, dir_ + "/basebackup.log"); rc != 0) {
    throw std::runtime_error("'" + Joined(backup) + "' failed (exit " + std::to_string(rc) +
                             "):\n" + ReadFile(dir_ + "/basebackup.log"));
  }
  // A query that conflicts with replay (a dropped database, a vacuum) is
  // cancelled after 1 s instead of holding replay back for 30 s.
  port_ = StartOnFreePort(bin_dir_, dir_, data, log, as_postgres_user_, 30, "the replica",
                          [this](int port) {
                            return "-c listen_addresses='' -c unix_socket_directories='" + dir_ +
                                   "' -p " + std::to_string(port) +
                                   " -c fsync=off -c hot_standby=on -c max_connections=60"
                                   " -c shared_buffers=16MB -c max_standby_streaming_delay=1s";
                          });
  running_ = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    try {
      auto c = sql::OpenPostgres(Url("postgres"));
      auto& st = c->Prepare("SELECT pg_is_in_recovery()");
      if (!st.Step() || st.GetInt64(0) != 1) {
        throw std::runtime_error("the copy of the server is not a standby:\n" + ReadFile(log));
      }
      return;
    } catch (const Error& e) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error(std::string("cannot connect to the replica: ") + e.what() + "\n" +
                                 ReadFile(log));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

bool PgReplica::Attach(const std::string& state_file) {
  const std::optional<ServerState> state = ReadServerState(state_file);
  if (!state) return false;
  dir_ = state->dir;
  port_ = state->port;
  owned_ = false;
  try {
    sql::OpenPostgres(Url("postgres"))->ExecuteScript("SELECT 1");
    return true;
  } catch (const Error&) {
    dir_.clear();
    owned_ = true;
    return false;
  }
}

void PgReplica::StartShared(const std::string& state_file, const std::string& pg_state_file) {
  const ServerState pg = SharedPostgresState(pg_state_file);
  PgReplica replica;
  replica.Start(pg.dir, pg.port);
  WriteServerState(state_file, {replica.dir_, replica.port_});
  replica.owned_ = false;  // keep it running
}

void PgReplica::StopShared(const std::string& state_file) {
  const std::optional<ServerState> state = ReadServerState(state_file);
  if (!state) return;
  PgReplica replica;
  replica.bin_dir_ = FindBinDir();
  replica.as_postgres_user_ = geteuid() == 0;
  replica.dir_ = state->dir;
  replica.running_ = true;
  replica.Stop();
  std::error_code ec;
  fs::remove(state_file, ec);
}

void PgReplica::Stop() noexcept {
  if (!owned_) {
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

std::string PgReplica::Url(const std::string& database) const {
  return "postgresql:///" + database + "?host=" + dir_ + "&port=" + std::to_string(port_) +
         "&user=postgres";
}

std::string PgReplica::Routed(const std::string& primary_url) const {
  return primary_url + (primary_url.find('?') == std::string::npos ? "?" : "&") +
         "read_host=" + dir_ + "&read_port=" + std::to_string(port_);
}

std::string PgReplica::DatabaseOf(const std::string& url) {
  const auto begin = url.find(":///") + 4;
  return url.substr(begin, url.find('?') - begin);
}

std::string PgReplica::CreateDatabase() {
  const std::string url = PgServer::Get().CreateDatabase();
  // Waits until the replica has replayed the CREATE DATABASE (until then a
  // routed read cannot connect there and goes to the primary).
  const std::string name = DatabaseOf(url);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    try {
      sql::OpenPostgres(Url(name))->ExecuteScript("SELECT 1");
      break;
    } catch (const Error& e) {
      if (std::chrono::steady_clock::now() > deadline) {
        const std::string log = ReadFile(dir_ + "/replica.log");
        throw std::runtime_error(
            "database " + name + " did not reach the replica in 60 s: " + e.what() +
            "\nthe replica's log ends:\n" + log.substr(log.size() > 4000 ? log.size() - 4000 : 0));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return Routed(url);
}

void PgReplica::Execute(const std::string& sql) {
  sql::OpenPostgres(Url("postgres"))->ExecuteScript(sql);
}

}  // namespace tradestore::testing
