// CopyStore / VerifyStores between SQLite and PostgreSQL stores.
#include "tradestore/copy.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <random>
#include <string>

#include "sql/connection.h"
#include "store/store_impl.h"
#include "store/table_io.h"
#include "support/pg_harness.h"
#include "tradestore/backup.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using testing::PgServer;

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("tradestore-copy-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string Url(const std::string& name) const { return "sqlite:" + (path_ / name).string(); }
  std::string Path(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

const Timestamp kT0 = Timestamp::FromCivil(2023, 3, 1);

// A small store touching every kind of value: ids, decimals (including
// NULL and negative), times, doubles with awkward digits, NULL integers.
void Seed(Store& s, int candles = 50) {
  Instrument btc;
  btc.symbol = "BTCUSDC";
  btc.venue = "kraken";
  btc.base_asset = "BTC";
  btc.quote_asset = "USDC";
  btc.tick_size = Decimal::Parse("0.1");
  btc = s.instruments().Upsert(btc);
  std::vector<Candle> cs;
  for (int i = 0; i < candles; ++i) {
    Candle c;
    c.open_time = kT0 + i * kMicrosPerHour;
    c.open = 100.1 + i / 3.0;
    c.high = c.open + 0.30000000000000004;
    c.low = c.open - 1e-9;
    c.close = c.open + 0.1;
    c.volume = i * 1.5;
    if (i % 2 == 0) c.trades = i;
    cs.push_back(c);
  }
  s.candles().Upsert(btc.id, Timeframe::k1h, cs);
  Bot bot;
  bot.name = "copy-bot";
  bot.strategy = "test";
  bot.created_at = kT0;
  bot = s.bots().Create(bot);
  const Account account = s.accounts().Create(bot.id, "main");
  for (int i = 0; i < 3; ++i) {
    LedgerEntry e;
    e.bot_id = bot.id;
    e.account_id = account.id;
    e.time = kT0 + i * kMicrosPerHour;
    e.type = i == 1 ? LedgerEntryType::kWithdrawal : LedgerEntryType::kDeposit;
    e.currency = "USDC";
    e.amount = Decimal::Parse(i == 1 ? "-12.345" : "1000.000001");
    e.description = "entry " + std::to_string(i);
    s.ledger().Post(e);
  }
  PortfolioSnapshot snap;
  snap.bot_id = bot.id;
  snap.account_id = account.id;
  snap.time = kT0;
  snap.equity = Decimal::Parse("1987.655002");
  snap.cash = snap.equity;
  s.portfolio().Record(snap);
}

std::string PgUrl() { return PgServer::Get().CreateDatabase(); }

void ExpectAllMatch(const CopyResult& r) {
  ASSERT_FALSE(r.tables.empty());
  for (const TableVerification& t : r.tables) {
    EXPECT_TRUE(t.ok()) << t.table << ": " << t.source_rows << "/" << t.target_rows << " "
                        << t.source_checksum << "/" << t.target_checksum;
  }
  EXPECT_TRUE(r.ok());
}

std::string ChecksumOf(const CopyResult& r, const std::string& table) {
  for (const TableVerification& t : r.tables) {
    if (t.table == table) return t.source_checksum;
  }
  return "";
}

TEST(Copy, SqliteToPostgresAndBackKeepsEveryChecksum) {
  TempDir dir;
  Store a = Store::Open(dir.Url("a"));
  Seed(a);
  Store pg = Store::Open(PgUrl());
  const CopyResult first = CopyStore(a, pg);
  ExpectAllMatch(first);
  Store b = Store::Open(dir.Url("b.db"));  // and a single-file store
  const CopyResult second = CopyStore(pg, b);
  ExpectAllMatch(second);
  ASSERT_EQ(first.tables.size(), second.tables.size());
  for (std::size_t i = 0; i < first.tables.size(); ++i) {
    EXPECT_EQ(first.tables[i].table, second.tables[i].table);
    EXPECT_EQ(first.tables[i].source_checksum, second.tables[i].target_checksum)
        << first.tables[i].table;
    EXPECT_EQ(first.tables[i].source_rows, second.tables[i].target_rows);
  }
  EXPECT_EQ(ChecksumOf(first, "market.candles"), ChecksumOf(second, "market.candles"));
  // The library reads the same values back.
  const auto bot = b.bots().FindByName("copy-bot");
  ASSERT_TRUE(bot);
  const auto accounts = b.accounts().List(bot->id);
  ASSERT_EQ(accounts.size(), 1u);
  EXPECT_EQ(b.accounts().BalanceOf(bot->id, accounts[0].id, "USDC").ToString(), "1987.655002");
}

TEST(Copy, PostgresSequencesFollowCopiedIds) {
  TempDir dir;
  Store a = Store::Open(dir.Url("a"));
  Seed(a);
  Store pg = Store::Open(PgUrl());
  ExpectAllMatch(CopyStore(a, pg));
  // New rows get fresh ids instead of colliding with the copied ones.
  Bot bot;
  bot.name = "second";
  bot.created_at = kT0;
  EXPECT_GT(pg.bots().Create(bot).id, 1);
  const Bot first = *pg.bots().FindByName("copy-bot");
  const Account acc = pg.accounts().Create(first.id, "other");
  EXPECT_GT(acc.id, 1);
}

TEST(Copy, ResumesAfterAPartialCopy) {
  TempDir dir;
  Store a = Store::Open(dir.Url("a"));
  Seed(a, 120);
  const std::string pg_url = PgUrl();
  {
    Store pg = Store::Open(pg_url);
    CopyOptions only;
    only.tables = {"market.instruments", "trading.bots"};
    const CopyResult r = CopyStore(a, pg, only);
    ASSERT_EQ(r.tables.size(), 2u);
    ExpectAllMatch(r);
  }
  {
    // Simulate an interrupted run: the first 40 candles are there.
    Store pg = Store::Open(pg_url);
    const detail::TableInfo& candles = detail::FindTable("market.candles");
    detail::InsertRows(
        detail::ImplOf(pg), candles,
        detail::ReadRows(detail::ImplOf(a), candles, std::nullopt, std::nullopt, 40));
  }
  Store pg = Store::Open(pg_url);
  CopyOptions small;
  small.batch_rows = 7;
  std::int64_t calls = 0;
  small.progress = [&](const CopyProgress& p) {
    ++calls;
    EXPECT_LE(p.done, p.total);
  };
  const CopyResult r = CopyStore(a, pg, small);
  ExpectAllMatch(r);
  EXPECT_GT(calls, 10);
  for (const TableVerification& t : r.tables) {
    if (t.table == "market.candles") {
      EXPECT_EQ(t.resumed_rows, 40);
      EXPECT_EQ(t.copied_rows, 80);
    }
    if (t.table == "market.instruments" || t.table == "trading.bots") {
      EXPECT_EQ(t.resumed_rows, 1);
      EXPECT_EQ(t.copied_rows, 0);
    }
  }
  // A second full run copies nothing and still verifies.
  const CopyResult again = CopyStore(a, pg);
  ExpectAllMatch(again);
  for (const TableVerification& t : again.tables) EXPECT_EQ(t.copied_rows, 0) << t.table;
}

TEST(Copy, RefusesATargetWithDifferentDataAndVerificationFindsIt) {
  TempDir dir;
  Store a = Store::Open(dir.Url("a"));
  Seed(a);
  Store pg = Store::Open(PgUrl());
  ExpectAllMatch(CopyStore(a, pg));
  detail::ImplOf(pg)
      .connection(detail::Database::kTrading)
      .Prepare("UPDATE trading.ledger_entries SET description = 'tampered' WHERE id = 1")
      .Execute();
  const CopyResult v = VerifyStores(a, pg);
  EXPECT_FALSE(v.ok());
  for (const TableVerification& t : v.tables) {
    EXPECT_EQ(t.ok(), t.table != "trading.ledger_entries") << t.table;
  }
  try {
    CopyStore(a, pg);
    FAIL() << "expected a conflict";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    EXPECT_NE(std::string(e.what()).find("trading.ledger_entries"), std::string::npos) << e.what();
  }
}

TEST(Copy, UnknownTableAndSameStoreAreRefused) {
  TempDir dir;
  Store a = Store::Open(dir.Url("a"));
  Store b = Store::Open(dir.Url("b"));
  CopyOptions o;
  o.tables = {"nope"};
  EXPECT_THROW(CopyStore(a, b, o), Error);
  EXPECT_THROW(CopyStore(a, a), Error);
}

// An unknown table is a difference even when it is empty: copy and backup
// refuse the store, naming the table, and change nothing.
TEST(Copy, AnUnknownEmptyTableIsRefused) {
  TempDir dir;
  Store a = Store::Open(dir.Url("a"));
  Seed(a);
  Store b = Store::Open(dir.Url("b"));
  detail::ImplOf(a)
      .connection(detail::Database::kTrading)
      .Prepare("CREATE TABLE stray_notes (id INTEGER PRIMARY KEY, note TEXT)")
      .Execute();
  const std::vector<std::string> differences = detail::CatalogDifferences(detail::ImplOf(a));
  ASSERT_EQ(differences.size(), 1u);
  EXPECT_EQ(differences[0], "table trading.stray_notes is not known to tradestore copy (empty)");
  for (const auto& run :
       std::vector<std::function<void()>>{[&] { CopyStore(a, b); }, [&] { CopyStore(b, a); },
                                          [&] { Backup(a.url(), dir.Path("backups")); }}) {
    try {
      run();
      ADD_FAILURE() << "expected a conflict";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kConflict);
      EXPECT_NE(std::string(e.what()).find("trading.stray_notes"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(detail::CountRows(detail::ImplOf(b), detail::FindTable("trading.orders")), 0);
  EXPECT_FALSE(std::filesystem::exists(dir.Path("backups")) &&
               !std::filesystem::is_empty(dir.Path("backups")));
}

TEST(Copy, CatalogMatchesBothBackends) {
  TempDir dir;
  Store dirs = Store::Open(dir.Url("a"));
  Store file = Store::Open(dir.Url("b.db"));
  Store pg = Store::Open(PgUrl());
  for (Store* s : {&dirs, &file, &pg}) {
    // No tolerance, not even for an empty table: the catalog is the schema
    // description's (src/store/schema.h), which must describe every table.
    for (const std::string& d : detail::CatalogDifferences(detail::ImplOf(*s))) {
      ADD_FAILURE() << s->url() << ": " << d;
    }
  }
}

}  // namespace
}  // namespace tradestore
