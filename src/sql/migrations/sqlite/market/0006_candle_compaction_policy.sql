-- The compaction policy of imports (issue 12 §1; docs/storage.md "Candle
-- chunks", CandleRepository::SetCompactionPolicy): an import of a series of
-- `timeframe` ('*': every timeframe without a row of its own) stores its
-- series' candles older than `older_than` µs at the time of the import as
-- chunks, in the import's unit of work. 0 compacts every candle. No row:
-- imports write rows, unless told otherwise.
CREATE TABLE candle_compaction_policy (
  timeframe TEXT NOT NULL PRIMARY KEY,
  older_than INTEGER NOT NULL CHECK (older_than >= 0),  -- µs
  updated_at INTEGER NOT NULL                            -- µs UTC
);
