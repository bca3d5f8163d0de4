// Times a store cannot hand back in text (issue 15 item 7): a time past
// 9999-12-31 (or before 0001-01-01) is refused where it is written, naming
// the column, on both backends and through both write paths (a bound
// statement and the bulk writer); the last representable time round-trips,
// and a far-future bound in a query is still only a bound.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sql/text_check.h"
#include "store/store_test_util.h"
#include "tradestore/error.h"

namespace tradestore {
namespace {

using testing::Backend;

class TimeRangeTest : public ::testing::TestWithParam<Backend> {
 protected:
  Store store_ = Store::Open(testing::FreshStoreUrl(GetParam()));
};

void ExpectRefused(const std::function<void()>& write, const std::string& column) {
  try {
    write();
    ADD_FAILURE() << "a time past 9999-12-31 was written";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    const std::string what = e.what();
    EXPECT_NE(what.find("'" + column + "'"), std::string::npos) << what;
    EXPECT_NE(what.find("10000-01-01T00:00:00Z"), std::string::npos) << what;
    EXPECT_NE(what.find("9999-12-31"), std::string::npos) << what;
  }
}

TEST_P(TimeRangeTest, ATimePastYear9999IsRefusedNamingTheColumnAndChangesNothing) {
  const Timestamp far = Timestamp::FromCivil(10000, 1, 1);
  Bot b;
  b.name = "far";
  b.created_at = far;
  ExpectRefused([&] { store_.bots().Create(b); }, "created_at");
  EXPECT_FALSE(store_.bots().FindByName("far").has_value());

  Instrument in;
  in.venue = "v";
  in.symbol = "BTCUSDC";
  in.base_asset = "BTC";
  in.quote_asset = "USDC";
  const Instrument instrument = store_.instruments().Upsert(in);
  std::vector<Candle> candles(2);
  candles[0].open_time = Timestamp::FromCivil(2024, 1, 1);
  candles[1].open_time = far;
  for (Candle& c : candles) {
    c.open = c.high = c.low = c.close = 1;
    c.volume = 1;
  }
  ExpectRefused([&] { store_.candles().Upsert(instrument.id, Timeframe::k1h, candles); },
                "open_time");
  EXPECT_TRUE(store_.candles().Range(instrument.id, Timeframe::k1h).empty());
  // Before year 1 too.
  b.created_at = Timestamp(Timestamp::kMinMicros - 1);
  EXPECT_THROW(store_.bots().Create(b), Error);
}

TEST_P(TimeRangeTest, TheLastRepresentableTimeRoundTripsAndAFarBoundStillQueries) {
  Bot b;
  b.name = "last";
  b.created_at = Timestamp(Timestamp::kMaxMicros);
  const Bot created = store_.bots().Create(b);
  const Timestamp back = store_.bots().Get(created.id).created_at;
  EXPECT_EQ(back, b.created_at);
  EXPECT_EQ(back.ToIso(), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(Timestamp::Parse(back.ToIso()), back);
  b.name = "first";
  b.created_at = Timestamp(Timestamp::kMinMicros);
  EXPECT_EQ(store_.bots().Get(store_.bots().Create(b).id).created_at.ToIso(),
            "0001-01-01T00:00:00Z");

  Instrument in;
  in.venue = "v";
  in.symbol = "ETHUSDC";
  in.base_asset = "ETH";
  in.quote_asset = "USDC";
  const Instrument instrument = store_.instruments().Upsert(in);
  Candle c;
  c.open_time = Timestamp::FromCivil(9999, 12, 31, 23);
  c.open = c.high = c.low = c.close = 2;
  c.volume = 1;
  store_.candles().Upsert(instrument.id, Timeframe::k1h, std::vector<Candle>{c});
  TimeRange range;
  range.from = Timestamp::FromCivil(2000, 1, 1);
  range.to = Timestamp::FromCivil(10000, 1, 1);  // a bound, not a stored time
  EXPECT_EQ(store_.candles().Range(instrument.id, Timeframe::k1h, range).size(), 1u);
}

TRADESTORE_ON_ALL_BACKENDS(TimeRangeTest);

}  // namespace
}  // namespace tradestore
