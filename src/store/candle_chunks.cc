// Compacted candles; see candle_chunks.h.
#include "store/candle_chunks.h"

#include <algorithm>
#include <array>
#include <bit>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "core/candle_chunk.h"
#include "store/ops_queries.h"
#include "store/query_util.h"
#include "store/schema_row.h"
#include "tradestore/error.h"
#include "tradestore/timeframe.h"

namespace tradestore::detail {
namespace {

namespace chunk = ::tradestore::internal::candle_chunk;
using schema::Columns;
using schema::RowReader;
using schema::RowWriter;
using schema::tables::kCandleChunks;
using schema::tables::kCandles;

constexpr auto kChunkRow = Columns<kCandleChunks>::All();
constexpr auto kChunkRead = Columns<kCandleChunks>::Only(
    {"first_open_time", "last_open_time", "count", "checksum", "data"});
constexpr auto kCandleRead =
    Columns<kCandles>::Only({"open_time", "open", "high", "low", "close", "volume", "trades"});

Candle ReadCandle(const sql::Statement& st) {
  const RowReader<kCandles> r(st, kCandleRead);
  Candle c;
  c.open_time = r.Get<Timestamp>("open_time");
  c.open = r.Get<double>("open");
  c.high = r.Get<double>("high");
  c.low = r.Get<double>("low");
  c.close = r.Get<double>("close");
  c.volume = r.Get<double>("volume");
  c.trades = r.Get<std::optional<std::int64_t>>("trades").value_or(-1);
  return c;
}

struct StoredChunk {
  Timestamp first;
  Timestamp last;
  std::int64_t count = 0;
  std::string data;
};

// The series' chunks that may hold candles of [from, to] (either bound
// open), by first open time.
std::vector<StoredChunk> LoadChunks(sql::Connection& c, InstrumentId instrument,
                                    const std::string& tf, std::optional<Timestamp> from,
                                    std::optional<Timestamp> to_inclusive, bool for_update) {
  std::string tail = " WHERE instrument_id = ? AND timeframe = ?";
  // The lower bound is a seek on the primary key: the chunk that may hold
  // `from` is the last one starting at or before it (a bound on
  // last_open_time alone would scan every earlier chunk).
  if (from) {
    tail +=
        " AND first_open_time >= COALESCE((SELECT MAX(first_open_time) FROM "
        "market.candle_chunks WHERE instrument_id = ? AND timeframe = ? AND first_open_time <= "
        "?), ?) AND last_open_time >= ?";
  }
  if (to_inclusive) tail += " AND first_open_time <= ?";
  tail += " ORDER BY first_open_time";
  const std::string sql = kChunkRead.SelectSql(tail);
  sql::Statement& st = for_update ? c.PrepareForUpdate(sql) : c.Prepare(sql);
  st.PreferBinaryResults();  // PostgreSQL: the chunks' bytes as they are, not in hex
  int index = BindParams(st, instrument, tf);
  if (from) {
    st.Bind(index, instrument);
    st.Bind(index + 1, tf);
    st.Bind(index + 2, *from);
    st.Bind(index + 3, *from);
    st.Bind(index + 4, *from);
    index += 5;
  }
  if (to_inclusive) st.Bind(index++, *to_inclusive);
  std::vector<StoredChunk> out;
  while (st.Step()) {
    const RowReader<kCandleChunks> r(st, kChunkRead);
    StoredChunk k;
    k.first = r.Get<Timestamp>("first_open_time");
    k.last = r.Get<Timestamp>("last_open_time");
    k.count = r.Get<std::int64_t>("count");
    k.data.assign(r.GetBlobView("data"));
    out.push_back(std::move(k));
  }
  st.Reset();
  return out;
}

void InsertChunk(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                 std::span<const Candle> candles, CompactStats* stats, int format) {
  const std::string bytes = chunk::Encode(candles, {.version = format});
  const chunk::ChunkHeader h = chunk::ReadHeader(bytes);
  static const std::string kSql = kChunkRow.InsertSql();
  RowWriter<kCandleChunks> row(c.Prepare(kSql), kChunkRow);
  row.Set("instrument_id", instrument).Set("timeframe", tf);
  row.Set("first_open_time", h.first).Set("last_open_time", h.last);
  row.Set("count", h.count).Set("checksum", static_cast<std::int64_t>(h.checksum));
  row.Set("data", sql::Blob{bytes}).Done().Execute();
  if (stats != nullptr) {
    stats->candles += h.count;
    stats->chunks += 1;
    stats->bytes += static_cast<std::int64_t>(bytes.size());
  }
}

void DeleteChunk(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                 Timestamp first) {
  sql::Statement& del = c.Prepare(
      "DELETE FROM market.candle_chunks WHERE instrument_id = ? AND timeframe = ? AND "
      "first_open_time = ?");
  BindParams(del, instrument, tf, first);
  del.Execute();
}

// Writes `candles` (ascending) as chunks of at most kChunkCandles.
void InsertChunks(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                  std::span<const Candle> candles, CompactStats* stats, int format) {
  for (std::size_t at = 0; at < candles.size(); at += kChunkCandles) {
    const std::size_t n = std::min<std::size_t>(kChunkCandles, candles.size() - at);
    InsertChunk(c, instrument, tf, candles.subspan(at, n), stats, format);
  }
}

}  // namespace

bool HasChunks(sql::Connection& c, InstrumentId instrument, const std::string& tf) {
  sql::Statement& st = c.Prepare(
      "SELECT 1 FROM market.candle_chunks WHERE instrument_id = ? AND timeframe = ? LIMIT 1");
  BindParams(st, instrument, tf);
  const bool found = st.Step();
  st.Reset();
  return found;
}

void LockCandleSeries(sql::Connection& c, InstrumentId instrument, const std::string& tf) {
  if (c.dialect() != sql::Dialect::kPostgres) return;
  c.Prepare("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")
      .Bind(1, "tradestore.candles:" + std::to_string(instrument) + ":" + tf)
      .Execute();
}

bool CandleSeriesIsEmpty(sql::Connection& c, InstrumentId instrument, const std::string& tf) {
  sql::Statement& st =
      c.Prepare("SELECT 1 FROM market.candles WHERE instrument_id = ? AND timeframe = ? LIMIT 1");
  BindParams(st, instrument, tf);
  const bool row = st.Step();
  st.Reset();
  return !row && !HasChunks(c, instrument, tf);
}

namespace {

// The process-wide cache of decoded chunks (CandleChunkCache in
// candle_repository.h). A decoded chunk is a pure function of its bytes, so
// an entry keyed by the chunk's checksum and the header fields its index row
// repeats is valid for any store that holds those bytes: nothing has to be
// invalidated when a chunk is rewritten, the new one has another key.
class DecodedChunkCache {
 public:
  using Candles = std::shared_ptr<const std::vector<Candle>>;
  struct Key {
    std::uint64_t checksum = 0;
    std::int64_t first = 0;
    std::int64_t last = 0;
    std::int64_t count = 0;
    bool operator==(const Key&) const = default;
  };

