#include "support/citus_harness.h"

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
#include "tradestore/error.h"

namespace tradestore::testing {
namespace {

namespace fs = std::filesystem;

std::string NodeName(int node) {
  return node == 0 ? "coordinator" : "worker" + std::to_string(node);
}

// Stops the cluster when the test binary ends.
class CitusEnvironment : public ::testing::Environment {
 public:
  void TearDown() override;
};

CitusCluster* g_cluster = nullptr;

void CitusEnvironment::TearDown() {
  if (g_cluster != nullptr) g_cluster->Stop();
}

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new CitusEnvironment);

// Connects, retrying for a while: a node that pg_ctl reported ready may
// still be finishing Citus' start-up.
std::unique_ptr<sql::Connection> Connect(const std::string& url, const std::string& log) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    try {
      return sql::OpenPostgres(url);
    } catch (const Error& e) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error(std::string("cannot connect to ") + url + ": " + e.what() + "\n" +
                                 ReadFile(log));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

// The state file of the cluster shared under ctest, or "".
std::string SharedStateFile() {
  if (const char* env = std::getenv("TRADESTORE_TEST_CITUS_SHARED"); env != nullptr && *env) {
    return env;
  }
  if (const char* pg = std::getenv("TRADESTORE_TEST_PG_SHARED"); pg != nullptr && *pg) {
    return (fs::path(pg).parent_path() / "citus-test-cluster.state").string();
  }
  return "";
}

}  // namespace

CitusCluster& CitusCluster::Get() {
  // A failed start is remembered: every test that needs the cluster fails
  // with the same message instead of retrying initdb.
  static std::string failure;
  static std::unique_ptr<CitusCluster> cluster;
  if (!failure.empty()) throw std::runtime_error(failure);
  if (!cluster) {
    auto fresh = std::unique_ptr<CitusCluster>(new CitusCluster());
    const std::string shared = SharedStateFile();
    try {
      if (shared.empty() || !fresh->Attach(shared)) fresh->Start();
    } catch (const std::exception& e) {
      failure = std::string("test Citus cluster did not start: ") + e.what();
      fresh->Stop();
      throw std::runtime_error(failure);
    }
    cluster = std::move(fresh);
    g_cluster = cluster.get();
  }
  return *cluster;
}

CitusCluster::~CitusCluster() { Stop(); }

void CitusCluster::Start() {
  bin_dir_ = FindBinDir();
  char tmpl[] = "/tmp/tradestore-citus-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  as_postgres_user_ = PrepareServerDir(dir_);
  for (int node = 0; node <= kWorkers; ++node) {
    ports_.push_back(StartNode(dir_, NodeName(node)));
    ++nodes_running_;
  }
  // The template of every database: the extension on every node (workers
  // first), the coordinator and the workers registered on the coordinator.
  for (int node = kWorkers; node >= 0; --node) {
    try {
      sql::OpenPostgres(NodeUrl(node, "postgres"))
          ->ExecuteScript(std::string("CREATE DATABASE ") + kTemplate);
      auto c = sql::OpenPostgres(NodeUrl(node, kTemplate));
      c->ExecuteScript("CREATE EXTENSION citus");
      if (node == 0) {
        c->ExecuteScript("SELECT citus_set_coordinator_host('127.0.0.1', " +
                         std::to_string(ports_[0]) + ")");
        for (int w = 1; w <= kWorkers; ++w) {
          c->ExecuteScript("SELECT citus_add_node('127.0.0.1', " + std::to_string(ports_[w]) + ")");
        }
      }
    } catch (const Error& e) {
      throw std::runtime_error(NodeName(node) + ": preparing " + kTemplate + ": " + e.what() +
                               "\n" + ReadFile(dir_ + "/" + NodeName(node) + ".log"));
    }
  }
  LockTemplate(kTemplate);
}

int CitusCluster::StartNode(const std::string& dir, const std::string& name) {
  const std::string data = dir + "/" + name;
  const std::string log = data + ".log";
  InitDb(bin_dir_, dir, data, as_postgres_user_);
  // Each node on its own loopback port: the coordinator reaches the
  // workers over TCP as a real cluster does. A port another server holds
  // makes pg_ctl fail; another random one is tried.
  const int port = StartOnFreePort(
      bin_dir_, dir, data, log, as_postgres_user_, 60, "the " + name, [&dir](int candidate) {
        return "-c listen_addresses=127.0.0.1 -c unix_socket_directories='" + dir + "' -p " +
               std::to_string(candidate) +
               " -c shared_preload_libraries=citus -c citus.shard_count=4"
               " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
               " -c shared_buffers=16MB -c max_connections=200 -c max_prepared_transactions=200"
               " -c max_worker_processes=64 -c wal_level=logical"
               " -c citus.allow_nested_distributed_execution=on";
      });
  // Proves that the node is up and that Citus loads.
  auto c = Connect(
      "postgresql:///postgres?host=127.0.0.1&port=" + std::to_string(port) + "&user=postgres", log);
  try {
    c->ExecuteScript("SELECT 1 FROM pg_available_extensions WHERE name = 'citus'");
  } catch (const Error& e) {
    throw std::runtime_error(name + ": " + e.what());
  }
  return port;
}

