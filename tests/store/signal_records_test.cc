// Signals (breakdown, filters, links, outcome) and portfolio snapshots
// (exposure, VaR, the view across bots), on both backends.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sql/migrations.h"
#include "sql/postgres/pg_connection.h"
#include "sql/sqlite/sqlite_connection.h"
#include "store/records_test_util.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using literals::operator""_d;
using testing::RecordsTest;

class Signals : public RecordsTest {
 protected:
  Signal Base(BotId bot_id, const std::string& strategy, Timestamp time) {
    Signal s;
    s.bot_id = bot_id;
    s.instrument_id = s_.instrument.id;
    s.strategy = strategy;
    s.time = time;
    s.side = Side::kBuy;
    s.strength = 0.7;
    s.mode = RunMode::kBacktest;
    return s;
  }
  Signal Ensemble(Timestamp time) {
    Signal s = Base(bot(), "ensemble", time);
    s.confidence = 0.85;
    s.aggregation_method = "weighted_average";
    s.components = {{"technical", SignalAction::kBuy, 0.8, 2},
                    {"sentiment", SignalAction::kHold, 0.4, 1}};
    s.filters_passed = {"volume", "spread"};
    s.filters_failed = {"news_blackout"};
    s.strategy_version = "a1b2c3";
    return s;
  }
  Order OrderFor(SignalId signal, Side side, const char* qty, Timestamp t) {
    Order o;
    o.bot_id = bot();
    o.account_id = account();
    o.instrument_id = s_.instrument.id;
    o.side = side;
    o.quantity = Decimal::Parse(qty);
    o.signal_id = signal;
    o.strategy = "ensemble";
    o.created_at = t;
    const Order created = store().orders().Create(o);
    return store().orders().Transition(bot(), created.id, OrderStatus::kAccepted, t);
  }
  FillOutcome FillAll(const Order& o, const char* price, const char* fee, Timestamp t) {
    Fill f;
    f.bot_id = bot();
    f.order_id = o.id;
    f.venue = "paper";
    f.venue_fill_id = "f" + std::to_string(o.id);
    f.quantity = o.quantity;
    f.price = Decimal::Parse(price);
    f.fee = Decimal::Parse(fee);
    f.time = t;
    return store().orders().RecordFill(f);
  }
};

TEST_P(Signals, RecordsTheBreakdownAndReadsItBack) {
  const Signal rec = store().signals().Record(Ensemble(t0_));
  const Signal got = store().signals().Get(bot(), rec.id);
  EXPECT_EQ(got.confidence, 0.85);
  EXPECT_EQ(got.aggregation_method, "weighted_average");
  ASSERT_EQ(got.components.size(), 2u);  // by name
  EXPECT_EQ(got.components[0].name, "sentiment");
  EXPECT_EQ(got.components[0].signal, SignalAction::kHold);
  EXPECT_EQ(got.components[0].confidence, 0.4);
  EXPECT_EQ(got.components[1].name, "technical");
  EXPECT_EQ(got.components[1].weight, 2);
  EXPECT_EQ(got.filters_passed, (std::vector<std::string>{"volume", "spread"}));
  EXPECT_EQ(got.filters_failed, (std::vector<std::string>{"news_blackout"}));
  EXPECT_EQ(got.strategy_version, "a1b2c3");
  EXPECT_EQ(got.bot_version, s_.bot.version);  // the bot's, when not given
  EXPECT_FALSE(got.outcome.has_value());
  EXPECT_FALSE(got.is_test);
}

TEST_P(Signals, DefaultQueriesExcludeTestSignals) {
  store().signals().Record(Ensemble(t0_));
  Signal flagged = Ensemble(t0_ + kMicrosPerMinute);
  flagged.is_test = true;
  store().signals().Record(flagged);
  // A test bot's signals are test data even when not flagged.
  store().signals().Record(Base(test_bot_.id, "ensemble", t0_));
  SignalFilter f;
  f.strategy = "ensemble";
  EXPECT_EQ(store().signals().Find(f).size(), 1u);
  f.include_test = true;
  const auto all = store().signals().Find(f);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(all[2].is_test || all[1].is_test);
  f.bot = test_bot_.id;
  ASSERT_EQ(store().signals().Find(f).size(), 1u);
  EXPECT_TRUE(store().signals().Find(f)[0].is_test);
  SignalFilter by_bot;
  by_bot.bot = bot();
  by_bot.limit = 1;
  EXPECT_EQ(store().signals().Find(by_bot).size(), 1u);
}

