// A throwaway Citus cluster for tests: a coordinator and two workers.
//
// The first call to CitusCluster::Get() in a test binary runs initdb three
// times into fresh directories under /tmp and starts each node with
// shared_preload_libraries = 'citus', listening on its own random loopback
// TCP port (127.0.0.1), fsync off. As root (CI), the nodes run as the
// `postgres` system user. The cluster is stopped and its directories
// removed when the test binary ends. If it cannot start (Citus not
// installed: scripts/citus.sh), Get() throws with the node's log: tests
// that need it fail, never skip.
//
// Citus keeps its metadata per database, so a database must exist on every
// node with the extension created and the nodes registered. That takes
// seconds, so Start() prepares it once as the template "citus_template"
// on every node, and CreateDatabase() copies the template on each node
// (CREATE DATABASE ... TEMPLATE, a file copy). A template admits no
// connections (Citus' maintenance daemon would otherwise hold it open).
//
// Workers run with citus.allow_nested_distributed_execution = on: the
// per-bot counter triggers of the store (migration 0008) write a co-located
// shard of the same node from a trigger on a shard (see docs/scale-out.md).
//
// The cluster sets citus.shard_count = 4 (instead of 32): each distributed
// table then has 2 shards per worker, which keeps distributing a store quick
// enough for one test each while still spreading bots over both workers.
//
// Under ctest, one cluster is shared by all test processes: the fixture
// "pg" (see pg_harness.h) also runs `test_servers citus start STATE` first
// and `... stop STATE` last, and the tests find it through
// $TRADESTORE_TEST_CITUS_SHARED=STATE, else in the file
// citus-test-cluster.state beside $TRADESTORE_TEST_PG_SHARED.
// Every database is still private to one test process and dropped on every
// node when it ends. If the shared cluster cannot be reached, a process
// starts its own.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tradestore::testing {

class CitusCluster {
 public:
  static constexpr int kWorkers = 2;

  // The cluster of this test binary, started on first use.
  static CitusCluster& Get();

  ~CitusCluster();
  CitusCluster(const CitusCluster&) = delete;
  CitusCluster& operator=(const CitusCluster&) = delete;

  // A store URL of `database` on the coordinator
  // ("postgresql:///db?host=127.0.0.1&port=N&user=postgres").
  std::string Url(const std::string& database) const;
  // The same on worker `i` (0 or 1): for inspecting shards.
  std::string WorkerUrl(int i, const std::string& database) const;
  // Creates a new database "c_<pid>_<n>" on every node as a copy of
  // `template_name` (by default an empty database with the citus extension
  // and both workers added); returns its coordinator URL.
  std::string CreateDatabase(const std::string& template_name = kTemplate);
  // The database name in a URL of Url() or CreateDatabase().
  static std::string DatabaseOf(const std::string& url);
  // Turns `database` (created by CreateDatabase()) into a template on every
  // node: no connections from now on, open sessions ended. It is no longer
  // dropped when this process ends (other processes may copy it).
  void MakeTemplate(const std::string& database);
  // The template `name`, built once per cluster (across all processes that
  // share it, under an advisory lock): if it does not exist yet, a new
  // database is created, `build` called with its URL, and it is made a
  // template. Returns `name`.
  std::string SharedTemplate(const std::string& name,
                             const std::function<void(const std::string& url)>& build);
  // Starts a new worker node (its own server, stopped with the cluster or at
  // the end of this process) and creates `database` on it with the citus
  // extension, ready for `SELECT citus_add_node('127.0.0.1', port)` in
  // `database` on the coordinator. Returns its port.
  int StartExtraWorker(const std::string& database);
  // True if `database` exists on the coordinator.
  bool Exists(const std::string& database);
  // Runs SQL (no parameters) in the coordinator's database "postgres".
  void Execute(const std::string& sql);

  static constexpr const char* kTemplate = "citus_template";

  int coordinator_port() const { return ports_[0]; }
  int worker_port(int i) const { return ports_[1 + i]; }

  void Stop() noexcept;

  // For `test_servers citus`: starts a cluster that outlives this process and
  // writes "DIR PORT PORT PORT" to `state_file`; stops it and removes its
  // files.
  static void StartShared(const std::string& state_file);
  static void StopShared(const std::string& state_file);

 private:
  CitusCluster() = default;
  void Start();
  bool Attach(const std::string& state_file);
  std::string NodeUrl(int node, const std::string& database) const;
  void DropDatabases() noexcept;
  void LockTemplate(const std::string& database);
  // initdb and start of node `name` in `dir` on a free loopback port; returns it.
  int StartNode(const std::string& dir, const std::string& name);

  std::string bin_dir_;
  std::string dir_;
  std::vector<int> ports_;  // coordinator, then the workers
  bool as_postgres_user_ = false;
  int nodes_running_ = 0;
  bool owned_ = true;  // false when attached to the shared cluster
  int next_database_ = 0;
  std::vector<std::string> databases_;
  std::string extra_dir_;  // StartExtraWorker's nodes, owned by this process
  std::vector<int> extra_ports_;
};

}  // namespace tradestore::testing
