-- Per-bot counts of fills and closed trades, kept by triggers in the same
-- transaction as the row they count, so a dashboard or a metrics scrape
-- reads them in one lookup instead of counting millions of index entries
-- (include/tradestore/overview.h). Derived data: left out of the table
-- catalog (copy, backup by table, export), rebuilt by the triggers wherever
-- the rows are written.
CREATE TABLE bot_counters (
  bot_id INTEGER PRIMARY KEY,
  fills INTEGER NOT NULL DEFAULT 0,
  trades INTEGER NOT NULL DEFAULT 0
);

INSERT INTO bot_counters (bot_id, fills, trades)
  SELECT b.id,
         (SELECT count(*) FROM fills f WHERE f.bot_id = b.id),
         (SELECT count(*) FROM trades t WHERE t.bot_id = b.id)
    FROM bots b;

CREATE TRIGGER bot_counters_fills_insert AFTER INSERT ON fills
BEGIN
  INSERT INTO bot_counters (bot_id, fills) VALUES (NEW.bot_id, 1)
    ON CONFLICT (bot_id) DO UPDATE SET fills = fills + 1;
END;

CREATE TRIGGER bot_counters_fills_delete AFTER DELETE ON fills
BEGIN
  UPDATE bot_counters SET fills = fills - 1 WHERE bot_id = OLD.bot_id;
END;

CREATE TRIGGER bot_counters_trades_insert AFTER INSERT ON trades
BEGIN
  INSERT INTO bot_counters (bot_id, trades) VALUES (NEW.bot_id, 1)
    ON CONFLICT (bot_id) DO UPDATE SET trades = trades + 1;
END;

CREATE TRIGGER bot_counters_trades_delete AFTER DELETE ON trades
BEGIN
  UPDATE bot_counters SET trades = trades - 1 WHERE bot_id = OLD.bot_id;
END;
