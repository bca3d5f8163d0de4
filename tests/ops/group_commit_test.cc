// Group commit through the public API (store.h, "Group commit"): many
// threads of one process, each with its own Store on one SQLite store at
// synchronous=full, record full fills (order, fill, position, ledger) at
// once; every fill is there afterwards and `check` passes; units of work
// that fail in one thread roll back alone and take nothing of the others'
// with them; and group_commit=on|off is parsed and checked.
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ops/ops_test_util.h"
#include "sql/sqlite/sqlite_connection.h"
#include "store/store_impl.h"
#include "tradestore/check.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using testing::OpsTempDir;

constexpr int kThreads = 8;
constexpr int kFills = 30;  // good fills per thread

// One bot's thread: kFills fills, alternating buys that open a position and
// sells that close it; with `fail_every` > 0, also a unit of work after
// every fail_every-th fill that creates and cancels an order, then tries to
// fill it (kConflict) and is rolled back.
void Trade(const std::string& url, int w, int fail_every, std::atomic<int>& errors,
           std::atomic<int>& refused) {
  try {
    Store s = Store::Open(url);
    Instrument in;
    in.venue = "gc";
    in.symbol = "ETHUSDC";
    in.base_asset = "ETH";
    in.quote_asset = "USDC";
    const Instrument instrument = s.instruments().Upsert(in);
    Bot b;
    b.name = "gc-" + std::to_string(w);
    const Bot bot = s.bots().Create(b);
    const Account account = s.accounts().Create(bot.id, "main");
    auto order_of = [&](int i, const std::string& client_id) {
      Order o;
      o.bot_id = bot.id;
      o.account_id = account.id;
      o.instrument_id = instrument.id;
      o.client_order_id = client_id;
      o.side = i % 2 == 0 ? Side::kBuy : Side::kSell;
      o.quantity = Decimal::Parse("0.5");
      o.created_at = testing::kOpsT0 + std::int64_t{i} * 1'000'000;
      return o;
    };
    for (int i = 0; i < kFills; ++i) {
      const Timestamp t = testing::kOpsT0 + std::int64_t{i} * 1'000'000;
      {
        UnitOfWork uow = s.BeginTrading();
        const Order order = s.orders().Create(order_of(i, "ok-" + std::to_string(i)));
        s.orders().Transition(bot.id, order.id, OrderStatus::kAccepted, t);
        Fill f;
        f.bot_id = bot.id;
        f.order_id = order.id;
        f.venue = "gc";
        f.venue_fill_id = b.name + "-" + std::to_string(i);
        f.quantity = Decimal::Parse("0.5");
        f.price = Decimal::Parse(i % 2 == 0 ? "2000" : "2002");
        f.fee = Decimal::Parse("0.25");
        f.time = t;
        s.orders().RecordFill(f);
        uow.Commit();
      }
      if (fail_every > 0 && i % fail_every == 0) {
        try {
          UnitOfWork uow = s.BeginTrading();
          const Order order = s.orders().Create(order_of(i, "bad-" + std::to_string(i)));
          s.orders().Cancel(bot.id, order.id, t);
          Fill f;
          f.bot_id = bot.id;
          f.order_id = order.id;
          f.venue = "gc";
          f.venue_fill_id = b.name + "-bad-" + std::to_string(i);
          f.quantity = Decimal::Parse("0.5");
          f.price = Decimal::Parse("2000");
          f.time = t;
          s.orders().RecordFill(f);  // a cancelled order cannot fill
          uow.Commit();
          ADD_FAILURE() << "a fill of a cancelled order was recorded";
        } catch (const Error& e) {
          if (e.kind() == ErrorKind::kConflict) {
            ++refused;
          } else {
            ADD_FAILURE() << e.what();
          }
        }
      }
    }
  } catch (const Error& e) {
    ++errors;
    ADD_FAILURE() << "writer " << w << ": " << e.what();
  }
}

