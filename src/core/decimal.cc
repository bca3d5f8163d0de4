#include "tradestore/decimal.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <system_error>

#include "tradestore/error.h"

namespace tradestore {
namespace {

using Int128 = Decimal::Rep;
__extension__ typedef unsigned __int128 Uint128;

constexpr Uint128 kUint128Max = ~Uint128{0};
constexpr Int128 kRepMax = static_cast<Int128>(kUint128Max >> 1);
constexpr Int128 kRepMin = -kRepMax - 1;
// |kRepMin| = 2^127, the largest magnitude a negative value may have.
constexpr Uint128 kNegativeMagnitudeLimit = Uint128{1} << 127;
constexpr Uint128 kPositiveMagnitudeLimit = static_cast<Uint128>(kRepMax);
// 10^kScale: the number of units in 1.
constexpr std::uint64_t kUnitsPerOne = 1'000'000'000'000'000'000ULL;
// Digits of the largest Uint128 (3.4e38).
constexpr int kMaxUint128Digits = 39;

constexpr std::array<Uint128, kMaxUint128Digits> kPow10 = [] {
  std::array<Uint128, kMaxUint128Digits> table{};
  Uint128 p = 1;
  for (auto& entry : table) {
    entry = p;
    p *= 10;
  }
  return table;
}();

Uint128 Magnitude(Int128 v) {
  return v < 0 ? Uint128{0} - static_cast<Uint128>(v) : static_cast<Uint128>(v);
}

// The signed value with magnitude `magnitude`; false when it is out of range.
bool FromMagnitude(Uint128 magnitude, bool negative, Int128* out) {
  if (negative) {
    if (magnitude > kNegativeMagnitudeLimit) return false;
    *out = static_cast<Int128>(Uint128{0} - magnitude);  // modular since C++20
  } else {
    if (magnitude > kPositiveMagnitudeLimit) return false;
    *out = static_cast<Int128>(magnitude);
  }
  return true;
}

// Sign of (remainder - divisor / 2) computed without overflow, 0 <= remainder < divisor.
int CompareToHalf(Uint128 remainder, Uint128 divisor) {
  const Uint128 rest = divisor - remainder;
  return remainder < rest ? -1 : (remainder == rest ? 0 : 1);
}

// Rounding decision on an exact division of magnitudes: whether the
// truncated quotient must grow by one (away from zero). `negative` is the
// sign of the exact result, `half_cmp` compares the discarded part with one
// half of the last kept digit, `inexact` says whether anything was discarded.
bool RoundsAwayFromZero(RoundingMode mode, bool negative, bool quotient_odd, int half_cmp,
                        bool inexact) {
  if (!inexact) return false;
  switch (mode) {
    case RoundingMode::kDown:
      return false;
    case RoundingMode::kUp:
      return true;
    case RoundingMode::kFloor:
      return negative;
    case RoundingMode::kCeiling:
      return !negative;
    case RoundingMode::kHalfUp:
      return half_cmp >= 0;
    case RoundingMode::kHalfDown:
      return half_cmp > 0;
    case RoundingMode::kHalfEven:
      return half_cmp > 0 || (half_cmp == 0 && quotient_odd);
  }
  return false;
}

// An unsigned 256-bit integer as two 128-bit halves.
struct Uint256 {
  Uint128 hi = 0;
  Uint128 lo = 0;
};

// Full product of two 128-bit magnitudes, by 64-bit limbs.
Uint256 MultiplyWide(Uint128 a, Uint128 b) {
  const Uint128 kLow64 = ~std::uint64_t{0};
  const Uint128 a0 = a & kLow64, a1 = a >> 64;
  const Uint128 b0 = b & kLow64, b1 = b >> 64;
  const Uint128 p00 = a0 * b0;
  const Uint128 p01 = a0 * b1;
  const Uint128 p10 = a1 * b0;
  const Uint128 p11 = a1 * b1;
  // At most 3 * (2^64 - 1): no overflow.
  const Uint128 middle = (p00 >> 64) + (p01 & kLow64) + (p10 & kLow64);
  Uint256 r;
  r.lo = (middle << 64) | (p00 & kLow64);
  r.hi = p11 + (p01 >> 64) + (p10 >> 64) + (middle >> 64);
  return r;
}

// n / d for a 64-bit divisor, limb by limb; returns the remainder.
std::uint64_t DivideWide(Uint256 n, std::uint64_t d, Uint256* quotient) {
  const std::uint64_t limbs[4] = {
      static_cast<std::uint64_t>(n.hi >> 64), static_cast<std::uint64_t>(n.hi),
      static_cast<std::uint64_t>(n.lo >> 64), static_cast<std::uint64_t>(n.lo)};
  std::uint64_t q[4];
  Uint128 remainder = 0;
  for (int i = 0; i < 4; ++i) {
    // remainder < d < 2^64, so the running value fits in 128 bits.
    const Uint128 current = (remainder << 64) | limbs[i];
    q[i] = static_cast<std::uint64_t>(current / d);
    remainder = current % d;
  }
  quotient->hi = (Uint128{q[0]} << 64) | q[1];
  quotient->lo = (Uint128{q[2]} << 64) | q[3];
  return static_cast<std::uint64_t>(remainder);
}

// n / d for a 128-bit divisor (d > 0) by shift-and-subtract long division.
// Returns false when the quotient does not fit in 128 bits.
bool DivideWide(Uint256 n, Uint128 d, Uint128* quotient, Uint128* remainder) {
  if (n.hi == 0) {
    *quotient = n.lo / d;
    *remainder = n.lo % d;
    return true;
  }
  if (n.hi >= d) return false;  // the quotient is at least 2^128
  // Invariant: rem < d. Each step brings down one bit of n.lo.
  Uint128 rem = n.hi;
  Uint128 q = 0;
  for (int bit = 127; bit >= 0; --bit) {
    const bool carry = (rem >> 127) != 0;  // rem * 2 needs a 129th bit
    rem = (rem << 1) | ((n.lo >> bit) & 1);
    q <<= 1;
    if (carry || rem >= d) {
      rem -= d;  // modular arithmetic gives the right value when carry is set
      q |= 1;
    }
  }
  *quotient = q;
  *remainder = rem;
  return true;
}

// Rounds `units` to a multiple of `step` (> 0). False on overflow.
bool RoundToMultiple(Int128 units, Uint128 step, RoundingMode mode, Int128* out) {
  const bool negative = units < 0;
  const Uint128 magnitude = Magnitude(units);
  Uint128 q = magnitude / step;
  const Uint128 r = magnitude % step;
  if (RoundsAwayFromZero(mode, negative, (q & 1) != 0, CompareToHalf(r, step), r != 0)) {
    ++q;  // cannot wrap: r != 0 implies step > 1
  }
  Uint128 result;
  if (__builtin_mul_overflow(q, step, &result)) return false;
  return FromMagnitude(result, negative, out);
}

std::string QuoteForMessage(std::string_view text) {
  constexpr std::size_t kMaxShown = 80;
  std::string quoted = "\"";
  if (text.size() > kMaxShown) {
    quoted.append(text.substr(0, kMaxShown));
    quoted.append("...");
  } else {
    quoted.append(text);
  }
  quoted.push_back('"');
  return quoted;
}

// Writes the canonical text of `units` to `buffer`, which holds at least
// kFormatBufferSize characters; returns its length.
constexpr std::size_t kFormatBufferSize = 64;
std::size_t FormatUnits(Int128 units, char* buffer) {
  const Uint128 magnitude = Magnitude(units);
  Uint128 integer_part = magnitude / kUnitsPerOne;
  std::uint64_t fraction = static_cast<std::uint64_t>(magnitude % kUnitsPerOne);
  std::size_t length = 0;
  if (units < 0) buffer[length++] = '-';
  char reversed[kMaxUint128Digits];
  int count = 0;
  do {
    reversed[count++] = static_cast<char>('0' + static_cast<int>(integer_part % 10));
    integer_part /= 10;
  } while (integer_part != 0);
  while (count > 0) buffer[length++] = reversed[--count];
  if (fraction != 0) {
    buffer[length++] = '.';
    int digits = Decimal::kScale;
    while (fraction % 10 == 0) {
      fraction /= 10;
      --digits;
    }
    for (int i = digits - 1; i >= 0; --i) {
      buffer[length + static_cast<std::size_t>(i)] = static_cast<char>('0' + fraction % 10);
      fraction /= 10;
    }
    length += static_cast<std::size_t>(digits);
  }
  return length;
}

enum class ParseStatus { kOk, kMalformed, kTooManyFractionDigits, kOutOfRange };

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Multiplies `value` by 10 and adds `digit`; false on overflow.
bool AppendDigit(Uint128* value, char digit) {
  return !__builtin_mul_overflow(*value, Uint128{10}, value) &&
         !__builtin_add_overflow(*value, static_cast<Uint128>(digit - '0'), value);
}

// Parses the decimal grammar of decimal.h into units, keeping `places`
// fraction digits (0..kScale). Digits beyond them are rounded with `mode`
// when one is given and refused otherwise. Never throws.
ParseStatus ParseUnits(std::string_view text, int places, const RoundingMode* mode,
                       Int128* out) noexcept {
  const std::size_t n = text.size();
  std::size_t i = 0;
  bool negative = false;
  if (i < n && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  const std::size_t int_begin = i;
  while (i < n && IsDigit(text[i])) ++i;
  const std::size_t int_length = i - int_begin;
  std::size_t frac_begin = i;
  std::size_t frac_length = 0;
  if (i < n && text[i] == '.') {
    frac_begin = ++i;
    while (i < n && IsDigit(text[i])) ++i;
    frac_length = i - frac_begin;
  }
  if (int_length + frac_length == 0) return ParseStatus::kMalformed;

  // Exponent, saturated far beyond any value that can be in range.
  constexpr std::int64_t kExponentCap = 1'000'000;
  std::int64_t exponent = 0;
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < n && (text[i] == '+' || text[i] == '-')) {
      exponent_negative = text[i] == '-';
      ++i;
    }
    const std::size_t exponent_begin = i;
    while (i < n && IsDigit(text[i])) {
      if (exponent < kExponentCap) exponent = exponent * 10 + (text[i] - '0');
      ++i;
    }
    if (i == exponent_begin) return ParseStatus::kMalformed;
    if (exponent_negative) exponent = -exponent;
  }
  if (i != n) return ParseStatus::kMalformed;

