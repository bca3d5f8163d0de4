// Bots: every trading row carries the id of the bot that wrote it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tradestore/timestamp.h"

namespace tradestore {

using BotId = std::int64_t;

// How a row came to be. Default queries see all modes; test data (is_test)
// is excluded by default.
enum class RunMode { kLive, kPaper, kBacktest };
std::string_view ToString(RunMode m) noexcept;  // "live", "paper", "backtest"
RunMode ParseRunMode(std::string_view text);    // throws Error(kInvalidArgument)

struct Bot {
  BotId id = 0;              // assigned by the store
  std::string name;          // unique
  std::string version;       // bot software version (provenance)
  std::string strategy;      // default strategy name
  RunMode mode = RunMode::kPaper;
  bool is_test = false;      // test data is excluded from default queries
  Timestamp created_at;
};

}  // namespace tradestore
