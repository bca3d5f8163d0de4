-- Coverage of each stored candle series (include/tradestore/coverage.h),
-- recomputed from the candles on every import and resample.
CREATE TABLE market.candle_coverage (
  instrument_id bigint NOT NULL REFERENCES market.instruments (id),
  timeframe text NOT NULL,
  first timestamptz NOT NULL,
  last timestamptz NOT NULL,
  count bigint NOT NULL CHECK (count > 0),
  expected_count bigint NOT NULL,
  gap_count bigint NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (instrument_id, timeframe)
);
