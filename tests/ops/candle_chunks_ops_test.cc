// Compacted candles (docs/storage.md "Candle chunks") through every
// operation that reads or deletes candles outside the repository: prune,
// entity export (CSV, JSONL, SQL) and paging, bundles, entity import into a
// compacted range, copy between backends, backup and restore, and status.
// Each test compacts first: before chunks were covered, each of these paths
// read market.candles only and missed compacted candles.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "core/candle_chunk.h"
#include "ops/ops_test_util.h"
#include "store/candle_series.h"
#include "store/ops_queries.h"
#include "store/store_impl.h"
#include "support/pg_harness.h"
#include "tradestore/backup.h"
#include "tradestore/bundle.h"
#include "tradestore/check.h"
#include "tradestore/copy.h"
#include "tradestore/error.h"
#include "tradestore/export_import.h"
#include "tradestore/prune.h"
#include "tradestore/status.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using testing::AddSeriesInstrument;
using testing::At;
using testing::Backend;
using testing::ExpectSame;
using testing::FreshUrl;
using testing::OpsTempDir;
using testing::Series;
using testing::Slice;
using testing::Spaced;

std::string Export(Store& s, DataFormat format, const ExportFilter& filter = {}) {
  std::ostringstream out;
  ExportOptions o;
  o.format = format;
  o.filter = filter;
  ExportEntity(s, "candles", out, o);
  return out.str();
}

void ExpectChunksClean(Store& s) {
  for (const detail::RowFinding& f : detail::CandleChunkFindings(detail::ImplOf(s))) {
    ADD_FAILURE() << f.table << " " << f.row << ": " << f.message;
  }
}

class CompactedOps : public ::testing::TestWithParam<Backend> {
 protected:
  OpsTempDir dir_;
  std::string url_ = FreshUrl(GetParam(), dir_, "store");
};

TEST_P(CompactedOps, PruneDeletesCompactedCandlesAndRewritesTheStraddlingChunk) {
  Store s = Store::Open(url_);
  const Instrument in = AddSeriesInstrument(s);
  const std::vector<Candle> all = Series(0, 5000);
  s.candles().Upsert(in.id, Timeframe::k1m, all);
  // Chunks hold minutes 0..4499 (2,048 + 2,048 + 404), rows the rest.
  ASSERT_EQ(s.candles().Compact(in.id, Timeframe::k1m, At(4500)).chunks, 3);

  // Minute 3000 lies inside the second chunk: it is cut there.
  PruneOptions o;
  o.kinds = {"candles"};
  o.before = At(3000);
  o.dry_run = true;
  EXPECT_EQ(Prune(s, o).kinds[0].matched, 3000);
  EXPECT_EQ(s.candles().Info(in.id, Timeframe::k1m).count, 5000);
  o.dry_run = false;
  const PruneResult r = Prune(s, o);
  EXPECT_EQ(r.kinds[0].matched, 3000);
  EXPECT_EQ(r.kinds[0].deleted, 3000);
  ExpectSame(Slice(all, At(3000), At(5000)), s.candles().Range(in.id, Timeframe::k1m));
  const auto coverage = s.candles().Coverage(in.id, Timeframe::k1m);
  ASSERT_EQ(coverage.size(), 1u);
  EXPECT_EQ(coverage[0].count, 2000);
  EXPECT_EQ(coverage[0].first, At(3000));
  ExpectChunksClean(s);

  // Across the last chunk and into the rows: 1,500 compacted, 100 rows.
  o.before = At(4600);
  const PruneResult r2 = Prune(s, o);
  EXPECT_EQ(r2.kinds[0].matched, 1600);
  EXPECT_EQ(r2.kinds[0].deleted, 1600);
  ExpectSame(Slice(all, At(4600), At(5000)), s.candles().Range(in.id, Timeframe::k1m));
  EXPECT_EQ(s.candles().Info(in.id, Timeframe::k1m).count, 400);
  ExpectChunksClean(s);
  EXPECT_TRUE(CheckStore(url_).ok());

  // Everything: the series and its coverage are gone.
  o.before = At(100000);
  EXPECT_EQ(Prune(s, o).kinds[0].deleted, 400);
  EXPECT_TRUE(s.candles().Range(in.id, Timeframe::k1m).empty());
  EXPECT_TRUE(s.candles().Coverage(in.id, Timeframe::k1m).empty());
}

