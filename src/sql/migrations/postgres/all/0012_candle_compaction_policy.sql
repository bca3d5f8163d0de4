-- The compaction policy of imports: see
-- src/sql/migrations/sqlite/market/0006_candle_compaction_policy.sql. A
-- reference table on Citus (src/store/distribution.cc).
CREATE TABLE market.candle_compaction_policy (
  timeframe text NOT NULL PRIMARY KEY,
  older_than bigint NOT NULL CHECK (older_than >= 0),
  updated_at timestamptz NOT NULL
);
