#include "tradestore/timestamp.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "tradestore/error.h"

namespace tradestore {
namespace {

// Days since the epoch of a civil date (proleptic Gregorian calendar).
std::int64_t DaysFromCivil(int year, unsigned month, unsigned day) {
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month},
                                         std::chrono::day{day}};
  return std::chrono::sys_days(date).time_since_epoch().count();
}

// Division rounded toward -infinity (b > 0).
std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

struct Civil {
  int year;
  unsigned month;
  unsigned day;
  std::int64_t micros_of_day;  // 0 <= micros_of_day < kMicrosPerDay
};

Civil ToCivil(std::int64_t micros) {
  const std::int64_t days = FloorDiv(micros, kMicrosPerDay);
  const std::chrono::year_month_day date{
      std::chrono::sys_days(std::chrono::days(static_cast<std::chrono::days::rep>(days)))};
  // The remainder from %, not micros - days * kMicrosPerDay, which overflows
  // for times within a day of the int64 limits.
  std::int64_t of_day = micros % kMicrosPerDay;
  if (of_day < 0) of_day += kMicrosPerDay;
  return Civil{static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
               static_cast<unsigned>(date.day()), of_day};
}

// A cursor over the text being parsed; every reader returns false on a
// mismatch.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ == text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  bool Consume(char c) {
    if (Peek() != c || AtEnd()) return false;
    ++pos_;
    return true;
  }
  // Exactly `count` decimal digits.
  bool Digits(int count, int* value) {
    int v = 0;
    for (int i = 0; i < count; ++i) {
      const char c = Peek();
      if (AtEnd() || c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
      ++pos_;
    }
    *value = v;
    return true;
  }
  // 1 to 6 fraction digits, as microseconds.
  bool Fraction(std::int64_t* micros) {
    std::int64_t v = 0;
    int count = 0;
    while (!AtEnd() && Peek() >= '0' && Peek() <= '9') {
      if (++count > 6) return false;
      v = v * 10 + (Peek() - '0');
      ++pos_;
    }
    if (count == 0) return false;
    for (int i = count; i < 6; ++i) v *= 10;
    *micros = v;
    return true;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Parses the grammar of Timestamp::Parse; false when malformed or out of range.
bool ParseIso(std::string_view text, std::int64_t* out) {
  Scanner s(text);
  int year, month, day;
  if (!s.Digits(4, &year) || !s.Consume('-') || !s.Digits(2, &month) || !s.Consume('-') ||
      !s.Digits(2, &day)) {
    return false;
  }
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return false;
  std::int64_t micros = std::chrono::sys_days(date).time_since_epoch().count() * kMicrosPerDay;
  if (s.AtEnd()) {
    *out = micros;
    return true;
  }
  if (!s.Consume('T') && !s.Consume(' ')) return false;

  int hour, minute, second = 0;
  std::int64_t fraction = 0;
  if (!s.Digits(2, &hour) || !s.Consume(':') || !s.Digits(2, &minute)) return false;
  if (s.Consume(':')) {
    if (!s.Digits(2, &second)) return false;
    if (s.Consume('.') && !s.Fraction(&fraction)) return false;
  }
  if (hour > 23 || minute > 59 || second > 59) return false;
  micros +=
      hour * kMicrosPerHour + minute * kMicrosPerMinute + second * kMicrosPerSecond + fraction;

  if (s.Consume('Z')) {
    // UTC
  } else if (s.Peek() == '+' || s.Peek() == '-') {
    const int sign = s.Peek() == '+' ? 1 : -1;
    s.Consume(s.Peek());
    int offset_hours, offset_minutes;
    if (!s.Digits(2, &offset_hours)) return false;
    s.Consume(':');  // "+HH:MM" or "+HHMM"
    if (!s.Digits(2, &offset_minutes)) return false;
    if (offset_hours > 23 || offset_minutes > 59) return false;
    // Local time = UTC + offset.
    micros -= sign * (offset_hours * kMicrosPerHour + offset_minutes * kMicrosPerMinute);
  }
  if (!s.AtEnd()) return false;
  *out = micros;
  return true;
}

}  // namespace

Timestamp Timestamp::FromCivil(int year, unsigned month, unsigned day, int hour, int minute,
                               int second, std::int64_t micros) {
  return Timestamp(DaysFromCivil(year, month, day) * kMicrosPerDay + hour * kMicrosPerHour +
                   minute * kMicrosPerMinute + second * kMicrosPerSecond + micros);
}

Timestamp Timestamp::Now() noexcept {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return Timestamp(std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count());
}

Timestamp Timestamp::Parse(std::string_view text) {
  std::int64_t micros = 0;
  if (!ParseIso(text, &micros)) {
    throw InvalidArgument("invalid timestamp \"" + std::string(text.substr(0, 80)) +
                          (text.size() > 80 ? "...\"" : "\"") +
                          ": expected ISO-8601 such as 2023-03-01T12:30:00Z");
  }
  return Timestamp(micros);
}

std::optional<Timestamp> Timestamp::TryParse(std::string_view text) noexcept {
  std::int64_t micros = 0;
  if (!ParseIso(text, &micros)) return std::nullopt;
  return Timestamp(micros);
}

std::string Timestamp::ToIso() const {
  const Civil c = ToCivil(micros_);
  const std::int64_t seconds_of_day = c.micros_of_day / kMicrosPerSecond;
  const std::int64_t fraction = c.micros_of_day % kMicrosPerSecond;
  char buffer[64];
  int length = std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02uT%02d:%02d:%02d", c.year,
                             c.month, c.day, static_cast<int>(seconds_of_day / 3600),
                             static_cast<int>(seconds_of_day / 60 % 60),
                             static_cast<int>(seconds_of_day % 60));
  if (fraction != 0) {
    length += std::snprintf(buffer + length, sizeof(buffer) - static_cast<std::size_t>(length),
                            ".%06d", static_cast<int>(fraction));
  }
  std::string result(buffer, static_cast<std::size_t>(length));
  result.push_back('Z');
  return result;
}

std::string Timestamp::ToDateString() const {
  const Civil c = ToCivil(micros_);
  char buffer[32];
  const int length =
      std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02u", c.year, c.month, c.day);
  return std::string(buffer, static_cast<std::size_t>(length));
}

Timestamp Timestamp::FromUnixAnyUnit(std::int64_t value) noexcept {
  // |value| computed unsigned: no overflow at INT64_MIN.
  const std::uint64_t magnitude =
      value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  if (magnitude < 100'000'000'000ULL) return FromSeconds(value);
  if (magnitude < 100'000'000'000'000ULL) return FromMillis(value);
  if (magnitude < 100'000'000'000'000'000ULL) return Timestamp(value);
  return Timestamp(value / 1000);
}

std::optional<Timestamp> Timestamp::FromUnixScaled(double value, double micros_per_unit) noexcept {
  const double us = value * micros_per_unit;
  // Bounded as doubles first, since llround is undefined outside int64; the
  // exact range check is on the rounded integer (kMaxMicros itself is not a
  // double: near 2.5e17 doubles are 32 apart).
  if (!std::isfinite(us) || std::fabs(us) > 9e18) return std::nullopt;
  const Timestamp t(std::llround(us));
  if (!t.InIsoRange()) return std::nullopt;
  return t;
}

}  // namespace tradestore
