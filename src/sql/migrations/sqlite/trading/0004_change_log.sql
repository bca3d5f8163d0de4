-- The change log (include/tradestore/change_feed.h): one row per committed
-- change that a live client may want to hear of, written by the triggers
-- below in the same transaction as the change itself, so every writer (the
-- library, the CLI, other processes, imports) is covered and a rolled-back
-- unit of work leaves no row. Transient: not copied, exported or checked;
-- `tradestore prune --what change-log` deletes old rows.
--
-- SQLite writers take turns (BEGIN IMMEDIATE) and AUTOINCREMENT never
-- reuses an id, even after the newest rows were deleted, so id order is
-- commit order. A trigger cannot write to another database file: market.db
-- has its own log (market/0004_change_log.sql).
--
-- row_id and sub_key name the changed row: its id, or for a composite key
-- the first column after bot_id and the rest as text (positions: account,
-- instrument; balances: account, currency). time: when recorded, µs UTC
-- (millisecond resolution: SQLite's clock).
CREATE TABLE change_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  bot_id INTEGER,
  entity TEXT NOT NULL,
  row_id INTEGER NOT NULL,
  sub_key TEXT NOT NULL DEFAULT '',
  time INTEGER NOT NULL
);

CREATE TRIGGER change_log_orders_insert AFTER INSERT ON orders
BEGIN
  INSERT INTO change_log (kind, bot_id, entity, row_id, time) VALUES ('order', NEW.bot_id,
    'orders', NEW.id, CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000);
END;

CREATE TRIGGER change_log_orders_update AFTER UPDATE OF status, filled_quantity ON orders
WHEN OLD.status IS NOT NEW.status OR OLD.filled_quantity IS NOT NEW.filled_quantity
BEGIN
  INSERT INTO change_log (kind, bot_id, entity, row_id, time) VALUES ('order', NEW.bot_id,
    'orders', NEW.id, CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000);
END;

CREATE TRIGGER change_log_fills_insert AFTER INSERT ON fills
BEGIN
  INSERT INTO change_log (kind, bot_id, entity, row_id, time) VALUES ('fill', NEW.bot_id,
    'fills', NEW.id, CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000);
END;

CREATE TRIGGER change_log_positions_insert AFTER INSERT ON positions
BEGIN
  INSERT INTO change_log (kind, bot_id, entity, row_id, sub_key, time) VALUES ('position',
    NEW.bot_id, 'positions', NEW.account_id, CAST(NEW.instrument_id AS TEXT),
    CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000);
END;

CREATE TRIGGER change_log_positions_update AFTER UPDATE ON positions
BEGIN
  INSERT INTO change_log (kind, bot_id, entity, row_id, sub_key, time) VALUES ('position',
    NEW.bot_id, 'positions', NEW.account_id, CAST(NEW.instrument_id AS TEXT),
    CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000);
END;

CREATE TRIGGER change_log_trades_insert AFTER INSERT ON trades
BEGIN
  INSERT INTO change_log (kind, bot_id, entity, row_id, time) VALUES ('trade-closed',
    NEW.bot_id, 'trades', NEW.id,
    CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000);
END;

CREATE TRIGGER change_log_balances_insert AFTER INSERT ON balances
BEGIN
  INSERT INTO change_log (kind, bot_id, entity, row_id, sub_key, time) VALUES ('balance',
    NEW.bot_id, 'balances', NEW.account_id, NEW.currency,
    CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000);
END;

CREATE TRIGGER change_log_balances_update AFTER UPDATE ON balances
BEGIN
  INSERT INTO change_log (kind, bot_id, entity, row_id, sub_key, time) VALUES ('balance',
    NEW.bot_id, 'balances', NEW.account_id, NEW.currency,
    CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000);
END;

CREATE TRIGGER change_log_risk_events_insert AFTER INSERT ON risk_events
BEGIN
  INSERT INTO change_log (kind, bot_id, entity, row_id, time) VALUES ('risk-event',
    NEW.bot_id, 'risk-events', NEW.id,
    CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000);
END;

CREATE TRIGGER change_log_bots_heartbeat AFTER UPDATE OF last_heartbeat_at ON bots
WHEN OLD.last_heartbeat_at IS NOT NEW.last_heartbeat_at
BEGIN
  INSERT INTO change_log (kind, bot_id, entity, row_id, time) VALUES ('bot-heartbeat', NEW.id,
    'bots', NEW.id, CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000);
END;
