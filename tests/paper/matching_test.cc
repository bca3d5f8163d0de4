#include "paper/matching.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>

#include "tradestore/error.h"

namespace tradestore::paper {
namespace {

using literals::operator""_d;

// Decimals are compared through their canonical text so that a failure
// prints readable values.
std::string S(Decimal d) { return d.ToString(); }

constexpr Timestamp kCreated = Timestamp::FromSeconds(1'700'000'000);
constexpr Timestamp kNextCandle = kCreated + kMicrosPerMinute;

Instrument TestInstrument() {
  Instrument i;
  i.symbol = "BTCUSD";
  i.price_precision = 2;  // tick 0.01
  i.size_precision = 4;   // lot 0.0001
  return i;
}

PaperConfig NoCosts() {
  PaperConfig c;
  c.maker_fee_bps = "1"_d;
  c.taker_fee_bps = "5"_d;
  return c;
}

Order MakeOrder(Side side, OrderType type, Decimal quantity,
                std::optional<Decimal> limit = std::nullopt,
                std::optional<Decimal> stop = std::nullopt, TimeInForce tif = TimeInForce::kGtc) {
  Order o;
  o.id = 42;
  o.side = side;
  o.type = type;
  o.quantity = quantity;
  o.limit_price = limit;
  o.stop_price = stop;
  o.time_in_force = tif;
  o.status = OrderStatus::kAccepted;
  o.created_at = kCreated;
  o.updated_at = kCreated;
  return o;
}

Candle MakeCandle(double open, double high, double low, double close, double volume = 1000) {
  Candle c;
  c.open_time = kNextCandle;
  c.open = open;
  c.high = high;
  c.low = low;
  c.close = close;
  c.volume = volume;
  return c;
}

MatchResult Match(const Order& o, const Candle& c, const PaperConfig& config = NoCosts(),
                  bool triggered = false, const Instrument& instrument = TestInstrument()) {
  return MatchOrder(o, triggered, c, instrument, config);
}

void ExpectError(ErrorKind kind, const std::function<void()>& f) {
  try {
    f();
    ADD_FAILURE() << "no error thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
  }
}

// ---- market ----------------------------------------------------------------

TEST(MatchMarketTest, BuyFillsAtOpenAsTaker) {
  const MatchResult r =
      Match(MakeOrder(Side::kBuy, OrderType::kMarket, "2"_d), MakeCandle(100, 105, 99, 101));
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "100");
  EXPECT_EQ(S(r.fill->quantity), "2");
  EXPECT_EQ(r.fill->liquidity, Liquidity::kTaker);
  EXPECT_EQ(S(r.fill->fee), "0.1");  // 100 * 2 * 5 / 10000
  EXPECT_FALSE(r.stop_triggered);
}

TEST(MatchMarketTest, SellFillsAtOpenAsTaker) {
  const MatchResult r =
      Match(MakeOrder(Side::kSell, OrderType::kMarket, "0.5"_d), MakeCandle(100.25, 101, 99, 100));
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "100.25");
  EXPECT_EQ(S(r.fill->quantity), "0.5");
  EXPECT_EQ(r.fill->liquidity, Liquidity::kTaker);
  EXPECT_EQ(S(r.fill->fee), "0.0250625");  // 50.125 * 0.0005
}

TEST(MatchMarketTest, SlippageAgainstTraderRoundedToTick) {
  PaperConfig config = NoCosts();
  config.slippage_bps = "10"_d;
  const Candle c = MakeCandle(100.37, 101, 99, 100);
  // Buy: 100.37 * 1.001 = 100.47037, rounded up to 100.48.
  const MatchResult buy = Match(MakeOrder(Side::kBuy, OrderType::kMarket, "1"_d), c, config);
  ASSERT_TRUE(buy.fill.has_value());
  EXPECT_EQ(S(buy.fill->price), "100.48");
  // Sell: 100.37 * 0.999 = 100.26963, rounded down to 100.26.
  const MatchResult sell = Match(MakeOrder(Side::kSell, OrderType::kMarket, "1"_d), c, config);
  ASSERT_TRUE(sell.fill.has_value());
  EXPECT_EQ(S(sell.fill->price), "100.26");
}

TEST(MatchMarketTest, SlippageLandingOnATickIsNotBumped) {
  PaperConfig config = NoCosts();
  config.slippage_bps = "10"_d;
  const Candle c = MakeCandle(100, 101, 99, 100);
  // 100 * 1.001 = 100.1 and 100 * 0.999 = 99.9 exactly.
  EXPECT_EQ(S(Match(MakeOrder(Side::kBuy, OrderType::kMarket, "1"_d), c, config).fill->price),
            "100.1");
  EXPECT_EQ(S(Match(MakeOrder(Side::kSell, OrderType::kMarket, "1"_d), c, config).fill->price),
            "99.9");
}

TEST(MatchMarketTest, ExplicitTickSize) {
  PaperConfig config = NoCosts();
  config.slippage_bps = "10"_d;
  Instrument inst = TestInstrument();
  inst.tick_size = "0.5"_d;
  const Candle c = MakeCandle(100.2, 101, 99, 100);
  // Buy: 100.3002 -> 100.5; sell: 100.0998 -> 100.
  EXPECT_EQ(S(Match(MakeOrder(Side::kBuy, OrderType::kMarket, "1"_d), c, config, false, inst)
                  .fill->price),
            "100.5");
  EXPECT_EQ(S(Match(MakeOrder(Side::kSell, OrderType::kMarket, "1"_d), c, config, false, inst)
                  .fill->price),
            "100");
}

TEST(MatchMarketTest, CandlePricesConvertedAtPricePrecision) {
  // 100.004999 becomes 100 at two places.
  const MatchResult r =
      Match(MakeOrder(Side::kBuy, OrderType::kMarket, "1"_d), MakeCandle(100.004999, 101, 99, 100));
  EXPECT_EQ(S(r.fill->price), "100");
}

// ---- limit -----------------------------------------------------------------

TEST(MatchLimitTest, BuyTouchedFillsAtLimitAsMaker) {
  const Order o = MakeOrder(Side::kBuy, OrderType::kLimit, "2"_d, "99.5"_d);
  const MatchResult r = Match(o, MakeCandle(100, 101, 99.4, 100));
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "99.5");
  EXPECT_EQ(S(r.fill->quantity), "2");
  EXPECT_EQ(r.fill->liquidity, Liquidity::kMaker);
  EXPECT_EQ(S(r.fill->fee), "0.0199");  // 199 * 1 / 10000
  EXPECT_FALSE(r.stop_triggered);
}

