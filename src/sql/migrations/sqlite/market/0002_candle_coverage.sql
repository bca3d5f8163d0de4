-- Coverage of each stored candle series (include/tradestore/coverage.h),
-- recomputed from the candles on every import and resample.
CREATE TABLE candle_coverage (
  instrument_id INTEGER NOT NULL REFERENCES instruments (id),
  timeframe TEXT NOT NULL,
  first INTEGER NOT NULL,            -- open time of the earliest candle, µs UTC
  last INTEGER NOT NULL,             -- open time of the latest candle, µs UTC
  count INTEGER NOT NULL CHECK (count > 0),
  expected_count INTEGER NOT NULL,   -- (last - first) / duration + 1
  gap_count INTEGER NOT NULL,        -- runs of missing buckets
  updated_at INTEGER NOT NULL,       -- µs UTC
  PRIMARY KEY (instrument_id, timeframe)
) WITHOUT ROWID;
