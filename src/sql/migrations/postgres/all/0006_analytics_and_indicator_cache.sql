-- Persisted analytics (issue 5 items 2 and 4): the indicator cache of
-- sqlite/market/0003_indicator_cache.sql and the tables of
-- sqlite/analytics/0003_persisted_analytics.sql (see the comments there) in
-- this dialect: exact decimals NUMERIC, times timestamptz, REAL double
-- precision.
CREATE TABLE analytics.daily_performance (
  bot_id bigint NOT NULL,
  date timestamptz NOT NULL,
  mode text NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test integer NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  equity numeric,
  daily_pnl numeric NOT NULL,
  total_pnl numeric NOT NULL,
  trades bigint NOT NULL,
  total_trades bigint NOT NULL,
  daily_return double precision,
  sharpe double precision,
  sortino double precision,
  max_drawdown double precision,
  win_rate double precision,
  profit_factor double precision,
  computed_at timestamptz NOT NULL,
  PRIMARY KEY (bot_id, date)
);

CREATE TABLE analytics.strategy_performance (
  bot_id bigint NOT NULL,
  strategy text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test integer NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  trades bigint NOT NULL,
  wins bigint NOT NULL,
  losses bigint NOT NULL,
  net_pnl numeric NOT NULL,
  gross_profit double precision NOT NULL,
  gross_loss double precision NOT NULL,
  win_rate double precision,
  profit_factor double precision,
  average_win double precision,
  average_loss double precision,
  expectancy double precision,
  first_exit_time timestamptz NOT NULL,
  last_exit_time timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (bot_id, strategy)
);

CREATE TABLE analytics.dashboard_metrics (
  bot_id bigint NOT NULL,
  metric text NOT NULL,
  mode text NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test integer NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  value double precision,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (bot_id, metric)
);

CREATE TABLE analytics.analysis_watermarks (
  bot_id bigint NOT NULL PRIMARY KEY,
  mode text NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test integer NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  last_trade_id bigint NOT NULL,
  last_snapshot_time timestamptz,
  snapshot_count bigint NOT NULL,
  periods_per_year double precision NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE market.indicator_cache (
  instrument_id bigint NOT NULL REFERENCES market.instruments (id),
  timeframe text NOT NULL,
  open_time timestamptz NOT NULL,
  indicator text NOT NULL,
  value double precision NOT NULL,
  value2 double precision,
  value3 double precision,
  value4 double precision,
  label text,
  PRIMARY KEY (instrument_id, timeframe, indicator, open_time)
);
