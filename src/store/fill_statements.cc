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

const std::string& OrderStatusUpdateSql() {
  static const std::string kSql = kOrderStatusUpdate.UpdateSql(" WHERE bot_id = ? AND id = ?");
  return kSql;
}

const std::string& OrderFillUpdateSql() {
  static const std::string kSql = kOrderFillUpdate.UpdateSql(" WHERE bot_id = ? AND id = ?");
  return kSql;
}

namespace {

// A balance upsert whose new row takes its bot's id, mode and test flag and
// '0' for `zero`; a conflict on (bot_id, account_id, currency) updates
// `columns` but the key.
std::string BalanceUpsertSql(Columns<tables::kBalances> columns, std::string_view zero) {
  constexpr auto kKey = Columns<tables::kBalances>::Only({"account_id", "currency"});
  return columns.InsertSelectSql(
             {{"bot_id", "id"}, {zero, "'0'"}, {"mode", "mode"}, {"is_test", "is_test"}},
             " FROM trading.bots WHERE id = ? ON CONFLICT (bot_id, account_id, currency) DO "
             "UPDATE SET ") +
         columns.ExcludedAssignments(kKey);
}

}  // namespace

const std::string& BalanceAmountUpsertSql() {
  static const std::string kSql = BalanceUpsertSql(kBalanceAmount, "locked");
  return kSql;
}

const std::string& BalanceLockedUpsertSql() {
  static const std::string kSql = BalanceUpsertSql(kBalanceLocked, "amount");
  return kSql;
}

const std::string& LedgerFirstLegSql(sql::Dialect dialect) {
  static const std::string kReturning = " RETURNING " + kLedgerReturning.List();
  // `next_id`: a one-row subquery whose column m is the id to draw.
  const auto insert = [](std::string_view next_id) {
    return kLedgerLeg.InsertSelectSql({{"id", "n.m"},
                                       {"bot_id", "b.id"},
                                       {"journal_id", "n.m"},
                                       {"mode", "b.mode"},
                                       {"is_test", "b.is_test"}},
                                      " FROM trading.bots b, (" + std::string(next_id) +
                                          ") n WHERE b.id = ?" + kReturning);
  };
  static const std::string kSqlite =
      insert("SELECT COALESCE(MAX(id), 0) + 1 AS m FROM trading.ledger_entries");
  static const std::string kPostgres =
      insert("SELECT nextval(pg_get_serial_sequence('trading.ledger_entries', 'id')) AS m");
  return dialect == sql::Dialect::kPostgres ? kPostgres : kSqlite;
}

const std::string& LedgerNextLegSql() {
  static const std::string kSql = kLedgerNextLeg.InsertSelectSql(
      {{"bot_id", "id"}, {"mode", "mode"}, {"is_test", "is_test"}},
      " FROM trading.bots WHERE id = ? RETURNING " + kLedgerReturning.List());
  return kSql;
}

const std::string& LedgerSystemLegSql() {
  static const std::string kSql = kLedgerSystemLeg.InsertSelectSql(
      {{"bot_id", "a.bot_id"},
       {"account_id", "a.id"},
       {"mode", "b.mode"},
       {"is_test", "b.is_test"}},
      " FROM trading.accounts a JOIN trading.bots b ON b.id = a.bot_id WHERE a.bot_id = ? AND "
      "a.id = ? AND a.name = ? AND a.kind = 'system'");
  return kSql;
}

}  // namespace tradestore::detail::statements
