// TradeRepository: the closed-trade journal (src/store/order_repositories.cc).
//
// Obtained from Store (store.h); units, errors and thread safety as stated
// there.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/instrument.h"
#include "tradestore/repository.h"
#include "tradestore/timestamp.h"
#include "tradestore/trade.h"

namespace tradestore {

// Filters of TradeRepository::List; each is indexed (see
// docs/data-model.md). Test data is excluded unless include_test.
struct TradeFilter {
  std::optional<BotId> bot;  // all bots when empty
  std::optional<std::string> strategy;
  TimeRange exit_time;
  bool include_test = false;
  std::optional<InstrumentId> instrument;  // the symbol
  std::optional<std::string> regime;
  std::optional<std::string> exit_reason;
  std::optional<std::string> outcome;  // "win", "loss" or "breakeven"
  std::int64_t limit = 0;              // > 0: at most this many
};

class TradeRepository {
 public:
  // Closed trades, oldest exit first. Throws kInvalidArgument for an
  // unknown outcome.
  std::vector<Trade> List(const TradeFilter& filter = {});
  Trade Get(BotId bot, TradeId id);  // throws kNotFound
  // Sets the review fields of a closed trade and reviewed_at = time;
  // returns the trade. Throws kNotFound for an unknown trade,
  // kInvalidArgument for a grade other than "", A-D or F with an optional
  // + or -, or a link that is not an http(s) URL.
  Trade UpdateReview(BotId bot, TradeId id, const TradeReview& review, Timestamp time);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
