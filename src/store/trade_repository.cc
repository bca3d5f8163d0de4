// The trade journal: listing, reading and reviewing closed trades. Trades
// are written by the fill path (fill_recording.cc) through InsertTrade.
#include <algorithm>
#include <string>
#include <vector>

#include "store/domain_queries.h"
#include "store/execution_internal.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::Database;

namespace {

constexpr std::string_view kTradeColumns =
    "id, bot_id, account_id, instrument_id, strategy, side, entry_time, exit_time, entry_price, "
    "exit_price, quantity, gross_pnl, fees, net_pnl, mae, mfe, exit_reason, signal_id, mode, "
    "is_test, strategy_version, bot_version, entry_order_id, exit_order_id, entry_fees, "
    "exit_fees, entry_slippage, exit_slippage, pnl_percent, outcome, initial_stop, target, "
    "risk_amount, position_size_rule, r_multiple, mae_r, mfe_r, regime, volatility, atr, "
    "session, trend, setup, tags, notes, mental_state, rule_breaks, grade, links, reviewed_at";

Trade ReadTrade(const sql::Statement& st) {
  Trade t;
  t.id = st.GetInt64(0);
  t.bot_id = st.GetInt64(1);
  t.account_id = st.GetInt64(2);
  t.instrument_id = st.GetInt64(3);
  t.strategy = st.GetText(4);
  t.side = ParseSide(st.GetText(5));
  t.entry_time = st.GetTimestamp(6);
  t.exit_time = st.GetTimestamp(7);
  t.entry_price = st.GetDecimal(8);
  t.exit_price = st.GetDecimal(9);
  t.quantity = st.GetDecimal(10);
  t.gross_pnl = st.GetDecimal(11);
  t.fees = st.GetDecimal(12);
  t.net_pnl = st.GetDecimal(13);
  t.mae = st.GetDecimal(14);
  t.mfe = st.GetDecimal(15);
  t.exit_reason = st.GetText(16);
  t.signal_id = st.GetOptionalInt64(17);
  t.mode = ParseRunMode(st.GetText(18));
  t.is_test = st.GetBool(19);
  t.strategy_version = st.GetText(20);
  t.bot_version = st.GetText(21);
  t.entry_order_id = st.GetOptionalInt64(22);
  t.exit_order_id = st.GetOptionalInt64(23);
  t.entry_fees = st.GetDecimal(24);
  t.exit_fees = st.GetDecimal(25);
  t.entry_slippage = st.GetDecimal(26);
  t.exit_slippage = st.GetDecimal(27);
  t.pnl_percent = st.GetOptionalDouble(28).value_or(0);
  t.outcome = st.GetText(29);
  t.initial_stop = st.GetOptionalDecimal(30);
  t.target = st.GetOptionalDecimal(31);
  t.risk_amount = st.GetOptionalDecimal(32);
  t.position_size_rule = st.GetText(33);
  t.r_multiple = st.GetOptionalDouble(34);
  t.mae_r = st.GetOptionalDouble(35);
  t.mfe_r = st.GetOptionalDouble(36);
  t.regime = st.GetText(37);
  t.volatility = st.GetOptionalDouble(38);
  t.atr = st.GetOptionalDouble(39);
  t.session = st.GetText(40);
  t.trend = st.GetText(41);
  t.setup = st.GetText(42);
  t.tags = st.GetText(43);
  t.notes = st.GetText(44);
  t.mental_state = st.GetText(45);
  t.rule_breaks = st.GetText(46);
  t.grade = st.GetText(47);
  t.links = st.GetText(48);
  if (!st.IsNull(49)) t.reviewed_at = st.GetTimestamp(49);
  return t;
}

}  // namespace

namespace detail {

TradeId InsertTrade(sql::Connection& c, const Trade& t) {
  auto& ti = c.Prepare(
      "INSERT INTO trading.trades (bot_id, account_id, instrument_id, strategy, side, "
      "entry_time, exit_time, entry_price, exit_price, quantity, gross_pnl, fees, net_pnl, mae, "
      "mfe, exit_reason, signal_id, mode, is_test, strategy_version, bot_version, "
      "entry_order_id, exit_order_id, entry_fees, exit_fees, entry_slippage, exit_slippage, "
      "pnl_percent, outcome, initial_stop, target, risk_amount, position_size_rule, "
      "r_multiple, mae_r, mfe_r, regime, volatility, atr, session, trend, setup) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
  ti.Bind(1, t.bot_id).Bind(2, t.account_id).Bind(3, t.instrument_id).Bind(4, t.strategy);
  ti.Bind(5, ToString(t.side)).Bind(6, t.entry_time).Bind(7, t.exit_time);
  ti.Bind(8, t.entry_price).Bind(9, t.exit_price).Bind(10, t.quantity).Bind(11, t.gross_pnl);
  ti.Bind(12, t.fees).Bind(13, t.net_pnl).Bind(14, t.mae).Bind(15, t.mfe);
  ti.Bind(16, t.exit_reason).Bind(17, t.signal_id).Bind(18, ToString(t.mode));
  ti.Bind(19, t.is_test).Bind(20, t.strategy_version).Bind(21, t.bot_version);
  ti.Bind(22, t.entry_order_id).Bind(23, t.exit_order_id).Bind(24, t.entry_fees);
  ti.Bind(25, t.exit_fees).Bind(26, t.entry_slippage).Bind(27, t.exit_slippage);
  ti.Bind(28, t.pnl_percent).Bind(29, t.outcome).Bind(30, t.initial_stop).Bind(31, t.target);
  ti.Bind(32, t.risk_amount).Bind(33, t.position_size_rule).Bind(34, t.r_multiple);
  ti.Bind(35, t.mae_r).Bind(36, t.mfe_r).Bind(37, t.regime).Bind(38, t.volatility);
  ti.Bind(39, t.atr).Bind(40, t.session).Bind(41, t.trend).Bind(42, t.setup);
  ti.Step();
  const TradeId id = ti.GetInt64(0);
  ti.Reset();
  return id;
}

BoundQuery TradeListQuery(const TradeFilter& f) {
  BoundQuery q;
  q.sql = "SELECT " + std::string(kTradeColumns) + " FROM trading.trades WHERE 1 = 1";
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
                 .Prepare("SELECT " + std::string(kTradeColumns) +
                          " FROM trading.trades WHERE bot_id = ? AND id = ?");
  st.Bind(1, bot).Bind(2, id);
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
  c.Prepare(
       "UPDATE trading.trades SET setup = ?, tags = ?, notes = ?, mental_state = ?, "
       "rule_breaks = ?, grade = ?, links = ?, reviewed_at = ? WHERE bot_id = ? AND id = ?")
      .Bind(1, review.setup)
      .Bind(2, review.tags)
      .Bind(3, review.notes)
      .Bind(4, review.mental_state)
      .Bind(5, review.rule_breaks)
      .Bind(6, review.grade)
      .Bind(7, review.links)
      .Bind(8, time)
      .Bind(9, bot)
      .Bind(10, id)
      .Execute();
  Trade out = Get(bot, id);
  tx.Commit();
  return out;
}

}  // namespace tradestore
