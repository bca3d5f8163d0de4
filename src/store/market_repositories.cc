// Instruments and candles: the market database.
#include <string>

#include "store/query_util.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::BindRange;
using detail::Database;
using detail::RangeSql;

namespace {

constexpr std::string_view kInstrumentColumns =
    "id, venue, symbol, base_asset, quote_asset, price_precision, size_precision, tick_size, "
    "lot_size";

Instrument ReadInstrument(const sql::Statement& st) {
  Instrument i;
  i.id = st.GetInt64(0);
  i.venue = st.GetText(1);
  i.symbol = st.GetText(2);
  i.base_asset = st.GetText(3);
  i.quote_asset = st.GetText(4);
  i.price_precision = static_cast<int>(st.GetInt64(5));
  i.size_precision = static_cast<int>(st.GetInt64(6));
  i.tick_size = st.GetDecimal(7);
  i.lot_size = st.GetDecimal(8);
  return i;
}

Candle ReadCandle(const sql::Statement& st) {
  Candle c;
  c.open_time = st.GetTimestamp(0);
  c.open = st.GetDouble(1);
  c.high = st.GetDouble(2);
  c.low = st.GetDouble(3);
  c.close = st.GetDouble(4);
  c.volume = st.GetDouble(5);
  c.trades = st.IsNull(6) ? -1 : st.GetInt64(6);
  return c;
}

sql::BulkUpsertSpec CandleUpsertSpec() {
  return sql::BulkUpsertSpec{"market.candles",
                             {"instrument_id", "timeframe", "open_time", "open", "high", "low",
                              "close", "volume", "trades"},
                             {"instrument_id", "timeframe", "open_time"},
                             {"open", "high", "low", "close", "volume", "trades"}};
}

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
  auto& st = c.Prepare(
      "INSERT INTO market.instruments (venue, symbol, base_asset, quote_asset, price_precision, "
      "size_precision, tick_size, lot_size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (venue, symbol) DO UPDATE SET base_asset = excluded.base_asset, "
      "quote_asset = excluded.quote_asset, price_precision = excluded.price_precision, "
      "size_precision = excluded.size_precision, tick_size = excluded.tick_size, "
      "lot_size = excluded.lot_size RETURNING id");
  st.Bind(1, in.venue).Bind(2, in.symbol).Bind(3, in.base_asset).Bind(4, in.quote_asset);
  st.Bind(5, in.price_precision).Bind(6, in.size_precision).Bind(7, in.tick_size);
  st.Bind(8, in.lot_size).Bind(9, Timestamp::Now());
  st.Step();
  Instrument out = in;
  out.id = st.GetInt64(0);
  st.Reset();
  return out;
}

std::optional<Instrument> InstrumentRepository::Find(std::string_view venue,
                                                     std::string_view symbol) {
  auto& st = impl_->connection(Database::kMarket)
                 .Prepare("SELECT " + std::string(kInstrumentColumns) +
                          " FROM market.instruments WHERE venue = ? AND symbol = ?");
  st.Bind(1, venue).Bind(2, symbol);
  std::optional<Instrument> out;
  if (st.Step()) out = ReadInstrument(st);
  st.Reset();
  return out;
}

Instrument InstrumentRepository::Get(InstrumentId id) {
  auto& st = impl_->connection(Database::kMarket)
                 .Prepare("SELECT " + std::string(kInstrumentColumns) +
                          " FROM market.instruments WHERE id = ?");
  st.Bind(1, id);
  if (!st.Step()) throw NotFound("instrument " + std::to_string(id) + " does not exist");
  Instrument out = ReadInstrument(st);
  st.Reset();
  return out;
}

std::vector<Instrument> InstrumentRepository::List() {
  auto& st = impl_->connection(Database::kMarket)
                 .Prepare("SELECT " + std::string(kInstrumentColumns) +
                          " FROM market.instruments ORDER BY venue, symbol");
  std::vector<Instrument> out;
  while (st.Step()) out.push_back(ReadInstrument(st));
  return out;
}

CandleWriter::CandleWriter(detail::StoreImpl* impl, InstrumentId id, Timeframe tf)
    : impl_(impl), instrument_id_(id), timeframe_(ToString(tf)) {
  auto& c = impl_->connection(Database::kMarket);
  c.Begin();
  try {
    bulk_ = c.BeginBulkUpsert(CandleUpsertSpec());
  } catch (...) {
    c.Rollback();
    throw;
  }
}
CandleWriter::CandleWriter(CandleWriter&& o) noexcept
    : impl_(o.impl_),
      bulk_(std::move(o.bulk_)),
      instrument_id_(o.instrument_id_),
      timeframe_(std::move(o.timeframe_)),
      count_(o.count_),
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
  bulk_->AddRow(instrument_id_, timeframe_, candle.open_time, candle.open, candle.high, candle.low,
                candle.close, candle.volume,
                candle.trades >= 0 ? std::optional<std::int64_t>(candle.trades) : std::nullopt);
  ++count_;
}
void CandleWriter::Commit() {
  if (done_) throw Error(ErrorKind::kInternal, "candle writer already ended");
  bulk_->Finish();
  bulk_.reset();
  impl_->connection(Database::kMarket).Commit();
  done_ = true;
}

void CandleRepository::Upsert(InstrumentId instrument, Timeframe tf,
                              std::span<const Candle> candles) {
  CandleWriter w = OpenWriter(instrument, tf);
  for (const Candle& c : candles) w.Add(c);
  w.Commit();
}

CandleWriter CandleRepository::OpenWriter(InstrumentId instrument, Timeframe tf) {
  impl_->instruments.Get(instrument);  // kNotFound for an unknown id
  return CandleWriter(impl_, instrument, tf);
}

std::vector<Candle> CandleRepository::Range(InstrumentId instrument, Timeframe tf,
                                            const TimeRange& range) {
  std::vector<Candle> out;
  ForEach(instrument, tf, range, [&out](const Candle& c) {
    out.push_back(c);
    return true;
  });
  return out;
}

void CandleRepository::ForEach(InstrumentId instrument, Timeframe tf, const TimeRange& range,
                               const std::function<bool(const Candle&)>& visit) {
  auto& st = impl_->connection(Database::kMarket)
                 .Prepare(
                     "SELECT open_time, open, high, low, close, volume, trades FROM "
                     "market.candles WHERE instrument_id = ? AND timeframe = ?" +
                     RangeSql("open_time", range) + " ORDER BY open_time");
  st.Bind(1, instrument).Bind(2, ToString(tf));
  BindRange(st, 3, range);
  while (st.Step()) {
    if (!visit(ReadCandle(st))) break;
  }
  st.Reset();
}

CandleRangeInfo CandleRepository::Info(InstrumentId instrument, Timeframe tf) {
  auto& st = impl_->connection(Database::kMarket)
                 .Prepare(
                     "SELECT COUNT(*), MIN(open_time), MAX(open_time) FROM market.candles "
                     "WHERE instrument_id = ? AND timeframe = ?");
  st.Bind(1, instrument).Bind(2, ToString(tf));
  st.Step();
  CandleRangeInfo info;
  info.count = st.GetInt64(0);
  if (!st.IsNull(1)) info.first = st.GetTimestamp(1);
  if (!st.IsNull(2)) info.last = st.GetTimestamp(2);
  st.Reset();
  return info;
}

}  // namespace tradestore
