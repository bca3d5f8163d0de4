// The execution latency log (analytics.execution_latency; seed 000's
// trade_execution_log): per order, the times of the signal that caused it,
// its submission, the venue's acknowledgement and its (first) fill, with
// percentile queries on each leg.
//
// Legs (µs): signal -> order (order_time - signal_time), order -> ack
// (ack_time - order_time), ack -> fill (fill_time - ack_time), order -> fill
// (fill_time - order_time) and signal -> fill (fill_time - signal_time). A
// leg counts only rows that have both of its times.
//
// Percentiles are exact, by the nearest-rank method: the p-th percentile of
// n sorted values is the value of rank ceil(p / 100 * n) (1-based), i.e. the
// smallest value such that at least p % of the values are <= it (Hyndman &
// Fan 1996, "Sample quantiles in statistical packages", definition 1, the
// inverse of the empirical distribution function; NIST Engineering
// Statistics Handbook 7.2.5.2 lists it too). It always returns an observed
// value, so percentiles of integer µs stay integers.
//
// Errors: kInvalidArgument for times out of order (signal_time <= order_time
// <= ack_time <= fill_time, each compared when both are set); kNotFound for
// an unknown bot.
// Thread safety: as the Store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/instrument.h"
#include "tradestore/order.h"
#include "tradestore/store.h"
#include "tradestore/timestamp.h"

namespace tradestore {

struct ExecutionLatency {
  BotId bot_id = 0;
  OrderId order_id = 0;
  std::optional<SignalId> signal_id;
  std::optional<InstrumentId> instrument_id;
  std::string venue;
  std::optional<Timestamp> signal_time;
  Timestamp order_time;  // submitted
  std::optional<Timestamp> ack_time;
  std::optional<Timestamp> fill_time;
  std::string bot_version;         // the bot's version when empty
  RunMode mode = RunMode::kPaper;  // copied from the bot
  bool is_test = false;            // copied from the bot
};

enum class LatencyLeg { kSignalToOrder, kOrderToAck, kAckToFill, kOrderToFill, kSignalToFill };
// "signal_to_order", "order_to_ack", "ack_to_fill", "order_to_fill", "signal_to_fill"
std::string_view ToString(LatencyLeg leg) noexcept;

// Nearest-rank percentiles of one leg, in µs; all zero when count = 0.
struct LatencyPercentiles {
  LatencyLeg leg = LatencyLeg::kSignalToOrder;
  std::int64_t count = 0;
  Micros min = 0;
  Micros p50 = 0;
  Micros p90 = 0;
  Micros p99 = 0;
  Micros max = 0;
};

struct LatencyFilter {
  std::optional<BotId> bot;  // all bots when empty
  TimeRange range;           // on order_time
  bool include_test = false;
};

// The nearest-rank p-th percentile (0 < p <= 100) of `sorted` (ascending,
// non-empty); see above. Throws kInvalidArgument for p outside (0, 100] or
// an empty input.
Micros NearestRankPercentile(const std::vector<Micros>& sorted, double p);

class LatencyRepository {
 public:
  // Records the times of an order, replacing an earlier row of the same
  // (bot, order): record again when the ack or fill arrives.
  ExecutionLatency Record(const ExecutionLatency& row);
  std::optional<ExecutionLatency> Find(BotId bot, OrderId order);
  // Rows by order_time.
  std::vector<ExecutionLatency> List(const LatencyFilter& filter = {});
  // Percentiles of every leg, in LatencyLeg order.
  std::vector<LatencyPercentiles> Percentiles(const LatencyFilter& filter = {});

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
