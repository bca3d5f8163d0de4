// The execution latency log (analytics.execution_latency) and its
// nearest-rank percentiles.
#include <algorithm>
#include <cmath>
#include <string>

#include "store/query_util.h"
#include "store/record_util.h"
#include "store/store_impl.h"
#include "tradestore/error.h"
#include "tradestore/execution_latency.h"

namespace tradestore {

using detail::Database;

namespace {

constexpr std::string_view kColumns =
    "bot_id, order_id, signal_id, instrument_id, venue, signal_time, order_time, ack_time, "
    "fill_time, bot_version, mode, is_test";

std::optional<Timestamp> OptionalTime(const sql::Statement& st, int column) {
  if (st.IsNull(column)) return std::nullopt;
  return st.GetTimestamp(column);
}

ExecutionLatency ReadRow(const sql::Statement& st) {
  ExecutionLatency r;
  r.bot_id = st.GetInt64(0);
  r.order_id = st.GetInt64(1);
  r.signal_id = st.GetOptionalInt64(2);
  r.instrument_id = st.GetOptionalInt64(3);
  r.venue = st.GetText(4);
  r.signal_time = OptionalTime(st, 5);
  r.order_time = st.GetTimestamp(6);
  r.ack_time = OptionalTime(st, 7);
  r.fill_time = OptionalTime(st, 8);
  r.bot_version = st.GetText(9);
  r.mode = ParseRunMode(st.GetText(10));
  r.is_test = st.GetBool(11);
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
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare(
                     "INSERT INTO analytics.execution_latency (bot_id, order_id, signal_id, "
                     "instrument_id, venue, signal_time, order_time, ack_time, fill_time, "
                     "bot_version, mode, is_test) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT (bot_id, order_id) DO UPDATE SET signal_id = "
                     "excluded.signal_id, instrument_id = excluded.instrument_id, venue = "
                     "excluded.venue, signal_time = excluded.signal_time, order_time = "
                     "excluded.order_time, ack_time = excluded.ack_time, fill_time = "
                     "excluded.fill_time, bot_version = excluded.bot_version, mode = "
                     "excluded.mode, is_test = excluded.is_test");
  st.Bind(1, out.bot_id).Bind(2, out.order_id).Bind(3, out.signal_id).Bind(4, out.instrument_id);
  st.Bind(5, out.venue).Bind(6, out.signal_time).Bind(7, out.order_time).Bind(8, out.ack_time);
  st.Bind(9, out.fill_time).Bind(10, out.bot_version).Bind(11, ToString(out.mode));
  st.Bind(12, out.is_test).Execute();
  return out;
}

std::optional<ExecutionLatency> LatencyRepository::Find(BotId bot, OrderId order) {
  auto& st = impl_->connection(Database::kAnalytics)
                 .Prepare("SELECT " + std::string(kColumns) +
                          " FROM analytics.execution_latency WHERE bot_id = ? AND order_id = ?");
  st.Bind(1, bot).Bind(2, order);
  std::optional<ExecutionLatency> out;
  if (st.Step()) out = ReadRow(st);
  st.Reset();
  return out;
}

std::vector<ExecutionLatency> LatencyRepository::List(const LatencyFilter& f) {
  std::string sql =
      "SELECT " + std::string(kColumns) + " FROM analytics.execution_latency WHERE 1 = 1";
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
