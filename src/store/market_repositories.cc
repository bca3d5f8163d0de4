// Instruments and candles: the market database.
#include <algorithm>
#include <string>

#include "sql/text_check.h"
#include "store/candle_chunks.h"
#include "store/query_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::BindParams;
using detail::Database;
using detail::schema::Columns;
using detail::schema::RowReader;
using detail::schema::tables::kCandles;
using detail::schema::tables::kInstruments;

namespace {

constexpr auto kInstrumentRead = Columns<kInstruments>::All();

Instrument ReadInstrument(const sql::Statement& st) {
  const RowReader<kInstruments> r(st, kInstrumentRead);
  Instrument i;
  i.id = r.Get<std::int64_t>("id");
  i.venue = r.Get<std::string>("venue");
  i.symbol = r.Get<std::string>("symbol");
  i.base_asset = r.Get<std::string>("base_asset");
  i.quote_asset = r.Get<std::string>("quote_asset");
  i.price_precision = static_cast<int>(r.Get<std::int64_t>("price_precision"));
  i.size_precision = static_cast<int>(r.Get<std::int64_t>("size_precision"));
  i.tick_size = r.Get<Decimal>("tick_size");
  i.lot_size = r.Get<Decimal>("lot_size");
  return i;
}

constexpr auto kCandleRow = Columns<kCandles>::All();
constexpr auto kCandleKey = Columns<kCandles>::Only({"instrument_id", "timeframe", "open_time"});

}  // namespace

Instrument InstrumentRepository::Upsert(const Instrument& in) {
  if (in.symbol.empty()) throw InvalidArgument("instrument: field 'symbol' is empty");
  for (int p : {in.price_precision, in.size_precision}) {
    if (p < 0 || p > Decimal::kScale) {
      throw InvalidArgument("instrument " + in.symbol + ": precision " + std::to_string(p) +
                            " is outside 0..18");
    }
  }
  if (in.tick_size.IsNegative() || in.lot_size.IsNegative()) {
    throw InvalidArgument("instrument " + in.symbol + ": tick and lot size must be >= 0");
  }
  // An instrument's assets never change: P&L already booked in its quote
  // currency would silently change meaning. Filling in an unknown one is fine.
  if (auto existing = Find(in.venue, in.symbol)) {
    const bool base_changes =
        !existing->base_asset.empty() && existing->base_asset != in.base_asset;
    const bool quote_changes =
        !existing->quote_asset.empty() && existing->quote_asset != in.quote_asset;
    if (base_changes || quote_changes) {
      throw Conflict("instrument " + in.symbol + " on venue '" + in.venue + "' is " +
                     existing->base_asset + "/" + existing->quote_asset +
                     "; its assets cannot change to " + in.base_asset + "/" + in.quote_asset);
    }
  }
  auto& c = impl_->connection(Database::kMarket);
  // A known instrument keeps its creation time.
  constexpr auto kInsert = Columns<kInstruments>::Insertable();
  static const std::string kSql = kInsert.InsertSql(
      " ON CONFLICT (venue, symbol) DO UPDATE SET " +
      kInsert.ExcludedAssignments(Columns<kInstruments>::Only({"venue", "symbol", "created_at"})) +
      " RETURNING id");
  detail::schema::RowWriter<kInstruments> row(c.Prepare(kSql), kInsert);
  row.Set("venue", in.venue).Set("symbol", in.symbol).Set("base_asset", in.base_asset);
  row.Set("quote_asset", in.quote_asset).Set("price_precision", in.price_precision);
  row.Set("size_precision", in.size_precision).Set("tick_size", in.tick_size);
  row.Set("lot_size", in.lot_size).Set("created_at", Timestamp::Now());
  sql::Statement& st = row.Done();
  st.Step();
  Instrument out = in;
  out.id = st.GetInt64(0);
  st.Reset();
  return out;
}

std::optional<Instrument> InstrumentRepository::Find(std::string_view venue,
                                                     std::string_view symbol) {
  static const std::string kSql = kInstrumentRead.SelectSql(" WHERE venue = ? AND symbol = ?");
  auto& st = impl_->connection(Database::kMarket).Prepare(kSql);
  BindParams(st, venue, symbol);
  std::optional<Instrument> out;
  if (st.Step()) out = ReadInstrument(st);
  st.Reset();
  return out;
}