TEST(MatchLimitTest, BuyLowEqualToLimitFills) {
  const Order o = MakeOrder(Side::kBuy, OrderType::kLimit, "1"_d, "99.5"_d);
  const MatchResult r = Match(o, MakeCandle(100, 101, 99.5, 100));
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "99.5");
}

TEST(MatchLimitTest, BuyGapDownFillsAtOpenAsTakerWithoutSlippage) {
  PaperConfig config = NoCosts();
  config.slippage_bps = "25"_d;
  const Order o = MakeOrder(Side::kBuy, OrderType::kLimit, "1"_d, "99.5"_d);
  const MatchResult r = Match(o, MakeCandle(98, 99, 97, 98.5), config);
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "98");
  EXPECT_EQ(r.fill->liquidity, Liquidity::kTaker);
  EXPECT_EQ(S(r.fill->fee), "0.049");  // 98 * 0.0005
}

TEST(MatchLimitTest, BuyUntouchedDoesNotFill) {
  const Order o = MakeOrder(Side::kBuy, OrderType::kLimit, "1"_d, "99.5"_d);
  const MatchResult r = Match(o, MakeCandle(100, 101, 99.51, 100));
  EXPECT_FALSE(r.fill.has_value());
  EXPECT_FALSE(r.stop_triggered);
}

