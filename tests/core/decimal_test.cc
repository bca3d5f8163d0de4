#include "tradestore/decimal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tradestore/error.h"

namespace tradestore {
namespace {

using ::testing::HasSubstr;
using literals::operator""_d;

// Expected values in these tests were computed independently with Python's
// decimal module (quantize to 1e-18 with the matching ROUND_* mode) or by hand.

constexpr const char* kMax = "170141183460469231731.687303715884105727";   // (2^127 - 1) units
constexpr const char* kMin = "-170141183460469231731.687303715884105728";  // -2^127 units

// The rounding modes in the column order of the tables below.
constexpr std::array<RoundingMode, 7> kModes = {
    RoundingMode::kDown,   RoundingMode::kUp,       RoundingMode::kFloor,   RoundingMode::kCeiling,
    RoundingMode::kHalfUp, RoundingMode::kHalfDown, RoundingMode::kHalfEven};
constexpr const char* kOverflow = nullptr;

struct BinaryCase {
  const char* a;
  const char* b;
  std::array<const char*, 7> expected;  // per kModes; kOverflow = throws
};

// Asserts that `op` throws Error(kInvalidArgument) whose message contains
// every string of `needles`.
template <typename Op>
void ExpectInvalid(Op op, const std::vector<std::string>& needles) {
  try {
    op();
    ADD_FAILURE() << "expected Error(kInvalidArgument)";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    for (const auto& needle : needles) EXPECT_THAT(e.what(), HasSubstr(needle));
  }
}

Decimal::Rep Pow10(int n) {
  Decimal::Rep r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

TEST(DecimalParseTest, AcceptsDocumentedForms) {
  struct Case {
    const char* text;
    const char* canonical;
  };
  const Case cases[] = {
      {"0", "0"},
      {"-0", "0"},
      {"+0.000", "0"},
      {"+1", "1"},
      {"-0.5", "-0.5"},
      {"1.", "1"},
      {".5", "0.5"},
      {"-.25", "-0.25"},
      {"007", "7"},
      {"12.500", "12.5"},
      {"1e-8", "0.00000001"},
      {"2.5E+3", "2500"},
      {"2.5e3", "2500"},
      {"-1.5E-3", "-0.0015"},
      {"123e-18", "0.000000000000000123"},
      {"123e-16", "0.0000000000000123"},
      {"0.000000000000000001", "0.000000000000000001"},
      {"1e-18", "0.000000000000000001"},
      {"0e-30", "0"},
      {"0e999", "0"},
      {"1.50000000000000000000", "1.5"},  // trailing zeros past 18 digits: still exact
      {"100000000000000000000e-20", "1"},
      {"1e20", "100000000000000000000"},
      {"12345678901234567890.123456789012345678", "12345678901234567890.123456789012345678"},
      {kMax, kMax},
      {kMin, kMin},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(Decimal::Parse(c.text).ToString(), c.canonical);
    ASSERT_TRUE(Decimal::TryParse(c.text).has_value());
    EXPECT_EQ(Decimal::TryParse(c.text)->ToString(), c.canonical);
  }
}

TEST(DecimalParseTest, UnitsAreTenToTheMinusEighteen) {
  EXPECT_EQ(Decimal::Parse("1").units(), Pow10(18));
  EXPECT_EQ(Decimal::Parse("0.000000000000000001").units(), 1);
  EXPECT_EQ(Decimal::Parse("-2.5").units(), -25 * Pow10(17));
  EXPECT_EQ(Decimal::Parse("1e-8").units(), Pow10(10));
  const Decimal::Rep max_units = ((Decimal::Rep{1} << 126) - 1) * 2 + 1;  // 2^127 - 1
  EXPECT_EQ(Decimal::Parse(kMax).units(), max_units);
  EXPECT_EQ(Decimal::Parse(kMin).units(), -max_units - 1);
}

TEST(DecimalParseTest, RejectsMalformedText) {
  const char* cases[] = {"",    "-",   "+",     ".",    "-.",  "1..2", "1.2.3", "1e",
                         "1e+", "e5",  ".e1",   "abc",  " 1",  "1 ",   "0x10",  "nan",
                         "NaN", "inf", "-inf",  "--1",  "+-1", "1,5",  "1_000", "1e5.5",
                         "1d",  "1f",  "1e--2", "1E 2", "١",   "\t1",  "1\n",   "0b1"};
  for (const char* text : cases) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(Decimal::TryParse(text).has_value());
    ExpectInvalid([&] { Decimal::Parse(text); }, {"\"" + std::string(text) + "\""});
  }
}

TEST(DecimalParseTest, RejectsMoreThanEighteenFractionDigits) {
  const char* cases[] = {"1e-19",
                         "0.0000000000000000001",
                         "1.0000000000000000001",
                         "-0.1234567890123456789",
                         "123e-21",
                         "0.5e-18"};
  for (const char* text : cases) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(Decimal::TryParse(text).has_value());
    ExpectInvalid([&] { Decimal::Parse(text); }, {text, "fraction digits"});
  }
}

TEST(DecimalParseTest, TryParseRoundedRoundsTheExactText) {
  // 19 and more fraction digits: rounded from the exact digits, not a double's.
  EXPECT_EQ(Decimal::TryParseRounded("0.1234567890123456789"),
            Decimal::Parse("0.123456789012345679"));
  EXPECT_EQ(Decimal::TryParseRounded("12345678901.1234567890123456785"),
            Decimal::Parse("12345678901.123456789012345678"));  // tie: to even
  EXPECT_EQ(Decimal::TryParseRounded("12345678901.12345678901234567850001"),
            Decimal::Parse("12345678901.123456789012345679"));  // just above the tie
  EXPECT_EQ(Decimal::TryParseRounded("-0.0000000000000000025"),
            Decimal::Parse("-0.000000000000000002"));
  EXPECT_EQ(Decimal::TryParseRounded("1.2345678901234567e-05"),
            Decimal::Parse("0.000012345678901235"));
  EXPECT_EQ(Decimal::TryParseRounded("2.675", 2), Decimal::Parse("2.68"));  // a double says 2.67
  EXPECT_EQ(Decimal::TryParseRounded("2.665", 2, RoundingMode::kHalfEven), Decimal::Parse("2.66"));
  EXPECT_EQ(Decimal::TryParseRounded("2.665", 2, RoundingMode::kHalfUp), Decimal::Parse("2.67"));
  EXPECT_EQ(Decimal::TryParseRounded("5"), Decimal::Parse("5"));  // exact text unchanged
  EXPECT_EQ(Decimal::TryParseRounded("abc"), std::nullopt);
  EXPECT_EQ(Decimal::TryParseRounded(""), std::nullopt);
  EXPECT_EQ(Decimal::TryParseRounded("1e30"), std::nullopt);  // out of range
  EXPECT_THROW(Decimal::TryParseRounded("1", 19), Error);
  EXPECT_THROW(Decimal::TryParseRounded("1", -1), Error);
}

TEST(DecimalParseTest, RejectsOutOfRange) {
  const char* cases[] = {"170141183460469231731.687303715884105728",   // max + 1 unit
                         "-170141183460469231731.687303715884105729",  // min - 1 unit
                         "1e21",
                         "-2e20",
                         "170141183460469231732",
                         "1e999999999999999999999",
                         "99999999999999999999999999999999999999999999"};
  for (const char* text : cases) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(Decimal::TryParse(text).has_value());
    ExpectInvalid([&] { Decimal::Parse(text); }, {text, "out of range"});
  }
}

