-- The complete trading domain (issue 3 items 1-6, 11, 12): bot registry and
-- heartbeat, system accounts and a double-entry ledger, locked balances,
-- balance history, order lifecycle fields, position stops and events, the
-- trade journal, run mode and test flags on every row, and the indexes the
-- seeds' queries need. Columns are added in place; only ledger_entries is
-- rebuilt (its type CHECK gains 'funding', which SQLite cannot alter).

-- ---- bots: registry and runtime status --------------------------------------
ALTER TABLE bots ADD COLUMN status TEXT NOT NULL DEFAULT 'active'
  CHECK (status IN ('active', 'paused', 'stopped', 'error', 'retired'));
ALTER TABLE bots ADD COLUMN equity TEXT;                 -- last reported equity
ALTER TABLE bots ADD COLUMN equity_currency TEXT NOT NULL DEFAULT '';
ALTER TABLE bots ADD COLUMN max_position TEXT;           -- risk-limit summary (base units)
ALTER TABLE bots ADD COLUMN max_daily_loss TEXT;         -- risk-limit summary (quote)
ALTER TABLE bots ADD COLUMN last_heartbeat_at INTEGER;
ALTER TABLE bots ADD COLUMN runtime_state TEXT NOT NULL DEFAULT '';
ALTER TABLE bots ADD COLUMN runtime_message TEXT NOT NULL DEFAULT '';
ALTER TABLE bots ADD COLUMN updated_at INTEGER;
CREATE INDEX bots_status_heartbeat ON bots (status, last_heartbeat_at);

-- ---- accounts and balances --------------------------------------------------
ALTER TABLE accounts ADD COLUMN kind TEXT NOT NULL DEFAULT 'bot'
  CHECK (kind IN ('bot', 'system'));
ALTER TABLE accounts ADD COLUMN mode TEXT NOT NULL DEFAULT 'paper';
ALTER TABLE accounts ADD COLUMN is_test INTEGER NOT NULL DEFAULT 0;
UPDATE accounts SET mode = (SELECT b.mode FROM bots b WHERE b.id = accounts.bot_id),
                    is_test = (SELECT b.is_test FROM bots b WHERE b.id = accounts.bot_id);

-- locked: reserved by open orders (see include/tradestore/ledger.h);
-- available = amount - locked.
ALTER TABLE balances ADD COLUMN locked TEXT NOT NULL DEFAULT '0';
ALTER TABLE balances ADD COLUMN mode TEXT NOT NULL DEFAULT 'paper';
ALTER TABLE balances ADD COLUMN is_test INTEGER NOT NULL DEFAULT 0;
UPDATE balances SET mode = (SELECT b.mode FROM bots b WHERE b.id = balances.bot_id),
                    is_test = (SELECT b.is_test FROM bots b WHERE b.id = balances.bot_id);

-- ---- ledger: double entry ---------------------------------------------------
-- Every posting is a journal (journal_id) of legs summing to zero per
-- currency. Entries written before this migration keep journal_id = id.
CREATE TABLE ledger_entries_new (
  id INTEGER PRIMARY KEY,
  bot_id INTEGER NOT NULL,
  account_id INTEGER NOT NULL,
  time INTEGER NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('deposit', 'withdrawal', 'fee', 'realized_pnl', 'funding',
                                      'transfer', 'adjustment')),
  currency TEXT NOT NULL,
  amount TEXT NOT NULL,
  balance_after TEXT NOT NULL,
  order_id INTEGER,
  fill_id INTEGER,
  trade_id INTEGER,
  description TEXT NOT NULL DEFAULT '',
  journal_id INTEGER NOT NULL,
  mode TEXT NOT NULL DEFAULT 'paper',
  is_test INTEGER NOT NULL DEFAULT 0,
  UNIQUE (bot_id, id),
  FOREIGN KEY (bot_id, account_id) REFERENCES accounts (bot_id, id)
);
INSERT INTO ledger_entries_new (id, bot_id, account_id, time, type, currency, amount,
                                balance_after, order_id, fill_id, trade_id, description,
                                journal_id, mode, is_test)
  SELECT e.id, e.bot_id, e.account_id, e.time, e.type, e.currency, e.amount, e.balance_after,
         e.order_id, e.fill_id, e.trade_id, e.description, e.id, b.mode, b.is_test
  FROM ledger_entries e JOIN bots b ON b.id = e.bot_id;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_new RENAME TO ledger_entries;
CREATE INDEX ledger_account ON ledger_entries (bot_id, account_id, currency, id);
CREATE INDEX ledger_bot_time ON ledger_entries (bot_id, time);
CREATE INDEX ledger_journal ON ledger_entries (bot_id, journal_id);

