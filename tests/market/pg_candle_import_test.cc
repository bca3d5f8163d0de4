// Candle import on PostgreSQL goes through COPY (sql::BulkWriter): the same
// candles as on SQLite, upserts on re-import, all or nothing on failure.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "market/market_test_util.h"
#include "sql/postgres/pg_connection.h"
#include "support/pg_harness.h"
#include "tradestore/candle_import.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using testing::DataPath;
using testing::PgServer;

constexpr const char* kBinance = "ohlcv/binanceus/BTCUSDC_1m_20230301_20230321.csv";

CandleImportOptions Options() {
  CandleImportOptions o;
  o.symbol = "BTCUSDC";
  o.venue = "binanceus";
  o.timeframe = Timeframe::k1m;
  return o;
}

void ExpectSameCandles(const std::vector<Candle>& a, const std::vector<Candle>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("candle " + std::to_string(i));
    EXPECT_EQ(a[i].open_time, b[i].open_time);
    EXPECT_EQ(a[i].open, b[i].open);
    EXPECT_EQ(a[i].high, b[i].high);
    EXPECT_EQ(a[i].low, b[i].low);
    EXPECT_EQ(a[i].close, b[i].close);
    EXPECT_EQ(a[i].volume, b[i].volume);
    EXPECT_EQ(a[i].trades, b[i].trades);
    if (::testing::Test::HasFailure()) return;
  }
}

std::int64_t Count(const std::string& url, const std::string& table) {
  auto c = sql::OpenPostgres(url);
  auto& st = c->Prepare("SELECT count(*) FROM " + table);
  st.Step();
  return st.GetInt64(0);
}

TEST(PgCandleImport, SameCandlesAsSqlite) {
  Store lite = Store::Open("sqlite::memory:");
  Store pg = Store::Open(PgServer::Get().CreateDatabase());
  const auto a = ImportCandles(lite, DataPath(kBinance), Options());
  const auto b = ImportCandles(pg, DataPath(kBinance), Options());
  EXPECT_EQ(a.rows_read, 30240);
  EXPECT_EQ(b.rows_read, a.rows_read);
  EXPECT_EQ(b.rows_in_store, a.rows_in_store);
  ExpectSameCandles(pg.candles().Range(b.instrument.id, Timeframe::k1m),
                    lite.candles().Range(a.instrument.id, Timeframe::k1m));
  // Candles with a trade count, and a later duplicate time within one write.
  std::vector<Candle> extra(3);
  for (std::size_t i = 0; i < extra.size(); ++i) {
    extra[i].open_time = Timestamp(1'000'000'000'000 + static_cast<std::int64_t>(i) * 60'000'000);
    extra[i].open = extra[i].high = extra[i].low = extra[i].close = 0.1 + static_cast<double>(i);
    extra[i].volume = 1e-9;
    extra[i].trades = static_cast<std::int64_t>(i) * 7;
  }
  extra.push_back(extra[1]);
  extra.back().close = 42.125;  // the last of equal keys wins
  lite.candles().Upsert(a.instrument.id, Timeframe::k1h, extra);
  pg.candles().Upsert(b.instrument.id, Timeframe::k1h, extra);
  const auto pg_extra = pg.candles().Range(b.instrument.id, Timeframe::k1h);
  ExpectSameCandles(pg_extra, lite.candles().Range(a.instrument.id, Timeframe::k1h));
  ASSERT_EQ(pg_extra.size(), 3u);
  EXPECT_EQ(pg_extra[1].close, 42.125);
  EXPECT_EQ(pg_extra[2].trades, 14);
}

TEST(PgCandleImport, ReimportUpserts) {
  const std::string url = PgServer::Get().CreateDatabase();
  Store pg = Store::Open(url);
  const auto first = ImportCandles(pg, DataPath(kBinance), Options());
  const auto id = first.instrument.id;
  ASSERT_EQ(Count(url, "market.candles"), 30240);
  // The same file again: nothing changes.
  const auto again = ImportCandles(pg, DataPath(kBinance), Options());
  EXPECT_EQ(again.rows_in_store, 30240);
  EXPECT_EQ(Count(url, "market.candles"), 30240);
  // A file with changed values for some of the same times replaces them.
  const std::filesystem::path changed =
      std::filesystem::temp_directory_path() / ("ts_reimport_" + std::to_string(id) + ".csv");
  {
    std::ofstream out(changed);
    out << "open_time,open,high,low,close,volume\n"
           "2023-03-01 00:00:00+00:00,1.5,2.5,0.5,1.25,10\n"
           "2023-03-21 23:59:00+00:00,3.5,4.5,2.5,3.25,20\n";
  }
  const auto third = ImportCandles(pg, changed.string(), Options());
  std::filesystem::remove(changed);
  EXPECT_EQ(third.rows_in_store, 30240);
  EXPECT_EQ(Count(url, "market.candles"), 30240);
  const auto all = pg.candles().Range(id, Timeframe::k1m);
  ASSERT_EQ(all.size(), 30240u);
  EXPECT_EQ(all.front().open, 1.5);
  EXPECT_EQ(all.front().close, 1.25);
  EXPECT_EQ(all.front().volume, 10);
  EXPECT_EQ(all.back().high, 4.5);
  EXPECT_EQ(all.back().volume, 20);
  EXPECT_EQ(all[1].open, 23152.65);  // untouched
}

struct Snapshot {
  std::int64_t candles, instruments, coverage;
  bool operator==(const Snapshot&) const = default;
};

Snapshot Take(const std::string& url) {
  return {Count(url, "market.candles"), Count(url, "market.instruments"),
          Count(url, "market.candle_coverage")};
}

TEST(PgCandleImport, FailingImportLeavesTheStoreUnchanged) {
  const std::string url = PgServer::Get().CreateDatabase();
  Store pg = Store::Open(url);
  const Snapshot empty = Take(url);
  CandleImportOptions orcl = Options();
  orcl.symbol = "ORCL";
  orcl.timeframe = Timeframe::k1d;
  EXPECT_THROW(
      ImportCandles(pg, DataPath("ohlcv/pyalgotrade/orcl-2010-googlefinance-malformed.csv"), orcl),
      Error);
  EXPECT_EQ(Take(url), empty);

  ImportCandles(pg, DataPath(kBinance), Options());
  const Snapshot loaded = Take(url);
  const auto before = pg.candles().Range(1, Timeframe::k1m);
  // A bad row at the end of a long file: several COPY chunks were sent.
  const std::filesystem::path bad =
      std::filesystem::temp_directory_path() /
      ("ts_bad_" + std::to_string(loaded.candles) + "_" + std::to_string(::getpid()) + ".csv");
  {
    std::ifstream in(DataPath(kBinance));
    std::ofstream out(bad);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      if (n++ > 0 && line.size() > 30) {
        line.replace(0, 4, "2024");  // a later year: new times
        line.replace(line.find(',') + 1, 1, "1");
      }
      out << line << '\n';
    }
    out << "2025-01-01 00:00:00+00:00,x,1,1,1,1\n";
  }
  EXPECT_THROW(ImportCandles(pg, bad.string(), Options()), Error);
  std::filesystem::remove(bad);
  EXPECT_EQ(Take(url), loaded);
  ExpectSameCandles(pg.candles().Range(1, Timeframe::k1m), before);
  // The store still works after the failed COPY.
  EXPECT_EQ(ImportCandles(pg, DataPath(kBinance), Options()).rows_in_store, 30240);
}

}  // namespace
}  // namespace tradestore
