// The execution latency log (analytics.execution_latency) and its
// nearest-rank percentiles.
#include <algorithm>
#include <cmath>
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/schema_row.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/execution_latency.h"

namespace tradestore {

using detail::BindParams;
using detail::Database;
using detail::schema::Columns;
using detail::schema::tables::kExecutionLatency;

namespace {

constexpr auto kLatencyRow = Columns<kExecutionLatency>::All();

ExecutionLatency ReadRow(const sql::Statement& st) {
  const detail::schema::RowReader<kExecutionLatency> row(st, kLatencyRow);
  ExecutionLatency r;
  r.bot_id = row.Get<std::int64_t>("bot_id");
  r.order_id = row.Get<std::int64_t>("order_id");
  r.signal_id = row.Get<std::optional<std::int64_t>>("signal_id");
  r.instrument_id = row.Get<std::optional<std::int64_t>>("instrument_id");
  r.venue = row.Get<std::string>("venue");
  r.signal_time = row.Get<std::optional<Timestamp>>("signal_time");
  r.order_time = row.Get<Timestamp>("order_time");
  r.ack_time = row.Get<std::optional<Timestamp>>("ack_time");
  r.fill_time = row.Get<std::optional<Timestamp>>("fill_time");
  r.bot_version = row.Get<std::string>("bot_version");
  r.mode = ParseRunMode(row.Get<std::string>("mode"));
  r.is_test = row.Get<bool>("is_test");
  return r;
}

void RequireOrder(const std::optional<Timestamp>& earlier, const char* earlier_name,
                  const std::optional<Timestamp>& later, const char* later_name,
                  const std::string& what) {
  if (earlier && later && *later < *earlier) {
    throw InvalidArgument(what + ": field '" + later_name + "' " + later->ToIso() + " is before '" +
                          earlier_name + "' " + earlier->ToIso());
  }
}

std::optional<Micros> Leg(const std::optional<Timestamp>& from,
                          const std::optional<Timestamp>& to) {
  if (!from || !to) return std::nullopt;
  return to->micros() - from->micros();
}

}  // namespace

Micros NearestRankPercentile(const std::vector<Micros>& sorted, double p) {
  if (sorted.empty()) throw InvalidArgument("percentile of an empty set of values");
  if (!(p > 0 && p <= 100)) {
    throw InvalidArgument("percentile must be in (0, 100], got " + std::to_string(p));
  }
  const double n = static_cast<double>(sorted.size());
  // rank = ceil(p / 100 * n), 1-based; computed as p * n / 100 so that
  // e.g. p = 90, n = 10 gives exactly 9.
  auto rank = static_cast<std::size_t>(std::ceil(p * n / 100.0));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

ExecutionLatency LatencyRepository::Record(const ExecutionLatency& row) {
  const std::string what = "execution latency of order " + std::to_string(row.order_id) +
                           " of bot " + std::to_string(row.bot_id);
  const std::optional<Timestamp> order = row.order_time;
  RequireOrder(row.signal_time, "signal_time", order, "order_time", what);
  RequireOrder(order, "order_time", row.ack_time, "ack_time", what);
  RequireOrder(order, "order_time", row.fill_time, "fill_time", what);
  RequireOrder(row.ack_time, "ack_time", row.fill_time, "fill_time", what);
  const detail::BotProvenance bot = detail::BotProvenanceOf(*impl_, row.bot_id);
  ExecutionLatency out = row;
  out.mode = bot.mode;
  out.is_test = bot.is_test;
  if (out.bot_version.empty()) out.bot_version = bot.version;
  static const std::string kSql =
      kLatencyRow.UpsertSql(Columns<kExecutionLatency>::Only({"bot_id", "order_id"}));
  detail::schema::RowWriter<kExecutionLatency> w(
      impl_->connection(Database::kAnalytics).Prepare(kSql), kLatencyRow);
  w.Set("bot_id", out.bot_id).Set("order_id", out.order_id).Set("signal_id", out.signal_id);
  w.Set("instrument_id", out.instrument_id).Set("venue", out.venue);
  w.Set("signal_time", out.signal_time).Set("order_time", out.order_time);
  w.Set("ack_time", out.ack_time).Set("fill_time", out.fill_time);
  w.Set("bot_version", out.bot_version).Set("mode", ToString(out.mode));
  w.Set("is_test", out.is_test).Done().Execute();
  return out;
}

std::optional<ExecutionLatency> LatencyRepository::Find(BotId bot, OrderId order) {
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare(kLatencyRow.SelectSql(" WHERE bot_id = ? AND order_id = ?"));
  BindParams(st, bot, order);
  std::optional<ExecutionLatency> out;
  if (st.Step()) out = ReadRow(st);
  st.Reset();
  return out;
}

std::vector<ExecutionLatency> LatencyRepository::List(const LatencyFilter& f) {
  std::string sql = kLatencyRow.SelectSql(" WHERE 1 = 1");
  if (f.bot) sql += " AND bot_id = ?";
  sql += detail::RangeSql("order_time", f.range);
  if (!f.include_test) sql += " AND is_test = 0";
  sql += " ORDER BY order_time, bot_id, order_id";
  auto& st = impl_->connection(Database::kAnalytics).Prepare(sql);
  int i = 1;
  if (f.bot) st.Bind(i++, *f.bot);
  detail::BindRange(st, i, f.range);
  std::vector<ExecutionLatency> out;
  while (st.Step()) out.push_back(ReadRow(st));
  return out;
}

std::vector<LatencyPercentiles> LatencyRepository::Percentiles(const LatencyFilter& filter) {
  constexpr LatencyLeg kLegs[] = {LatencyLeg::kSignalToOrder, LatencyLeg::kOrderToAck,
                                  LatencyLeg::kAckToFill, LatencyLeg::kOrderToFill,
                                  LatencyLeg::kSignalToFill};
  std::vector<Micros> values[5];
  for (const ExecutionLatency& r : List(filter)) {
    const std::optional<Timestamp> order = r.order_time;
    const std::optional<Micros> legs[5] = {Leg(r.signal_time, order), Leg(order, r.ack_time),
                                           Leg(r.ack_time, r.fill_time), Leg(order, r.fill_time),
                                           Leg(r.signal_time, r.fill_time)};
    for (int k = 0; k < 5; ++k) {
      if (legs[k]) values[k].push_back(*legs[k]);
    }
  }
  std::vector<LatencyPercentiles> out;
  for (int k = 0; k < 5; ++k) {
    LatencyPercentiles p;
    p.leg = kLegs[k];
    std::vector<Micros>& v = values[k];
    std::sort(v.begin(), v.end());
    p.count = static_cast<std::int64_t>(v.size());
    if (!v.empty()) {
      p.min = v.front();
      p.max = v.back();
      p.p50 = NearestRankPercentile(v, 50);
      p.p90 = NearestRankPercentile(v, 90);
      p.p99 = NearestRankPercentile(v, 99);
    }
    out.push_back(p);
  }
  return out;
}

}  // namespace tradestore
