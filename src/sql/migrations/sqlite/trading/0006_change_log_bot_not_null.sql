-- Every event of the trading change log names its bot (an order, fill,
-- position, closed trade, balance, risk event or heartbeat of a bot):
-- bot_id is NOT NULL, as on PostgreSQL, where the column is part of the key
-- (postgres/all/0013_change_log_keys.sql). SQLite cannot add the
-- constraint in place, so the table is made again and its rows copied. No
-- RENAME: renaming would re-parse the triggers that write the log. The
-- AUTOINCREMENT counter is carried over, so no id is ever reused.
CREATE TEMP TABLE change_log_rows AS SELECT * FROM change_log WHERE bot_id IS NOT NULL;
CREATE TEMP TABLE change_log_counter AS
  SELECT seq FROM sqlite_sequence WHERE name = 'change_log';
DROP TABLE change_log;
CREATE TABLE change_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  bot_id INTEGER NOT NULL,
  entity TEXT NOT NULL,
  row_id INTEGER NOT NULL,
  sub_key TEXT NOT NULL DEFAULT '',
  time INTEGER NOT NULL
);
INSERT INTO change_log (id, kind, bot_id, entity, row_id, sub_key, time)
  SELECT id, kind, bot_id, entity, row_id, sub_key, time FROM temp.change_log_rows ORDER BY id;
DELETE FROM sqlite_sequence WHERE name = 'change_log';
INSERT INTO sqlite_sequence (name, seq) SELECT 'change_log', seq FROM temp.change_log_counter;
DROP TABLE temp.change_log_rows;
DROP TABLE temp.change_log_counter;
