-- market.candle_chunks as a rowid table (docs/storage.md "Candle chunks").
-- 0005 made it WITHOUT ROWID, where a row's bytes stay in its b-tree page
-- only up to about a quarter of a page: the rest of a chunk (10-25 KB) went
-- to overflow pages whose last one was mostly empty, about 1-2 bytes per
-- candle. A rowid table keeps up to a whole page of a row in its leaf, so
-- only full overflow pages remain. The primary key is unchanged (SQLite
-- keeps it as a unique index); the table is copied once, in this
-- migration's transaction.
CREATE TABLE candle_chunks_rowid (
  instrument_id INTEGER NOT NULL REFERENCES instruments (id),
  timeframe TEXT NOT NULL,
  first_open_time INTEGER NOT NULL,      -- µs UTC, the chunk's first candle
  last_open_time INTEGER NOT NULL,       -- µs UTC, its last candle
  count INTEGER NOT NULL CHECK (count > 0),
  checksum INTEGER NOT NULL,             -- the chunk's trailer, as a signed 64-bit integer
  data BLOB NOT NULL,
  PRIMARY KEY (instrument_id, timeframe, first_open_time),
  CHECK (last_open_time >= first_open_time)
);
INSERT INTO candle_chunks_rowid
  (instrument_id, timeframe, first_open_time, last_open_time, count, checksum, data)
SELECT instrument_id, timeframe, first_open_time, last_open_time, count, checksum, data
FROM candle_chunks ORDER BY instrument_id, timeframe, first_open_time;
DROP TABLE candle_chunks;
ALTER TABLE candle_chunks_rowid RENAME TO candle_chunks;