-- Balances per account and currency over time, daily (time = UTC midnight)
-- and on demand, with margin fields (see include/tradestore/ledger.h).
CREATE TABLE balance_history (
  bot_id INTEGER NOT NULL,
  account_id INTEGER NOT NULL,
  currency TEXT NOT NULL CHECK (currency <> ''),
  time INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('daily', 'on_demand')),
  amount TEXT NOT NULL,
  locked TEXT NOT NULL,
  available TEXT NOT NULL,
  unrealized_pnl TEXT NOT NULL,
  equity TEXT NOT NULL,
  margin_used TEXT NOT NULL,
  free_margin TEXT NOT NULL,
  margin_level REAL,
  mode TEXT NOT NULL,
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  PRIMARY KEY (bot_id, account_id, currency, kind, time),
  FOREIGN KEY (bot_id, account_id) REFERENCES accounts (bot_id, id)
);

-- ---- orders -----------------------------------------------------------------
ALTER TABLE orders ADD COLUMN expected_price TEXT;      -- for slippage
ALTER TABLE orders ADD COLUMN strategy_version TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN bot_version TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN trade_id INTEGER;         -- the trade this order closed
ALTER TABLE orders ADD COLUMN retry_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orders ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN reserved TEXT NOT NULL DEFAULT '0';  -- quote currency
CREATE INDEX orders_bot_created ON orders (bot_id, created_at);

ALTER TABLE order_events ADD COLUMN kind TEXT NOT NULL DEFAULT 'status'
  CHECK (kind IN ('status', 'amend', 'retry', 'venue_id'));
ALTER TABLE order_events ADD COLUMN quantity TEXT;      -- after an amend
ALTER TABLE order_events ADD COLUMN limit_price TEXT;
ALTER TABLE order_events ADD COLUMN stop_price TEXT;
ALTER TABLE order_events ADD COLUMN mode TEXT NOT NULL DEFAULT 'paper';
ALTER TABLE order_events ADD COLUMN is_test INTEGER NOT NULL DEFAULT 0;
UPDATE order_events SET
  mode = (SELECT o.mode FROM orders o WHERE o.bot_id = order_events.bot_id
          AND o.id = order_events.order_id),
  is_test = (SELECT o.is_test FROM orders o WHERE o.bot_id = order_events.bot_id
             AND o.id = order_events.order_id);
CREATE INDEX order_events_bot_time ON order_events (bot_id, time);

-- ---- fills ------------------------------------------------------------------
ALTER TABLE fills ADD COLUMN mode TEXT NOT NULL DEFAULT 'paper';
ALTER TABLE fills ADD COLUMN is_test INTEGER NOT NULL DEFAULT 0;
UPDATE fills SET
  mode = (SELECT o.mode FROM orders o WHERE o.bot_id = fills.bot_id AND o.id = fills.order_id),
  is_test = (SELECT o.is_test FROM orders o WHERE o.bot_id = fills.bot_id
             AND o.id = fills.order_id);
CREATE INDEX fills_bot_time ON fills (bot_id, time);

-- ---- positions --------------------------------------------------------------
ALTER TABLE positions ADD COLUMN stop_loss TEXT;
ALTER TABLE positions ADD COLUMN take_profit TEXT;
ALTER TABLE positions ADD COLUMN trailing_distance TEXT;  -- price units
ALTER TABLE positions ADD COLUMN trailing_percent TEXT;   -- fraction, e.g. 0.02
ALTER TABLE positions ADD COLUMN last_price TEXT;
ALTER TABLE positions ADD COLUMN last_price_at INTEGER;
ALTER TABLE positions ADD COLUMN unrealized_pnl TEXT NOT NULL DEFAULT '0';
ALTER TABLE positions ADD COLUMN mode TEXT NOT NULL DEFAULT 'paper';
ALTER TABLE positions ADD COLUMN is_test INTEGER NOT NULL DEFAULT 0;
ALTER TABLE positions ADD COLUMN trade_entry_order_id INTEGER;
ALTER TABLE positions ADD COLUMN trade_entry_fees TEXT NOT NULL DEFAULT '0';
ALTER TABLE positions ADD COLUMN trade_entry_slippage TEXT NOT NULL DEFAULT '0';
ALTER TABLE positions ADD COLUMN trade_exit_slippage TEXT NOT NULL DEFAULT '0';
ALTER TABLE positions ADD COLUMN trade_strategy_version TEXT NOT NULL DEFAULT '';
ALTER TABLE positions ADD COLUMN trade_initial_stop TEXT;
ALTER TABLE positions ADD COLUMN trade_target TEXT;
ALTER TABLE positions ADD COLUMN trade_risk_amount TEXT;
ALTER TABLE positions ADD COLUMN trade_position_size_rule TEXT NOT NULL DEFAULT '';
ALTER TABLE positions ADD COLUMN trade_regime TEXT NOT NULL DEFAULT '';
ALTER TABLE positions ADD COLUMN trade_volatility REAL;
ALTER TABLE positions ADD COLUMN trade_atr REAL;
ALTER TABLE positions ADD COLUMN trade_session TEXT NOT NULL DEFAULT '';
ALTER TABLE positions ADD COLUMN trade_trend TEXT NOT NULL DEFAULT '';
ALTER TABLE positions ADD COLUMN trade_setup TEXT NOT NULL DEFAULT '';
UPDATE positions SET mode = (SELECT b.mode FROM bots b WHERE b.id = positions.bot_id),
                     is_test = (SELECT b.is_test FROM bots b WHERE b.id = positions.bot_id);

