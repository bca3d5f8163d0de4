// The fill path's statements; see fill_statements.h.
#include "store/fill_statements.h"

namespace tradestore::detail::statements {

const std::string& OrderInsertSql(sql::Dialect dialect) {
  static const std::string kSqlite = kOrderInsert.InsertSql(
      " ON CONFLICT (bot_id, client_order_id) DO NOTHING RETURNING id, bot_version",
      {{"bot_version",
        "COALESCE(NULLIF(?, ''), (SELECT version FROM trading.bots WHERE id = ?))"}});
  // Citus refuses the subquery in VALUES: a function (migration 0010).
  static const std::string kPostgres = kOrderInsert.InsertSql(
      " ON CONFLICT (bot_id, client_order_id) DO NOTHING RETURNING id, bot_version",
      {{"bot_version", "COALESCE(NULLIF(?, ''), trading.bot_version(?))"}});
  return dialect == sql::Dialect::kPostgres ? kPostgres : kSqlite;
}

const std::string& OrderEventInsertSql() {
  static const std::string kSql = kOrderEventInsert.InsertSql();
  return kSql;
}

const std::string& FillInsertSql() {
  static const std::string kSql =
      kFillInsert.InsertSql(" ON CONFLICT (bot_id, venue, venue_fill_id) DO NOTHING RETURNING id");
  return kSql;
}

const std::string& TradeInsertSql() {
  static const std::string kSql = kTradeInsert.InsertSql(" RETURNING id");
  return kSql;
}

const std::string& PositionUpsertSql() {
  static const std::string kSql =
      kPositionRow.InsertSql(" ON CONFLICT (bot_id, account_id, instrument_id) DO UPDATE SET " +
                             kPositionRow.ExcludedAssignments(kPositionKey));
  return kSql;
}

const std::string& PositionEventInsertSql() {
  static const std::string kSql = kPositionEventInsert.InsertSql();
  return kSql;
}

}  // namespace tradestore::detail::statements