TEST_P(Signals, RefusesBadSignalsAndWritesNothing) {
  auto refuse = [&](Signal s, const char* text) {
    EXPECT_STORE_ERROR(store().signals().Record(s), ErrorKind::kInvalidArgument, text);
  };
  Signal s = Ensemble(t0_);
  s.confidence = 1.5;
  refuse(s, "confidence");
  s = Ensemble(t0_);
  s.components.push_back({"technical", SignalAction::kSell, 0.1, 1});
  refuse(s, "'technical' appears twice");
  s = Ensemble(t0_);
  s.components[0].confidence = -0.1;
  refuse(s, "component 'technical'");
  s = Ensemble(t0_);
  s.components[1].weight = -1;
  refuse(s, "weight");
  s = Ensemble(t0_);
  s.filters_failed.push_back("volume");
  refuse(s, "filter 'volume' is both passed and failed");
  s = Ensemble(t0_);
  s.filters_passed.push_back("");
  refuse(s, "filters_passed");
  s = Ensemble(t0_);
  s.components[0].name.clear();
  refuse(s, "empty 'name'");
  s = Ensemble(t0_);
  s.bot_id = 999;
  EXPECT_STORE_ERROR(store().signals().Record(s), ErrorKind::kNotFound, "bot 999");
  SignalFilter all;
  all.include_test = true;
  EXPECT_TRUE(store().signals().Find(all).empty());
  EXPECT_STORE_ERROR(store().signals().Get(bot(), 12345), ErrorKind::kNotFound, "signal 12345");
}

TEST_P(Signals, LinksOrdersAndTradesAndDerivesTheOutcome) {
  const Signal sig = store().signals().Record(Ensemble(t0_));
  const Order buy = OrderFor(sig.id, Side::kBuy, "2", t0_ + 1);
  store().signals().MarkActedOn(bot(), sig.id);
  FillAll(buy, "100", "0.2", t0_ + 2);
  // No closed trade yet: no outcome.
  EXPECT_STORE_ERROR(store().signals().RecordOutcome(bot(), sig.id), ErrorKind::kConflict,
                     "no closed trade");
  const Order sell = OrderFor(sig.id, Side::kSell, "2", t0_ + 3);
  const FillOutcome closed = FillAll(sell, "103", "0.206", t0_ + 4);
  ASSERT_TRUE(closed.closed_trade.has_value());
  ASSERT_EQ(closed.closed_trade->signal_id, std::optional<SignalId>(sig.id));

  // Closing the trade recorded the signal's outcome already.
  const Signal recorded = store().signals().Get(bot(), sig.id);
  ASSERT_TRUE(recorded.outcome.has_value());
  EXPECT_EQ(recorded.outcome->net_pnl, closed.closed_trade->net_pnl);
  EXPECT_EQ(recorded.outcome->result, SignalResult::kWin);

  const SignalLinks links = store().signals().Links(bot(), sig.id);
  EXPECT_EQ(links.orders, (std::vector<OrderId>{buy.id, sell.id}));
  EXPECT_EQ(links.trades, (std::vector<TradeId>{closed.closed_trade->id}));

  const SignalOutcome out = store().signals().RecordOutcome(bot(), sig.id);
  EXPECT_EQ(out.result, SignalResult::kWin);
  EXPECT_EQ(out.net_pnl, closed.closed_trade->net_pnl);  // 6 - 0.406 fees
  EXPECT_EQ(out.net_pnl, "5.594"_d);
  EXPECT_EQ(out.trades, 1);
  EXPECT_EQ(out.closed_at, closed.closed_trade->exit_time);
  const Signal got = store().signals().Get(bot(), sig.id);
  EXPECT_TRUE(got.acted_on);
  ASSERT_TRUE(got.outcome.has_value());
  EXPECT_EQ(got.outcome->net_pnl, "5.594"_d);
  SignalFilter wins;
  wins.outcome = SignalResult::kWin;
  EXPECT_EQ(store().signals().Find(wins).size(), 1u);
  wins.outcome = SignalResult::kLoss;
  EXPECT_TRUE(store().signals().Find(wins).empty());
  EXPECT_STORE_ERROR(store().signals().Links(bot(), 777), ErrorKind::kNotFound, "signal 777");
  EXPECT_STORE_ERROR(store().signals().RecordOutcome(bot(), 777), ErrorKind::kNotFound, "777");
}

