#include "tradestore/position.h"

#include <gtest/gtest.h>

#include <string>

#include "tradestore/error.h"

namespace tradestore {
namespace {

using literals::operator""_d;

// Decimals are compared through their canonical text so that a failure
// prints readable values.
std::string S(Decimal d) { return d.ToString(); }

constexpr Timestamp kT1 = Timestamp::FromSeconds(1'700'000'000);
constexpr Timestamp kT2 = kT1 + kMicrosPerMinute;
constexpr Timestamp kT3 = kT2 + kMicrosPerMinute;
constexpr Timestamp kT4 = kT3 + kMicrosPerMinute;

Position Flat() {
  Position p;
  p.bot_id = 7;
  p.account_id = 8;
  p.instrument_id = 9;
  return p;
}

TEST(ApplyFillTest, OpensLongFromFlat) {
  const PositionChange c = ApplyFill(Flat(), Side::kBuy, "2"_d, "100"_d, kT1);
  EXPECT_EQ(S(c.after.quantity), "2");
  EXPECT_EQ(S(c.after.average_entry_price), "100");
  EXPECT_EQ(S(c.after.realized_pnl), "0");
  EXPECT_EQ(c.after.opened_at, kT1);
  EXPECT_EQ(c.after.updated_at, kT1);
  EXPECT_EQ(S(c.opened_quantity), "2");
  EXPECT_EQ(S(c.closed_quantity), "0");
  EXPECT_EQ(S(c.realized_pnl), "0");
  EXPECT_FALSE(c.closed);
  EXPECT_FALSE(c.flipped);
  EXPECT_EQ(c.after.bot_id, 7);
  EXPECT_EQ(c.after.account_id, 8);
  EXPECT_EQ(c.after.instrument_id, 9);
}

TEST(ApplyFillTest, LongIncreaseReduceAndClose) {
  Position p = ApplyFill(Flat(), Side::kBuy, "2"_d, "100"_d, kT1).after;

  // Increase: (2 * 100 + 1 * 103) / 3 = 101.
  PositionChange c = ApplyFill(p, Side::kBuy, "1"_d, "103"_d, kT2);
  EXPECT_EQ(S(c.after.quantity), "3");
  EXPECT_EQ(S(c.after.average_entry_price), "101");
  EXPECT_EQ(c.after.opened_at, kT1);
  EXPECT_EQ(c.after.updated_at, kT2);
  EXPECT_EQ(S(c.opened_quantity), "1");
  EXPECT_EQ(S(c.realized_pnl), "0");
  p = c.after;

  // Partial reduce: (110 - 101) * 1.5 = 13.5; the average is unchanged.
  c = ApplyFill(p, Side::kSell, "1.5"_d, "110"_d, kT3);
  EXPECT_EQ(S(c.after.quantity), "1.5");
  EXPECT_EQ(S(c.after.average_entry_price), "101");
  EXPECT_EQ(S(c.realized_pnl), "13.5");
  EXPECT_EQ(S(c.after.realized_pnl), "13.5");
  EXPECT_EQ(S(c.closed_quantity), "1.5");
  EXPECT_EQ(S(c.opened_quantity), "0");
  EXPECT_FALSE(c.closed);
  EXPECT_FALSE(c.flipped);
  EXPECT_EQ(c.after.opened_at, kT1);
  EXPECT_EQ(c.after.updated_at, kT3);
  p = c.after;

  // Close at a loss: (95 - 101) * 1.5 = -9; cumulative 13.5 - 9 = 4.5.
  c = ApplyFill(p, Side::kSell, "1.5"_d, "95"_d, kT4);
  EXPECT_TRUE(c.after.is_flat());
  EXPECT_EQ(S(c.after.average_entry_price), "0");
  EXPECT_EQ(S(c.realized_pnl), "-9");
  EXPECT_EQ(S(c.after.realized_pnl), "4.5");
  EXPECT_EQ(S(c.closed_quantity), "1.5");
  EXPECT_EQ(S(c.opened_quantity), "0");
  EXPECT_TRUE(c.closed);
  EXPECT_FALSE(c.flipped);
  EXPECT_EQ(c.after.updated_at, kT4);
}

TEST(ApplyFillTest, ShortOpenIncreaseReduceAndClose) {
  PositionChange c = ApplyFill(Flat(), Side::kSell, "4"_d, "50"_d, kT1);
  EXPECT_EQ(S(c.after.quantity), "-4");
  EXPECT_EQ(S(c.after.average_entry_price), "50");
  EXPECT_EQ(c.after.opened_at, kT1);
  EXPECT_EQ(S(c.opened_quantity), "4");

  // Increase: (4 * 50 + 1 * 55) / 5 = 51.
  c = ApplyFill(c.after, Side::kSell, "1"_d, "55"_d, kT2);
  EXPECT_EQ(S(c.after.quantity), "-5");
  EXPECT_EQ(S(c.after.average_entry_price), "51");
  EXPECT_EQ(c.after.opened_at, kT1);

  // Reduce with a gain: (45 - 51) * 2 * (-1) = 12.
  c = ApplyFill(c.after, Side::kBuy, "2"_d, "45"_d, kT3);
  EXPECT_EQ(S(c.after.quantity), "-3");
  EXPECT_EQ(S(c.after.average_entry_price), "51");
  EXPECT_EQ(S(c.realized_pnl), "12");
  EXPECT_EQ(S(c.closed_quantity), "2");
  EXPECT_FALSE(c.closed);

  // Close with a loss: (52 - 51) * 3 * (-1) = -3; cumulative 9.
  c = ApplyFill(c.after, Side::kBuy, "3"_d, "52"_d, kT4);
  EXPECT_TRUE(c.after.is_flat());
  EXPECT_EQ(S(c.after.average_entry_price), "0");
  EXPECT_EQ(S(c.realized_pnl), "-3");
  EXPECT_EQ(S(c.after.realized_pnl), "9");
  EXPECT_TRUE(c.closed);
  EXPECT_FALSE(c.flipped);
}

TEST(ApplyFillTest, FlipLongToShort) {
  const Position p = ApplyFill(Flat(), Side::kBuy, "2"_d, "100"_d, kT1).after;
  // Closes 2 realizing (104 - 100) * 2 = 8, then opens 3 short at 104.
  const PositionChange c = ApplyFill(p, Side::kSell, "5"_d, "104"_d, kT2);
  EXPECT_EQ(S(c.after.quantity), "-3");
  EXPECT_EQ(S(c.after.average_entry_price), "104");
  EXPECT_EQ(S(c.realized_pnl), "8");
  EXPECT_EQ(S(c.after.realized_pnl), "8");
  EXPECT_EQ(S(c.closed_quantity), "2");
  EXPECT_EQ(S(c.opened_quantity), "3");
  EXPECT_TRUE(c.closed);
  EXPECT_TRUE(c.flipped);
  EXPECT_EQ(c.after.opened_at, kT2);
  EXPECT_EQ(c.after.updated_at, kT2);
}

TEST(ApplyFillTest, FlipShortToLong) {
  const Position p = ApplyFill(Flat(), Side::kSell, "1"_d, "20"_d, kT1).after;
  // Closes 1 realizing (18.5 - 20) * 1 * (-1) = 1.5, then opens 0.25 long.
  const PositionChange c = ApplyFill(p, Side::kBuy, "1.25"_d, "18.5"_d, kT2);
  EXPECT_EQ(S(c.after.quantity), "0.25");
  EXPECT_EQ(S(c.after.average_entry_price), "18.5");
  EXPECT_EQ(S(c.realized_pnl), "1.5");
  EXPECT_EQ(S(c.closed_quantity), "1");
  EXPECT_EQ(S(c.opened_quantity), "0.25");
  EXPECT_TRUE(c.closed);
  EXPECT_TRUE(c.flipped);
  EXPECT_EQ(c.after.opened_at, kT2);
}

TEST(ApplyFillTest, ReopenAfterCloseResetsOpenedAt) {
  Position p = ApplyFill(Flat(), Side::kBuy, "1"_d, "10"_d, kT1).after;
  p = ApplyFill(p, Side::kSell, "1"_d, "11"_d, kT2).after;
  ASSERT_TRUE(p.is_flat());
  const PositionChange c = ApplyFill(p, Side::kSell, "2"_d, "12"_d, kT3);
  EXPECT_EQ(S(c.after.quantity), "-2");
  EXPECT_EQ(S(c.after.average_entry_price), "12");
  EXPECT_EQ(S(c.after.realized_pnl), "1");  // carried over from the closed position
  EXPECT_EQ(c.after.opened_at, kT3);
  EXPECT_FALSE(c.closed);
}

TEST(ApplyFillTest, AverageIsRoundedHalfEvenToScale) {
  // (1 * 100 + 2 * 101) / 3 = 100.666..., rounded to 18 places.
  Position p = ApplyFill(Flat(), Side::kBuy, "1"_d, "100"_d, kT1).after;
  p = ApplyFill(p, Side::kBuy, "2"_d, "101"_d, kT2).after;
  EXPECT_EQ(S(p.average_entry_price), "100.666666666666666667");
  // A further fill at the stored average leaves it exactly unchanged.
  const Position same = ApplyFill(p, Side::kBuy, "0.7"_d, p.average_entry_price, kT3).after;
  EXPECT_EQ(same.average_entry_price, p.average_entry_price);
  // Realized P&L uses the stored (rounded) average:
  // (101 - 100.666666666666666667) * 3 = 0.999999999999999999.
  const PositionChange c = ApplyFill(p, Side::kSell, "3"_d, "101"_d, kT3);
  EXPECT_EQ(S(c.realized_pnl), "0.999999999999999999");
}

TEST(ApplyFillTest, LeavesFeesAlone) {
  Position p = Flat();
  p.fees = "1.25"_d;
  p = ApplyFill(p, Side::kBuy, "1"_d, "10"_d, kT1).after;
  EXPECT_EQ(S(p.fees), "1.25");
  p = ApplyFill(p, Side::kSell, "3"_d, "9"_d, kT2).after;
  EXPECT_EQ(S(p.fees), "1.25");
}

TEST(ApplyFillTest, RejectsNonPositiveQuantityOrPrice) {
  const Position p = ApplyFill(Flat(), Side::kBuy, "1"_d, "10"_d, kT1).after;
  const auto expect_invalid = [&](Decimal quantity, Decimal price) {
    try {
      ApplyFill(p, Side::kSell, quantity, price, kT2);
      ADD_FAILURE() << "no error for quantity " << S(quantity) << " price " << S(price);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    }
  };
  expect_invalid("0"_d, "10"_d);
  expect_invalid("-1"_d, "10"_d);
  expect_invalid("1"_d, "0"_d);
  expect_invalid("1"_d, "-10"_d);
}

TEST(UnrealizedPnlTest, LongShortAndFlat) {
  Position p = ApplyFill(Flat(), Side::kBuy, "2"_d, "100"_d, kT1).after;
  p = ApplyFill(p, Side::kBuy, "1"_d, "103"_d, kT2).after;  // 3 @ 101
  EXPECT_EQ(S(UnrealizedPnl(p, "105"_d)), "12");
  EXPECT_EQ(S(UnrealizedPnl(p, "100.5"_d)), "-1.5");

  Position s = ApplyFill(Flat(), Side::kSell, "3"_d, "51"_d, kT1).after;
  EXPECT_EQ(S(UnrealizedPnl(s, "50"_d)), "3");
  EXPECT_EQ(S(UnrealizedPnl(s, "51.25"_d)), "-0.75");

  EXPECT_EQ(S(UnrealizedPnl(Flat(), "123"_d)), "0");
}

}  // namespace
}  // namespace tradestore