  static DecodedChunkCache& Instance() {
    static DecodedChunkCache* cache = new DecodedChunkCache();  // never destroyed
    return *cache;
  }

  Candles Find(const Key& key) {
    const std::lock_guard<std::mutex> lock(mu_);
    if (capacity_ == 0) return nullptr;
    const auto it = index_.find(key);
    if (it == index_.end()) {
      ++misses_;
      return nullptr;
    }
    ++hits_;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }

  void Insert(const Key& key, Candles candles) {
    const std::int64_t size = Bytes(*candles);
    const std::lock_guard<std::mutex> lock(mu_);
    if (size > capacity_ || index_.contains(key)) return;
    lru_.emplace_front(key, std::move(candles));
    index_.emplace(key, lru_.begin());
    bytes_ += size;
    Evict();
  }

  void SetCapacity(std::int64_t bytes) {
    if (bytes < 0)
      throw InvalidArgument("candle chunk cache capacity: negative (" + std::to_string(bytes) +
                            " bytes)");
    const std::lock_guard<std::mutex> lock(mu_);
    capacity_ = bytes;
    Evict();
  }

  CandleChunkCacheStatistics Statistics() {
    const std::lock_guard<std::mutex> lock(mu_);
    return {hits_, misses_, static_cast<std::int64_t>(index_.size()), bytes_, capacity_};
  }

 private:
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      return static_cast<std::size_t>(k.checksum ^
                                      std::rotl(static_cast<std::uint64_t>(k.first), 17));
    }
  };
  static std::int64_t Bytes(const std::vector<Candle>& v) {
    return static_cast<std::int64_t>(v.size() * sizeof(Candle));
  }
  void Evict() {
    while (bytes_ > capacity_ && !lru_.empty()) {
      bytes_ -= Bytes(*lru_.back().second);
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
  }

  std::mutex mu_;
  std::list<std::pair<Key, Candles>> lru_;  // most recently used first
  std::unordered_map<Key, std::list<std::pair<Key, Candles>>::iterator, KeyHash> index_;
  std::int64_t bytes_ = 0;
  std::int64_t capacity_ = std::int64_t{64} << 20;
  std::int64_t hits_ = 0;
  std::int64_t misses_ = 0;
};

// The candles of one chunk, from the cache or decoded from the bytes that
// `with_bytes` passes to its argument (and then cached when the chunk's own
// checksum agrees with its index row's).
DecodedChunkCache::Candles ChunkCandles(
    const DecodedChunkCache::Key& key,
    const std::function<void(const std::function<void(std::string_view)>&)>& with_bytes) {
  DecodedChunkCache& cache = DecodedChunkCache::Instance();
  if (auto hit = cache.Find(key)) return hit;
  auto decoded = std::make_shared<std::vector<Candle>>();
  decoded->reserve(static_cast<std::size_t>(std::clamp<std::int64_t>(key.count, 0, 1 << 20)));
  std::uint64_t checksum = 0;
  with_bytes(
      [&](std::string_view bytes) { checksum = chunk::DecodeAppend(bytes, *decoded).checksum; });
  if (checksum == key.checksum) cache.Insert(key, decoded);
  return decoded;
}

}  // namespace