Instrument InstrumentRepository::Get(InstrumentId id) {
  static const std::string kSql = kInstrumentRead.SelectSql(" WHERE id = ?");
  auto& st = impl_->connection(Database::kMarket).Prepare(kSql);
  BindParams(st, id);
  if (!st.Step()) throw NotFound("instrument " + std::to_string(id) + " does not exist");
  Instrument out = ReadInstrument(st);
  st.Reset();
  return out;
}

std::vector<Instrument> InstrumentRepository::List() {
  static const std::string kSql = kInstrumentRead.SelectSql(" ORDER BY venue, symbol");
  auto& st = impl_->connection(Database::kMarket).Prepare(kSql);
  std::vector<Instrument> out;
  while (st.Step()) out.push_back(ReadInstrument(st));
  return out;
}

CandleWriter::CandleWriter(detail::StoreImpl* impl, InstrumentId id, Timeframe tf,
                           const CandleWriterOptions& options)
    : impl_(impl), instrument_id_(id), timeframe_(ToString(tf)), options_(options) {
  impl_->connection(Database::kMarket).Begin();
}
CandleWriter::CandleWriter(CandleWriter&& o) noexcept
    : impl_(o.impl_),
      bulk_(std::move(o.bulk_)),
      instrument_id_(o.instrument_id_),
      timeframe_(std::move(o.timeframe_)),
      options_(o.options_),
      run_(std::move(o.run_)),
      compaction_(o.compaction_),
      count_(o.count_),
      rows_(o.rows_),
      min_time_(o.min_time_),
      max_time_(o.max_time_),
      row_path_(o.row_path_),
      done_(o.done_) {
  o.done_ = true;
}
CandleWriter::~CandleWriter() {
  if (!done_) {
    bulk_.reset();  // an unfinished COPY ends (failed) before the rollback
    impl_->connection(Database::kMarket).Rollback();
  }
}
void CandleWriter::Add(const Candle& candle) {
  ++count_;
  if (options_.compact_before && candle.open_time < *options_.compact_before) {
    // A row's time is checked where it is bound; a chunk's here, the same way.
    sql::CheckTimeRange("time for column 'open_time' of market.candles", candle.open_time);
    if (run_.empty() || candle.open_time > run_.back().open_time) {
      run_.push_back(candle);
      if (static_cast<std::int64_t>(run_.size()) == detail::kChunkCandles) FlushRun();
      return;
    }
    if (candle.open_time == run_.back().open_time) {  // the later candle wins
      run_.back() = candle;
      return;
    }
  }
  AddRow(candle);  // out of order, or not to be compacted
}
void CandleWriter::StartWriting() {
  if (row_path_ != RowPath::kUndecided) return;
  // PostgreSQL: with the series locked against other writers (their rows,
  // and the chunks CanWriteNewChunk checks for) and found empty, ascending
  // rows cannot conflict with anything: COPY them straight into the table
  // (a first import at COPY's speed). SQLite's writers are serial, and its
  // upsert costs no more than its insert.
  row_path_ = RowPath::kUpsert;
  auto& c = impl_->connection(Database::kMarket);
  if (c.dialect() == sql::Dialect::kPostgres) {
    detail::LockCandleSeries(c, instrument_id_, timeframe_);
    if (detail::CandleSeriesIsEmpty(c, instrument_id_, timeframe_)) row_path_ = RowPath::kDirect;
  }
}
void CandleWriter::AddRow(const Candle& candle) {
  auto& c = impl_->connection(Database::kMarket);
  StartWriting();
  if (row_path_ == RowPath::kDirect && rows_ > 0 && candle.open_time <= max_time_) {
    // Out of order or a repeated time: the rest is upserted, the later row
    // winning over a copied one as it would have over a stored one.
    if (bulk_) {
      bulk_->Finish();
      bulk_.reset();
    }
    row_path_ = RowPath::kUpsert;
  }
  if (!bulk_) {
    sql::BulkUpsertSpec spec = kCandleRow.BulkUpsert(kCandleKey);
    spec.insert_only = row_path_ == RowPath::kDirect;
    spec.binary = true;  // PostgreSQL: COPY in binary, no text formatted or parsed
    // Candles written again as they are stored (a re-import, a backfill
    // over what is there) write nothing.
    spec.only_changes = true;
    spec.zero_is_change = {"open", "high", "low", "close", "volume"};
    bulk_ = c.BeginBulkUpsert(std::move(spec));
  }
  detail::schema::BulkRow<kCandles>(*bulk_, kCandleRow)
      .Add("instrument_id", instrument_id_)
      .Add("timeframe", timeframe_)
      .Add("open_time", candle.open_time)
      .Add("open", candle.open)
      .Add("high", candle.high)
      .Add("low", candle.low)
      .Add("close", candle.close)
      .Add("volume", candle.volume)
      .Add("trades", candle.trades >= 0 ? std::optional<std::int64_t>(candle.trades) : std::nullopt)
      .End();
  if (rows_ == 0 || candle.open_time < min_time_) min_time_ = candle.open_time;
  if (rows_ == 0 || candle.open_time > max_time_) max_time_ = candle.open_time;
  ++rows_;
}
void CandleWriter::FlushRun() {
  if (run_.empty()) return;
  StartWriting();
  auto& c = impl_->connection(Database::kMarket);
  // The rows streamed so far must be visible to the check below (a COPY
  // in progress is not, and allows no other statement).
  if (bulk_) {
    bulk_->Finish();
    bulk_.reset();
  }
  if (detail::CanWriteNewChunk(c, instrument_id_, timeframe_, run_.front().open_time,
                               run_.back().open_time)) {
    detail::CompactStats stats;
    detail::WriteChunk(c, instrument_id_, timeframe_, run_, stats, impl_->chunk_format());
    compaction_.candles += stats.candles;
    compaction_.chunks += stats.chunks;
    compaction_.bytes += stats.bytes;
  } else {
    // Something is stored in the run's range, or the chunk before it has
    // room: rows now, merged by Commit's compaction.
    for (const Candle& k : run_) AddRow(k);
  }
  run_.clear();
}
void CandleWriter::Commit() {
  if (done_) throw Error(ErrorKind::kInternal, "candle writer already ended");
  FlushRun();
  if (bulk_) {
    bulk_->Finish();
    bulk_.reset();
  }
  auto& c = impl_->connection(Database::kMarket);
  // Rows written into the range of a chunk are folded into it, in this
  // unit of work (candle_chunks.h).
  if (rows_ > 0 && detail::HasChunks(c, instrument_id_, timeframe_)) {
    detail::FoldRowsIntoChunks(c, instrument_id_, timeframe_, min_time_, max_time_,
                               impl_->chunk_format());
  }
  // Rows before the cut-off, the writer's and any stored before, are moved
  // into chunks as Compact would.
  if (options_.compact_before) {
    const detail::CompactStats s = detail::CompactSeries(
        c, instrument_id_, timeframe_, options_.compact_before, impl_->chunk_format());
    compaction_.candles += s.candles;
    compaction_.chunks += s.chunks;
    compaction_.bytes += s.bytes;
  }
  compaction_.series = compaction_.candles > 0 ? 1 : 0;
  c.Commit();
  done_ = true;
}

