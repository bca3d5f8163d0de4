// Versioned configurations (config.configs) and strategy definitions
// (config.strategies).
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/config.h"
#include "tradestore/error.h"
#include "tradestore/strategy.h"

namespace tradestore {

using detail::BindParams;
using detail::Database;
using detail::schema::Columns;
using detail::schema::RowReader;
using detail::schema::RowWriter;
using detail::schema::tables::kConfigs;
using detail::schema::tables::kStrategies;

namespace {

constexpr auto kConfigRow = Columns<kConfigs>::All();

ConfigVersion ReadConfig(const sql::Statement& st) {
  const RowReader<kConfigs> r(st, kConfigRow);
  ConfigVersion c;
  c.id = r.Get<std::int64_t>("id");
  c.bot_id = r.Get<std::int64_t>("bot_id");
  c.kind = ParseConfigKind(r.Get<std::string>("kind"));
  c.name = r.Get<std::string>("name");
  c.version = static_cast<int>(r.Get<std::int64_t>("version"));
  c.document = r.Get<std::string>("document");
  c.effective_from = r.Get<Timestamp>("effective_from");
  c.effective_to = r.Get<std::optional<Timestamp>>("effective_to");
  c.note = r.Get<std::string>("note");
  c.mode = ParseRunMode(r.Get<std::string>("mode"));
  c.is_test = r.Get<bool>("is_test");
  c.created_at = r.Get<Timestamp>("created_at");
  return c;
}

std::string ConfigName(BotId bot, ConfigKind kind, std::string_view name) {
  return std::string(ToString(kind)) + " config '" + std::string(name) + "' of bot " +
         std::to_string(bot);
}

constexpr auto kStrategyRow = Columns<kStrategies>::All();

StrategyDefinition ReadStrategy(const sql::Statement& st) {
  const RowReader<kStrategies> r(st, kStrategyRow);
  return {r.Get<std::int64_t>("id"),        r.Get<std::string>("name"),
          r.Get<std::string>("version"),    r.Get<std::string>("description"),
          r.Get<std::string>("parameters"), r.Get<Timestamp>("created_at")};
}

}  // namespace

ConfigVersion ConfigRepository::Save(const ConfigVersion& config) {
  const std::string what = ConfigName(config.bot_id, config.kind, config.name);
  detail::RequireNonEmpty(config.name, "config of bot " + std::to_string(config.bot_id), "name");
  ConfigVersion out = config;
  out.document = detail::CanonicalJson(config.document, what, "document", detail::JsonShape::kAny);
  const detail::BotProvenance bot = detail::BotProvenanceOf(*impl_, config.bot_id);
  out.mode = bot.mode;
  out.is_test = bot.is_test;
  out.effective_from =
      config.effective_from == Timestamp() ? Timestamp::Now() : config.effective_from;
  out.effective_to.reset();
  out.created_at = Timestamp::Now();
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  auto& cur =
      c.PrepareForUpdate(kConfigRow.SelectSql(" WHERE bot_id = ? AND kind = ? AND "
                                              "name = ? ORDER BY version DESC LIMIT 1"));
  BindParams(cur, out.bot_id, ToString(out.kind), out.name);
  std::optional<ConfigVersion> previous;
  if (cur.Step()) previous = ReadConfig(cur);
  cur.Reset();
  out.version = static_cast<int>(detail::StartNextVersion(
      c, "config.configs", out.bot_id,
      previous ? std::optional<detail::VersionHead>(
                     {previous->id, previous->version, previous->effective_from})
               : std::nullopt,
      out.effective_from, what));
  constexpr auto kInsert = Columns<kConfigs>::Insertable();
  static const std::string kSql = kInsert.InsertSql(" RETURNING id");
  RowWriter<kConfigs> row(c.Prepare(kSql), kInsert);
  row.Set("bot_id", out.bot_id).Set("kind", ToString(out.kind)).Set("name", out.name);
  row.Set("version", out.version).Set("document", out.document);
  row.Set("effective_from", out.effective_from).SetNull("effective_to").Set("note", out.note);
  row.Set("mode", ToString(out.mode)).Set("is_test", out.is_test);
  row.Set("created_at", out.created_at);
  sql::Statement& st = row.Done();
  st.Step();
  out.id = st.GetInt64(0);
  st.Reset();
  tx.Commit();
  return out;
}

std::optional<ConfigVersion> ConfigRepository::VersionAt(BotId bot, ConfigKind kind,
                                                         std::string_view name, Timestamp at) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(kConfigRow.SelectSql(
                     " WHERE bot_id = ? AND kind = ? AND name = ? AND "
                     "effective_from <= ? AND (effective_to IS NULL OR effective_to > ?) "
                     "ORDER BY effective_from DESC LIMIT 1"));
  BindParams(st, bot, ToString(kind), name, at, at);
  std::optional<ConfigVersion> out;
  if (st.Step()) out = ReadConfig(st);
  st.Reset();
  return out;
}

