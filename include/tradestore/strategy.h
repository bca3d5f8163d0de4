// Strategy definitions (config.strategies; seed 001's strategy_definitions):
// a registry shared by all bots of a store, one immutable row per (name,
// version), with its description and default parameters as JSON. Bots refer
// to a strategy by name and version (Signal::strategy_version, trades'
// strategy_version); their own settings are versioned in config.h.
//
// Errors: kInvalidArgument for an empty name or version or parameters that
// are not a JSON object; kConflict for a (name, version) already defined;
// kNotFound from Get. Thread safety: as the Store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tradestore/store.h"
#include "tradestore/timestamp.h"

namespace tradestore {

struct StrategyDefinition {
  std::int64_t id = 0;  // assigned by the store
  std::string name;
  std::string version;  // free text: "1.2.0", a git hash, ...
  std::string description;
  std::string parameters = "{}";  // a JSON object, stored in canonical form
  Timestamp created_at;           // now when left at the epoch
};

class StrategyRepository {
 public:
  StrategyDefinition Define(const StrategyDefinition& definition);
  StrategyDefinition Get(std::string_view name, std::string_view version);  // throws kNotFound
  // The most recently defined version of `name` (by created_at, then id).
  std::optional<StrategyDefinition> Latest(std::string_view name);
  // Every definition, by name then created_at.
  std::vector<StrategyDefinition> List();

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
