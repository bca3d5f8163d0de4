#include "store/distribution.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <utility>

#include "sql/connection.h"
#include "store/ops_queries.h"
#include "tradestore/error.h"

namespace tradestore::detail {
namespace {

namespace tables = schema::tables;

// The anchors of the two co-location groups: every per-bot table is
// co-located with trading.accounts, every market table with market.candles.
constexpr std::string_view kBotAnchor = "trading.accounts";
constexpr std::string_view kInstrumentAnchor = "market.candles";

std::string NameOf(const schema::Table& t) {
  return std::string(t.schema) + "." + std::string(t.name);
}

bool Is(const schema::Table& t, const schema::Table& other) {
  return t.schema == other.schema && t.name == other.name;
}

// One table as Citus has it now (citus_tables).
struct Current {
  std::string type;    // "distributed", "reference", "local"; "" if not in metadata
  std::string column;  // distribution column, "" if none
};

std::map<std::string, Current> CurrentPlacements(sql::Connection& c) {
  std::map<std::string, Current> out;
  sql::Statement& st =
      c.Prepare("SELECT table_name::text, citus_table_type, distribution_column FROM citus_tables");
  while (st.Step()) out[st.GetText(0)] = {st.GetText(1), st.GetText(2)};
  st.Reset();
  return out;
}

// True if `current` is what `placement` wants; throws kConflict when the
// table is placed otherwise and cannot just be placed as wanted.
bool IsPlaced(const std::string& table, Placement placement, std::string_view column,
              const Current& current) {
  const auto conflict = [&] {
    return Conflict(fmt::format(
        "distribute: {} is already a {} table{} on this cluster, but the layout places it {} "
        "(docs/scale-out.md); undistribute it (undistribute_table) and run distribute again; "
        "nothing was changed",
        table, current.type,
        current.column.empty() || current.column == "<none>" ? "" : " by " + current.column,
        column.empty() ? std::string(PlacementName(placement)) : "by " + std::string(column)));
  };
  switch (placement) {
    case Placement::kCoordinator:
      if (current.type.empty() || current.type == "local") return true;
      throw conflict();
    case Placement::kReference:
      if (current.type == "reference") return true;
      if (current.type == "distributed") throw conflict();
      return false;
    case Placement::kByBot:
    case Placement::kByInstrument: {
      if (current.type == "distributed") {
        if (current.column == column) return true;
        throw conflict();
      }
      if (current.type == "reference") throw conflict();
      return false;
    }
  }
  return false;
}

std::int64_t Int(sql::Connection& c, const std::string& query) {
  sql::Statement& st = c.Prepare(query);
  const std::int64_t v = st.Step() ? st.GetInt64(0) : 0;
  st.Reset();
  return v;
}

std::string Quoted(std::string_view s) {
  // Appended piece by piece: GCC 12 reports a false -Wrestrict for
  // "'" + std::string(s) + "'" in release builds.
  std::string out;
  out.reserve(s.size() + 2);
  out += '\'';
  out += s;
  out += '\'';
  return out;
}

// The change feed's triggers (postgres/all/0007_change_log.sql), which
// `distribute` keeps on Citus, with the Citus versions of their two hooks
// (0014_change_log_hooks.sql).
struct FeedTrigger {
  const char* name;
  const char* table;
  const char* when;  // the events, as in CREATE TRIGGER
  const char* function;
};
constexpr FeedTrigger kFeedTriggers[] = {
    {"change_log_orders", "trading.orders", "INSERT OR UPDATE OF status, filled_quantity",
     "audit.change_log_order"},
    {"change_log_fills", "trading.fills", "INSERT", "audit.change_log_fill"},
    {"change_log_positions", "trading.positions", "INSERT OR UPDATE", "audit.change_log_position"},
    {"change_log_trades", "trading.trades", "INSERT", "audit.change_log_trade"},
    {"change_log_balances", "trading.balances", "INSERT OR UPDATE", "audit.change_log_balance"},
    {"change_log_risk_events", "audit.risk_events", "INSERT", "audit.change_log_risk_event"},
    {"change_log_bots_heartbeat", "trading.bots", "UPDATE OF last_heartbeat_at",
     "audit.change_log_heartbeat"},
    {"change_log_candle_coverage", "market.candle_coverage", "INSERT OR UPDATE",
     "market.change_log_coverage"},
};

// True when the trigger `t` is on its table.
bool HasFeedTrigger(sql::Connection& c, const FeedTrigger& t) {
  sql::Statement& st =
      c.Prepare("SELECT 1 FROM pg_trigger WHERE tgname = ? AND tgrelid = ?::regclass");
  st.Bind(1, std::string(t.name));
  st.Bind(2, std::string(t.table));
  const bool found = st.Step();
  st.Reset();
  return found;
}

// True when the feed's wake hook is the Citus one (no NOTIFY). Looked up by
// name: a cached plan would keep the oid of a function since replaced.
bool HasCitusHooks(sql::Connection& c) {
  sql::Statement& st = c.Prepare(
      "SELECT prosrc NOT LIKE '%pg_notify%' FROM pg_proc "
      "WHERE proname = 'change_log_wake' AND pronamespace = 'audit'::regnamespace");
  const bool citus = st.Step() && st.GetBool(0);
  st.Reset();
  return citus;
}

// True when every trigger of the feed is there and its hooks are Citus'
// (a store distributed by an older tradestore has no triggers).
bool ChangeFeedTriggersReady(sql::Connection& c) {
  return HasCitusHooks(c) &&
         std::all_of(std::begin(kFeedTriggers), std::end(kFeedTriggers),
                     [&](const FeedTrigger& t) { return HasFeedTrigger(c, t); });
}

// Creates the feed's triggers that are missing (on a store distributed by
// an older tradestore, all of them); returns "table: trigger" of each.
std::vector<std::string> CreateChangeFeedTriggers(sql::Connection& c) {
  std::vector<std::string> created;
  for (const FeedTrigger& t : kFeedTriggers) {
    if (!HasFeedTrigger(c, t)) {
      c.ExecuteScript(
          fmt::format("CREATE TRIGGER {} AFTER {} ON {} FOR EACH ROW EXECUTE FUNCTION {}()", t.name,
                      t.when, t.table, t.function));
    }
    created.push_back(std::string(t.table) + ": " + t.name);
  }
  return created;
}

}  // namespace

std::string_view PlacementName(Placement placement) {
  switch (placement) {
    case Placement::kReference:
      return "reference";
    case Placement::kByBot:
      return "by bot_id";
    case Placement::kByInstrument:
      return "by instrument_id";
    case Placement::kCoordinator:
      return "coordinator";
  }
  return "?";
}

Placement PlacementOf(const schema::Table& t) {
  for (const schema::Table& r : {tables::kBots, tables::kInstruments, tables::kStrategies,
                                 tables::kCandleCompactionPolicy}) {
    if (Is(t, r)) return Placement::kReference;
  }
  for (const schema::Table& m : {tables::kCandles, tables::kCandleChunks, tables::kCandleCoverage,
                                 tables::kIndicatorCache, tables::kMarketChangeLog}) {
    if (Is(t, m)) return Placement::kByInstrument;
  }
  for (const schema::Table& l :
       {tables::kSystemEvents, tables::kErrorLog, tables::kPatternCache, tables::kMlResults}) {
    if (Is(t, l)) return Placement::kCoordinator;
  }
  return Placement::kByBot;
}

std::string_view DistributionColumn(const schema::Table& t) {
  switch (PlacementOf(t)) {
    case Placement::kByBot:
      return "bot_id";
    case Placement::kByInstrument:
      // The market change log's instrument is its row_id (candles-imported
      // events name the coverage row's instrument there).
      return Is(t, tables::kMarketChangeLog) ? "row_id" : "instrument_id";
    case Placement::kReference:
    case Placement::kCoordinator:
      break;
  }
  return "";
}

DistributeResult DistributeStore(StoreImpl& store) {
  DistributeResult result;
  result.url = RedactedUrl(store.url());
  if (store.dialect() != sql::Dialect::kPostgres) {
    throw InvalidArgument("distribute: " + result.url +
                          " is a SQLite store; distribute applies to a PostgreSQL database with "
                          "the citus extension (docs/scale-out.md); nothing was changed");
  }
  sql::Connection& c = store.connection(Database::kTrading);
  if (Int(c, "SELECT count(*) FROM pg_extension WHERE extname = 'citus'") == 0) {
    throw InvalidArgument(
        "distribute: the database of " + result.url +
        " has no citus extension; on the coordinator and every worker run CREATE EXTENSION "
        "citus in it, then on the coordinator citus_set_coordinator_host() and "
        "citus_add_node() per worker (docs/scale-out.md); nothing was changed");
  }
  result.workers = static_cast<int>(
      Int(c,
          "SELECT count(*) FROM pg_dist_node WHERE isactive AND noderole = 'primary' AND "
          "groupid <> 0"));
  if (result.workers == 0) {
    throw InvalidArgument("distribute: the Citus coordinator of " + result.url +
                          " has no active worker; add them with citus_add_node() "
                          "(docs/scale-out.md); nothing was changed");
  }
  const std::int64_t nested_off =
      Int(c,
          "SELECT count(*) FROM run_command_on_workers("
          "'SHOW citus.allow_nested_distributed_execution') WHERE NOT success OR result <> 'on'");
  if (nested_off > 0) {
    throw InvalidArgument(fmt::format(
        "distribute: {} of {} workers run without citus.allow_nested_distributed_execution = on, "
        "which the per-bot counters' triggers need (they write a co-located shard of the same "
        "node); set it in each worker's postgresql.conf and reload (docs/scale-out.md); "
        "nothing was changed",
        nested_off, result.workers));
  }

  sql::Transaction tx(c);
  // Applying the layout takes locks that serialise concurrent runs: the
  // second one re-reads the placements after the first has committed.
  c.ExecuteScript("LOCK TABLE trading.bots IN SHARE ROW EXCLUSIVE MODE");
  const std::map<std::string, Current> current = CurrentPlacements(c);
  std::vector<std::pair<const schema::Table*, Placement>> pending;
  for (const schema::Table& t : schema::kTables) {
    const std::string name = NameOf(t);
    const Placement p = PlacementOf(t);
    const auto it = current.find(name);
    const bool placed =
        IsPlaced(name, p, DistributionColumn(t), it == current.end() ? Current{} : it->second);
    const std::string_view column = DistributionColumn(t);
    result.tables.push_back(
        {name, column.empty() ? std::string(PlacementName(p)) : "by " + std::string(column),
         !placed});
    if (!placed) pending.emplace_back(&t, p);
  }
  const bool feed_ready = ChangeFeedTriggersReady(c);
  if (pending.empty() && feed_ready) return result;  // nothing to do: already distributed

  // Triggers on distributed and reference tables run on the shards, inside
  // Citus' two-phase commit: the per-bot counters' triggers write their
  // co-located shard, and so do the change feed's, without NOTIFY (which
  // cannot be prepared): see below.
  c.ExecuteScript(
      "SET LOCAL citus.enable_unsafe_triggers = on;"
      "SET LOCAL citus.multi_shard_modify_mode = 'sequential';"
      "SET LOCAL client_min_messages = warning");
  // The feed's triggers run on the shard's node, in that worker's
  // transaction, and write the co-located shard of the log on the same node
  // (as the per-bot counters do), so each row records the worker's
  // transaction id and takes its id from the worker's range of the
  // sequence: what the feed reads by (src/store/change_feed.cc). Their
  // hooks become Citus' (0014_change_log_hooks.sql): no NOTIFY, and the
  // heartbeat written only by the node holding the bot's shard of the log.
  if (!feed_ready) c.ExecuteScript("SELECT audit.change_log_use_citus_hooks()");
  // (Shards of tables already placed have keys of their own, which Citus
  // keeps: only the tables' keys are listed.)
  // A table referenced by a foreign key cannot change placement alone (a
  // reference table pulls every table that references it into Citus' local
  // table mode, which cannot then be co-located): the store's foreign keys
  // are dropped, the tables placed, and the keys created again, which
  // Citus checks against its rules.
  struct ForeignKey {
    std::string table, name, definition;
  };
  std::vector<ForeignKey> keys;
  {
    sql::Statement& st = c.Prepare(
        "SELECT k.conrelid::regclass::text, k.conname, pg_get_constraintdef(k.oid) "
        "FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace "
        "WHERE k.contype = 'f' AND NOT pg_catalog.relation_is_a_known_shard(k.conrelid) "
        "AND n.nspname IN ('trading', 'market', 'analytics', 'config', 'audit') ORDER BY 1, 2");
    while (st.Step()) keys.push_back({st.GetText(0), st.GetText(1), st.GetText(2)});
    st.Reset();
  }
  for (const ForeignKey& k : keys) {
    c.ExecuteScript("ALTER TABLE " + k.table + " DROP CONSTRAINT " + k.name);
  }
  // Moving a table's rows into its shards inserts them there: its triggers
  // (the per-bot counters') must not count them again.
  for (const auto& [table, placement] : pending) {
    if (placement != Placement::kCoordinator) {
      c.ExecuteScript("ALTER TABLE " + NameOf(*table) + " DISABLE TRIGGER USER");
    }
  }
  for (const auto& [table, placement] : pending) {
    const std::string name = NameOf(*table);
    switch (placement) {
      case Placement::kReference:
        c.ExecuteScript("SELECT create_reference_table(" + Quoted(name) + ")");
        break;
      case Placement::kByBot:
      case Placement::kByInstrument: {
        const bool by_bot = placement == Placement::kByBot;
        const std::string_view anchor = by_bot ? kBotAnchor : kInstrumentAnchor;
        // The anchor comes first in schema order (checked by the test), and
        // starts its own co-location group.
        c.ExecuteScript(fmt::format("SELECT create_distributed_table({}, {}, colocate_with => {})",
                                    Quoted(name), Quoted(DistributionColumn(*table)),
                                    Quoted(name == anchor ? "none" : anchor)));
        break;
      }
      case Placement::kCoordinator:
        break;
    }
  }
  for (const ForeignKey& k : keys) {
    c.ExecuteScript("ALTER TABLE " + k.table + " ADD CONSTRAINT " + k.name + " " + k.definition);
  }
  if (!feed_ready) result.change_feed_triggers = CreateChangeFeedTriggers(c);
  for (const auto& [table, placement] : pending) {
    if (placement != Placement::kCoordinator) {
      c.ExecuteScript("ALTER TABLE " + NameOf(*table) + " ENABLE TRIGGER USER");
    }
  }
  tx.Commit();
  return result;
}

}  // namespace tradestore::detail
