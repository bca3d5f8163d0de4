// Names of the record repositories' enums (signal.h, risk.h, config.h,
// audit.h, execution_latency.h).
#include <string>

#include "tradestore/audit.h"
#include "tradestore/config.h"
#include "tradestore/error.h"
#include "tradestore/execution_latency.h"
#include "tradestore/risk.h"
#include "tradestore/signal.h"

namespace tradestore {

namespace {
template <typename E>
E ParseName(std::string_view text, std::initializer_list<E> values, const char* what) {
  for (E v : values) {
    if (text == ToString(v)) return v;
  }
  throw InvalidArgument(std::string("unknown ") + what + " \"" + std::string(text.substr(0, 80)) +
                        "\"");
}
}  // namespace

std::string_view ToString(SignalAction a) noexcept {
  switch (a) {
    case SignalAction::kBuy:
      return "buy";
    case SignalAction::kSell:
      return "sell";
    case SignalAction::kHold:
      return "hold";
  }
  return "unknown";
}
SignalAction ParseSignalAction(std::string_view text) {
  return ParseName(text, {SignalAction::kBuy, SignalAction::kSell, SignalAction::kHold},
                   "signal action");
}

std::string_view ToString(SignalResult r) noexcept {
  switch (r) {
    case SignalResult::kWin:
      return "win";
    case SignalResult::kLoss:
      return "loss";
    case SignalResult::kBreakeven:
      return "breakeven";
  }
  return "unknown";
}
SignalResult ParseSignalResult(std::string_view text) {
  return ParseName(text, {SignalResult::kWin, SignalResult::kLoss, SignalResult::kBreakeven},
                   "signal outcome");
}

std::string_view ToString(RiskLimitKind k) noexcept {
  switch (k) {
    case RiskLimitKind::kMaxPosition:
      return "max_position";
    case RiskLimitKind::kMaxDailyLoss:
      return "max_daily_loss";
    case RiskLimitKind::kMaxDrawdown:
      return "max_drawdown";
    case RiskLimitKind::kMaxOpenOrders:
      return "max_open_orders";
  }
  return "unknown";
}
RiskLimitKind ParseRiskLimitKind(std::string_view text) {
  return ParseName(text,
                   {RiskLimitKind::kMaxPosition, RiskLimitKind::kMaxDailyLoss,
                    RiskLimitKind::kMaxDrawdown, RiskLimitKind::kMaxOpenOrders},
                   "risk limit");
}

std::string_view ToString(ConfigKind k) noexcept {
  switch (k) {
    case ConfigKind::kBot:
      return "bot";
    case ConfigKind::kStrategy:
      return "strategy";
  }
  return "unknown";
}
ConfigKind ParseConfigKind(std::string_view text) {
  return ParseName(text, {ConfigKind::kBot, ConfigKind::kStrategy}, "config kind");
}

std::string_view ToString(Severity s) noexcept {
  switch (s) {
    case Severity::kDebug:
      return "debug";
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
    case Severity::kCritical:
      return "critical";
  }
  return "unknown";
}
Severity ParseSeverity(std::string_view text) {
  return ParseName(text,
                   {Severity::kDebug, Severity::kInfo, Severity::kWarning, Severity::kError,
                    Severity::kCritical},
                   "severity");
}

std::string_view ToString(LatencyLeg leg) noexcept {
  switch (leg) {
    case LatencyLeg::kSignalToOrder:
      return "signal_to_order";
    case LatencyLeg::kOrderToAck:
      return "order_to_ack";
    case LatencyLeg::kAckToFill:
      return "ack_to_fill";
    case LatencyLeg::kOrderToFill:
      return "order_to_fill";
    case LatencyLeg::kSignalToFill:
      return "signal_to_fill";
  }
  return "unknown";
}

}  // namespace tradestore
