// Versioned bot and strategy configurations (config.configs; seed 004's
// config.bot_configurations): each save of a (bot, kind, name) is a new
// version holding a JSON document, in force from effective_from until the
// next version's effective_from (effective_to). VersionAt answers "which
// configuration was in force at time T".
//
// Errors: kInvalidArgument for an empty name or a document that is not
// valid JSON (the message names the field and the parser's position);
// kNotFound for an unknown bot; kConflict when a new version would not
// start after the version in force. Thread safety: as the Store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/store.h"
#include "tradestore/timestamp.h"

namespace tradestore {

enum class ConfigKind { kBot, kStrategy };
std::string_view ToString(ConfigKind k) noexcept;   // "bot", "strategy"
ConfigKind ParseConfigKind(std::string_view text);  // throws Error(kInvalidArgument)

struct ConfigVersion {
  std::int64_t id = 0;  // assigned by the store
  BotId bot_id = 0;
  ConfigKind kind = ConfigKind::kBot;
  std::string name;                       // e.g. the bot's or the strategy's name
  int version = 0;                        // assigned by the store: 1, 2, ... per (bot, kind, name)
  std::string document;                   // JSON; stored in canonical form (nlohmann::json::dump())
  Timestamp effective_from;               // Save: now when left at the epoch
  std::optional<Timestamp> effective_to;  // set when a later version starts
  std::string note;
  RunMode mode = RunMode::kPaper;  // copied from the bot
  bool is_test = false;            // copied from the bot
  Timestamp created_at;            // assigned by the store
};

class ConfigRepository {
 public:
  // Saves a new version and closes the previous one (its effective_to
  // becomes this version's effective_from), in one unit of work. Returns it
  // as stored (id, version, canonical document, ...).
  ConfigVersion Save(const ConfigVersion& config);
  // The version in force at `at` (effective_from <= at < effective_to, or
  // no effective_to); nullopt when none (before the first version).
  std::optional<ConfigVersion> VersionAt(BotId bot, ConfigKind kind, std::string_view name,
                                         Timestamp at);
  // The latest version (effective_to unset); nullopt when never saved.
  std::optional<ConfigVersion> Current(BotId bot, ConfigKind kind, std::string_view name);
  // Every version, oldest first.
  std::vector<ConfigVersion> History(BotId bot, ConfigKind kind, std::string_view name);
  // The current version of every configuration of a bot (all bots when
  // nullopt), by bot, kind and name; test bots' only with include_test.
  std::vector<ConfigVersion> ListCurrent(std::optional<BotId> bot = std::nullopt,
                                         bool include_test = false);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
