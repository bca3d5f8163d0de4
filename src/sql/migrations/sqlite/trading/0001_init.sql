-- trading database: everything a bot writes that must commit together.
-- Exact decimals are canonical text (see include/tradestore/decimal.h);
-- times are INTEGER µs since the epoch, UTC. Every per-bot table carries
-- bot_id and every unique key of it includes bot_id.
CREATE TABLE bots (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE CHECK (name <> ''),
  version TEXT NOT NULL DEFAULT '',
  strategy TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL CHECK (mode IN ('live', 'paper', 'backtest')),
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  created_at INTEGER NOT NULL
);

CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  bot_id INTEGER NOT NULL REFERENCES bots (id),
  name TEXT NOT NULL CHECK (name <> ''),
  created_at INTEGER NOT NULL,
  UNIQUE (bot_id, name),
  UNIQUE (bot_id, id)
);

-- Balance per account and currency; always equal to the sum of the
-- account's ledger entries in that currency (maintained in the same
-- transaction as each entry).
CREATE TABLE balances (
  bot_id INTEGER NOT NULL,
  account_id INTEGER NOT NULL,
  currency TEXT NOT NULL CHECK (currency <> ''),
  amount TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (bot_id, account_id, currency),
  FOREIGN KEY (bot_id, account_id) REFERENCES accounts (bot_id, id)
);

CREATE TABLE signals (
  id INTEGER PRIMARY KEY,
  bot_id INTEGER NOT NULL REFERENCES bots (id),
  instrument_id INTEGER NOT NULL,
  strategy TEXT NOT NULL,
  time INTEGER NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  strength REAL NOT NULL,
  price REAL,
  acted_on INTEGER NOT NULL DEFAULT 0 CHECK (acted_on IN (0, 1)),
  note TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL,
  is_test INTEGER NOT NULL DEFAULT 0,
  UNIQUE (bot_id, id)
);
CREATE INDEX signals_bot_time ON signals (bot_id, time);

CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  bot_id INTEGER NOT NULL REFERENCES bots (id),
  account_id INTEGER NOT NULL,
  instrument_id INTEGER NOT NULL,
  client_order_id TEXT NOT NULL,
  venue_order_id TEXT NOT NULL DEFAULT '',
  signal_id INTEGER,
  strategy TEXT NOT NULL DEFAULT '',
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  type TEXT NOT NULL CHECK (type IN ('market', 'limit', 'stop', 'stop_limit')),
  time_in_force TEXT NOT NULL CHECK (time_in_force IN ('gtc', 'ioc', 'fok', 'day')),
  quantity TEXT NOT NULL,
  limit_price TEXT,
  stop_price TEXT,
  status TEXT NOT NULL CHECK (status IN ('new', 'accepted', 'partially_filled', 'filled',
                                          'cancelled', 'rejected', 'expired')),
  filled_quantity TEXT NOT NULL DEFAULT '0',
  average_fill_price TEXT,
  reason TEXT NOT NULL DEFAULT '',
  exit_reason TEXT NOT NULL DEFAULT '',
  triggered_at INTEGER,                  -- stop price reached (stop, stop_limit)
  mode TEXT NOT NULL,
  is_test INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (bot_id, client_order_id),
  UNIQUE (bot_id, id),
  FOREIGN KEY (bot_id, account_id) REFERENCES accounts (bot_id, id),
  FOREIGN KEY (bot_id, signal_id) REFERENCES signals (bot_id, id)
);
CREATE INDEX orders_bot_status ON orders (bot_id, status);

CREATE TABLE order_events (
  id INTEGER PRIMARY KEY,
  bot_id INTEGER NOT NULL,
  order_id INTEGER NOT NULL,
  time INTEGER NOT NULL,
  from_status TEXT,
  to_status TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  UNIQUE (bot_id, id),
  FOREIGN KEY (bot_id, order_id) REFERENCES orders (bot_id, id)
);
CREATE INDEX order_events_order ON order_events (bot_id, order_id);

