// Points in time: int64 microseconds since the Unix epoch, UTC, everywhere
// in the API. Shown as ISO-8601 with a 'Z' suffix.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tradestore {

// A span of time in microseconds.
using Micros = std::int64_t;
inline constexpr Micros kMicrosPerSecond = 1'000'000;
inline constexpr Micros kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr Micros kMicrosPerHour = 60 * kMicrosPerMinute;
inline constexpr Micros kMicrosPerDay = 24 * kMicrosPerHour;

class Timestamp {
 public:
  // The epoch, 1970-01-01T00:00:00Z.
  constexpr Timestamp() noexcept = default;
  constexpr explicit Timestamp(std::int64_t micros) noexcept : micros_(micros) {}

  static constexpr Timestamp FromSeconds(std::int64_t s) noexcept {
    return Timestamp(s * kMicrosPerSecond);
  }
  static constexpr Timestamp FromMillis(std::int64_t ms) noexcept { return Timestamp(ms * 1000); }
  // Civil UTC date and time; fields are not range-checked beyond what
  // Parse checks, use Parse for untrusted input.
  static Timestamp FromCivil(int year, unsigned month, unsigned day, int hour = 0, int minute = 0,
                             int second = 0, std::int64_t micros = 0);
  // The current wall-clock time.
  static Timestamp Now() noexcept;

  // The first and last instants of the four-digit years of ISO-8601,
  // 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z: every text form of
  // a time writes them and Parse reads them back, so they bound what a store
  // holds and what the readers below return.
  static constexpr std::int64_t kMinMicros = -62135596800LL * 1000000;
  static constexpr std::int64_t kMaxMicros = 253402300800LL * 1000000 - 1;
  constexpr bool InIsoRange() const noexcept {
    return micros_ >= kMinMicros && micros_ <= kMaxMicros;
  }

  // Unix time in a unit told by its magnitude, as exchanges and data
  // vendors write it: |value| < 1e11 is seconds (to the year 5138), < 1e14
  // milliseconds, < 1e17 microseconds, else nanoseconds (truncated to µs,
  // toward the epoch). Non-negative values are never out of range (the
  // largest of each unit falls before 9999); negative seconds below
  // -62135596800 fall before the year 1, so check InIsoRange() on input
  // that may be negative.
  static Timestamp FromUnixAnyUnit(std::int64_t value) noexcept;
  // `value` units of `micros_per_unit` µs each (1e6: fractional seconds;
  // 1000: milliseconds), rounded to the nearest µs; nullopt when not finite
  // or outside [kMinMicros, kMaxMicros].
  static std::optional<Timestamp> FromUnixScaled(double value, double micros_per_unit) noexcept;

  // Parses ISO-8601: "YYYY-MM-DD", or date and time separated by 'T' or a
  // space, "HH:MM", "HH:MM:SS" or "HH:MM:SS.f" (1 to 6 fraction digits),
  // optionally followed by 'Z', "+HH:MM", "-HH:MM" or "+HHMM" (the offset is
  // applied to give UTC). Without a suffix the time is taken as UTC. Throws
  // Error(kInvalidArgument) quoting the text when malformed or out of range
  // (month 13, day 31 of a 30-day month, hour 24, ...).
  static Timestamp Parse(std::string_view text);
  static std::optional<Timestamp> TryParse(std::string_view text) noexcept;

  constexpr std::int64_t micros() const noexcept { return micros_; }
  // Seconds since the epoch, rounded toward -infinity.
  constexpr std::int64_t seconds() const noexcept {
    return micros_ >= 0 ? micros_ / kMicrosPerSecond
                        : -((-micros_ + kMicrosPerSecond - 1) / kMicrosPerSecond);
  }

  // "2023-03-01T00:00:00Z", with ".ffffff" only when micros are non-zero.
  std::string ToIso() const;
  // "2023-03-01": the UTC calendar date.
  std::string ToDateString() const;

  friend constexpr auto operator<=>(Timestamp, Timestamp) noexcept = default;
  friend constexpr Timestamp operator+(Timestamp t, Micros d) noexcept {
    return Timestamp(t.micros_ + d);
  }
  friend constexpr Timestamp operator-(Timestamp t, Micros d) noexcept {
    return Timestamp(t.micros_ - d);
  }
  friend constexpr Micros operator-(Timestamp a, Timestamp b) noexcept {
    return a.micros_ - b.micros_;
  }

 private:
  std::int64_t micros_ = 0;
};

}  // namespace tradestore
