// The trade journal: listing, reading and reviewing closed trades. Trades
// are written by the fill path (fill_recording.cc) through InsertTrade.
#include <algorithm>
#include <string>
#include <vector>

#include "store/domain_queries.h"
#include "store/execution_internal.h"
#include "store/fill_statements.h"
#include "store/query_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::BindParams;

using detail::Database;
namespace schema = detail::schema;

namespace {

using schema::tables::kTrades;
// Every column of the journal, read back whole.
constexpr auto kTradeRow = schema::Columns<kTrades>::All();

Trade ReadTrade(const sql::Statement& st) {
  const schema::RowReader<kTrades> r(st, kTradeRow);
  Trade t;
  t.id = r.Get<std::int64_t>("id");
  t.bot_id = r.Get<std::int64_t>("bot_id");
  t.account_id = r.Get<std::int64_t>("account_id");
  t.instrument_id = r.Get<std::int64_t>("instrument_id");
  t.strategy = r.Get<std::string>("strategy");
  t.side = ParseSide(r.Get<std::string>("side"));
  t.entry_time = r.Get<Timestamp>("entry_time");
  t.exit_time = r.Get<Timestamp>("exit_time");
  t.entry_price = r.Get<Decimal>("entry_price");
  t.exit_price = r.Get<Decimal>("exit_price");
  t.quantity = r.Get<Decimal>("quantity");
  t.gross_pnl = r.Get<Decimal>("gross_pnl");
  t.fees = r.Get<Decimal>("fees");
  t.net_pnl = r.Get<Decimal>("net_pnl");
  t.mae = r.Get<Decimal>("mae");
  t.mfe = r.Get<Decimal>("mfe");
  t.exit_reason = r.Get<std::string>("exit_reason");
  t.signal_id = r.Get<std::optional<std::int64_t>>("signal_id");
  t.mode = ParseRunMode(r.Get<std::string>("mode"));
  t.is_test = r.Get<bool>("is_test");
  t.strategy_version = r.Get<std::string>("strategy_version");
  t.bot_version = r.Get<std::string>("bot_version");
  t.entry_order_id = r.Get<std::optional<std::int64_t>>("entry_order_id");
  t.exit_order_id = r.Get<std::optional<std::int64_t>>("exit_order_id");
  t.entry_fees = r.Get<Decimal>("entry_fees");
  t.exit_fees = r.Get<Decimal>("exit_fees");
  t.entry_slippage = r.Get<Decimal>("entry_slippage");
  t.exit_slippage = r.Get<Decimal>("exit_slippage");
  t.pnl_percent = r.Get<std::optional<double>>("pnl_percent").value_or(0);
  t.outcome = r.Get<std::string>("outcome");
  t.initial_stop = r.Get<std::optional<Decimal>>("initial_stop");
  t.target = r.Get<std::optional<Decimal>>("target");
  t.risk_amount = r.Get<std::optional<Decimal>>("risk_amount");
  t.position_size_rule = r.Get<std::string>("position_size_rule");
  t.r_multiple = r.Get<std::optional<double>>("r_multiple");
  t.mae_r = r.Get<std::optional<double>>("mae_r");
  t.mfe_r = r.Get<std::optional<double>>("mfe_r");
  t.regime = r.Get<std::string>("regime");
  t.volatility = r.Get<std::optional<double>>("volatility");
  t.atr = r.Get<std::optional<double>>("atr");
  t.session = r.Get<std::string>("session");
  t.trend = r.Get<std::string>("trend");
  t.setup = r.Get<std::string>("setup");
  t.tags = r.Get<std::string>("tags");
  t.notes = r.Get<std::string>("notes");
  t.mental_state = r.Get<std::string>("mental_state");
  t.rule_breaks = r.Get<std::string>("rule_breaks");
  t.grade = r.Get<std::string>("grade");
  t.links = r.Get<std::string>("links");
  if (auto reviewed = r.Get<std::optional<Timestamp>>("reviewed_at")) t.reviewed_at = *reviewed;
  return t;
}

}  // namespace