int CitusCluster::StartExtraWorker(const std::string& database) {
  if (extra_dir_.empty()) {
    if (bin_dir_.empty()) bin_dir_ = FindBinDir();
    char tmpl[] = "/tmp/tradestore-citus-extra-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    extra_dir_ = tmpl;
    as_postgres_user_ = PrepareServerDir(extra_dir_);
  }
  const std::string name = "extra" + std::to_string(extra_ports_.size() + 1);
  const int port = StartNode(extra_dir_, name);
  extra_ports_.push_back(port);
  const auto url = [&](const std::string& db) {
    return "postgresql:///" + db + "?host=127.0.0.1&port=" + std::to_string(port) +
           "&user=postgres";
  };
  try {
    auto admin = sql::OpenPostgres(url("postgres"));
    admin->ExecuteScript("CREATE DATABASE " + database);
    sql::OpenPostgres(url(database))->ExecuteScript("CREATE EXTENSION citus");
    // citus_add_node syncs the metadata, which names the databases that
    // `database` was copied from (the templates): they must exist there.
    auto coordinator = sql::OpenPostgres(Url(database));
    sql::Statement& st = coordinator->Prepare(
        "SELECT d.datname FROM pg_dist_object o JOIN pg_database d ON d.oid = o.objid "
        "WHERE o.classid = 'pg_database'::regclass AND d.datname <> current_database()");
    std::vector<std::string> named;
    while (st.Step()) named.push_back(st.GetText(0));
    st.Reset();
    for (const std::string& name : named) admin->ExecuteScript("CREATE DATABASE " + name);
  } catch (const Error& e) {
    throw std::runtime_error("preparing worker " + name + " to " + database + ": " + e.what() +
                             "\n" + ReadFile(extra_dir_ + "/" + name + ".log"));
  }
  return port;
}

void CitusCluster::LockTemplate(const std::string& database) {
  for (int node = 0; node <= kWorkers; ++node) {
    auto admin = sql::OpenPostgres(NodeUrl(node, "postgres"));
    admin->ExecuteScript("ALTER DATABASE " + database + " WITH ALLOW_CONNECTIONS false");
    admin->ExecuteScript(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database +
        "'");
  }
}

bool CitusCluster::Attach(const std::string& state_file) {
  std::ifstream in(state_file);
  std::string dir;
  std::vector<int> ports(kWorkers + 1);
  if (!(in >> dir)) return false;
  for (int& p : ports) {
    if (!(in >> p)) return false;
  }
  dir_ = dir;
  ports_ = ports;
  owned_ = false;
  try {
    for (int node = 0; node <= kWorkers; ++node) sql::OpenPostgres(NodeUrl(node, "postgres"));
    return true;
  } catch (const Error&) {
    dir_.clear();
    ports_.clear();
    owned_ = true;
    return false;
  }
}

void CitusCluster::StartShared(const std::string& state_file) {
  CitusCluster cluster;
  cluster.Start();
  {
    std::ofstream out(state_file, std::ios::trunc);
    out << cluster.dir_;
    for (int p : cluster.ports_) out << " " << p;
    out << "\n";
    if (!out) throw std::runtime_error("cannot write " + state_file);
  }
  cluster.owned_ = false;  // keep it running
}

void CitusCluster::StopShared(const std::string& state_file) {
  std::ifstream in(state_file);
  std::string dir;
  if (!(in >> dir)) return;
  in.close();
  CitusCluster cluster;
  cluster.bin_dir_ = FindBinDir();
  cluster.as_postgres_user_ = geteuid() == 0;
  cluster.dir_ = dir;
  cluster.nodes_running_ = kWorkers + 1;
  cluster.Stop();
  std::error_code ec;
  fs::remove(state_file, ec);
}