TEST(DecimalParseTest, Literal) {
  EXPECT_EQ(("1.25"_d).units(), 125 * Pow10(16));
  EXPECT_EQ("0.1"_d + "0.2"_d, "0.3"_d);
}

TEST(DecimalToStringTest, Canonical) {
  EXPECT_EQ(Decimal().ToString(), "0");
  EXPECT_EQ(Decimal::FromUnits(0).ToString(), "0");
  EXPECT_EQ(Decimal::FromUnits(1).ToString(), "0.000000000000000001");
  EXPECT_EQ(Decimal::FromUnits(-1).ToString(), "-0.000000000000000001");
  EXPECT_EQ(Decimal::FromUnits(10).ToString(), "0.00000000000000001");
  EXPECT_EQ(Decimal::FromUnits(Pow10(18)).ToString(), "1");
  EXPECT_EQ(Decimal::FromUnits(-Pow10(18) - 1).ToString(), "-1.000000000000000001");
  EXPECT_EQ(Decimal::FromUnits(125 * Pow10(17)).ToString(), "12.5");
  EXPECT_EQ(Decimal::FromUnits(-Pow10(12)).ToString(), "-0.000001");
  EXPECT_EQ(Decimal::FromUnits(Pow10(38)).ToString(), "100000000000000000000");
  EXPECT_EQ(Decimal::FromInt(0).ToString(), "0");
  EXPECT_EQ(Decimal::FromInt(-12).ToString(), "-12");
  EXPECT_EQ(Decimal::FromInt(std::numeric_limits<std::int64_t>::max()).ToString(),
            "9223372036854775807");
  EXPECT_EQ(Decimal::FromInt(std::numeric_limits<std::int64_t>::min()).ToString(),
            "-9223372036854775808");
}

TEST(DecimalToStringTest, NegativeZeroResultsPrintAsZero) {
  EXPECT_EQ((-"0"_d).ToString(), "0");
  EXPECT_EQ(("-0.4"_d).Round(0, RoundingMode::kHalfEven).ToString(), "0");
  EXPECT_EQ(("-0.000000000000000001"_d).Mul("0.1"_d).ToString(), "0");
  EXPECT_EQ(("1"_d - "1"_d).ToString(), "0");
}

