// Daily P&L rows (analytics.daily_pnl): one per bot, account, currency and
// UTC day (seed 003's daily performance, seed 004's daily risk metrics).
//
// Units: money is Decimal in `currency`; `date` is the UTC midnight that
// starts the day (µs). net = realized + unrealized - fees, where unrealized
// is the change in unrealized P&L over the day; the store computes it.
//
// Errors: kInvalidArgument for a date that is not a UTC midnight, an empty
// currency, negative fees or trades; kNotFound for an unknown bot or
// account. Thread safety: as the Store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/decimal.h"
#include "tradestore/ledger.h"
#include "tradestore/store.h"
#include "tradestore/timestamp.h"

namespace tradestore {

struct DailyPnl {
  BotId bot_id = 0;
  AccountId account_id = 0;
  std::string currency;
  Timestamp date;      // UTC midnight
  Decimal realized;    // realized P&L of trades closed that day (before fees)
  Decimal unrealized;  // change of unrealized P&L over the day
  Decimal fees;        // fees paid that day, >= 0
  Decimal net;         // computed by the store: realized + unrealized - fees
  std::optional<Decimal> equity_start;
  std::optional<Decimal> equity_end;
  std::int64_t trades = 0;  // trades closed that day, >= 0
  std::string bot_version;  // the bot's version when empty
  std::string strategy_version;
  RunMode mode = RunMode::kPaper;  // copied from the bot
  bool is_test = false;            // copied from the bot
  Timestamp updated_at;            // assigned by the store
};

struct DailyPnlFilter {
  std::optional<BotId> bot;  // all bots when empty
  std::optional<AccountId> account;
  std::optional<std::string> currency;
  TimeRange range;  // on date
  bool include_test = false;
};

class DailyPnlRepository {
 public:
  // Inserts the row or replaces the one with the same (bot, account,
  // currency, date); returns it as stored (net, mode, is_test, updated_at).
  DailyPnl Upsert(const DailyPnl& row);
  // Rows by date, then bot, account and currency.
  std::vector<DailyPnl> List(const DailyPnlFilter& filter = {});

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