TEST_P(CompactedOps, ExportAndPagesReadCompactedCandlesAsRows) {
  Store s = Store::Open(url_);
  const Instrument in = AddSeriesInstrument(s);
  s.candles().Upsert(in.id, Timeframe::k1m, Series(0, 5000, {10, 2047, 2048, 4499}));
  s.candles().Upsert(in.id, Timeframe::k5m, Spaced(300, 5));  // a second series, rows only
  ExportFilter window;
  window.from = At(2000);
  window.to = At(4600);
  window.timeframe = "1m";
  ExportFilter limited;
  limited.limit = 4321;
  std::vector<std::string> before;
  for (DataFormat f : {DataFormat::kCsv, DataFormat::kJsonl, DataFormat::kSql}) {
    before.push_back(Export(s, f));
    before.push_back(Export(s, f, window));
    before.push_back(Export(s, f, limited));
  }
  const EntityRows shown = ReadEntity(s, "candles");

  ASSERT_GT(s.candles().Compact(in.id, Timeframe::k1m, At(4500)).candles, 4000);
  std::size_t i = 0;
  for (DataFormat f : {DataFormat::kCsv, DataFormat::kJsonl, DataFormat::kSql}) {
    EXPECT_EQ(Export(s, f), before[i++]) << ToString(f);
    EXPECT_EQ(Export(s, f, window), before[i++]) << ToString(f);
    EXPECT_EQ(Export(s, f, limited), before[i++]) << ToString(f);
  }
  EXPECT_EQ(ReadEntity(s, "candles").rows, shown.rows);

  // The progress total counts compacted candles too.
  std::ostringstream sink;
  ExportOptions o;
  std::int64_t total = 0;
  o.progress = [&total](std::int64_t, std::int64_t t) { total = t; };
  EXPECT_EQ(ExportEntity(s, "candles", sink, o).rows, 4996 + 300);
  EXPECT_EQ(total, 4996 + 300);

  // Pages (the HTTP API's entity route) cross chunk, row and series bounds.
  std::vector<std::string> paged;
  std::string cursor;
  do {
    const EntityPage page = ReadEntityPage(s, "candles", {}, cursor, 777);
    paged.insert(paged.end(), page.rows.begin(), page.rows.end());
    cursor = page.next;
  } while (!cursor.empty());
  ASSERT_EQ(paged.size(), 4996u + 300u);
  std::istringstream jsonl(before[3]);
  std::string line;
  for (std::size_t k = 0; std::getline(jsonl, line); ++k) {
    ASSERT_LT(k, paged.size());
    EXPECT_EQ(nlohmann::json::parse(line), nlohmann::json::parse(paged[k])) << k;
  }
}

TEST_P(CompactedOps, ABundleCarriesCompactedCandles) {
  Store s = Store::Open(url_);
  const Instrument in = AddSeriesInstrument(s);
  const std::vector<Candle> all = Series(0, 3000, {5, 6, 7});
  s.candles().Upsert(in.id, Timeframe::k1m, all);
  s.candles().Compact(in.id, Timeframe::k1m, At(2500));
  const std::string bundle = dir_.Sub("bundle");
  const BundleManifest m = ExportBundle(s, bundle, DataFormat::kCsv);
  const auto candles = std::find_if(m.entries.begin(), m.entries.end(),
                                    [](const BundleEntry& e) { return e.entity == "candles"; });
  ASSERT_NE(candles, m.entries.end());
  EXPECT_EQ(candles->rows, static_cast<std::int64_t>(all.size()));

  Store t = Store::Open(FreshUrl(GetParam(), dir_, "target"));
  const BundleImportSummary imported = ImportBundle(t, bundle);
  EXPECT_EQ(imported.coverage_series, 1);
  ExpectSame(all, t.candles().Range(in.id, Timeframe::k1m));
}

