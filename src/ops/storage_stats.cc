// stats and optimize; see include/tradestore/storage_stats.h.
#include "tradestore/storage_stats.h"

#include <map>
#include <nlohmann/json.hpp>

#include "ops/ops_util.h"
#include "store/ops_queries.h"
#include "store/store_impl.h"
#include "tradestore/store.h"

namespace tradestore {

using nlohmann::json;
using ops::Backend;
using ops::FillStorage;
using ops::Opt;
using ops::RequireExisting;

StoreStats GetStats(const std::string& url) {
  RequireExisting(url);
  Store store = Store::Open(url);
  StoreStats stats;
  stats.url = detail::RedactedUrl(url);
  stats.backend = Backend(url);
  FillStorage(detail::ImplOf(store), stats.databases);
  for (const detail::IndexUse& u : detail::IndexUsage(detail::ImplOf(store))) {
    stats.indexes.push_back(
        {u.database, u.table, u.index, u.bytes, u.scans, u.tuples_read, u.stat});
  }
  std::string why;
  if (auto q = detail::SlowestQueries(detail::ImplOf(store), 10, why)) {
    stats.queries_recorded = true;
    for (const detail::QueryShape& s : *q) {
      stats.slowest_queries.push_back({s.query, s.calls, s.total_ms, s.mean_ms});
    }
  } else {
    stats.queries_note = why;
  }
  return stats;
}

std::string StatsToJson(const StoreStats& s) {
  json j;
  j["url"] = s.url;
  j["backend"] = s.backend;
  j["databases"] = json::array();
  for (const DatabaseStatus& d : s.databases) {
    std::optional<double> free_fraction;
    if (d.free_pages && d.page_size && d.bytes > 0) {
      free_fraction = static_cast<double>(*d.free_pages * *d.page_size) / d.bytes;
    }
    j["databases"].push_back({{"name", d.name},
                              {"location", d.location},
                              {"bytes", d.bytes},
                              {"wal_bytes", Opt(d.wal_bytes)},
                              {"page_size", Opt(d.page_size)},
                              {"free_pages", Opt(d.free_pages)},
                              {"free_fraction", Opt(free_fraction)},
                              {"dead_rows", Opt(d.dead_rows)}});
  }
  j["indexes"] = json::array();
  for (const IndexStats& i : s.indexes) {
    j["indexes"].push_back(
        {{"database", i.database},
         {"table", i.table},
         {"index", i.index},
         {"bytes", Opt(i.bytes)},
         {"scans", Opt(i.scans)},
         {"tuples_read", Opt(i.tuples_read)},
         {"sqlite_stat", i.sqlite_stat.empty() ? json(nullptr) : json(i.sqlite_stat)}});
  }
  j["queries_recorded"] = s.queries_recorded;
  j["queries_note"] = s.queries_note.empty() ? json(nullptr) : json(s.queries_note);
  j["slowest_queries"] = json::array();
  for (const QueryStats& q : s.slowest_queries) {
    j["slowest_queries"].push_back(
        {{"query", q.query}, {"calls", q.calls}, {"total_ms", q.total_ms}, {"mean_ms", q.mean_ms}});
  }
  return j.dump(2);
}

OptimizeResult Optimize(const std::string& url, bool vacuum) {
  RequireExisting(url);
  Store store = Store::Open(url);
  OptimizeResult r;
  r.url = detail::RedactedUrl(url);
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> per_db;  // first before, last after
  for (const detail::OptimizeStep& s : detail::Optimize(detail::ImplOf(store), vacuum)) {
    r.actions.push_back({s.database, s.action, s.bytes_before, s.bytes_after});
    auto [it, inserted] = per_db.try_emplace(s.database, s.bytes_before, s.bytes_after);
    if (!inserted) it->second.second = s.bytes_after;
  }
  for (const auto& [db, sizes] : per_db) {
    r.bytes_before += sizes.first;
    r.bytes_after += sizes.second;
  }
  return r;
}

std::string OptimizeToJson(const OptimizeResult& r) {
  json j;
  j["url"] = r.url;
  j["bytes_before"] = r.bytes_before;
  j["bytes_after"] = r.bytes_after;
  j["reclaimed_bytes"] = r.reclaimed();
  j["actions"] = json::array();
  for (const OptimizeAction& a : r.actions) {
    j["actions"].push_back({{"database", a.database},
                            {"action", a.action},
                            {"bytes_before", a.bytes_before},
                            {"bytes_after", a.bytes_after}});
  }
  return j.dump(2);
}

}  // namespace tradestore
