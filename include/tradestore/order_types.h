// Order vocabulary: side, order type, time in force, status, and the
// order-status state machine as one table (kOrderStatusTransitions) that the
// code and the tests both read.
#pragma once

#include <array>
#include <string_view>
#include <utility>

namespace tradestore {

enum class Side { kBuy, kSell };
enum class OrderType { kMarket, kLimit, kStop, kStopLimit };
enum class TimeInForce { kGtc, kIoc, kFok, kDay };
enum class OrderStatus {
  kNew,              // created locally, not yet acknowledged
  kAccepted,         // acknowledged by the venue (or the paper broker), resting
  kPartiallyFilled,  // some quantity filled, the rest still working
  kFilled,           // terminal: fully filled
  kCancelled,        // terminal: cancelled by the user or the venue
  kRejected,         // terminal: refused by the venue or a risk check
  kExpired,          // terminal: time in force ran out (IOC/FOK/DAY)
};

// Allowed transitions (from, to). Anything not listed is refused. A fill
// moves accepted or partially filled orders to partially filled or filled;
// an order can be rejected only before it is accepted.
inline constexpr std::array<std::pair<OrderStatus, OrderStatus>, 12>
    kOrderStatusTransitions = {{
        {OrderStatus::kNew, OrderStatus::kAccepted},
        {OrderStatus::kNew, OrderStatus::kRejected},
        {OrderStatus::kNew, OrderStatus::kCancelled},
        {OrderStatus::kAccepted, OrderStatus::kPartiallyFilled},
        {OrderStatus::kAccepted, OrderStatus::kFilled},
        {OrderStatus::kAccepted, OrderStatus::kCancelled},
        {OrderStatus::kAccepted, OrderStatus::kExpired},
        {OrderStatus::kPartiallyFilled, OrderStatus::kPartiallyFilled},
        {OrderStatus::kPartiallyFilled, OrderStatus::kFilled},
        {OrderStatus::kPartiallyFilled, OrderStatus::kCancelled},
        {OrderStatus::kPartiallyFilled, OrderStatus::kExpired},
        {OrderStatus::kNew, OrderStatus::kExpired},
    }};

// Whether kOrderStatusTransitions lists (from, to).
constexpr bool CanTransition(OrderStatus from, OrderStatus to) noexcept {
  for (const auto& [f, t] : kOrderStatusTransitions) {
    if (f == from && t == to) return true;
  }
  return false;
}
// Filled, cancelled, rejected and expired orders never change again.
constexpr bool IsTerminal(OrderStatus s) noexcept {
  return s == OrderStatus::kFilled || s == OrderStatus::kCancelled ||
         s == OrderStatus::kRejected || s == OrderStatus::kExpired;
}

// Stable lowercase names used in the database, the CLI and JSON:
// "buy"/"sell"; "market"/"limit"/"stop"/"stop_limit"; "gtc"/"ioc"/"fok"/
// "day"; "new"/"accepted"/"partially_filled"/"filled"/"cancelled"/
// "rejected"/"expired". The Parse functions are their inverses and throw
// Error(kInvalidArgument) naming the text.
std::string_view ToString(Side v) noexcept;
std::string_view ToString(OrderType v) noexcept;
std::string_view ToString(TimeInForce v) noexcept;
std::string_view ToString(OrderStatus v) noexcept;
Side ParseSide(std::string_view text);
OrderType ParseOrderType(std::string_view text);
TimeInForce ParseTimeInForce(std::string_view text);
OrderStatus ParseOrderStatus(std::string_view text);

// +1 for buy, -1 for sell.
constexpr int SignOf(Side s) noexcept { return s == Side::kBuy ? 1 : -1; }
constexpr Side Opposite(Side s) noexcept { return s == Side::kBuy ? Side::kSell : Side::kBuy; }

}  // namespace tradestore