TEST(DecimalTest, SignAndPredicates) {
  EXPECT_TRUE(Decimal().IsZero());
  EXPECT_EQ(Decimal().Sign(), 0);
  EXPECT_TRUE(("-0.000000000000000001"_d).IsNegative());
  EXPECT_EQ(("-3"_d).Sign(), -1);
  EXPECT_TRUE(("3"_d).IsPositive());
  EXPECT_EQ(("3"_d).Sign(), 1);
  EXPECT_EQ(("-3.5"_d).Abs(), "3.5"_d);
  EXPECT_EQ(("3.5"_d).Abs(), "3.5"_d);
  EXPECT_EQ(-("3.5"_d), "-3.5"_d);
}

TEST(DecimalTest, Ordering) {
  EXPECT_LT("-1"_d, "-0.999999999999999999"_d);
  EXPECT_LT("0.1"_d, "0.100000000000000001"_d);
  EXPECT_GT("2"_d, "1.999999999999999999"_d);
  EXPECT_EQ("1.50"_d, "1.5"_d);
  EXPECT_NE("1.5"_d, "1.500000000000000001"_d);
  EXPECT_LT(Decimal::Parse(kMin), Decimal::Parse(kMax));
}

TEST(DecimalArithmeticTest, AddAndSubtractAreExact) {
  EXPECT_EQ(("0.1"_d + "0.2"_d).ToString(), "0.3");
  EXPECT_EQ(("1"_d - "0.000000000000000001"_d).ToString(), "0.999999999999999999");
  EXPECT_EQ(("-5.5"_d + "2.25"_d).ToString(), "-3.25");
  EXPECT_EQ(("100000000000000000000"_d + "0.000000000000000001"_d).ToString(),
            "100000000000000000000.000000000000000001");
  Decimal d = "10"_d;
  d += "2.5"_d;
  EXPECT_EQ(d.ToString(), "12.5");
  d -= "20"_d;
  EXPECT_EQ(d.ToString(), "-7.5");
  // The extremes are reachable.
  EXPECT_EQ((Decimal::Parse(kMax) - Decimal::Parse(kMax) + Decimal::Parse(kMin)).ToString(), kMin);
}

TEST(DecimalArithmeticTest, AddAndSubtractOverflowThrow) {
  const Decimal max = Decimal::Parse(kMax);
  const Decimal min = Decimal::Parse(kMin);
  const Decimal unit = Decimal::FromUnits(1);
  ExpectInvalid([&] { (void)(max + unit); }, {"addition", kMax, "0.000000000000000001"});
  ExpectInvalid([&] { (void)(min - unit); }, {"subtraction", kMin});
  ExpectInvalid([&] { (void)("100000000000000000000"_d + "100000000000000000000"_d); },
                {"addition", "100000000000000000000"});
  ExpectInvalid([&] { (void)(max - min); }, {"subtraction"});
  ExpectInvalid([&] { (void)(-min); }, {"negation", kMin});
  ExpectInvalid([&] { (void)min.Abs(); }, {"negation"});
  Decimal d = max;
  EXPECT_THROW(d += unit, Error);
  EXPECT_EQ(d, max);  // unchanged after a failed update
}

