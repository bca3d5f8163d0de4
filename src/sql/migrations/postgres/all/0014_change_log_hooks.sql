-- The two steps of the change feed's triggers (0007) that differ on a store
-- distributed by Citus, as functions of their own, so that `tradestore
-- distribute` replaces these two and the triggers' bodies are written once,
-- here (docs/scale-out.md, "The change feed on Citus"):
--
-- * audit.change_log_wake(): wakes listeners (NOTIFY tradestore_changes,
--   delivered at commit). On Citus it does nothing: a worker's part of a
--   distributed transaction is prepared (two-phase commit), and PostgreSQL
--   cannot prepare a transaction that notified; the feed polls there.
-- * audit.change_log_is_local(bot): whether this node writes the change log
--   rows of `bot`. Always true on one server. On Citus the heartbeat's
--   trigger, on the reference table trading.bots, fires on every node that
--   holds a copy; only the node holding the bot's shard of the log writes.
CREATE FUNCTION audit.change_log_wake() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tradestore_changes', '');
END $$;

CREATE FUNCTION audit.change_log_is_local(bot bigint) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  RETURN true;
END $$;

-- The Citus versions of the two, installed by `tradestore distribute` (and
-- below, on a store it distributed before this migration). plpgsql resolves
-- Citus' catalogs when the function runs, so this also loads without Citus.
CREATE FUNCTION audit.change_log_use_citus_hooks() RETURNS void LANGUAGE plpgsql AS $outer$
BEGIN
  EXECUTE $sql$
CREATE OR REPLACE FUNCTION audit.change_log_wake() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  RETURN;
END $$$sql$;
  EXECUTE $sql$
CREATE OR REPLACE FUNCTION audit.change_log_is_local(bot bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM pg_catalog.pg_dist_placement p
     WHERE p.shardid = pg_catalog.get_shard_id_for_distribution_column('audit.change_log', bot)
       AND p.groupid = (SELECT groupid FROM pg_catalog.pg_dist_local_group));
END $$$sql$;
END $outer$;

CREATE OR REPLACE FUNCTION audit.change_log_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status
     OR OLD.filled_quantity IS DISTINCT FROM NEW.filled_quantity THEN
    INSERT INTO audit.change_log (kind, bot_id, entity, row_id)
      VALUES ('order', NEW.bot_id, 'orders', NEW.id);
    PERFORM audit.change_log_wake();
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION audit.change_log_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit.change_log (kind, bot_id, entity, row_id)
    VALUES ('fill', NEW.bot_id, 'fills', NEW.id);
  PERFORM audit.change_log_wake();
  RETURN NULL;
END $$;

-- Only what a watcher acts on: quantity and the stops (as in 0007).
CREATE OR REPLACE FUNCTION audit.change_log_position() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.quantity IS NOT DISTINCT FROM OLD.quantity
     AND NEW.stop_loss IS NOT DISTINCT FROM OLD.stop_loss
     AND NEW.take_profit IS NOT DISTINCT FROM OLD.take_profit THEN
    RETURN NULL;
  END IF;
  INSERT INTO audit.change_log (kind, bot_id, entity, row_id, sub_key)
    VALUES ('position', NEW.bot_id, 'positions', NEW.account_id, NEW.instrument_id::text);
  PERFORM audit.change_log_wake();
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION audit.change_log_trade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit.change_log (kind, bot_id, entity, row_id)
    VALUES ('trade-closed', NEW.bot_id, 'trades', NEW.id);
  PERFORM audit.change_log_wake();
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION audit.change_log_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit.change_log (kind, bot_id, entity, row_id, sub_key)
    VALUES ('balance', NEW.bot_id, 'balances', NEW.account_id, NEW.currency);
  PERFORM audit.change_log_wake();
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION audit.change_log_risk_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO audit.change_log (kind, bot_id, entity, row_id)
    VALUES ('risk-event', NEW.bot_id, 'risk-events', NEW.id);
  PERFORM audit.change_log_wake();
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION audit.change_log_heartbeat() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.last_heartbeat_at IS DISTINCT FROM NEW.last_heartbeat_at
     AND audit.change_log_is_local(NEW.id) THEN
    INSERT INTO audit.change_log (kind, bot_id, entity, row_id)
      VALUES ('bot-heartbeat', NEW.id, 'bots', NEW.id);
    PERFORM audit.change_log_wake();
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION market.change_log_coverage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO market.market_change_log (kind, entity, row_id, sub_key)
    VALUES ('candles-imported', 'candle-coverage', NEW.instrument_id, NEW.timeframe);
  PERFORM audit.change_log_wake();
  RETURN NULL;
END $$;

-- A store whose change log `distribute` has already placed on Citus keeps
-- running without NOTIFY.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition
                WHERE logicalrelid = 'audit.change_log'::regclass) THEN
      PERFORM audit.change_log_use_citus_hooks();
    END IF;
  END IF;
END $$;