namespace {

// The text of a range read's statements, built once per shape (bounds
// present or not): a range read is a hot path.
struct RangeReadSql {
  std::string rows;             // the series' rows in range, by time
  std::string chunk_index;      // SQLite: the index without the bytes
  std::string rows_and_chunks;  // PostgreSQL: rows, then chunks, one statement
};

const RangeReadSql& RangeReadSqlFor(const TimeRange& range) {
  static const std::array<RangeReadSql, 4> kShapes = [] {
    std::array<RangeReadSql, 4> out;
    for (int shape = 0; shape < 4; ++shape) {
      TimeRange bounds;
      if ((shape & 1) != 0) bounds.from = Timestamp(0);
      if ((shape & 2) != 0) bounds.to = Timestamp(0);
      RangeReadSql& sql = out[static_cast<std::size_t>(shape)];
      const std::string rows_where =
          " WHERE instrument_id = ? AND timeframe = ?" + RangeSql("open_time", bounds);
      sql.rows = kCandleRead.SelectSql(rows_where) + " ORDER BY open_time";
      // The chunk index's WHERE clause (its parameters: BindChunkRange).
      std::string tail = " WHERE instrument_id = ? AND timeframe = ?";
      // The lower bound seeks on the primary key: the chunk that may hold
      // `from` is the last one starting at or before it.
      if (bounds.from) {
        tail +=
            " AND first_open_time >= COALESCE((SELECT MAX(first_open_time) FROM "
            "market.candle_chunks WHERE instrument_id = ? AND timeframe = ? AND first_open_time "
            "<= ?), ?) AND last_open_time >= ?";
      }
      if (bounds.to) tail += " AND first_open_time < ?";
      sql.chunk_index =
          "SELECT first_open_time, last_open_time, count, checksum FROM "
          "market.candle_chunks" +
          tail + " ORDER BY first_open_time";
      // Each part in its own order (each an index scan, no sort); the
      // reader merges them. A chunk's line has its last open time (column
      // 7) set; a row's does not.
      sql.rows_and_chunks =
          "(SELECT " + kCandleRead.List() +
          ", NULL::timestamptz, NULL::bigint, NULL::bigint, NULL::bytea FROM market.candles" +
          rows_where +
          " ORDER BY open_time) UNION ALL (SELECT first_open_time, NULL, NULL, NULL, NULL, NULL, "
          "NULL, last_open_time, count, checksum, data FROM market.candle_chunks" +
          tail + " ORDER BY first_open_time)";
    }
    return out;
  }();
  return kShapes[static_cast<std::size_t>((range.from ? 1 : 0) | (range.to ? 2 : 0))];
}

// Binds the chunk index's parameters (its WHERE clause in RangeReadSqlFor)
// from `index`.
int BindChunkRange(sql::Statement& st, int index, InstrumentId instrument, const std::string& tf,
                   const TimeRange& range) {
  st.Bind(index++, instrument);
  st.Bind(index++, tf);
  if (range.from) {
    st.Bind(index++, instrument);
    st.Bind(index++, tf);
    for (int i = 0; i < 3; ++i) st.Bind(index++, *range.from);
  }
  if (range.to) st.Bind(index++, *range.to);
  return index;
}

// The part of a chunk's candles in `range`.
std::span<const Candle> InRange(const std::vector<Candle>& candles,
                                const DecodedChunkCache::Key& key, const TimeRange& range) {
  const auto before = [](const Candle& a, Timestamp t) { return a.open_time < t; };
  auto begin = candles.begin();
  auto end = candles.end();
  if (range.from && key.first < range.from->micros()) {
    begin = std::lower_bound(begin, end, *range.from, before);
  }
  if (range.to && key.last >= range.to->micros()) {
    end = std::lower_bound(begin, end, *range.to, before);
  }
  return {candles.data() + (begin - candles.begin()), static_cast<std::size_t>(end - begin)};
}

// PostgreSQL: rows and chunks in one statement, so in one snapshot and one
// round trip. Rows and chunks never overlap (candle_chunks.h); each part is
// put in time order here (a UNION's order is the server's to choose), then
// the two are merged.
void ForEachCandleRunPostgres(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                              const TimeRange& range,
                              const std::function<bool(std::span<const Candle>)>& visit) {
  // Binary results: no doubles or times formatted by the server and parsed
  // here, and the chunks' bytes as they are.
  auto& st = c.Prepare(RangeReadSqlFor(range).rows_and_chunks).PreferBinaryResults();
  BindChunkRange(st, BindRange(st, BindParams(st, instrument, tf), range), instrument, tf, range);
  // A chunk's bytes are kept, not its candles: it is decoded (or found in
  // the cache) only when its turn comes, so a long scan holds one decoded
  // chunk at a time, as on SQLite.
  struct Chunk {
    DecodedChunkCache::Key key;
    std::string data;
  };
  std::vector<Candle> rows;
  std::vector<Chunk> chunks;
  try {
    while (st.Step()) {
      if (st.IsNull(7)) {
        rows.push_back(ReadCandle(st));
        continue;
      }
      Chunk& chunk = chunks.emplace_back();
      chunk.key.first = st.GetTimestamp(0).micros();
      chunk.key.last = st.GetTimestamp(7).micros();
      chunk.key.count = st.GetInt64(8);
      chunk.key.checksum = static_cast<std::uint64_t>(st.GetInt64(9));
      chunk.data = st.GetBlob(10);
    }
  } catch (...) {
    st.Reset();
    throw;
  }
  st.Reset();
  const auto by_time = [](const Candle& a, const Candle& b) { return a.open_time < b.open_time; };
  if (!std::is_sorted(rows.begin(), rows.end(), by_time)) {
    std::sort(rows.begin(), rows.end(), by_time);
  }
  const auto by_first = [](const Chunk& a, const Chunk& b) { return a.key.first < b.key.first; };
  if (!std::is_sorted(chunks.begin(), chunks.end(), by_first)) {
    std::sort(chunks.begin(), chunks.end(), by_first);
  }
  std::size_t row = 0;
  bool go_on = true;
  for (const Chunk& chunk : chunks) {
    // The rows before this chunk, as one run, then its candles in range.
    std::size_t end = row;
    while (end < rows.size() && rows[end].open_time.micros() < chunk.key.first) ++end;
    if (end > row) go_on = visit(std::span<const Candle>(rows.data() + row, end - row));
    row = end;
    if (!go_on) return;
    const DecodedChunkCache::Candles candles =
        ChunkCandles(chunk.key, [&](const auto& decode) { decode(chunk.data); });
    const std::span<const Candle> part = InRange(*candles, chunk.key, range);
    if (!part.empty() && !visit(part)) return;
  }
  if (row < rows.size()) visit(std::span<const Candle>(rows.data() + row, rows.size() - row));
}

}  // namespace

