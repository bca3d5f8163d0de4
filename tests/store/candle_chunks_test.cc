// Compacted candles (market.candle_chunks) on every backend: reads across
// rows and chunks, upserts into compacted ranges, coverage and gaps, and
// the encoded bytes travelling unchanged.
#include "store/candle_chunks.h"

#include <gtest/gtest.h>

#include <atomic>
#include <bit>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/candle_chunk.h"
#include "store/candle_series.h"
#include "store/ops_queries.h"
#include "store/store_impl.h"
#include "store/store_test_util.h"
#include "tradestore/candle_repository.h"
#include "tradestore/store.h"

namespace tradestore::testing {
namespace {

// The store holds one series, all of its `candles` in chunks, and check's
// candle-chunks finds nothing.
void ExpectOneSeriesAllInChunks(Store& store, std::int64_t candles) {
  detail::StoreImpl& impl = detail::ImplOf(store);
  const auto series = detail::CandleStorageBySeries(impl.connection(detail::Database::kMarket));
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].chunk_candles, candles);
  EXPECT_EQ(series[0].row_candles, 0);
  EXPECT_TRUE(detail::CandleChunkFindings(impl).empty());
}

class CandleChunks : public ::testing::TestWithParam<Backend> {
 protected:
  CandleChunks() : s_(FreshStoreUrl(GetParam())) {}
  CandleRepository& candles() { return s_.store.candles(); }
  InstrumentId id() const { return s_.instrument.id; }
  // A seeded store that a second Store can open too (SQLite: a file, not
  // ":memory:").
  Seeded& Shared() {
    if (GetParam() != Backend::kSqlite) return s_;
    if (!on_disk_) on_disk_.emplace("sqlite:" + dir_.Sub("store"));
    return *on_disk_;
  }
  Seeded s_;
  TempDir dir_;
  std::optional<Seeded> on_disk_;
};

TEST_P(CandleChunks, CompactedReadsEqualRowReads) {
  const std::vector<Candle> all = Series(0, 5000, {10, 11, 12, 2048, 4000});
  candles().Upsert(id(), Timeframe::k1m, all);
  const auto before_cov = candles().RefreshCoverage(id(), Timeframe::k1m);
  const auto before_gaps = candles().Gaps(id(), Timeframe::k1m);
  // Compact the first 4,500 minutes; the rest stays rows.
  const CandleCompaction done = candles().Compact(id(), Timeframe::k1m, At(4500));
  EXPECT_EQ(done.series, 1);
  EXPECT_EQ(done.candles, 4500 - 5);
  EXPECT_EQ(done.chunks, 3);  // 2,048 + 2,048 + the rest
  EXPECT_GT(done.bytes, 0);
  EXPECT_LT(static_cast<double>(done.bytes) / static_cast<double>(done.candles), 12.0);

  ExpectSame(all, candles().Range(id(), Timeframe::k1m));
  for (const auto& [from, to] : std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 1},
                                                                                   {5, 15},
                                                                                   {2000, 3000},
                                                                                   {2047, 2049},
                                                                                   {4490, 4510},
                                                                                   {4500, 5000},
                                                                                   {-10, 10000},
                                                                                   {3000, 3000}}) {
    SCOPED_TRACE(std::to_string(from) + ".." + std::to_string(to));
    ExpectSame(Slice(all, At(from), At(to)),
               candles().Range(id(), Timeframe::k1m, {At(from), At(to)}));
  }
  // ForEach stops early across a chunk boundary.
  int seen = 0;
  candles().ForEach(id(), Timeframe::k1m, {}, [&](const Candle&) { return ++seen < 2100; });
  EXPECT_EQ(seen, 2100);

  const CandleRangeInfo info = candles().Info(id(), Timeframe::k1m);
  EXPECT_EQ(info.count, static_cast<std::int64_t>(all.size()));
  EXPECT_EQ(info.first, all.front().open_time);
  EXPECT_EQ(info.last, all.back().open_time);
  const auto cov = candles().RefreshCoverage(id(), Timeframe::k1m);
  ASSERT_TRUE(cov && before_cov);
  EXPECT_EQ(cov->count, before_cov->count);
  EXPECT_EQ(cov->gap_count, before_cov->gap_count);
  EXPECT_EQ(cov->expected_count, before_cov->expected_count);
  const auto gaps = candles().Gaps(id(), Timeframe::k1m);
  ASSERT_EQ(gaps.size(), before_gaps.size());
  for (std::size_t i = 0; i < gaps.size(); ++i) {
    EXPECT_EQ(gaps[i].start, before_gaps[i].start);
    EXPECT_EQ(gaps[i].end, before_gaps[i].end);
    EXPECT_EQ(gaps[i].missing, before_gaps[i].missing);
  }
  EXPECT_EQ(candles().Gaps(id(), Timeframe::k1m, 2).size(), 2u);

  // Compacting again moves nothing; compacting the rest finishes the series.
  EXPECT_EQ(candles().Compact(id(), Timeframe::k1m, At(4500)).candles, 0);
  EXPECT_EQ(candles().Compact().candles, 500);
  ExpectSame(all, candles().Range(id(), Timeframe::k1m));
}