const BinaryCase kMulCases[] = {
    {"1.5", "2", {"3", "3", "3", "3", "3", "3", "3"}},
    {"-1.5", "2", {"-3", "-3", "-3", "-3", "-3", "-3", "-3"}},
    {"0.1", "0.1", {"0.01", "0.01", "0.01", "0.01", "0.01", "0.01", "0.01"}},
    {"0.000000000000000001",
     "0.5",
     {"0", "0.000000000000000001", "0", "0.000000000000000001", "0.000000000000000001", "0", "0"}},
    {"0.000000000000000003",
     "0.5",
     {"0.000000000000000001", "0.000000000000000002", "0.000000000000000001",
      "0.000000000000000002", "0.000000000000000002", "0.000000000000000001",
      "0.000000000000000002"}},
    {"-0.000000000000000001",
     "0.5",
     {"0", "-0.000000000000000001", "-0.000000000000000001", "0", "-0.000000000000000001", "0",
      "0"}},
    {"-0.000000000000000003",
     "0.5",
     {"-0.000000000000000001", "-0.000000000000000002", "-0.000000000000000002",
      "-0.000000000000000001", "-0.000000000000000002", "-0.000000000000000001",
      "-0.000000000000000002"}},
    {"0.000000000000000025",
     "0.1",
     {"0.000000000000000002", "0.000000000000000003", "0.000000000000000002",
      "0.000000000000000003", "0.000000000000000003", "0.000000000000000002",
      "0.000000000000000002"}},
    {"-0.000000000000000035",
     "-0.1",
     {"0.000000000000000003", "0.000000000000000004", "0.000000000000000003",
      "0.000000000000000004", "0.000000000000000004", "0.000000000000000003",
      "0.000000000000000004"}},
    {"123456789.123456789123456789",
     "987654.321",
     {"121932631234567.900234567900112635", "121932631234567.900234567900112636",
      "121932631234567.900234567900112635", "121932631234567.900234567900112636",
      "121932631234567.900234567900112635", "121932631234567.900234567900112635",
      "121932631234567.900234567900112635"}},
    {"1000000000000000",
     "100000",
     {"100000000000000000000", "100000000000000000000", "100000000000000000000",
      "100000000000000000000", "100000000000000000000", "100000000000000000000",
      "100000000000000000000"}},
    {"999999999999999.999999999999999999",
     "99999.999999999999999999",
     {"99999999999999999999.9989999999999", "99999999999999999999.998999999999900001",
      "99999999999999999999.9989999999999", "99999999999999999999.998999999999900001",
      "99999999999999999999.9989999999999", "99999999999999999999.9989999999999",
      "99999999999999999999.9989999999999"}},
    {"0.000000000001",
     "123456.789",
     {"0.000000123456789", "0.000000123456789", "0.000000123456789", "0.000000123456789",
      "0.000000123456789", "0.000000123456789", "0.000000123456789"}},
    {"0.000000000123456",
     "0.000001",
     {"0.000000000000000123", "0.000000000000000124", "0.000000000000000123",
      "0.000000000000000124", "0.000000000000000123", "0.000000000000000123",
      "0.000000000000000123"}},
    {"-0.000000000000123457",
     "1000000000000000",
     {"-123.457", "-123.457", "-123.457", "-123.457", "-123.457", "-123.457", "-123.457"}},
    {"3.14159265358979323",
     "2.71828182845904523",
     {"8.539734222673567025", "8.539734222673567026", "8.539734222673567025",
      "8.539734222673567026", "8.539734222673567026", "8.539734222673567026",
      "8.539734222673567026"}},
    {"-7.000000000000000001",
     "0.5",
     {"-3.5", "-3.500000000000000001", "-3.500000000000000001", "-3.5", "-3.500000000000000001",
      "-3.5", "-3.5"}},
    {"170141183460469231731.687303715884105727",
     "1",
     {"170141183460469231731.687303715884105727", "170141183460469231731.687303715884105727",
      "170141183460469231731.687303715884105727", "170141183460469231731.687303715884105727",
      "170141183460469231731.687303715884105727", "170141183460469231731.687303715884105727",
      "170141183460469231731.687303715884105727"}},
    {"-170141183460469231731.687303715884105728",
     "1",
     {"-170141183460469231731.687303715884105728", "-170141183460469231731.687303715884105728",
      "-170141183460469231731.687303715884105728", "-170141183460469231731.687303715884105728",
      "-170141183460469231731.687303715884105728", "-170141183460469231731.687303715884105728",
      "-170141183460469231731.687303715884105728"}},
    {"-170141183460469231731.687303715884105728",
     "-1",
     {kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow}},
    {"170141183460469231731.687303715884105727",
     "-1",
     {"-170141183460469231731.687303715884105727", "-170141183460469231731.687303715884105727",
      "-170141183460469231731.687303715884105727", "-170141183460469231731.687303715884105727",
      "-170141183460469231731.687303715884105727", "-170141183460469231731.687303715884105727",
      "-170141183460469231731.687303715884105727"}},
    {"13043817825.332782212349571806",
     "13043817825.332782212349571806",
     {"170141183460469231731.687303709296759401", "170141183460469231731.687303709296759402",
      "170141183460469231731.687303709296759401", "170141183460469231731.687303709296759402",
      "170141183460469231731.687303709296759402", "170141183460469231731.687303709296759402",
      "170141183460469231731.687303709296759402"}},
    {"0.333333333333333333",
     "3",
     {"0.999999999999999999", "0.999999999999999999", "0.999999999999999999",
      "0.999999999999999999", "0.999999999999999999", "0.999999999999999999",
      "0.999999999999999999"}},
    {"170000000000000000000",
     "1.001",
     {kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow}},
    {"100000000000",
     "10000000000",
     {kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow}},
    {"-100000000000",
     "10000000000",
     {kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow}},
    {"170141183460469231731.687303715884105727",
     "1.000000000000000001",
     {kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow}},
    {"170141183460469231731.687303715884105727",
     "0.999999999999999999",
     {"170141183460469231561.546120255414873995", "170141183460469231561.546120255414873996",
      "170141183460469231561.546120255414873995", "170141183460469231561.546120255414873996",
      "170141183460469231561.546120255414873995", "170141183460469231561.546120255414873995",
      "170141183460469231561.546120255414873995"}},
    {"0.000000000000000001",
     "0.000000000000000001",
     {"0", "0.000000000000000001", "0", "0.000000000000000001", "0", "0", "0"}},
    {"0", "-5", {"0", "0", "0", "0", "0", "0", "0"}},
    {"170141183460469231731.687303715884105727",
     "170141183460469231731.687303715884105727",
     {kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow}},
    // -2^126 units * 2 is exactly the minimum; +2^126 units * 2 is one past the maximum.
    {"-85070591730234615865.843651857942052864", "2", {kMin, kMin, kMin, kMin, kMin, kMin, kMin}},
    {"85070591730234615865.843651857942052864",
     "2",
     {kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow}},
};

