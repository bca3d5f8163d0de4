// Retention; see include/tradestore/prune.h.
#include "tradestore/prune.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "store/ops_queries.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

std::vector<std::string> PruneKindNames() {
  std::vector<std::string> out;
  for (const detail::PruneKindInfo& k : detail::PruneKinds()) {
    if (std::find(out.begin(), out.end(), k.kind) == out.end()) out.push_back(k.kind);
  }
  return out;
}

PruneResult Prune(Store& store, const PruneOptions& options) {
  if (options.kinds.empty()) {
    throw InvalidArgument("prune: name what to prune (--what), one or more of: " +
                          fmt::format("{}", fmt::join(PruneKindNames(), ", ")));
  }
  if (options.batch_rows < 1) throw InvalidArgument("prune: batch_rows must be at least 1");
  // Resolve every kind before deleting anything.
  std::vector<const detail::PruneKindInfo*> kinds;
  for (const std::string& name : options.kinds) {
    bool known = false;
    for (const detail::PruneKindInfo& k : detail::PruneKinds()) {
      if (k.kind != name) continue;
      known = true;
      if (!detail::PruneTableExists(detail::ImplOf(store), k)) {
        throw NotFound(
            fmt::format("prune: this store has no table {} (kind '{}')", k.table, k.kind));
      }
      if (std::find(kinds.begin(), kinds.end(), &k) == kinds.end()) kinds.push_back(&k);
    }
    if (!known) {
      throw InvalidArgument(fmt::format("prune: unknown kind '{}'; the kinds are: {}", name,
                                        fmt::join(PruneKindNames(), ", ")));
    }
  }
  PruneResult result;
  result.dry_run = options.dry_run;
  result.before = options.before;
  for (const detail::PruneKindInfo* k : kinds) {
    PruneKindResult r;
    r.kind = k->kind;
    r.table = k->table;
    const bool candles = k->kind == "candles";
    r.matched = detail::CountPrunable(detail::ImplOf(store), *k, options.before);
    // Compacted candles (docs/storage.md "Candle chunks") are candles too.
    if (candles) r.matched += detail::CountChunkedBefore(detail::ImplOf(store), options.before);
    if (!options.dry_run && r.matched > 0) {
      std::vector<detail::CandleSeriesKey> series;
      if (candles) series = detail::SeriesWithCandlesBefore(detail::ImplOf(store), options.before);
      for (;;) {
        const std::int64_t n =
            detail::PruneBatch(detail::ImplOf(store), *k, options.before, options.batch_rows);
        if (n == 0) break;
        r.deleted += n;
        ++r.batches;
        if (options.progress) options.progress(k->kind, r.deleted, r.matched);
        if (n < options.batch_rows) break;
      }
      // Coverage is derived from the candles: recompute the series touched,
      // each in the unit of work that deletes its compacted candles before
      // the cut-off (the chunks wholly before it, and the chunk straddling
      // it written again with the rest).
      for (const detail::CandleSeriesKey& s : series) {
        const std::int64_t n =
            detail::PruneChunkedCandles(detail::ImplOf(store), s, options.before);
        if (n > 0) {
          r.deleted += n;
          ++r.batches;
          if (options.progress) options.progress(k->kind, r.deleted, r.matched);
        }
      }
    }
    result.kinds.push_back(r);
  }
  return result;
}

std::string PruneResultToJson(const PruneResult& r) {
  using nlohmann::json;
  json j;
  j["dry_run"] = r.dry_run;
  j["before"] = r.before.ToIso();
  j["kinds"] = json::array();
  for (const PruneKindResult& k : r.kinds) {
    j["kinds"].push_back({{"kind", k.kind},
                          {"table", k.table},
                          {"matched", k.matched},
                          {"deleted", k.deleted},
                          {"batches", k.batches}});
  }
  return j.dump(2);
}

}  // namespace tradestore
