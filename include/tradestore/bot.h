// Bots: every trading row carries the id of the bot that wrote it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tradestore/decimal.h"
#include "tradestore/timestamp.h"

namespace tradestore {

using BotId = std::int64_t;

// How a row came to be. Default queries see all modes; test data (is_test)
// is excluded by default.
enum class RunMode { kLive, kPaper, kBacktest };
std::string_view ToString(RunMode m) noexcept;  // "live", "paper", "backtest"
RunMode ParseRunMode(std::string_view text);    // throws Error(kInvalidArgument)

// Where a bot is in its life. Only active bots are checked for staleness.
enum class BotStatus { kActive, kPaused, kStopped, kError, kRetired };
std::string_view ToString(BotStatus s) noexcept;  // "active", "paused", "stopped",
                                                  // "error", "retired"
BotStatus ParseBotStatus(std::string_view text);  // throws Error(kInvalidArgument)

struct Bot {
  BotId id = 0;          // assigned by the store
  std::string name;      // unique
  std::string version;   // bot software version (provenance)
  std::string strategy;  // default strategy name
  RunMode mode = RunMode::kPaper;
  bool is_test = false;  // test data is excluded from default queries
  Timestamp created_at;

  // Registry.
  BotStatus status = BotStatus::kActive;
  std::optional<Decimal> equity;  // last reported equity, in equity_currency
  std::string equity_currency;
  // Risk-limit summary shown with the registry (the limits themselves and
  // the events when one is hit are kept by the risk-limit repository).
  std::optional<Decimal> max_position;    // base units, > 0
  std::optional<Decimal> max_daily_loss;  // quote currency, > 0

  // Runtime status, reported by BotRepository::Heartbeat.
  std::optional<Timestamp> last_heartbeat_at;
  std::string runtime_state;            // free text the bot reports, e.g. "running", "syncing"
  std::string runtime_message;          // e.g. the last problem it saw
  std::optional<Timestamp> updated_at;  // last registry or runtime change
};

}  // namespace tradestore
