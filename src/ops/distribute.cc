#include "tradestore/distribute.h"

#include <nlohmann/json.hpp>

#include "store/distribution.h"
#include "store/ops_queries.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

DistributeResult Distribute(const std::string& url) {
  if (!detail::IsPostgresUrl(url)) {
    throw InvalidArgument("distribute: " + url +
                          " is not a PostgreSQL store URL; distribute applies to a PostgreSQL "
                          "database with the citus extension (docs/scale-out.md); nothing was "
                          "changed");
  }
  Store store = Store::Open(url);
  return detail::DistributeStore(detail::ImplOf(store));
}

std::string DistributeToJson(const DistributeResult& result) {
  using nlohmann::json;
  json j;
  j["url"] = result.url;
  j["workers"] = result.workers;
  j["changed"] = result.changed();
  j["tables"] = json::array();
  for (const DistributedTable& t : result.tables) {
    j["tables"].push_back({{"table", t.table}, {"placement", t.placement}, {"changed", t.changed}});
  }
  j["change_feed_triggers"] = result.change_feed_triggers;
  return j.dump(2);
}

}  // namespace tradestore
