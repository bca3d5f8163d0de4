// Risk limits (versioned), their evaluation and risk events; daily P&L rows.
#include "tradestore/risk.h"

#include <gtest/gtest.h>

#include <thread>

#include "store/records_test_util.h"
#include "tradestore/daily_pnl.h"

namespace tradestore {
namespace {

using literals::operator""_d;
using testing::RecordsTest;

class Risk : public RecordsTest {
 protected:
  RiskLimits Limits(BotId b, Timestamp from) {
    RiskLimits l;
    l.bot_id = b;
    l.max_position = "5000"_d;
    l.max_daily_loss = "100"_d;
    l.max_drawdown = 0.2;
    l.max_open_orders = 3;
    l.effective_from = from;
    return l;
  }
};

TEST_P(Risk, LimitsAreVersionedAndTheVersionInForceIsFound) {
  const RiskLimits v1 = store().risk().SetLimits(Limits(bot(), t0_));
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v1.mode, RunMode::kBacktest);
  RiskLimits tighter = Limits(bot(), t0_ + kMicrosPerHour);
  tighter.max_daily_loss = "50"_d;
  tighter.max_open_orders.reset();
  const RiskLimits v2 = store().risk().SetLimits(tighter);
  EXPECT_EQ(v2.version, 2);
  const auto history = store().risk().LimitsHistory(bot());
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].effective_to, std::optional<Timestamp>(t0_ + kMicrosPerHour));
  EXPECT_FALSE(history[1].effective_to.has_value());
  EXPECT_FALSE(store().risk().LimitsAt(bot(), t0_ - 1).has_value());
  EXPECT_EQ(store().risk().LimitsAt(bot(), t0_)->version, 1);
  EXPECT_EQ(store().risk().LimitsAt(bot(), t0_ + kMicrosPerHour - 1)->version, 1);
  const auto now = store().risk().LimitsAt(bot(), t0_ + kMicrosPerHour);
  ASSERT_TRUE(now.has_value());
  EXPECT_EQ(now->version, 2);
  EXPECT_EQ(now->max_daily_loss, std::optional<Decimal>("50"_d));
  EXPECT_FALSE(now->max_open_orders.has_value());
  EXPECT_EQ(now->max_drawdown, std::optional<double>(0.2));
}

TEST_P(Risk, RefusesBadLimits) {
  store().risk().SetLimits(Limits(bot(), t0_));
  RiskLimits l = Limits(bot(), t0_ + 10);
  l.max_daily_loss = "-1"_d;
  EXPECT_STORE_ERROR(store().risk().SetLimits(l), ErrorKind::kInvalidArgument, "max_daily_loss");
  l = Limits(bot(), t0_ + 10);
  l.max_position = "-0.01"_d;
  EXPECT_STORE_ERROR(store().risk().SetLimits(l), ErrorKind::kInvalidArgument, "max_position");
  l = Limits(bot(), t0_ + 10);
  l.max_drawdown = 1.5;
  EXPECT_STORE_ERROR(store().risk().SetLimits(l), ErrorKind::kInvalidArgument, "max_drawdown");
  l = Limits(bot(), t0_ + 10);
  l.max_open_orders = -2;
  EXPECT_STORE_ERROR(store().risk().SetLimits(l), ErrorKind::kInvalidArgument, "max_open_orders");
  RiskLimits none;
  none.bot_id = bot();
  EXPECT_STORE_ERROR(store().risk().SetLimits(none), ErrorKind::kInvalidArgument,
                     "no limit is set");
  EXPECT_STORE_ERROR(store().risk().SetLimits(Limits(31337, t0_)), ErrorKind::kNotFound,
                     "bot 31337");
  // Not after the version in force.
  EXPECT_STORE_ERROR(store().risk().SetLimits(Limits(bot(), t0_)), ErrorKind::kConflict,
                     "not after version 1");
  EXPECT_EQ(store().risk().LimitsHistory(bot()).size(), 1u);
  EXPECT_FALSE(store().risk().LimitsHistory(bot())[0].effective_to.has_value());
}

