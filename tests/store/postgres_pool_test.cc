// The PostgreSQL driver under load and failure: row locks under concurrent
// writers (READ COMMITTED), the session pool, reconnection after a lost
// session, and the PgBouncer-safe mode without named prepared statements.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sql/postgres/pg_connection.h"
#include "store/store_impl.h"
#include "store/store_test_util.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using literals::operator""_d;
using testing::PgServer;
using testing::Seeded;

ErrorKind KindOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind();
  }
  return ErrorKind::kInternal;
}

// "postgresql:///t_3?host=..." → "t_3".
std::string DatabaseOf(const std::string& url) {
  const auto start = url.find("///") + 3;
  return url.substr(start, url.find('?') - start);
}

// Ends every session of the store's database, as a server restart or an
// operator's pg_terminate_backend would.
void TerminateSessions(const std::string& url) {
  PgServer::Get().Execute(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + DatabaseOf(url) +
      "' AND pid <> pg_backend_pid()");
}

LedgerEntry Deposit(const Seeded& s, const std::string& amount) {
  LedgerEntry e;
  e.bot_id = s.bot.id;
  e.account_id = s.account.id;
  e.type = LedgerEntryType::kDeposit;
  e.currency = "USDC";
  e.amount = Decimal::Parse(amount);
  return e;
}

TEST(PostgresConcurrency, ConcurrentPostsAndFillsOnOneAccountAreAllCounted) {
  const std::string url = PgServer::Get().CreateDatabase();
  Seeded s(url);
  constexpr int kThreads = 4;
  constexpr int kEach = 15;
  Order o;
  o.bot_id = s.bot.id;
  o.account_id = s.account.id;
  o.instrument_id = s.instrument.id;
  o.side = Side::kBuy;
  o.quantity = Decimal::FromInt(kThreads * kEach);
  o.strategy = "test";
  Order order = s.store.orders().Create(o);
  s.store.orders().Transition(s.bot.id, order.id, OrderStatus::kAccepted, Timestamp::Now());

  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        Store mine = Store::Open(url);
        for (int i = 0; i < kEach; ++i) {
          LedgerEntry e = Deposit(s, std::to_string(t + 1) + "." + std::to_string(i + 1));
          mine.ledger().Post(e);
          Fill f;
          f.bot_id = s.bot.id;
          f.order_id = order.id;
          f.venue = "paper";
          f.venue_fill_id = "t" + std::to_string(t) + "-" + std::to_string(i);
          f.quantity = "1"_d;
          f.price = "10"_d;
          f.fee = "0.01"_d;
          mine.orders().RecordFill(f);
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);

  const Order after = s.store.orders().Get(s.bot.id, order.id);
  EXPECT_EQ(after.filled_quantity, Decimal::FromInt(kThreads * kEach));
  EXPECT_EQ(after.status, OrderStatus::kFilled);
  EXPECT_EQ(s.store.orders().Fills(s.bot.id, order.id).size(),
            static_cast<std::size_t>(kThreads * kEach));
  const auto position = s.store.positions().Get(s.bot.id, s.account.id, s.instrument.id);
  ASSERT_TRUE(position.has_value());
  EXPECT_EQ(position->quantity, Decimal::FromInt(kThreads * kEach));
  // Deposits: sum over t, i of (t+1).(i+1); fills: a fee of 0.01 each.
  Decimal expected;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kEach; ++i) {
      expected += Decimal::Parse(std::to_string(t + 1) + "." + std::to_string(i + 1));
    }
  }
  expected -= Decimal::FromInt(kThreads * kEach) * "0.01"_d;
  const Decimal balance = s.store.accounts().BalanceOf(s.bot.id, s.account.id, "USDC");
  EXPECT_EQ(balance, s.store.ledger().SumEntries(s.bot.id, s.account.id, "USDC"));
  EXPECT_EQ(balance, expected);
}

TEST(PostgresPool, StoresOnManyThreadsShareAtMostPoolSizeSessions) {
  const std::string url = PgServer::Get().CreateDatabase() + "&pool_size=2";
  Seeded s(url);
  constexpr int kThreads = 6;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      try {
        Store mine = Store::Open(url);
        for (int i = 0; i < 10; ++i) mine.ledger().Post(Deposit(s, "1"));
      } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  const auto stats = sql::PostgresPoolStats(url);
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->size, 2);
  EXPECT_LE(stats->open, 2);
  EXPECT_EQ(stats->idle, stats->open);  // every lease was returned
  EXPECT_GE(stats->leases, kThreads * 10);
  EXPECT_EQ(s.store.accounts().BalanceOf(s.bot.id, s.account.id, "USDC"),
            Decimal::FromInt(kThreads * 10));
}

