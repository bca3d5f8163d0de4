#include "tradestore/order_types.h"

#include <string>

#include "tradestore/error.h"

namespace tradestore {
namespace {

[[noreturn]] void ThrowUnknown(const char* what, std::string_view text) {
  throw InvalidArgument(std::string("unknown ") + what + " \"" + std::string(text.substr(0, 80)) +
                        "\"");
}

}  // namespace

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
  for (Side v : {Side::kBuy, Side::kSell}) {
    if (text == ToString(v)) return v;
  }
  ThrowUnknown("order side", text);
}

OrderType ParseOrderType(std::string_view text) {
  for (OrderType v :
       {OrderType::kMarket, OrderType::kLimit, OrderType::kStop, OrderType::kStopLimit}) {
    if (text == ToString(v)) return v;
  }
  ThrowUnknown("order type", text);
}

TimeInForce ParseTimeInForce(std::string_view text) {
  for (TimeInForce v :
       {TimeInForce::kGtc, TimeInForce::kIoc, TimeInForce::kFok, TimeInForce::kDay}) {
    if (text == ToString(v)) return v;
  }
  ThrowUnknown("time in force", text);
}

OrderStatus ParseOrderStatus(std::string_view text) {
  for (OrderStatus v : {OrderStatus::kNew, OrderStatus::kAccepted, OrderStatus::kPartiallyFilled,
                        OrderStatus::kFilled, OrderStatus::kCancelled, OrderStatus::kRejected,
                        OrderStatus::kExpired}) {
    if (text == ToString(v)) return v;
  }
  ThrowUnknown("order status", text);
}

}  // namespace tradestore
