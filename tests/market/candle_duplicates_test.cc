// Two candle rows of one time (issue 15 item 6): different values are
// refused naming both lines and the differing fields, or resolved by
// --on-duplicate first|last and counted; identical repeats are skipped and
// counted. On both backends (SQLite upserts, PostgreSQL COPY).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/store_test_util.h"
#include "tradestore/candle_import.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using testing::Backend;

// 2024-01-01T00:00Z, 00:01 (twice: lines 3 and 4), 00:02.
constexpr const char* kHeader = "time,open,high,low,close,volume\n";
constexpr const char* kFirstRows =
    "1704067200,1,2,0.5,1.5,10\n"
    "1704067260,1.5,2,1,1.8,5\n";
constexpr const char* kLastRow = "1704067320,1.9,2.5,1.5,2,7\n";

class CandleDuplicatesTest : public ::testing::TestWithParam<Backend> {
 protected:
  std::string File(const std::string& repeat) {
    const std::string path = dir_.Sub("candles.csv");
    std::ofstream(path) << kHeader << kFirstRows << repeat << kLastRow;
    return path;
  }
  CandleImportSummary Import(const std::string& path, CandleDuplicatePolicy policy) {
    CandleImportOptions o;
    o.symbol = "BTCUSDC";
    o.venue = "test";
    o.timeframe = Timeframe::k1m;
    o.on_duplicate = policy;
    return ImportCandles(store_, path, o);
  }
  double CloseAt0001(const CandleImportSummary& s) {
    for (const Candle& c : store_.candles().Range(s.instrument.id, Timeframe::k1m)) {
      if (c.open_time == Timestamp::Parse("2024-01-01T00:01:00Z")) return c.close;
    }
    ADD_FAILURE() << "no candle at 00:01";
    return 0;
  }

  testing::TempDir dir_;
  Store store_ = Store::Open(testing::FreshStoreUrl(GetParam()));
};

TEST_P(CandleDuplicatesTest, DifferentValuesAreRefusedNamingBothLinesAndFields) {
  const std::string path = File("1704067260,1.5,2,1,1.9,6\n");
  try {
    Import(path, CandleDuplicatePolicy::kRefuse);
    FAIL() << "a conflicting duplicate was imported";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    const std::string what = e.what();
    EXPECT_NE(what.find(path + ":4:"), std::string::npos) << what;
    EXPECT_NE(what.find("repeats line 3"), std::string::npos) << what;
    EXPECT_NE(what.find("2024-01-01T00:01:00Z"), std::string::npos) << what;
    EXPECT_NE(what.find("close 1.8 vs 1.9, volume 5 vs 6"), std::string::npos) << what;
    EXPECT_EQ(what.find("open "), std::string::npos) << what;  // equal fields are not listed
    EXPECT_NE(what.find("--on-duplicate"), std::string::npos) << what;
  }
  EXPECT_FALSE(store_.instruments().Find("test", "BTCUSDC").has_value());  // nothing changed
}

TEST_P(CandleDuplicatesTest, FirstKeepsTheFirstRowAndCountsTheConflict) {
  const CandleImportSummary s =
      Import(File("1704067260,1.5,2,1,1.9,6\n"), CandleDuplicatePolicy::kFirst);
  EXPECT_EQ(s.conflicting_duplicates, 1);
  EXPECT_EQ(s.identical_duplicates, 0);
  EXPECT_EQ(s.rows_read, 4);
  EXPECT_EQ(s.rows_in_store, 3);
  EXPECT_DOUBLE_EQ(CloseAt0001(s), 1.8);
  EXPECT_EQ(store_.candles().Info(s.instrument.id, Timeframe::k1m).count, 3);
}

TEST_P(CandleDuplicatesTest, LastKeepsTheLastRowAndCountsTheConflict) {
  const CandleImportSummary s =
      Import(File("1704067260,1.5,2,1,1.9,6\n"), CandleDuplicatePolicy::kLast);
  EXPECT_EQ(s.conflicting_duplicates, 1);
  EXPECT_EQ(s.rows_in_store, 3);
  EXPECT_DOUBLE_EQ(CloseAt0001(s), 1.9);
}

TEST_P(CandleDuplicatesTest, IdenticalRepeatsAreSkippedAndCountedUnderEveryPolicy) {
  for (CandleDuplicatePolicy policy :
       {CandleDuplicatePolicy::kRefuse, CandleDuplicatePolicy::kFirst,
        CandleDuplicatePolicy::kLast}) {
    const CandleImportSummary s = Import(File("1704067260,1.5,2,1,1.8,5\n"), policy);
    EXPECT_EQ(s.identical_duplicates, 1);
    EXPECT_EQ(s.conflicting_duplicates, 0);
    EXPECT_EQ(s.rows_read, 4);
    EXPECT_EQ(s.rows_in_store, 3);
    EXPECT_DOUBLE_EQ(CloseAt0001(s), 1.8);
  }
}

TRADESTORE_ON_BOTH_BACKENDS(CandleDuplicatesTest);

}  // namespace
}  // namespace tradestore
