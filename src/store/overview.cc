// LoadOverview; see include/tradestore/overview.h.
#include "tradestore/overview.h"

#include <algorithm>

#include "store/query_util.h"
#include "store/store_impl.h"
#include "tradestore/error.h"

namespace tradestore {

using detail::BindParams;
namespace {

std::int64_t CountWhereBot(sql::Connection& c, std::string_view sql, BotId bot) {
  sql::Statement& st = c.Prepare(sql);
  BindParams(st, bot);
  const std::int64_t n = st.Step() ? st.GetInt64(0) : 0;
  st.Reset();
  return n;
}

Timestamp StartOfDay(Timestamp t) {
  std::int64_t m = t.micros() % kMicrosPerDay;
  if (m < 0) m += kMicrosPerDay;
  return Timestamp(t.micros() - m);
}

BotOverview Summarize(Store& store, const Bot& bot, const OverviewOptions& options) {
  BotOverview o;
  o.bot = bot;
  sql::Connection& c = detail::ImplOf(store).connection(detail::Database::kTrading);

  // Balances of the bot's accounts, and of its system accounts for the
  // realized P&L and fees (exact, maintained with every posting).
  std::map<std::string, Decimal> cash;  // currency -> sum over the bot's own accounts
  const std::vector<Account> accounts = store.accounts().List(bot.id, /*include_system=*/true);
  for (const Account& a : accounts) {
    for (const Balance& b : store.accounts().Balances(bot.id, a.id)) {
      if (a.kind == AccountKind::kBot) cash[b.currency] += b.amount;
    }
  }
  o.currency = bot.equity_currency;
  if (o.currency.empty() && !cash.empty()) {
    o.currency = std::max_element(cash.begin(), cash.end(), [](const auto& x, const auto& y) {
                   return x.second < y.second;
                 })->first;
  }
  for (const Account& a : accounts) {
    if (a.name == "system:pnl")
      o.realized_pnl = -store.accounts().BalanceOf(bot.id, a.id, o.currency);
    if (a.name == "system:fees") o.fees = store.accounts().BalanceOf(bot.id, a.id, o.currency);
  }

  // Equity: heartbeat, else the latest snapshot, else cash. The peak of the
  // snapshot curve gives the drawdown.
  std::optional<PortfolioSnapshot> last_snapshot;
  std::optional<Decimal> peak;
  for (const Account& a : accounts) {
    if (a.kind != AccountKind::kBot) continue;
    for (const PortfolioSnapshot& p : store.portfolio().Curve(bot.id, a.id)) {
      if (!peak || *peak < p.equity) peak = p.equity;
      if (!last_snapshot || last_snapshot->time < p.time) last_snapshot = p;
    }
  }
  if (bot.equity) {
    o.equity = bot.equity;
    o.equity_time = bot.last_heartbeat_at ? bot.last_heartbeat_at : bot.updated_at;
  } else if (last_snapshot) {
    o.equity = last_snapshot->equity;
    o.equity_time = last_snapshot->time;
  } else if (const auto it = cash.find(o.currency); it != cash.end()) {
    o.equity = it->second;
  }
  o.peak_equity = peak;
  if (peak && last_snapshot && Decimal() < *peak) {
    const double p = peak->ToDouble();
    o.drawdown = std::clamp((p - last_snapshot->equity.ToDouble()) / p, 0.0, 1.0);
  }

  // Today's closed trades (exit at or after 00:00 UTC; test trades too: the
  // bot was already selected): their count and net P&L, summed exactly from
  // the one column rather than loading whole trades (hundreds a day).
  {
    sql::Statement& st =
        c.Prepare("SELECT net_pnl FROM trading.trades WHERE bot_id = ? AND exit_time >= ?");
    BindParams(st, bot.id, StartOfDay(options.now));
    while (st.Step()) {
      o.today_net_pnl += st.GetDecimal(0);
      ++o.today_trades;
    }
    st.Reset();
  }
  // Kept by triggers in the fill's and the trade's own transactions
  // (migration 0005/0008 bot_counters): one lookup, not a count.
  o.trades = CountWhereBot(c, "SELECT trades FROM trading.bot_counters WHERE bot_id = ?", bot.id);
  o.fills = CountWhereBot(c, "SELECT fills FROM trading.bot_counters WHERE bot_id = ?", bot.id);
  o.open_positions = static_cast<std::int64_t>(store.positions().ListOpen(bot.id).size());
  {
    sql::Statement& st = c.Prepare(
        "SELECT status, count(*) FROM trading.orders WHERE bot_id = ? GROUP BY status "
        "ORDER BY status");
    BindParams(st, bot.id);
    while (st.Step()) o.orders_by_status[st.GetText(0)] = st.GetInt64(1);
    st.Reset();
  }

  if (bot.status != BotStatus::kActive) {
    o.health = "inactive";
  } else if ((bot.last_heartbeat_at &&
              options.now - *bot.last_heartbeat_at > options.stale_after) ||
             (!bot.last_heartbeat_at && o.trades > 0 && bot.mode == RunMode::kLive)) {
    o.health = "stale";
  } else {
    o.health = "ok";
  }
  return o;
}

}  // namespace

std::vector<BotOverview> LoadOverview(Store& store, const OverviewOptions& options) {
  std::vector<Bot> bots;
  if (options.bot) {
    bots.push_back(store.bots().Get(*options.bot));
  } else {
    bots = store.bots().List(options.include_test);
  }
  std::vector<BotOverview> out;
  out.reserve(bots.size());
  for (const Bot& b : bots) out.push_back(Summarize(store, b, options));
  return out;
}

}  // namespace tradestore