void ForEachCandleRun(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                      const TimeRange& range,
                      const std::function<bool(std::span<const Candle>)>& visit) {
  if (c.dialect() == sql::Dialect::kPostgres) {
    ForEachCandleRunPostgres(c, instrument, tf, range, visit);
    return;
  }
  // SQLite: one snapshot for both streams. Statements of a connection
  // outside a transaction share the read transaction that the first active
  // one opened. The rows are stepped first: while they have a row they
  // stay active, and the chunk index below is read in their snapshot; when
  // there is none in range, a compaction that commits before the index is
  // read cannot have moved rows of this range (there were none), so a
  // later index adds only newer candles. (Index first would be wrong: an
  // empty index ends its snapshot, and a compaction committed before the
  // rows are read would hide the candles it moved.) The index comes
  // without the chunks' bytes: a chunk's blob is read only where it is used.
  const RangeReadSql& sql = RangeReadSqlFor(range);
  auto& rows = c.Prepare(sql.rows);
  BindRange(rows, BindParams(rows, instrument, tf), range);
  bool has_row = rows.Step();
  auto& chunks = c.Prepare(sql.chunk_index);
  BindChunkRange(chunks, 1, instrument, tf, range);
  bool has_chunk = false;
  try {
    has_chunk = chunks.Step();
  } catch (...) {
    rows.Reset();
    throw;
  }
  const auto finish = [&] {
    chunks.Reset();
    rows.Reset();
  };
  try {
    bool go_on = true;
    while (go_on && has_chunk) {
      DecodedChunkCache::Key key;
      key.first = chunks.GetTimestamp(0).micros();
      key.last = chunks.GetTimestamp(1).micros();
      key.count = chunks.GetInt64(2);
      key.checksum = static_cast<std::uint64_t>(chunks.GetInt64(3));
      // Rows and chunks never overlap (candle_chunks.h): the rows before
      // this chunk, then the chunk's candles in range.
      while (go_on && has_row) {
        const Candle row = ReadCandle(rows);
        if (row.open_time.micros() >= key.first) break;
        go_on = visit(std::span<const Candle>(&row, 1));
        has_row = rows.Step();
      }
      if (!go_on) break;
      const DecodedChunkCache::Candles candles = ChunkCandles(key, [&](const auto& decode) {
        auto& data = c.Prepare(
            "SELECT data FROM market.candle_chunks WHERE instrument_id = ? AND timeframe = ? AND "
            "first_open_time = ?");
        BindParams(data, instrument, tf, Timestamp(key.first));
        if (!data.Step()) {
          data.Reset();
          throw Error(ErrorKind::kInternal, "candle chunk at " + Timestamp(key.first).ToIso() +
                                                " vanished while it was read");
        }
        try {
          decode(data.GetBlob(0));
        } catch (...) {
          data.Reset();
          throw;
        }
        data.Reset();
      });
      const std::span<const Candle> part = InRange(*candles, key, range);
      if (!part.empty()) go_on = visit(part);
      has_chunk = go_on && chunks.Step();
    }
    while (go_on && has_row) {
      const Candle row = ReadCandle(rows);
      go_on = visit(std::span<const Candle>(&row, 1));
      if (go_on) has_row = rows.Step();
    }
  } catch (...) {
    finish();
    throw;
  }
  finish();
}

