#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>
#include <utility>

#include "tradestore/error.h"
#include "tradestore/order_types.h"

namespace tradestore {
namespace {

using ::testing::HasSubstr;

constexpr std::array<OrderStatus, 7> kAllStatuses = {
    OrderStatus::kNew,    OrderStatus::kAccepted,  OrderStatus::kPartiallyFilled,
    OrderStatus::kFilled, OrderStatus::kCancelled, OrderStatus::kRejected,
    OrderStatus::kExpired};

// The allowed transitions written out by hand from the rules in
// order_types.h, independently of kOrderStatusTransitions:
//  - a new order is acknowledged, refused, cancelled, or runs out of time;
//  - fills move accepted or partially filled orders to partially filled or
//    filled; both can still be cancelled or expire;
//  - "an order can be rejected only before it is accepted": so no
//    accepted -> rejected;
//  - terminal statuses never change.
const std::set<std::pair<OrderStatus, OrderStatus>> kExpectedAllowed = {
    {OrderStatus::kNew, OrderStatus::kAccepted},
    {OrderStatus::kNew, OrderStatus::kRejected},
    {OrderStatus::kNew, OrderStatus::kCancelled},
    {OrderStatus::kNew, OrderStatus::kExpired},
    {OrderStatus::kAccepted, OrderStatus::kPartiallyFilled},
    {OrderStatus::kAccepted, OrderStatus::kFilled},
    {OrderStatus::kAccepted, OrderStatus::kCancelled},
    {OrderStatus::kAccepted, OrderStatus::kExpired},
    {OrderStatus::kPartiallyFilled, OrderStatus::kPartiallyFilled},
    {OrderStatus::kPartiallyFilled, OrderStatus::kFilled},
    {OrderStatus::kPartiallyFilled, OrderStatus::kCancelled},
    {OrderStatus::kPartiallyFilled, OrderStatus::kExpired},
};

TEST(OrderStatusTest, EveryPairMatchesTheDocumentedRules) {
  int checked = 0;
  for (OrderStatus from : kAllStatuses) {
    for (OrderStatus to : kAllStatuses) {
      const bool expected = kExpectedAllowed.count({from, to}) > 0;
      EXPECT_EQ(CanTransition(from, to), expected)
          << ToString(from) << " -> " << ToString(to) << ": expected "
          << (expected ? "allowed" : "refused");
      ++checked;
    }
  }
  EXPECT_EQ(checked, 49);
}

TEST(OrderStatusTest, SpotChecks) {
  static_assert(CanTransition(OrderStatus::kNew, OrderStatus::kAccepted));
  static_assert(CanTransition(OrderStatus::kPartiallyFilled, OrderStatus::kFilled));
  static_assert(!CanTransition(OrderStatus::kNew, OrderStatus::kFilled));
  static_assert(!CanTransition(OrderStatus::kNew, OrderStatus::kNew));
  static_assert(!CanTransition(OrderStatus::kPartiallyFilled, OrderStatus::kAccepted));
  static_assert(!CanTransition(OrderStatus::kFilled, OrderStatus::kCancelled));
  static_assert(!CanTransition(OrderStatus::kCancelled, OrderStatus::kFilled));
  EXPECT_FALSE(CanTransition(OrderStatus::kNew, OrderStatus::kPartiallyFilled));
  EXPECT_FALSE(CanTransition(OrderStatus::kAccepted, OrderStatus::kNew));
  EXPECT_FALSE(CanTransition(OrderStatus::kPartiallyFilled, OrderStatus::kRejected));
}

TEST(OrderStatusTest, TableHasNoDuplicates) {
  std::set<std::pair<OrderStatus, OrderStatus>> seen;
  for (const auto& entry : kOrderStatusTransitions) {
    EXPECT_TRUE(seen.insert(entry).second)
        << "duplicate " << ToString(entry.first) << " -> " << ToString(entry.second);
  }
}

TEST(OrderStatusTest, TerminalStatusesHaveNoOutgoingTransitions) {
  const std::set<OrderStatus> terminal = {OrderStatus::kFilled, OrderStatus::kCancelled,
                                          OrderStatus::kRejected, OrderStatus::kExpired};
  for (OrderStatus from : kAllStatuses) {
    EXPECT_EQ(IsTerminal(from), terminal.count(from) > 0) << ToString(from);
    if (!IsTerminal(from)) continue;
    for (OrderStatus to : kAllStatuses) {
      EXPECT_FALSE(CanTransition(from, to)) << ToString(from) << " -> " << ToString(to);
    }
  }
  // Every non-terminal status can still end: it can reach a terminal one directly.
  for (OrderStatus from :
       {OrderStatus::kNew, OrderStatus::kAccepted, OrderStatus::kPartiallyFilled}) {
    EXPECT_TRUE(CanTransition(from, OrderStatus::kCancelled)) << ToString(from);
  }
}

TEST(OrderTypesTest, SideHelpers) {
  static_assert(SignOf(Side::kBuy) == 1);
  static_assert(SignOf(Side::kSell) == -1);
  static_assert(Opposite(Side::kBuy) == Side::kSell);
  static_assert(Opposite(Side::kSell) == Side::kBuy);
}

template <typename Enum, typename ParseFn>
void ExpectNames(const std::vector<std::pair<Enum, std::string>>& names, ParseFn parse) {
  for (const auto& [value, name] : names) {
    EXPECT_EQ(ToString(value), name);
    EXPECT_EQ(parse(name), value) << name;
  }
}

template <typename ParseFn>
void ExpectRejected(std::initializer_list<const char*> texts, ParseFn parse) {
  for (const char* text : texts) {
    SCOPED_TRACE(text);
    try {
      parse(text);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_THAT(e.what(), HasSubstr("\"" + std::string(text) + "\""));
    }
  }
}

TEST(OrderTypesTest, Names) {
  ExpectNames<Side>({{Side::kBuy, "buy"}, {Side::kSell, "sell"}}, ParseSide);
  ExpectNames<OrderType>({{OrderType::kMarket, "market"},
                          {OrderType::kLimit, "limit"},
                          {OrderType::kStop, "stop"},
                          {OrderType::kStopLimit, "stop_limit"}},
                         ParseOrderType);
  ExpectNames<TimeInForce>({{TimeInForce::kGtc, "gtc"},
                            {TimeInForce::kIoc, "ioc"},
                            {TimeInForce::kFok, "fok"},
                            {TimeInForce::kDay, "day"}},
                           ParseTimeInForce);
  ExpectNames<OrderStatus>({{OrderStatus::kNew, "new"},
                            {OrderStatus::kAccepted, "accepted"},
                            {OrderStatus::kPartiallyFilled, "partially_filled"},
                            {OrderStatus::kFilled, "filled"},
                            {OrderStatus::kCancelled, "cancelled"},
                            {OrderStatus::kRejected, "rejected"},
                            {OrderStatus::kExpired, "expired"}},
                           ParseOrderStatus);
}

TEST(OrderTypesTest, ParseRejectsOtherText) {
  ExpectRejected({"", "Buy", "BUY", " buy", "buy ", "long", "b"}, ParseSide);
  ExpectRejected({"", "Market", "stop-limit", "stoplimit", "stop limit"}, ParseOrderType);
  ExpectRejected({"", "GTC", "gtd", "good_till_cancel"}, ParseTimeInForce);
  ExpectRejected({"", "New", "canceled", "partially-filled", "partial", "done"}, ParseOrderStatus);
}

}  // namespace
}  // namespace tradestore
