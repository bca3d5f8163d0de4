#include "tradestore/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "store/store_test_util.h"
#include "tradestore/error.h"

namespace tradestore {
namespace {

using literals::operator""_d;
using testing::Backend;
using testing::FreshStoreUrl;
using testing::Seeded;
using testing::TempDir;

ErrorKind KindOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no tradestore::Error thrown";
  return ErrorKind::kInternal;
}

TEST(StoreOpen, DirectoryStoreHasThreeDatabases) {
  TempDir dir;
  const std::string path = dir.Sub("store");
  { Store s = Store::Open("sqlite:" + path); }
  for (const char* f : {"trading.db", "market.db", "analytics.db"}) {
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(path) / f)) << f;
  }
}

// A directory store whose creation was cut off (kill -9 between its
// database files) keeps a marker file: the next open finishes it. Without
// the marker a missing database is refused, never replaced.
TEST(StoreOpen, ACreationCutOffBetweenItsFilesIsFinishedByTheNextOpen) {
  namespace fs = std::filesystem;
  TempDir dir;
  const fs::path path = dir.Sub("store");
  const fs::path marker = path / ".tradestore-creating";
  { Store s = Store::Open("sqlite:" + path.string()); }
  EXPECT_FALSE(fs::exists(marker)) << "a finished creation leaves no marker";
  const auto remove_analytics = [&] {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      fs::remove(path / (std::string("analytics.db") + suffix));
    }
  };
  remove_analytics();
  std::ofstream(marker).put('\n');
  {
    Store s = Store::Open("sqlite:" + path.string());
    s.instruments().List();
  }
  EXPECT_TRUE(fs::exists(path / "analytics.db"));
  EXPECT_FALSE(fs::exists(marker));
  remove_analytics();
  try {
    Store::Open("sqlite:" + path.string());
    ADD_FAILURE() << "opened a store missing analytics.db";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_NE(std::string(e.what()).find("is missing analytics.db"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(path / "analytics.db"));
}

TEST(StoreOpen, SingleFileStore) {
  TempDir dir;
  const std::string path = dir.Sub("one.db");
  {
    Seeded s("sqlite:" + path);
    EXPECT_EQ(s.store.bots().List().size(), 1u);
  }
  EXPECT_TRUE(std::filesystem::is_regular_file(path));
  Store again = Store::Open("sqlite:" + path);
  EXPECT_EQ(again.bots().List().size(), 1u);  // reopening keeps the data
}

TEST(StoreOpen, RejectsBadUrls) {
  EXPECT_EQ(KindOf([] { Store::Open("mysql://x"); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(KindOf([] { Store::Open("sqlite:"); }), ErrorKind::kInvalidArgument);
  // PostgreSQL takes URLs only, not key=value pairs after the scheme.
  EXPECT_EQ(KindOf([] { Store::Open("postgresql:host=/tmp dbname=x"); }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(KindOf([] { Store::Open("sqlite::memory:?synchronous=sometimes"); }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(KindOf([] { Store::Open("sqlite::memory:?colour=blue"); }),
            ErrorKind::kInvalidArgument);
  Store full = Store::Open("sqlite::memory:?synchronous=full&busy_timeout_ms=100");
  EXPECT_EQ(full.url(), "sqlite::memory:?synchronous=full&busy_timeout_ms=100");
}

TEST(StoreOpen, NotADatabaseIsAStorageError) {
  TempDir dir;
  const std::string path = dir.Sub("junk.db");
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fputs("this is not a database, it is a text file with enough bytes to matter......", f);
    std::fclose(f);
  }
  EXPECT_EQ(KindOf([&] { Store::Open("sqlite:" + path); }), ErrorKind::kStorage);
}

TEST(StoreOpen, RefusesAStoreFromANewerVersion) {
  TempDir dir;
  const std::string path = dir.Sub("newer.db");
  { Store s = Store::Open("sqlite:" + path); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "INSERT INTO schema_migrations (database, version, name, applied_at) "
                         "VALUES ('trading', 999, 'future', 0)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  try {
    Store::Open("sqlite:" + path);
    FAIL() << "opened a store from the future";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("999"), std::string::npos) << e.what();
  }
}

// The repository tests run on every backend (TRADESTORE_ON_BOTH_BACKENDS
// below); each test gets a fresh, empty store.
class OnBackend : public ::testing::TestWithParam<Backend> {
 protected:
  std::string FreshUrl() const { return FreshStoreUrl(GetParam()); }
};
class Instruments : public OnBackend {};
class Candles : public OnBackend {};
class Ledger : public OnBackend {};
class UnitOfWorkTest : public OnBackend {};
class Bots : public OnBackend {};

TEST_P(Instruments, UpsertIsIdempotentOnVenueAndSymbol) {
  Seeded s(FreshUrl());
  Instrument again = s.instrument;
  again.id = 0;
  again.price_precision = 3;
  Instrument stored = s.store.instruments().Upsert(again);
  EXPECT_EQ(stored.id, s.instrument.id);
  EXPECT_EQ(s.store.instruments().Get(stored.id).price_precision, 3);
  EXPECT_EQ(s.store.instruments().List().size(), 1u);
  Instrument bad = again;
  bad.price_precision = 19;
  EXPECT_EQ(KindOf([&] { s.store.instruments().Upsert(bad); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(KindOf([&] { s.store.instruments().Get(12345); }), ErrorKind::kNotFound);
}

TEST_P(Candles, UpsertReplacesDuplicatesAndRangeIsOrdered) {
  Seeded s(FreshUrl());
  const Timestamp t0 = Timestamp::Parse("2023-01-01T00:00:00Z");
  std::vector<Candle> candles;
  for (int i = 2; i >= 0; --i) {  // newest first on purpose
    candles.push_back({t0 + i * kMicrosPerHour, 100.0 + i, 110.0 + i, 90.0 + i, 105.0 + i, 1.5, 7});
  }
  s.store.candles().Upsert(s.instrument.id, Timeframe::k1h, candles);
  Candle changed = candles[2];
  changed.close = 99.5;
  s.store.candles().Upsert(s.instrument.id, Timeframe::k1h, std::span(&changed, 1));
  auto got = s.store.candles().Range(s.instrument.id, Timeframe::k1h);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].open_time, t0);
  EXPECT_DOUBLE_EQ(got[0].close, 99.5);
  EXPECT_EQ(got[2].open_time, t0 + 2 * kMicrosPerHour);
  EXPECT_EQ(got[1].trades, 7);
  auto part = s.store.candles().Range(s.instrument.id, Timeframe::k1h,
                                      {t0 + kMicrosPerHour, t0 + 2 * kMicrosPerHour});
  ASSERT_EQ(part.size(), 1u);
  EXPECT_EQ(part[0].open_time, t0 + kMicrosPerHour);
  auto info = s.store.candles().Info(s.instrument.id, Timeframe::k1h);
  EXPECT_EQ(info.count, 3);
  EXPECT_EQ(*info.first, t0);
  EXPECT_EQ(*info.last, t0 + 2 * kMicrosPerHour);
  EXPECT_EQ(s.store.candles().Range(s.instrument.id, Timeframe::k1d).size(), 0u);
}

// A first write into an empty series goes straight in (on PostgreSQL by
// COPY into the table) while its times increase; a time written again
// later in the same write still replaces the earlier row, and the rest of
// the write carries on.
TEST_P(Candles, AFirstWriteThatRepeatsATimeKeepsTheLaterRow) {
  Seeded s(FreshUrl());
  const Timestamp t0 = Timestamp::Parse("2023-01-01T00:00:00Z");
  CandleWriter w = s.store.candles().OpenWriter(s.instrument.id, Timeframe::k1m);
  for (int i = 0; i < 5; ++i) w.Add({t0 + i * kMicrosPerMinute, 1, 2, 0.5, 1.0 + i, 10, -1});
  w.Add({t0 + 2 * kMicrosPerMinute, 1, 2, 0.5, 42.0, 10, -1});  // minute 2 again
  w.Add({t0 + 5 * kMicrosPerMinute, 1, 2, 0.5, 6.0, 10, -1});
  w.Commit();
  const std::vector<Candle> got = s.store.candles().Range(s.instrument.id, Timeframe::k1m);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_DOUBLE_EQ(got[1].close, 2.0);
  EXPECT_DOUBLE_EQ(got[2].close, 42.0);
  EXPECT_DOUBLE_EQ(got[5].close, 6.0);
}

// Two writers of one series at once: the second waits for the first (on
// PostgreSQL at the series' lock, which a first write into an empty series
// takes before it COPYs), then upserts over what the first wrote.
TEST_P(Candles, ConcurrentWritersOfOneSeriesBothLand) {
  TempDir dir;
  const std::string url =
      GetParam() == Backend::kSqlite ? "sqlite:" + dir.Sub("store") : FreshUrl();
  Seeded s(url);
  Store other = Store::Open(url);
  const Timestamp t0 = Timestamp::Parse("2023-01-01T00:00:00Z");
  CandleWriter first = s.store.candles().OpenWriter(s.instrument.id, Timeframe::k1m);
  for (int i = 0; i < 10; ++i) first.Add({t0 + i * kMicrosPerMinute, 1, 2, 0.5, 1.0, 10, -1});
  std::jthread second([&] {  // joined however the test ends
    CandleWriter w = other.candles().OpenWriter(s.instrument.id, Timeframe::k1m);
    for (int i = 5; i < 15; ++i) w.Add({t0 + i * kMicrosPerMinute, 1, 2, 0.5, 2.0, 10, -1});
    EXPECT_NO_THROW(w.Commit());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the second waits
  first.Commit();
  second.join();
  const std::vector<Candle> got = s.store.candles().Range(s.instrument.id, Timeframe::k1m);
  ASSERT_EQ(got.size(), 15u);
  for (int i = 0; i < 15; ++i) EXPECT_DOUBLE_EQ(got[i].close, i < 5 ? 1.0 : 2.0) << i;
}

TEST_P(Candles, WriterWithoutCommitLeavesNothing) {
  Seeded s(FreshUrl());
  {
    CandleWriter w = s.store.candles().OpenWriter(s.instrument.id, Timeframe::k1m);
    w.Add({Timestamp::FromSeconds(60), 1, 2, 0.5, 1.5, 10, -1});
    EXPECT_EQ(w.count(), 1);
  }
  EXPECT_EQ(s.store.candles().Info(s.instrument.id, Timeframe::k1m).count, 0);
}

TEST_P(Ledger, BalanceEqualsSumOfEntries) {
  Seeded s(FreshUrl());
  auto post = [&](LedgerEntryType type, const char* amount, const char* currency = "USDC") {
    LedgerEntry e;
    e.bot_id = s.bot.id;
    e.account_id = s.account.id;
    e.type = type;
    e.currency = currency;
    e.amount = Decimal::Parse(amount);
    return s.store.ledger().Post(e);
  };
  post(LedgerEntryType::kDeposit, "10000");
  post(LedgerEntryType::kFee, "-0.000000000000000001");
  post(LedgerEntryType::kRealizedPnl, "123.456789");
  post(LedgerEntryType::kRealizedPnl, "-23.456789");
  const LedgerEntry last = post(LedgerEntryType::kWithdrawal, "-0.1");
  post(LedgerEntryType::kDeposit, "1", "BTC");
  const Decimal expected = "10099.899999999999999999"_d;
  EXPECT_EQ(last.balance_after, expected);
  EXPECT_EQ(s.store.accounts().BalanceOf(s.bot.id, s.account.id, "USDC"), expected);
  EXPECT_EQ(s.store.ledger().SumEntries(s.bot.id, s.account.id, "USDC"), expected);
  EXPECT_EQ(s.store.accounts().BalanceOf(s.bot.id, s.account.id, "BTC"), "1"_d);
  EXPECT_EQ(s.store.accounts().Balances(s.bot.id, s.account.id).size(), 2u);
  EXPECT_EQ(s.store.ledger().Entries(s.bot.id, s.account.id, "USDC").size(), 5u);
}

TEST_P(Ledger, RefusesBadEntriesAndChangesNothing) {
  Seeded s(FreshUrl());
  LedgerEntry e;
  e.bot_id = s.bot.id;
  e.account_id = s.account.id;
  e.currency = "USDC";
  e.type = LedgerEntryType::kDeposit;
  e.amount = "-5"_d;
  EXPECT_EQ(KindOf([&] { s.store.ledger().Post(e); }), ErrorKind::kInvalidArgument);
  e.type = LedgerEntryType::kWithdrawal;
  e.amount = "5"_d;
  EXPECT_EQ(KindOf([&] { s.store.ledger().Post(e); }), ErrorKind::kInvalidArgument);
  e.amount = Decimal();
  EXPECT_EQ(KindOf([&] { s.store.ledger().Post(e); }), ErrorKind::kInvalidArgument);
  e.type = LedgerEntryType::kDeposit;
  e.amount = "5"_d;
  e.account_id = 999;
  EXPECT_EQ(KindOf([&] { s.store.ledger().Post(e); }), ErrorKind::kNotFound);
  EXPECT_TRUE(s.store.ledger().Entries(s.bot.id, s.account.id).empty());
  EXPECT_TRUE(s.store.accounts().Balances(s.bot.id, s.account.id).empty());
}

TEST_P(UnitOfWorkTest, RollsBackUnlessCommitted) {
  Seeded s(FreshUrl());
  LedgerEntry e;
  e.bot_id = s.bot.id;
  e.account_id = s.account.id;
  e.currency = "USDC";
  e.amount = "100"_d;
  {
    UnitOfWork uow = s.store.BeginTrading();
    s.store.ledger().Post(e);
    s.store.ledger().Post(e);
  }
  EXPECT_EQ(s.store.accounts().BalanceOf(s.bot.id, s.account.id, "USDC"), Decimal());
  {
    UnitOfWork uow = s.store.BeginTrading();
    s.store.ledger().Post(e);
    uow.Commit();
  }
  EXPECT_EQ(s.store.accounts().BalanceOf(s.bot.id, s.account.id, "USDC"), "100"_d);
}

TEST_P(Bots, NamesAreUniqueAndTestBotsHidden) {
  Seeded s(FreshUrl());
  Bot dup;
  dup.name = "bot-a";
  EXPECT_EQ(KindOf([&] { s.store.bots().Create(dup); }), ErrorKind::kConflict);
  Bot t;
  t.name = "TEST-bot";
  t.is_test = true;
  s.store.bots().Create(t);
  EXPECT_EQ(s.store.bots().List().size(), 1u);
  EXPECT_EQ(s.store.bots().List(/*include_test=*/true).size(), 2u);
  EXPECT_EQ(s.store.bots().GetOrCreate(dup).id, s.bot.id);
  EXPECT_EQ(KindOf([&] { s.store.accounts().Create(s.bot.id, "main"); }), ErrorKind::kConflict);
}

TRADESTORE_ON_ALL_BACKENDS(Instruments);
TRADESTORE_ON_ALL_BACKENDS(Candles);
TRADESTORE_ON_ALL_BACKENDS(Ledger);
TRADESTORE_ON_ALL_BACKENDS(UnitOfWorkTest);
TRADESTORE_ON_ALL_BACKENDS(Bots);

}  // namespace
}  // namespace tradestore

namespace tradestore {
namespace {

TEST(UnitOfWorkSqlite, AFailedCallPoisonsTheUnitOfWork) {
  testing::Seeded s("sqlite::memory:");
  LedgerEntry e;
  e.bot_id = s.bot.id;
  e.account_id = s.account.id;
  e.currency = "USDC";
  e.amount = Decimal::FromInt(100);
  {
    UnitOfWork uow = s.store.BeginTrading();
    s.store.ledger().Post(e);
    Order bad;  // no such account: the call fails inside the unit of work
    bad.bot_id = s.bot.id;
    bad.account_id = 999;
    bad.instrument_id = s.instrument.id;
    bad.quantity = Decimal::FromInt(1);
    EXPECT_THROW(s.store.orders().Create(bad), Error);
    try {
      uow.Commit();
      ADD_FAILURE() << "a poisoned unit of work committed";
    } catch (const Error& err) {
      EXPECT_EQ(err.kind(), ErrorKind::kConflict);
    }
  }
  EXPECT_EQ(s.store.accounts().BalanceOf(s.bot.id, s.account.id, "USDC"), Decimal());
  s.store.ledger().Post(e);  // the connection is usable again
  EXPECT_EQ(s.store.accounts().BalanceOf(s.bot.id, s.account.id, "USDC"), Decimal::FromInt(100));
}

}  // namespace
}  // namespace tradestore

namespace tradestore {
namespace {

TEST(InstrumentsSqlite, AssetsOfAnExistingInstrumentCannotChange) {
  testing::Seeded s("sqlite::memory:");
  Instrument changed = s.instrument;
  changed.quote_asset = "USDT";
  try {
    s.store.instruments().Upsert(changed);
    ADD_FAILURE() << "the quote asset of an instrument changed";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("BTC/USDC"), std::string::npos) << e.what();
  }
  EXPECT_EQ(s.store.instruments().Get(s.instrument.id).quote_asset, "USDC");
  Instrument unknown;
  unknown.venue = "test";
  unknown.symbol = "XYZ";
  Instrument stored = s.store.instruments().Upsert(unknown);
  unknown.base_asset = "X";
  unknown.quote_asset = "YZ";  // filling in unknown assets is allowed
  EXPECT_EQ(s.store.instruments().Upsert(unknown).id, stored.id);
  EXPECT_EQ(s.store.instruments().Get(stored.id).quote_asset, "YZ");
}

}  // namespace
}  // namespace tradestore