void CitusCluster::DropDatabases() noexcept {
  // Workers first: the coordinator's metadata names them, not the reverse.
  for (int node = kWorkers; node >= 0; --node) {
    try {
      auto admin = sql::OpenPostgres(NodeUrl(node, "postgres"));
      for (const auto& name : databases_) {
        admin->ExecuteScript("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      }
    } catch (const std::exception&) {
    }
  }
  databases_.clear();
}

void CitusCluster::Stop() noexcept {
  // Workers added by this process are this process's, shared cluster or not.
  for (std::size_t i = 0; i < extra_ports_.size(); ++i) {
    Run({bin_dir_ + "/pg_ctl", "stop", "-m", "immediate", "-s", "-w", "-D",
         extra_dir_ + "/extra" + std::to_string(i + 1)},
        as_postgres_user_, extra_dir_, extra_dir_ + "/pg_ctl.log");
  }
  extra_ports_.clear();
  if (!extra_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(extra_dir_, ec);
    extra_dir_.clear();
  }
  if (!owned_) {
    // A shared cluster outlives us: drop what we created.
    if (!databases_.empty()) DropDatabases();
    dir_.clear();
    return;
  }
  for (int node = 0; node < nodes_running_; ++node) {
    Run({bin_dir_ + "/pg_ctl", "stop", "-m", "immediate", "-s", "-w", "-D",
         dir_ + "/" + NodeName(node)},
        as_postgres_user_, dir_, dir_ + "/pg_ctl.log");
  }
  nodes_running_ = 0;
  if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    dir_.clear();
  }
}

std::string CitusCluster::NodeUrl(int node, const std::string& database) const {
  return "postgresql:///" + database + "?host=127.0.0.1&port=" + std::to_string(ports_.at(node)) +
         "&user=postgres";
}

std::string CitusCluster::Url(const std::string& database) const { return NodeUrl(0, database); }

std::string CitusCluster::WorkerUrl(int i, const std::string& database) const {
  return NodeUrl(1 + i, database);
}

std::string CitusCluster::CreateDatabase(const std::string& template_name) {
  // Unique across the processes that share one cluster.
  const std::string name = "c_" + std::to_string(getpid()) + "_" + std::to_string(++next_database_);
  databases_.push_back(name);
  for (int node = kWorkers; node >= 0; --node) {
    // A template is copied while nobody else may copy it at the same time:
    // CREATE DATABASE of a template takes a lock on it, and fails if
    // another session (not another CREATE DATABASE) uses it; none can.
    sql::OpenPostgres(NodeUrl(node, "postgres"))
        ->ExecuteScript("CREATE DATABASE " + name + " TEMPLATE " + template_name +
                        " STRATEGY FILE_COPY");
  }
  return Url(name);
}

std::string CitusCluster::DatabaseOf(const std::string& url) {
  const std::size_t from = url.find("///") + 3;
  return url.substr(from, url.find('?') - from);
}

void CitusCluster::MakeTemplate(const std::string& database) {
  LockTemplate(database);
  std::erase(databases_, database);
}

std::string CitusCluster::SharedTemplate(const std::string& name,
                                         const std::function<void(const std::string& url)>& build) {
  auto lock = sql::OpenPostgres(NodeUrl(0, "postgres"));
  lock->ExecuteScript("SELECT pg_advisory_lock(hashtext('" + name + "'))");
  try {
    if (!Exists(name)) {
      const std::string url = CreateDatabase();
      build(url);
      // Built under its own name, renamed once complete: a template that
      // exists is a finished one.
      const std::string built = DatabaseOf(url);
      LockTemplate(built);
      for (int node = 0; node <= kWorkers; ++node) {
        sql::OpenPostgres(NodeUrl(node, "postgres"))
            ->ExecuteScript("ALTER DATABASE " + built + " RENAME TO " + name);
      }
      std::erase(databases_, built);
    }
  } catch (...) {
    lock->ExecuteScript("SELECT pg_advisory_unlock(hashtext('" + name + "'))");
    throw;
  }
  lock->ExecuteScript("SELECT pg_advisory_unlock(hashtext('" + name + "'))");
  return name;
}

bool CitusCluster::Exists(const std::string& database) {
  auto admin = sql::OpenPostgres(NodeUrl(0, "postgres"));
  sql::Statement& st = admin->Prepare("SELECT 1 FROM pg_database WHERE datname = ?");
  st.Bind(1, database);
  const bool found = st.Step();
  st.Reset();
  return found;
}

void CitusCluster::Execute(const std::string& sql) {
  sql::OpenPostgres(NodeUrl(0, "postgres"))->ExecuteScript(sql);
}

}  // namespace tradestore::testing
