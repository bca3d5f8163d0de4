// Risk limits per bot (trading.risk_limits, versioned) and the risk events
// recorded when one is hit (audit.risk_events), with the evaluation that
// compares a bot's current values with the limits in force and records the
// breaches (seed 004's bots.risk limits and audit.risk_events).
//
// Units: max_position and max_daily_loss are money in the account's quote
// currency (Decimal, exact); max_drawdown is a fraction of peak equity in
// [0, 1] (0.2 = 20 %); max_open_orders a count. A limit that is not set is
// not checked.
//
// Errors: tradestore::Error (error.h): kInvalidArgument for negative or
// out-of-range values and empty texts, kNotFound for an unknown bot or
// event, kConflict for a refused rule (a version that does not start after
// the one in force, resolving an event twice).
//
// Thread safety: as the Store (one per thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/decimal.h"
#include "tradestore/store.h"
#include "tradestore/timestamp.h"

namespace tradestore {

enum class RiskLimitKind { kMaxPosition, kMaxDailyLoss, kMaxDrawdown, kMaxOpenOrders };
// "max_position", "max_daily_loss", "max_drawdown", "max_open_orders"
std::string_view ToString(RiskLimitKind k) noexcept;
RiskLimitKind ParseRiskLimitKind(std::string_view text);  // throws Error(kInvalidArgument)

// One version of a bot's limits, in force from effective_from until
// effective_to (nullopt: still in force).
struct RiskLimits {
  std::int64_t id = 0;  // assigned by the store
  BotId bot_id = 0;
  int version = 0;                              // assigned by the store: 1, 2, ... per bot
  std::optional<Decimal> max_position;          // largest |position notional| allowed, >= 0
  std::optional<Decimal> max_daily_loss;        // largest loss of one UTC day, a positive amount
  std::optional<double> max_drawdown;           // fraction of peak equity in [0, 1]
  std::optional<std::int64_t> max_open_orders;  // >= 0
  Timestamp effective_from;                     // Set: now when left at the epoch
  std::optional<Timestamp> effective_to;        // set by the store when a later version starts
  std::string note;
  RunMode mode = RunMode::kPaper;  // copied from the bot by Set
  bool is_test = false;            // copied from the bot by Set
  Timestamp created_at;            // assigned by the store
};

// The values a bot sees now, compared with its limits by Evaluate. Leave a
// value unset to skip its limit. A limit is breached when the value is
// strictly greater than its threshold.
struct RiskValues {
  std::optional<Decimal> position;          // largest |position notional| now, >= 0
  std::optional<Decimal> daily_loss;        // today's loss as a positive amount (0 if up)
  std::optional<double> drawdown;           // current drawdown from peak equity, in [0, 1]
  std::optional<std::int64_t> open_orders;  // open orders now, counting one being placed
};

// A limit hit.
struct RiskEvent {
  std::int64_t id = 0;  // assigned by the store
  BotId bot_id = 0;
  Timestamp time;
  RiskLimitKind limit = RiskLimitKind::kMaxPosition;
  std::optional<int> limits_version;  // the RiskLimits version breached, if any
  Decimal value;                      // what was seen (drawdown as a fraction)
  Decimal threshold;                  // the limit in force
  std::string action;                 // what was done: "halt_trading", "reject_order", ...
  std::string message;
  std::string resolution;  // empty until resolved
  std::optional<Timestamp> resolved_at;
  RunMode mode = RunMode::kPaper;  // copied from the bot
  bool is_test = false;            // copied from the bot
};

struct RiskEventFilter {
  std::optional<BotId> bot;  // all bots when empty
  std::optional<RiskLimitKind> limit;
  bool only_open = false;  // only events not resolved yet
  TimeRange range;         // on time
  bool include_test = false;
};

class RiskRepository {
 public:
  // Saves a new version of the bot's limits, in force from
  // limits.effective_from (now when left at the epoch), and closes the
  // previous version (its effective_to becomes that time); returns it with
  // id, version, mode, is_test and created_at. Throws kNotFound for an
  // unknown bot; kInvalidArgument for a negative limit, a drawdown outside
  // [0, 1] or no limit set at all; kConflict when effective_from is not
  // after the effective_from of the version in force.
  RiskLimits SetLimits(const RiskLimits& limits);
  // The version in force at `at` (effective_from <= at < effective_to);
  // nullopt when none.
  std::optional<RiskLimits> LimitsAt(BotId bot, Timestamp at);
  // Every version of a bot's limits, oldest first.
  std::vector<RiskLimits> LimitsHistory(BotId bot);

  // Compares `values` with the limits in force at `time` and, in one unit of
  // work, records a risk event for each breached limit (value > threshold)
  // with `action` as the action taken. A limit that already has an open
  // (unresolved) event of this bot is not recorded again: its open event is
  // returned instead (same id). Returns the events of every breached limit
  // in RiskLimitKind order; empty when none is breached. Throws kNotFound
  // for an unknown bot or when no limits are in force at `time`;
  // kInvalidArgument for a negative value, a drawdown outside [0, 1] or an
  // empty action. Concurrent evaluations of one bot (threads or processes,
  // one Store each) take turns on the limits row, so a breach is recorded
  // once. Joins the caller's unit of work when one is open.
  std::vector<RiskEvent> Evaluate(BotId bot, const RiskValues& values, Timestamp time,
                                  std::string_view action);
  // Records an event found by the caller's own checks; returns it with its
  // id. Throws kNotFound for an unknown bot, kInvalidArgument for an empty
  // action or a negative threshold.
  RiskEvent RecordEvent(const RiskEvent& event);
  // Marks an open event resolved. Throws kNotFound for an unknown event,
  // kConflict if it is already resolved, kInvalidArgument for an empty
  // resolution or a time before the event's.
  RiskEvent Resolve(BotId bot, std::int64_t event_id, std::string_view resolution,
                    Timestamp resolved_at);
  RiskEvent GetEvent(BotId bot, std::int64_t event_id);  // throws kNotFound
  // Events oldest first.
  std::vector<RiskEvent> Events(const RiskEventFilter& filter = {});

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