// EXPLAIN QUERY PLAN is SQLite's: the plan tests run on SQLite only.
class SignalsPlan : public Signals {};
INSTANTIATE_TEST_SUITE_P(Sqlite, SignalsPlan,
                         ::testing::Values(::tradestore::testing::Backend::kSqlite),
                         ::tradestore::testing::BackendName);

TEST_P(SignalsPlan, SeedQueriesUseTheirIndexes) {
  using detail::Database;
  EXPECT_NE(Plan(Database::kTrading,
                 "SELECT id FROM trading.signals WHERE bot_id = 1 AND strategy = 'x' AND "
                 "time >= 5 ORDER BY time, id")
                .find("INDEX signals_bot_strategy_time"),
            std::string::npos);
  EXPECT_NE(Plan(Database::kTrading,
                 "SELECT id FROM trading.signals WHERE bot_id = 1 AND instrument_id = 2 AND "
                 "time >= 5")
                .find("INDEX signals_bot_instrument_time"),
            std::string::npos);
  EXPECT_NE(Plan(Database::kTrading,
                 "SELECT id FROM trading.signals WHERE bot_id = 1 AND outcome = 'win' AND "
                 "time >= 5")
                .find("INDEX signals_bot_outcome_time"),
            std::string::npos);
  EXPECT_NE(Plan(Database::kTrading,
                 "SELECT net_pnl FROM trading.trades WHERE bot_id = 1 AND signal_id = 2")
                .find("INDEX trades_bot_signal"),
            std::string::npos);
  EXPECT_NE(
      Plan(Database::kTrading, "SELECT id FROM trading.orders WHERE bot_id = 1 AND signal_id = 2")
          .find("INDEX orders_bot_signal"),
      std::string::npos);
  EXPECT_NE(Plan(Database::kTrading,
                 "SELECT name FROM trading.signal_components WHERE bot_id = 1 AND signal_id = 2")
                .find("INDEX sqlite_autoindex_signal_components"),
            std::string::npos);
}

TRADESTORE_ON_ALL_BACKENDS(Signals);

class Portfolio : public RecordsTest {
 protected:
  PortfolioSnapshot Snap(BotId b, AccountId a, Timestamp t, const char* equity) {
    PortfolioSnapshot s;
    s.bot_id = b;
    s.account_id = a;
    s.time = t;
    s.equity = Decimal::Parse(equity);
    s.cash = "1000"_d;
    s.unrealized_pnl = s.equity - s.cash;
    s.open_positions = 2;
    s.exposure_gross = "500"_d;
    s.exposure_net = "-100"_d;
    return s;
  }
};

