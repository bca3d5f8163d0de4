#include "support/pg_harness.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sql/connection.h"
#include "sql/postgres/pg_connection.h"
#include "tradestore/error.h"

extern char** environ;

namespace tradestore::testing {

struct PgServer::Admin {
  std::unique_ptr<sql::Connection> connection;
};

namespace {

namespace fs = std::filesystem;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The version number of ".../postgresql/<v>/bin", or -1.
int VersionOf(const fs::path& bin) {
  try {
    return std::stoi(bin.parent_path().filename().string());
  } catch (const std::exception&) {
    return -1;
  }
}

std::string FindBinDir() {
  if (const char* env = std::getenv("TRADESTORE_PG_BINDIR"); env != nullptr && *env != '\0') {
    return env;
  }
  std::vector<fs::path> candidates;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const fs::path bin = entry.path() / "bin";
    if (fs::exists(bin / "initdb") && fs::exists(bin / "pg_ctl")) candidates.push_back(bin);
  }
  if (candidates.empty()) {
    throw std::runtime_error(
        "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin (install the "
        "postgresql package: scripts/install-deps.sh) and TRADESTORE_PG_BINDIR is not set");
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const fs::path& a, const fs::path& b) { return VersionOf(a) > VersionOf(b); });
  return candidates.front().string();
}

// Runs argv (prefixed by runuser when `as_postgres`) in `cwd`, output to
// `log`; returns the exit status (or -1 if it could not start).
int Run(std::vector<std::string> argv, bool as_postgres, const std::string& cwd,
        const std::string& log) {
  if (as_postgres) argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

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
  const std::string initdb_log = dir_ + "/initdb.log";
  const std::string server_log = dir_ + "/server.log";

  as_postgres_user_ = geteuid() == 0;
  if (as_postgres_user_) {
    // PostgreSQL refuses to run as root: run it as the postgres user, which
    // Debian's postgresql package creates.
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr) {
      throw std::runtime_error(
          "running as root, but there is no 'postgres' system user to run the server as "
          "(install the postgresql package)");
    }
    if (chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      throw std::runtime_error("cannot chown " + dir_ + " to postgres");
    }
  }

  const std::vector<std::string> initdb = {
      bin_dir_ + "/initdb", "-D", data,   "-A",         "trust",     "-U",
      "postgres",           "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"};
  if (const int rc = Run(initdb, as_postgres_user_, dir_, initdb_log); rc != 0) {
    throw std::runtime_error("'" + Joined(initdb) + "' failed (exit " + std::to_string(rc) +
                             "):\n" + ReadFile(initdb_log));
  }

  // Only a unix socket in our own directory: no port can clash with another
  // server's TCP port; the port number only names the socket file.
  std::mt19937 rng(std::random_device{}());
  std::string last_error;
  for (int attempt = 0; attempt < 5 && !running_; ++attempt) {
    port_ = std::uniform_int_distribution<int>(20000, 40000)(rng);
    const std::string options = "-c listen_addresses='' -c unix_socket_directories='" + dir_ +
                                "' -p " + std::to_string(port_) +
                                " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                                " -c shared_buffers=16MB -c max_connections=60";
    const std::vector<std::string> start = {
        bin_dir_ + "/pg_ctl", "start", "-w",   "-t", "30", "-s", "-D", data, "-l",
        server_log,           "-o",    options};
    if (Run(start, as_postgres_user_, dir_, dir_ + "/pg_ctl.log") == 0) {
      running_ = true;
    } else {
      last_error = ReadFile(dir_ + "/pg_ctl.log") + "\n" + ReadFile(server_log);
    }
  }
  if (!running_) throw std::runtime_error("pg_ctl start failed:\n" + last_error);

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
  std::ifstream in(state_file);
  std::string dir;
  int port = 0;
  if (!(in >> dir >> port)) return false;
  dir_ = dir;
  port_ = port;
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
  {
    std::ofstream out(state_file, std::ios::trunc);
    out << server.dir_ << " " << server.port_ << "\n";
    if (!out) throw std::runtime_error("cannot write " + state_file);
  }
  server.admin_.reset();
  server.owned_ = false;  // keep it running
}

void PgServer::StopShared(const std::string& state_file) {
  std::ifstream in(state_file);
  std::string dir;
  int port = 0;
  if (!(in >> dir >> port)) return;
  in.close();
  PgServer server;
  server.bin_dir_ = FindBinDir();
  server.as_postgres_user_ = geteuid() == 0;
  server.dir_ = dir;
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
