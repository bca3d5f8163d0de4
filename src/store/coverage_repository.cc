// Candle coverage (coverage.h): the market.candle_coverage table and the gap
// query, both computed from market.candles.
#include <algorithm>
#include <string>

#include "store/store_impl.h"
#include "tradestore/coverage.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {

using detail::Database;

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

constexpr std::string_view kCoverageColumns =
    "instrument_id, timeframe, first, last, count, expected_count, gap_count, updated_at";

CandleCoverage ReadCoverage(const sql::Statement& st) {
  CandleCoverage c;
  c.instrument_id = st.GetInt64(0);
  c.timeframe = ParseTimeframe(st.GetText(1));
  c.first = st.GetTimestamp(2);
  c.last = st.GetTimestamp(3);
  c.count = st.GetInt64(4);
  c.expected_count = st.GetInt64(5);
  c.gap_count = st.GetInt64(6);
  c.updated_at = st.GetTimestamp(7);
  return c;
}

}  // namespace

std::optional<CandleCoverage> CandleRepository::RefreshCoverage(InstrumentId instrument,
                                                                Timeframe tf) {
  impl_->instruments.Get(instrument);  // kNotFound for an unknown id
  auto& c = impl_->connection(Database::kMarket);
  sql::Transaction tx(c);  // joins the caller's unit of work when one is open
  const CandleRangeInfo info = Info(instrument, tf);
  if (info.count == 0) {
    c.Prepare("DELETE FROM market.candle_coverage WHERE instrument_id = ? AND timeframe = ?")
        .Bind(1, instrument)
        .Bind(2, ToString(tf))
        .Execute();
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
  auto& gaps = c.Prepare("SELECT COUNT(*) FROM (" + StepsSql(c) + ") s WHERE step > ?");
  gaps.Bind(1, instrument).Bind(2, ToString(tf)).Bind(3, d);
  gaps.Step();
  cov.gap_count = gaps.GetInt64(0);
  gaps.Reset();
  cov.updated_at = Timestamp::Now();
  SaveCoverage(cov);
  tx.Commit();
  return cov;
}

void CandleRepository::SaveCoverage(const CandleCoverage& cov) {
  auto& c = impl_->connection(Database::kMarket);
  auto& st = c.Prepare(
      "INSERT INTO market.candle_coverage (" + std::string(kCoverageColumns) +
      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (instrument_id, timeframe) DO UPDATE SET "
      "first = excluded.first, last = excluded.last, count = excluded.count, "
      "expected_count = excluded.expected_count, gap_count = excluded.gap_count, "
      "updated_at = excluded.updated_at");
  st.Bind(1, cov.instrument_id).Bind(2, ToString(cov.timeframe)).Bind(3, cov.first);
  st.Bind(4, cov.last).Bind(5, cov.count).Bind(6, cov.expected_count).Bind(7, cov.gap_count);
  st.Bind(8, cov.updated_at);
  st.Execute();
}

std::vector<CandleCoverage> CandleRepository::Coverage(std::optional<InstrumentId> instrument,
                                                       std::optional<Timeframe> tf) {
  std::string sql =
      "SELECT " + std::string(kCoverageColumns) + " FROM market.candle_coverage WHERE 1 = 1";
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
  const Micros d = Duration(tf);
  std::string sql =
      "SELECT prev_time, open_time FROM (" + StepsSql(c) + ") s WHERE step > ? ORDER BY open_time";
  if (limit > 0) sql += " LIMIT ?";
  auto& st = c.Prepare(sql);
  st.Bind(1, instrument).Bind(2, ToString(tf)).Bind(3, d);
  if (limit > 0) st.Bind(4, limit);
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
