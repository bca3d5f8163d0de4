-- The change log (include/tradestore/change_feed.h; the same tables as
-- sqlite/{trading,market}/0004_change_log.sql): one row per committed
-- change that a live client may want to hear of, written by the triggers
-- below in the same transaction as the change, so every writer is covered
-- and a rolled-back transaction leaves no row. Transient: not copied,
-- exported or checked; `tradestore prune --what change-log` deletes old
-- rows.
--
-- Ids come from one sequence shared by both tables, but concurrent
-- transactions take them in an order that is not their commit order: a
-- reader that handed out id 12 could later see id 11 commit. So each row
-- records its transaction's id (xid, pg_current_xact_id() as a bigint),
-- and a reader hands out only rows whose xid is below the xmin of its
-- snapshot (every transaction that could still add such a row has ended),
-- ordered by (xid, id); the cursor is the (xid, id) of the last row handed
-- out. Every later row has an xid >= that xmin, so it sorts after the
-- cursor. Triggers also NOTIFY tradestore_changes (delivered at commit) so
-- that a listener wakes without polling.
CREATE SEQUENCE audit.change_log_id_seq;

CREATE TABLE audit.change_log (
  id bigint PRIMARY KEY DEFAULT nextval('audit.change_log_id_seq'),
  xid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
  kind text NOT NULL,
  bot_id bigint,
  entity text NOT NULL,
  row_id bigint NOT NULL,
  sub_key text NOT NULL DEFAULT '',
  time timestamptz NOT NULL DEFAULT clock_timestamp()
);
ALTER SEQUENCE audit.change_log_id_seq OWNED BY audit.change_log.id;
CREATE INDEX change_log_xid ON audit.change_log (xid, id);

CREATE TABLE market.market_change_log (
  id bigint PRIMARY KEY DEFAULT nextval('audit.change_log_id_seq'),
  xid bigint NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
  kind text NOT NULL,
  bot_id bigint,
  entity text NOT NULL,
  row_id bigint NOT NULL,
  sub_key text NOT NULL DEFAULT '',
  time timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX market_change_log_xid ON market.market_change_log (xid, id);

-- One function per table: the row's own columns, no dynamic SQL.
CREATE FUNCTION audit.change_log_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status
     OR OLD.filled_quantity IS DISTINCT FROM NEW.filled_quantity THEN
    INSERT INTO audit.change_log (kind, bot_id, entity, row_id)
      VALUES ('order', NEW.bot_id, 'orders', NEW.id);
    PERFORM pg_notify('tradestore_changes', '');
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION audit.change_log_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit.change_log (kind, bot_id, entity, row_id)
    VALUES ('fill', NEW.bot_id, 'fills', NEW.id);
  PERFORM pg_notify('tradestore_changes', '');
  RETURN NULL;
END $$;

-- Only what a watcher acts on: quantity and the stops. Marks to market
-- (last price, unrealized P&L, highs and lows) would flood the log.
CREATE FUNCTION audit.change_log_position() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.quantity IS NOT DISTINCT FROM OLD.quantity
     AND NEW.stop_loss IS NOT DISTINCT FROM OLD.stop_loss
     AND NEW.take_profit IS NOT DISTINCT FROM OLD.take_profit THEN
    RETURN NULL;
  END IF;
  INSERT INTO audit.change_log (kind, bot_id, entity, row_id, sub_key)
    VALUES ('position', NEW.bot_id, 'positions', NEW.account_id, NEW.instrument_id::text);
  PERFORM pg_notify('tradestore_changes', '');
  RETURN NULL;
END $$;

CREATE FUNCTION audit.change_log_trade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit.change_log (kind, bot_id, entity, row_id)
    VALUES ('trade-closed', NEW.bot_id, 'trades', NEW.id);
  PERFORM pg_notify('tradestore_changes', '');
  RETURN NULL;
END $$;

CREATE FUNCTION audit.change_log_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit.change_log (kind, bot_id, entity, row_id, sub_key)
    VALUES ('balance', NEW.bot_id, 'balances', NEW.account_id, NEW.currency);
  PERFORM pg_notify('tradestore_changes', '');
  RETURN NULL;
END $$;

CREATE FUNCTION audit.change_log_risk_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit.change_log (kind, bot_id, entity, row_id)
    VALUES ('risk-event', NEW.bot_id, 'risk-events', NEW.id);
  PERFORM pg_notify('tradestore_changes', '');
  RETURN NULL;
END $$;

CREATE FUNCTION audit.change_log_heartbeat() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.last_heartbeat_at IS DISTINCT FROM NEW.last_heartbeat_at THEN
    INSERT INTO audit.change_log (kind, bot_id, entity, row_id)
      VALUES ('bot-heartbeat', NEW.id, 'bots', NEW.id);
    PERFORM pg_notify('tradestore_changes', '');
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION market.change_log_coverage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO market.market_change_log (kind, entity, row_id, sub_key)
    VALUES ('candles-imported', 'candle-coverage', NEW.instrument_id, NEW.timeframe);
  PERFORM pg_notify('tradestore_changes', '');
  RETURN NULL;
END $$;

CREATE TRIGGER change_log_orders AFTER INSERT OR UPDATE OF status, filled_quantity
  ON trading.orders FOR EACH ROW EXECUTE FUNCTION audit.change_log_order();
CREATE TRIGGER change_log_fills AFTER INSERT
  ON trading.fills FOR EACH ROW EXECUTE FUNCTION audit.change_log_fill();
CREATE TRIGGER change_log_positions AFTER INSERT OR UPDATE
  ON trading.positions FOR EACH ROW EXECUTE FUNCTION audit.change_log_position();
CREATE TRIGGER change_log_trades AFTER INSERT
  ON trading.trades FOR EACH ROW EXECUTE FUNCTION audit.change_log_trade();
CREATE TRIGGER change_log_balances AFTER INSERT OR UPDATE
  ON trading.balances FOR EACH ROW EXECUTE FUNCTION audit.change_log_balance();
CREATE TRIGGER change_log_risk_events AFTER INSERT
  ON audit.risk_events FOR EACH ROW EXECUTE FUNCTION audit.change_log_risk_event();
CREATE TRIGGER change_log_bots_heartbeat AFTER UPDATE OF last_heartbeat_at
  ON trading.bots FOR EACH ROW EXECUTE FUNCTION audit.change_log_heartbeat();
CREATE TRIGGER change_log_candle_coverage AFTER INSERT OR UPDATE
  ON market.candle_coverage FOR EACH ROW EXECUTE FUNCTION market.change_log_coverage();
