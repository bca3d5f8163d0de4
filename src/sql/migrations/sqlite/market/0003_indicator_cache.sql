-- Indicator cache (issue 5 item 2; include/tradestore/indicator_cache.h):
-- values of technical indicators computed over a stored candle series,
-- keyed like the candles plus the indicator's canonical name with its
-- parameters ("rsi(14)", "adx(14)", "bollinger(20,2)", "macd(12,26,9)",
-- "vwap(session)", "regime"). Only bars where the indicator is defined
-- (after its warm-up) have a row. Multi-output indicators use value2..4
-- (documented per indicator in indicator_cache.h); label holds the regime's
-- "trend/volatility" text, NULL otherwise. Derived data: can be deleted and
-- recomputed at any time.
CREATE TABLE indicator_cache (
  instrument_id INTEGER NOT NULL REFERENCES instruments (id),
  timeframe TEXT NOT NULL,
  open_time INTEGER NOT NULL,       -- µs UTC, the candle's open time
  indicator TEXT NOT NULL,
  value REAL NOT NULL,
  value2 REAL,
  value3 REAL,
  value4 REAL,
  label TEXT,
  PRIMARY KEY (instrument_id, timeframe, indicator, open_time)
) WITHOUT ROWID;