TEST_P(CompactedOps, EntityImportIntoACompactedRangeFoldsIntoTheChunk) {
  // The file: minutes 100..104 of the full series, as `export candles` writes them.
  const std::vector<Candle> all = Series(0, 3000);
  const std::string file = dir_.Sub("holes.csv");
  {
    Store full = Store::Open(FreshUrl(GetParam(), dir_, "full"));
    const Instrument in = AddSeriesInstrument(full);
    full.candles().Upsert(in.id, Timeframe::k1m, all);
    ExportOptions o;
    o.filter.from = At(100);
    o.filter.to = At(105);
    ExportEntityToFile(full, "candles", file, o);
  }
  Store s = Store::Open(url_);
  const Instrument in = AddSeriesInstrument(s);
  s.candles().Upsert(in.id, Timeframe::k1m, Series(0, 3000, {100, 101, 102, 103, 104}));
  s.candles().Compact(in.id, Timeframe::k1m);
  EXPECT_EQ(ImportEntity(s, "candles", file).rows, 5);
  ExpectSame(all, s.candles().Range(in.id, Timeframe::k1m));
  ExpectChunksClean(s);  // no row inside a chunk
  EXPECT_EQ(GetStatus(url_).candle_series.at(0).row_candles, 0);

  // Importing them again clashes with the compacted candles, like rows would.
  try {
    ImportEntity(s, "candles", file);
    ADD_FAILURE() << "imported candles that are already stored";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict) << e.what();
    EXPECT_NE(std::string(e.what()).find("holes.csv:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("already stored"), std::string::npos) << e.what();
  }
  ExpectSame(all, s.candles().Range(in.id, Timeframe::k1m));
  ExpectChunksClean(s);
}

// check's candle-chunks counts the chunks per format version, and names the
// upgrade when some are of an older format (here a chunk written in format 2,
// as builds before format 3 wrote it).
TEST_P(CompactedOps, CheckCountsChunksPerFormatAndNamesTheUpgrade) {
  namespace chunk = internal::candle_chunk;
  Store s = Store::Open(url_);
  const Instrument in = AddSeriesInstrument(s);
  const std::vector<Candle> all = Series(0, 3000);
  s.candles().Upsert(in.id, Timeframe::k1m, all);
  s.candles().Compact(in.id, Timeframe::k1m);  // chunks of 2,048 and 952
  chunk::EncodeOptions version2;
  version2.version = chunk::kFormatVersion2;
  const std::string old = chunk::Encode(std::span(all).subspan(2048), version2);
  detail::ImplOf(s)
      .connection(detail::Database::kMarket)
      .Prepare(
          "UPDATE market.candle_chunks SET data = ?, checksum = ? WHERE instrument_id = ? AND "
          "first_open_time = ?")
      .BindBlob(1, old)
      .Bind(2, static_cast<std::int64_t>(chunk::ReadHeader(old).checksum))
      .Bind(3, in.id)
      .Bind(4, all[2048].open_time)
      .Execute();
  const auto note = [&] {
    for (const CheckOutcome& c : CheckStore(url_).checks) {
      if (c.name != "candle-chunks") continue;
      EXPECT_EQ(c.status, "passed") << c.note;
      return c.note;
    }
    ADD_FAILURE() << "no candle-chunks check";
    return std::string();
  };
  EXPECT_EQ(note(),
            "2 chunks: 1 in format 2, 1 in format 3; `tradestore candles compact "
            "--upgrade-chunks` rewrites the 1 of older formats in format 3, which decodes "
            "faster");
  EXPECT_EQ(s.candles().UpgradeChunks().chunks, 1);
  EXPECT_EQ(note(), "2 chunks: 2 in format 3");
  ExpectSame(all, s.candles().Range(in.id, Timeframe::k1m));

  // A store opened for a build before format 3 names the other way.
  const std::string url2 =
      url_ + (url_.find('?') == std::string::npos ? "?" : "&") + "chunk_format=2";
  const auto note2 = [&] {
    for (const CheckOutcome& c : CheckStore(url2).checks) {
      if (c.name == "candle-chunks") return c.note;
    }
    return std::string("no candle-chunks check");
  };
  EXPECT_EQ(note2(),
            "2 chunks: 2 in format 3; this store writes format 2 (chunk_format=2): `tradestore "
            "candles compact --chunk-format 2` rewrites the 2 of other formats in it");
  Store s2 = Store::Open(url2);
  EXPECT_EQ(s2.candles().UpgradeChunks().chunks, 2);
  EXPECT_EQ(note2(), "2 chunks: 2 in format 2");
  EXPECT_EQ(note(),
            "2 chunks: 2 in format 2; `tradestore candles compact --upgrade-chunks` rewrites "
            "the 2 of older formats in format 3, which decodes faster");
  ExpectSame(all, s.candles().Range(in.id, Timeframe::k1m));
}

TEST_P(CompactedOps, StatusShowsCandlesInRowsAndChunksPerSeries) {
  Store s = Store::Open(url_);
  const Instrument in = AddSeriesInstrument(s);
  s.candles().Upsert(in.id, Timeframe::k1m, Series(0, 5000));
  s.candles().Upsert(in.id, Timeframe::k1h, Spaced(10, 60));
  const CandleCompaction done = s.candles().Compact(in.id, Timeframe::k1m, At(4500));
  const StoreStatus st = GetStatus(url_);
  ASSERT_EQ(st.candle_series.size(), 2u);
  const CandleSeriesStatus& m1 =
      st.candle_series[0].timeframe == "1m" ? st.candle_series[0] : st.candle_series[1];
  const CandleSeriesStatus& h1 =
      st.candle_series[0].timeframe == "1m" ? st.candle_series[1] : st.candle_series[0];
  EXPECT_EQ(m1.symbol, "BTCUSDT");
  EXPECT_EQ(m1.venue, "binance");
  EXPECT_EQ(m1.row_candles, 500);
  EXPECT_EQ(m1.chunk_candles, 4500);
  EXPECT_EQ(m1.chunks, 3);
  EXPECT_EQ(m1.chunk_bytes, done.bytes);
  ASSERT_TRUE(m1.chunk_bytes_per_candle);
  EXPECT_LT(*m1.chunk_bytes_per_candle, 12.0);
  EXPECT_EQ(h1.row_candles, 10);
  EXPECT_EQ(h1.chunk_candles, 0);
  EXPECT_FALSE(h1.chunk_bytes_per_candle);
  if (h1.bytes_per_candle) {
    // Rows cost more than compacted candles.
    ASSERT_TRUE(m1.bytes_per_candle);
    EXPECT_GT(*h1.bytes_per_candle, *m1.chunk_bytes_per_candle);
    EXPECT_GT(*m1.bytes_per_candle, *m1.chunk_bytes_per_candle);
  }
  const auto j = nlohmann::json::parse(StatusToJson(st));
  ASSERT_EQ(j["candle_series"].size(), 2u);
  bool seen = false;
  for (const auto& series : j["candle_series"]) {
    if (series["timeframe"] != "1m") continue;
    seen = true;
    EXPECT_EQ(series["row_candles"], 500);
    EXPECT_EQ(series["chunk_candles"], 4500);
    EXPECT_EQ(series["chunks"], 3);
    EXPECT_TRUE(series["chunk_bytes_per_candle"].is_number());
  }
  EXPECT_TRUE(seen);
}

TRADESTORE_OPS_ON_BOTH_BACKENDS(CompactedOps);

// Copy SQLite -> PostgreSQL -> SQLite and backup/restore both ways with
// compacted candles: every candle reads back bit-identical and every chunk
// keeps its bytes (the copy verifies each table's checksum).
TEST(CompactedCopyBackup, EveryCandleSurvivesCopiesBackupsAndRestores) {
  OpsTempDir dir;
  const std::string source_url = "sqlite:" + dir.Sub("source");
  const std::vector<Candle> all = Series(0, 6000, {1, 2, 3, 2048, 3000});
  InstrumentId id = 0;
  {
    Store s = Store::Open(source_url);
    id = AddSeriesInstrument(s).id;
    s.candles().Upsert(id, Timeframe::k1m, all);
    s.candles().RefreshCoverage(id, Timeframe::k1m);
    s.candles().Compact(id, Timeframe::k1m, At(5000));
  }
  const auto expect_all = [&](const std::string& url) {
    SCOPED_TRACE(url);
    Store s = Store::Open(url);
    ExpectSame(all, s.candles().Range(id, Timeframe::k1m));
    const StoreStatus st = GetStatus(url);
    ASSERT_EQ(st.candle_series.size(), 1u);
    EXPECT_GT(st.candle_series[0].chunk_candles, 4000);
    ExpectChunksClean(s);
    EXPECT_TRUE(CheckStore(url).ok());
  };
  const auto copy = [](const std::string& from_url, const std::string& to_url) {
    Store from = Store::Open(from_url);
    Store to = Store::Open(to_url);
    const CopyResult r = CopyStore(from, to);
    for (const TableVerification& t : r.tables) {
      EXPECT_TRUE(t.ok()) << t.table;
      if (t.table == "market.candle_chunks") {
        EXPECT_EQ(t.source_rows, 3);
      }
    }
    EXPECT_TRUE(r.ok());
  };
  expect_all(source_url);
  const std::string pg = testing::PgServer::Get().CreateDatabase();
  copy(source_url, pg);
  expect_all(pg);
  const std::string back = "sqlite:" + dir.Sub("back.db");
  copy(pg, back);
  expect_all(back);

  // Copying market.candles alone brings the chunks along.
  const std::string candles_only = testing::PgServer::Get().CreateDatabase();
  {
    Store from = Store::Open(source_url);
    Store to = Store::Open(candles_only);
    CopyOptions o;
    o.tables = {"market.instruments", "market.candles"};
    const CopyResult r = CopyStore(from, to, o);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.tables.size(), 3u);
    ExpectSame(all, to.candles().Range(id, Timeframe::k1m));
  }

  const BackupResult sqlite_backup = Backup(source_url, dir.Sub("bk-sqlite"));
  const std::string files = "sqlite:" + dir.Sub("restored-files");
  EXPECT_EQ(Restore(sqlite_backup.path, files).method, "files");
  expect_all(files);
  const std::string pg_restored = testing::PgServer::Get().CreateDatabase();
  EXPECT_EQ(Restore(sqlite_backup.path, pg_restored).method, "rows");
  expect_all(pg_restored);
  const BackupResult pg_backup = Backup(pg, dir.Sub("bk-pg"));
  const std::string rows = "sqlite:" + dir.Sub("restored-rows");
  Restore(pg_backup.path, rows);
  expect_all(rows);
}

}  // namespace
}  // namespace tradestore
