// Versioned configurations (config.configs) and strategy definitions
// (config.strategies).
#include <string>

#include "store/record_util.h"
#include "store/store_impl.h"
#include "tradestore/config.h"
#include "tradestore/error.h"
#include "tradestore/strategy.h"

namespace tradestore {

using detail::Database;

namespace {

constexpr std::string_view kConfigColumns =
    "id, bot_id, kind, name, version, document, effective_from, effective_to, note, mode, "
    "is_test, created_at";

ConfigVersion ReadConfig(const sql::Statement& st) {
  ConfigVersion c;
  c.id = st.GetInt64(0);
  c.bot_id = st.GetInt64(1);
  c.kind = ParseConfigKind(st.GetText(2));
  c.name = st.GetText(3);
  c.version = static_cast<int>(st.GetInt64(4));
  c.document = st.GetText(5);
  c.effective_from = st.GetTimestamp(6);
  if (!st.IsNull(7)) c.effective_to = st.GetTimestamp(7);
  c.note = st.GetText(8);
  c.mode = ParseRunMode(st.GetText(9));
  c.is_test = st.GetBool(10);
  c.created_at = st.GetTimestamp(11);
  return c;
}

std::string ConfigName(BotId bot, ConfigKind kind, std::string_view name) {
  return std::string(ToString(kind)) + " config '" + std::string(name) + "' of bot " +
         std::to_string(bot);
}

constexpr std::string_view kStrategyColumns =
    "id, name, version, description, parameters, created_at";

StrategyDefinition ReadStrategy(const sql::Statement& st) {
  return {st.GetInt64(0), st.GetText(1), st.GetText(2),
          st.GetText(3),  st.GetText(4), st.GetTimestamp(5)};
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
  auto& cur = c.PrepareForUpdate("SELECT " + std::string(kConfigColumns) +
                                 " FROM config.configs WHERE bot_id = ? AND kind = ? AND "
                                 "name = ? ORDER BY version DESC LIMIT 1");
  cur.Bind(1, out.bot_id).Bind(2, ToString(out.kind)).Bind(3, out.name);
  std::optional<ConfigVersion> previous;
  if (cur.Step()) previous = ReadConfig(cur);
  cur.Reset();
  out.version = static_cast<int>(detail::StartNextVersion(
      c, "config.configs", out.bot_id,
      previous ? std::optional<detail::VersionHead>(
                     {previous->id, previous->version, previous->effective_from})
               : std::nullopt,
      out.effective_from, what));
  auto& st = c.Prepare(
      "INSERT INTO config.configs (bot_id, kind, name, version, document, effective_from, "
      "effective_to, note, mode, is_test, created_at) VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?) "
      "RETURNING id");
  st.Bind(1, out.bot_id).Bind(2, ToString(out.kind)).Bind(3, out.name).Bind(4, out.version);
  st.Bind(5, out.document).Bind(6, out.effective_from).Bind(7, out.note);
  st.Bind(8, ToString(out.mode)).Bind(9, out.is_test).Bind(10, out.created_at);
  st.Step();
  out.id = st.GetInt64(0);
  st.Reset();
  tx.Commit();
  return out;
}

std::optional<ConfigVersion> ConfigRepository::VersionAt(BotId bot, ConfigKind kind,
                                                         std::string_view name, Timestamp at) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kConfigColumns) +
                          " FROM config.configs WHERE bot_id = ? AND kind = ? AND name = ? AND "
                          "effective_from <= ? AND (effective_to IS NULL OR effective_to > ?) "
                          "ORDER BY effective_from DESC LIMIT 1");
  st.Bind(1, bot).Bind(2, ToString(kind)).Bind(3, name).Bind(4, at).Bind(5, at);
  std::optional<ConfigVersion> out;
  if (st.Step()) out = ReadConfig(st);
  st.Reset();
  return out;
}

std::optional<ConfigVersion> ConfigRepository::Current(BotId bot, ConfigKind kind,
                                                       std::string_view name) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kConfigColumns) +
                          " FROM config.configs WHERE bot_id = ? AND kind = ? AND name = ? "
                          "ORDER BY version DESC LIMIT 1");
  st.Bind(1, bot).Bind(2, ToString(kind)).Bind(3, name);
  std::optional<ConfigVersion> out;
  if (st.Step()) out = ReadConfig(st);
  st.Reset();
  return out;
}

std::vector<ConfigVersion> ConfigRepository::History(BotId bot, ConfigKind kind,
                                                     std::string_view name) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kConfigColumns) +
                          " FROM config.configs WHERE bot_id = ? AND kind = ? AND name = ? "
                          "ORDER BY version");
  st.Bind(1, bot).Bind(2, ToString(kind)).Bind(3, name);
  std::vector<ConfigVersion> out;
  while (st.Step()) out.push_back(ReadConfig(st));
  return out;
}

std::vector<ConfigVersion> ConfigRepository::ListCurrent(std::optional<BotId> bot,
                                                         bool include_test) {
  std::string sql = "SELECT " + std::string(kConfigColumns) +
                    " FROM config.configs WHERE effective_to IS NULL AND (is_test = 0 OR ?)";
  if (bot) sql += " AND bot_id = ?";
  sql += " ORDER BY bot_id, kind, name";
  auto& st = impl_->connection(Database::kTrading).Prepare(sql);
  st.Bind(1, include_test);
  if (bot) st.Bind(2, *bot);
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
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(
                     "INSERT INTO config.strategies (name, version, description, parameters, "
                     "created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name, version) DO NOTHING "
                     "RETURNING id");
  st.Bind(1, out.name).Bind(2, out.version).Bind(3, out.description).Bind(4, out.parameters);
  st.Bind(5, out.created_at);
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
                 .Prepare("SELECT " + std::string(kStrategyColumns) +
                          " FROM config.strategies WHERE name = ? AND version = ?");
  st.Bind(1, name).Bind(2, version);
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
                 .Prepare("SELECT " + std::string(kStrategyColumns) +
                          " FROM config.strategies WHERE name = ? "
                          "ORDER BY created_at DESC, id DESC LIMIT 1");
  st.Bind(1, name);
  std::optional<StrategyDefinition> out;
  if (st.Step()) out = ReadStrategy(st);
  st.Reset();
  return out;
}

std::vector<StrategyDefinition> StrategyRepository::List() {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare("SELECT " + std::string(kStrategyColumns) +
                          " FROM config.strategies ORDER BY name, created_at, id");
  std::vector<StrategyDefinition> out;
  while (st.Step()) out.push_back(ReadStrategy(st));
  return out;
}

}  // namespace tradestore