const BinaryCase kDivCases[] = {
    {"1",
     "3",
     {"0.333333333333333333", "0.333333333333333334", "0.333333333333333333",
      "0.333333333333333334", "0.333333333333333333", "0.333333333333333333",
      "0.333333333333333333"}},
    {"2",
     "3",
     {"0.666666666666666666", "0.666666666666666667", "0.666666666666666666",
      "0.666666666666666667", "0.666666666666666667", "0.666666666666666667",
      "0.666666666666666667"}},
    {"-2",
     "3",
     {"-0.666666666666666666", "-0.666666666666666667", "-0.666666666666666667",
      "-0.666666666666666666", "-0.666666666666666667", "-0.666666666666666667",
      "-0.666666666666666667"}},
    {"1",
     "7",
     {"0.142857142857142857", "0.142857142857142858", "0.142857142857142857",
      "0.142857142857142858", "0.142857142857142857", "0.142857142857142857",
      "0.142857142857142857"}},
    {"1", "8", {"0.125", "0.125", "0.125", "0.125", "0.125", "0.125", "0.125"}},
    {"0.000000000000000005",
     "2",
     {"0.000000000000000002", "0.000000000000000003", "0.000000000000000002",
      "0.000000000000000003", "0.000000000000000003", "0.000000000000000002",
      "0.000000000000000002"}},
    {"-0.000000000000000005",
     "2",
     {"-0.000000000000000002", "-0.000000000000000003", "-0.000000000000000003",
      "-0.000000000000000002", "-0.000000000000000003", "-0.000000000000000002",
      "-0.000000000000000002"}},
    {"0.000000000000000007",
     "-2",
     {"-0.000000000000000003", "-0.000000000000000004", "-0.000000000000000004",
      "-0.000000000000000003", "-0.000000000000000004", "-0.000000000000000003",
      "-0.000000000000000004"}},
    {"100000000000000000020",
     "40000000000000000000",
     {"2.5", "2.500000000000000001", "2.5", "2.500000000000000001", "2.500000000000000001", "2.5",
      "2.5"}},
    {"-100000000000000000020",
     "40000000000000000000",
     {"-2.5", "-2.500000000000000001", "-2.500000000000000001", "-2.5", "-2.500000000000000001",
      "-2.5", "-2.5"}},
    {"170141183460469231731.687303715884105727",
     "3",
     {"56713727820156410577.229101238628035242", "56713727820156410577.229101238628035243",
      "56713727820156410577.229101238628035242", "56713727820156410577.229101238628035243",
      "56713727820156410577.229101238628035242", "56713727820156410577.229101238628035242",
      "56713727820156410577.229101238628035242"}},
    {"123456789012345678901.5",
     "7",
     {"17636684144620811271.642857142857142857", "17636684144620811271.642857142857142858",
      "17636684144620811271.642857142857142857", "17636684144620811271.642857142857142858",
      "17636684144620811271.642857142857142857", "17636684144620811271.642857142857142857",
      "17636684144620811271.642857142857142857"}},
    {"100000000000000000000",
     "99999999999999999999.999999999999999999",
     {"1", "1.000000000000000001", "1", "1.000000000000000001", "1", "1", "1"}},
    {"1",
     "170141183460469231731.687303715884105727",
     {"0", "0.000000000000000001", "0", "0.000000000000000001", "0", "0", "0"}},
    {"1",
     "-170141183460469231731.687303715884105728",
     {"0", "-0.000000000000000001", "-0.000000000000000001", "0", "0", "0", "0"}},
    {"-170141183460469231731.687303715884105728",
     "1",
     {"-170141183460469231731.687303715884105728", "-170141183460469231731.687303715884105728",
      "-170141183460469231731.687303715884105728", "-170141183460469231731.687303715884105728",
      "-170141183460469231731.687303715884105728", "-170141183460469231731.687303715884105728",
      "-170141183460469231731.687303715884105728"}},
    {"-170141183460469231731.687303715884105728",
     "-1",
     {kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow}},
    {"170141183460469231731.687303715884105727",
     "-1",
     {"-170141183460469231731.687303715884105727", "-170141183460469231731.687303715884105727",
      "-170141183460469231731.687303715884105727", "-170141183460469231731.687303715884105727",
      "-170141183460469231731.687303715884105727", "-170141183460469231731.687303715884105727",
      "-170141183460469231731.687303715884105727"}},
    {"-170141183460469231731.687303715884105728",
     "-170141183460469231731.687303715884105728",
     {"1", "1", "1", "1", "1", "1", "1"}},
    {"0.000000000000000001",
     "0.000000000000000003",
     {"0.333333333333333333", "0.333333333333333334", "0.333333333333333333",
      "0.333333333333333334", "0.333333333333333333", "0.333333333333333333",
      "0.333333333333333333"}},
    {"-5",
     "0.000000000000000007",
     {"-714285714285714285.714285714285714285", "-714285714285714285.714285714285714286",
      "-714285714285714285.714285714285714286", "-714285714285714285.714285714285714285",
      "-714285714285714285.714285714285714286", "-714285714285714285.714285714285714286",
      "-714285714285714285.714285714285714286"}},
    {"98765.4321",
     "-0.0003",
     {"-329218107", "-329218107", "-329218107", "-329218107", "-329218107", "-329218107",
      "-329218107"}},
    {"1e20",
     "1.7",
     {"58823529411764705882.352941176470588235", "58823529411764705882.352941176470588236",
      "58823529411764705882.352941176470588235", "58823529411764705882.352941176470588236",
      "58823529411764705882.352941176470588235", "58823529411764705882.352941176470588235",
      "58823529411764705882.352941176470588235"}},
    {"1e20", "0.1", {kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow, kOverflow}},
    {"100",
     "0.000000000000000001",
     {"100000000000000000000", "100000000000000000000", "100000000000000000000",
      "100000000000000000000", "100000000000000000000", "100000000000000000000",
      "100000000000000000000"}},
    {"0", "7", {"0", "0", "0", "0", "0", "0", "0"}},
};