std::optional<ConfigVersion> ConfigRepository::Current(BotId bot, ConfigKind kind,
                                                       std::string_view name) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(kConfigRow.SelectSql(" WHERE bot_id = ? AND kind = ? AND name = ? "
                                               "ORDER BY version DESC LIMIT 1"));
  BindParams(st, bot, ToString(kind), name);
  std::optional<ConfigVersion> out;
  if (st.Step()) out = ReadConfig(st);
  st.Reset();
  return out;
}

std::vector<ConfigVersion> ConfigRepository::History(BotId bot, ConfigKind kind,
                                                     std::string_view name) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(kConfigRow.SelectSql(" WHERE bot_id = ? AND kind = ? AND name = ? "
                                               "ORDER BY version"));
  BindParams(st, bot, ToString(kind), name);
  std::vector<ConfigVersion> out;
  while (st.Step()) out.push_back(ReadConfig(st));
  return out;
}

std::vector<ConfigVersion> ConfigRepository::ListCurrent(std::optional<BotId> bot,
                                                         bool include_test) {
  std::string sql = kConfigRow.SelectSql(" WHERE effective_to IS NULL AND (is_test = 0 OR ?)");
  if (bot) sql += " AND bot_id = ?";
  sql += " ORDER BY bot_id, kind, name";
  auto& st = impl_->connection(Database::kTrading).Prepare(sql);
  const int next = BindParams(st, include_test);
  if (bot) st.Bind(next, *bot);
  std::vector<ConfigVersion> out;
  while (st.Step()) out.push_back(ReadConfig(st));
  return out;
}

// ---- strategy definitions ----------------------------------------------------

StrategyDefinition StrategyRepository::Define(const StrategyDefinition& definition) {
  detail::RequireNonEmpty(definition.name, "strategy definition", "name");
  const std::string what =
      "strategy '" + definition.name + "' version '" + definition.version + "'";
  detail::RequireNonEmpty(definition.version, what, "version");
  StrategyDefinition out = definition;
  out.parameters =
      detail::CanonicalJson(definition.parameters, what, "parameters", detail::JsonShape::kObject);
  if (out.created_at == Timestamp()) out.created_at = Timestamp::Now();
  constexpr auto kInsert = Columns<kStrategies>::Insertable();
  static const std::string kSql =
      kInsert.InsertSql(" ON CONFLICT (name, version) DO NOTHING RETURNING id");
  RowWriter<kStrategies> row(impl_->connection(Database::kTrading).Prepare(kSql), kInsert);
  row.Set("name", out.name).Set("version", out.version).Set("description", out.description);
  row.Set("parameters", out.parameters).Set("created_at", out.created_at);
  sql::Statement& st = row.Done();
  if (!st.Step()) {
    st.Reset();
    throw Conflict(what + " is already defined");
  }
  out.id = st.GetInt64(0);
  st.Reset();
  return out;
}

StrategyDefinition StrategyRepository::Get(std::string_view name, std::string_view version) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(kStrategyRow.SelectSql(" WHERE name = ? AND version = ?"));
  BindParams(st, name, version);
  if (!st.Step()) {
    st.Reset();
    throw NotFound("strategy '" + std::string(name) + "' version '" + std::string(version) +
                   "' is not defined");
  }
  StrategyDefinition out = ReadStrategy(st);
  st.Reset();
  return out;
}

std::optional<StrategyDefinition> StrategyRepository::Latest(std::string_view name) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(kStrategyRow.SelectSql(" WHERE name = ? "
                                                 "ORDER BY created_at DESC, id DESC LIMIT 1"));
  BindParams(st, name);
  std::optional<StrategyDefinition> out;
  if (st.Step()) out = ReadStrategy(st);
  st.Reset();
  return out;
}

std::vector<StrategyDefinition> StrategyRepository::List() {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(kStrategyRow.SelectSql(" ORDER BY name, created_at, id"));
  std::vector<StrategyDefinition> out;
  while (st.Step()) out.push_back(ReadStrategy(st));
  return out;
}

}  // namespace tradestore
