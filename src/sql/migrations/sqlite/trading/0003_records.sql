-- Records of issue 3 items 7-9 in the trading database (schemas trading,
-- config and audit): signal breakdowns and outcomes, portfolio exposure and
-- VaR, risk limits and risk events, versioned configurations, strategy
-- definitions, system events and the structured error log.
-- Decimals are canonical TEXT, times INTEGER µs UTC, JSON documents TEXT in
-- the canonical form written by the store (validated before every write).

-- Signals (seed 001, 004): final confidence, aggregation, filters, provenance
-- and the outcome derived from the closed trades linked by signal_id.
ALTER TABLE signals ADD COLUMN confidence REAL
  CHECK (confidence IS NULL OR (confidence >= 0 AND confidence <= 1));
ALTER TABLE signals ADD COLUMN aggregation_method TEXT NOT NULL DEFAULT '';
ALTER TABLE signals ADD COLUMN filters_passed TEXT NOT NULL DEFAULT '[]';
ALTER TABLE signals ADD COLUMN filters_failed TEXT NOT NULL DEFAULT '[]';
ALTER TABLE signals ADD COLUMN strategy_version TEXT NOT NULL DEFAULT '';
ALTER TABLE signals ADD COLUMN bot_version TEXT NOT NULL DEFAULT '';
ALTER TABLE signals ADD COLUMN outcome TEXT
  CHECK (outcome IS NULL OR outcome IN ('win', 'loss', 'breakeven'));
ALTER TABLE signals ADD COLUMN outcome_pnl TEXT;
ALTER TABLE signals ADD COLUMN outcome_trades INTEGER;
ALTER TABLE signals ADD COLUMN outcome_at INTEGER;
CREATE INDEX signals_bot_strategy_time ON signals (bot_id, strategy, time);
CREATE INDEX signals_bot_instrument_time ON signals (bot_id, instrument_id, time);
CREATE INDEX signals_bot_outcome_time ON signals (bot_id, outcome, time);
-- Signal -> order and signal -> trade attribution (seed 001's join).
CREATE INDEX IF NOT EXISTS orders_bot_signal ON orders (bot_id, signal_id);
CREATE INDEX IF NOT EXISTS trades_bot_signal ON trades (bot_id, signal_id);

-- One row per component strategy of a signal: its own signal and confidence.
CREATE TABLE signal_components (
  bot_id INTEGER NOT NULL,
  signal_id INTEGER NOT NULL,
  name TEXT NOT NULL CHECK (name <> ''),
  signal TEXT NOT NULL CHECK (signal IN ('buy', 'sell', 'hold')),
  confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  weight REAL NOT NULL DEFAULT 1 CHECK (weight >= 0),
  mode TEXT NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  PRIMARY KEY (bot_id, signal_id, name),
  FOREIGN KEY (bot_id, signal_id) REFERENCES signals (bot_id, id)
);
CREATE INDEX signal_components_name ON signal_components (bot_id, name);

-- Portfolio snapshots (seed 004): exposure and value at risk.
ALTER TABLE portfolio_snapshots ADD COLUMN exposure_gross TEXT NOT NULL DEFAULT '0';
ALTER TABLE portfolio_snapshots ADD COLUMN exposure_net TEXT NOT NULL DEFAULT '0';
ALTER TABLE portfolio_snapshots ADD COLUMN var TEXT;
ALTER TABLE portfolio_snapshots ADD COLUMN var_confidence REAL
  CHECK (var_confidence IS NULL OR (var_confidence > 0 AND var_confidence < 1));
ALTER TABLE portfolio_snapshots ADD COLUMN mode TEXT NOT NULL DEFAULT 'paper'
  CHECK (mode IN ('live', 'paper', 'backtest'));
ALTER TABLE portfolio_snapshots ADD COLUMN is_test INTEGER NOT NULL DEFAULT 0
  CHECK (is_test IN (0, 1));
ALTER TABLE portfolio_snapshots ADD COLUMN bot_version TEXT NOT NULL DEFAULT '';
-- Rows written before this migration take their bot's mode and test flag.
UPDATE portfolio_snapshots SET
  mode = (SELECT b.mode FROM bots b WHERE b.id = portfolio_snapshots.bot_id),
  is_test = (SELECT b.is_test FROM bots b WHERE b.id = portfolio_snapshots.bot_id),
  bot_version = (SELECT b.version FROM bots b WHERE b.id = portfolio_snapshots.bot_id);
CREATE INDEX portfolio_snapshots_time ON portfolio_snapshots (time);

-- Risk limits per bot, versioned: each row is in force from effective_from
-- until effective_to (NULL: still in force). Unset limits are NULL.
CREATE TABLE risk_limits (
  id INTEGER PRIMARY KEY,
  bot_id INTEGER NOT NULL REFERENCES bots (id),
  version INTEGER NOT NULL CHECK (version > 0),
  max_position TEXT,
  max_daily_loss TEXT,
  max_drawdown REAL CHECK (max_drawdown IS NULL OR (max_drawdown >= 0 AND max_drawdown <= 1)),
  max_open_orders INTEGER CHECK (max_open_orders IS NULL OR max_open_orders >= 0),
  effective_from INTEGER NOT NULL,
  effective_to INTEGER CHECK (effective_to IS NULL OR effective_to > effective_from),
  note TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  created_at INTEGER NOT NULL,
  UNIQUE (bot_id, version),
  UNIQUE (bot_id, id)
);
CREATE INDEX risk_limits_bot_from ON risk_limits (bot_id, effective_from);

-- A limit hit: the value seen, the threshold in force, what was done, and
-- how and when it was resolved.
CREATE TABLE risk_events (
  id INTEGER PRIMARY KEY,
  bot_id INTEGER NOT NULL REFERENCES bots (id),
  time INTEGER NOT NULL,
  limit_kind TEXT NOT NULL CHECK (limit_kind IN ('max_position', 'max_daily_loss',
                                                  'max_drawdown', 'max_open_orders')),
  limits_version INTEGER,
  value TEXT NOT NULL,
  threshold TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action <> ''),
  message TEXT NOT NULL DEFAULT '',
  resolution TEXT NOT NULL DEFAULT '',
  resolved_at INTEGER,
  mode TEXT NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  UNIQUE (bot_id, id)
);
CREATE INDEX risk_events_bot_time ON risk_events (bot_id, time);
CREATE INDEX risk_events_open ON risk_events (bot_id, limit_kind, resolved_at);

