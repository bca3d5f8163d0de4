-- Ids from sequences instead of identity columns (issue 13): Citus cannot
-- distribute a table with an identity column ("cannot complete operation on
-- a table with identity column"), and making trading.bots a reference table
-- first turns every table that references it into a Citus local table, which
-- create_distributed_table then refuses for the same reason. A bigint
-- column with DEFAULT nextval() of a sequence OWNED BY it behaves the same
-- for every writer (ids assigned by the database, an explicit id still
-- accepted, pg_get_serial_sequence() finds the sequence) and Citus
-- distributes it. Applies to plain PostgreSQL too, so one schema serves
-- both; an existing store is converted in place and each sequence continues
-- after the largest id in use. SQLite is unchanged (INTEGER PRIMARY KEY).
DO $$
DECLARE
  t text;
  seq text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
      'market.instruments', 'trading.bots', 'trading.accounts', 'trading.signals',
      'trading.orders', 'trading.order_events', 'trading.fills', 'trading.trades',
      'trading.ledger_entries', 'analytics.performance_reports', 'trading.position_events',
      'trading.risk_limits', 'audit.risk_events', 'config.configs', 'config.strategies',
      'audit.system_events', 'audit.error_log', 'analytics.pattern_cache',
      'analytics.ml_results', 'analytics.news_feeds'] LOOP
    -- DROP IDENTITY also drops the identity's own sequence (same name).
    seq := t || '_id_seq';
    EXECUTE format('ALTER TABLE %s ALTER COLUMN id DROP IDENTITY', t);
    EXECUTE format('CREATE SEQUENCE %s OWNED BY %s.id', seq, t);
    EXECUTE format('SELECT setval(%L, COALESCE(max(id), 0) + 1, false) FROM %s', seq, t);
    EXECUTE format('ALTER TABLE %s ALTER COLUMN id SET DEFAULT nextval(%L)', t, seq);
  END LOOP;
END $$;