TEST_P(Portfolio, RecordsExposureVarAndProvenance) {
  PortfolioSnapshot s = Snap(bot(), account(), t0_, "1010.5");
  s.var = "42.25"_d;
  s.var_confidence = 0.95;
  s.mode = RunMode::kLive;  // ignored: the bot's mode is recorded
  store().portfolio().Record(s);
  const auto curve = store().portfolio().Curve(bot(), account());
  ASSERT_EQ(curve.size(), 1u);
  EXPECT_EQ(curve[0].equity, "1010.5"_d);
  EXPECT_EQ(curve[0].exposure_gross, "500"_d);
  EXPECT_EQ(curve[0].exposure_net, "-100"_d);
  EXPECT_EQ(curve[0].var, std::optional<Decimal>("42.25"_d));
  EXPECT_EQ(curve[0].var_confidence, std::optional<double>(0.95));
  EXPECT_EQ(curve[0].mode, RunMode::kBacktest);
  EXPECT_FALSE(curve[0].is_test);
  // Same (bot, account, time): replaced.
  s.var.reset();
  s.equity = "1011"_d;
  store().portfolio().Record(s);
  const auto again = store().portfolio().Curve(bot(), account());
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].equity, "1011"_d);
  EXPECT_FALSE(again[0].var.has_value());
}

TEST_P(Portfolio, LatestAndTotalAcrossBotsExcludeTestBots) {
  Bot other;
  other.name = "bot-b";
  other = store().bots().Create(other);
  const Account other_acc = store().accounts().Create(other.id, "main");
  store().portfolio().Record(Snap(bot(), account(), t0_, "1000.1"));
  store().portfolio().Record(Snap(bot(), account(), t0_ + 10, "1000.3"));
  store().portfolio().Record(Snap(bot(), account(), t0_ + 20, "999"));  // after `at`
  store().portfolio().Record(Snap(other.id, other_acc.id, t0_ + 5, "2000.2"));
  store().portfolio().Record(Snap(test_bot_.id, test_account_.id, t0_, "5000"));
  const auto latest = store().portfolio().Latest(t0_ + 15);
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(latest[0].equity, "1000.3"_d);
  EXPECT_EQ(latest[1].equity, "2000.2"_d);
  const PortfolioTotal total = store().portfolio().Total(t0_ + 15);
  EXPECT_EQ(total.snapshots, 2);
  EXPECT_EQ(total.equity, "3000.5"_d);
  EXPECT_EQ(total.cash, "2000"_d);
  EXPECT_EQ(total.exposure_gross, "1000"_d);
  EXPECT_EQ(total.exposure_net, "-200"_d);
  EXPECT_EQ(total.open_positions, 4);
  const PortfolioTotal with_test = store().portfolio().Total(t0_ + 15, true);
  EXPECT_EQ(with_test.snapshots, 3);
  EXPECT_EQ(with_test.equity, "8000.5"_d);
  EXPECT_TRUE(store().portfolio().Latest(t0_ - 1).empty());
}

TEST_P(Portfolio, RefusesBadSnapshots) {
  auto refuse = [&](const PortfolioSnapshot& s, ErrorKind kind, const char* text) {
    EXPECT_STORE_ERROR(store().portfolio().Record(s), kind, text);
  };
  PortfolioSnapshot s = Snap(bot(), account(), t0_, "1000");
  s.exposure_gross = "-1"_d;
  refuse(s, ErrorKind::kInvalidArgument, "exposure_gross");
  s = Snap(bot(), account(), t0_, "1000");
  s.exposure_net = "600"_d;
  refuse(s, ErrorKind::kInvalidArgument, "exceeds exposure_gross");
  s = Snap(bot(), account(), t0_, "1000");
  s.var = "-3"_d;
  refuse(s, ErrorKind::kInvalidArgument, "'var'");
  s = Snap(bot(), account(), t0_, "1000");
  s.var_confidence = 1.0;
  refuse(s, ErrorKind::kInvalidArgument, "var_confidence");
  s = Snap(bot(), account(), t0_, "1000");
  s.open_positions = -1;
  refuse(s, ErrorKind::kInvalidArgument, "open_positions");
  refuse(Snap(bot(), 4242, t0_, "1"), ErrorKind::kNotFound, "account 4242");
  refuse(Snap(4243, account(), t0_, "1"), ErrorKind::kNotFound, "bot 4243");
  EXPECT_TRUE(store().portfolio().Curve(bot(), account()).empty());
}