  // The mantissa digits, integer then fraction, as one virtual sequence.
  const std::size_t total = int_length + frac_length;
  auto digit_at = [&](std::size_t k) {
    return k < int_length ? text[int_begin + k] : text[frac_begin + (k - int_length)];
  };
  std::size_t first = 0;
  while (first < total && digit_at(first) == '0') ++first;
  if (first == total) {
    *out = 0;
    return ParseStatus::kOk;
  }
  std::size_t last = total;  // one past the last non-zero digit
  while (digit_at(last - 1) == '0') --last;
  const std::int64_t length = static_cast<std::int64_t>(last - first);
  // value = significant digits * 10^exponent10; scaled = value * 10^places.
  const std::int64_t exponent10 =
      exponent - static_cast<std::int64_t>(frac_length) + static_cast<std::int64_t>(total - last);
  const std::int64_t shift = exponent10 + places;

  Uint128 scaled = 0;
  if (shift >= 0) {
    if (length + shift > kMaxUint128Digits) return ParseStatus::kOutOfRange;
    for (std::size_t k = first; k < last; ++k) {
      if (!AppendDigit(&scaled, digit_at(k))) return ParseStatus::kOutOfRange;
    }
    if (__builtin_mul_overflow(scaled, kPow10[static_cast<std::size_t>(shift)], &scaled)) {
      return ParseStatus::kOutOfRange;
    }
  } else {
    if (mode == nullptr) return ParseStatus::kTooManyFractionDigits;
    const std::int64_t kept = length + shift;  // may be <= 0
    if (kept > kMaxUint128Digits) return ParseStatus::kOutOfRange;
    int half_cmp = -1;  // kept < 0: the discarded part is below 0.1
    if (kept >= 0) {
      for (std::int64_t k = 0; k < kept; ++k) {
        if (!AppendDigit(&scaled, digit_at(first + static_cast<std::size_t>(k)))) {
          return ParseStatus::kOutOfRange;
        }
      }
      const char first_discarded = digit_at(first + static_cast<std::size_t>(kept));
      // The last significant digit is non-zero, so anything after the first
      // discarded digit makes the discarded part exceed it.
      const bool more_discarded = kept + 1 < length;
      half_cmp = first_discarded > '5' ? 1 : first_discarded < '5' ? -1 : (more_discarded ? 1 : 0);
    }
    if (RoundsAwayFromZero(*mode, negative, (scaled & 1) != 0, half_cmp, true) &&
        __builtin_add_overflow(scaled, Uint128{1}, &scaled)) {
      return ParseStatus::kOutOfRange;
    }
  }
  Uint128 magnitude;
  if (__builtin_mul_overflow(scaled, kPow10[static_cast<std::size_t>(Decimal::kScale - places)],
                             &magnitude)) {
    return ParseStatus::kOutOfRange;
  }
  return FromMagnitude(magnitude, negative, out) ? ParseStatus::kOk : ParseStatus::kOutOfRange;
}

void CheckPlaces(int places, const char* operation) {
  if (places < 0 || places > Decimal::kScale) {
    throw InvalidArgument(std::string(operation) + ": places must be 0..18, got " +
                          std::to_string(places));
  }
}

Error OverflowError(const char* operation, Decimal a, const char* op, Decimal b) {
  return InvalidArgument(std::string("Decimal ") + operation + " overflows: " + a.ToString() + " " +
                         op + " " + b.ToString());
}

}  // namespace

