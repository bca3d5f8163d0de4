-- The market database's change log (include/tradestore/change_feed.h; see
-- trading/0004_change_log.sql, whose columns it has): a trigger cannot
-- write to another database file. Its own name, so that a single-file
-- store can hold both logs. Kinds: candles-imported (a coverage row
-- inserted or updated: row_id the instrument, sub_key the timeframe).
CREATE TABLE market_change_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  bot_id INTEGER,
  entity TEXT NOT NULL,
  row_id INTEGER NOT NULL,
  sub_key TEXT NOT NULL DEFAULT '',
  time INTEGER NOT NULL
);

CREATE TRIGGER market_change_log_coverage_insert AFTER INSERT ON candle_coverage
BEGIN
  INSERT INTO market_change_log (kind, entity, row_id, sub_key, time) VALUES ('candles-imported',
    'candle-coverage', NEW.instrument_id, NEW.timeframe,
    CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000);
END;

CREATE TRIGGER market_change_log_coverage_update AFTER UPDATE ON candle_coverage
BEGIN
  INSERT INTO market_change_log (kind, entity, row_id, sub_key, time) VALUES ('candles-imported',
    'candle-coverage', NEW.instrument_id, NEW.timeframe,
    CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER) * 1000);
END;
