#include "tradestore/timeframe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tradestore/error.h"

namespace tradestore {
namespace {

using ::testing::HasSubstr;

Timestamp T(const char* iso) { return Timestamp::Parse(iso); }

TEST(TimeframeTest, NamesAndDurations) {
  struct Case {
    Timeframe tf;
    const char* name;
    Micros duration;
  };
  const Case cases[] = {
      {Timeframe::k1m, "1m", 60'000'000},      {Timeframe::k3m, "3m", 180'000'000},
      {Timeframe::k5m, "5m", 300'000'000},     {Timeframe::k15m, "15m", 900'000'000},
      {Timeframe::k30m, "30m", 1'800'000'000}, {Timeframe::k1h, "1h", 3'600'000'000},
      {Timeframe::k2h, "2h", 7'200'000'000},   {Timeframe::k4h, "4h", 14'400'000'000},
      {Timeframe::k6h, "6h", 21'600'000'000},  {Timeframe::k12h, "12h", 43'200'000'000},
      {Timeframe::k1d, "1d", 86'400'000'000},  {Timeframe::k1w, "1w", 604'800'000'000},
  };
  ASSERT_EQ(std::size(cases), kAllTimeframes.size());
  for (std::size_t i = 0; i < kAllTimeframes.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    EXPECT_EQ(kAllTimeframes[i], cases[i].tf);
    EXPECT_EQ(ToString(cases[i].tf), cases[i].name);
    EXPECT_EQ(Duration(cases[i].tf), cases[i].duration);
    EXPECT_EQ(ParseTimeframe(cases[i].name), cases[i].tf);
    EXPECT_EQ(TryParseTimeframe(cases[i].name), cases[i].tf);
  }
}

TEST(TimeframeTest, ParsesMinuteCounts) {
  EXPECT_EQ(ParseTimeframe("60m"), Timeframe::k1h);
  EXPECT_EQ(ParseTimeframe("120m"), Timeframe::k2h);
  EXPECT_EQ(ParseTimeframe("240m"), Timeframe::k4h);
  EXPECT_EQ(ParseTimeframe("360m"), Timeframe::k6h);
  EXPECT_EQ(ParseTimeframe("720m"), Timeframe::k12h);
  EXPECT_EQ(ParseTimeframe("1440m"), Timeframe::k1d);
  EXPECT_EQ(ParseTimeframe("10080m"), Timeframe::k1w);
}

TEST(TimeframeTest, RejectsOtherText) {
  const char* cases[] = {"",       "m",
                         "0m",     "2m",
                         "7m",     "45m",
                         "90m",    "3h",
                         "8h",     "24h",
                         "2d",     "7d",
                         "1M",     "1H",
                         "1D",     "1W",
                         "1mo",    " 1m",
                         "1m ",    "060m",
                         "-1m",    "+5m",
                         "1.5m",   "1440",
                         "1y",     "99999999999999999999m",
                         "minute", "1 m"};
  for (const char* text : cases) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(TryParseTimeframe(text).has_value());
    try {
      ParseTimeframe(text);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_THAT(e.what(), HasSubstr("\"" + std::string(text) + "\""));
    }
  }
}

TEST(TimeframeTest, FloorIntraday) {
  const Timestamp t = T("2023-03-01T12:34:56.789Z");
  EXPECT_EQ(FloorToTimeframe(t, Timeframe::k1m), T("2023-03-01T12:34:00Z"));
  EXPECT_EQ(FloorToTimeframe(t, Timeframe::k3m), T("2023-03-01T12:33:00Z"));
  EXPECT_EQ(FloorToTimeframe(t, Timeframe::k5m), T("2023-03-01T12:30:00Z"));
  EXPECT_EQ(FloorToTimeframe(t, Timeframe::k15m), T("2023-03-01T12:30:00Z"));
  EXPECT_EQ(FloorToTimeframe(t, Timeframe::k30m), T("2023-03-01T12:30:00Z"));
  EXPECT_EQ(FloorToTimeframe(t, Timeframe::k1h), T("2023-03-01T12:00:00Z"));
  EXPECT_EQ(FloorToTimeframe(t, Timeframe::k2h), T("2023-03-01T12:00:00Z"));
  EXPECT_EQ(FloorToTimeframe(t, Timeframe::k4h), T("2023-03-01T12:00:00Z"));
  EXPECT_EQ(FloorToTimeframe(t, Timeframe::k6h), T("2023-03-01T12:00:00Z"));
  EXPECT_EQ(FloorToTimeframe(t, Timeframe::k12h), T("2023-03-01T12:00:00Z"));
  EXPECT_EQ(FloorToTimeframe(t, Timeframe::k1d), T("2023-03-01T00:00:00Z"));
  const Timestamp u = T("2023-03-01T23:59:59.999999Z");
  EXPECT_EQ(FloorToTimeframe(u, Timeframe::k3m), T("2023-03-01T23:57:00Z"));
  EXPECT_EQ(FloorToTimeframe(u, Timeframe::k4h), T("2023-03-01T20:00:00Z"));
  EXPECT_EQ(FloorToTimeframe(u, Timeframe::k6h), T("2023-03-01T18:00:00Z"));
  EXPECT_EQ(FloorToTimeframe(u, Timeframe::k12h), T("2023-03-01T12:00:00Z"));
  EXPECT_EQ(FloorToTimeframe(u, Timeframe::k1d), T("2023-03-01T00:00:00Z"));
  // 3m buckets start at every UTC midnight (480 of them per day).
  EXPECT_EQ(FloorToTimeframe(T("2023-03-02T00:02:59Z"), Timeframe::k3m), T("2023-03-02T00:00Z"));
}

TEST(TimeframeTest, FloorWeekly) {
  // 2023-03-01 is a Wednesday; its week starts Monday 2023-02-27.
  EXPECT_EQ(FloorToTimeframe(T("2023-03-01T12:34:56.789Z"), Timeframe::k1w).micros(),
            1677456000000000);
  // A Monday at midnight is its own bucket start (2024-01-01 is a Monday).
  EXPECT_EQ(FloorToTimeframe(T("2024-01-01T00:00:00Z"), Timeframe::k1w).micros(), 1704067200000000);
  EXPECT_EQ(FloorToTimeframe(T("2024-01-01T00:00:00.000001Z"), Timeframe::k1w).micros(),
            1704067200000000);
  // The last microsecond of Sunday 2023-12-31 belongs to the week of Monday 2023-12-25.
  EXPECT_EQ(FloorToTimeframe(T("2023-12-31T23:59:59.999999Z"), Timeframe::k1w).micros(),
            1703462400000000);
  // 1970-01-05 is the first Monday after the epoch (a Thursday).
  EXPECT_EQ(FloorToTimeframe(T("1970-01-05T00:00:00Z"), Timeframe::k1w).micros(), 345600000000);
  EXPECT_EQ(FloorToTimeframe(Timestamp(0), Timeframe::k1w), T("1969-12-29"));
  EXPECT_EQ(FloorToTimeframe(T("1970-01-04T23:59:59Z"), Timeframe::k1w), T("1969-12-29"));
}

TEST(TimeframeTest, FloorBeforeTheEpoch) {
  const Timestamp t = T("1969-12-31T23:59:59Z");  // a Wednesday, -1 s
  EXPECT_EQ(t.micros(), -1'000'000);
  EXPECT_EQ(FloorToTimeframe(t, Timeframe::k1m), T("1969-12-31T23:59:00Z"));
  EXPECT_EQ(FloorToTimeframe(t, Timeframe::k15m), T("1969-12-31T23:45:00Z"));
  EXPECT_EQ(FloorToTimeframe(t, Timeframe::k4h), T("1969-12-31T20:00:00Z"));
  EXPECT_EQ(FloorToTimeframe(t, Timeframe::k1d).micros(), -86'400'000'000);
  EXPECT_EQ(FloorToTimeframe(t, Timeframe::k1w).micros(), -259'200'000'000);  // 1969-12-29
  EXPECT_EQ(FloorToTimeframe(Timestamp(-1), Timeframe::k1m).micros(), -60'000'000);
  // Sunday 1969-12-28 noon belongs to the week of Monday 1969-12-22.
  EXPECT_EQ(FloorToTimeframe(Timestamp(-302'400'000'000), Timeframe::k1w).micros(),
            -864'000'000'000);
  EXPECT_EQ(FloorToTimeframe(T("1969-12-22T00:00:00Z"), Timeframe::k1w).micros(), -864'000'000'000);
  EXPECT_EQ(FloorToTimeframe(T("1900-03-01T05:06:07Z"), Timeframe::k1d), T("1900-03-01"));
}

TEST(TimeframeTest, FloorIsIdempotentAndContainsT) {
  for (Timeframe tf : kAllTimeframes) {
    for (std::int64_t m : {std::int64_t{-987654321987654}, std::int64_t{-1}, std::int64_t{0},
                           std::int64_t{1}, std::int64_t{1677674096789000}}) {
      SCOPED_TRACE(std::string(ToString(tf)) + " " + std::to_string(m));
      const Timestamp t(m);
      const Timestamp start = FloorToTimeframe(t, tf);
      EXPECT_LE(start, t);
      EXPECT_LT(t, start + Duration(tf));
      EXPECT_EQ(FloorToTimeframe(start, tf), start);
      EXPECT_TRUE(IsAligned(start, tf));
      // Every bucket starts at a UTC midnight or a whole multiple of its length after one.
      const Timestamp midnight = FloorToTimeframe(start, Timeframe::k1d);
      EXPECT_EQ((start - midnight) % Duration(tf), 0);
    }
  }
}

TEST(TimeframeTest, IsAligned) {
  EXPECT_TRUE(IsAligned(T("2023-03-01T12:30:00Z"), Timeframe::k30m));
  EXPECT_FALSE(IsAligned(T("2023-03-01T12:30:00.000001Z"), Timeframe::k30m));
  EXPECT_TRUE(IsAligned(T("2023-03-01T12:00:00Z"), Timeframe::k12h));
  EXPECT_FALSE(IsAligned(T("2023-03-01T06:00:00Z"), Timeframe::k12h));
  EXPECT_TRUE(IsAligned(T("2023-03-01T06:00:00Z"), Timeframe::k6h));
  EXPECT_TRUE(IsAligned(T("2023-03-01"), Timeframe::k1d));
  EXPECT_FALSE(IsAligned(T("2023-03-01"), Timeframe::k1w));  // a Wednesday
  EXPECT_TRUE(IsAligned(T("2023-02-27"), Timeframe::k1w));   // a Monday
  EXPECT_FALSE(IsAligned(T("2023-12-31"), Timeframe::k1w));  // a Sunday
  EXPECT_TRUE(IsAligned(T("1969-12-29"), Timeframe::k1w));   // a Monday before the epoch
  EXPECT_FALSE(IsAligned(Timestamp(0), Timeframe::k1w));     // a Thursday
  EXPECT_TRUE(IsAligned(Timestamp(0), Timeframe::k1d));
  EXPECT_TRUE(IsAligned(Timestamp(-kMicrosPerHour * 4), Timeframe::k4h));
  EXPECT_FALSE(IsAligned(Timestamp(-kMicrosPerHour), Timeframe::k4h));
}

}  // namespace
}  // namespace tradestore