TEST(PostgresPool, OwnParametersAreCheckedAndNotGivenToLibpq) {
  const std::string url = PgServer::Get().CreateDatabase();
  EXPECT_EQ(KindOf([&] { Store::Open(url + "&pool_size=0"); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(KindOf([&] { Store::Open(url + "&prepared_statements=maybe"); }),
            ErrorKind::kInvalidArgument);
  Store store = Store::Open(url + "&pool_size=3&prepared_statements=on");
  EXPECT_EQ(sql::PostgresPoolStats(url + "&pool_size=3")->size, 3);
  // The store's chunk_format passes through the driver, whichever part of
  // it reads the URL (the store, the change feed's LISTEN connection).
  EXPECT_EQ(KindOf([&] { Store::Open(url + "&chunk_format=4"); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(sql::PostgresChunkFormat(url + "&chunk_format=2"), 2);
  EXPECT_EQ(sql::PostgresChunkFormat(url), std::nullopt);
  Store old = Store::Open(url + "&chunk_format=2");
  EXPECT_EQ(detail::ImplOf(old).chunk_format(), 2);
  EXPECT_NO_THROW(sql::ListenPostgres(url + "&chunk_format=2", "tradestore_test"));
}

TEST(PostgresReconnect, SessionKilledBetweenUnitsOfWorkReconnects) {
  const std::string url = PgServer::Get().CreateDatabase() + "&pool_size=1";
  Seeded s(url);
  s.store.ledger().Post(Deposit(s, "1"));
  TerminateSessions(url);
  s.store.ledger().Post(Deposit(s, "2"));  // a new session, statements prepared again
  TerminateSessions(url);
  EXPECT_EQ(s.store.accounts().BalanceOf(s.bot.id, s.account.id, "USDC"), "3"_d);  // autocommit
  EXPECT_GE(sql::PostgresPoolStats(url)->connects, 3);
}

TEST(PostgresReconnect, SessionKilledInsideAUnitOfWorkLosesItClearly) {
  const std::string url = PgServer::Get().CreateDatabase() + "&pool_size=1";
  Seeded s(url);
  s.store.ledger().Post(Deposit(s, "1"));
  {
    UnitOfWork uow = s.store.BeginTrading();
    s.store.ledger().Post(Deposit(s, "10"));
    TerminateSessions(url);
    try {
      s.store.ledger().Post(Deposit(s, "20"));
      FAIL() << "a statement on a terminated session succeeded";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kUnavailable);
      EXPECT_TRUE(e.retryable());
      EXPECT_NE(std::string(e.what()).find("unit of work was lost"), std::string::npos) << e.what();
    }
    EXPECT_THROW(uow.Commit(), Error);
  }
  // Nothing of the lost unit of work was written; the store works again.
  EXPECT_EQ(s.store.accounts().BalanceOf(s.bot.id, s.account.id, "USDC"), "1"_d);
  EXPECT_EQ(s.store.ledger().Entries(s.bot.id, s.account.id, "USDC", {}).size(), 1u);
  s.store.ledger().Post(Deposit(s, "2"));
  EXPECT_EQ(s.store.accounts().BalanceOf(s.bot.id, s.account.id, "USDC"), "3"_d);
}

TEST(PostgresPgBouncerMode, UnnamedStatementsLeaveNothingPreparedInTheSession) {
  const std::string url = PgServer::Get().CreateDatabase() + "&prepared_statements=off";
  Seeded s(url);
  s.store.ledger().Post(Deposit(s, "5"));
  Order o;
  o.bot_id = s.bot.id;
  o.account_id = s.account.id;
  o.instrument_id = s.instrument.id;
  o.side = Side::kBuy;
  o.quantity = "1"_d;
  o.strategy = "test";
  Order order = s.store.orders().Create(o);
  s.store.orders().Transition(s.bot.id, order.id, OrderStatus::kAccepted, Timestamp::Now());
  Fill f;
  f.bot_id = s.bot.id;
  f.order_id = order.id;
  f.venue = "paper";
  f.venue_fill_id = "x";
  f.quantity = "1"_d;
  f.price = "2"_d;
  EXPECT_EQ(s.store.orders().RecordFill(f).order.status, OrderStatus::kFilled);
  EXPECT_EQ(s.store.accounts().BalanceOf(s.bot.id, s.account.id, "USDC"),
            s.store.ledger().SumEntries(s.bot.id, s.account.id, "USDC"));

  auto c = sql::OpenPostgres(url);
  c->Begin();  // one session for both statements
  auto& st = c->Prepare("SELECT count(*) FROM pg_prepared_statements");
  ASSERT_TRUE(st.Step());
  EXPECT_EQ(st.GetInt64(0), 0);
  c->Commit();
}

}  // namespace
}  // namespace tradestore
