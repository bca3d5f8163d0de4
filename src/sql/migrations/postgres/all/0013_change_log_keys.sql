-- The change logs' primary keys carry the column that Citus distributes
-- them by (docs/scale-out.md, "The change feed on Citus"): audit.change_log
-- by bot_id (every event of it names a bot), market.market_change_log by
-- row_id (the instrument of its candles-imported events). Citus requires a
-- distributed table's unique keys to include that column. The same keys on
-- plain PostgreSQL, so that both have one schema. The feed reads by
-- (xid, id) through its own indexes, which stay.
DELETE FROM audit.change_log WHERE bot_id IS NULL;
ALTER TABLE audit.change_log ALTER COLUMN bot_id SET NOT NULL;
ALTER TABLE audit.change_log DROP CONSTRAINT change_log_pkey;
ALTER TABLE audit.change_log ADD PRIMARY KEY (bot_id, id);
ALTER TABLE market.market_change_log DROP CONSTRAINT market_change_log_pkey;
ALTER TABLE market.market_change_log ADD PRIMARY KEY (row_id, id);
