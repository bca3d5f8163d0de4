// Candle coverage (coverage.h): the market.candle_coverage table and the gap
// query, both computed from market.candles.
#include <algorithm>
#include <string>

#include "store/candle_chunks.h"
#include "store/query_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/coverage.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::BindParams;
using detail::Database;
using detail::schema::Columns;
using detail::schema::tables::kCandleCoverage;

namespace {

// open_time as integer microseconds, so that differences of consecutive
// times compare with a bucket length on both backends.
std::string OpenTimeMicros(const sql::Connection& c) {
  return c.dialect() == sql::Dialect::kPostgres
             ? "(EXTRACT(EPOCH FROM open_time) * 1000000)::bigint"
             : "open_time";
}

// Consecutive candles of one series with the step between them:
// columns prev_time, open_time, step (µs; NULL for the first candle).
std::string StepsSql(const sql::Connection& c) {
  const std::string t = OpenTimeMicros(c);
  return "SELECT LAG(open_time) OVER (ORDER BY open_time) AS prev_time, open_time, " + t +
         " - LAG(" + t +
         ") OVER (ORDER BY open_time) AS step FROM market.candles "
         "WHERE instrument_id = ? AND timeframe = ?";
}

constexpr auto kCoverageRow = Columns<kCandleCoverage>::All();

CandleCoverage ReadCoverage(const sql::Statement& st) {
  const detail::schema::RowReader<kCandleCoverage> r(st, kCoverageRow);
  CandleCoverage c;
  c.instrument_id = r.Get<std::int64_t>("instrument_id");
  c.timeframe = ParseTimeframe(r.Get<std::string>("timeframe"));
  c.first = r.Get<Timestamp>("first");
  c.last = r.Get<Timestamp>("last");
  c.count = r.Get<std::int64_t>("count");
  c.expected_count = r.Get<std::int64_t>("expected_count");
  c.gap_count = r.Get<std::int64_t>("gap_count");
  c.updated_at = r.Get<Timestamp>("updated_at");
  return c;
}

// The gaps of a series with chunks, from a scan of its candles (the SQL
// step query sees only the rows).
std::vector<CandleGap> ScanGaps(sql::Connection& c, InstrumentId instrument, Timeframe tf,
                                std::int64_t limit) {
  const Micros d = Duration(tf);
  std::vector<CandleGap> out;
  std::optional<Timestamp> prev;
  detail::ForEachCandle(c, instrument, std::string(ToString(tf)), {}, [&](const Candle& k) {
    if (prev && k.open_time.micros() - prev->micros() > d) {
      CandleGap g;
      g.start = Timestamp(prev->micros() + d);
      g.end = k.open_time;
      g.missing = (g.end.micros() - g.start.micros()) / d;
      out.push_back(g);
      if (limit > 0 && static_cast<std::int64_t>(out.size()) >= limit) return false;
    }
    prev = k.open_time;
    return true;
  });
  return out;
}

}  // namespace

std::optional<CandleCoverage> CandleRepository::RefreshCoverage(InstrumentId instrument,
                                                                Timeframe tf) {
  impl_->instruments.Get(instrument);  // kNotFound for an unknown id
  auto& c = impl_->connection(Database::kMarket);
  sql::Transaction tx(c);  // joins the caller's unit of work when one is open
  const CandleRangeInfo info = Info(instrument, tf);
  if (info.count == 0) {
    auto& del =
        c.Prepare("DELETE FROM market.candle_coverage WHERE instrument_id = ? AND timeframe = ?");
    BindParams(del, instrument, ToString(tf));
    del.Execute();
    tx.Commit();
    return std::nullopt;
  }
  const Micros d = Duration(tf);
  CandleCoverage cov;
  cov.instrument_id = instrument;
  cov.timeframe = tf;
  cov.first = *info.first;
  cov.last = *info.last;
  cov.count = info.count;
  cov.expected_count = (cov.last.micros() - cov.first.micros()) / d + 1;
  if (detail::HasChunks(c, instrument, std::string(ToString(tf)))) {
    cov.gap_count = static_cast<std::int64_t>(ScanGaps(c, instrument, tf, 0).size());
  } else {
    auto& gaps = c.Prepare("SELECT COUNT(*) FROM (" + StepsSql(c) + ") s WHERE step > ?");
    BindParams(gaps, instrument, ToString(tf), d);
    gaps.Step();
    cov.gap_count = gaps.GetInt64(0);
    gaps.Reset();
  }
  cov.updated_at = Timestamp::Now();
  SaveCoverage(cov);
  tx.Commit();
  return cov;
}

void CandleRepository::SaveCoverage(const CandleCoverage& cov) {
  auto& c = impl_->connection(Database::kMarket);
  static const std::string kSql =
      kCoverageRow.UpsertSql(Columns<kCandleCoverage>::Only({"instrument_id", "timeframe"}));
  detail::schema::RowWriter<kCandleCoverage> row(c.Prepare(kSql), kCoverageRow);
  row.Set("instrument_id", cov.instrument_id).Set("timeframe", ToString(cov.timeframe));
  row.Set("first", cov.first).Set("last", cov.last).Set("count", cov.count);
  row.Set("expected_count", cov.expected_count).Set("gap_count", cov.gap_count);
  row.Set("updated_at", cov.updated_at).Done().Execute();
}

std::vector<CandleCoverage> CandleRepository::Coverage(std::optional<InstrumentId> instrument,
                                                       std::optional<Timeframe> tf) {
  std::string sql = kCoverageRow.SelectSql(" WHERE 1 = 1");
  if (instrument) sql += " AND instrument_id = ?";
  if (tf) sql += " AND timeframe = ?";
  auto& st = impl_->connection(Database::kMarket).Prepare(sql);
  int index = 1;
  if (instrument) st.Bind(index++, *instrument);
  if (tf) st.Bind(index++, ToString(*tf));
  std::vector<CandleCoverage> out;
  while (st.Step()) out.push_back(ReadCoverage(st));
  st.Reset();
  std::sort(out.begin(), out.end(), [](const CandleCoverage& a, const CandleCoverage& b) {
    if (a.instrument_id != b.instrument_id) return a.instrument_id < b.instrument_id;
    return Duration(a.timeframe) < Duration(b.timeframe);
  });
  return out;
}

std::vector<CandleGap> CandleRepository::Gaps(InstrumentId instrument, Timeframe tf,
                                              std::int64_t limit) {
  auto& c = impl_->connection(Database::kMarket);
  if (detail::HasChunks(c, instrument, std::string(ToString(tf)))) {
    return ScanGaps(c, instrument, tf, limit);
  }
  const Micros d = Duration(tf);
  std::string sql =
      "SELECT prev_time, open_time FROM (" + StepsSql(c) + ") s WHERE step > ? ORDER BY open_time";
  if (limit > 0) sql += " LIMIT ?";
  auto& st = c.Prepare(sql);
  const int next = BindParams(st, instrument, ToString(tf), d);
  if (limit > 0) st.Bind(next, limit);
  std::vector<CandleGap> out;
  while (st.Step()) {
    CandleGap g;
    g.start = Timestamp(st.GetTimestamp(0).micros() + d);
    g.end = st.GetTimestamp(1);
    g.missing = (g.end.micros() - g.start.micros()) / d;
    out.push_back(g);
  }
  st.Reset();
  return out;
}

}  // namespace tradestore
