// Exact fixed-point decimal for money: prices, quantities, fees, P&L and
// balances.
//
// Representation: a signed 128-bit integer count of units of 10^-18
// (kScale = 18 fractional digits). Range: |value| < 1.7e20 (about 1.7e38
// units), which holds quantities up to 1e15 with five orders of magnitude to
// spare and prices down to 1e-12 with six significant digits below them.
// No binary floating point is used inside; FromDouble/ToDouble exist only at
// the boundary with candle data, which is double by design.
//
// Addition, subtraction and comparison are exact. Multiplication and
// division round the exact result to kScale digits with an explicit
// RoundingMode (operator* rounds half-even). Any result outside the range
// throws Error(kInvalidArgument) naming the operation; nothing wraps.
//
// Canonical text: optional '-', integer digits, and a '.' followed by the
// fraction only when it is non-zero, without trailing zeros: "0", "12.5",
// "-0.000001". Parse accepts optional sign, digits with an optional '.',
// an optional exponent ("1e-8", "2.5E+3"), and at most kScale fraction
// digits after applying the exponent (zeros beyond them are accepted, as
// in "1.50000000000000000000", since the value stays exact); anything else
// throws.
#pragma once

#include <compare>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace tradestore {

enum class RoundingMode {
  kDown,      // toward zero (truncate)
  kUp,        // away from zero
  kFloor,     // toward -infinity
  kCeiling,   // toward +infinity
  kHalfUp,    // nearest, ties away from zero
  kHalfDown,  // nearest, ties toward zero
  kHalfEven,  // nearest, ties to the even neighbour (banker's rounding)
};

class Decimal {
 public:
  // __extension__: __int128 is a GCC/Clang extension; this keeps -Wpedantic
  // quiet in every file that includes this header.
  __extension__ using Rep = __int128;
  static constexpr int kScale = 18;

  // Zero.
  constexpr Decimal() noexcept = default;

  // The value units * 10^-18.
  static constexpr Decimal FromUnits(Rep units) noexcept { return Decimal(units); }
  // An integer value; exact.
  static Decimal FromInt(std::int64_t value) noexcept;
  // Parses text as described above. Throws Error(kInvalidArgument) quoting
  // the text on malformed input, too many fraction digits, or out of range.
  static Decimal Parse(std::string_view text);
  // As Parse, returning nullopt instead of throwing.
  static std::optional<Decimal> TryParse(std::string_view text) noexcept;
  // As TryParse, but any number of fraction digits is accepted: the exact
  // decimal value of `text` is rounded to `places` fraction digits (0..18)
  // with `mode`, without passing through a double ("0.1234567890123456789"
  // gives 0.123456789012345679 half-even). nullopt on malformed text or a
  // value out of range; throws Error(kInvalidArgument) for `places` outside
  // 0..18.
  static std::optional<Decimal> TryParseRounded(std::string_view text, int places = kScale,
                                                RoundingMode mode = RoundingMode::kHalfEven);
  // The decimal whose text is the shortest round-trip representation of
  // `value` (std::to_chars), so 0.1 becomes exactly 0.1, rounded to `places`
  // fraction digits (0..18) with `mode`. Throws Error(kInvalidArgument) for
  // NaN, infinities and out-of-range values.
  static Decimal FromDouble(double value, int places = kScale,
                            RoundingMode mode = RoundingMode::kHalfEven);

  constexpr Rep units() const noexcept { return units_; }
  // Nearest double; may lose precision (for statistics and display only).
  double ToDouble() const noexcept;
  // Canonical text (see above).
  std::string ToString() const;

  constexpr bool IsZero() const noexcept { return units_ == 0; }
  constexpr bool IsNegative() const noexcept { return units_ < 0; }
  constexpr bool IsPositive() const noexcept { return units_ > 0; }
  // -1, 0 or 1.
  constexpr int Sign() const noexcept { return units_ < 0 ? -1 : (units_ > 0 ? 1 : 0); }
  Decimal Abs() const;

  // Rounds to `places` fraction digits (0..18).
  Decimal Round(int places, RoundingMode mode = RoundingMode::kHalfEven) const;
  // Rounds to a multiple of `increment` (a tick or lot size > 0).
  Decimal RoundToIncrement(Decimal increment, RoundingMode mode) const;

  // this * other rounded to kScale digits with `mode`.
  Decimal Mul(Decimal other, RoundingMode mode = RoundingMode::kHalfEven) const;
  // this / divisor rounded to kScale digits with `mode`. Throws
  // Error(kInvalidArgument) on division by zero.
  Decimal Div(Decimal divisor, RoundingMode mode) const;

  Decimal operator-() const;
  Decimal& operator+=(Decimal other);
  Decimal& operator-=(Decimal other);
  friend Decimal operator+(Decimal a, Decimal b) { return a += b; }
  friend Decimal operator-(Decimal a, Decimal b) { return a -= b; }
  // Half-even rounded product.
  friend Decimal operator*(Decimal a, Decimal b) { return a.Mul(b); }

  friend constexpr bool operator==(Decimal a, Decimal b) noexcept = default;
  friend constexpr std::strong_ordering operator<=>(Decimal a, Decimal b) noexcept {
    return a.units_ <=> b.units_;
  }

 private:
  constexpr explicit Decimal(Rep units) noexcept : units_(units) {}
  Rep units_ = 0;
};

// Writes the canonical text (for logs and test failure messages).
std::ostream& operator<<(std::ostream& out, const Decimal& value);

// Shorthand for Decimal::Parse in tests and examples: "1.25"_d.
namespace literals {
inline Decimal operator""_d(const char* text, std::size_t size) {
  return Decimal::Parse(std::string_view(text, size));
}
}  // namespace literals

}  // namespace tradestore