// EXPLAIN QUERY PLAN is SQLite's: the plan tests run on SQLite only.
class PortfolioPlan : public Portfolio {};
INSTANTIATE_TEST_SUITE_P(Sqlite, PortfolioPlan,
                         ::testing::Values(::tradestore::testing::Backend::kSqlite),
                         ::tradestore::testing::BackendName);

TEST_P(PortfolioPlan, CrossBotQueryUsesTheTimeIndex) {
  EXPECT_NE(Plan(detail::Database::kTrading,
                 "SELECT bot_id FROM trading.portfolio_snapshots WHERE time <= 5 AND time >= 1")
                .find("INDEX portfolio_snapshots_time"),
            std::string::npos);
}

TRADESTORE_ON_ALL_BACKENDS(Portfolio);

}  // namespace
}  // namespace tradestore

namespace tradestore {
namespace {

// A store written before the records migration: its portfolio snapshots take
// their bot's mode and test flag, nothing is lost.
class RecordsMigration : public ::testing::TestWithParam<testing::Backend> {};

TEST_P(RecordsMigration, OldSnapshotsTakeTheirBotsProvenance) {
  testing::TempDir dir;
  const bool sqlite = GetParam() == testing::Backend::kSqlite;
  const std::string url =
      sqlite ? "sqlite:" + dir.Sub("store") : testing::PgServer::Get().CreateDatabase();
  // Build the older schema by hand: every migration before the records one.
  {
    std::filesystem::create_directories(dir.Sub("store"));
    if (sqlite) {  // the older store's other two databases, empty
      std::ofstream(dir.Sub("store") + "/market.db").flush();
      std::ofstream(dir.Sub("store") + "/analytics.db").flush();
    }
    auto c =
        sqlite ? sql::OpenSqlite(dir.Sub("store") + "/trading.db", {}) : sql::OpenPostgres(url);
    const char* dialect = sqlite ? "sqlite" : "postgres";
    const char* database = sqlite ? "trading" : "all";
    const int records_version = sqlite ? 3 : 5;
    c->ExecuteScript(
        std::string("CREATE TABLE ") + (sqlite ? "" : "public.") +
        "schema_migrations (database TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT "
        "NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (database, version))");
    for (const auto& m : sql::MigrationsFor(dialect, database)) {
      if (m.version >= records_version) continue;
      c->ExecuteScript(m.sql);
      c->Prepare(std::string("INSERT INTO ") + (sqlite ? "" : "public.") +
                 "schema_migrations VALUES (?, ?, ?, 0)")
          .Bind(1, database)
          .Bind(2, m.version)
          .Bind(3, m.name)
          .Execute();
    }
    const Timestamp t = Timestamp::Parse("2024-01-02T00:00:00Z");
    c->Prepare(
         "INSERT INTO trading.bots (id, name, version, mode, is_test, created_at) VALUES "
         "(7, 'old-bot', '1.2', 'live', 1, ?)")
        .Bind(1, t)
        .Execute();
    c->Prepare("INSERT INTO trading.accounts (id, bot_id, name, created_at) VALUES (3, 7, 'm', ?)")
        .Bind(1, t)
        .Execute();
    c->Prepare(
         "INSERT INTO trading.portfolio_snapshots (bot_id, account_id, time, equity, cash, "
         "unrealized_pnl, open_positions) VALUES (7, 3, ?, 100.5, 100, 0.5, 1)")
        .Bind(1, t)
        .Execute();
  }
  Store store = Store::Open(url);
  const auto curve = store.portfolio().Curve(7, 3);
  ASSERT_EQ(curve.size(), 1u);
  EXPECT_EQ(curve[0].equity, Decimal::Parse("100.5"));
  EXPECT_EQ(curve[0].mode, RunMode::kLive);
  EXPECT_TRUE(curve[0].is_test);
  EXPECT_EQ(curve[0].bot_version, "1.2");
  EXPECT_EQ(curve[0].exposure_gross, Decimal());
  EXPECT_FALSE(curve[0].var.has_value());
}

TRADESTORE_ON_BOTH_BACKENDS(RecordsMigration);

}  // namespace
}  // namespace tradestore
