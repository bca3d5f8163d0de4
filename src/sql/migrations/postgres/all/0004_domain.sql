-- PostgreSQL version of sqlite/trading/0002_domain.sql (the complete trading
-- domain, issue 3 items 1-6, 11, 12), in this dialect: decimals numeric,
-- times timestamptz, flags integer. Columns are added in place; the ledger's
-- type CHECK is replaced to admit 'funding'.

-- ---- bots: registry and runtime status --------------------------------------
ALTER TABLE trading.bots ADD COLUMN status text NOT NULL DEFAULT 'active'
  CHECK (status IN ('active', 'paused', 'stopped', 'error', 'retired'));
ALTER TABLE trading.bots ADD COLUMN equity numeric;
ALTER TABLE trading.bots ADD COLUMN equity_currency text NOT NULL DEFAULT '';
ALTER TABLE trading.bots ADD COLUMN max_position numeric;
ALTER TABLE trading.bots ADD COLUMN max_daily_loss numeric;
ALTER TABLE trading.bots ADD COLUMN last_heartbeat_at timestamptz;
ALTER TABLE trading.bots ADD COLUMN runtime_state text NOT NULL DEFAULT '';
ALTER TABLE trading.bots ADD COLUMN runtime_message text NOT NULL DEFAULT '';
ALTER TABLE trading.bots ADD COLUMN updated_at timestamptz;
CREATE INDEX bots_status_heartbeat ON trading.bots (status, last_heartbeat_at);

-- ---- accounts and balances --------------------------------------------------
ALTER TABLE trading.accounts ADD COLUMN kind text NOT NULL DEFAULT 'bot'
  CHECK (kind IN ('bot', 'system'));
ALTER TABLE trading.accounts ADD COLUMN mode text NOT NULL DEFAULT 'paper';
ALTER TABLE trading.accounts ADD COLUMN is_test integer NOT NULL DEFAULT 0;
UPDATE trading.accounts a SET mode = b.mode, is_test = b.is_test
  FROM trading.bots b WHERE b.id = a.bot_id;

ALTER TABLE trading.balances ADD COLUMN locked numeric NOT NULL DEFAULT 0;
ALTER TABLE trading.balances ADD COLUMN mode text NOT NULL DEFAULT 'paper';
ALTER TABLE trading.balances ADD COLUMN is_test integer NOT NULL DEFAULT 0;
UPDATE trading.balances x SET mode = b.mode, is_test = b.is_test
  FROM trading.bots b WHERE b.id = x.bot_id;

-- ---- ledger: double entry ---------------------------------------------------
ALTER TABLE trading.ledger_entries ADD COLUMN journal_id bigint;
UPDATE trading.ledger_entries SET journal_id = id;
ALTER TABLE trading.ledger_entries ALTER COLUMN journal_id SET NOT NULL;
ALTER TABLE trading.ledger_entries DROP CONSTRAINT ledger_entries_type_check;
ALTER TABLE trading.ledger_entries ADD CONSTRAINT ledger_entries_type_check
  CHECK (type IN ('deposit', 'withdrawal', 'fee', 'realized_pnl', 'funding', 'transfer',
                  'adjustment'));
ALTER TABLE trading.ledger_entries ADD COLUMN mode text NOT NULL DEFAULT 'paper';
ALTER TABLE trading.ledger_entries ADD COLUMN is_test integer NOT NULL DEFAULT 0;
UPDATE trading.ledger_entries x SET mode = b.mode, is_test = b.is_test
  FROM trading.bots b WHERE b.id = x.bot_id;
CREATE INDEX ledger_bot_time ON trading.ledger_entries (bot_id, time);
CREATE INDEX ledger_journal ON trading.ledger_entries (bot_id, journal_id);

CREATE TABLE trading.balance_history (
  bot_id bigint NOT NULL,
  account_id bigint NOT NULL,
  currency text NOT NULL CHECK (currency <> ''),
  time timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('daily', 'on_demand')),
  amount numeric NOT NULL,
  locked numeric NOT NULL,
  available numeric NOT NULL,
  unrealized_pnl numeric NOT NULL,
  equity numeric NOT NULL,
  margin_used numeric NOT NULL,
  free_margin numeric NOT NULL,
  margin_level double precision,
  mode text NOT NULL,
  is_test integer NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  PRIMARY KEY (bot_id, account_id, currency, kind, time),
  FOREIGN KEY (bot_id, account_id) REFERENCES trading.accounts (bot_id, id)
);