TEST_P(Risk, EvaluateRecordsOneEventPerBreachedLimitUntilResolved) {
  store().risk().SetLimits(Limits(bot(), t0_));
  RiskValues calm;
  calm.position = "5000"_d;  // at the limit: not a breach (strictly greater)
  calm.daily_loss = "99.99"_d;
  calm.drawdown = 0.1;
  calm.open_orders = 3;
  EXPECT_TRUE(store().risk().Evaluate(bot(), calm, t0_ + 1, "halt_trading").empty());
  EXPECT_TRUE(store().risk().Events().empty());

  RiskValues hit = calm;
  hit.daily_loss = "120.5"_d;
  hit.open_orders = 4;
  const auto events = store().risk().Evaluate(bot(), hit, t0_ + 2, "halt_trading");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].limit, RiskLimitKind::kMaxDailyLoss);
  EXPECT_EQ(events[0].value, "120.5"_d);
  EXPECT_EQ(events[0].threshold, "100"_d);
  EXPECT_EQ(events[0].action, "halt_trading");
  EXPECT_EQ(events[0].limits_version, std::optional<int>(1));
  EXPECT_EQ(events[0].time, t0_ + 2);
  EXPECT_EQ(events[1].limit, RiskLimitKind::kMaxOpenOrders);
  EXPECT_EQ(events[1].value, "4"_d);
  EXPECT_EQ(events[1].threshold, "3"_d);

  // Still breached: the open events are returned, not recorded again.
  const auto again = store().risk().Evaluate(bot(), hit, t0_ + 3, "halt_trading");
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].id, events[0].id);
  EXPECT_EQ(store().risk().Events().size(), 2u);

  RiskEventFilter open;
  open.only_open = true;
  EXPECT_EQ(store().risk().Events(open).size(), 2u);
  const RiskEvent resolved =
      store().risk().Resolve(bot(), events[0].id, "new trading day", t0_ + kMicrosPerDay);
  EXPECT_EQ(resolved.resolved_at, std::optional<Timestamp>(t0_ + kMicrosPerDay));
  EXPECT_EQ(store().risk().GetEvent(bot(), events[0].id).resolution, "new trading day");
  EXPECT_EQ(store().risk().Events(open).size(), 1u);
  EXPECT_STORE_ERROR(store().risk().Resolve(bot(), events[0].id, "again", t0_ + kMicrosPerDay),
                     ErrorKind::kConflict, "already resolved");
  EXPECT_STORE_ERROR(store().risk().Resolve(bot(), events[1].id, "early", t0_),
                     ErrorKind::kInvalidArgument, "before the event's time");
  EXPECT_STORE_ERROR(store().risk().Resolve(bot(), events[1].id, "", t0_ + 9),
                     ErrorKind::kInvalidArgument, "resolution");
  EXPECT_STORE_ERROR(store().risk().Resolve(bot(), 5555, "x", t0_), ErrorKind::kNotFound,
                     "risk event 5555");
  // A new breach after resolution is a new event.
  hit.drawdown = 0.25;
  const auto third = store().risk().Evaluate(bot(), hit, t0_ + kMicrosPerDay + 1, "reduce");
  ASSERT_EQ(third.size(), 3u);
  EXPECT_NE(third[0].id, events[0].id);
  EXPECT_EQ(third[1].limit, RiskLimitKind::kMaxDrawdown);
  EXPECT_EQ(third[1].value, "0.25"_d);
  EXPECT_EQ(third[1].threshold, "0.2"_d);
  EXPECT_EQ(third[2].id, events[1].id);  // still open
  EXPECT_EQ(store().risk().Events().size(), 4u);
}

TEST_P(Risk, EvaluateRefusesBadInputAndTestEventsStayOutOfDefaultQueries) {
  RiskValues v;
  v.daily_loss = "1"_d;
  EXPECT_STORE_ERROR(store().risk().Evaluate(bot(), v, t0_, "halt"), ErrorKind::kNotFound,
                     "no risk limits in force");
  store().risk().SetLimits(Limits(bot(), t0_));
  EXPECT_STORE_ERROR(store().risk().Evaluate(bot(), v, t0_ - 1, "halt"), ErrorKind::kNotFound,
                     "no risk limits in force");
  v.daily_loss = "-1"_d;
  EXPECT_STORE_ERROR(store().risk().Evaluate(bot(), v, t0_, "halt"), ErrorKind::kInvalidArgument,
                     "daily_loss");
  v = {};
  v.drawdown = -0.1;
  EXPECT_STORE_ERROR(store().risk().Evaluate(bot(), v, t0_, "halt"), ErrorKind::kInvalidArgument,
                     "drawdown");
  EXPECT_STORE_ERROR(store().risk().Evaluate(bot(), {}, t0_, ""), ErrorKind::kInvalidArgument,
                     "action");
  EXPECT_STORE_ERROR(store().risk().Evaluate(999, {}, t0_, "halt"), ErrorKind::kNotFound,
                     "bot 999");

  store().risk().SetLimits(Limits(test_bot_.id, t0_));
  RiskValues big;
  big.position = "9000"_d;
  const auto ev = store().risk().Evaluate(test_bot_.id, big, t0_ + 1, "reject_order");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(ev[0].is_test);
  EXPECT_TRUE(store().risk().Events().empty());
  RiskEventFilter f;
  f.include_test = true;
  EXPECT_EQ(store().risk().Events(f).size(), 1u);
  f.bot = bot();
  EXPECT_TRUE(store().risk().Events(f).empty());

  RiskEvent manual;
  manual.bot_id = bot();
  manual.limit = RiskLimitKind::kMaxPosition;
  manual.value = "1"_d;
  manual.threshold = "-1"_d;
  manual.action = "alert";
  EXPECT_STORE_ERROR(store().risk().RecordEvent(manual), ErrorKind::kInvalidArgument, "threshold");
  manual.threshold = "0.5"_d;
  manual.time = t0_;
  EXPECT_GT(store().risk().RecordEvent(manual).id, 0);
}