TEST(MatchLimitTest, SellTouchedFillsAtLimitAsMaker) {
  const Order o = MakeOrder(Side::kSell, OrderType::kLimit, "3"_d, "101"_d);
  const MatchResult r = Match(o, MakeCandle(100, 101.2, 99, 100));
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "101");
  EXPECT_EQ(r.fill->liquidity, Liquidity::kMaker);
  EXPECT_EQ(S(r.fill->fee), "0.0303");  // 303 * 0.0001
}

TEST(MatchLimitTest, SellGapUpFillsAtOpenAsTaker) {
  const Order o = MakeOrder(Side::kSell, OrderType::kLimit, "1"_d, "101"_d);
  const MatchResult r = Match(o, MakeCandle(102, 103, 101.5, 102));
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "102");
  EXPECT_EQ(r.fill->liquidity, Liquidity::kTaker);
}

TEST(MatchLimitTest, SellUntouchedDoesNotFill) {
  const Order o = MakeOrder(Side::kSell, OrderType::kLimit, "1"_d, "101"_d);
  EXPECT_FALSE(Match(o, MakeCandle(100, 100.99, 99, 100)).fill.has_value());
}

// ---- stop ------------------------------------------------------------------

TEST(MatchStopTest, BuyTriggersIntrabarAtStopPlusSlippage) {
  PaperConfig config = NoCosts();
  config.slippage_bps = "10"_d;
  const Order o = MakeOrder(Side::kBuy, OrderType::kStop, "1"_d, std::nullopt, "102"_d);
  const MatchResult r = Match(o, MakeCandle(100, 103, 99, 102.5), config);
  EXPECT_TRUE(r.stop_triggered);
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "102.11");  // 102 * 1.001 = 102.102, up
  EXPECT_EQ(r.fill->liquidity, Liquidity::kTaker);
  EXPECT_EQ(S(r.fill->fee), "0.051055");  // 102.11 * 0.0005
}

TEST(MatchStopTest, BuyGapThroughFillsAtOpen) {
  const Order o = MakeOrder(Side::kBuy, OrderType::kStop, "1"_d, std::nullopt, "102"_d);
  const MatchResult r = Match(o, MakeCandle(104, 105, 103, 104));
  EXPECT_TRUE(r.stop_triggered);
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "104");
}

TEST(MatchStopTest, BuyNotTriggered) {
  const Order o = MakeOrder(Side::kBuy, OrderType::kStop, "1"_d, std::nullopt, "102"_d);
  const MatchResult r = Match(o, MakeCandle(100, 101.99, 95, 100));
  EXPECT_FALSE(r.stop_triggered);
  EXPECT_FALSE(r.fill.has_value());
}

TEST(MatchStopTest, SellTriggersIntrabarAtStopMinusSlippage) {
  PaperConfig config = NoCosts();
  config.slippage_bps = "10"_d;
  const Order o = MakeOrder(Side::kSell, OrderType::kStop, "1"_d, std::nullopt, "98"_d);
  const MatchResult r = Match(o, MakeCandle(100, 101, 97.5, 98), config);
  EXPECT_TRUE(r.stop_triggered);
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "97.9");  // 98 * 0.999 = 97.902, down
  EXPECT_EQ(r.fill->liquidity, Liquidity::kTaker);
}

TEST(MatchStopTest, SellGapThroughFillsAtOpen) {
  const Order o = MakeOrder(Side::kSell, OrderType::kStop, "1"_d, std::nullopt, "98"_d);
  const MatchResult r = Match(o, MakeCandle(96, 97, 95, 96));
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "96");
}

TEST(MatchStopTest, SellNotTriggered) {
  const Order o = MakeOrder(Side::kSell, OrderType::kStop, "1"_d, std::nullopt, "98"_d);
  const MatchResult r = Match(o, MakeCandle(100, 110, 98.01, 100));
  EXPECT_FALSE(r.stop_triggered);
  EXPECT_FALSE(r.fill.has_value());
}

