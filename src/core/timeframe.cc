#include "tradestore/timeframe.h"

#include <string>

#include "tradestore/error.h"

namespace tradestore {
namespace {

// 1970-01-01 was a Thursday; the first Monday, 1970-01-05, starts week buckets.
constexpr Micros kFirstMondayOffset = 4 * kMicrosPerDay;

// a mod b in [0, b) for b > 0, also for negative a.
Micros FloorMod(Micros a, Micros b) {
  const Micros r = a % b;
  return r < 0 ? r + b : r;
}

// "<minutes>m" for a positive count without leading zeros; 0 otherwise.
Micros ParseMinuteCount(std::string_view text) {
  if (text.size() < 2 || text.back() != 'm' || text.front() == '0') return 0;
  Micros minutes = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return 0;
    minutes = minutes * 10 + (c - '0');
    if (minutes > 1'000'000) return 0;  // far beyond the longest timeframe
  }
  return minutes;
}

}  // namespace

std::string_view ToString(Timeframe tf) noexcept {
  switch (tf) {
    case Timeframe::k1m:
      return "1m";
    case Timeframe::k3m:
      return "3m";
    case Timeframe::k5m:
      return "5m";
    case Timeframe::k15m:
      return "15m";
    case Timeframe::k30m:
      return "30m";
    case Timeframe::k1h:
      return "1h";
    case Timeframe::k2h:
      return "2h";
    case Timeframe::k4h:
      return "4h";
    case Timeframe::k6h:
      return "6h";
    case Timeframe::k12h:
      return "12h";
    case Timeframe::k1d:
      return "1d";
    case Timeframe::k1w:
      return "1w";
  }
  return "unknown";
}

std::optional<Timeframe> TryParseTimeframe(std::string_view text) noexcept {
  for (Timeframe tf : kAllTimeframes) {
    if (text == ToString(tf)) return tf;
  }
  const Micros minutes = ParseMinuteCount(text);
  if (minutes > 0) {
    for (Timeframe tf : kAllTimeframes) {
      if (minutes * kMicrosPerMinute == Duration(tf)) return tf;
    }
  }
  return std::nullopt;
}

Timeframe ParseTimeframe(std::string_view text) {
  if (auto tf = TryParseTimeframe(text)) return *tf;
  throw InvalidArgument("unknown timeframe \"" + std::string(text.substr(0, 80)) +
                        "\": expected 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 12h, 1d or 1w");
}

Micros Duration(Timeframe tf) noexcept {
  switch (tf) {
    case Timeframe::k1m:
      return kMicrosPerMinute;
    case Timeframe::k3m:
      return 3 * kMicrosPerMinute;
    case Timeframe::k5m:
      return 5 * kMicrosPerMinute;
    case Timeframe::k15m:
      return 15 * kMicrosPerMinute;
    case Timeframe::k30m:
      return 30 * kMicrosPerMinute;
    case Timeframe::k1h:
      return kMicrosPerHour;
    case Timeframe::k2h:
      return 2 * kMicrosPerHour;
    case Timeframe::k4h:
      return 4 * kMicrosPerHour;
    case Timeframe::k6h:
      return 6 * kMicrosPerHour;
    case Timeframe::k12h:
      return 12 * kMicrosPerHour;
    case Timeframe::k1d:
      return kMicrosPerDay;
    case Timeframe::k1w:
      return 7 * kMicrosPerDay;
  }
  return kMicrosPerMinute;
}

Timestamp FloorToTimeframe(Timestamp t, Timeframe tf) noexcept {
  const Micros length = Duration(tf);
  // Every timeframe up to 1d divides a day, so buckets counted from the
  // epoch (a UTC midnight) are aligned; weeks count from a Monday instead.
  const Micros origin = tf == Timeframe::k1w ? kFirstMondayOffset : 0;
  Micros into_bucket = FloorMod(t.micros(), length) - origin;
  if (into_bucket < 0) into_bucket += length;
  return Timestamp(t.micros() - into_bucket);
}

bool IsAligned(Timestamp t, Timeframe tf) noexcept { return FloorToTimeframe(t, tf) == t; }

}  // namespace tradestore
