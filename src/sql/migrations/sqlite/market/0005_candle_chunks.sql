-- Compacted candles (issue 12 §1; docs/storage.md "Candle chunks"): a
-- complete run of one series' candles encoded as one chunk
-- (src/core/candle_chunk.h: delta-of-delta times, scaled-integer prices and
-- volumes, zstd, a format version and a checksum). A candle is either a row
-- of `candles` or inside exactly one chunk, never both; chunks of a series
-- never overlap. `count`, the open-time range and `checksum` repeat what the
-- chunk says about itself, so that `check` can compare the two and readers
-- can pick chunks by range without decoding them.
CREATE TABLE candle_chunks (
  instrument_id INTEGER NOT NULL REFERENCES instruments (id),
  timeframe TEXT NOT NULL,
  first_open_time INTEGER NOT NULL,      -- µs UTC, the chunk's first candle
  last_open_time INTEGER NOT NULL,       -- µs UTC, its last candle
  count INTEGER NOT NULL CHECK (count > 0),
  checksum INTEGER NOT NULL,             -- the chunk's trailer, as a signed 64-bit integer
  data BLOB NOT NULL,
  PRIMARY KEY (instrument_id, timeframe, first_open_time),
  CHECK (last_open_time >= first_open_time)
) WITHOUT ROWID;