Decimal Decimal::FromInt(std::int64_t value) noexcept {
  // |int64| * 10^18 < 9.3e36, well inside the range.
  return Decimal(static_cast<Rep>(value) * static_cast<Rep>(kUnitsPerOne));
}

Decimal Decimal::Parse(std::string_view text) {
  Rep units = 0;
  switch (ParseUnits(text, kScale, nullptr, &units)) {
    case ParseStatus::kOk:
      return Decimal(units);
    case ParseStatus::kMalformed:
      throw InvalidArgument("invalid decimal " + QuoteForMessage(text));
    case ParseStatus::kTooManyFractionDigits:
      throw InvalidArgument("invalid decimal " + QuoteForMessage(text) +
                            ": more than 18 fraction digits");
    case ParseStatus::kOutOfRange:
      throw InvalidArgument("invalid decimal " + QuoteForMessage(text) + ": out of range");
  }
  throw InvalidArgument("invalid decimal " + QuoteForMessage(text));
}

std::optional<Decimal> Decimal::TryParse(std::string_view text) noexcept {
  Rep units = 0;
  if (ParseUnits(text, kScale, nullptr, &units) != ParseStatus::kOk) return std::nullopt;
  return Decimal(units);
}

std::optional<Decimal> Decimal::TryParseRounded(std::string_view text, int places,
                                                RoundingMode mode) {
  CheckPlaces(places, "Decimal::TryParseRounded");
  Rep units = 0;
  if (ParseUnits(text, places, &mode, &units) != ParseStatus::kOk) return std::nullopt;
  return Decimal(units);
}