TEST(MatchStopTest, AlreadyTriggeredFillsLikeMarketAtOpen) {
  const Order o = MakeOrder(Side::kBuy, OrderType::kStop, "1"_d, std::nullopt, "102"_d);
  // The candle never reaches the stop; the order was triggered earlier.
  const MatchResult r = Match(o, MakeCandle(101, 101.5, 100, 101), NoCosts(), true);
  EXPECT_TRUE(r.stop_triggered);
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "101");
}

TEST(MatchStopTest, TriggeredButVolumeCapZeroStaysTriggered) {
  PaperConfig config = NoCosts();
  config.max_volume_participation = 0.1;
  const Order o = MakeOrder(Side::kBuy, OrderType::kStop, "1"_d, std::nullopt, "102"_d);
  const MatchResult r = Match(o, MakeCandle(100, 103, 99, 102, 0), config);
  EXPECT_TRUE(r.stop_triggered);
  EXPECT_FALSE(r.fill.has_value());
}

// ---- stop-limit ------------------------------------------------------------

TEST(MatchStopLimitTest, BuyIntrabarTriggerWithinLimitFillsAtStop) {
  const Order o = MakeOrder(Side::kBuy, OrderType::kStopLimit, "1"_d, "102.5"_d, "102"_d);
  const MatchResult r = Match(o, MakeCandle(100, 103, 99, 102));
  EXPECT_TRUE(r.stop_triggered);
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "102");
  EXPECT_EQ(r.fill->liquidity, Liquidity::kTaker);
}

TEST(MatchStopLimitTest, BuyGapThroughStopOpenWithinLimitFillsAtOpen) {
  PaperConfig config = NoCosts();
  config.slippage_bps = "50"_d;  // not applied: a stop-limit is price-protected
  const Order o = MakeOrder(Side::kBuy, OrderType::kStopLimit, "1"_d, "102.5"_d, "102"_d);
  const MatchResult r = Match(o, MakeCandle(102.2, 103, 102.1, 102.5), config);
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "102.2");
  EXPECT_EQ(r.fill->liquidity, Liquidity::kTaker);
}

TEST(MatchStopLimitTest, BuyGapAboveLimitThenBackToLimitFillsAtLimitAsMaker) {
  const Order o = MakeOrder(Side::kBuy, OrderType::kStopLimit, "1"_d, "102.5"_d, "102"_d);
  const MatchResult r = Match(o, MakeCandle(104, 105, 102.3, 103));
  EXPECT_TRUE(r.stop_triggered);
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "102.5");
  EXPECT_EQ(r.fill->liquidity, Liquidity::kMaker);
}

TEST(MatchStopLimitTest, BuyGapAboveLimitNotBackTriggersOnly) {
  const Order o = MakeOrder(Side::kBuy, OrderType::kStopLimit, "1"_d, "102.5"_d, "102"_d);
  const MatchResult r = Match(o, MakeCandle(104, 105, 103, 104));
  EXPECT_TRUE(r.stop_triggered);
  EXPECT_FALSE(r.fill.has_value());
}

TEST(MatchStopLimitTest, BuyIntrabarTriggerAboveLimitDoesNotFillOnTriggerCandle) {
  // Limit below the stop: OHLC cannot show a return to 101.5 after the
  // trigger at 102, even though the low is below the limit.
  const Order o = MakeOrder(Side::kBuy, OrderType::kStopLimit, "1"_d, "101.5"_d, "102"_d);
  const MatchResult r = Match(o, MakeCandle(100, 103, 99, 102));
  EXPECT_TRUE(r.stop_triggered);
  EXPECT_FALSE(r.fill.has_value());
}

