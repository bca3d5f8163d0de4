-- market database: instruments and candles. Shared by every bot.
CREATE TABLE instruments (
  id INTEGER PRIMARY KEY,
  venue TEXT NOT NULL,
  symbol TEXT NOT NULL CHECK (symbol <> ''),
  base_asset TEXT NOT NULL DEFAULT '',
  quote_asset TEXT NOT NULL DEFAULT '',
  price_precision INTEGER NOT NULL CHECK (price_precision BETWEEN 0 AND 18),
  size_precision INTEGER NOT NULL CHECK (size_precision BETWEEN 0 AND 18),
  tick_size TEXT NOT NULL DEFAULT '0',   -- exact decimal, canonical text
  lot_size TEXT NOT NULL DEFAULT '0',
  created_at INTEGER NOT NULL,           -- µs since the epoch, UTC
  UNIQUE (venue, symbol)
);

-- One row per (instrument, timeframe, bucket start); clustered on the key
-- so that range reads are sequential.
CREATE TABLE candles (
  instrument_id INTEGER NOT NULL REFERENCES instruments (id),
  timeframe TEXT NOT NULL,
  open_time INTEGER NOT NULL,            -- µs since the epoch, UTC
  open REAL NOT NULL,
  high REAL NOT NULL,
  low REAL NOT NULL,
  close REAL NOT NULL,
  volume REAL NOT NULL,
  trades INTEGER,                        -- NULL = unknown
  PRIMARY KEY (instrument_id, timeframe, open_time)
) WITHOUT ROWID;
