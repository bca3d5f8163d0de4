#include "tradestore/order_types.h"

#include <string>

#include "core/enum_names.h"
#include "tradestore/error.h"

namespace tradestore {
std::string_view ToString(Side v) noexcept {
  switch (v) {
    case Side::kBuy:
      return "buy";
    case Side::kSell:
      return "sell";
  }
  return "unknown";
}

std::string_view ToString(OrderType v) noexcept {
  switch (v) {
    case OrderType::kMarket:
      return "market";
    case OrderType::kLimit:
      return "limit";
    case OrderType::kStop:
      return "stop";
    case OrderType::kStopLimit:
      return "stop_limit";
  }
  return "unknown";
}

std::string_view ToString(TimeInForce v) noexcept {
  switch (v) {
    case TimeInForce::kGtc:
      return "gtc";
    case TimeInForce::kIoc:
      return "ioc";
    case TimeInForce::kFok:
      return "fok";
    case TimeInForce::kDay:
      return "day";
  }
  return "unknown";
}

std::string_view ToString(OrderStatus v) noexcept {
  switch (v) {
    case OrderStatus::kNew:
      return "new";
    case OrderStatus::kAccepted:
      return "accepted";
    case OrderStatus::kPartiallyFilled:
      return "partially_filled";
    case OrderStatus::kFilled:
      return "filled";
    case OrderStatus::kCancelled:
      return "cancelled";
    case OrderStatus::kRejected:
      return "rejected";
    case OrderStatus::kExpired:
      return "expired";
  }
  return "unknown";
}

Side ParseSide(std::string_view text) {
  return internal::ParseEnumName<Side>(text, {Side::kBuy, Side::kSell}, "order side");
}

OrderType ParseOrderType(std::string_view text) {
  return internal::ParseEnumName<OrderType>(
      text, {OrderType::kMarket, OrderType::kLimit, OrderType::kStop, OrderType::kStopLimit},
      "order type");
}

TimeInForce ParseTimeInForce(std::string_view text) {
  return internal::ParseEnumName<TimeInForce>(
      text, {TimeInForce::kGtc, TimeInForce::kIoc, TimeInForce::kFok, TimeInForce::kDay},
      "time in force");
}

OrderStatus ParseOrderStatus(std::string_view text) {
  return internal::ParseEnumName<OrderStatus>(
      text,
      {OrderStatus::kNew, OrderStatus::kAccepted, OrderStatus::kPartiallyFilled,
       OrderStatus::kFilled, OrderStatus::kCancelled, OrderStatus::kRejected,
       OrderStatus::kExpired},
      "order status");
}

}  // namespace tradestore