-- ---- orders -----------------------------------------------------------------
ALTER TABLE trading.orders ADD COLUMN expected_price numeric;
ALTER TABLE trading.orders ADD COLUMN strategy_version text NOT NULL DEFAULT '';
ALTER TABLE trading.orders ADD COLUMN bot_version text NOT NULL DEFAULT '';
ALTER TABLE trading.orders ADD COLUMN trade_id bigint;
ALTER TABLE trading.orders ADD COLUMN retry_count integer NOT NULL DEFAULT 0;
ALTER TABLE trading.orders ADD COLUMN last_error text NOT NULL DEFAULT '';
ALTER TABLE trading.orders ADD COLUMN reserved numeric NOT NULL DEFAULT 0;
CREATE INDEX orders_bot_created ON trading.orders (bot_id, created_at);

ALTER TABLE trading.order_events ADD COLUMN kind text NOT NULL DEFAULT 'status'
  CHECK (kind IN ('status', 'amend', 'retry', 'venue_id'));
ALTER TABLE trading.order_events ADD COLUMN quantity numeric;
ALTER TABLE trading.order_events ADD COLUMN limit_price numeric;
ALTER TABLE trading.order_events ADD COLUMN stop_price numeric;
ALTER TABLE trading.order_events ADD COLUMN mode text NOT NULL DEFAULT 'paper';
ALTER TABLE trading.order_events ADD COLUMN is_test integer NOT NULL DEFAULT 0;
UPDATE trading.order_events e SET mode = o.mode, is_test = o.is_test
  FROM trading.orders o WHERE o.bot_id = e.bot_id AND o.id = e.order_id;
CREATE INDEX order_events_bot_time ON trading.order_events (bot_id, time);

-- ---- fills ------------------------------------------------------------------
ALTER TABLE trading.fills ADD COLUMN mode text NOT NULL DEFAULT 'paper';
ALTER TABLE trading.fills ADD COLUMN is_test integer NOT NULL DEFAULT 0;
UPDATE trading.fills f SET mode = o.mode, is_test = o.is_test
  FROM trading.orders o WHERE o.bot_id = f.bot_id AND o.id = f.order_id;
CREATE INDEX fills_bot_time ON trading.fills (bot_id, time);

-- ---- positions --------------------------------------------------------------
ALTER TABLE trading.positions ADD COLUMN stop_loss numeric;
ALTER TABLE trading.positions ADD COLUMN take_profit numeric;
ALTER TABLE trading.positions ADD COLUMN trailing_distance numeric;
ALTER TABLE trading.positions ADD COLUMN trailing_percent numeric;
ALTER TABLE trading.positions ADD COLUMN last_price numeric;
ALTER TABLE trading.positions ADD COLUMN last_price_at timestamptz;
ALTER TABLE trading.positions ADD COLUMN unrealized_pnl numeric NOT NULL DEFAULT 0;
ALTER TABLE trading.positions ADD COLUMN mode text NOT NULL DEFAULT 'paper';
ALTER TABLE trading.positions ADD COLUMN is_test integer NOT NULL DEFAULT 0;
ALTER TABLE trading.positions ADD COLUMN trade_entry_order_id bigint;
ALTER TABLE trading.positions ADD COLUMN trade_entry_fees numeric NOT NULL DEFAULT 0;
ALTER TABLE trading.positions ADD COLUMN trade_entry_slippage numeric NOT NULL DEFAULT 0;
ALTER TABLE trading.positions ADD COLUMN trade_exit_slippage numeric NOT NULL DEFAULT 0;
ALTER TABLE trading.positions ADD COLUMN trade_strategy_version text NOT NULL DEFAULT '';
ALTER TABLE trading.positions ADD COLUMN trade_initial_stop numeric;
ALTER TABLE trading.positions ADD COLUMN trade_target numeric;
ALTER TABLE trading.positions ADD COLUMN trade_risk_amount numeric;
ALTER TABLE trading.positions ADD COLUMN trade_position_size_rule text NOT NULL DEFAULT '';
ALTER TABLE trading.positions ADD COLUMN trade_regime text NOT NULL DEFAULT '';
ALTER TABLE trading.positions ADD COLUMN trade_volatility double precision;
ALTER TABLE trading.positions ADD COLUMN trade_atr double precision;
ALTER TABLE trading.positions ADD COLUMN trade_session text NOT NULL DEFAULT '';
ALTER TABLE trading.positions ADD COLUMN trade_trend text NOT NULL DEFAULT '';
ALTER TABLE trading.positions ADD COLUMN trade_setup text NOT NULL DEFAULT '';
UPDATE trading.positions p SET mode = b.mode, is_test = b.is_test
  FROM trading.bots b WHERE b.id = p.bot_id;