TEST(DecimalArithmeticTest, MultiplyEveryMode) {
  for (const BinaryCase& c : kMulCases) {
    for (std::size_t m = 0; m < kModes.size(); ++m) {
      SCOPED_TRACE(std::string(c.a) + " * " + c.b + " mode " + std::to_string(m));
      const Decimal a = Decimal::Parse(c.a);
      const Decimal b = Decimal::Parse(c.b);
      if (c.expected[m] == kOverflow) {
        ExpectInvalid([&] { a.Mul(b, kModes[m]); }, {"multiplication", a.ToString(), b.ToString()});
      } else {
        EXPECT_EQ(a.Mul(b, kModes[m]).ToString(), c.expected[m]);
        EXPECT_EQ(b.Mul(a, kModes[m]).ToString(), c.expected[m]);  // commutative
      }
    }
  }
}

TEST(DecimalArithmeticTest, OperatorStarRoundsHalfEven) {
  for (const BinaryCase& c : kMulCases) {
    SCOPED_TRACE(std::string(c.a) + " * " + c.b);
    const char* expected = c.expected[6];
    if (expected == kOverflow) {
      EXPECT_THROW((void)(Decimal::Parse(c.a) * Decimal::Parse(c.b)), Error);
    } else {
      EXPECT_EQ((Decimal::Parse(c.a) * Decimal::Parse(c.b)).ToString(), expected);
    }
  }
}

TEST(DecimalArithmeticTest, DivideEveryMode) {
  for (const BinaryCase& c : kDivCases) {
    for (std::size_t m = 0; m < kModes.size(); ++m) {
      SCOPED_TRACE(std::string(c.a) + " / " + c.b + " mode " + std::to_string(m));
      const Decimal a = Decimal::Parse(c.a);
      const Decimal b = Decimal::Parse(c.b);
      if (c.expected[m] == kOverflow) {
        ExpectInvalid([&] { a.Div(b, kModes[m]); }, {"division", a.ToString(), b.ToString()});
      } else {
        EXPECT_EQ(a.Div(b, kModes[m]).ToString(), c.expected[m]);
      }
    }
  }
}

TEST(DecimalArithmeticTest, DivisionByZeroThrows) {
  for (RoundingMode mode : kModes) {
    ExpectInvalid([&] { ("1.5"_d).Div(Decimal(), mode); }, {"division by zero", "1.5"});
  }
  EXPECT_THROW(Decimal().Div(Decimal(), RoundingMode::kDown), Error);
}

TEST(DecimalArithmeticTest, TradingMagnitudes) {
  // Quantity 1e15 at price 1e5: notional 1e20 fits.
  EXPECT_EQ(("1000000000000000"_d * "100000"_d).ToString(), "100000000000000000000");
  EXPECT_EQ(("999999999999999"_d * "99999.99"_d).ToString(), "99999989999999900000.01");
  // Price 1e-12 times a quantity keeps every digit.
  EXPECT_EQ(("0.000000000001"_d * "1000000000000000"_d).ToString(), "1000");
  EXPECT_EQ(("0.000000000001234567"_d * "2500000"_d).ToString(), "0.0000030864175");
  EXPECT_EQ(("0.000000000001"_d * "0.5"_d).ToString(), "0.0000000000005");
  // Values near the limit overflow on multiply.
  ExpectInvalid([] { (void)("170000000000000000000"_d * "2"_d); },
                {"multiplication", "170000000000000000000", "2"});
  ExpectInvalid([] { (void)("1000000000000000"_d * "1000000"_d); }, {"multiplication"});
  // Round trip of a notional: (p * q) / q == p when exact.
  const Decimal price = "0.000012345678901234"_d;
  const Decimal quantity = "4096"_d;
  EXPECT_EQ((price * quantity).Div(quantity, RoundingMode::kHalfEven), price);
}

