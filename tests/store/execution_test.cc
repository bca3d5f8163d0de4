// Orders, fills, positions, closed trades and their ledger postings.
#include <gtest/gtest.h>

#include "store/store_test_util.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using literals::operator""_d;
using testing::Seeded;

constexpr std::array<OrderStatus, 7> kAllStatuses = {
    OrderStatus::kNew,    OrderStatus::kAccepted,  OrderStatus::kPartiallyFilled,
    OrderStatus::kFilled, OrderStatus::kCancelled, OrderStatus::kRejected,
    OrderStatus::kExpired};

// Runs on every backend; each test gets a fresh, empty store.
class Execution : public ::testing::TestWithParam<testing::Backend> {
 protected:
  Execution() : s_(testing::FreshStoreUrl(GetParam())) {}

  Order NewOrder(Side side, const char* qty, const std::string& exit_reason = "") {
    Order o;
    o.bot_id = s_.bot.id;
    o.account_id = s_.account.id;
    o.instrument_id = s_.instrument.id;
    o.side = side;
    o.quantity = Decimal::Parse(qty);
    o.strategy = "test";
    o.exit_reason = exit_reason;
    o.created_at = Next();
    Order created = s_.store.orders().Create(o);
    return s_.store.orders().Transition(s_.bot.id, created.id, OrderStatus::kAccepted, Next());
  }
  FillOutcome FillIt(const Order& o, const char* qty, const char* price, const char* fee = "0") {
    Fill f;
    f.bot_id = s_.bot.id;
    f.order_id = o.id;
    f.venue = "paper";
    f.venue_fill_id = "f" + std::to_string(++fill_seq_);
    f.quantity = Decimal::Parse(qty);
    f.price = Decimal::Parse(price);
    f.fee = Decimal::Parse(fee);
    f.time = Next();
    return s_.store.orders().RecordFill(f);
  }
  // Buys or sells `qty` at `price` in one order filled at once.
  FillOutcome Deal(Side side, const char* qty, const char* price, const char* fee = "0") {
    return FillIt(NewOrder(side, qty), qty, price, fee);
  }
  Timestamp Next() { return clock_ = clock_ + kMicrosPerMinute; }
  Decimal Cash() { return s_.store.accounts().BalanceOf(s_.bot.id, s_.account.id, "USDC"); }

  Seeded s_;
  Timestamp clock_ = Timestamp::Parse("2023-03-01T00:00:00Z");
  int fill_seq_ = 0;
};

TEST_P(Execution, LongRoundTripRealizesPnlAndFeesIntoTheLedger) {
  Deal(Side::kBuy, "2", "100", "0.2");
  Deal(Side::kBuy, "1", "103", "0.103");  // average entry 101
  s_.store.positions().Mark(s_.bot.id, s_.account.id, s_.instrument.id, "112"_d, "95"_d);
  FillOutcome part = Deal(Side::kSell, "1.5", "110", "0.165");
  EXPECT_EQ(part.change.realized_pnl, "13.5"_d);  // (110 - 101) * 1.5
  EXPECT_FALSE(part.closed_trade.has_value());
  EXPECT_EQ(part.position.quantity, "1.5"_d);
  EXPECT_EQ(part.position.average_entry_price, "101"_d);
  FillOutcome last = Deal(Side::kSell, "1.5", "98", "0.147");
  ASSERT_TRUE(last.closed_trade.has_value());
  const tradestore::Trade& t = *last.closed_trade;
  EXPECT_EQ(t.side, Side::kBuy);
  EXPECT_EQ(t.quantity, "3"_d);
  EXPECT_EQ(t.entry_price, "101"_d);
  EXPECT_EQ(t.exit_price, "104"_d);  // (1.5*110 + 1.5*98) / 3
  EXPECT_EQ(t.gross_pnl, "9"_d);     // 13.5 - 4.5
  EXPECT_EQ(t.fees, "0.615"_d);      // all four fills' fees
  EXPECT_EQ(t.net_pnl, "8.385"_d);
  EXPECT_EQ(t.mae, "6"_d);   // 101 - 95
  EXPECT_EQ(t.mfe, "11"_d);  // 112 - 101
  EXPECT_EQ(t.exit_reason, "signal");
  EXPECT_TRUE(last.position.is_flat());
  EXPECT_EQ(last.position.realized_pnl, "9"_d);
  EXPECT_EQ(Cash(), "8.385"_d);
  EXPECT_EQ(s_.store.ledger().SumEntries(s_.bot.id, s_.account.id, "USDC"), Cash());
  TradeFilter filter;
  filter.bot = s_.bot.id;
  auto trades = s_.store.trades().List(filter);
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].net_pnl, "8.385"_d);
  EXPECT_EQ(trades[0].duration(), 9 * kMicrosPerMinute);  // entry fill at tick 3, exit at 12
}

