// Strategy signals, linked to the orders and trades they caused.
//
// A signal records what a strategy (or an ensemble of strategies) decided:
// the final side and confidence, the per-component breakdown it was
// aggregated from (seed 001's "strategies" map), the filters it passed and
// failed, whether an order was placed for it, and, once the trades it opened
// have closed, its outcome. Orders and trades point back to it through
// Order::signal_id and Trade::signal_id (SignalRepository::Links).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/decimal.h"
#include "tradestore/instrument.h"
#include "tradestore/order.h"
#include "tradestore/order_types.h"
#include "tradestore/timestamp.h"
#include "tradestore/trade.h"

namespace tradestore {

// What one component strategy said.
enum class SignalAction { kBuy, kSell, kHold };
std::string_view ToString(SignalAction a) noexcept;     // "buy", "sell", "hold"
SignalAction ParseSignalAction(std::string_view text);  // throws Error(kInvalidArgument)

// One component of an aggregated signal (stored in trading.signal_components,
// one row per component, keyed by (bot_id, signal_id, name)).
struct SignalComponent {
  std::string name;  // e.g. "sentiment", "technical"; unique per signal
  SignalAction signal = SignalAction::kHold;
  double confidence = 0;  // fraction in [0, 1]
  double weight = 1;      // aggregation weight, >= 0
};

// How the trades a signal caused ended: derived from the closed trades whose
// signal_id is the signal's (SignalRepository::RecordOutcome).
enum class SignalResult { kWin, kLoss, kBreakeven };
std::string_view ToString(SignalResult r) noexcept;     // "win", "loss", "breakeven"
SignalResult ParseSignalResult(std::string_view text);  // throws Error(kInvalidArgument)

struct SignalOutcome {
  SignalResult result = SignalResult::kBreakeven;  // sign of net_pnl
  Decimal net_pnl;          // sum of the linked trades' net P&L (quote currency)
  std::int64_t trades = 0;  // number of linked closed trades
  Timestamp closed_at;      // the latest exit time among them
};

struct Signal {
  SignalId id = 0;  // assigned by the store
  BotId bot_id = 0;
  InstrumentId instrument_id = 0;
  std::string strategy;
  Timestamp time;
  Side side = Side::kBuy;       // the final signal
  double strength = 0;          // strategy-defined, conventionally in [0, 1]
  std::optional<double> price;  // reference price when the signal fired
  bool acted_on = false;        // set when an order was placed for it
  std::string note;
  RunMode mode = RunMode::kPaper;
  bool is_test = false;
  // Breakdown and provenance (seed 001, seed 004).
  std::optional<double> confidence = {};         // final confidence, fraction in [0, 1]
  std::string aggregation_method = {};           // e.g. "weighted_average", "majority"
  std::vector<SignalComponent> components = {};  // names unique
  std::vector<std::string> filters_passed = {};  // names of the filters it passed
  std::vector<std::string> filters_failed = {};  // ... and failed (disjoint from passed)
  std::string strategy_version = {};
  std::string bot_version = {};
  std::optional<SignalOutcome> outcome = {};  // set by RecordOutcome; ignored by Record
};

// The orders and trades that name a signal (orders.signal_id, trades.signal_id).
struct SignalLinks {
  std::vector<OrderId> orders;  // ascending
  std::vector<TradeId> trades;  // ascending
};

// Filter of SignalRepository::Find. Test signals are excluded unless
// include_test.
struct SignalFilter {
  std::optional<BotId> bot;  // all bots when empty
  std::optional<std::string> strategy;
  std::optional<InstrumentId> instrument;
  std::optional<bool> acted_on;
  std::optional<SignalResult> outcome;
  std::optional<Timestamp> from;  // time >= from
  std::optional<Timestamp> to;    // time < to
  bool include_test = false;
  std::int64_t limit = 0;  // at most this many (oldest first) when > 0
};

}  // namespace tradestore
