#include "store/record_util.h"

#include <nlohmann/json.hpp>

#include "store/query_util.h"
#include "store/schema_row.h"
#include "tradestore/error.h"

namespace tradestore::detail {

namespace {
std::string Quote(std::string_view text) {
  std::string out = "'";
  out += text.substr(0, 80);
  if (text.size() > 80) out += "...";
  out += "'";
  return out;
}
}  // namespace

std::string CanonicalJson(std::string_view text, std::string_view what, std::string_view field,
                          JsonShape shape) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // syntax, or a number beyond a double
    throw InvalidArgument(std::string(what) + ": field '" + std::string(field) +
                          "' is not valid JSON (" + e.what() + "): " + Quote(text));
  }
  if (shape == JsonShape::kObject && !doc.is_object()) {
    throw InvalidArgument(std::string(what) + ": field '" + std::string(field) +
                          "' must be a JSON object, got " + Quote(text));
  }
  if (shape == JsonShape::kArray && !doc.is_array()) {
    throw InvalidArgument(std::string(what) + ": field '" + std::string(field) +
                          "' must be a JSON array, got " + Quote(text));
  }
  return doc.dump();
}

std::string JsonStringArray(const std::vector<std::string>& values) {
  return nlohmann::json(values).dump();
}

std::vector<std::string> ParseJsonStringArray(std::string_view text) {
  try {
    return nlohmann::json::parse(text).get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kStorage,
                "stored JSON array " + Quote(text) + " cannot be read: " + e.what());
  }
}

BotProvenance BotProvenanceOf(StoreImpl& impl, BotId bot) {
  constexpr auto kProvenance =
      schema::Columns<schema::tables::kBots>::Only({"mode", "is_test", "version"});
  static const std::string kSql = kProvenance.SelectSql(" WHERE id = ?");
  auto& st = impl.connection(Database::kTrading).Prepare(kSql);
  BindParams(st, bot);
  if (!st.Step()) {
    st.Reset();
    throw NotFound("bot " + std::to_string(bot) + " does not exist");
  }
  const schema::RowReader<schema::tables::kBots> r(st, kProvenance);
  BotProvenance out{ParseRunMode(r.Get<std::string>("mode")), r.Get<bool>("is_test"),
                    r.Get<std::string>("version")};
  st.Reset();
  return out;
}

void RequireNonEmpty(std::string_view value, std::string_view what, std::string_view field) {
  if (value.empty()) {
    throw InvalidArgument(std::string(what) + ": field '" + std::string(field) + "' is empty");
  }
}

std::int64_t StartNextVersion(sql::Connection& c, std::string_view table, BotId bot,
                              const std::optional<VersionHead>& previous, Timestamp effective_from,
                              const std::string& what) {
  if (!previous) return 1;
  const std::int64_t version = previous->version + 1;
  if (effective_from <= previous->effective_from) {
    throw Conflict(what + ": version " + std::to_string(version) + " would start at " +
                   effective_from.ToIso() + ", not after version " +
                   std::to_string(previous->version) + " in force since " +
                   previous->effective_from.ToIso());
  }
  auto& close = c.Prepare("UPDATE " + std::string(table) +
                          " SET effective_to = ? WHERE bot_id = ? AND id = ?");
  BindParams(close, effective_from, bot, previous->id);
  close.ExecuteDeferred();
  return version;
}

}  // namespace tradestore::detail