void ForEachCandle(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                   const TimeRange& range, const std::function<bool(const Candle&)>& visit) {
  ForEachCandleRun(c, instrument, tf, range, [&visit](std::span<const Candle> run) {
    for (const Candle& k : run) {
      if (!visit(k)) return false;
    }
    return true;
  });
}

bool CanWriteNewChunk(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                      Timestamp first, Timestamp last) {
  sql::Statement& rows = c.Prepare(
      "SELECT 1 FROM market.candles WHERE instrument_id = ? AND timeframe = ? AND open_time >= ? "
      "AND open_time <= ? LIMIT 1");
  BindParams(rows, instrument, tf, first, last);
  const bool row = rows.Step();
  rows.Reset();
  if (row) return false;
  // Chunks do not overlap: only the last one starting at or before `last`
  // can reach into [first, last].
  sql::Statement& chunks = c.Prepare(
      "SELECT last_open_time, count FROM market.candle_chunks WHERE instrument_id = ? AND "
      "timeframe = ? AND first_open_time <= ? ORDER BY first_open_time DESC LIMIT 1");
  BindParams(chunks, instrument, tf, last);
  bool fits = true;
  if (chunks.Step()) {
    fits = chunks.GetTimestamp(0) < first && chunks.GetInt64(1) >= kChunkCandles;
  }
  chunks.Reset();
  return fits;
}

void WriteChunk(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                std::span<const Candle> candles, CompactStats& stats, int format) {
  InsertChunk(c, instrument, tf, candles, &stats, format);
}

bool AnyChunks(sql::Connection& c) {
  sql::Statement& st = c.Prepare("SELECT 1 FROM market.candle_chunks LIMIT 1");
  const bool found = st.Step();
  st.Reset();
  return found;
}

void FoldRowsIntoChunks(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                        Timestamp from, Timestamp to, int format,
                        const std::function<void(Timestamp)>& on_replace) {
  // PostgreSQL: the series lock before the chunks' row locks, as Compact
  // and UpgradeChunks take it (a CandleWriter holds it already; an entity
  // import of candles takes it here).
  LockCandleSeries(c, instrument, tf);
  const std::vector<StoredChunk> chunks =
      LoadChunks(c, instrument, tf, from, to, /*for_update=*/true);
  for (const StoredChunk& k : chunks) {
    std::vector<Candle> rows;
    auto& st = c.Prepare(kCandleRead.SelectSql(
        " WHERE instrument_id = ? AND timeframe = ? AND open_time >= ? AND open_time <= ? "
        "ORDER BY open_time"));
    BindParams(st, instrument, tf, k.first, k.last);
    while (st.Step()) rows.push_back(ReadCandle(st));
    st.Reset();
    if (rows.empty()) continue;
    std::vector<Candle> merged;
    const std::vector<Candle> old = chunk::Decode(k.data);
    merged.reserve(old.size() + rows.size());
    // Both ascending; a row replaces the chunk's candle of the same time.
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < old.size() || j < rows.size()) {
      if (j == rows.size() || (i < old.size() && old[i].open_time < rows[j].open_time)) {
        merged.push_back(old[i++]);
      } else {
        if (i < old.size() && old[i].open_time == rows[j].open_time) {
          if (on_replace) on_replace(old[i].open_time);
          ++i;
        }
        merged.push_back(rows[j++]);
      }
    }
    DeleteChunk(c, instrument, tf, k.first);
    InsertChunks(c, instrument, tf, merged, nullptr, format);
    auto& del = c.Prepare(
        "DELETE FROM market.candles WHERE instrument_id = ? AND timeframe = ? AND open_time >= ? "
        "AND open_time <= ?");
    BindParams(del, instrument, tf, k.first, k.last);
    del.Execute();
  }
}