CREATE TABLE position_events (
  id INTEGER PRIMARY KEY,
  bot_id INTEGER NOT NULL,
  account_id INTEGER NOT NULL,
  instrument_id INTEGER NOT NULL,
  time INTEGER NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('opened', 'increased', 'reduced', 'closed', 'flipped',
                                      'stops_set', 'stop_moved', 'marked')),
  quantity_change TEXT NOT NULL,       -- signed; 0 for stops and marks
  quantity TEXT NOT NULL,              -- the position after
  price TEXT,                          -- the fill or mark price
  average_entry_price TEXT NOT NULL,
  realized_pnl TEXT NOT NULL,          -- realized by this event
  stop_loss TEXT,
  take_profit TEXT,
  fill_id INTEGER,
  trade_id INTEGER,
  message TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL,
  is_test INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  UNIQUE (bot_id, id),
  FOREIGN KEY (bot_id, account_id) REFERENCES accounts (bot_id, id)
);
CREATE INDEX position_events_position ON position_events (bot_id, account_id, instrument_id, id);
CREATE INDEX position_events_bot_time ON position_events (bot_id, time);

-- ---- trades: the journal ----------------------------------------------------
ALTER TABLE trades ADD COLUMN strategy_version TEXT NOT NULL DEFAULT '';
ALTER TABLE trades ADD COLUMN bot_version TEXT NOT NULL DEFAULT '';
ALTER TABLE trades ADD COLUMN entry_order_id INTEGER;
ALTER TABLE trades ADD COLUMN exit_order_id INTEGER;
ALTER TABLE trades ADD COLUMN entry_fees TEXT NOT NULL DEFAULT '0';
ALTER TABLE trades ADD COLUMN exit_fees TEXT NOT NULL DEFAULT '0';
ALTER TABLE trades ADD COLUMN entry_slippage TEXT NOT NULL DEFAULT '0';
ALTER TABLE trades ADD COLUMN exit_slippage TEXT NOT NULL DEFAULT '0';
ALTER TABLE trades ADD COLUMN pnl_percent REAL;
ALTER TABLE trades ADD COLUMN outcome TEXT NOT NULL DEFAULT 'breakeven'
  CHECK (outcome IN ('win', 'loss', 'breakeven'));
ALTER TABLE trades ADD COLUMN initial_stop TEXT;
ALTER TABLE trades ADD COLUMN target TEXT;
ALTER TABLE trades ADD COLUMN risk_amount TEXT;
ALTER TABLE trades ADD COLUMN position_size_rule TEXT NOT NULL DEFAULT '';
ALTER TABLE trades ADD COLUMN r_multiple REAL;
ALTER TABLE trades ADD COLUMN mae_r REAL;
ALTER TABLE trades ADD COLUMN mfe_r REAL;
ALTER TABLE trades ADD COLUMN regime TEXT NOT NULL DEFAULT '';
ALTER TABLE trades ADD COLUMN volatility REAL;
ALTER TABLE trades ADD COLUMN atr REAL;
ALTER TABLE trades ADD COLUMN session TEXT NOT NULL DEFAULT '';
ALTER TABLE trades ADD COLUMN trend TEXT NOT NULL DEFAULT '';
ALTER TABLE trades ADD COLUMN setup TEXT NOT NULL DEFAULT '';
ALTER TABLE trades ADD COLUMN tags TEXT NOT NULL DEFAULT '';        -- comma separated
ALTER TABLE trades ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE trades ADD COLUMN mental_state TEXT NOT NULL DEFAULT '';
ALTER TABLE trades ADD COLUMN rule_breaks TEXT NOT NULL DEFAULT '';  -- comma separated
ALTER TABLE trades ADD COLUMN grade TEXT NOT NULL DEFAULT '';
ALTER TABLE trades ADD COLUMN links TEXT NOT NULL DEFAULT '';        -- newline separated URLs
ALTER TABLE trades ADD COLUMN reviewed_at INTEGER;
UPDATE trades SET outcome = CASE WHEN net_pnl LIKE '-%' THEN 'loss'
                                 WHEN net_pnl IN ('0', '') THEN 'breakeven' ELSE 'win' END;
CREATE INDEX trades_entry_time ON trades (entry_time);
CREATE INDEX trades_exit_time ON trades (exit_time);
CREATE INDEX trades_strategy ON trades (strategy, exit_time);
CREATE INDEX trades_regime ON trades (regime, exit_time);
CREATE INDEX trades_instrument ON trades (instrument_id, exit_time);
CREATE INDEX trades_outcome ON trades (outcome, exit_time);
CREATE INDEX trades_exit_reason ON trades (exit_reason, exit_time);
CREATE INDEX trades_strategy_regime ON trades (strategy, regime, exit_time);