TEST_P(Execution, ShortTradeAndFlip) {
  Deal(Side::kSell, "2", "50");
  FillOutcome flip = Deal(Side::kBuy, "3", "45", "0.3");  // closes the short, opens 1 long
  ASSERT_TRUE(flip.closed_trade.has_value());
  EXPECT_TRUE(flip.change.flipped);
  EXPECT_EQ(flip.closed_trade->side, Side::kSell);
  EXPECT_EQ(flip.closed_trade->gross_pnl, "10"_d);  // (50 - 45) * 2
  EXPECT_EQ(flip.closed_trade->fees, "0.2"_d);      // 2/3 of the flip fill's fee
  EXPECT_EQ(flip.position.quantity, "1"_d);
  EXPECT_EQ(flip.position.average_entry_price, "45"_d);
  FillOutcome close = Deal(Side::kSell, "1", "40");
  ASSERT_TRUE(close.closed_trade.has_value());
  EXPECT_EQ(close.closed_trade->side, Side::kBuy);
  EXPECT_EQ(close.closed_trade->fees, "0.1"_d);
  EXPECT_EQ(close.closed_trade->net_pnl, "-5.1"_d);
  EXPECT_EQ(Cash(), "4.7"_d);  // 10 - 5 - 0.3
  EXPECT_EQ(s_.store.ledger().SumEntries(s_.bot.id, s_.account.id, "USDC"), Cash());
  EXPECT_EQ(s_.store.trades().List().size(), 2u);
}

TEST_P(Execution, DuplicateFillIsRecordedOnce) {
  Order o = NewOrder(Side::kBuy, "2");
  Fill f;
  f.bot_id = s_.bot.id;
  f.order_id = o.id;
  f.venue = "kraken";
  f.venue_fill_id = "T-1";
  f.quantity = "1"_d;
  f.price = "100"_d;
  f.fee = "0.1"_d;
  f.time = Next();
  FillOutcome first = s_.store.orders().RecordFill(f);
  FillOutcome again = s_.store.orders().RecordFill(f);
  EXPECT_FALSE(first.duplicate);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.fill.id, first.fill.id);
  EXPECT_EQ(s_.store.orders().Fills(s_.bot.id, o.id).size(), 1u);
  Order now = s_.store.orders().Get(s_.bot.id, o.id);
  EXPECT_EQ(now.filled_quantity, "1"_d);
  EXPECT_EQ(now.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(Cash(), "-0.1"_d);
  EXPECT_EQ(s_.store.positions().Get(s_.bot.id, s_.account.id, s_.instrument.id)->quantity, "1"_d);
}

// A venue fill id reported again with other values is not the same fill: a
// conflict naming each differing field, and nothing changes.
TEST_P(Execution, FillResentWithOtherValuesIsAConflict) {
  Order o = NewOrder(Side::kBuy, "2");
  Fill f;
  f.bot_id = s_.bot.id;
  f.order_id = o.id;
  f.venue = "kraken";
  f.venue_fill_id = "T-9";
  f.quantity = "1"_d;
  f.price = "100"_d;
  f.fee = "0.1"_d;
  f.time = Next();
  s_.store.orders().RecordFill(f);
  Fill other = f;
  other.price = "100.5"_d;
  other.quantity = "0.5"_d;
  try {
    s_.store.orders().RecordFill(other);
    FAIL() << "a resend with another price and quantity was taken as the same fill";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    const std::string what = e.what();
    EXPECT_NE(what.find("quantity 0.5 (stored 1)"), std::string::npos) << what;
    EXPECT_NE(what.find("price 100.5 (stored 100)"), std::string::npos) << what;
  }
  // Without a time the store stamps now and does not compare it.
  Fill no_time = f;
  no_time.time = Timestamp();
  EXPECT_TRUE(s_.store.orders().RecordFill(no_time).duplicate);
  EXPECT_EQ(s_.store.orders().Fills(s_.bot.id, o.id).size(), 1u);
  EXPECT_EQ(s_.store.orders().Get(s_.bot.id, o.id).filled_quantity, "1"_d);
}