CompactStats CompactSeries(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                           std::optional<Timestamp> before, int format) {
  sql::Transaction tx(c);
  // PostgreSQL: after the series' writers (LockCandleSeries). A writer
  // folds its rows into the chunks it finds at its commit; a chunk this
  // rewrites meanwhile (deleted, inserted again) would be one it cannot see,
  // and its rows would stay inside the chunk's range.
  LockCandleSeries(c, instrument, tf);
  CompactStats stats;
  TimeRange range;
  range.to = before;
  std::vector<Candle> rows;
  {
    auto& st = c.Prepare(kCandleRead.SelectSql(" WHERE instrument_id = ? AND timeframe = ?") +
                         RangeSql("open_time", range) + " ORDER BY open_time");
    BindRange(st, BindParams(st, instrument, tf), range);
    while (st.Step()) rows.push_back(ReadCandle(st));
    st.Reset();
  }
  if (rows.empty()) {
    tx.Commit();
    return stats;
  }
  // Existing chunks split the rows into runs that no new chunk may span
  // (rows never lie inside a chunk). A run continues the chunk before it
  // when that one is not full, so that compacting a series day by day does
  // not leave a trail of small chunks.
  const std::vector<StoredChunk> chunks =
      LoadChunks(c, instrument, tf, std::nullopt, std::nullopt, /*for_update=*/true);
  std::size_t next_chunk = 0;  // the first chunk after the current run
  std::vector<Candle> run;
  for (std::size_t begin = 0; begin < rows.size();) {
    while (next_chunk < chunks.size() && chunks[next_chunk].first < rows[begin].open_time) {
      ++next_chunk;
    }
    std::size_t end = begin;
    while (end < rows.size() &&
           (next_chunk == chunks.size() || rows[end].open_time < chunks[next_chunk].first)) {
      ++end;
    }
    run.clear();
    if (next_chunk > 0 && chunks[next_chunk - 1].count < kChunkCandles) {
      const StoredChunk& partial = chunks[next_chunk - 1];
      chunk::DecodeAppend(partial.data, run);
      DeleteChunk(c, instrument, tf, partial.first);
    }
    const std::size_t carried = run.size();
    run.insert(run.end(), rows.begin() + static_cast<std::ptrdiff_t>(begin),
               rows.begin() + static_cast<std::ptrdiff_t>(end));
    InsertChunks(c, instrument, tf, run, &stats, format);
    stats.candles -= static_cast<std::int64_t>(carried);  // were compacted already
    begin = end;
  }
  auto& del = c.Prepare("DELETE FROM market.candles WHERE instrument_id = ? AND timeframe = ?" +
                        RangeSql("open_time", range));
  BindRange(del, BindParams(del, instrument, tf), range);
  const std::int64_t deleted = del.Execute();
  if (deleted != stats.candles) {
    throw Error(ErrorKind::kInternal, "compact: moved " + std::to_string(stats.candles) +
                                          " candles into chunks but deleted " +
                                          std::to_string(deleted) + " rows");
  }
  tx.Commit();
  return stats;
}

UpgradeStats RewriteSeriesChunks(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                                 int format) {
  sql::Transaction tx(c);
  LockCandleSeries(c, instrument, tf);  // after the series' writers, as CompactSeries
  UpgradeStats stats;
  for (const StoredChunk& k :
       LoadChunks(c, instrument, tf, std::nullopt, std::nullopt, /*for_update=*/true)) {
    if (chunk::ReadHeader(k.data).version == format) continue;
    const std::vector<Candle> candles = chunk::Decode(k.data);
    CompactStats written;
    DeleteChunk(c, instrument, tf, k.first);
    InsertChunks(c, instrument, tf, candles, &written, format);
    ++stats.chunks;
    stats.candles += written.candles;
    stats.bytes_before += static_cast<std::int64_t>(k.data.size());
    stats.bytes_after += written.bytes;
  }
  tx.Commit();
  return stats;
}

std::vector<std::pair<InstrumentId, std::string>> SeriesWithRows(sql::Connection& c) {
  std::vector<std::pair<InstrumentId, std::string>> out;
  sql::Statement& st =
      c.Prepare("SELECT DISTINCT instrument_id, timeframe FROM market.candles ORDER BY 1, 2");
  while (st.Step()) out.emplace_back(st.GetInt64(0), st.GetText(1));
  st.Reset();
  return out;
}

std::int64_t DeleteChunkedBefore(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                                 Timestamp before, int format) {
  sql::Transaction tx(c);
  LockCandleSeries(c, instrument, tf);  // it may rewrite a chunk, as CompactSeries
  // Whole chunks before the cut-off go by their rows, undecoded; the one
  // chunk that may straddle it is decoded and written again with the rest.
  std::int64_t deleted = 0;
  {
    sql::Statement& st = c.Prepare(
        "SELECT COALESCE(SUM(count), 0) FROM market.candle_chunks WHERE instrument_id = ? AND "
        "timeframe = ? AND last_open_time < ?");
    BindParams(st, instrument, tf, before);
    deleted = st.Step() ? st.GetInt64(0) : 0;
    st.Reset();
    sql::Statement& del = c.Prepare(
        "DELETE FROM market.candle_chunks WHERE instrument_id = ? AND timeframe = ? AND "
        "last_open_time < ?");
    BindParams(del, instrument, tf, before);
    del.Execute();
  }
  for (const StoredChunk& k :
       LoadChunks(c, instrument, tf, before, Timestamp(before.micros() - 1), /*for_update=*/true)) {
    if (k.first >= before) continue;
    std::vector<Candle> rest = chunk::Decode(k.data);
    const auto keep =
        std::lower_bound(rest.begin(), rest.end(), before,
                         [](const Candle& a, Timestamp t) { return a.open_time < t; });
    deleted += keep - rest.begin();
    DeleteChunk(c, instrument, tf, k.first);
    if (keep != rest.end()) {
      InsertChunk(c, instrument, tf, std::span<const Candle>(&*keep, rest.end() - keep), nullptr,
                  format);
    }
  }
  tx.Commit();
  return deleted;
}

