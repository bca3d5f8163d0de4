-- analytics database: computed results, never the source of truth.
-- A performance report as computed at the end of a backtest or on request.
CREATE TABLE performance_reports (
  id INTEGER PRIMARY KEY,
  bot_id INTEGER NOT NULL,
  computed_at INTEGER NOT NULL,          -- µs since the epoch, UTC
  period_start INTEGER,
  period_end INTEGER,
  report_json TEXT NOT NULL,
  UNIQUE (bot_id, id)
);
CREATE INDEX performance_reports_bot ON performance_reports (bot_id, computed_at);