// EXPLAIN QUERY PLAN is SQLite's: the plan tests run on SQLite only.
class RiskPlan : public Risk {};
INSTANTIATE_TEST_SUITE_P(Sqlite, RiskPlan,
                         ::testing::Values(::tradestore::testing::Backend::kSqlite),
                         ::tradestore::testing::BackendName);

TEST_P(RiskPlan, QueriesUseTheirIndexes) {
  using detail::Database;
  EXPECT_NE(Plan(Database::kTrading,
                 "SELECT id FROM trading.risk_limits WHERE bot_id = 1 AND effective_from <= 5 "
                 "AND (effective_to IS NULL OR effective_to > 5) ORDER BY effective_from DESC "
                 "LIMIT 1")
                .find("INDEX risk_limits_bot_from"),
            std::string::npos);
  EXPECT_NE(Plan(Database::kTrading,
                 "SELECT id FROM audit.risk_events WHERE bot_id = 1 AND limit_kind = 'x' AND "
                 "resolved_at IS NULL")
                .find("INDEX risk_events_open"),
            std::string::npos);
  EXPECT_NE(Plan(Database::kTrading,
                 "SELECT id FROM audit.risk_events WHERE bot_id = 1 AND time >= 5 ORDER BY time")
                .find("INDEX risk_events_bot_time"),
            std::string::npos);
  EXPECT_NE(Plan(Database::kAnalytics,
                 "SELECT net FROM analytics.daily_pnl WHERE bot_id = 1 AND date >= 5 AND "
                 "date < 9")
                .find("INDEX daily_pnl_bot_date"),
            std::string::npos);
  EXPECT_NE(
      Plan(Database::kAnalytics, "SELECT net FROM analytics.daily_pnl WHERE date >= 5 AND date < 9")
          .find("INDEX daily_pnl_date"),
      std::string::npos);
}

TRADESTORE_ON_ALL_BACKENDS(Risk);

class DailyPnlRows : public RecordsTest {
 protected:
  DailyPnl Row(BotId b, AccountId a, Timestamp date) {
    DailyPnl r;
    r.bot_id = b;
    r.account_id = a;
    r.currency = "USDC";
    r.date = date;
    r.realized = "120.25"_d;
    r.unrealized = "-20.05"_d;
    r.fees = "3.1"_d;
    r.equity_start = "10000"_d;
    r.equity_end = "10097.1"_d;
    r.trades = 7;
    r.strategy_version = "v3";
    return r;
  }
};

