// BotRepository: the bot registry (src/store/account_repositories.cc).
//
// Obtained from Store (store.h); units, errors and thread safety as stated
// there.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/decimal.h"
#include "tradestore/repository.h"
#include "tradestore/timestamp.h"

namespace tradestore {

class BotRepository {
 public:
  // Registers a bot (its registry fields included); throws kConflict if the
  // name is taken, kInvalidArgument for an empty name or a non-positive
  // risk-limit summary value.
  Bot Create(const Bot& bot);
  // Returns the bot named `bot.name`, creating it from `bot` if missing.
  Bot GetOrCreate(const Bot& bot);
  std::optional<Bot> FindByName(std::string_view name);
  Bot Get(BotId id);  // throws kNotFound
  std::vector<Bot> List(bool include_test = false);

  // Updates the registry fields of bot `bot.id` (version, strategy, mode,
  // equity, equity_currency, max_position, max_daily_loss; not its name,
  // is_test, status or runtime fields) with updated_at = time; returns the
  // bot after. Rows written before keep the version they recorded. Throws
  // kNotFound for an unknown bot, kInvalidArgument for a non-positive
  // risk-limit summary value.
  Bot Update(const Bot& bot, Timestamp time);
  // Records a heartbeat: last_heartbeat_at = time, runtime state and
  // message, and the equity when given (in the bot's equity_currency).
  // Returns the bot after. Throws kNotFound for an unknown bot, kConflict
  // for a retired bot (it may not report any more).
  Bot Heartbeat(BotId id, Timestamp time, std::string_view state, std::string_view message = {},
                std::optional<Decimal> equity = std::nullopt);
  // Sets the registry status (with a message kept as runtime_message).
  // Throws kNotFound for an unknown bot, kConflict when leaving kRetired.
  Bot SetStatus(BotId id, BotStatus status, Timestamp time, std::string_view message = {});
  // Active bots whose last heartbeat is older than now - max_age, or that
  // never sent one: the bots that look dead. Oldest heartbeat first (never
  // first). Excludes test bots unless include_test. Throws kInvalidArgument
  // for a negative max_age.
  std::vector<Bot> ListStale(Timestamp now, Micros max_age, bool include_test = false);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
