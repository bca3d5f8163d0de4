#include "support/server_process.h"

#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace tradestore::testing {
namespace {

namespace fs = std::filesystem;

// The version number of ".../postgresql/<v>/bin", or -1.
int VersionOf(const fs::path& bin) {
  try {
    return std::stoi(bin.parent_path().filename().string());
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
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

bool PrepareServerDir(const std::string& dir) {
  if (geteuid() != 0) return false;
  // PostgreSQL refuses to run as root: run it as the postgres user, which
  // Debian's postgresql package creates.
  const passwd* pw = getpwnam("postgres");
  if (pw == nullptr) {
    throw std::runtime_error(
        "running as root, but there is no 'postgres' system user to run the server as "
        "(install the postgresql package)");
  }
  if (chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    throw std::runtime_error("cannot chown " + dir + " to postgres");
  }
  return true;
}

void InitDb(const std::string& bin_dir, const std::string& dir, const std::string& data,
            bool as_postgres) {
  const std::string log = dir + "/initdb.log";
  const std::vector<std::string> initdb = {
      bin_dir + "/initdb", "-D", data,   "-A",         "trust",     "-U",
      "postgres",          "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"};
  if (const int rc = Run(initdb, as_postgres, dir, log); rc != 0) {
    throw std::runtime_error("'" + Joined(initdb) + "' failed (exit " + std::to_string(rc) +
                             "):\n" + ReadFile(log));
  }
}

int StartOnFreePort(const std::string& bin_dir, const std::string& dir, const std::string& data,
                    const std::string& log, bool as_postgres, int timeout_s,
                    const std::string& what, const std::function<std::string(int)>& options) {
  thread_local std::mt19937 rng(std::random_device{}());
  std::string last_error;
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int port = std::uniform_int_distribution<int>(20000, 40000)(rng);
    const std::vector<std::string> start = {bin_dir + "/pg_ctl",
                                            "start",
                                            "-w",
                                            "-t",
                                            std::to_string(timeout_s),
                                            "-s",
                                            "-D",
                                            data,
                                            "-l",
                                            log,
                                            "-o",
                                            options(port)};
    if (Run(start, as_postgres, dir, dir + "/pg_ctl.log") == 0) return port;
    last_error = ReadFile(dir + "/pg_ctl.log") + "\n" + ReadFile(log);
  }
  throw std::runtime_error("pg_ctl start of " + what + " failed:\n" + last_error);
}

}  // namespace tradestore::testing