TEST_P(CandleChunks, UpsertIntoCompactedRangeRewritesTheChunk) {
  std::vector<Candle> all = Series(0, 3000, {100});
  candles().Upsert(id(), Timeframe::k1m, all);
  candles().Compact(id(), Timeframe::k1m);
  // Replace one candle inside a chunk, fill the hole, and append new ones.
  std::vector<Candle> update = Series(100, 2);  // minutes 100 (new) and 101 (replaced)
  update[1].close = 12345.678;
  update[1].trades = 999;
  std::vector<Candle> more = Series(3000, 10);
  update.insert(update.end(), more.begin(), more.end());
  candles().Upsert(id(), Timeframe::k1m, update);

  std::vector<Candle> want = Series(0, 3010);
  want[101] = update[1];
  ExpectSame(want, candles().Range(id(), Timeframe::k1m));
  EXPECT_EQ(candles().Info(id(), Timeframe::k1m).count, 3010);
  // The rows inside the chunk were folded in: compacting moves only the
  // 10 appended ones.
  EXPECT_EQ(candles().Compact(id(), Timeframe::k1m).candles, 10);
  ExpectSame(want, candles().Range(id(), Timeframe::k1m));

  // A writer that rolls back leaves the chunk as it was.
  {
    CandleWriter w = candles().OpenWriter(id(), Timeframe::k1m);
    Candle c = want[5];
    c.close = 1;
    w.Add(c);
  }
  ExpectSame(want, candles().Range(id(), Timeframe::k1m));
}

TEST_P(CandleChunks, CheckVerifiesEachChunkAgainstItsRow) {
  candles().Upsert(id(), Timeframe::k1m, Series(0, 3000));
  candles().Compact(id(), Timeframe::k1m);
  detail::StoreImpl& impl = detail::ImplOf(s_.store);
  EXPECT_TRUE(detail::CandleChunkFindings(impl).empty());
  sql::Connection& c = impl.connection(detail::Database::kMarket);
  c.ExecuteScript(
      "UPDATE market.candle_chunks SET count = count + 1, checksum = checksum + 1 WHERE "
      "first_open_time = (SELECT MIN(first_open_time) FROM market.candle_chunks)");
  const auto findings = detail::CandleChunkFindings(impl);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].table, "market.candle_chunks");
  EXPECT_EQ(findings[0].message, "checksum differs from the chunk's own");
  EXPECT_EQ(findings[1].message, "decodes to 2048 candles, the row says 2049");
}