std::int64_t CountChunked(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                          const TimeRange& range) {
  std::int64_t n = 0;
  {
    std::string sql =
        "SELECT COALESCE(SUM(count), 0) FROM market.candle_chunks WHERE instrument_id = ? AND "
        "timeframe = ?";
    if (range.from) sql += " AND first_open_time >= ?";
    if (range.to) sql += " AND last_open_time < ?";
    sql::Statement& st = c.Prepare(sql);
    BindRange(st, BindParams(st, instrument, tf), range);
    n = st.Step() ? st.GetInt64(0) : 0;
    st.Reset();
  }
  if (!range.from && !range.to) return n;
  // The chunks that straddle a bound (at most one per bound).
  std::vector<std::string> straddles;
  if (range.from) straddles.emplace_back("(first_open_time < ? AND last_open_time >= ?)");
  if (range.to) straddles.emplace_back("(first_open_time < ? AND last_open_time >= ?)");
  std::string sql =
      kChunkRead.SelectSql(" WHERE instrument_id = ? AND timeframe = ? AND (" + straddles[0] +
                           (straddles.size() > 1 ? " OR " + straddles[1] : "") + ")");
  sql::Statement& st = c.Prepare(sql).PreferBinaryResults();
  int index = BindParams(st, instrument, tf);
  for (const std::optional<Timestamp>& bound : {range.from, range.to}) {
    if (!bound) continue;
    st.Bind(index++, *bound);
    st.Bind(index++, *bound);
  }
  std::vector<std::string> blobs;
  while (st.Step()) {
    const RowReader<kCandleChunks> r(st, kChunkRead);
    blobs.emplace_back(r.GetBlobView("data"));
  }
  st.Reset();
  std::vector<Candle> decoded;
  for (const std::string& data : blobs) {
    decoded.clear();
    chunk::DecodeAppend(data, decoded);
    for (const Candle& k : decoded) {
      if ((!range.from || k.open_time >= *range.from) && (!range.to || k.open_time < *range.to)) {
        ++n;
      }
    }
  }
  return n;
}

std::vector<std::pair<InstrumentId, std::string>> SeriesWithChunks(
    sql::Connection& c, std::optional<Timestamp> starting_before) {
  std::vector<std::pair<InstrumentId, std::string>> out;
  sql::Statement& st =
      c.Prepare(std::string("SELECT DISTINCT instrument_id, timeframe FROM market.candle_chunks") +
                (starting_before ? " WHERE first_open_time < ?" : "") + " ORDER BY 1, 2");
  if (starting_before) st.Bind(1, *starting_before);
  while (st.Step()) out.emplace_back(st.GetInt64(0), st.GetText(1));
  st.Reset();
  return out;
}

std::vector<SeriesStorage> CandleStorageBySeries(sql::Connection& c) {
  std::vector<SeriesStorage> out;
  const auto find = [&out](InstrumentId id, const std::string& tf) -> SeriesStorage& {
    for (SeriesStorage& s : out) {
      if (s.instrument == id && s.timeframe == tf) return s;
    }
    out.push_back(SeriesStorage{id, tf});
    return out.back();
  };
  sql::Statement& rows = c.Prepare(
      "SELECT instrument_id, timeframe, COUNT(*) FROM market.candles GROUP BY instrument_id, "
      "timeframe");
  while (rows.Step()) find(rows.GetInt64(0), rows.GetText(1)).row_candles = rows.GetInt64(2);
  rows.Reset();
  // length() of a BLOB (SQLite) and of a bytea (PostgreSQL) is its bytes.
  sql::Statement& chunks = c.Prepare(
      "SELECT instrument_id, timeframe, COUNT(*), SUM(count), SUM(length(data)) FROM "
      "market.candle_chunks GROUP BY instrument_id, timeframe");
  while (chunks.Step()) {
    SeriesStorage& s = find(chunks.GetInt64(0), chunks.GetText(1));
    s.chunks = chunks.GetInt64(2);
    s.chunk_candles = chunks.GetInt64(3);
    s.chunk_bytes = chunks.GetInt64(4);
  }
  chunks.Reset();
  std::sort(out.begin(), out.end(), [](const SeriesStorage& a, const SeriesStorage& b) {
    return std::tie(a.instrument, a.timeframe) < std::tie(b.instrument, b.timeframe);
  });
  return out;
}

