-- Per-bot counts of fills and closed trades, kept by triggers in the same
-- transaction as the row they count, so a dashboard or a metrics scrape
-- reads them in one lookup instead of counting millions of index entries
-- (include/tradestore/overview.h). Derived data: left out of the table
-- catalog (copy, backup by table, export), rebuilt by the triggers wherever
-- the rows are written. A bot's fills already take turns on its account
-- lock, so the counter row adds no contention between bots.
CREATE TABLE trading.bot_counters (
  bot_id bigint PRIMARY KEY,
  fills bigint NOT NULL DEFAULT 0,
  trades bigint NOT NULL DEFAULT 0
);

INSERT INTO trading.bot_counters (bot_id, fills, trades)
  SELECT b.id,
         (SELECT count(*) FROM trading.fills f WHERE f.bot_id = b.id),
         (SELECT count(*) FROM trading.trades t WHERE t.bot_id = b.id)
    FROM trading.bots b;

CREATE FUNCTION trading.bot_counters_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO trading.bot_counters AS c (bot_id, fills) VALUES (NEW.bot_id, 1)
      ON CONFLICT (bot_id) DO UPDATE SET fills = c.fills + 1;
  ELSE
    UPDATE trading.bot_counters SET fills = fills - 1 WHERE bot_id = OLD.bot_id;
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION trading.bot_counters_trade() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO trading.bot_counters AS c (bot_id, trades) VALUES (NEW.bot_id, 1)
      ON CONFLICT (bot_id) DO UPDATE SET trades = c.trades + 1;
  ELSE
    UPDATE trading.bot_counters SET trades = trades - 1 WHERE bot_id = OLD.bot_id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER bot_counters_fills AFTER INSERT OR DELETE ON trading.fills
  FOR EACH ROW EXECUTE FUNCTION trading.bot_counters_fill();
CREATE TRIGGER bot_counters_trades AFTER INSERT OR DELETE ON trading.trades
  FOR EACH ROW EXECUTE FUNCTION trading.bot_counters_trade();
