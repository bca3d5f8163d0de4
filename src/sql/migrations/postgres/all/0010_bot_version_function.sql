-- The bot's version, for an order written without one (OrderInsertSql in
-- src/store/fill_statements.cc). A function instead of a subquery in the
-- INSERT's VALUES: Citus refuses subqueries there ("subqueries are not
-- supported within INSERT queries") but evaluates a STABLE function on the
-- coordinator before routing the row to its shard. Plain PostgreSQL gives
-- the same result either way.
CREATE FUNCTION trading.bot_version(bot bigint) RETURNS text
  LANGUAGE sql STABLE AS $$ SELECT version FROM trading.bots WHERE id = bot $$;
