#include "tradestore/timestamp.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>

#include "tradestore/error.h"

namespace tradestore {
namespace {

using ::testing::HasSubstr;

// Expected microsecond values were computed independently with Python's
// datetime module: (datetime(..., tzinfo=utc) - epoch) // timedelta(microseconds=1).

TEST(TimestampTest, Constants) {
  EXPECT_EQ(kMicrosPerSecond, 1'000'000);
  EXPECT_EQ(kMicrosPerMinute, 60'000'000);
  EXPECT_EQ(kMicrosPerHour, 3'600'000'000);
  EXPECT_EQ(kMicrosPerDay, 86'400'000'000);
}

TEST(TimestampTest, ConstructorsAndArithmetic) {
  EXPECT_EQ(Timestamp().micros(), 0);
  EXPECT_EQ(Timestamp::FromSeconds(1677628800).micros(), 1677628800000000);
  EXPECT_EQ(Timestamp::FromMillis(-1).micros(), -1000);
  const Timestamp t(1'000'000);
  EXPECT_EQ((t + 5).micros(), 1'000'005);
  EXPECT_EQ((t - 5).micros(), 999'995);
  EXPECT_EQ(Timestamp(30) - Timestamp(100), -70);
  EXPECT_LT(Timestamp(-1), Timestamp(0));
  EXPECT_EQ(Timestamp(7), Timestamp(7));
}

TEST(TimestampTest, SecondsRoundTowardMinusInfinity) {
  EXPECT_EQ(Timestamp(0).seconds(), 0);
  EXPECT_EQ(Timestamp(1'999'999).seconds(), 1);
  EXPECT_EQ(Timestamp(-1).seconds(), -1);
  EXPECT_EQ(Timestamp(-1'000'000).seconds(), -1);
  EXPECT_EQ(Timestamp(-1'000'001).seconds(), -2);
}

TEST(TimestampTest, FromCivil) {
  EXPECT_EQ(Timestamp::FromCivil(1970, 1, 1).micros(), 0);
  EXPECT_EQ(Timestamp::FromCivil(2023, 3, 1).micros(), 1677628800000000);
  EXPECT_EQ(Timestamp::FromCivil(2000, 2, 29, 23, 59, 59, 999999).micros(), 951868799999999);
  EXPECT_EQ(Timestamp::FromCivil(1969, 12, 31, 23, 59, 59, 999999).micros(), -1);
  EXPECT_EQ(Timestamp::FromCivil(1900, 1, 1).micros(), -2208988800000000);
  EXPECT_EQ(Timestamp::FromCivil(1960, 2, 29, 6, 30, 15, 123456).micros(), -310498184876544);
  EXPECT_EQ(Timestamp::FromCivil(2038, 1, 19, 3, 14, 8).micros(), 2147483648000000);
  EXPECT_EQ(Timestamp::FromCivil(9999, 12, 31, 23, 59, 59, 999999).micros(), 253402300799999999);
}

TEST(TimestampTest, ToIso) {
  EXPECT_EQ(Timestamp().ToIso(), "1970-01-01T00:00:00Z");
  EXPECT_EQ(Timestamp(1677628800000000).ToIso(), "2023-03-01T00:00:00Z");
  EXPECT_EQ(Timestamp(1686832496789000).ToIso(), "2023-06-15T12:34:56.789000Z");
  EXPECT_EQ(Timestamp(1).ToIso(), "1970-01-01T00:00:00.000001Z");
  EXPECT_EQ(Timestamp(-1).ToIso(), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(Timestamp(-1'000'000).ToIso(), "1969-12-31T23:59:59Z");
  EXPECT_EQ(Timestamp(-310498184876544).ToIso(), "1960-02-29T06:30:15.123456Z");
  EXPECT_EQ(Timestamp(-62135596800000000).ToIso(), "0001-01-01T00:00:00Z");
  EXPECT_EQ(Timestamp(253402300799999999).ToIso(), "9999-12-31T23:59:59.999999Z");
}

TEST(TimestampTest, ToDateString) {
  EXPECT_EQ(Timestamp(1677628800000000).ToDateString(), "2023-03-01");
  EXPECT_EQ(Timestamp(1677628800000000 - 1).ToDateString(), "2023-02-28");
  EXPECT_EQ(Timestamp(-1).ToDateString(), "1969-12-31");
  EXPECT_EQ(Timestamp(951868799999999).ToDateString(), "2000-02-29");
}

TEST(TimestampParseTest, AcceptedForms) {
  struct Case {
    const char* text;
    std::int64_t micros;
  };
  const Case cases[] = {
      {"2023-03-01", 1677628800000000},
      {"2023-03-01T00:00", 1677628800000000},
      {"2023-03-01 00:00:00", 1677628800000000},
      {"2023-03-01T00:00:00Z", 1677628800000000},
      {"2023-06-15T12:34:56.789Z", 1686832496789000},
      {"2023-06-15T12:34:56.789000", 1686832496789000},
      {"2023-06-15 12:34:56.7", 1686832496700000},
      {"1970-01-01T00:00:00.000001Z", 1},
      {"1969-12-31T23:59:59.999999Z", -1},
      {"1960-02-29T06:30:15.123456Z", -310498184876544},
      {"1900-01-01", -2208988800000000},
      {"2000-02-29T23:59:59.999999Z", 951868799999999},
      {"2024-02-29T12:00:00.5Z", 1709208000500000},
      {"0001-01-01T00:00:00Z", -62135596800000000},
      // Year 0 is the leap year before year 1: 366 days earlier.
      {"0000-01-01", -62135596800000000 - 366 * kMicrosPerDay},
      {"9999-12-31T23:59:59.999999Z", 253402300799999999},
      // Offsets are applied to give UTC.
      {"2023-03-01T10:00+05:30", 1677645000000000},
      {"2023-03-01T10:00:00+0530", 1677645000000000},
      {"2023-03-01T04:30:00+00:00", 1677645000000000},
      {"2023-03-01T00:15:00-03:30", 1677645000000000 - 45 * kMicrosPerMinute},
      {"2024-01-01T00:30:00+05:45", 1704048300000000},  // the day before in UTC
      {"2023-03-01T04:30:00-0000", 1677645000000000},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(Timestamp::Parse(c.text).micros(), c.micros);
    ASSERT_TRUE(Timestamp::TryParse(c.text).has_value());
    EXPECT_EQ(Timestamp::TryParse(c.text)->micros(), c.micros);
  }
}

TEST(TimestampParseTest, RoundTripsThroughToIso) {
  const std::int64_t values[] = {0,
                                 1,
                                 -1,
                                 999999,
                                 -999999,
                                 1677628800000000,
                                 1686832496789000,
                                 951868799999999,
                                 951782400000000,  // 2000-02-29T00:00:00Z
                                 -310498184876544,
                                 -2208988800000000,
                                 -62135596800000000,
                                 253402300799999999,
                                 1709208000500000};
  for (std::int64_t v : values) {
    SCOPED_TRACE(v);
    const Timestamp t(v);
    EXPECT_EQ(Timestamp::Parse(t.ToIso()), t);
  }
  // Every day of a leap year and a non-leap year, at a time with micros.
  for (int year : {1968, 2000, 2023, 2024}) {
    Timestamp t = Timestamp::FromCivil(year, 1, 1, 13, 7, 9, 42);
    for (int day = 0; day < 366; ++day) {
      EXPECT_EQ(Timestamp::Parse(t.ToIso()), t) << t.ToIso();
      t = t + kMicrosPerDay;
    }
  }
}

TEST(TimestampParseTest, Rejects) {
  const char* cases[] = {
      "",
      "garbage",
      "2023-02-30",                   // February has 28 days in 2023
      "2023-02-29",                   // not a leap year
      "1900-02-29",                   // century, not a leap year
      "2023-04-31",                   // 30-day month
      "2023-13-01",                   // month 13
      "2023-00-10",                   // month 0
      "2023-01-00",                   // day 0
      "2023-01-32",                   //
      "2023-03-01T24:00",             // hour 24
      "2023-03-01T24:00:00Z",         //
      "2023-03-01T12:60",             // minute 60
      "2023-03-01T12:00:60",          // leap seconds are not represented
      "2023-3-1",                     // fields need two digits
      "23-03-01",                     //
      "02023-03-01",                  //
      "2023/03/01",                   //
      "2023-03-01T",                  //
      "2023-03-01T1:00",              //
      "2023-03-01T12",                //
      "2023-03-01T12:00:00.",         // empty fraction
      "2023-03-01T12:00:00.1234567",  // 7 fraction digits
      "2023-03-01T12:00.5",           // fraction without seconds
      "2023-03-01T12:00:00ZZ",        //
      "2023-03-01T12:00:00+5:30",     //
      "2023-03-01T12:00:00+05",       //
      "2023-03-01T12:00:00+05:3",     //
      "2023-03-01T12:00:00+24:00",    //
      "2023-03-01T12:00:00+05:60",    //
      "2023-03-01Z",                  // a suffix needs a time
      " 2023-03-01",                  //
      "2023-03-01 ",                  //
      "2023-03-01t12:00:00",          //
      "2023-03-01T12:00:00 Z",        //
  };
  for (const char* text : cases) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(Timestamp::TryParse(text).has_value());
    try {
      Timestamp::Parse(text);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_THAT(e.what(), HasSubstr("\"" + std::string(text) + "\""));
    }
  }
}

TEST(TimestampTest, NowIsTheSystemClock) {
  const auto before = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const Timestamp now = Timestamp::Now();
  const auto after = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  EXPECT_LE(before, now.micros());
  EXPECT_LE(now.micros(), after);
  EXPECT_GT(now, Timestamp::Parse("2024-01-01"));
}

TEST(TimestampTest, UnixTimeInAnyUnitByMagnitude) {
  const Timestamp t = Timestamp::Parse("2023-03-01T12:34:56.789012Z");
  EXPECT_EQ(Timestamp::FromUnixAnyUnit(1677674096), Timestamp::Parse("2023-03-01T12:34:56Z"));
  EXPECT_EQ(Timestamp::FromUnixAnyUnit(1677674096789),
            Timestamp::Parse("2023-03-01T12:34:56.789Z"));
  EXPECT_EQ(Timestamp::FromUnixAnyUnit(t.micros()), t);
  EXPECT_EQ(Timestamp::FromUnixAnyUnit(t.micros() * 1000 + 999), t);  // ns, truncated
  EXPECT_EQ(Timestamp::FromUnixAnyUnit(0), Timestamp());
  EXPECT_EQ(Timestamp::FromUnixAnyUnit(-86400), Timestamp::Parse("1969-12-31"));
  // The edges of each unit, and the int64 limits, stay inside 0001..9999.
  for (std::int64_t v : std::initializer_list<std::int64_t>{
           99'999'999'999LL, 100'000'000'000LL, 99'999'999'999'999LL, 100'000'000'000'000LL,
           99'999'999'999'999'999LL, 100'000'000'000'000'000LL,
           std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()}) {
    EXPECT_TRUE(Timestamp::FromUnixAnyUnit(v).InIsoRange()) << v;
  }
  // Negative: milliseconds and finer stay in range; seconds before the year 1 do not.
  EXPECT_TRUE(Timestamp::FromUnixAnyUnit(-100'000'000'000LL).InIsoRange());
  EXPECT_TRUE(Timestamp::FromUnixAnyUnit(-62'135'596'800LL).InIsoRange());
  EXPECT_FALSE(Timestamp::FromUnixAnyUnit(-62'135'596'801LL).InIsoRange());
  EXPECT_FALSE(Timestamp::FromUnixAnyUnit(-99'999'999'999LL).InIsoRange());
  EXPECT_EQ(Timestamp::FromUnixAnyUnit(99'999'999'999LL).ToIso(), "5138-11-16T09:46:39Z");
}

TEST(TimestampTest, UnixTimeScaledIsRoundedAndRangeChecked) {
  EXPECT_EQ(Timestamp::FromUnixScaled(1677674096.789012, 1e6),
            Timestamp::Parse("2023-03-01T12:34:56.789012Z"));
  EXPECT_EQ(Timestamp::FromUnixScaled(1677674096789.0, 1000.0),
            Timestamp::Parse("2023-03-01T12:34:56.789Z"));
  EXPECT_EQ(Timestamp::FromUnixScaled(253402300799.0, 1e6),
            Timestamp::Parse("9999-12-31T23:59:59Z"));
  EXPECT_EQ(Timestamp::FromUnixScaled(253402300800.0, 1e6), std::nullopt);        // year 10000
  EXPECT_EQ(Timestamp::FromUnixScaled(253402300799.9999995, 1e6), std::nullopt);  // rounds up to it
  EXPECT_EQ(Timestamp::FromUnixScaled(-62135596800.0, 1e6), Timestamp::Parse("0001-01-01"));
  EXPECT_EQ(Timestamp::FromUnixScaled(-62135596801.0, 1e6), std::nullopt);
  EXPECT_EQ(Timestamp::FromUnixScaled(1e300, 1e6), std::nullopt);  // llround would be undefined
  EXPECT_EQ(Timestamp::FromUnixScaled(std::nan(""), 1e6), std::nullopt);
  EXPECT_EQ(Timestamp::FromUnixScaled(INFINITY, 1.0), std::nullopt);
  EXPECT_TRUE(Timestamp(Timestamp::kMaxMicros).InIsoRange());
  EXPECT_FALSE(Timestamp(Timestamp::kMaxMicros + 1).InIsoRange());
  EXPECT_EQ(Timestamp(Timestamp::kMaxMicros).ToIso(), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(Timestamp(Timestamp::kMinMicros).ToIso(), "0001-01-01T00:00:00Z");
}

}  // namespace
}  // namespace tradestore