namespace detail {

TradeId InsertTrade(sql::Connection& c, const Trade& t) {
  using detail::statements::kTradeInsert;
  schema::RowWriter<kTrades> row(c.Prepare(detail::statements::TradeInsertSql()), kTradeInsert);
  row.Set("bot_id", t.bot_id).Set("account_id", t.account_id);
  row.Set("instrument_id", t.instrument_id).Set("strategy", t.strategy);
  row.Set("side", ToString(t.side)).Set("entry_time", t.entry_time).Set("exit_time", t.exit_time);
  row.Set("entry_price", t.entry_price).Set("exit_price", t.exit_price);
  row.Set("quantity", t.quantity).Set("gross_pnl", t.gross_pnl).Set("fees", t.fees);
  row.Set("net_pnl", t.net_pnl).Set("mae", t.mae).Set("mfe", t.mfe);
  row.Set("exit_reason", t.exit_reason).Set("signal_id", t.signal_id);
  row.Set("mode", ToString(t.mode)).Set("is_test", t.is_test);
  row.Set("strategy_version", t.strategy_version).Set("bot_version", t.bot_version);
  row.Set("entry_order_id", t.entry_order_id).Set("exit_order_id", t.exit_order_id);
  row.Set("entry_fees", t.entry_fees).Set("exit_fees", t.exit_fees);
  row.Set("entry_slippage", t.entry_slippage).Set("exit_slippage", t.exit_slippage);
  row.Set("pnl_percent", t.pnl_percent).Set("outcome", t.outcome);
  row.Set("initial_stop", t.initial_stop).Set("target", t.target);
  row.Set("risk_amount", t.risk_amount).Set("position_size_rule", t.position_size_rule);
  row.Set("r_multiple", t.r_multiple).Set("mae_r", t.mae_r).Set("mfe_r", t.mfe_r);
  row.Set("regime", t.regime).Set("volatility", t.volatility).Set("atr", t.atr);
  row.Set("session", t.session).Set("trend", t.trend).Set("setup", t.setup);
  sql::Statement& ti = row.Done();
  ti.Step();
  const TradeId id = ti.GetInt64(0);
  ti.Reset();
  return id;
}

BoundQuery TradeListQuery(const TradeFilter& f) {
  BoundQuery q;
  q.sql = kTradeRow.SelectSql(" WHERE 1 = 1");
  auto add_text = [&q](const char* clause, const std::optional<std::string>& v) {
    if (!v) return;
    q.sql += clause;
    q.binds.push_back([v = *v](sql::Statement& st, int i) { st.Bind(i, v); });
  };
  if (f.bot) {
    q.sql += " AND bot_id = ?";
    q.binds.push_back([v = *f.bot](sql::Statement& st, int i) { st.Bind(i, v); });
  }
  add_text(" AND strategy = ?", f.strategy);
  add_text(" AND regime = ?", f.regime);
  add_text(" AND exit_reason = ?", f.exit_reason);
  if (f.outcome && *f.outcome != "win" && *f.outcome != "loss" && *f.outcome != "breakeven") {
    throw InvalidArgument("trade filter: field 'outcome' value '" + *f.outcome +
                          "' is not win, loss or breakeven");
  }
  add_text(" AND outcome = ?", f.outcome);
  if (f.instrument) {
    q.sql += " AND instrument_id = ?";
    q.binds.push_back([v = *f.instrument](sql::Statement& st, int i) { st.Bind(i, v); });
  }
  if (f.exit_time.from) {
    q.sql += " AND exit_time >= ?";
    q.binds.push_back([v = *f.exit_time.from](sql::Statement& st, int i) { st.Bind(i, v); });
  }
  if (f.exit_time.to) {
    q.sql += " AND exit_time < ?";
    q.binds.push_back([v = *f.exit_time.to](sql::Statement& st, int i) { st.Bind(i, v); });
  }
  if (!f.include_test) q.sql += " AND is_test = 0";
  q.sql += " ORDER BY exit_time, id";
  if (f.limit > 0) q.sql += " LIMIT " + std::to_string(f.limit);
  return q;
}

}  // namespace detail

std::vector<Trade> TradeRepository::List(const TradeFilter& filter) {
  const detail::BoundQuery q = detail::TradeListQuery(filter);
  auto& st = impl_->connection(Database::kTrading).Prepare(q.sql);
  q.BindAll(st);
  std::vector<Trade> out;
  while (st.Step()) out.push_back(ReadTrade(st));
  return out;
}

Trade TradeRepository::Get(BotId bot, TradeId id) {
  auto& st = impl_->connection(Database::kTrading)
                 .Prepare(kTradeRow.SelectSql(" WHERE bot_id = ? AND id = ?"));
  BindParams(st, bot, id);
  if (!st.Step()) {
    throw NotFound("trade " + std::to_string(id) + " of bot " + std::to_string(bot) +
                   " does not exist");
  }
  Trade out = ReadTrade(st);
  st.Reset();
  return out;
}

Trade TradeRepository::UpdateReview(BotId bot, TradeId id, const TradeReview& review,
                                    Timestamp time) {
  const std::string what = "review of trade " + std::to_string(id);
  static const std::vector<std::string> kGrades = [] {
    std::vector<std::string> g{""};
    for (const char* letter : {"A", "B", "C", "D", "F"}) {
      for (const char* mod : {"", "+", "-"}) g.push_back(std::string(letter) + mod);
    }
    return g;
  }();
  if (std::find(kGrades.begin(), kGrades.end(), review.grade) == kGrades.end()) {
    throw InvalidArgument(what + ": field 'grade' value '" + review.grade +
                          "' is not A-D or F with an optional + or -");
  }
  std::string_view links = review.links;
  while (!links.empty()) {
    const auto nl = links.find('\n');
    std::string_view link = links.substr(0, nl);
    if (!link.empty() && !link.starts_with("http://") && !link.starts_with("https://")) {
      throw InvalidArgument(what + ": field 'links' value '" + std::string(link) +
                            "' is not an http(s) URL");
    }
    if (nl == std::string_view::npos) break;
    links.remove_prefix(nl + 1);
  }
  auto& c = impl_->connection(Database::kTrading);
  sql::Transaction tx(c);
  Get(bot, id);
  constexpr auto kUpdate = detail::schema::Columns<kTrades>::Only(
      {"setup", "tags", "notes", "mental_state", "rule_breaks", "grade", "links", "reviewed_at"});
  static const std::string kSql = kUpdate.UpdateSql(" WHERE bot_id = ? AND id = ?");
  detail::schema::RowWriter<kTrades>(c.Prepare(kSql), kUpdate)
      .Set("setup", review.setup)
      .Set("tags", review.tags)
      .Set("notes", review.notes)
      .Set("mental_state", review.mental_state)
      .Set("rule_breaks", review.rule_breaks)
      .Set("grade", review.grade)
      .Set("links", review.links)
      .Set("reviewed_at", time)
      .Where(bot, id)
      .Done()
      .Execute();
  Trade out = Get(bot, id);
  tx.Commit();
  return out;
}

}  // namespace tradestore
