// The test Citus cluster itself (tests/support/citus_harness.h): a
// coordinator and two workers on loopback ports, a database with the citus
// extension on every node, and a distributed table whose shards land on
// both workers and whose rows come back through the coordinator.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "sql/connection.h"
#include "sql/postgres/pg_connection.h"
#include "support/citus_harness.h"

namespace tradestore::sql {
namespace {

using testing::CitusCluster;

std::int64_t Count(Connection& c, const std::string& query) {
  Statement& st = c.Prepare(query);
  const std::int64_t n = st.Step() ? st.GetInt64(0) : -1;
  st.Reset();
  return n;
}

TEST(CitusCluster, CoordinatorAndTwoWorkersShardADistributedTable) {
  CitusCluster& cluster = CitusCluster::Get();
  const std::string url = cluster.CreateDatabase();
  EXPECT_NE(url.find("host=127.0.0.1"), std::string::npos) << url;
  auto c = OpenPostgres(url);
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM citus_get_active_worker_nodes()"), 2);
  c->ExecuteScript(
      "CREATE TABLE t (bot_id bigint NOT NULL, n bigint NOT NULL, PRIMARY KEY (bot_id, n));"
      "SELECT create_distributed_table('t', 'bot_id');"
      "INSERT INTO t SELECT b, n FROM generate_series(1, 8) b, generate_series(1, 10) n;");
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM t"), 80);
  EXPECT_EQ(Count(*c, "SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 't'::regclass"),
            4);  // citus.shard_count of the test cluster
  EXPECT_EQ(Count(*c,
                  "SELECT count(DISTINCT nodeport) FROM citus_shards "
                  "WHERE table_name = 't'::regclass"),
            2);
  // Each worker holds some of the rows, in shard tables of its own.
  const std::string database = CitusCluster::DatabaseOf(url);
  std::int64_t on_workers = 0;
  for (int w = 0; w < CitusCluster::kWorkers; ++w) {
    auto worker = OpenPostgres(cluster.WorkerUrl(w, database));
    EXPECT_EQ(Count(*worker, "SELECT count(*) FROM pg_extension WHERE extname = 'citus'"), 1);
    // Citus hides shard tables from catalog queries unless asked.
    worker->ExecuteScript("SET citus.override_table_visibility = off");
    const std::int64_t shards = Count(
        *worker, "SELECT count(*) FROM pg_class WHERE relname LIKE 't\\_%' AND relkind = 'r'");
    EXPECT_EQ(shards, 2) << "worker " << w;
    std::string sum = "SELECT (0";
    Statement& names = worker->Prepare(
        "SELECT relname FROM pg_class WHERE relname LIKE 't\\_%' AND relkind = 'r'");
    while (names.Step()) sum += " + (SELECT count(*) FROM " + names.GetText(0) + ")";
    names.Reset();
    on_workers += Count(*worker, sum + ")");
  }
  EXPECT_EQ(on_workers, 80);
}

// Two databases of one cluster are independent Citus installations.
TEST(CitusCluster, DatabasesAreIndependent) {
  CitusCluster& cluster = CitusCluster::Get();
  auto a = OpenPostgres(cluster.CreateDatabase());
  auto b = OpenPostgres(cluster.CreateDatabase());
  a->ExecuteScript("CREATE TABLE only_in_a (k bigint); SELECT create_reference_table('only_in_a')");
  EXPECT_EQ(Count(*b, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'"), 0);
  EXPECT_EQ(Count(*b, "SELECT count(*) FROM citus_get_active_worker_nodes()"), 2);
}

// A distributed database made a template is copied whole: metadata on the
// coordinator, shards on the workers.
TEST(CitusCluster, ATemplateIsCopiedOnEveryNode) {
  CitusCluster& cluster = CitusCluster::Get();
  const std::string url = cluster.CreateDatabase();
  {
    auto c = OpenPostgres(url);
    c->ExecuteScript(
        "CREATE TABLE t (k bigint PRIMARY KEY); SELECT create_distributed_table('t', 'k');"
        "INSERT INTO t SELECT generate_series(1, 50)");
  }
  const std::string name = CitusCluster::DatabaseOf(url);
  cluster.MakeTemplate(name);
  auto copy = OpenPostgres(cluster.CreateDatabase(name));
  EXPECT_EQ(Count(*copy, "SELECT count(*) FROM t"), 50);
  copy->ExecuteScript("INSERT INTO t VALUES (51)");
  EXPECT_EQ(Count(*copy, "SELECT count(*) FROM t"), 51);
  cluster.Execute("SELECT 1");  // the template stays; the cluster's removal drops it
}

}  // namespace
}  // namespace tradestore::sql
