-- Analytics views (seed 004): per-bot daily performance and the cross-bot
-- portfolio summary, as materialized views in the analytics schema.
-- They are as fresh as their last REFRESH (`tradestore refresh-views`,
-- RefreshViews() in include/tradestore/analytics_views.h). Created WITH NO
-- DATA so this migration stays instant on a large database: the first
-- refresh populates them. Each has a unique index, so later refreshes run
-- CONCURRENTLY (readers are never blocked). Test data is excluded: bots
-- with is_test = 1 and trades with is_test = 1. Days are UTC dates. Money
-- columns are NUMERIC sums (exact). SQLite computes the same rows on read
-- (src/store/analytics_views.cc).

-- One row per non-test bot and UTC day on which it closed a trade (by
-- exit_time) or took a portfolio snapshot. wins: net_pnl > 0; losses:
-- net_pnl < 0 (break-even trades are neither). ending_equity: for each of
-- the bot's accounts the equity of its last snapshot that day, summed over
-- the accounts that took a snapshot that day; NULL when none did.
CREATE MATERIALIZED VIEW analytics.bot_daily_performance AS
WITH closed AS (
  SELECT t.bot_id,
         (t.exit_time AT TIME ZONE 'UTC')::date AS day,
         count(*) AS trades_closed,
         count(*) FILTER (WHERE t.net_pnl > 0) AS wins,
         count(*) FILTER (WHERE t.net_pnl < 0) AS losses,
         sum(t.gross_pnl) AS gross_pnl,
         sum(t.fees) AS fees,
         sum(t.net_pnl) AS net_pnl
  FROM trading.trades t
  JOIN trading.bots b ON b.id = t.bot_id
  WHERE t.is_test = 0 AND b.is_test = 0
  GROUP BY t.bot_id, (t.exit_time AT TIME ZONE 'UTC')::date
),
last_snapshot AS (
  SELECT DISTINCT ON (s.bot_id, s.account_id, (s.time AT TIME ZONE 'UTC')::date)
         s.bot_id, (s.time AT TIME ZONE 'UTC')::date AS day, s.equity
  FROM trading.portfolio_snapshots s
  JOIN trading.bots b ON b.id = s.bot_id
  WHERE b.is_test = 0
  ORDER BY s.bot_id, s.account_id, (s.time AT TIME ZONE 'UTC')::date, s.time DESC
),
equity AS (
  SELECT bot_id, day, sum(equity) AS ending_equity
  FROM last_snapshot
  GROUP BY bot_id, day
)
SELECT COALESCE(c.bot_id, e.bot_id) AS bot_id,
       COALESCE(c.day, e.day) AS day,
       COALESCE(c.trades_closed, 0) AS trades_closed,
       COALESCE(c.wins, 0) AS wins,
       COALESCE(c.losses, 0) AS losses,
       COALESCE(c.gross_pnl, 0) AS gross_pnl,
       COALESCE(c.fees, 0) AS fees,
       COALESCE(c.net_pnl, 0) AS net_pnl,
       e.ending_equity
FROM closed c
FULL JOIN equity e ON e.bot_id = c.bot_id AND e.day = c.day
WITH NO DATA;
CREATE UNIQUE INDEX bot_daily_performance_key
  ON analytics.bot_daily_performance (bot_id, day);

-- One row per non-test bot. latest_equity and cash: summed over the bot's
-- accounts, each account's latest snapshot (NULL when the bot has none).
-- open_positions: non-flat rows of trading.positions. closed_trades,
-- wins, losses, net_pnl: over all of the bot's non-test trades. win_rate:
-- wins / closed_trades, NULL without trades. The cross-bot total is not a
-- row here: PortfolioTotal() adds up these rows.
CREATE MATERIALIZED VIEW analytics.portfolio_summary AS
WITH latest AS (
  SELECT DISTINCT ON (s.bot_id, s.account_id) s.bot_id, s.equity, s.cash
  FROM trading.portfolio_snapshots s
  ORDER BY s.bot_id, s.account_id, s.time DESC
),
snapshot AS (
  SELECT bot_id, sum(equity) AS equity, sum(cash) AS cash
  FROM latest
  GROUP BY bot_id
),
open_position AS (
  SELECT bot_id, count(*) AS open_positions
  FROM trading.positions
  WHERE quantity <> 0
  GROUP BY bot_id
),
closed AS (
  SELECT bot_id,
         count(*) AS closed_trades,
         count(*) FILTER (WHERE net_pnl > 0) AS wins,
         count(*) FILTER (WHERE net_pnl < 0) AS losses,
         sum(net_pnl) AS net_pnl
  FROM trading.trades
  WHERE is_test = 0
  GROUP BY bot_id
)
SELECT b.id AS bot_id,
       b.name,
       b.mode,
       s.equity AS latest_equity,
       s.cash,
       COALESCE(p.open_positions, 0) AS open_positions,
       COALESCE(c.closed_trades, 0) AS closed_trades,
       COALESCE(c.wins, 0) AS wins,
       COALESCE(c.losses, 0) AS losses,
       COALESCE(c.net_pnl, 0) AS net_pnl,
       CASE WHEN c.closed_trades > 0
            THEN c.wins::double precision / c.closed_trades END AS win_rate
FROM trading.bots b
LEFT JOIN snapshot s ON s.bot_id = b.id
LEFT JOIN open_position p ON p.bot_id = b.id
LEFT JOIN closed c ON c.bot_id = b.id
WHERE b.is_test = 0
WITH NO DATA;
CREATE UNIQUE INDEX portfolio_summary_key ON analytics.portfolio_summary (bot_id);