void CandleRepository::Upsert(InstrumentId instrument, Timeframe tf,
                              std::span<const Candle> candles) {
  CandleWriter w = OpenWriter(instrument, tf);
  for (const Candle& c : candles) w.Add(c);
  w.Commit();
}

CandleWriter CandleRepository::OpenWriter(InstrumentId instrument, Timeframe tf,
                                          const CandleWriterOptions& options) {
  impl_->instruments.Get(instrument);  // kNotFound for an unknown id
  return CandleWriter(impl_, instrument, tf, options);
}

std::vector<Candle> CandleRepository::Range(InstrumentId instrument, Timeframe tf,
                                            const TimeRange& range) {
  std::vector<Candle> out;
  detail::ForEachCandleRun(impl_->connection(Database::kMarket), instrument,
                           std::string(ToString(tf)), range, [&out](std::span<const Candle> run) {
                             out.insert(out.end(), run.begin(), run.end());
                             return true;
                           });
  return out;
}

void CandleRepository::ForEach(InstrumentId instrument, Timeframe tf, const TimeRange& range,
                               const std::function<bool(const Candle&)>& visit) {
  detail::ForEachCandle(impl_->connection(Database::kMarket), instrument, std::string(ToString(tf)),
                        range, visit);
}

namespace {

// The series of `all` of one instrument or all, one timeframe or all.
std::vector<std::pair<InstrumentId, std::string>> Selected(
    std::vector<std::pair<InstrumentId, std::string>> all, std::optional<InstrumentId> instrument,
    std::optional<Timeframe> tf) {
  std::erase_if(all, [&](const auto& series) {
    return (instrument && series.first != *instrument) || (tf && series.second != ToString(*tf));
  });
  return all;
}

}  // namespace

