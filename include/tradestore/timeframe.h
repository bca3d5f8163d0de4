// Candle timeframes. Buckets are aligned to UTC: minute and hour timeframes
// to multiples of their length since the epoch, 1d to UTC midnight, 1w to
// Monday 00:00 UTC.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "tradestore/timestamp.h"

namespace tradestore {

enum class Timeframe {
  k1m, k3m, k5m, k15m, k30m, k1h, k2h, k4h, k6h, k12h, k1d, k1w,
};

inline constexpr std::array<Timeframe, 12> kAllTimeframes = {
    Timeframe::k1m, Timeframe::k3m, Timeframe::k5m,  Timeframe::k15m,
    Timeframe::k30m, Timeframe::k1h, Timeframe::k2h, Timeframe::k4h,
    Timeframe::k6h, Timeframe::k12h, Timeframe::k1d, Timeframe::k1w};

// "1m", "3m", ..., "1d", "1w".
std::string_view ToString(Timeframe tf) noexcept;
// Inverse of ToString; also accepts "60m"/"1440m" style minute counts that
// equal a timeframe. Throws Error(kInvalidArgument) naming the text.
Timeframe ParseTimeframe(std::string_view text);
std::optional<Timeframe> TryParseTimeframe(std::string_view text) noexcept;

// Length of one bucket in microseconds.
Micros Duration(Timeframe tf) noexcept;
// Start of the bucket that contains t.
Timestamp FloorToTimeframe(Timestamp t, Timeframe tf) noexcept;
// Whether t is the start of a bucket.
bool IsAligned(Timestamp t, Timeframe tf) noexcept;

}  // namespace tradestore
