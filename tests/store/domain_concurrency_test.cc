// Several bots trade a real day at once, in threads and in separate
// processes (domain_driver), on one store; then the books must reconcile
// exactly, per bot, with test data kept apart; the risk limit bot t-3 hits
// is recorded once, for it alone, and every signal's outcome is its trade's
// net P&L.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "store/domain_day.h"
#include "store/store_test_util.h"
#include "tradestore/error.h"
#include "tradestore/risk.h"

extern char** environ;

namespace tradestore {
namespace {

using testing::Backend;
using testing::TempDir;

const char* const kCandles =
    TRADESTORE_SOURCE_DIR "/examples/data/ohlcv/binanceus/BTCUSDC_1m_20230301_20230321.csv";

class DomainConcurrency : public ::testing::TestWithParam<Backend> {};
TRADESTORE_ON_ALL_BACKENDS(DomainConcurrency);

pid_t Spawn(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ), 0) << args[0];
  return pid;
}

TEST_P(DomainConcurrency, BotsInThreadsAndProcessesReconcileExactly) {
  TempDir dir;
  const std::string url = GetParam() == Backend::kSqlite ? "sqlite:" + dir.Sub("store")
                                                         : testing::FreshStoreUrl(GetParam());
  const auto candles = testing::LoadDayCandles(kCandles);
  ASSERT_EQ(candles.size(), 1440u);
  {
    Store setup = Store::Open(url);  // created and migrated once
    testing::DayInstrument(setup);
  }

  // Two processes and three threads, all at once; bot "t-2" is test data.
  const std::vector<std::string> names = {"p-0", "p-1", "t-2", "t-3", "t-4"};
  std::vector<pid_t> pids;
  for (int i = 0; i < 2; ++i) {
    pids.push_back(
        Spawn({TRADESTORE_DOMAIN_DRIVER, url, names[i], std::to_string(i), "0", kCandles}));
  }
  std::map<std::string, testing::DayReport> reports;
  std::mutex mu;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int i = 2; i < 5; ++i) {
    threads.emplace_back([&, i] {
      try {
        auto r = testing::RunDay(url, names[i], i, i == 2, candles);
        std::lock_guard lock(mu);
        reports[names[i]] = r;
      } catch (const std::exception& e) {
        std::lock_guard lock(mu);
        errors.push_back(names[i] + ": " + e.what());
      }
    });
  }
  for (auto& t : threads) t.join();
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "driver status " << status;
  }
  ASSERT_TRUE(errors.empty()) << errors.front();

  Store store = Store::Open(url);
  std::set<BotId> bot_ids;
  int total_trades = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    SCOPED_TRACE(names[i]);
    const Bot bot = *store.bots().FindByName(names[i]);
    bot_ids.insert(bot.id);
    EXPECT_EQ(bot.is_test, i == 2);
    EXPECT_EQ(bot.runtime_state, "done");

    // Balances equal ledger sums exactly, per account (system accounts
    // included) and currency; every journal sums to zero.
    for (const auto& a : store.accounts().List(bot.id, /*include_system=*/true)) {
      EXPECT_EQ(a.bot_id, bot.id);
      for (const auto& b : store.accounts().Balances(bot.id, a.id)) {
        EXPECT_EQ(b.amount, store.ledger().SumEntries(bot.id, a.id, b.currency))
            << a.name << " " << b.currency;
        EXPECT_TRUE(b.locked.IsZero()) << a.name;  // no order is left open
      }
    }
    LedgerFilter lf;
    lf.bot = bot.id;
    lf.include_system = true;
    lf.include_test = true;
    std::map<std::int64_t, Decimal> journals;
    Decimal realized, fees, deposits, withdrawals;
    for (const auto& e : store.ledger().Query(lf)) {
      EXPECT_EQ(e.bot_id, bot.id);
      EXPECT_EQ(e.is_test, bot.is_test);
      journals[e.journal_id] += e.amount;
      const bool bot_leg = store.accounts().Get(bot.id, e.account_id).kind == AccountKind::kBot;
      if (!bot_leg) continue;
      if (e.type == LedgerEntryType::kRealizedPnl) realized += e.amount;
      if (e.type == LedgerEntryType::kFee) fees -= e.amount;
      if (e.type == LedgerEntryType::kDeposit) deposits += e.amount;
      if (e.type == LedgerEntryType::kWithdrawal) withdrawals += e.amount;
    }
    for (const auto& [journal, sum] : journals) EXPECT_TRUE(sum.IsZero()) << journal;
    EXPECT_EQ(deposits, Decimal::FromInt(10000));
    EXPECT_EQ(withdrawals, Decimal::FromInt(-100));

    // Every fill once: as many fills as distinct reports, none twice, and
    // each order's filled quantity is the sum of its fills.
    const auto fills = store.orders().ListFills(bot.id);
    std::set<std::string> fill_ids;
    std::map<OrderId, Decimal> filled;
    Decimal net;
    for (const auto& f : fills) {
      EXPECT_EQ(f.bot_id, bot.id);
      EXPECT_TRUE(fill_ids.insert(f.venue + "/" + f.venue_fill_id).second);
      filled[f.order_id] += f.quantity;
      net += f.side == Side::kBuy ? f.quantity : -f.quantity;
    }
    const bool halted = i == 3;  // t-3's daily loss limit is 0.01 USDC
    if (reports.count(names[i])) {
      EXPECT_EQ(static_cast<int>(fills.size()), reports[names[i]].distinct_fills);
      EXPECT_GT(reports[names[i]].fill_reports, reports[names[i]].distinct_fills);
      if (!halted) {
        EXPECT_GT(reports[names[i]].cancels, 0);
      }
      // Evaluated again after the breach: the same event came back.
      EXPECT_EQ(reports[names[i]].risk_evaluations_after_halt > 0, halted);
    }
    int cancelled = 0;
    for (const auto& o : store.orders().List(bot.id)) {
      EXPECT_EQ(o.filled_quantity, filled[o.id]) << "order " << o.id;
      EXPECT_TRUE(IsTerminal(o.status)) << "order " << o.id;
      if (o.status == OrderStatus::kCancelled) ++cancelled;
    }
    if (!halted) {
      EXPECT_GT(cancelled, 0);
    }

    // Positions equal the net of their fills (flat at the end of the day).
    const Account account = store.accounts().GetOrCreate(bot.id, "main");
    const auto pos = store.positions().Get(bot.id, account.id,
                                           store.instruments().Find("binanceus", "BTCUSDC")->id);
    ASSERT_TRUE(pos.has_value());
    EXPECT_EQ(pos->quantity, net);
    EXPECT_TRUE(pos->is_flat());

    // Trades reconcile with fills and the ledger: gross P&L = realized P&L
    // postings, fees = fee postings, and each trade's quantity went in and
    // out.
    TradeFilter tf;
    tf.bot = bot.id;
    tf.include_test = true;
    const auto trades = store.trades().List(tf);
    EXPECT_GT(trades.size(), halted ? 0u : 3u);
    total_trades += static_cast<int>(trades.size());
    Decimal gross, trade_fees;
    std::set<std::string> reasons;
    for (const auto& t : trades) {
      EXPECT_EQ(t.bot_id, bot.id);
      EXPECT_EQ(t.net_pnl, t.gross_pnl - t.fees);
      EXPECT_EQ(t.fees, t.entry_fees + t.exit_fees);
      ASSERT_TRUE(t.entry_order_id && t.exit_order_id);
      EXPECT_EQ(store.orders().Get(bot.id, *t.exit_order_id).trade_id, t.id);
      EXPECT_TRUE(t.initial_stop.has_value());
      EXPECT_TRUE(t.r_multiple.has_value());
      gross += t.gross_pnl;
      trade_fees += t.fees;
      reasons.insert(t.exit_reason);
    }
    EXPECT_EQ(gross, realized);
    EXPECT_EQ(trade_fees, fees);
    if (!halted) {
      EXPECT_TRUE(reasons.count("stop_loss") || reasons.count("time"));
    }

    // Signals end to end: each trade names the signal of its entry order;
    // the signal links its entry and exit orders and the trade, keeps its
    // components, and its outcome is the trade's net P&L.
    for (const auto& t : trades) {
      ASSERT_TRUE(t.signal_id.has_value()) << "trade " << t.id;
      const Signal sig = store.signals().Get(bot.id, *t.signal_id);
      EXPECT_TRUE(sig.acted_on);
      ASSERT_EQ(sig.components.size(), 2u);
      EXPECT_EQ(sig.components[0].name, "momentum");  // components come back by name
      EXPECT_EQ(sig.components[1].name, "technical");
      const SignalLinks links = store.signals().Links(bot.id, sig.id);
      EXPECT_EQ(links.trades, std::vector<TradeId>{t.id});
      EXPECT_EQ(links.orders, (std::vector<OrderId>{*t.entry_order_id, *t.exit_order_id}));
      ASSERT_TRUE(sig.outcome.has_value()) << "signal " << sig.id;
      EXPECT_EQ(sig.outcome->net_pnl, t.net_pnl);
      EXPECT_EQ(sig.outcome->trades, 1);
      EXPECT_EQ(sig.outcome->closed_at, t.exit_time);
      EXPECT_EQ(sig.outcome->result, t.net_pnl.IsPositive()   ? SignalResult::kWin
                                     : t.net_pnl.IsNegative() ? SignalResult::kLoss
                                                              : SignalResult::kBreakeven);
    }

    // Risk: limits in force all day; only t-3 breached one (its daily loss,
    // recorded once), halted, and placed no entry afterwards.
    const auto limits = store.risk().LimitsAt(bot.id, trades.front().exit_time);
    ASSERT_TRUE(limits.has_value());
    EXPECT_EQ(limits->max_open_orders, 1);
    EXPECT_EQ(limits->max_daily_loss, testing::DayLossLimit(static_cast<int>(i)));
    RiskEventFilter rf;
    rf.bot = bot.id;
    rf.include_test = true;
    const auto events = store.risk().Events(rf);
    if (!halted) {
      EXPECT_TRUE(events.empty()) << events.size();
    } else {
      ASSERT_EQ(events.size(), 1u);
      const RiskEvent& e = events.front();
      EXPECT_EQ(e.bot_id, bot.id);
      EXPECT_EQ(e.limit, RiskLimitKind::kMaxDailyLoss);
      EXPECT_EQ(e.limits_version, 1);
      EXPECT_EQ(e.threshold, Decimal::Parse("0.01"));
      EXPECT_EQ(e.action, "halt_trading");
      // The value: today's loss from the trades closed by then.
      Decimal net_then;
      for (const auto& t : trades) {
        if (t.exit_time <= e.time) net_then += t.net_pnl;
      }
      EXPECT_EQ(e.value, -net_then);
      EXPECT_GT(e.value, e.threshold);
      for (const auto& o : store.orders().List(bot.id)) {
        if (o.signal_id && o.type == OrderType::kLimit) {
          EXPECT_LE(o.created_at, e.time);
        }
      }
      const RiskEvent done =
          store.risk().Resolve(bot.id, e.id, "reviewed after the day", e.time + kMicrosPerDay);
      EXPECT_EQ(done.resolution, "reviewed after the day");
      rf.only_open = true;
      EXPECT_TRUE(store.risk().Events(rf).empty());
    }
    // A trailing stop moved at least once.
    int moved = 0;
    for (const auto& e : store.positions().ListEvents(bot.id, {}, true)) {
      moved += e.type == PositionEventType::kStopMoved;
    }
    EXPECT_GT(moved, 0);
    EXPECT_EQ(store.ledger().History(bot.id, account.id).size(), 1u);
  }
  EXPECT_EQ(bot_ids.size(), names.size());

  // The default risk event query (all bots, no test data) sees t-3's event
  // and nothing of any other bot.
  const auto all_events = store.risk().Events();
  ASSERT_EQ(all_events.size(), 1u);
  EXPECT_EQ(all_events.front().bot_id, store.bots().FindByName("t-3")->id);

  // Test data never appears in default queries.
  const Bot test_bot = *store.bots().FindByName("t-2");
  for (const auto& b : store.bots().List()) EXPECT_NE(b.id, test_bot.id);
  int default_trades = 0;
  for (const auto& t : store.trades().List()) {
    EXPECT_NE(t.bot_id, test_bot.id);
    EXPECT_FALSE(t.is_test);
    ++default_trades;
  }
  TradeFilter only_test;
  only_test.bot = test_bot.id;
  EXPECT_TRUE(store.trades().List(only_test).empty());
  only_test.include_test = true;
  const int test_trades = static_cast<int>(store.trades().List(only_test).size());
  EXPECT_GT(test_trades, 0);
  EXPECT_EQ(default_trades + test_trades, total_trades);
  for (const auto& e : store.ledger().Query(LedgerFilter{})) EXPECT_NE(e.bot_id, test_bot.id);
  EXPECT_TRUE(store.positions().ListEvents(test_bot.id).empty());
}

}  // namespace
}  // namespace tradestore