CandleCompaction CandleRepository::Compact(std::optional<InstrumentId> instrument,
                                           std::optional<Timeframe> tf,
                                           std::optional<Timestamp> before) {
  if (instrument) impl_->instruments.Get(*instrument);  // kNotFound for an unknown id
  auto& c = impl_->connection(Database::kMarket);
  CandleCompaction out;
  for (const auto& [id, timeframe] : Selected(detail::SeriesWithRows(c), instrument, tf)) {
    const detail::CompactStats s =
        detail::CompactSeries(c, id, timeframe, before, impl_->chunk_format());
    if (s.candles == 0) continue;
    ++out.series;
    out.candles += s.candles;
    out.chunks += s.chunks;
    out.bytes += s.bytes;
  }
  return out;
}

CandleChunkUpgrade CandleRepository::UpgradeChunks(std::optional<InstrumentId> instrument,
                                                   std::optional<Timeframe> tf) {
  if (instrument) impl_->instruments.Get(*instrument);  // kNotFound for an unknown id
  auto& c = impl_->connection(Database::kMarket);
  CandleChunkUpgrade out;
  for (const auto& [id, timeframe] : Selected(detail::SeriesWithChunks(c), instrument, tf)) {
    const detail::UpgradeStats s =
        detail::RewriteSeriesChunks(c, id, timeframe, impl_->chunk_format());
    if (s.chunks == 0) continue;
    ++out.series;
    out.chunks += s.chunks;
    out.candles += s.candles;
    out.bytes_before += s.bytes_before;
    out.bytes_after += s.bytes_after;
  }
  return out;
}

void CandleRepository::CreateSqlRowAccess(const std::string& module_path) {
  if (impl_->dialect() != sql::Dialect::kPostgres) {
    throw InvalidArgument(
        "SQL functions for compacted candles are for PostgreSQL; on SQLite, load the extension "
        "libtradestore_sqlite in the sqlite3 shell (.load) instead");
  }
  if (module_path.empty() ||
      (module_path.front() != '/' && module_path.rfind("$libdir/", 0) != 0)) {
    throw InvalidArgument("module path '" + module_path +
                          "': must be absolute (or $libdir/...), as the server resolves it");
  }
  if (module_path.find_first_of(std::string("'\\\0", 3)) != std::string::npos) {
    throw InvalidArgument("module path '" + module_path +
                          "': must not hold a quote, a backslash or NUL");
  }
  auto& c = impl_->connection(Database::kMarket);
  sql::Transaction tx(c);
  // A C function's library is a literal of the DDL, not a parameter.
  c.ExecuteScript(
      "CREATE OR REPLACE FUNCTION market.candle_chunk_rows(data bytea) RETURNS TABLE ("
      "open_time timestamptz, open double precision, high double precision, low double "
      "precision, close double precision, volume double precision, trades bigint) AS '" +
      module_path +
      "', 'tradestore_candle_chunk_rows' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 2048;"
      "CREATE OR REPLACE VIEW market.all_candles AS "
      "SELECT instrument_id, timeframe, open_time, open, high, low, close, volume, trades "
      "FROM market.candles UNION ALL "
      "SELECT c.instrument_id, c.timeframe, r.open_time, r.open, r.high, r.low, r.close, "
      "r.volume, r.trades FROM market.candle_chunks c "
      "CROSS JOIN LATERAL market.candle_chunk_rows(c.data) r;");
  tx.Commit();
}

namespace {

// The key of a policy: the timeframe's name, or "*" for the default.
std::string PolicyKey(std::optional<Timeframe> tf) {
  return tf ? std::string(ToString(*tf)) : std::string("*");
}

CandleCompactionPolicy ReadPolicy(sql::Statement& st) {
  CandleCompactionPolicy p;
  const std::string key = st.GetText(0);
  if (key != "*") p.timeframe = ParseTimeframe(key);
  p.older_than = st.GetInt64(1);
  p.updated_at = st.GetTimestamp(2);
  return p;
}

}  // namespace