CREATE TABLE fills (
  id INTEGER PRIMARY KEY,
  bot_id INTEGER NOT NULL,
  order_id INTEGER NOT NULL,
  account_id INTEGER NOT NULL,
  instrument_id INTEGER NOT NULL,
  venue TEXT NOT NULL,
  venue_fill_id TEXT NOT NULL CHECK (venue_fill_id <> ''),
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  quantity TEXT NOT NULL,
  price TEXT NOT NULL,
  fee TEXT NOT NULL,
  fee_currency TEXT NOT NULL,
  liquidity TEXT NOT NULL CHECK (liquidity IN ('maker', 'taker')),
  time INTEGER NOT NULL,
  UNIQUE (bot_id, venue, venue_fill_id),
  UNIQUE (bot_id, id),
  FOREIGN KEY (bot_id, order_id) REFERENCES orders (bot_id, id)
);
CREATE INDEX fills_order ON fills (bot_id, order_id);

-- Net position per bot, account and instrument, plus the running state of
-- the trade it belongs to (closed into `trades` when it returns to flat).
CREATE TABLE positions (
  bot_id INTEGER NOT NULL,
  account_id INTEGER NOT NULL,
  instrument_id INTEGER NOT NULL,
  quantity TEXT NOT NULL,
  average_entry_price TEXT NOT NULL,
  realized_pnl TEXT NOT NULL,
  fees TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  trade_max_quantity TEXT NOT NULL DEFAULT '0',
  trade_exit_quantity TEXT NOT NULL DEFAULT '0',
  trade_exit_notional TEXT NOT NULL DEFAULT '0',
  trade_gross_pnl TEXT NOT NULL DEFAULT '0',
  trade_fees TEXT NOT NULL DEFAULT '0',
  trade_high TEXT,                       -- highest price seen while open
  trade_low TEXT,                        -- lowest price seen while open
  trade_signal_id INTEGER,
  trade_strategy TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (bot_id, account_id, instrument_id),
  FOREIGN KEY (bot_id, account_id) REFERENCES accounts (bot_id, id)
);

CREATE TABLE trades (
  id INTEGER PRIMARY KEY,
  bot_id INTEGER NOT NULL,
  account_id INTEGER NOT NULL,
  instrument_id INTEGER NOT NULL,
  strategy TEXT NOT NULL DEFAULT '',
  side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
  entry_time INTEGER NOT NULL,
  exit_time INTEGER NOT NULL,
  entry_price TEXT NOT NULL,
  exit_price TEXT NOT NULL,
  quantity TEXT NOT NULL,
  gross_pnl TEXT NOT NULL,
  fees TEXT NOT NULL,
  net_pnl TEXT NOT NULL,
  mae TEXT NOT NULL,
  mfe TEXT NOT NULL,
  exit_reason TEXT NOT NULL DEFAULT '',
  signal_id INTEGER,
  mode TEXT NOT NULL,
  is_test INTEGER NOT NULL DEFAULT 0,
  UNIQUE (bot_id, id),
  FOREIGN KEY (bot_id, account_id) REFERENCES accounts (bot_id, id)
);
CREATE INDEX trades_bot_exit ON trades (bot_id, exit_time);

CREATE TABLE ledger_entries (
  id INTEGER PRIMARY KEY,
  bot_id INTEGER NOT NULL,
  account_id INTEGER NOT NULL,
  time INTEGER NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('deposit', 'withdrawal', 'fee', 'realized_pnl',
                                      'transfer', 'adjustment')),
  currency TEXT NOT NULL,
  amount TEXT NOT NULL,
  balance_after TEXT NOT NULL,
  order_id INTEGER,
  fill_id INTEGER,
  trade_id INTEGER,
  description TEXT NOT NULL DEFAULT '',
  UNIQUE (bot_id, id),
  FOREIGN KEY (bot_id, account_id) REFERENCES accounts (bot_id, id)
);
CREATE INDEX ledger_account ON ledger_entries (bot_id, account_id, currency, id);

-- Equity marked to market over time: the equity curve.
CREATE TABLE portfolio_snapshots (
  bot_id INTEGER NOT NULL,
  account_id INTEGER NOT NULL,
  time INTEGER NOT NULL,
  equity TEXT NOT NULL,
  cash TEXT NOT NULL,
  unrealized_pnl TEXT NOT NULL,
  open_positions INTEGER NOT NULL,
  PRIMARY KEY (bot_id, account_id, time),
  FOREIGN KEY (bot_id, account_id) REFERENCES accounts (bot_id, id)
);
