-- Persisted analytics (issue 5 item 4; seeds 000, 001, 003): statistics
-- computed in C++ with include/tradestore/statistics.h by `tradestore
-- analyze` (src/analytics/analyze.cc) and stored here, incrementally (only
-- the days and strategies touched since the last run, found through
-- analysis_watermarks) or fully (--full). Never the source of truth: every
-- row can be recomputed from the trading tables. Money is TEXT canonical
-- decimals (exact), statistics REAL, times INTEGER µs UTC, `date` the µs of
-- 00:00 UTC. Per-bot tables: bot_id in every key, mode and is_test copied
-- from the bot.

-- One row per bot and UTC day on which it closed a trade or took a
-- portfolio snapshot. daily_* columns are that day's; total_* and the
-- statistics are cumulative from the bot's first record to the end of the
-- day (as of that day).
CREATE TABLE daily_performance (
  bot_id INTEGER NOT NULL,
  date INTEGER NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  equity TEXT,                      -- last snapshot equity of the day; NULL without one
  daily_pnl TEXT NOT NULL,          -- net P&L of the trades closed that day
  total_pnl TEXT NOT NULL,          -- net P&L of all trades closed up to the day's end
  trades INTEGER NOT NULL,          -- trades closed that day
  total_trades INTEGER NOT NULL,
  daily_return REAL,                -- the day's return (DailyReturns); NULL if none
  sharpe REAL,                      -- SharpeRatio of the daily returns so far; NULL = undefined
  sortino REAL,                     -- SortinoRatio, likewise
  max_drawdown REAL,                -- MaxDrawdown fraction so far (>= 0)
  win_rate REAL,                    -- WinRate of the trades so far (0..1)
  profit_factor REAL,               -- ProfitFactor of the trades so far
  computed_at INTEGER NOT NULL,
  PRIMARY KEY (bot_id, date)
);

-- One row per bot and strategy name of its trades (seed 001's
-- strategy_performance), over all of the bot's non-test trades of it.
CREATE TABLE strategy_performance (
  bot_id INTEGER NOT NULL,
  strategy TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  trades INTEGER NOT NULL,
  wins INTEGER NOT NULL,
  losses INTEGER NOT NULL,
  net_pnl TEXT NOT NULL,            -- exact sum of net_pnl
  gross_profit REAL NOT NULL,
  gross_loss REAL NOT NULL,
  win_rate REAL,
  profit_factor REAL,
  average_win REAL,
  average_loss REAL,
  expectancy REAL,
  first_exit_time INTEGER NOT NULL,
  last_exit_time INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (bot_id, strategy)
);

-- Pre-computed dashboard metrics (seed 000's analytics_metrics): one row per
-- bot and metric name (the PerformanceReport field names: total_return,
-- sharpe_ratio, max_drawdown_fraction, ...). value NULL = undefined.
CREATE TABLE dashboard_metrics (
  bot_id INTEGER NOT NULL,
  metric TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  value REAL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (bot_id, metric)
);

-- What the last analyze of a bot saw: the highest trade id, the latest
-- snapshot time and the number of snapshots up to it (a snapshot recorded
-- into the past changes that count and forces a full recompute), and the
-- annualization used.
CREATE TABLE analysis_watermarks (
  bot_id INTEGER NOT NULL PRIMARY KEY,
  mode TEXT NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  last_trade_id INTEGER NOT NULL,
  last_snapshot_time INTEGER,
  snapshot_count INTEGER NOT NULL,
  periods_per_year REAL NOT NULL,
  updated_at INTEGER NOT NULL
);