TEST_P(Execution, FillOnCancelledOrderIsRefusedAndChangesNothing) {
  Order o = NewOrder(Side::kBuy, "1");
  s_.store.orders().Transition(s_.bot.id, o.id, OrderStatus::kCancelled, Next(), "user");
  try {
    FillIt(o, "1", "100", "0.1");
    FAIL() << "fill on a cancelled order was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("order " + std::to_string(o.id)), std::string::npos) << msg;
    EXPECT_NE(msg.find("cancelled"), std::string::npos) << msg;
  }
  EXPECT_TRUE(s_.store.orders().Fills(s_.bot.id, o.id).empty());
  EXPECT_FALSE(s_.store.positions().Get(s_.bot.id, s_.account.id, s_.instrument.id).has_value());
  EXPECT_TRUE(s_.store.ledger().Entries(s_.bot.id, s_.account.id).empty());
}

TEST_P(Execution, OverfillIsRefused) {
  Order o = NewOrder(Side::kBuy, "1");
  FillIt(o, "0.6", "100");
  EXPECT_THROW(FillIt(o, "0.6", "100"), Error);
  Order now = s_.store.orders().Get(s_.bot.id, o.id);
  EXPECT_EQ(now.filled_quantity, "0.6"_d);
  FillIt(o, "0.4", "101");
  now = s_.store.orders().Get(s_.bot.id, o.id);
  EXPECT_EQ(now.status, OrderStatus::kFilled);
  EXPECT_EQ(*now.average_fill_price, "100.4"_d);
  auto events = s_.store.orders().Events(s_.bot.id, o.id);
  ASSERT_EQ(events.size(), 4u);  // created, accepted, partially filled, filled
  EXPECT_FALSE(events[0].from_status.has_value());
  EXPECT_EQ(events[3].to_status, OrderStatus::kFilled);
}

TEST_P(Execution, OrderValidation) {
  Order o;
  o.bot_id = s_.bot.id;
  o.account_id = s_.account.id;
  o.instrument_id = s_.instrument.id;
  o.quantity = "0"_d;
  EXPECT_THROW(s_.store.orders().Create(o), Error);
  o.quantity = "1"_d;
  o.type = OrderType::kLimit;
  EXPECT_THROW(s_.store.orders().Create(o), Error);  // limit without price
  o.limit_price = "-1"_d;
  EXPECT_THROW(s_.store.orders().Create(o), Error);
  o.limit_price = "10"_d;
  o.client_order_id = "abc";
  s_.store.orders().Create(o);
  try {
    s_.store.orders().Create(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kConflict);
  }
  EXPECT_EQ(s_.store.orders().List(s_.bot.id).size(), 1u);
}

TEST_P(Execution, RepositoryEnforcesEveryTransition) {
  for (OrderStatus from : kAllStatuses) {
    for (OrderStatus to : kAllStatuses) {
      if (to == OrderStatus::kPartiallyFilled || to == OrderStatus::kFilled) continue;  // by fills
      Order o;
      o.bot_id = s_.bot.id;
      o.account_id = s_.account.id;
      o.instrument_id = s_.instrument.id;
      o.quantity = "2"_d;
      o = s_.store.orders().Create(o);
      if (from != OrderStatus::kNew) {
        if (from != OrderStatus::kRejected) {
          s_.store.orders().Transition(s_.bot.id, o.id, OrderStatus::kAccepted, Next());
        }
        if (from == OrderStatus::kPartiallyFilled) FillIt(o, "1", "10");
        if (from == OrderStatus::kFilled) FillIt(o, "2", "10");
        if (from == OrderStatus::kCancelled || from == OrderStatus::kExpired ||
            from == OrderStatus::kRejected) {
          s_.store.orders().Transition(s_.bot.id, o.id, from, Next());
        }
      }
      ASSERT_EQ(s_.store.orders().Get(s_.bot.id, o.id).status, from);
      const std::size_t events = s_.store.orders().Events(s_.bot.id, o.id).size();
      if (CanTransition(from, to)) {
        EXPECT_EQ(s_.store.orders().Transition(s_.bot.id, o.id, to, Next()).status, to)
            << ToString(from) << " -> " << ToString(to);
      } else {
        try {
          s_.store.orders().Transition(s_.bot.id, o.id, to, Next());
          ADD_FAILURE() << "allowed " << ToString(from) << " -> " << ToString(to);
        } catch (const Error& e) {
          EXPECT_EQ(e.kind(), ErrorKind::kConflict);
        }
        EXPECT_EQ(s_.store.orders().Get(s_.bot.id, o.id).status, from);
        EXPECT_EQ(s_.store.orders().Events(s_.bot.id, o.id).size(), events);
      }
    }
  }
}

TRADESTORE_ON_ALL_BACKENDS(Execution);

}  // namespace
}  // namespace tradestore
