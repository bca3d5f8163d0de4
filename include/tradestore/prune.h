// `tradestore prune`: retention of old data, kind by kind.
//
// Kinds and what each deletes (older than `before`, µs UTC):
//   candles              market.candles opening before T; the coverage rows
//                        of the touched series are recomputed
//   order-events         status events of orders in a terminal status
//                        (events of open orders are kept)
//   signals              signals no order, trade or position refers to
//   portfolio-snapshots  equity snapshots
//   performance-reports  analytics reports computed before T
//   system-events, errors, risk-events  audit tables (when the store has
//                        them: they come with later migrations)
//   change-log           the change feed's events recorded before T
//                        (change_feed.h; audit.change_log and
//                        market.market_change_log, a result for each),
//                        except the newest event of each
// Never touched: orders, fills, positions, trades, balances, the ledger.
// Rows are deleted in batches of `batch_rows`, each its own short
// transaction, so writers wait at most one batch.
//
// Errors: Error(kInvalidArgument) for an unknown kind (naming the known
// ones), no kinds, or batch_rows < 1; kNotFound for a kind whose table this
// store does not have. Every kind is resolved before anything is deleted; a
// failure mid-way leaves the batches already committed deleted (each batch
// is whole or not at all).
//
// Thread safety: uses the given Store (not thread-safe, like any Store);
// other connections keep writing between batches.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tradestore/timestamp.h"

namespace tradestore {

class Store;

struct PruneOptions {
  Timestamp before;
  std::vector<std::string> kinds;
  bool dry_run = false;  // count only
  std::int64_t batch_rows = 5000;
  std::function<void(const std::string& kind, std::int64_t done, std::int64_t total)> progress;
};

struct PruneKindResult {
  std::string kind;
  std::string table;
  std::int64_t matched = 0;  // rows older than `before` the rule allows deleting
  std::int64_t deleted = 0;  // 0 on a dry run
  std::int64_t batches = 0;
};

struct PruneResult {
  bool dry_run = false;
  Timestamp before;
  std::vector<PruneKindResult> kinds;
};

PruneResult Prune(Store& store, const PruneOptions& options);
// The kind names, in order.
std::vector<std::string> PruneKindNames();
std::string PruneResultToJson(const PruneResult& result);

}  // namespace tradestore