TEST_P(DailyPnlRows, UpsertComputesNetAndReplacesTheDay) {
  const DailyPnl r = store().daily_pnl().Upsert(Row(bot(), account(), t0_));
  EXPECT_EQ(r.net, "97.1"_d);  // 120.25 - 20.05 - 3.1
  EXPECT_EQ(r.mode, RunMode::kBacktest);
  store().daily_pnl().Upsert(Row(bot(), account(), t0_ + kMicrosPerDay));
  DailyPnl changed = Row(bot(), account(), t0_);
  changed.realized = "0"_d;
  changed.trades = 0;
  store().daily_pnl().Upsert(changed);
  store().daily_pnl().Upsert(Row(test_bot_.id, test_account_.id, t0_));
  DailyPnlFilter f;
  const auto rows = store().daily_pnl().List(f);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].date, t0_);
  EXPECT_EQ(rows[0].net, "-23.15"_d);
  EXPECT_EQ(rows[0].trades, 0);
  EXPECT_EQ(rows[0].equity_end, std::optional<Decimal>("10097.1"_d));
  EXPECT_EQ(rows[0].strategy_version, "v3");
  EXPECT_EQ(rows[1].net, "97.1"_d);
  f.range.from = t0_ + kMicrosPerDay;
  EXPECT_EQ(store().daily_pnl().List(f).size(), 1u);
  DailyPnlFilter with_test;
  with_test.include_test = true;
  EXPECT_EQ(store().daily_pnl().List(with_test).size(), 3u);
  with_test.bot = test_bot_.id;
  ASSERT_EQ(store().daily_pnl().List(with_test).size(), 1u);
  EXPECT_TRUE(store().daily_pnl().List(with_test)[0].is_test);
  EXPECT_EQ(store().daily_pnl().List(with_test)[0].bot_version, "9.9");
}

TEST_P(DailyPnlRows, RefusesBadRows) {
  DailyPnl r = Row(bot(), account(), t0_ + kMicrosPerHour);
  EXPECT_STORE_ERROR(store().daily_pnl().Upsert(r), ErrorKind::kInvalidArgument, "UTC midnight");
  r = Row(bot(), account(), t0_);
  r.fees = "-1"_d;
  EXPECT_STORE_ERROR(store().daily_pnl().Upsert(r), ErrorKind::kInvalidArgument, "fees");
  r = Row(bot(), account(), t0_);
  r.trades = -1;
  EXPECT_STORE_ERROR(store().daily_pnl().Upsert(r), ErrorKind::kInvalidArgument, "trades");
  r = Row(bot(), account(), t0_);
  r.currency.clear();
  EXPECT_STORE_ERROR(store().daily_pnl().Upsert(r), ErrorKind::kInvalidArgument, "currency");
  EXPECT_STORE_ERROR(store().daily_pnl().Upsert(Row(bot(), 8080, t0_)), ErrorKind::kNotFound,
                     "account 8080");
  EXPECT_STORE_ERROR(store().daily_pnl().Upsert(Row(8081, account(), t0_)), ErrorKind::kNotFound,
                     "bot 8081");
  DailyPnlFilter all;
  all.include_test = true;
  EXPECT_TRUE(store().daily_pnl().List(all).empty());
}

TRADESTORE_ON_ALL_BACKENDS(DailyPnlRows);

}  // namespace
}  // namespace tradestore

namespace tradestore {
namespace {

// Two connections evaluate the same breach at once: one event, not two.
class RiskConcurrency : public ::testing::TestWithParam<testing::Backend> {};

TEST_P(RiskConcurrency, ABreachSeenByTwoConnectionsIsRecordedOnce) {
  testing::TempDir dir;
  const std::string url = GetParam() == testing::Backend::kSqlite
                              ? "sqlite:" + dir.Sub("store")
                              : testing::PgServer::Get().CreateDatabase();
  const Timestamp t0 = Timestamp::Parse("2024-05-01T00:00:00Z");
  BotId bot_id = 0;
  {
    testing::Seeded s(url);
    bot_id = s.bot.id;
    RiskLimits l;
    l.bot_id = bot_id;
    l.max_open_orders = 2;
    l.effective_from = t0;
    s.store.risk().SetLimits(l);
  }
  constexpr int kRounds = 15;
  std::vector<std::int64_t> ids[2];
  auto worker = [&](int k) {
    Store store = Store::Open(url);
    RiskValues v;
    v.open_orders = 5;
    for (int i = 0; i < kRounds; ++i) {
      for (const RiskEvent& e : store.risk().Evaluate(bot_id, v, t0 + i + 1, "reject_order")) {
        ids[k].push_back(e.id);
      }
    }
  };
  std::thread a(worker, 0);
  std::thread b(worker, 1);
  a.join();
  b.join();
  Store store = Store::Open(url);
  const auto events = store.risk().Events();
  ASSERT_EQ(events.size(), 1u);
  for (const auto& v : ids) {
    ASSERT_EQ(v.size(), static_cast<std::size_t>(kRounds));
    for (std::int64_t id : v) EXPECT_EQ(id, events[0].id);
  }
}

TRADESTORE_ON_ALL_BACKENDS(RiskConcurrency);

}  // namespace
}  // namespace tradestore