-- Versioned bot and strategy configurations (seed 004's
-- config.bot_configurations): one row per version, in force from
-- effective_from until effective_to (NULL: current).
CREATE TABLE configs (
  id INTEGER PRIMARY KEY,
  bot_id INTEGER NOT NULL REFERENCES bots (id),
  kind TEXT NOT NULL CHECK (kind IN ('bot', 'strategy')),
  name TEXT NOT NULL CHECK (name <> ''),
  version INTEGER NOT NULL CHECK (version > 0),
  document TEXT NOT NULL,
  effective_from INTEGER NOT NULL,
  effective_to INTEGER CHECK (effective_to IS NULL OR effective_to > effective_from),
  note TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  created_at INTEGER NOT NULL,
  UNIQUE (bot_id, kind, name, version),
  UNIQUE (bot_id, id)
);
CREATE INDEX configs_effective ON configs (bot_id, kind, name, effective_from);

-- Strategy definitions (seed 001's strategy_definitions): a registry shared
-- by all bots, one row per (name, version).
CREATE TABLE strategies (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL CHECK (name <> ''),
  version TEXT NOT NULL CHECK (version <> ''),
  description TEXT NOT NULL DEFAULT '',
  parameters TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (name, version)
);

-- System events (seed 004's audit.system_events); bot_id NULL for events
-- of the whole system.
CREATE TABLE system_events (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  bot_id INTEGER REFERENCES bots (id),
  component TEXT NOT NULL CHECK (component <> ''),
  event_type TEXT NOT NULL CHECK (event_type <> ''),
  severity TEXT NOT NULL CHECK (severity IN ('debug', 'info', 'warning', 'error', 'critical')),
  message TEXT NOT NULL DEFAULT '',
  details TEXT NOT NULL DEFAULT '{}',
  mode TEXT NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1))
);
CREATE INDEX system_events_time ON system_events (time);
CREATE INDEX system_events_bot_time ON system_events (bot_id, time);

-- Structured error log (seed 001's error_logs).
CREATE TABLE error_log (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  bot_id INTEGER REFERENCES bots (id),
  component TEXT NOT NULL CHECK (component <> ''),
  severity TEXT NOT NULL CHECK (severity IN ('debug', 'info', 'warning', 'error', 'critical')),
  code TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL CHECK (message <> ''),
  context TEXT NOT NULL DEFAULT '{}',
  mode TEXT NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1))
);
CREATE INDEX error_log_time ON error_log (time);
CREATE INDEX error_log_bot_time ON error_log (bot_id, time);
CREATE INDEX error_log_component_time ON error_log (component, time);
