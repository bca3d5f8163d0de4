// Scale-out on Citus: applies the store's distributed layout
// (docs/scale-out.md) to a PostgreSQL store whose database has the citus
// extension, so that many bots share one logical database sharded by bot.
//
// The layout, per table (src/store/distribution.h holds the list):
//   reference         trading.bots, market.instruments, config.strategies:
//                     small, shared, replicated to every node;
//   by bot            every per-bot table, distributed by bot_id, all
//                     co-located with trading.accounts, so that a bot's
//                     reads and writes are single-shard (router) queries;
//   by instrument     market.candles, candle_coverage, indicator_cache,
//                     distributed by instrument_id, co-located together;
//                     market.market_change_log (the change feed's
//                     candles-imported events) by its row_id, the
//                     instrument;
//   coordinator       the system-wide logs and caches without a bot
//                     (audit.system_events, audit.error_log,
//                     analytics.pattern_cache, analytics.ml_results): local
//                     tables of the coordinator.
// audit.change_log (the change feed's per-bot events) is a per-bot table.
// Foreign keys stay: co-located between per-bot tables, and from
// distributed or coordinator tables to reference tables.
//
// Thread-safety: one call at a time per store; a second concurrent call
// waits for the first's transaction and then finds nothing to do.
#pragma once

#include <string>
#include <vector>

namespace tradestore {

// How one table is placed on the cluster.
struct DistributedTable {
  std::string table;      // "trading.orders"
  std::string placement;  // "reference", "by bot_id", "by instrument_id", "coordinator"
  bool changed = false;   // false when it was already placed so
};

struct DistributeResult {
  std::string url;  // credentials redacted
  int workers = 0;  // active worker nodes
  std::vector<DistributedTable> tables;
  // The change feed's triggers ("table: trigger"), set up now for Citus:
  // functions without NOTIFY (which Citus' two-phase commit cannot
  // prepare), writing the distributed change logs on the shard's node
  // (docs/scale-out.md, "The change feed on Citus"). Empty when they were
  // already in place.
  std::vector<std::string> change_feed_triggers;
  bool changed() const {
    for (const DistributedTable& t : tables) {
      if (t.changed) return true;
    }
    return !change_feed_triggers.empty();
  }
};

// Opens (and migrates) the PostgreSQL store at `url` and applies the layout
// in one transaction: on any error nothing is changed. Idempotent: tables
// already placed as the layout says are left alone, so running it again
// (or after an upgrade that added tables) is safe; rows already in a table
// are moved into its shards.
//
// Errors (tradestore::Error):
//   kInvalidArgument  a SQLite store; the database has no citus extension;
//                     the workers run without
//                     citus.allow_nested_distributed_execution = on (the
//                     per-bot counters' triggers need it); the message says
//                     what to do. Nothing changed.
//   kConflict         a table is already distributed otherwise than the
//                     layout says (names the table and its placement).
//   kUnavailable, kStorage  as any store operation.
DistributeResult Distribute(const std::string& url);

// The result as a JSON object (the CLI's --json).
std::string DistributeToJson(const DistributeResult& result);

}  // namespace tradestore
