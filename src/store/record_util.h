// Helpers shared by the record repositories (signals, portfolio, risk,
// configs, audit, analytics records). Internal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store_impl.h"
#include "tradestore/bot.h"

namespace tradestore::detail {

enum class JsonShape { kAny, kObject, kArray };

// Parses `text` as JSON and returns it in canonical form
// (nlohmann::json::dump(): no whitespace, object keys sorted). Throws
// kInvalidArgument "<what>: field '<field>' ..." quoting the value (cut at
// 80 characters) and the parser's message (which gives the byte position)
// when it is not JSON or not of `shape`.
std::string CanonicalJson(std::string_view text, std::string_view what, std::string_view field,
                          JsonShape shape);
// A JSON array of strings, canonical; and back.
std::string JsonStringArray(const std::vector<std::string>& values);
std::vector<std::string> ParseJsonStringArray(std::string_view text);

// The provenance of a bot's rows: its mode, test flag and version. Throws
// kNotFound "bot N does not exist" (read on the trading database).
struct BotProvenance {
  RunMode mode = RunMode::kPaper;
  bool is_test = false;
  std::string version;
};
BotProvenance BotProvenanceOf(StoreImpl& impl, BotId bot);

// Throws kInvalidArgument "<what>: field '<field>' is empty" when `value` is.
void RequireNonEmpty(std::string_view value, std::string_view what, std::string_view field);

// The latest version of a versioned row (configs, risk limits).
struct VersionHead {
  std::int64_t id = 0;
  std::int64_t version = 0;
  Timestamp effective_from;
};
// Starts the next version of a versioned row in `table` (which has bot_id,
// id and effective_to): returns previous->version + 1 (1 without one) and
// closes the previous version at `effective_from`, inside the caller's
// transaction. Throws kConflict naming `what` and both versions when
// `effective_from` is not after the previous version's start.
std::int64_t StartNextVersion(sql::Connection& c, std::string_view table, BotId bot,
                              const std::optional<VersionHead>& previous, Timestamp effective_from,
                              const std::string& what);

}  // namespace tradestore::detail
