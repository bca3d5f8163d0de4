-- Compacted candles (issue 12 §1; docs/storage.md "Candle chunks"): see
-- src/sql/migrations/sqlite/market/0005_candle_chunks.sql. Distributed by
-- instrument_id on Citus, co-located with market.candles
-- (src/store/distribution.cc).
CREATE TABLE market.candle_chunks (
  instrument_id bigint NOT NULL REFERENCES market.instruments (id),
  timeframe text NOT NULL,
  first_open_time timestamptz NOT NULL,
  last_open_time timestamptz NOT NULL,
  count bigint NOT NULL CHECK (count > 0),
  checksum bigint NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (instrument_id, timeframe, first_open_time),
  CHECK (last_open_time >= first_open_time)
);