TEST(MatchStopLimitTest, TriggeredEarlierActsAsLimit) {
  const Order o = MakeOrder(Side::kBuy, OrderType::kStopLimit, "1"_d, "101.5"_d, "102"_d);
  const MatchResult touched = Match(o, MakeCandle(103, 104, 101, 102), NoCosts(), true);
  EXPECT_TRUE(touched.stop_triggered);
  ASSERT_TRUE(touched.fill.has_value());
  EXPECT_EQ(S(touched.fill->price), "101.5");
  EXPECT_EQ(touched.fill->liquidity, Liquidity::kMaker);

  const MatchResult gap = Match(o, MakeCandle(100, 100.5, 99, 100), NoCosts(), true);
  ASSERT_TRUE(gap.fill.has_value());
  EXPECT_EQ(S(gap.fill->price), "100");
  EXPECT_EQ(gap.fill->liquidity, Liquidity::kTaker);

  const MatchResult untouched = Match(o, MakeCandle(103, 104, 102, 103), NoCosts(), true);
  EXPECT_TRUE(untouched.stop_triggered);
  EXPECT_FALSE(untouched.fill.has_value());
}

TEST(MatchStopLimitTest, BuyNotTriggered) {
  const Order o = MakeOrder(Side::kBuy, OrderType::kStopLimit, "1"_d, "102.5"_d, "102"_d);
  const MatchResult r = Match(o, MakeCandle(100, 101, 99, 100));
  EXPECT_FALSE(r.stop_triggered);
  EXPECT_FALSE(r.fill.has_value());
}

TEST(MatchStopLimitTest, SellIntrabarTriggerWithinLimitFillsAtStop) {
  const Order o = MakeOrder(Side::kSell, OrderType::kStopLimit, "1"_d, "97.5"_d, "98"_d);
  const MatchResult r = Match(o, MakeCandle(100, 101, 97, 98));
  EXPECT_TRUE(r.stop_triggered);
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "98");
  EXPECT_EQ(r.fill->liquidity, Liquidity::kTaker);
}

TEST(MatchStopLimitTest, SellGapBelowLimitThenBackToLimitFillsAtLimitAsMaker) {
  const Order o = MakeOrder(Side::kSell, OrderType::kStopLimit, "1"_d, "97.5"_d, "98"_d);
  const MatchResult r = Match(o, MakeCandle(96, 97.8, 95, 97));
  EXPECT_TRUE(r.stop_triggered);
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->price), "97.5");
  EXPECT_EQ(r.fill->liquidity, Liquidity::kMaker);
}

TEST(MatchStopLimitTest, SellGapBelowLimitNotBackTriggersOnly) {
  const Order o = MakeOrder(Side::kSell, OrderType::kStopLimit, "1"_d, "97.5"_d, "98"_d);
  const MatchResult r = Match(o, MakeCandle(96, 97.4, 95, 97));
  EXPECT_TRUE(r.stop_triggered);
  EXPECT_FALSE(r.fill.has_value());
}

TEST(MatchStopLimitTest, SellNotTriggered) {
  const Order o = MakeOrder(Side::kSell, OrderType::kStopLimit, "1"_d, "97.5"_d, "98"_d);
  const MatchResult r = Match(o, MakeCandle(100, 101, 98.5, 100));
  EXPECT_FALSE(r.stop_triggered);
  EXPECT_FALSE(r.fill.has_value());
}

// ---- fees ------------------------------------------------------------------

TEST(MatchFeeTest, MakerRebateAndTakerFeeExact) {
  PaperConfig config;
  config.maker_fee_bps = "-2.5"_d;
  config.taker_fee_bps = "7.5"_d;
  // Taker: 101.25 * 0.3 = 30.375; * 0.00075 = 0.02278125.
  const MatchResult taker = Match(MakeOrder(Side::kBuy, OrderType::kMarket, "0.3"_d),
                                  MakeCandle(101.25, 102, 100, 101), config);
  EXPECT_EQ(S(taker.fill->fee), "0.02278125");
  // Maker: 99.5 * 0.3 = 29.85; * -0.00025 = -0.0074625.
  const MatchResult maker = Match(MakeOrder(Side::kBuy, OrderType::kLimit, "0.3"_d, "99.5"_d),
                                  MakeCandle(100, 101, 99, 100), config);
  EXPECT_EQ(maker.fill->liquidity, Liquidity::kMaker);
  EXPECT_EQ(S(maker.fill->fee), "-0.0074625");
}

