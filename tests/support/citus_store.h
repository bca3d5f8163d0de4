// Fresh distributed stores on the test Citus cluster (citus_harness.h),
// for test binaries that link the store layer.
//
// Migrating and distributing a store takes seconds, so it is done once per
// cluster into the shared template "tradestore_store_template" (all test
// processes of a ctest run share it), and each test gets a copy on every
// node: the coordinator's metadata and the workers' shards.
#pragma once

#include <string>

#include "store/distribution.h"
#include "store/store_impl.h"
#include "support/citus_harness.h"
#include "tradestore/store.h"

namespace tradestore::testing {

// The URL of a new, empty, migrated store with the Citus layout applied.
inline std::string FreshCitusStoreUrl() {
  CitusCluster& cluster = CitusCluster::Get();
  const std::string tmpl =
      cluster.SharedTemplate("tradestore_store_template", [](const std::string& url) {
        Store store = Store::Open(url);
        detail::DistributeStore(detail::ImplOf(store));
      });
  return cluster.CreateDatabase(tmpl);
}

}  // namespace tradestore::testing