TEST_P(CandleChunks, CompactingDayByDayContinuesThePartialLastChunk) {
  detail::StoreImpl& impl = detail::ImplOf(s_.store);
  sql::Connection& c = impl.connection(detail::Database::kMarket);
  const auto chunks = [&c] {
    const auto series = detail::CandleStorageBySeries(c);
    return series.empty() ? 0 : series[0].chunks;
  };
  candles().Upsert(id(), Timeframe::k1m, Series(50, 950));
  EXPECT_EQ(candles().Compact(id(), Timeframe::k1m).candles, 950);
  candles().Upsert(id(), Timeframe::k1m, Series(1000, 1000, {1500}));
  const CandleCompaction second = candles().Compact(id(), Timeframe::k1m);
  EXPECT_EQ(second.candles, 999);  // the 950 compacted before are not counted again
  EXPECT_EQ(second.chunks, 1);
  EXPECT_EQ(chunks(), 1);  // one chunk of 1,949, not 950 + 999
  candles().Upsert(id(), Timeframe::k1m, Series(2000, 1000));
  EXPECT_EQ(candles().Compact(id(), Timeframe::k1m).candles, 1000);
  EXPECT_EQ(chunks(), 2);  // 2,048 + 901
  ExpectSame(Series(50, 2950, {1500}), candles().Range(id(), Timeframe::k1m));
  EXPECT_TRUE(detail::CandleChunkFindings(impl).empty());
  // A run before the first chunk does not join it.
  candles().Upsert(id(), Timeframe::k1m, Series(0, 50));
  EXPECT_EQ(candles().Compact(id(), Timeframe::k1m).candles, 50);
  EXPECT_EQ(chunks(), 3);
  ExpectSame(Series(0, 3000, {1500}), candles().Range(id(), Timeframe::k1m));
  EXPECT_TRUE(detail::CandleChunkFindings(impl).empty());
}

TEST_P(CandleChunks, AnUpsertThatGrowsAChunkPastTheLimitSplitsIt) {
  // Every other minute: 2,000 candles over 4,000 minutes, one chunk.
  std::vector<std::int64_t> odd;
  for (std::int64_t m = 1; m < 4000; m += 2) odd.push_back(m);
  candles().Upsert(id(), Timeframe::k1m, Series(0, 4000, odd));
  ASSERT_EQ(candles().Compact(id(), Timeframe::k1m).chunks, 1);
  // Filling the holes doubles it: written back as 2,048 + 1,951.
  std::vector<Candle> fill;
  for (const Candle& k : Series(0, 4000)) {
    if (((k.open_time.micros() - kSeriesStart.micros()) / kSeriesMinute) % 2 == 1)
      fill.push_back(k);
  }
  candles().Upsert(id(), Timeframe::k1m, fill);
  detail::StoreImpl& impl = detail::ImplOf(s_.store);
  const auto series = detail::CandleStorageBySeries(impl.connection(detail::Database::kMarket));
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].chunks, 2);
  EXPECT_EQ(series[0].chunk_candles, 3999);
  EXPECT_EQ(series[0].row_candles, 1);  // minute 3,999 lies after the chunk
  ExpectSame(Series(0, 4000), candles().Range(id(), Timeframe::k1m));
  EXPECT_TRUE(detail::CandleChunkFindings(impl).empty());
}

TEST_P(CandleChunks, AWriterThatCompactsWritesChunksWithoutRows) {
  detail::StoreImpl& impl = detail::ImplOf(s_.store);
  sql::Connection& c = impl.connection(detail::Database::kMarket);
  const std::vector<Candle> all = Series(0, 5000, {7, 3000});
  CandleWriterOptions options;
  options.compact_before = At(4500);
  CandleWriter w = candles().OpenWriter(id(), Timeframe::k1m, options);
  for (const Candle& k : all) w.Add(k);
  w.Commit();
  // The 4,498 candles before minute 4,500: two full chunks straight from
  // the writer and the rest as a third; the last 500 stay rows.
  EXPECT_EQ(w.compaction().series, 1);
  EXPECT_EQ(w.compaction().candles, 4498);
  EXPECT_EQ(w.compaction().chunks, 3);
  EXPECT_GT(w.compaction().bytes, 0);
  const auto series = detail::CandleStorageBySeries(c);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].chunks, 3);
  EXPECT_EQ(series[0].chunk_candles, 4498);
  EXPECT_EQ(series[0].row_candles, 500);
  ExpectSame(all, candles().Range(id(), Timeframe::k1m));
  EXPECT_TRUE(detail::CandleChunkFindings(impl).empty());
  // The same as rows compacted afterwards, candle for candle.
  EXPECT_EQ(candles().Compact(id(), Timeframe::k1m, At(4500)).candles, 0);
}