TEST(MatchFeeTest, FeeRoundsHalfEvenAtScale) {
  PaperConfig config;
  config.maker_fee_bps = "5000"_d;  // 50%, to put a tie at the 19th place
  Instrument inst = TestInstrument();
  inst.price_precision = 18;
  const Candle c = MakeCandle(1.5, 1.5, 0.5, 1);
  // 1.000000000000000001 * 0.5 = 0.5000000000000000005 -> 0.5 (even).
  MatchResult r = Match(MakeOrder(Side::kBuy, OrderType::kLimit, "1"_d, "1.000000000000000001"_d),
                        c, config, false, inst);
  EXPECT_EQ(S(r.fill->fee), "0.5");
  // 1.000000000000000003 * 0.5 = 0.5000000000000000015 -> ...002 (even).
  r = Match(MakeOrder(Side::kBuy, OrderType::kLimit, "1"_d, "1.000000000000000003"_d), c, config,
            false, inst);
  EXPECT_EQ(S(r.fill->fee), "0.500000000000000002");
}

// ---- participation cap -----------------------------------------------------

TEST(MatchParticipationTest, CapsFillAtFractionOfVolumeRoundedDownToLot) {
  PaperConfig config = NoCosts();
  config.max_volume_participation = 0.25;
  Instrument inst = TestInstrument();
  inst.lot_size = "0.001"_d;
  // 0.25 * 12.3456 = 3.0864 -> 3.086.
  const MatchResult r = Match(MakeOrder(Side::kBuy, OrderType::kMarket, "10"_d),
                              MakeCandle(100, 101, 99, 100, 12.3456), config, false, inst);
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->quantity), "3.086");
  EXPECT_EQ(S(r.fill->fee), "0.1543");  // 308.6 * 0.0005
}

TEST(MatchParticipationTest, CapIsComputedInDecimal) {
  PaperConfig config = NoCosts();
  config.max_volume_participation = 0.29;
  // In double, 0.29 * 100 = 28.999999999999996.
  const MatchResult r = Match(MakeOrder(Side::kSell, OrderType::kMarket, "50"_d),
                              MakeCandle(100, 101, 99, 100, 100), config);
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->quantity), "29");
}

TEST(MatchParticipationTest, RemainingBelowCapFillsRemaining) {
  PaperConfig config = NoCosts();
  config.max_volume_participation = 0.1;
  Order o = MakeOrder(Side::kBuy, OrderType::kLimit, "10"_d, "99.5"_d);
  o.status = OrderStatus::kPartiallyFilled;
  o.filled_quantity = "8"_d;
  const MatchResult r = Match(o, MakeCandle(100, 101, 99, 100, 30), config);
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->quantity), "2");
}

TEST(MatchParticipationTest, ZeroCapMeansNoFill) {
  PaperConfig config = NoCosts();
  config.max_volume_participation = 0.1;
  // 0.1 * 0.0009 = 0.00009, below one lot of 0.0001.
  const MatchResult r = Match(MakeOrder(Side::kBuy, OrderType::kMarket, "1"_d),
                              MakeCandle(100, 101, 99, 100, 0.0009), config);
  EXPECT_FALSE(r.fill.has_value());
}

TEST(MatchParticipationTest, UnlimitedIgnoresVolume) {
  const MatchResult r =
      Match(MakeOrder(Side::kBuy, OrderType::kMarket, "1000"_d), MakeCandle(100, 100, 100, 100, 0));
  ASSERT_TRUE(r.fill.has_value());
  EXPECT_EQ(S(r.fill->quantity), "1000");
}