CREATE TABLE trading.position_events (
  id bigint GENERATED BY DEFAULT AS IDENTITY,
  bot_id bigint NOT NULL,
  account_id bigint NOT NULL,
  instrument_id bigint NOT NULL,
  time timestamptz NOT NULL,
  type text NOT NULL CHECK (type IN ('opened', 'increased', 'reduced', 'closed', 'flipped',
                                      'stops_set', 'stop_moved', 'marked')),
  quantity_change numeric NOT NULL,
  quantity numeric NOT NULL,
  price numeric,
  average_entry_price numeric NOT NULL,
  realized_pnl numeric NOT NULL,
  stop_loss numeric,
  take_profit numeric,
  fill_id bigint,
  trade_id bigint,
  message text NOT NULL DEFAULT '',
  mode text NOT NULL,
  is_test integer NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  PRIMARY KEY (bot_id, id),
  FOREIGN KEY (bot_id, account_id) REFERENCES trading.accounts (bot_id, id)
);
CREATE INDEX position_events_position
  ON trading.position_events (bot_id, account_id, instrument_id, id);
CREATE INDEX position_events_bot_time ON trading.position_events (bot_id, time);

-- ---- trades: the journal ----------------------------------------------------
ALTER TABLE trading.trades ADD COLUMN strategy_version text NOT NULL DEFAULT '';
ALTER TABLE trading.trades ADD COLUMN bot_version text NOT NULL DEFAULT '';
ALTER TABLE trading.trades ADD COLUMN entry_order_id bigint;
ALTER TABLE trading.trades ADD COLUMN exit_order_id bigint;
ALTER TABLE trading.trades ADD COLUMN entry_fees numeric NOT NULL DEFAULT 0;
ALTER TABLE trading.trades ADD COLUMN exit_fees numeric NOT NULL DEFAULT 0;
ALTER TABLE trading.trades ADD COLUMN entry_slippage numeric NOT NULL DEFAULT 0;
ALTER TABLE trading.trades ADD COLUMN exit_slippage numeric NOT NULL DEFAULT 0;
ALTER TABLE trading.trades ADD COLUMN pnl_percent double precision;
ALTER TABLE trading.trades ADD COLUMN outcome text NOT NULL DEFAULT 'breakeven'
  CHECK (outcome IN ('win', 'loss', 'breakeven'));
ALTER TABLE trading.trades ADD COLUMN initial_stop numeric;
ALTER TABLE trading.trades ADD COLUMN target numeric;
ALTER TABLE trading.trades ADD COLUMN risk_amount numeric;
ALTER TABLE trading.trades ADD COLUMN position_size_rule text NOT NULL DEFAULT '';
ALTER TABLE trading.trades ADD COLUMN r_multiple double precision;
ALTER TABLE trading.trades ADD COLUMN mae_r double precision;
ALTER TABLE trading.trades ADD COLUMN mfe_r double precision;
ALTER TABLE trading.trades ADD COLUMN regime text NOT NULL DEFAULT '';
ALTER TABLE trading.trades ADD COLUMN volatility double precision;
ALTER TABLE trading.trades ADD COLUMN atr double precision;
ALTER TABLE trading.trades ADD COLUMN session text NOT NULL DEFAULT '';
ALTER TABLE trading.trades ADD COLUMN trend text NOT NULL DEFAULT '';
ALTER TABLE trading.trades ADD COLUMN setup text NOT NULL DEFAULT '';
ALTER TABLE trading.trades ADD COLUMN tags text NOT NULL DEFAULT '';
ALTER TABLE trading.trades ADD COLUMN notes text NOT NULL DEFAULT '';
ALTER TABLE trading.trades ADD COLUMN mental_state text NOT NULL DEFAULT '';
ALTER TABLE trading.trades ADD COLUMN rule_breaks text NOT NULL DEFAULT '';
ALTER TABLE trading.trades ADD COLUMN grade text NOT NULL DEFAULT '';
ALTER TABLE trading.trades ADD COLUMN links text NOT NULL DEFAULT '';
ALTER TABLE trading.trades ADD COLUMN reviewed_at timestamptz;
UPDATE trading.trades SET outcome = CASE WHEN net_pnl > 0 THEN 'win'
                                         WHEN net_pnl < 0 THEN 'loss' ELSE 'breakeven' END;
CREATE INDEX trades_entry_time ON trading.trades (entry_time);
CREATE INDEX trades_exit_time ON trading.trades (exit_time);
CREATE INDEX trades_strategy ON trading.trades (strategy, exit_time);
CREATE INDEX trades_regime ON trading.trades (regime, exit_time);
CREATE INDEX trades_instrument ON trading.trades (instrument_id, exit_time);
CREATE INDEX trades_outcome ON trading.trades (outcome, exit_time);
CREATE INDEX trades_exit_reason ON trading.trades (exit_reason, exit_time);
CREATE INDEX trades_strategy_regime ON trading.trades (strategy, regime, exit_time);
