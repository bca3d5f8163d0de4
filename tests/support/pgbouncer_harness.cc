#include "support/pgbouncer_harness.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
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

PgBouncerServer* g_bouncer = nullptr;

// Stops this binary's own PgBouncer when the test binary ends.
class PgBouncerEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    if (g_bouncer != nullptr) g_bouncer->Stop();
  }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new PgBouncerEnvironment);

// $TRADESTORE_PGBOUNCER, else Debian's /usr/sbin/pgbouncer.
std::string FindPgBouncer() {
  if (const char* env = std::getenv("TRADESTORE_PGBOUNCER"); env != nullptr && *env != '\0') {
    return env;
  }
  for (const char* p : {"/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"}) {
    if (fs::exists(p)) return p;
  }
  throw std::runtime_error(
      "pgbouncer not found in /usr/sbin, /usr/bin or /usr/local/bin (install the pgbouncer "
      "package: scripts/install-deps.sh) and TRADESTORE_PGBOUNCER is not set");
}

// The state file of the shared PgBouncer: beside the shared server's.
std::string SharedStateFile() {
  const char* pg_state = std::getenv("TRADESTORE_TEST_PG_SHARED");
  if (pg_state == nullptr || *pg_state == '\0') return "";
  return (fs::path(pg_state).parent_path() / "pgbouncer-test-server.state").string();
}

// "postgresql:///NAME?..." → NAME.
std::string DatabaseOf(const std::string& url) {
  const auto begin = url.find(":///");
  if (begin == std::string::npos) throw std::runtime_error("unexpected test URL " + url);
  const auto end = url.find('?', begin + 4);
  return url.substr(begin + 4, end - (begin + 4));
}

// Sends SIGTERM (immediate shutdown) to the PgBouncer whose pid file is in
// `dir` and waits up to 5 s for it to exit.
void KillFromPidFile(const std::string& dir) {
  std::ifstream in(dir + "/pgbouncer.pid");
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 1) return;
  if (kill(pid, SIGTERM) != 0) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (kill(pid, 0) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

PgBouncerServer& PgBouncerServer::Get() {
  static std::string failure;
  static std::unique_ptr<PgBouncerServer> bouncer;
  if (!failure.empty()) throw std::runtime_error(failure);
  if (!bouncer) {
    auto fresh = std::unique_ptr<PgBouncerServer>(new PgBouncerServer());
    const std::string shared = SharedStateFile();
    try {
      if (shared.empty() || !fresh->Attach(shared)) {
        PgServer& server = PgServer::Get();
        fresh->Start(server.dir(), server.port());
      }
    } catch (const std::exception& e) {
      failure = std::string("test PgBouncer did not start: ") + e.what();
      fresh->Stop();
      throw std::runtime_error(failure);
    }
    bouncer = std::move(fresh);
    g_bouncer = bouncer.get();
  }
  return *bouncer;
}

PgBouncerServer::~PgBouncerServer() { Stop(); }

void PgBouncerServer::Start(const std::string& pg_dir, int pg_port) {
  const std::string binary = FindPgBouncer();
  char tmpl[] = "/tmp/tradestore-pgbouncer-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  as_postgres_user_ = PrepareServerDir(dir_);

  // Trust authentication (the user must be listed in auth_file); only a
  // unix socket in our own directory, like the server's.
  {
    std::ofstream users(dir_ + "/userlist.txt");
    users << "\"postgres\" \"\"\n";
  }
  std::mt19937 rng(std::random_device{}());
  port_ = std::uniform_int_distribution<int>(40001, 60000)(rng);
  const std::string ini = dir_ + "/pgbouncer.ini";
  {
    std::ofstream out(ini);
    out << "[databases]\n"
        << "* = host=" << pg_dir << " port=" << pg_port << "\n"
        << "[pgbouncer]\n"
        << "listen_port = " << port_ << "\n"
        << "unix_socket_dir = " << dir_ << "\n"
        << "auth_type = trust\n"
        << "auth_file = " << dir_ << "/userlist.txt\n"
        << "pool_mode = transaction\n"
        << "default_pool_size = " << kPoolSize << "\n"
        << "max_client_conn = 400\n"
        // Pools of the tests' short-lived databases close soon, so that the
        // server (max_connections = 60) is not held by idle sessions.
        << "server_idle_timeout = 2\n"
        << "server_lifetime = 60\n"
        << "logfile = " << dir_ << "/pgbouncer.log\n"
        << "pidfile = " << dir_ << "/pgbouncer.pid\n";
    if (!out) throw std::runtime_error("cannot write " + ini);
  }
  for (const std::string f : {"/userlist.txt", "/pgbouncer.ini"}) {
    fs::permissions(dir_ + f,
                    fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read,
                    fs::perm_options::add);
  }
  const std::vector<std::string> start = {binary, "-d", "-q", ini};
  if (const int rc = Run(start, as_postgres_user_, dir_, dir_ + "/start.log"); rc != 0) {
    throw std::runtime_error("'" + Joined(start) + "' failed (exit " + std::to_string(rc) + "):\n" +
                             ReadFile(dir_ + "/start.log") + ReadFile(dir_ + "/pgbouncer.log"));
  }
  running_ = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    try {
      sql::OpenPostgres(Url("postgres"))->ExecuteScript("SELECT 1");
      return;
    } catch (const Error& e) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error(std::string("cannot connect through pgbouncer: ") + e.what() +
                                 "\n" + ReadFile(dir_ + "/pgbouncer.log"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

bool PgBouncerServer::Attach(const std::string& state_file) {
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

void PgBouncerServer::StartShared(const std::string& state_file, const std::string& pg_state_file) {
  const ServerState pg = SharedPostgresState(pg_state_file);
  PgBouncerServer bouncer;
  bouncer.Start(pg.dir, pg.port);
  WriteServerState(state_file, {bouncer.dir_, bouncer.port_});
  bouncer.owned_ = false;  // keep it running
}

void PgBouncerServer::StopShared(const std::string& state_file) {
  const std::optional<ServerState> state = ReadServerState(state_file);
  if (!state) return;
  PgBouncerServer bouncer;
  bouncer.dir_ = state->dir;
  bouncer.running_ = true;
  bouncer.Stop();
  std::error_code ec;
  fs::remove(state_file, ec);
}

void PgBouncerServer::Stop() noexcept {
  if (!owned_) {
    dir_.clear();
    return;
  }
  if (running_) {
    KillFromPidFile(dir_);
    running_ = false;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    dir_.clear();
  }
}

std::string PgBouncerServer::Url(const std::string& database) const {
  return "postgresql:///" + database + "?host=" + dir_ + "&port=" + std::to_string(port_) +
         "&user=postgres&prepared_statements=off";
}

std::string PgBouncerServer::Through(const std::string& server_url) const {
  return Url(DatabaseOf(server_url));
}

std::string PgBouncerServer::CreateDatabase() { return Through(PgServer::Get().CreateDatabase()); }

}  // namespace tradestore::testing