TEST(MatchParticipationTest, IocTakesPartialFokAllOrNothing) {
  PaperConfig config = NoCosts();
  config.max_volume_participation = 0.5;
  const Candle c = MakeCandle(100, 101, 99, 100, 6);  // cap 3
  const MatchResult ioc = Match(MakeOrder(Side::kBuy, OrderType::kMarket, "5"_d, std::nullopt,
                                          std::nullopt, TimeInForce::kIoc),
                                c, config);
  ASSERT_TRUE(ioc.fill.has_value());
  EXPECT_EQ(S(ioc.fill->quantity), "3");

  const MatchResult fok_partial = Match(MakeOrder(Side::kBuy, OrderType::kMarket, "5"_d,
                                                  std::nullopt, std::nullopt, TimeInForce::kFok),
                                        c, config);
  EXPECT_FALSE(fok_partial.fill.has_value());

  const MatchResult fok_full = Match(MakeOrder(Side::kBuy, OrderType::kMarket, "3"_d, std::nullopt,
                                               std::nullopt, TimeInForce::kFok),
                                     c, config);
  ASSERT_TRUE(fok_full.fill.has_value());
  EXPECT_EQ(S(fok_full.fill->quantity), "3");
}

// ---- time in force ---------------------------------------------------------

TEST(ShouldExpireTest, GtcNever) {
  const Order o = MakeOrder(Side::kBuy, OrderType::kLimit, "1"_d, "1"_d);
  EXPECT_FALSE(ShouldExpire(o, kCreated + 400 * kMicrosPerDay, true));
}

TEST(ShouldExpireTest, IocAndFokAfterTheirOneCandle) {
  for (TimeInForce tif : {TimeInForce::kIoc, TimeInForce::kFok}) {
    const Order o = MakeOrder(Side::kBuy, OrderType::kLimit, "1"_d, "1"_d, std::nullopt, tif);
    EXPECT_FALSE(ShouldExpire(o, kNextCandle, false)) << ToString(tif);
    EXPECT_TRUE(ShouldExpire(o, kNextCandle + kMicrosPerMinute, true)) << ToString(tif);
  }
}

TEST(ShouldExpireTest, DayAtEndOfUtcDayOfCreation) {
  Order o = MakeOrder(Side::kBuy, OrderType::kLimit, "1"_d, "1"_d, std::nullopt, TimeInForce::kDay);
  o.created_at = Timestamp::FromCivil(2024, 3, 5, 15, 30);
  const Timestamp midnight = Timestamp::FromCivil(2024, 3, 6);
  EXPECT_FALSE(ShouldExpire(o, Timestamp::FromCivil(2024, 3, 5, 15, 31), true));
  EXPECT_FALSE(ShouldExpire(o, midnight - 1, true));
  EXPECT_TRUE(ShouldExpire(o, midnight, false));
  EXPECT_TRUE(ShouldExpire(o, midnight + kMicrosPerDay, true));

  // Created exactly at midnight: the whole day.
  o.created_at = Timestamp::FromCivil(2024, 3, 5);
  EXPECT_FALSE(ShouldExpire(o, midnight - 1, true));
  EXPECT_TRUE(ShouldExpire(o, midnight, true));
}

TEST(ShouldExpireTest, TerminalOrdersNeverExpire) {
  Order o = MakeOrder(Side::kBuy, OrderType::kMarket, "1"_d, std::nullopt, std::nullopt,
                      TimeInForce::kIoc);
  o.status = OrderStatus::kFilled;
  EXPECT_FALSE(ShouldExpire(o, kNextCandle, true));
}

// ---- invalid input ---------------------------------------------------------

TEST(MatchOrderTest, RejectsOrdersMissingPrices) {
  const Candle c = MakeCandle(100, 101, 99, 100);
  ExpectError(ErrorKind::kInvalidArgument,
              [&] { Match(MakeOrder(Side::kBuy, OrderType::kLimit, "1"_d), c); });
  ExpectError(ErrorKind::kInvalidArgument,
              [&] { Match(MakeOrder(Side::kBuy, OrderType::kStop, "1"_d, "100"_d), c); });
  ExpectError(ErrorKind::kInvalidArgument, [&] {
    Match(MakeOrder(Side::kBuy, OrderType::kStopLimit, "1"_d, std::nullopt, "100"_d), c);
  });
  ExpectError(ErrorKind::kInvalidArgument,
              [&] { Match(MakeOrder(Side::kBuy, OrderType::kLimit, "1"_d, "0"_d), c); });
}