TEST(DecimalRoundTest, TiesAndNonTiesInEveryMode) {
  struct Case {
    const char* value;
    int places;
    std::array<const char*, 7> expected;  // per kModes
  };
  const Case cases[] = {
      {"2.5", 0, {"2", "3", "2", "3", "3", "2", "2"}},
      {"-2.5", 0, {"-2", "-3", "-3", "-2", "-3", "-2", "-2"}},
      {"3.5", 0, {"3", "4", "3", "4", "4", "3", "4"}},
      {"2.55", 1, {"2.5", "2.6", "2.5", "2.6", "2.6", "2.5", "2.6"}},
      {"-2.55", 1, {"-2.5", "-2.6", "-2.6", "-2.5", "-2.6", "-2.5", "-2.6"}},
      {"2.45", 1, {"2.4", "2.5", "2.4", "2.5", "2.5", "2.4", "2.4"}},
      {"2.51", 0, {"2", "3", "2", "3", "3", "3", "3"}},
      {"-2.49", 0, {"-2", "-3", "-3", "-2", "-2", "-2", "-2"}},
      {"2.500000000000000001", 0, {"2", "3", "2", "3", "3", "3", "3"}},
      {"0.000000000000000005",
       17,
       {"0", "0.00000000000000001", "0", "0.00000000000000001", "0.00000000000000001", "0", "0"}},
      {"-0.000000000000000015",
       17,
       {"-0.00000000000000001", "-0.00000000000000002", "-0.00000000000000002",
        "-0.00000000000000001", "-0.00000000000000002", "-0.00000000000000001",
        "-0.00000000000000002"}},
      {"7", 0, {"7", "7", "7", "7", "7", "7", "7"}},
      {"1.234567",
       18,
       {"1.234567", "1.234567", "1.234567", "1.234567", "1.234567", "1.234567", "1.234567"}},
  };
  for (const Case& c : cases) {
    for (std::size_t m = 0; m < kModes.size(); ++m) {
      SCOPED_TRACE(std::string(c.value) + " to " + std::to_string(c.places) + " mode " +
                   std::to_string(m));
      EXPECT_EQ(Decimal::Parse(c.value).Round(c.places, kModes[m]).ToString(), c.expected[m]);
    }
  }
}

TEST(DecimalRoundTest, DefaultIsHalfEvenAndLimitsAreChecked) {
  EXPECT_EQ(("0.125"_d).Round(2).ToString(), "0.12");
  EXPECT_EQ(("0.135"_d).Round(2).ToString(), "0.14");
  ExpectInvalid([] { ("1"_d).Round(-1); }, {"places", "-1"});
  ExpectInvalid([] { ("1"_d).Round(19); }, {"places", "19"});
  // Rounding the maximum up to an integer leaves the range.
  ExpectInvalid([] { Decimal::Parse(kMax).Round(0, RoundingMode::kUp); }, {"rounding", kMax});
  EXPECT_EQ(Decimal::Parse(kMax).Round(0, RoundingMode::kDown).ToString(), "170141183460469231731");
  EXPECT_EQ(Decimal::Parse(kMin).Round(0, RoundingMode::kCeiling).ToString(),
            "-170141183460469231731");
}

TEST(DecimalRoundTest, RoundToIncrement) {
  EXPECT_EQ(("1.234"_d).RoundToIncrement("0.05"_d, RoundingMode::kHalfEven).ToString(), "1.25");
  EXPECT_EQ(("1.234"_d).RoundToIncrement("0.05"_d, RoundingMode::kDown).ToString(), "1.2");
  EXPECT_EQ(("-1.234"_d).RoundToIncrement("0.05"_d, RoundingMode::kFloor).ToString(), "-1.25");
  EXPECT_EQ(("-1.234"_d).RoundToIncrement("0.05"_d, RoundingMode::kCeiling).ToString(), "-1.2");
  // Ties: 7 / 2 = 3.5 and 5 / 2 = 2.5 lots.
  EXPECT_EQ(("7"_d).RoundToIncrement("2"_d, RoundingMode::kHalfEven).ToString(), "8");
  EXPECT_EQ(("5"_d).RoundToIncrement("2"_d, RoundingMode::kHalfEven).ToString(), "4");
  EXPECT_EQ(("5"_d).RoundToIncrement("2"_d, RoundingMode::kHalfUp).ToString(), "6");
  EXPECT_EQ(("-5"_d).RoundToIncrement("2"_d, RoundingMode::kHalfDown).ToString(), "-4");
  EXPECT_EQ(("-5"_d).RoundToIncrement("2"_d, RoundingMode::kHalfUp).ToString(), "-6");
  // A tick of 0.00001 on a price.
  EXPECT_EQ(("27123.456789"_d).RoundToIncrement("0.00001"_d, RoundingMode::kHalfEven).ToString(),
            "27123.45679");
  // A lot size of 0.001 truncating a quantity.
  EXPECT_EQ(("0.123999"_d).RoundToIncrement("0.001"_d, RoundingMode::kDown).ToString(), "0.123");
  EXPECT_EQ(("0.75"_d).RoundToIncrement("0.25"_d, RoundingMode::kUp).ToString(), "0.75");
  ExpectInvalid([] { ("1"_d).RoundToIncrement(Decimal(), RoundingMode::kDown); },
                {"increment", "0"});
  ExpectInvalid([] { ("1"_d).RoundToIncrement("-0.5"_d, RoundingMode::kDown); },
                {"increment", "-0.5"});
  ExpectInvalid([] { Decimal::Parse(kMax).RoundToIncrement("7"_d, RoundingMode::kUp); },
                {"rounding"});
}

