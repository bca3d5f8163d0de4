// Analytics views (seed 004): per-bot daily performance and the cross-bot
// portfolio summary.
//
// On PostgreSQL they are the materialized views
// analytics.bot_daily_performance and analytics.portfolio_summary
// (src/sql/migrations/postgres/all/0003_analytics_views.sql): the readers
// below return what the views held at their last RefreshViews(), not the
// live tables. On SQLite there are no materialized views: the same rows are
// computed from the tables on every read, so they are always current and
// RefreshViews() does nothing.
//
// Both backends give the same rows for the same data:
//   - test data is excluded: bots with is_test and trades with is_test;
//   - a "day" is a UTC calendar date; a trade counts on the day of its
//     exit_time, a snapshot on the day of its time;
//   - money is exact (Decimal: NUMERIC sums on PostgreSQL, Decimal sums of
//     the TEXT decimals on SQLite);
//   - a win is a trade with net_pnl > 0, a loss one with net_pnl < 0
//     (break-even trades are neither);
//   - equity and cash are summed over a bot's accounts, taking for each
//     account its last snapshot (of the day, for the daily rows; overall,
//     for the summary).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/decimal.h"
#include "tradestore/store.h"
#include "tradestore/timestamp.h"

namespace tradestore {

// One bot's activity on one UTC day. There is a row for every day on which
// the bot closed a trade or took a portfolio snapshot.
struct BotDailyPerformance {
  BotId bot_id = 0;
  Timestamp day;                   // 00:00:00 UTC of the day
  std::int64_t trades_closed = 0;  // trades whose exit_time falls on the day
  std::int64_t wins = 0;           // of those, net_pnl > 0
  std::int64_t losses = 0;         // of those, net_pnl < 0
  Decimal gross_pnl;               // sums over those trades, quote currency
  Decimal fees;
  Decimal net_pnl;
  // Sum over the bot's accounts that took a snapshot that day of each one's
  // last snapshot equity of the day; empty when no account took one.
  std::optional<Decimal> ending_equity;

  friend bool operator==(const BotDailyPerformance&, const BotDailyPerformance&) = default;
};

// One bot's current state. The cross-bot total is PortfolioTotal(rows).
struct PortfolioSummaryRow {
  BotId bot_id = 0;  // 0 in the total row
  std::string name;  // "(all bots)" in the total row
  std::string mode;  // "live", "paper", "backtest"; "" in the total row
  // Sums over the bot's accounts of each account's latest snapshot; empty
  // when the bot has no snapshot.
  std::optional<Decimal> latest_equity;
  std::optional<Decimal> cash;
  std::int64_t open_positions = 0;  // non-flat positions now (as of refresh on PostgreSQL)
  std::int64_t closed_trades = 0;   // all of the bot's non-test trades
  std::int64_t wins = 0;            // net_pnl > 0
  std::int64_t losses = 0;          // net_pnl < 0
  Decimal net_pnl;                  // sum of those trades' net_pnl
  // wins / closed_trades (0..1); empty without trades.
  std::optional<double> win_rate;

  friend bool operator==(const PortfolioSummaryRow&, const PortfolioSummaryRow&) = default;
};

// Daily performance rows, ordered by bot id then day.
//   bot: one bot's rows; every non-test bot's when empty.
//   range: keeps the days whose start (00:00 UTC) is >= range.from and
//     < range.to (each bound optional); a day is kept or dropped whole.
// On PostgreSQL: as of the last RefreshViews(). Throws Error(kConflict) if
// the views were never refreshed (run `tradestore refresh-views`), and the
// store's Error kinds for database failures.
std::vector<BotDailyPerformance> DailyPerformance(Store& store, std::optional<BotId> bot = {},
                                                  const TimeRange& range = {});

// One row per non-test bot, ordered by bot id. On PostgreSQL: as of the last
// RefreshViews(). Errors as DailyPerformance.
std::vector<PortfolioSummaryRow> PortfolioSummary(Store& store);

// The cross-bot total of summary rows: sums of equity, cash (each empty
// only when empty in every row), open positions, trades, wins, losses and
// net P&L; win_rate recomputed from the sums. bot_id 0, name "(all bots)".
// Pure computation, no database access.
PortfolioSummaryRow PortfolioTotal(const std::vector<PortfolioSummaryRow>& rows);

// What RefreshViews did to one view.
struct ViewRefresh {
  std::string view;           // "analytics.bot_daily_performance", ...
  bool concurrently = false;  // false: the first (plain) refresh of a never-populated view
  double seconds = 0;         // wall time of the refresh
};

// Refreshes both analytics views on PostgreSQL: REFRESH MATERIALIZED VIEW
// CONCURRENTLY (readers keep the old rows until it commits), or a plain
// REFRESH when a view was never populated (CONCURRENTLY refuses those).
// Returns true and, when `refreshed` is given, appends one entry per view.
// On SQLite returns false and does nothing: its views are computed on read.
// Each view is refreshed in its own statement. Throws the store's Error
// kinds (e.g. kUnavailable if the server is down; permission errors when the
// role does not own the views: REFRESH needs ownership).
bool RefreshViews(Store& store, std::vector<ViewRefresh>* refreshed = nullptr);

}  // namespace tradestore
