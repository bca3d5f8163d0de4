#include "store/distribution.h"

#include <fmt/format.h>

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
bool IsPlaced(const std::string& table, Placement placement, const Current& current) {
  const auto conflict = [&] {
    return Conflict(fmt::format(
        "distribute: {} is already a {} table{} on this cluster, but the layout places it {} "
        "(docs/scale-out.md); undistribute it (undistribute_table) and run distribute again; "
        "nothing was changed",
        table, current.type,
        current.column.empty() || current.column == "<none>" ? "" : " by " + current.column,
        PlacementName(placement)));
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
      const std::string column = placement == Placement::kByBot ? "bot_id" : "instrument_id";
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

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

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
                                 tables::kIndicatorCache}) {
    if (Is(t, m)) return Placement::kByInstrument;
  }
  for (const schema::Table& l :
       {tables::kSystemEvents, tables::kErrorLog, tables::kPatternCache, tables::kMlResults,
        tables::kChangeLog, tables::kMarketChangeLog}) {
    if (Is(t, l)) return Placement::kCoordinator;
  }
  return Placement::kByBot;
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
    const bool placed = IsPlaced(name, p, it == current.end() ? Current{} : it->second);
    result.tables.push_back({name, std::string(PlacementName(p)), !placed});
    if (!placed) pending.emplace_back(&t, p);
  }
  if (pending.empty()) return result;  // nothing to do: already distributed

  // Triggers on distributed and reference tables run on the shards, inside
  // Citus' two-phase commit: the per-bot counters' triggers write their
  // co-located shard; the change feed's NOTIFY cannot be prepared, so its
  // triggers go (docs/scale-out.md).
  c.ExecuteScript(
      "SET LOCAL citus.enable_unsafe_triggers = on;"
      "SET LOCAL citus.multi_shard_modify_mode = 'sequential';"
      "SET LOCAL client_min_messages = warning");
  {
    std::vector<std::pair<std::string, std::string>> triggers;
    sql::Statement& st = c.Prepare(
        "SELECT g.tgname, g.tgrelid::regclass::text FROM pg_trigger g "
        "JOIN pg_proc f ON f.oid = g.tgfoid JOIN pg_namespace n ON n.oid = f.pronamespace "
        "WHERE NOT g.tgisinternal AND n.nspname IN ('audit', 'market') "
        "AND f.proname LIKE 'change\\_log\\_%' ORDER BY 2, 1");
    while (st.Step()) triggers.emplace_back(st.GetText(0), st.GetText(1));
    st.Reset();
    for (const auto& [trigger, table] : triggers) {
      c.ExecuteScript("DROP TRIGGER " + trigger + " ON " + table);
      result.dropped_triggers.push_back(table + ": " + trigger);
    }
  }
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
        "WHERE k.contype = 'f' "
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
                                    Quoted(name), Quoted(by_bot ? "bot_id" : "instrument_id"),
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
  for (const auto& [table, placement] : pending) {
    if (placement != Placement::kCoordinator) {
      c.ExecuteScript("ALTER TABLE " + NameOf(*table) + " ENABLE TRIGGER USER");
    }
  }
  tx.Commit();
  return result;
}

}  // namespace tradestore::detail