void CandleRepository::SetCompactionPolicy(std::optional<Timeframe> tf, Micros older_than) {
  if (older_than < 0) {
    throw InvalidArgument("compaction policy: field 'older_than' value " +
                          std::to_string(older_than) + " µs must not be negative");
  }
  impl_->connection(Database::kMarket)
      .Prepare(
          "INSERT INTO market.candle_compaction_policy (timeframe, older_than, updated_at) "
          "VALUES (?, ?, ?) ON CONFLICT (timeframe) DO UPDATE SET older_than = "
          "excluded.older_than, updated_at = excluded.updated_at")
      .Bind(1, PolicyKey(tf))
      .Bind(2, older_than)
      .Bind(3, Timestamp::Now())
      .Execute();
}

bool CandleRepository::ClearCompactionPolicy(std::optional<Timeframe> tf) {
  auto& st = impl_->connection(Database::kMarket)
                 .Prepare(
                     "DELETE FROM market.candle_compaction_policy WHERE timeframe = ? "
                     "RETURNING timeframe");
  st.Bind(1, PolicyKey(tf));
  const bool found = st.Step();
  st.Reset();
  return found;
}

std::vector<CandleCompactionPolicy> CandleRepository::CompactionPolicies() {
  auto& st = impl_->connection(Database::kMarket)
                 .Prepare(
                     "SELECT timeframe, older_than, updated_at FROM "
                     "market.candle_compaction_policy");
  std::vector<CandleCompactionPolicy> out;
  while (st.Step()) out.push_back(ReadPolicy(st));
  // The default first, then the shorter timeframes (the same on every
  // backend, whatever the database's collation).
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (!a.timeframe || !b.timeframe) return !a.timeframe && b.timeframe;
    return Duration(*a.timeframe) < Duration(*b.timeframe);
  });
  return out;
}

std::optional<CandleCompactionPolicy> CandleRepository::CompactionPolicyFor(Timeframe tf) {
  auto& st = impl_->connection(Database::kMarket)
                 .Prepare(
                     "SELECT timeframe, older_than, updated_at FROM "
                     "market.candle_compaction_policy WHERE timeframe IN (?, '*')");
  st.Bind(1, std::string(ToString(tf)));
  std::optional<CandleCompactionPolicy> out;
  while (st.Step()) {
    CandleCompactionPolicy p = ReadPolicy(st);
    if (!out || p.timeframe) out = std::move(p);  // its own beats the default
  }
  return out;
}

std::optional<Timestamp> CandleRepository::CompactionCutoffFor(Timeframe tf, Timestamp now) {
  const auto policy = CompactionPolicyFor(tf);
  if (!policy) return std::nullopt;
  // now minus a non-negative age cannot overflow; it may pass the oldest
  // representable time.
  return Timestamp(std::max(now.micros() - policy->older_than, Timestamp::kMinMicros));
}

CandleRangeInfo CandleRepository::Info(InstrumentId instrument, Timeframe tf) {
  auto& st = impl_->connection(Database::kMarket)
                 .Prepare(
                     "SELECT COUNT(*), MIN(open_time), MAX(open_time) FROM market.candles "
                     "WHERE instrument_id = ? AND timeframe = ?");
  BindParams(st, instrument, ToString(tf));
  st.Step();
  CandleRangeInfo info;
  info.count = st.GetInt64(0);
  if (!st.IsNull(1)) info.first = st.GetTimestamp(1);
  if (!st.IsNull(2)) info.last = st.GetTimestamp(2);
  st.Reset();
  auto& chunks = impl_->connection(Database::kMarket)
                     .Prepare(
                         "SELECT COALESCE(SUM(count), 0), MIN(first_open_time), "
                         "MAX(last_open_time) FROM market.candle_chunks "
                         "WHERE instrument_id = ? AND timeframe = ?");
  BindParams(chunks, instrument, ToString(tf));
  chunks.Step();
  info.count += chunks.GetInt64(0);
  if (!chunks.IsNull(1)) {
    const Timestamp first = chunks.GetTimestamp(1);
    const Timestamp last = chunks.GetTimestamp(2);
    if (!info.first || first < *info.first) info.first = first;
    if (!info.last || last > *info.last) info.last = last;
  }
  chunks.Reset();
  return info;
}

}  // namespace tradestore