TEST(GroupCommitStoreTest, ConcurrentFullFillsAllCommitAndFailuresRollBackAlone) {
  OpsTempDir dir;
  const std::string url = "sqlite:" + dir.Sub("store") + "?synchronous=full";
  // Created first: opening a missing directory store from several threads
  // at once races (one sees trading.db before the others exist).
  Store::Open(url);
  std::atomic<int> errors{0}, refused{0};
  std::vector<std::thread> pool;
  for (int w = 0; w < kThreads; ++w) {
    // Every second thread has a unit of work fail after every third fill.
    pool.emplace_back([&, w] { Trade(url, w, w % 2 == 1 ? 3 : 0, errors, refused); });
  }
  for (auto& t : pool) t.join();
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(refused, (kThreads / 2) * (kFills / 3));

  Store s = Store::Open(url);
  for (int w = 0; w < kThreads; ++w) {
    SCOPED_TRACE("writer " + std::to_string(w));
    const auto bot = s.bots().FindByName("gc-" + std::to_string(w));
    ASSERT_TRUE(bot.has_value());
    const std::vector<Fill> fills = s.orders().ListFills(bot->id);
    EXPECT_EQ(fills.size(), static_cast<std::size_t>(kFills));
    for (const Fill& f : fills) EXPECT_EQ(f.venue_fill_id.find("-bad-"), std::string::npos);
    // Only the good orders exist: the failed units of work left nothing.
    const std::vector<Order> orders = s.orders().List(bot->id);
    EXPECT_EQ(orders.size(), static_cast<std::size_t>(kFills));
    for (const Order& o : orders) EXPECT_EQ(o.client_order_id.rfind("ok-", 0), 0u);
    EXPECT_FALSE(s.orders().FindByClientId(bot->id, "bad-0").has_value());
    // 15 round trips of +1.00 on 0.5 each, less 30 fees of 0.25.
    const auto accounts = s.accounts().List(bot->id);
    ASSERT_EQ(accounts.size(), 1u);
    EXPECT_EQ(s.accounts().BalanceOf(bot->id, accounts[0].id, "USDC"), Decimal::Parse("7.5"));
  }
  const CheckReport report = CheckStore(url);
  EXPECT_TRUE(report.ok()) << CheckReportToJson(report);
}

TEST(GroupCommitStoreTest, OffAndOnAreAcceptedAnythingElseIsNamed) {
  OpsTempDir dir;
  for (const char* v : {"on", "off", "ON"}) {
    Store s = Store::Open("sqlite:" + dir.Sub(std::string("s-") + v) +
                          "?synchronous=full&group_commit=" + v);
    Bot b;
    b.name = "x";
    s.bots().Create(b);
  }
  try {
    Store::Open("sqlite:" + dir.Sub("bad") + "?group_commit=maybe");
    ADD_FAILURE() << "group_commit=maybe was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("group_commit must be on or off, got 'maybe'"),
              std::string::npos)
        << e.what();
  }
}

// StoreOptions::group_commit and ::synchronous override the URL's
// parameters; group commit is only active at synchronous FULL.
TEST(GroupCommitStoreTest, StoreOptionsOverrideTheUrl) {
  OpsTempDir dir;
  struct Case {
    const char* query;
    std::optional<bool> group_commit;
    std::optional<std::string> synchronous;
    bool active;
  };
  const Case cases[] = {
      {"?synchronous=full", std::nullopt, std::nullopt, true},
      {"?synchronous=full", false, std::nullopt, false},
      {"?synchronous=full&group_commit=off", true, std::nullopt, true},
      {"?synchronous=full&group_commit=off", std::nullopt, std::nullopt, false},
      {"", true, std::string("full"), true},
      {"?synchronous=full", true, std::string("Normal"), false},
  };
  int n = 0;
  for (const Case& c : cases) {
    StoreOptions options;
    options.group_commit = c.group_commit;
    options.synchronous = c.synchronous;
    const std::string url = "sqlite:" + dir.Sub("s" + std::to_string(n++)) + c.query;
    Store s = Store::Open(url, options);
    EXPECT_EQ(
        sql::SqliteGroupCommitActive(detail::ImplOf(s).connection(detail::Database::kTrading)),
        c.active)
        << url << " group_commit option "
        << (c.group_commit ? (*c.group_commit ? "true" : "false") : "unset");
  }
  StoreOptions bad;
  bad.synchronous = "sometimes";
  try {
    Store::Open("sqlite:" + dir.Sub("bad-sync"), bad);
    ADD_FAILURE() << "synchronous=sometimes was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find(
                  "StoreOptions: synchronous must be normal or full, got 'sometimes'"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tradestore