std::optional<std::int64_t> CandleRowBytes(sql::Connection& c) {
  const bool pg = c.dialect() == sql::Dialect::kPostgres;
  try {
    if (pg) {
      // On Citus the coordinator's table is a shell: its size says nothing.
      sql::Statement& citus = c.Prepare("SELECT 1 FROM pg_extension WHERE extname = 'citus'");
      const bool distributed = citus.Step();
      citus.Reset();
      if (distributed) return std::nullopt;
    }
    // candles is a WITHOUT ROWID table on SQLite: its primary key is the
    // table, no other index.
    sql::Statement& st = c.Prepare(pg ? "SELECT pg_total_relation_size('market.candles')"
                                      : "SELECT SUM(pgsize) FROM dbstat WHERE name = 'candles'");
    std::optional<std::int64_t> out;
    if (st.Step() && !st.IsNull(0)) out = st.GetInt64(0);
    st.Reset();
    if (out && *out <= 0) out.reset();
    return out;
  } catch (const Error&) {
    return std::nullopt;  // no dbstat in this SQLite build
  }
}

std::vector<RowFinding> CandleChunkFindings(StoreImpl& store,
                                            std::map<int, std::int64_t>* formats) {
  sql::Connection& c = store.connection(Database::kMarket);
  std::vector<RowFinding> out;
  static const std::string kSql =
      kChunkRow.SelectSql(" ORDER BY instrument_id, timeframe, first_open_time");
  sql::Statement& st = c.Prepare(kSql);
  std::optional<std::pair<InstrumentId, std::string>> series;
  Timestamp prev_last;
  struct Range {
    InstrumentId id;
    std::string tf;
    Timestamp first, last;
  };
  std::vector<Range> ranges;
  while (st.Step()) {
    const RowReader<kCandleChunks> r(st, kChunkRow);
    const InstrumentId id = r.Get<std::int64_t>("instrument_id");
    const std::string tf = r.Get<std::string>("timeframe");
    const Timestamp first = r.Get<Timestamp>("first_open_time");
    const Timestamp last = r.Get<Timestamp>("last_open_time");
    const std::int64_t count = r.Get<std::int64_t>("count");
    const auto checksum = static_cast<std::uint64_t>(r.Get<std::int64_t>("checksum"));
    const std::string row = "instrument_id=" + std::to_string(id) + ", timeframe=" + tf +
                            ", first_open_time=" + first.ToIso();
    const auto problem = [&](const std::string& m) {
      out.push_back({"market.candle_chunks", row, m});
    };
    if (series && series->first == id && series->second == tf && first <= prev_last) {
      problem("overlaps the previous chunk of the series (which ends " + prev_last.ToIso() + ")");
    }
    series = std::make_pair(id, tf);
    prev_last = last;
    ranges.push_back({id, tf, first, last});
    try {
      const std::string_view data = r.GetBlobView("data");
      std::vector<Candle> candles;
      const chunk::ChunkHeader h = chunk::DecodeAppend(data, candles);  // one checksum pass
      if (formats != nullptr) ++(*formats)[h.version];
      if (h.checksum != checksum) problem("checksum differs from the chunk's own");
      if (static_cast<std::int64_t>(candles.size()) != count) {
        problem("decodes to " + std::to_string(candles.size()) + " candles, the row says " +
                std::to_string(count));
      }
      if (!candles.empty() &&
          (candles.front().open_time != first || candles.back().open_time != last)) {
        problem("decodes to " + candles.front().open_time.ToIso() + " .. " +
                candles.back().open_time.ToIso() + ", the row says " + first.ToIso() + " .. " +
                last.ToIso());
      }
      // The rule check's 'candles' applies to rows (DuplicateCandles): the
      // same for the compacted candles.
      if (const auto parsed = TryParseTimeframe(tf); !parsed) {
        problem("unknown timeframe '" + tf + "'");
      } else {
        for (const Candle& k : candles) {
          if (IsAligned(k.open_time, *parsed)) continue;
          problem("holds " + k.open_time.ToIso() + ", not the start of a " + tf + " bucket");
          break;
        }
      }
    } catch (const Error& e) {
      problem(e.what());
    }
  }
  st.Reset();
  for (const Range& k : ranges) {
    sql::Statement& rows = c.Prepare(
        "SELECT COUNT(*) FROM market.candles WHERE instrument_id = ? AND timeframe = ? AND "
        "open_time >= ? AND open_time <= ?");
    BindParams(rows, k.id, k.tf, k.first, k.last);
    const std::int64_t n = rows.Step() ? rows.GetInt64(0) : 0;
    rows.Reset();
    if (n > 0) {
      out.push_back({"market.candle_chunks",
                     "instrument_id=" + std::to_string(k.id) + ", timeframe=" + k.tf +
                         ", first_open_time=" + k.first.ToIso(),
                     std::to_string(n) + " candle rows lie inside the chunk's range"});
    }
  }
  return out;
}

}  // namespace tradestore::detail

namespace tradestore {

void SetCandleChunkCacheCapacity(std::int64_t bytes) {
  detail::DecodedChunkCache::Instance().SetCapacity(bytes);
}

CandleChunkCacheStatistics CandleChunkCache() {
  return detail::DecodedChunkCache::Instance().Statistics();
}

}  // namespace tradestore