TEST(MatchOrderTest, RejectsTerminalAndExhaustedOrders) {
  const Candle c = MakeCandle(100, 101, 99, 100);
  Order o = MakeOrder(Side::kBuy, OrderType::kMarket, "1"_d);
  o.status = OrderStatus::kCancelled;
  ExpectError(ErrorKind::kConflict, [&] { Match(o, c); });
  o.status = OrderStatus::kPartiallyFilled;
  o.filled_quantity = "1"_d;
  ExpectError(ErrorKind::kInvalidArgument, [&] { Match(o, c); });
}

TEST(MatchOrderTest, RejectsLookAheadAndMalformedCandles) {
  const Order o = MakeOrder(Side::kBuy, OrderType::kMarket, "1"_d);
  Candle early = MakeCandle(100, 101, 99, 100);
  early.open_time = kCreated - kMicrosPerMinute;
  ExpectError(ErrorKind::kInvalidArgument, [&] { Match(o, early); });
  // A candle opening at the order's creation time is allowed.
  Candle same = early;
  same.open_time = kCreated;
  EXPECT_TRUE(Match(o, same).fill.has_value());

  ExpectError(ErrorKind::kInvalidArgument, [&] { Match(o, MakeCandle(100, 99, 98, 99)); });
  ExpectError(ErrorKind::kInvalidArgument, [&] { Match(o, MakeCandle(100, 101, 100.5, 100)); });
  ExpectError(ErrorKind::kInvalidArgument, [&] { Match(o, MakeCandle(100, 101, 99, 100, -1)); });
  ExpectError(ErrorKind::kInvalidArgument, [&] { Match(o, MakeCandle(0, 0, 0, 0)); });
}

TEST(MatchOrderTest, RejectsInvalidConfig) {
  const Order o = MakeOrder(Side::kBuy, OrderType::kMarket, "1"_d);
  const Candle c = MakeCandle(100, 101, 99, 100);
  PaperConfig config = NoCosts();
  config.slippage_bps = "-1"_d;
  ExpectError(ErrorKind::kInvalidArgument, [&] { Match(o, c, config); });
  config = NoCosts();
  config.max_volume_participation = 1.5;
  ExpectError(ErrorKind::kInvalidArgument, [&] { Match(o, c, config); });
  config = NoCosts();
  config.taker_fee_bps = "10000"_d;
  ExpectError(ErrorKind::kInvalidArgument, [&] { Match(o, c, config); });
}

}  // namespace
}  // namespace tradestore::paper

namespace tradestore::paper {
namespace {

TEST(MatchingFeeDecimals, FeeIsRoundedHalfEvenToTheConfiguredPlaces) {
  Instrument instrument;
  instrument.id = 1;
  instrument.symbol = "BTCUSDC";
  instrument.price_precision = 2;
  instrument.size_precision = 8;
  Order order;
  order.id = 1;
  order.instrument_id = 1;
  order.side = Side::kBuy;
  order.type = OrderType::kMarket;
  order.status = OrderStatus::kAccepted;
  order.quantity = Decimal::Parse("0.123");
  order.created_at = Timestamp::FromSeconds(0);
  Candle candle{Timestamp::FromSeconds(60), 100.05, 101, 99, 100.5, 10, -1};
  PaperConfig config;
  config.taker_fee_bps = Decimal::Parse("10");
  MatchResult exact = MatchOrder(order, false, candle, instrument, config);
  ASSERT_TRUE(exact.fill.has_value());
  EXPECT_EQ(exact.fill->fee.ToString(), "0.01230615");  // 100.05 * 0.123 * 0.001
  config.fee_decimals = 2;
  MatchResult rounded = MatchOrder(order, false, candle, instrument, config);
  EXPECT_EQ(rounded.fill->fee.ToString(), "0.01");
  config.fee_decimals = 19;
  EXPECT_THROW(MatchOrder(order, false, candle, instrument, config), Error);
}

}  // namespace
}  // namespace tradestore::paper
