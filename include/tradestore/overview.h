// A live summary of every bot for dashboards and metrics (the HTTP API's
// GET /api/v1/overview and /metrics): equity, realized P&L, today's P&L,
// open positions, drawdown from the peak, orders by status, fills and the
// last heartbeat. Cheap to compute on a large store: balances and counts
// come from indexed lookups (fills and trades from per-bot counters that
// triggers keep in the same transaction as each row), not from scanning.
//
// Units: money is Decimal in the bot's equity currency (the quote currency
// of its trades); times are Timestamp (µs UTC); drawdown is a fraction.
// Thread safety: as Store.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/decimal.h"
#include "tradestore/store.h"
#include "tradestore/timestamp.h"

namespace tradestore {

struct BotOverview {
  Bot bot;
  std::string currency;  // bot.equity_currency, else the currency its ledger holds most of
  // Last reported equity (heartbeat), else the latest portfolio snapshot's,
  // else the sum of the bot's own accounts' balances in `currency`.
  std::optional<Decimal> equity;
  std::optional<Timestamp> equity_time;  // when that equity was recorded (nullopt: balances now)
  // Cumulative gross realized P&L in `currency`: the sum of the bot's
  // realized_pnl postings (the negated balance of its system:pnl account,
  // ledger.h), so it is exact and needs no scan of the journal.
  Decimal realized_pnl;
  // Fees charged in `currency` (the balance of system:fees; rebates
  // negative), including entry fees of positions still open.
  Decimal fees;
  Decimal net_realized_pnl() const { return realized_pnl - fees; }
  Decimal today_net_pnl;  // net P&L of trades closed since 00:00 UTC of `now`
  std::int64_t today_trades = 0;
  std::int64_t trades = 0;          // closed trades in the journal
  std::int64_t open_positions = 0;  // non-flat positions
  std::int64_t fills = 0;
  std::map<std::string, std::int64_t> orders_by_status;  // status name -> orders
  // Drawdown now from the peak of the bot's equity curve (portfolio
  // snapshots): (peak - last) / peak, in [0, 1]; nullopt without snapshots
  // or with a non-positive peak. Formula: the standard peak-to-trough
  // drawdown (as drawdown.h, Magdon-Ismail & Atiya 2004).
  std::optional<double> drawdown;
  std::optional<Decimal> peak_equity;
  // Healthy unless the bot is active and its last heartbeat is older than
  // `stale_after` (or missing while it has traded): "ok", "stale", "inactive".
  std::string health;
};

struct OverviewOptions {
  Timestamp now = Timestamp::Now();
  Micros stale_after = 5 * 60 * kMicrosPerSecond;  // heartbeat age that makes a bot stale
  bool include_test = false;
  std::optional<BotId> bot;  // one bot only
};

// One BotOverview per bot (ordered by id). Throws kNotFound for an unknown
// `options.bot`, the store's errors otherwise.
std::vector<BotOverview> LoadOverview(Store& store, const OverviewOptions& options = {});

}  // namespace tradestore