// Two writers that compact, on one series at once, their ranges
// overlapping: the second waits for the first (SQLite: the file's write
// lock; PostgreSQL: the series lock, taken before the first chunk), then
// upserts over what the first wrote, rewriting its chunks. Both land, every
// candle in chunks that check accepts.
TEST_P(CandleChunks, TwoCompactingWritersOfOneSeriesBothLand) {
  Seeded& s = Shared();
  Store other = Store::Open(s.store.url());
  CandleWriterOptions everything;
  everything.compact_before = Timestamp(std::numeric_limits<std::int64_t>::max());
  std::vector<Candle> want = Series(0, 4500);
  CandleWriter first = s.store.candles().OpenWriter(s.instrument.id, Timeframe::k1m, everything);
  for (int i = 0; i < 3000; ++i) first.Add(want[i]);
  for (int i = 1500; i < 4500; ++i) want[i].close = want[i].low;  // the second's values
  std::jthread second([&] {                                       // joined however the test ends
    CandleWriter w = other.candles().OpenWriter(s.instrument.id, Timeframe::k1m, everything);
    for (int i = 1500; i < 4500; ++i) w.Add(want[i]);
    EXPECT_NO_THROW(w.Commit());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the second waits
  first.Commit();
  second.join();
  ExpectSame(want, s.store.candles().Range(s.instrument.id, Timeframe::k1m));
  ExpectOneSeriesAllInChunks(s.store, 4500);
}

// Compact and UpgradeChunks rewrite chunks, and a writer folds its rows
// into the chunks it finds when it commits: they wait for an open writer of
// the series (SQLite: the write lock; PostgreSQL: the series lock), so that
// no row is left inside a chunk's range and no candle is read twice.
TEST_P(CandleChunks, CompactAndUpgradeWaitForAnOpenWriterOfTheSeries) {
  Seeded& s = Shared();
  std::vector<Candle> want = Series(0, 3000);
  s.store.candles().Upsert(s.instrument.id, Timeframe::k1m, want);
  s.store.candles().Compact(s.instrument.id, Timeframe::k1m, At(1000));  // one partial chunk
  Store other = Store::Open(s.store.url());
  // A writer changes a candle inside the chunk (folded into it at its
  // commit) while `rewrite` runs on the other store.
  const auto expect_waits = [&](const char* what, std::int64_t minute,
                                const std::function<void()>& rewrite) {
    SCOPED_TRACE(what);
    CandleWriter writer = s.store.candles().OpenWriter(s.instrument.id, Timeframe::k1m);
    want[minute].close = want[minute].low;
    writer.Add(want[minute]);
    std::atomic<bool> done = false;
    std::jthread maintenance([&] {  // joined however the test ends
      rewrite();
      done = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_FALSE(done) << what << " did not wait for the open writer";
    writer.Commit();
    maintenance.join();
    ExpectSame(want, s.store.candles().Range(s.instrument.id, Timeframe::k1m));
  };
  expect_waits("Compact", 100, [&] {
    EXPECT_EQ(other.candles().Compact(s.instrument.id, Timeframe::k1m).candles, 2000);
  });
  expect_waits("UpgradeChunks", 200,
               [&] { other.candles().UpgradeChunks(s.instrument.id, Timeframe::k1m); });
  ExpectOneSeriesAllInChunks(s.store, 3000);
}

TEST_P(CandleChunks, AWriterThatCompactsKeepsUpsertRulesOutOfOrder) {
  detail::StoreImpl& impl = detail::ImplOf(s_.store);
  // Stored before: a partial chunk (minutes 0..99) and rows at 3,000..3,009.
  candles().Upsert(id(), Timeframe::k1m, Series(0, 100));
  candles().Compact(id(), Timeframe::k1m);
  candles().Upsert(id(), Timeframe::k1m, Series(3000, 10));
  std::vector<Candle> want = Series(0, 5000);
  // Then, in one writer: ascending minutes 100..4999 with a repeat (the later
  // wins), one candle replacing a chunked one out of order, and one
  // replacing a stored row.
  CandleWriterOptions options;
  options.compact_before = Timestamp(std::numeric_limits<std::int64_t>::max());
  CandleWriter w = candles().OpenWriter(id(), Timeframe::k1m, options);
  for (std::int64_t m = 100; m < 5000; ++m) {
    Candle k = want[static_cast<std::size_t>(m)];
    if (m == 200) {
      Candle first = k;
      first.close = 1;  // replaced by the next Add of minute 200
      w.Add(first);
      k.close = 2;
      want[200] = k;
    }
    if (m == 3005) {
      k.volume = 77;
      want[3005] = k;
    }
    w.Add(k);
  }
  Candle again = want[50];
  again.high = 99999;
  want[50] = again;
  w.Add(again);  // out of order: into the first chunk, at Commit
  w.Commit();
  ExpectSame(want, candles().Range(id(), Timeframe::k1m));
  EXPECT_EQ(candles().Info(id(), Timeframe::k1m).count, 5000);
  const auto series = detail::CandleStorageBySeries(impl.connection(detail::Database::kMarket));
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].row_candles, 0);
  EXPECT_EQ(series[0].chunks, 3);  // 2,048 + 2,048 + 904: the partial chunk continued
  EXPECT_TRUE(detail::CandleChunkFindings(impl).empty());
}

TEST_P(CandleChunks, AWriterThatFailsWritesNothing) {
  CandleWriterOptions options;
  options.compact_before = At(100000);
  {
    CandleWriter w = candles().OpenWriter(id(), Timeframe::k1m, options);
    for (const Candle& k : Series(0, 4100)) w.Add(k);  // two chunks written already
    Candle bad = Series(4100, 1)[0];
    bad.open_time = Timestamp(Timestamp::kMaxMicros + 1);
    try {
      w.Add(bad);
      ADD_FAILURE() << "a time past 9999 was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("open_time"), std::string::npos) << e.what();
    }
  }  // not committed: rolled back
  EXPECT_TRUE(candles().Range(id(), Timeframe::k1m).empty());
  EXPECT_TRUE(
      detail::CandleStorageBySeries(detail::ImplOf(s_.store).connection(detail::Database::kMarket))
          .empty());
}

TEST_P(CandleChunks, DecodedChunksAreCachedAndNeverServedStale) {
  // Two handles on one store: on SQLite a directory store (the in-memory
  // one is private to its handle).
  TempDir dir;
  std::optional<Seeded> own;
  if (GetParam() == Backend::kSqlite) own.emplace("sqlite:" + dir.Sub("store"));
  Seeded& seeded = own ? *own : s_;
  const std::string url = seeded.store.url();
  CandleRepository& candles = seeded.store.candles();
  const InstrumentId id = seeded.instrument.id;
  const std::vector<Candle> all = Series(0, 3000);
  candles.Upsert(id, Timeframe::k1m, all);
  candles.Compact(id, Timeframe::k1m);
  const TimeRange range{At(1000), At(2500)};
  const CandleChunkCacheStatistics before = CandleChunkCache();
  ExpectSame(Slice(all, At(1000), At(2500)), candles.Range(id, Timeframe::k1m, range));
  ExpectSame(Slice(all, At(1000), At(2500)), candles.Range(id, Timeframe::k1m, range));
  const CandleChunkCacheStatistics after = CandleChunkCache();
  EXPECT_GE(after.hits - before.hits, 2);  // the second read decoded nothing
  EXPECT_GT(after.bytes, 0);
  EXPECT_LE(after.bytes, after.capacity_bytes);

  // Another handle on the same store rewrites the first chunk: this handle
  // reads the new candle, not its cached chunk.
  {
    Store other = Store::Open(url);
    Candle k = all[1500];
    k.close = 4242.5;
    other.candles().Upsert(id, Timeframe::k1m, std::vector<Candle>{k});
  }
  std::vector<Candle> want = all;
  want[1500].close = 4242.5;
  ExpectSame(Slice(want, At(1000), At(2500)), candles.Range(id, Timeframe::k1m, range));

  // Off: nothing held, every read decodes, the same candles.
  SetCandleChunkCacheCapacity(0);
  EXPECT_EQ(CandleChunkCache().chunks, 0);
  EXPECT_EQ(CandleChunkCache().bytes, 0);
  ExpectSame(want, candles.Range(id, Timeframe::k1m));
  EXPECT_EQ(CandleChunkCache().chunks, 0);
  SetCandleChunkCacheCapacity(std::int64_t{64} << 20);
  EXPECT_THROW(SetCandleChunkCacheCapacity(-1), Error);
}

// A read sees one snapshot: a compaction that another connection commits
// while a ForEach runs (from inside its callback) changes nothing of what
// that ForEach delivers, and the next read sees the compacted series.
// On every backend: SQLite reads the chunk index in the rows' snapshot,
// PostgreSQL reads rows and chunks in one statement.
TEST_P(CandleChunks, ACompactionDuringAReadDoesNotChangeIt) {
  TempDir dir;  // SQLite: two stores need a file, not ":memory:"
  const std::string url =
      GetParam() == Backend::kSqlite ? "sqlite:" + dir.Sub("store") : FreshStoreUrl(GetParam());
  Seeded reader(url);
  const std::vector<Candle> all = Series(0, 5000);
  reader.store.candles().Upsert(reader.instrument.id, Timeframe::k1m, all);
  // Half compacted already: the read merges chunks and rows.
  reader.store.candles().Compact(reader.instrument.id, Timeframe::k1m, At(2500));
  Store other = Store::Open(url);
  std::vector<Candle> seen;
  bool compacted = false;
  reader.store.candles().ForEach(reader.instrument.id, Timeframe::k1m, {}, [&](const Candle& k) {
    seen.push_back(k);
    if (!compacted && seen.size() == 100) {
      EXPECT_EQ(other.candles().Compact(reader.instrument.id, Timeframe::k1m).candles, 2500);
      compacted = true;
    }
    return true;
  });
  EXPECT_TRUE(compacted);
  ExpectSame(all, seen);
  ExpectSame(all, reader.store.candles().Range(reader.instrument.id, Timeframe::k1m));
}

// The compaction policy of imports, kept in the store: a timeframe's own
// beats the default; setting replaces; clearing says whether there was one.
TEST_P(CandleChunks, CompactionPoliciesAreKeptPerTimeframeWithADefault) {
  CandleRepository& c = candles();
  EXPECT_TRUE(c.CompactionPolicies().empty());
  EXPECT_FALSE(c.CompactionPolicyFor(Timeframe::k1m));
  c.SetCompactionPolicy(std::nullopt, kMicrosPerDay);
  c.SetCompactionPolicy(Timeframe::k1h, 0);
  c.SetCompactionPolicy(Timeframe::k1m, 7 * kMicrosPerDay);
  c.SetCompactionPolicy(Timeframe::k1m, 2 * kMicrosPerDay);  // replaces
  const std::vector<CandleCompactionPolicy> all = c.CompactionPolicies();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_FALSE(all[0].timeframe);  // the default first, then by duration
  EXPECT_EQ(all[0].older_than, kMicrosPerDay);
  EXPECT_EQ(all[1].timeframe, Timeframe::k1m);
  EXPECT_EQ(all[1].older_than, 2 * kMicrosPerDay);
  EXPECT_EQ(all[2].timeframe, Timeframe::k1h);
  EXPECT_EQ(all[2].older_than, 0);
  EXPECT_GT(all[0].updated_at, Timestamp());
  EXPECT_EQ(c.CompactionPolicyFor(Timeframe::k1m)->older_than, 2 * kMicrosPerDay);
  EXPECT_EQ(c.CompactionPolicyFor(Timeframe::k5m)->older_than, kMicrosPerDay);  // the default
  EXPECT_FALSE(c.CompactionPolicyFor(Timeframe::k5m)->timeframe);
  try {
    c.SetCompactionPolicy(Timeframe::k5m, -1);
    ADD_FAILURE() << "a negative age was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("-1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(c.CompactionPolicies().size(), 3u);  // nothing changed
  EXPECT_TRUE(c.ClearCompactionPolicy(std::nullopt));
  EXPECT_FALSE(c.ClearCompactionPolicy(std::nullopt));
  EXPECT_FALSE(c.CompactionPolicyFor(Timeframe::k5m));
  EXPECT_EQ(c.CompactionPolicyFor(Timeframe::k1h)->older_than, 0);
}

// Chunks written by builds before format version 3 (here: format 2, as
// those builds wrote them, beside one chunk in the current format) are
// rewritten by UpgradeChunks, and only they; the candles do not change, and
// a second run finds nothing to do.
TEST_P(CandleChunks, UpgradeChunksRewritesOlderFormatsOnly) {
  namespace chunk = internal::candle_chunk;
  const std::vector<Candle> all = Series(0, 5000, {10, 3000});
  candles().Upsert(id(), Timeframe::k1m, std::vector<Candle>(all.begin() + 4096, all.end()));
  candles().Compact(id(), Timeframe::k1m);  // the current format: candles 4,096..4,997
  sql::Connection& c = detail::ImplOf(s_.store).connection(detail::Database::kMarket);
  chunk::EncodeOptions version2;
  version2.version = chunk::kFormatVersion2;
  for (const std::size_t at : {std::size_t{0}, std::size_t{2048}}) {
    const std::string bytes = chunk::Encode(std::span(all).subspan(at, 2048), version2);
    const chunk::ChunkHeader h = chunk::ReadHeader(bytes);
    c.Prepare(
         "INSERT INTO market.candle_chunks (instrument_id, timeframe, first_open_time, "
         "last_open_time, count, checksum, data) VALUES (?, '1m', ?, ?, ?, ?, ?)")
        .Bind(1, id())
        .Bind(2, h.first)
        .Bind(3, h.last)
        .Bind(4, h.count)
        .Bind(5, static_cast<std::int64_t>(h.checksum))
        .BindBlob(6, bytes)
        .Execute();
  }
  const auto chunk_bytes = [&] {
    std::vector<std::string> out;
    sql::Statement& st = c.Prepare(
        "SELECT data FROM market.candle_chunks WHERE instrument_id = ? ORDER BY first_open_time");
    st.PreferBinaryResults();
    st.Bind(1, id());
    while (st.Step()) out.emplace_back(st.GetBlob(0));
    st.Reset();
    return out;
  };
  const std::vector<std::string> before = chunk_bytes();
  ASSERT_EQ(before.size(), 3u);
  EXPECT_EQ(chunk::ReadHeader(before[0]).version, chunk::kFormatVersion2);
  EXPECT_EQ(chunk::ReadHeader(before[2]).version, chunk::kFormatVersion);
  ExpectSame(all, candles().Range(id(), Timeframe::k1m));

  EXPECT_THROW(candles().UpgradeChunks(id() + 100), Error);
  EXPECT_EQ(candles().UpgradeChunks(id(), Timeframe::k5m).chunks, 0);
  const CandleChunkUpgrade done = candles().UpgradeChunks();
  EXPECT_EQ(done.series, 1);
  EXPECT_EQ(done.chunks, 2);
  EXPECT_EQ(done.candles, 4096);
  EXPECT_EQ(done.bytes_before, static_cast<std::int64_t>(before[0].size() + before[1].size()));
  EXPECT_GT(done.bytes_after, 0);

  const std::vector<std::string> after = chunk_bytes();
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(chunk::ReadHeader(after[0]).version, chunk::kFormatVersion);
  EXPECT_EQ(chunk::ReadHeader(after[1]).version, chunk::kFormatVersion);
  EXPECT_EQ(after[2], before[2]) << "a chunk of the current format is left as it is";
  EXPECT_EQ(static_cast<std::int64_t>(after[0].size() + after[1].size()), done.bytes_after);
  ExpectSame(all, candles().Range(id(), Timeframe::k1m));
  EXPECT_TRUE(detail::CandleChunkFindings(detail::ImplOf(s_.store)).empty());
  EXPECT_EQ(candles().UpgradeChunks().chunks, 0);
}

// The format version of each chunk of the instrument, oldest first.
std::vector<int> ChunkVersions(Store& store, InstrumentId id) {
  sql::Connection& c = detail::ImplOf(store).connection(detail::Database::kMarket);
  sql::Statement& st = c.Prepare(
      "SELECT data FROM market.candle_chunks WHERE instrument_id = ? ORDER BY first_open_time");
  st.PreferBinaryResults();
  st.Bind(1, id);
  std::vector<int> out;
  while (st.Step()) out.push_back(internal::candle_chunk::ReadHeader(st.GetBlob(0)).version);
  st.Reset();
  return out;
}

// A store opened with chunk_format=2 writes every chunk in format 2 (a
// compaction, an upsert folded into a chunk, a prune that re-encodes the
// chunk it cuts) and UpgradeChunks rewrites the format 3 chunks in it, so
// that a build before format 3 can read the store; opened again without
// it, UpgradeChunks brings them back. The candles never change.
TEST_P(CandleChunks, AStoreOpenedWithChunkFormat2WritesAndRewritesFormat2) {
  namespace chunk = internal::candle_chunk;
  Seeded& shared = Shared();
  const std::vector<Candle> all = Series(0, 5000, {10, 3000});
  shared.store.candles().Upsert(id(), Timeframe::k1m, all);
  shared.store.candles().Compact(id(), Timeframe::k1m);
  EXPECT_EQ(ChunkVersions(shared.store, id()), std::vector<int>(3, chunk::kFormatVersion));

  const std::string url = shared.store.url();
  const std::string join = url.find('?') == std::string::npos ? "?" : "&";
  Store old = Store::Open(url + join + "chunk_format=2");
  const CandleChunkUpgrade down = old.candles().UpgradeChunks();
  EXPECT_EQ(down.series, 1);
  EXPECT_EQ(down.chunks, 3);
  EXPECT_EQ(down.candles, 4998);
  EXPECT_EQ(ChunkVersions(old, id()), std::vector<int>(3, chunk::kFormatVersion2));
  ExpectSame(all, old.candles().Range(id(), Timeframe::k1m));
  EXPECT_EQ(old.candles().UpgradeChunks().chunks, 0) << "nothing left to rewrite";

  // Writes through it stay in format 2: an upsert into a chunk's range and
  // a compaction of new candles; the same through StoreOptions.
  std::vector<Candle> want = all;
  Candle changed = want[100];
  changed.close += 1;
  want[100] = changed;
  old.candles().Upsert(id(), Timeframe::k1m, std::vector<Candle>{changed});
  const std::vector<Candle> more = Series(5000, 100);
  want.insert(want.end(), more.begin(), more.end());
  StoreOptions options;
  options.chunk_format = 2;
  Store old2 = Store::Open(url, options);
  old2.candles().Upsert(id(), Timeframe::k1m, more);
  EXPECT_EQ(old2.candles().Compact(id(), Timeframe::k1m).candles, 100);
  // A prune cutting the first chunk re-encodes what it keeps.
  const Timestamp cut = At(1000);
  EXPECT_EQ(detail::PruneChunkedCandles(detail::ImplOf(old2), {id(), "1m"}, cut), 999);
  want.erase(want.begin(), want.begin() + 999);
  EXPECT_EQ(ChunkVersions(old2, id()), std::vector<int>(3, chunk::kFormatVersion2));
  ExpectSame(want, old2.candles().Range(id(), Timeframe::k1m));
  EXPECT_TRUE(detail::CandleChunkFindings(detail::ImplOf(old2)).empty());

  // Opened as usual, the store upgrades them again.
  Store current = Store::Open(url);
  EXPECT_EQ(current.candles().UpgradeChunks().chunks, 3);
  EXPECT_EQ(ChunkVersions(current, id()), std::vector<int>(3, chunk::kFormatVersion));
  ExpectSame(want, current.candles().Range(id(), Timeframe::k1m));
}

TEST_P(CandleChunks, AChunkFormatOtherThan2Or3IsRefusedByName) {
  const std::string url = Shared().store.url();
  const std::string join = url.find('?') == std::string::npos ? "?" : "&";
  for (const std::string bad : {"4", "1", "", "three"}) {
    try {
      Store::Open(url + join + "chunk_format=" + bad);
      ADD_FAILURE() << "chunk_format=" << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("chunk_format must be 2 or 3, got '" + bad + "'"),
                std::string::npos)
          << e.what();
    }
  }
  StoreOptions options;
  options.chunk_format = 1;
  try {
    Store::Open(url, options);
    ADD_FAILURE() << "StoreOptions::chunk_format 1 was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("StoreOptions: chunk_format must be 2 or 3, got '1'"),
              std::string::npos)
        << e.what();
  }
}

TEST_P(CandleChunks, UnknownInstrumentAndEmptyStore) {
  EXPECT_EQ(candles().Compact().candles, 0);
  EXPECT_EQ(candles().UpgradeChunks().chunks, 0);
  EXPECT_THROW(candles().Compact(id() + 100), Error);
  EXPECT_TRUE(candles().Range(id(), Timeframe::k1m).empty());
}

TRADESTORE_ON_ALL_BACKENDS(CandleChunks);

}  // namespace
}  // namespace tradestore::testing
