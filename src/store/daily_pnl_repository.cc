// Daily P&L rows (analytics.daily_pnl).
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/store_impl.h"
#include "tradestore/daily_pnl.h"
#include "tradestore/error.h"

namespace tradestore {

using detail::Database;

namespace {

constexpr std::string_view kColumns =
    "bot_id, account_id, currency, date, realized, unrealized, fees, net, equity_start, "
    "equity_end, trades, bot_version, strategy_version, mode, is_test, updated_at";

DailyPnl ReadRow(const sql::Statement& st) {
  DailyPnl r;
  r.bot_id = st.GetInt64(0);
  r.account_id = st.GetInt64(1);
  r.currency = st.GetText(2);
  r.date = st.GetTimestamp(3);
  r.realized = st.GetDecimal(4);
  r.unrealized = st.GetDecimal(5);
  r.fees = st.GetDecimal(6);
  r.net = st.GetDecimal(7);
  r.equity_start = st.GetOptionalDecimal(8);
  r.equity_end = st.GetOptionalDecimal(9);
  r.trades = st.GetInt64(10);
  r.bot_version = st.GetText(11);
  r.strategy_version = st.GetText(12);
  r.mode = ParseRunMode(st.GetText(13));
  r.is_test = st.GetBool(14);
  r.updated_at = st.GetTimestamp(15);
  return r;
}

}  // namespace

DailyPnl DailyPnlRepository::Upsert(const DailyPnl& row) {
  const std::string what = "daily P&L (bot " + std::to_string(row.bot_id) + ", account " +
                           std::to_string(row.account_id) + ", " + row.currency + ", " +
                           row.date.ToIso() + ")";
  detail::RequireNonEmpty(row.currency, what, "currency");
  if (row.date.micros() % kMicrosPerDay != 0) {
    throw InvalidArgument(what + ": field 'date' must be a UTC midnight, got " + row.date.ToIso());
  }
  if (row.fees.IsNegative()) {
    throw InvalidArgument(what + ": field 'fees' is negative: " + row.fees.ToString());
  }
  if (row.trades < 0) {
    throw InvalidArgument(what + ": field 'trades' is negative: " + std::to_string(row.trades));
  }
  const detail::BotProvenance bot = detail::BotProvenanceOf(*impl_, row.bot_id);
  impl_->accounts.Get(row.bot_id, row.account_id);  // kNotFound
  DailyPnl out = row;
  out.net = row.realized + row.unrealized - row.fees;
  out.mode = bot.mode;
  out.is_test = bot.is_test;
  if (out.bot_version.empty()) out.bot_version = bot.version;
  out.updated_at = Timestamp::Now();
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare(
                     "INSERT INTO analytics.daily_pnl (bot_id, account_id, currency, date, "
                     "realized, unrealized, fees, net, equity_start, equity_end, trades, "
                     "bot_version, strategy_version, mode, is_test, updated_at) VALUES "
                     "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (bot_id, account_id, currency, date) DO UPDATE SET "
                     "realized = excluded.realized, unrealized = excluded.unrealized, "
                     "fees = excluded.fees, net = excluded.net, "
                     "equity_start = excluded.equity_start, equity_end = excluded.equity_end, "
                     "trades = excluded.trades, bot_version = excluded.bot_version, "
                     "strategy_version = excluded.strategy_version, mode = excluded.mode, "
                     "is_test = excluded.is_test, updated_at = excluded.updated_at");
  st.Bind(1, out.bot_id).Bind(2, out.account_id).Bind(3, out.currency).Bind(4, out.date);
  st.Bind(5, out.realized).Bind(6, out.unrealized).Bind(7, out.fees).Bind(8, out.net);
  st.Bind(9, out.equity_start).Bind(10, out.equity_end).Bind(11, out.trades);
  st.Bind(12, out.bot_version).Bind(13, out.strategy_version).Bind(14, ToString(out.mode));
  st.Bind(15, out.is_test).Bind(16, out.updated_at).Execute();
  return out;
}

std::vector<DailyPnl> DailyPnlRepository::List(const DailyPnlFilter& f) {
  std::string sql = "SELECT " + std::string(kColumns) + " FROM analytics.daily_pnl WHERE 1 = 1";
  if (f.bot) sql += " AND bot_id = ?";
  if (f.account) sql += " AND account_id = ?";
  if (f.currency) sql += " AND currency = ?";
  sql += detail::RangeSql("date", f.range);
  if (!f.include_test) sql += " AND is_test = 0";
  sql += " ORDER BY date, bot_id, account_id, currency";
  auto& st = impl_->connection(Database::kAnalytics).Prepare(sql);
  int i = 1;
  if (f.bot) st.Bind(i++, *f.bot);
  if (f.account) st.Bind(i++, *f.account);
  if (f.currency) st.Bind(i++, *f.currency);
  detail::BindRange(st, i, f.range);
  std::vector<DailyPnl> out;
  while (st.Step()) out.push_back(ReadRow(st));
  return out;
}

}  // namespace tradestore
