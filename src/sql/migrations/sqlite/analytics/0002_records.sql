-- Records of issue 3 items 8 and 10 in the analytics database: daily P&L,
-- pattern cache, ML model results, execution latency, news feeds and seen
-- news. Decimals are canonical TEXT, times INTEGER µs UTC, JSON documents
-- TEXT in the store's canonical form. Bots, accounts and instruments live in
-- other files: their ids are checked by the repositories, not by foreign
-- keys.

-- Daily P&L per bot, account and currency (seed 003's daily performance).
-- date: µs of the UTC midnight that starts the day.
-- net = realized + unrealized - fees (unrealized: the change over the day).
CREATE TABLE daily_pnl (
  bot_id INTEGER NOT NULL,
  account_id INTEGER NOT NULL,
  currency TEXT NOT NULL CHECK (currency <> ''),
  date INTEGER NOT NULL,
  realized TEXT NOT NULL,
  unrealized TEXT NOT NULL,
  fees TEXT NOT NULL,
  net TEXT NOT NULL,
  equity_start TEXT,
  equity_end TEXT,
  trades INTEGER NOT NULL CHECK (trades >= 0),
  bot_version TEXT NOT NULL DEFAULT '',
  strategy_version TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (bot_id, account_id, currency, date)
);
CREATE INDEX daily_pnl_bot_date ON daily_pnl (bot_id, date);
CREATE INDEX daily_pnl_date ON daily_pnl (date);

-- Detected chart patterns with confidence, valid until expires_at (seed 000).
CREATE TABLE pattern_cache (
  id INTEGER PRIMARY KEY,
  instrument_id INTEGER NOT NULL,
  timeframe TEXT NOT NULL,
  pattern TEXT NOT NULL CHECK (pattern <> ''),
  confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  detected_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  details TEXT NOT NULL DEFAULT '{}',
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  CHECK (expires_at > detected_at),
  UNIQUE (instrument_id, timeframe, pattern, detected_at)
);
CREATE INDEX pattern_cache_active ON pattern_cache (instrument_id, timeframe, expires_at);
CREATE INDEX pattern_cache_expiry ON pattern_cache (expires_at);

-- ML model predictions, their actual outcome once known, and validation
-- metrics (seed 000's ml_model_results).
CREATE TABLE ml_results (
  id INTEGER PRIMARY KEY,
  model TEXT NOT NULL CHECK (model <> ''),
  model_version TEXT NOT NULL CHECK (model_version <> ''),
  instrument_id INTEGER,
  time INTEGER NOT NULL,
  features_hash TEXT NOT NULL CHECK (features_hash <> ''),
  prediction REAL NOT NULL,
  actual REAL,
  actual_at INTEGER,
  metrics TEXT NOT NULL DEFAULT '{}',
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  UNIQUE (model, model_version, features_hash, time)
);
CREATE INDEX ml_results_model_time ON ml_results (model, model_version, time);

-- Per order: signal -> order -> ack -> fill times (seed 000's
-- trade_execution_log).
CREATE TABLE execution_latency (
  bot_id INTEGER NOT NULL,
  order_id INTEGER NOT NULL,
  signal_id INTEGER,
  instrument_id INTEGER,
  venue TEXT NOT NULL DEFAULT '',
  signal_time INTEGER,
  order_time INTEGER NOT NULL,
  ack_time INTEGER,
  fill_time INTEGER,
  bot_version TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  PRIMARY KEY (bot_id, order_id),
  CHECK (signal_time IS NULL OR signal_time <= order_time),
  CHECK (ack_time IS NULL OR ack_time >= order_time),
  CHECK (fill_time IS NULL OR fill_time >= order_time)
);
CREATE INDEX execution_latency_bot_time ON execution_latency (bot_id, order_time);
CREATE INDEX execution_latency_time ON execution_latency (order_time);

-- News feeds a bot polls (seed 001's rss_feeds).
CREATE TABLE news_feeds (
  id INTEGER PRIMARY KEY,
  bot_id INTEGER NOT NULL,
  name TEXT NOT NULL CHECK (name <> ''),
  url TEXT NOT NULL CHECK (url <> ''),
  category TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  mode TEXT NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (bot_id, name),
  UNIQUE (bot_id, id)
);

-- News items a bot has already seen (seed 001's seen_news): one row per
-- (bot, feed, item key), the key being the item's guid or a hash of it.
CREATE TABLE seen_news (
  bot_id INTEGER NOT NULL,
  feed_id INTEGER NOT NULL,
  item_key TEXT NOT NULL CHECK (item_key <> ''),
  title TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  published_at INTEGER,
  time INTEGER NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  PRIMARY KEY (bot_id, feed_id, item_key),
  FOREIGN KEY (bot_id, feed_id) REFERENCES news_feeds (bot_id, id)
);
CREATE INDEX seen_news_bot_time ON seen_news (bot_id, time);
