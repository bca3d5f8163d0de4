// Daily P&L rows (analytics.daily_pnl).
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/daily_pnl.h"
#include "tradestore/error.h"

namespace tradestore {

using detail::Database;
using detail::schema::Columns;
using detail::schema::tables::kDailyPnl;

namespace {

constexpr auto kRow = Columns<kDailyPnl>::All();

DailyPnl ReadRow(const sql::Statement& st) {
  const detail::schema::RowReader<kDailyPnl> row(st, kRow);
  DailyPnl r;
  r.bot_id = row.Get<std::int64_t>("bot_id");
  r.account_id = row.Get<std::int64_t>("account_id");
  r.currency = row.Get<std::string>("currency");
  r.date = row.Get<Timestamp>("date");
  r.realized = row.Get<Decimal>("realized");
  r.unrealized = row.Get<Decimal>("unrealized");
  r.fees = row.Get<Decimal>("fees");
  r.net = row.Get<Decimal>("net");
  r.equity_start = row.Get<std::optional<Decimal>>("equity_start");
  r.equity_end = row.Get<std::optional<Decimal>>("equity_end");
  r.trades = row.Get<std::int64_t>("trades");
  r.bot_version = row.Get<std::string>("bot_version");
  r.strategy_version = row.Get<std::string>("strategy_version");
  r.mode = ParseRunMode(row.Get<std::string>("mode"));
  r.is_test = row.Get<bool>("is_test");
  r.updated_at = row.Get<Timestamp>("updated_at");
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
  static const std::string kSql =
      kRow.UpsertSql(Columns<kDailyPnl>::Only({"bot_id", "account_id", "currency", "date"}));
  detail::schema::RowWriter<kDailyPnl> w(impl_->connection(Database::kAnalytics).Prepare(kSql),
                                         kRow);
  w.Set("bot_id", out.bot_id).Set("account_id", out.account_id).Set("currency", out.currency);
  w.Set("date", out.date).Set("realized", out.realized).Set("unrealized", out.unrealized);
  w.Set("fees", out.fees).Set("net", out.net).Set("equity_start", out.equity_start);
  w.Set("equity_end", out.equity_end).Set("trades", out.trades);
  w.Set("bot_version", out.bot_version).Set("strategy_version", out.strategy_version);
  w.Set("mode", ToString(out.mode)).Set("is_test", out.is_test);
  w.Set("updated_at", out.updated_at).Done().Execute();
  return out;
}

std::vector<DailyPnl> DailyPnlRepository::List(const DailyPnlFilter& f) {
  std::string sql = kRow.SelectSql(" WHERE 1 = 1");
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