TEST(DecimalDoubleTest, FromDoubleUsesShortestText) {
  EXPECT_EQ(Decimal::FromDouble(0.1).ToString(), "0.1");
  EXPECT_EQ(Decimal::FromDouble(0.1), "0.1"_d);
  EXPECT_EQ(Decimal::FromDouble(0.1 + 0.2).ToString(), "0.30000000000000004");
  EXPECT_EQ(Decimal::FromDouble(1.0 / 3.0).ToString(), "0.3333333333333333");
  EXPECT_EQ(Decimal::FromDouble(1e-7).ToString(), "0.0000001");
  EXPECT_EQ(Decimal::FromDouble(-42.0).ToString(), "-42");
  EXPECT_EQ(Decimal::FromDouble(-0.0).ToString(), "0");
  EXPECT_EQ(Decimal::FromDouble(1.7e20).ToString(), "170000000000000000000");
  // Shortest significant digits, not the full binary integer 898298134412670848.
  EXPECT_EQ(Decimal::FromDouble(8.982981344126708e17).ToString(), "898298134412670800");
  EXPECT_EQ(Decimal::FromDouble(123456.789, 2).ToString(), "123456.79");
  // 2.675 is 2.67499999999999982236431605997495353221893310546875 in binary,
  // but its shortest text is "2.675", which is what gets rounded.
  EXPECT_EQ(Decimal::FromDouble(2.675, 2, RoundingMode::kHalfEven).ToString(), "2.68");
  EXPECT_EQ(Decimal::FromDouble(2.665, 2, RoundingMode::kHalfEven).ToString(), "2.66");
  EXPECT_EQ(Decimal::FromDouble(2.675, 2, RoundingMode::kHalfDown).ToString(), "2.67");
  EXPECT_EQ(Decimal::FromDouble(-2.675, 2, RoundingMode::kFloor).ToString(), "-2.68");
  EXPECT_EQ(Decimal::FromDouble(-2.675, 0, RoundingMode::kCeiling).ToString(), "-2");
  // Below the scale: rounds to zero or one unit.
  EXPECT_EQ(Decimal::FromDouble(1e-19).ToString(), "0");
  EXPECT_EQ(Decimal::FromDouble(1e-300, 18, RoundingMode::kUp).ToString(), "0.000000000000000001");
  EXPECT_EQ(Decimal::FromDouble(6e-19).ToString(), "0.000000000000000001");
  EXPECT_EQ(Decimal::FromDouble(5e-19).ToString(), "0");
  EXPECT_EQ(Decimal::FromDouble(1.5e-18).ToString(), "0.000000000000000002");
}

TEST(DecimalDoubleTest, FromDoubleRejects) {
  ExpectInvalid([] { Decimal::FromDouble(std::nan("")); }, {"nan"});
  ExpectInvalid([] { Decimal::FromDouble(std::numeric_limits<double>::infinity()); }, {"inf"});
  ExpectInvalid([] { Decimal::FromDouble(-std::numeric_limits<double>::infinity()); }, {"-inf"});
  ExpectInvalid([] { Decimal::FromDouble(1e21); }, {"1e+21", "out of range"});
  ExpectInvalid([] { Decimal::FromDouble(-1.8e20); }, {"out of range"});
  ExpectInvalid([] { Decimal::FromDouble(1.0, 19); }, {"places"});
  ExpectInvalid([] { Decimal::FromDouble(1.0, -1); }, {"places"});
}

TEST(DecimalDoubleTest, ToDoubleIsNearest) {
  EXPECT_EQ(("0.1"_d).ToDouble(), 0.1);
  EXPECT_EQ(("-2.5"_d).ToDouble(), -2.5);
  EXPECT_EQ(Decimal().ToDouble(), 0.0);
  EXPECT_EQ(("0.000000000000000001"_d).ToDouble(), 1e-18);
  EXPECT_EQ(("123456.789"_d).ToDouble(), 123456.789);
  EXPECT_EQ(Decimal::Parse(kMax).ToDouble(), 1.7014118346046924e+20);
  EXPECT_EQ(Decimal::Parse(kMin).ToDouble(), -1.7014118346046924e+20);
  for (double v : {0.1, 0.30000000000000004, 1.0 / 3.0, 27123.45, -1e-7, 9.87654321e15}) {
    EXPECT_EQ(Decimal::FromDouble(v).ToDouble(), v) << v;
  }
}

}  // namespace
}  // namespace tradestore
