// PortfolioRepository: portfolio snapshots and the equity curve
// (src/store/portfolio_repository.cc).
//
// Obtained from Store (store.h); units, errors and thread safety as stated
// there.
#pragma once

#include <vector>

#include "tradestore/bot.h"
#include "tradestore/ledger.h"
#include "tradestore/portfolio.h"
#include "tradestore/repository.h"
#include "tradestore/timestamp.h"

namespace tradestore {

// Portfolio snapshots (portfolio.h; src/store/portfolio_repository.cc).
class PortfolioRepository {
 public:
  // Records (or replaces, for the same bot, account and time) a snapshot;
  // mode and is_test are the bot's, bot_version the bot's when empty.
  // Throws kInvalidArgument for negative open positions or gross exposure,
  // |net exposure| > gross exposure, a negative VaR or a VaR confidence
  // outside (0, 1); kNotFound for an unknown bot or account.
  void Record(const PortfolioSnapshot& snapshot);
  // Snapshots of one account, oldest first: the equity curve.
  std::vector<PortfolioSnapshot> Curve(BotId bot, AccountId account, const TimeRange& range = {});
  // For each bot and account, its latest snapshot at or before `at`, by bot
  // and account; test bots' only with include_test.
  std::vector<PortfolioSnapshot> Latest(Timestamp at, bool include_test = false);
  // The sum of Latest(at, include_test) across bots (exact decimals; VaR is
  // not additive and is left out).
  PortfolioTotal Total(Timestamp at, bool include_test = false);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
