// A bot's hot paths on Citus are single-shard (router) queries
// (docs/scale-out.md): recording a fill, listing its trades and loading its
// report. Asserted two ways: EXPLAIN of the bot's trade list and ledger
// shows one task (and all bots' trades many), and the whole paths run with
// citus.multi_task_query_log_level = error, under which any statement that
// touches more than one shard fails.
#include <gtest/gtest.h>

#include <string>

#include "sql/connection.h"
#include "sql/postgres/pg_connection.h"
#include "store/domain_queries.h"
#include "store/store_impl.h"
#include "support/citus_store.h"
#include "tradestore/error.h"
#include "tradestore/performance_report_input.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using testing::CitusCluster;

const Timestamp kT0 = Timestamp::FromCivil(2024, 5, 1);

// A bot with a deposit and one closed round trip; returns the bot.
Bot SeedBot(Store& s, const Instrument& in, const std::string& name) {
  Bot b;
  b.name = name;
  b.mode = RunMode::kPaper;
  b.created_at = kT0;
  const Bot bot = s.bots().Create(b);
  const Account account = s.accounts().Create(bot.id, "main");
  LedgerEntry deposit;
  deposit.bot_id = bot.id;
  deposit.account_id = account.id;
  deposit.time = kT0;
  deposit.type = LedgerEntryType::kDeposit;
  deposit.currency = "USDC";
  deposit.amount = Decimal::Parse("10000");
  s.ledger().Post(deposit);
  int n = 0;
  for (const auto& [side, price] : {std::pair{Side::kBuy, "100"}, std::pair{Side::kSell, "110"}}) {
    const Timestamp t = kT0 + (++n) * kMicrosPerHour;
    Order o;
    o.bot_id = bot.id;
    o.account_id = account.id;
    o.instrument_id = in.id;
    o.side = side;
    o.quantity = Decimal::Parse("1");
    o.created_at = t;
    const Order order = s.orders().Create(o);
    s.orders().Transition(bot.id, order.id, OrderStatus::kAccepted, t);
    Fill f;
    f.bot_id = bot.id;
    f.order_id = order.id;
    f.venue = "paper";
    f.venue_fill_id = name + "-" + std::to_string(n);
    f.quantity = Decimal::Parse("1");
    f.price = Decimal::Parse(price);
    f.fee = Decimal::Parse("0.1");
    f.time = t;
    s.orders().RecordFill(f);
  }
  return bot;
}

std::string Explain(sql::Connection& c, const detail::BoundQuery& q) {
  sql::Statement& st = c.Prepare("EXPLAIN " + q.sql);
  q.BindAll(st);
  std::string plan;
  while (st.Step()) plan += st.GetText(0) + "\n";
  st.Reset();
  return plan;
}

TEST(CitusRouter, OneBotsFillTradesAndReportAreSingleShard) {
  const std::string url = testing::FreshCitusStoreUrl();
  Bot alpha;
  {
    Store s = Store::Open(url);
    Instrument in;
    in.venue = "test";
    in.symbol = "BTCUSDC";
    in.base_asset = "BTC";
    in.quote_asset = "USDC";
    in.price_precision = 2;
    in.size_precision = 5;
    const Instrument instrument = s.instruments().Upsert(in);
    // Several bots, so that they spread over the shards.
    for (const char* name : {"beta", "gamma", "delta", "epsilon"}) SeedBot(s, instrument, name);
    alpha = SeedBot(s, instrument, "alpha");

    // EXPLAIN: one task for one bot's trades and ledger, all tasks without.
    sql::Connection& c = detail::ImplOf(s).connection(detail::Database::kTrading);
    TradeFilter mine;
    mine.bot = alpha.id;
    const std::string one = Explain(c, detail::TradeListQuery(mine));
    EXPECT_NE(one.find("Task Count: 1\n"), std::string::npos) << one;
    const std::string all = Explain(c, detail::TradeListQuery(TradeFilter{}));
    EXPECT_NE(all.find("Task Count: 4\n"), std::string::npos) << all;  // 4 shards
  }

  // Every later session of this database refuses multi-shard statements.
  sql::OpenPostgres(url)->ExecuteScript("ALTER DATABASE " + CitusCluster::DatabaseOf(url) +
                                        " SET citus.multi_task_query_log_level = 'error'");
  Store s = Store::Open(url);
  // The guard works: all bots' trades touch every shard.
  EXPECT_THROW(s.trades().List(TradeFilter{}), Error);

  // Record a fill (a new order of alpha, filled).
  const Account account = s.accounts().List(alpha.id).front();
  Order o;
  o.bot_id = alpha.id;
  o.account_id = account.id;
  o.instrument_id = s.instruments().List().front().id;
  o.side = Side::kBuy;
  o.quantity = Decimal::Parse("0.5");
  o.created_at = kT0 + 10 * kMicrosPerHour;
  const Order order = s.orders().Create(o);
  s.orders().Transition(alpha.id, order.id, OrderStatus::kAccepted, o.created_at);
  Fill f;
  f.bot_id = alpha.id;
  f.order_id = order.id;
  f.venue = "paper";
  f.venue_fill_id = "alpha-router";
  f.quantity = Decimal::Parse("0.5");
  f.price = Decimal::Parse("105");
  f.fee = Decimal::Parse("0.05");
  f.time = o.created_at;
  const FillOutcome out = s.orders().RecordFill(f);
  EXPECT_EQ(out.order.status, OrderStatus::kFilled);

  // List the bot's trades.
  TradeFilter mine;
  mine.bot = alpha.id;
  EXPECT_EQ(s.trades().List(mine).size(), 1u);

  // The bot's report.
  StatisticsSelection selection;
  selection.bot = "alpha";
  const StatisticsInput input = LoadStatisticsInput(s, selection);
  EXPECT_EQ(input.trades.size(), 1u);
  EXPECT_FALSE(input.ledger.empty());
  EXPECT_FALSE(ReportJson(s, selection, StatisticsOptions{}).empty());
}

}  // namespace
}  // namespace tradestore