Decimal Decimal::FromDouble(double value, int places, RoundingMode mode) {
  CheckPlaces(places, "Decimal::FromDouble");
  char buffer[kFormatBufferSize];
  if (!std::isfinite(value)) {
    throw InvalidArgument(std::string("Decimal::FromDouble: not a finite number: ") +
                          (std::isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf")));
  }
  // The fewest significant digits that read back as the same double, so
  // 0.1 gives "1e-01". Scientific form because the plain overload prints
  // large integers in full (8.982981344126708e17 as 898298134412670848).
  const auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  const std::string_view text(buffer,
                              ec == std::errc() ? static_cast<std::size_t>(end - buffer) : 0);
  Rep units = 0;
  if (ParseUnits(text, places, &mode, &units) != ParseStatus::kOk) {
    throw InvalidArgument("Decimal::FromDouble: " + std::string(text) + " is out of range");
  }
  return Decimal(units);
}

double Decimal::ToDouble() const noexcept {
  char buffer[kFormatBufferSize];
  const std::size_t length = FormatUnits(units_, buffer);
  // from_chars rounds correctly to nearest and ignores the locale.
  double value = 0;
  std::from_chars(buffer, buffer + length, value);
  return value;
}

std::string Decimal::ToString() const {
  char buffer[kFormatBufferSize];
  return std::string(buffer, FormatUnits(units_, buffer));
}

Decimal Decimal::Abs() const { return units_ < 0 ? -*this : *this; }

Decimal Decimal::Round(int places, RoundingMode mode) const {
  CheckPlaces(places, "Decimal::Round");
  Rep result;
  if (!RoundToMultiple(units_, kPow10[static_cast<std::size_t>(kScale - places)], mode, &result)) {
    throw InvalidArgument("Decimal rounding overflows: " + ToString() + " to " +
                          std::to_string(places) + " places");
  }
  return Decimal(result);
}

Decimal Decimal::RoundToIncrement(Decimal increment, RoundingMode mode) const {
  if (increment.units_ <= 0) {
    throw InvalidArgument("Decimal::RoundToIncrement: increment must be positive, got " +
                          increment.ToString());
  }
  Rep result;
  if (!RoundToMultiple(units_, static_cast<Uint128>(increment.units_), mode, &result)) {
    throw InvalidArgument("Decimal rounding overflows: " + ToString() + " to a multiple of " +
                          increment.ToString());
  }
  return Decimal(result);
}

Decimal Decimal::Mul(Decimal other, RoundingMode mode) const {
  const bool negative = (units_ < 0) != (other.units_ < 0);
  Uint256 quotient;
  const std::uint64_t remainder =
      DivideWide(MultiplyWide(Magnitude(units_), Magnitude(other.units_)), kUnitsPerOne, &quotient);
  Uint128 magnitude = quotient.lo;
  bool ok = quotient.hi == 0;
  if (ok && RoundsAwayFromZero(mode, negative, (magnitude & 1) != 0,
                               CompareToHalf(remainder, kUnitsPerOne), remainder != 0)) {
    ok = !__builtin_add_overflow(magnitude, Uint128{1}, &magnitude);
  }
  Rep result;
  if (!ok || !FromMagnitude(magnitude, negative, &result)) {
    throw OverflowError("multiplication", *this, "*", other);
  }
  return Decimal(result);
}

Decimal Decimal::Div(Decimal divisor, RoundingMode mode) const {
  if (divisor.units_ == 0) {
    throw InvalidArgument("Decimal division by zero: " + ToString() + " / 0");
  }
  const bool negative = (units_ < 0) != (divisor.units_ < 0);
  const Uint128 d = Magnitude(divisor.units_);
  Uint128 magnitude, remainder;
  bool ok = DivideWide(MultiplyWide(Magnitude(units_), kUnitsPerOne), d, &magnitude, &remainder);
  if (ok && RoundsAwayFromZero(mode, negative, (magnitude & 1) != 0, CompareToHalf(remainder, d),
                               remainder != 0)) {
    ok = !__builtin_add_overflow(magnitude, Uint128{1}, &magnitude);
  }
  Rep result;
  if (!ok || !FromMagnitude(magnitude, negative, &result)) {
    throw OverflowError("division", *this, "/", divisor);
  }
  return Decimal(result);
}

Decimal Decimal::operator-() const {
  if (units_ == kRepMin) {
    throw InvalidArgument("Decimal negation overflows: -(" + ToString() + ")");
  }
  return Decimal(-units_);
}

Decimal& Decimal::operator+=(Decimal other) {
  Rep result;
  if (__builtin_add_overflow(units_, other.units_, &result)) {
    throw OverflowError("addition", *this, "+", other);
  }
  units_ = result;
  return *this;
}

Decimal& Decimal::operator-=(Decimal other) {
  Rep result;
  if (__builtin_sub_overflow(units_, other.units_, &result)) {
    throw OverflowError("subtraction", *this, "-", other);
  }
  units_ = result;
  return *this;
}

}  // namespace tradestore
