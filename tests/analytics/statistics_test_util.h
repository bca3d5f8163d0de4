// Helpers shared by the statistics tests.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <optional>

#include "tradestore/decimal.h"
#include "tradestore/order_types.h"
#include "tradestore/statistic_functions.h"
#include "tradestore/timestamp.h"
#include "tradestore/trade.h"

namespace tradestore::testing_util {

// A UTC instant.
inline Timestamp At(int year, unsigned month, unsigned day, int hour = 0, int minute = 0,
                    int second = 0, std::int64_t micros = 0) {
  return Timestamp::FromCivil(year, month, day, hour, minute, second, micros);
}

// An exact amount given in hundredths ("cents"): Cents(-4025) is -40.25.
inline Decimal Cents(std::int64_t cents) {
  constexpr Decimal::Rep kUnitsPerCent = 10'000'000'000'000'000;  // 10^16
  return Decimal::FromUnits(static_cast<Decimal::Rep>(cents) * kUnitsPerCent);
}

// A closed trade with the fields the statistics read; gross = net + fees.
inline Trade MakeTrade(Side side, std::int64_t net_cents, std::int64_t fee_cents) {
  Trade t;
  t.side = side;
  t.net_pnl = Cents(net_cents);
  t.fees = Cents(fee_cents);
  t.gross_pnl = Cents(net_cents + fee_cents);
  return t;
}

// Expected values come from Python and may differ from ours in the last
// bits (Python's statistics.mean sums exactly), hence a relative tolerance.
inline void ExpectClose(const std::optional<double>& actual, double expected,
                        double relative = 1e-12) {
  ASSERT_TRUE(actual.has_value()) << "expected " << expected << ", got undefined";
  EXPECT_NEAR(*actual, expected, std::abs(expected) * relative + 1e-15);
}

}  // namespace tradestore::testing_util
