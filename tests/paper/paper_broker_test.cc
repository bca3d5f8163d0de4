// Integration tests of PaperBroker on a real (in-memory SQLite) store. Every
// case runs hand-made candles through the broker and compares the recorded
// fills, orders, positions, trades and ledger with values computed by hand
// from the rules in src/paper/matching.h.
//
// Instrument: BTCUSDC, 2 price decimals (tick 0.01), 5 size decimals (lot
// 0.00001), quote currency USDC. Timeframe: 1 minute. The account starts
// with a deposit of 10000 USDC.
#include "tradestore/paper_broker.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "store/store_test_util.h"
#include "tradestore/error.h"

namespace tradestore::paper {
namespace {

using literals::operator""_d;

// 2024-03-01T00:00:00Z.
constexpr Timestamp kT0 = Timestamp::FromSeconds(1'709'251'200);
constexpr Timeframe kTf = Timeframe::k1m;
const Decimal kDeposit = "10000"_d;

// The open time of the n-th one-minute candle after kT0 (n may be negative).
constexpr Timestamp Minute(int n) { return kT0 + n * kMicrosPerMinute; }

Candle MakeCandle(Timestamp open_time, double open, double high, double low, double close,
                  double volume = 1000) {
  Candle c;
  c.open_time = open_time;
  c.open = open;
  c.high = high;
  c.low = low;
  c.close = close;
  c.volume = volume;
  return c;
}

PaperConfig Config(Decimal maker_bps, Decimal taker_bps, Decimal slippage_bps,
                   double participation = 0) {
  PaperConfig c;
  c.maker_fee_bps = maker_bps;
  c.taker_fee_bps = taker_bps;
  c.slippage_bps = slippage_bps;
  c.max_volume_participation = participation;
  return c;
}

// The kind of the Error that `f` throws, or nullopt if it throws nothing.
template <typename F>
std::optional<ErrorKind> ThrownKind(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  return std::nullopt;
}

std::vector<OrderStatus> EventStatuses(const std::vector<OrderEvent>& events) {
  std::vector<OrderStatus> out;
  for (const OrderEvent& e : events) out.push_back(e.to_status);
  return out;
}

class PaperBrokerTest : public ::testing::Test {
 protected:
  PaperBrokerTest() : db_("sqlite::memory:") {
    LedgerEntry deposit;
    deposit.bot_id = bot();
    deposit.account_id = account();
    deposit.time = Minute(-10);
    deposit.type = LedgerEntryType::kDeposit;
    deposit.currency = "USDC";
    deposit.amount = kDeposit;
    store().ledger().Post(deposit);
  }

  Store& store() { return db_.store; }
  BotId bot() const { return db_.bot.id; }
  AccountId account() const { return db_.account.id; }
  const Instrument& instrument() const { return db_.instrument; }

  PaperBroker Broker(const PaperConfig& config) {
    return PaperBroker(store(), bot(), account(), config);
  }

  // Submits an order decided at `created` (it works from the candle that
  // opens at or after `created`).
  Order Submit(PaperBroker& broker, Side side, OrderType type, Decimal quantity, Timestamp created,
               std::optional<Decimal> limit = std::nullopt,
               std::optional<Decimal> stop = std::nullopt, TimeInForce tif = TimeInForce::kGtc,
               std::string exit_reason = {}) {
    Order o;
    o.instrument_id = instrument().id;
    o.side = side;
    o.type = type;
    o.quantity = quantity;
    o.limit_price = limit;
    o.stop_price = stop;
    o.time_in_force = tif;
    o.exit_reason = std::move(exit_reason);
    o.created_at = created;
    return broker.Submit(o);
  }

  std::vector<FillOutcome> Run(PaperBroker& broker, const Candle& candle) {
    return broker.OnCandle(instrument(), kTf, candle);
  }

  Order GetOrder(OrderId id) { return store().orders().Get(bot(), id); }
  std::vector<Fill> AllFills() { return store().orders().ListFills(bot()); }
  std::vector<LedgerEntry> Ledger() { return store().ledger().Entries(bot(), account(), "USDC"); }
  Decimal Balance() { return store().accounts().BalanceOf(bot(), account(), "USDC"); }
  Decimal SumEntries() { return store().ledger().SumEntries(bot(), account(), "USDC"); }
  std::optional<Position> GetPosition() {
    return store().positions().Get(bot(), account(), instrument().id);
  }
  std::vector<Trade> Trades() {
    TradeFilter f;
    f.bot = bot();
    return store().trades().List(f);
  }

  testing::Seeded db_;
};

// ---- market orders ----------------------------------------------------------

TEST_F(PaperBrokerTest, MarketBuyFillsAtNextOpenPlusSlippageRoundedUpWithTakerFee) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "5"_d));
  // Decided at the close of the candle that opened at Minute(0).
  const Order submitted = Submit(broker, Side::kBuy, OrderType::kMarket, "0.5"_d, Minute(1));
  EXPECT_EQ(submitted.status, OrderStatus::kAccepted);
  EXPECT_EQ(submitted.bot_id, bot());
  EXPECT_EQ(submitted.account_id, account());

  // A candle that opens before the order's creation is never matched.
  EXPECT_TRUE(Run(broker, MakeCandle(Minute(0), 99, 101, 98, 100)).empty());
  EXPECT_EQ(GetOrder(submitted.id).status, OrderStatus::kAccepted);
  EXPECT_TRUE(AllFills().empty());

  // 100.01 * 1.0005 = 100.060005 -> ceil to the tick: 100.07.
  // Fee: 100.07 * 0.5 * 10 / 10000 = 0.050035.
  const std::vector<FillOutcome> fills =
      Run(broker, MakeCandle(Minute(1), 100.01, 100.5, 99.9, 100.2));
  ASSERT_EQ(fills.size(), 1u);
  const Fill& f = fills[0].fill;
  EXPECT_EQ(f.price, "100.07"_d);
  EXPECT_EQ(f.quantity, "0.5"_d);
  EXPECT_EQ(f.fee, "0.050035"_d);
  EXPECT_EQ(f.fee_currency, "USDC");
  EXPECT_EQ(f.liquidity, Liquidity::kTaker);
  EXPECT_EQ(f.side, Side::kBuy);
  EXPECT_EQ(f.venue, "paper");
  EXPECT_EQ(f.time, Minute(1));

  const Order order = GetOrder(submitted.id);
  EXPECT_EQ(order.status, OrderStatus::kFilled);
  EXPECT_EQ(order.filled_quantity, "0.5"_d);
  EXPECT_EQ(order.average_fill_price, "100.07"_d);

  const std::optional<Position> pos = GetPosition();
  ASSERT_TRUE(pos.has_value());
  EXPECT_EQ(pos->quantity, "0.5"_d);
  EXPECT_EQ(pos->average_entry_price, "100.07"_d);
  EXPECT_EQ(pos->fees, "0.050035"_d);
  EXPECT_EQ(pos->opened_at, Minute(1));

  const std::vector<LedgerEntry> ledger = Ledger();
  ASSERT_EQ(ledger.size(), 2u);  // the deposit and the fee; no P&L on an open
  EXPECT_EQ(ledger[1].type, LedgerEntryType::kFee);
  EXPECT_EQ(ledger[1].amount, "-0.050035"_d);
  EXPECT_EQ(ledger[1].currency, "USDC");
  EXPECT_EQ(ledger[1].order_id, submitted.id);
  EXPECT_EQ(ledger[1].fill_id, f.id);
  EXPECT_EQ(ledger[1].balance_after, "9999.949965"_d);
  EXPECT_EQ(Balance(), "9999.949965"_d);
  EXPECT_EQ(SumEntries(), Balance());

  // Filled: later candles do nothing.
  EXPECT_TRUE(Run(broker, MakeCandle(Minute(2), 100, 101, 99, 100)).empty());
  EXPECT_EQ(AllFills().size(), 1u);
}

TEST_F(PaperBrokerTest, LongRoundTripRecordsTradeWithFeesMaeMfeAndBalancedLedger) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "5"_d));
  const Order buy = Submit(broker, Side::kBuy, OrderType::kMarket, "2"_d, Minute(1));

  // Entry: 200 * 1.0005 = 200.1 (already on the tick). Fee 200.1 * 2 * 0.001
  // = 0.4002.
  auto fills = Run(broker, MakeCandle(Minute(1), 200, 203, 198, 201));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.price, "200.1"_d);
  EXPECT_EQ(fills[0].fill.fee, "0.4002"_d);
  EXPECT_FALSE(fills[0].closed_trade.has_value());
  EXPECT_TRUE(Run(broker, MakeCandle(Minute(2), 201, 207.5, 199.5, 206)).empty());

  // Exit decided at the close of Minute(2). 206 * 0.9995 = 205.897 -> floor
  // to the tick: 205.89. Fee 205.89 * 2 * 0.001 = 0.41178.
  const Order sell = Submit(broker, Side::kSell, OrderType::kMarket, "2"_d, Minute(3));
  // The exit candle's low (190) comes after the exit at its open: it must
  // not count as an excursion of the trade.
  fills = Run(broker, MakeCandle(Minute(3), 206, 208, 190, 195));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.price, "205.89"_d);
  EXPECT_EQ(fills[0].fill.fee, "0.41178"_d);
  EXPECT_EQ(fills[0].change.realized_pnl, "11.58"_d);
  ASSERT_TRUE(fills[0].closed_trade.has_value());

  const std::vector<Trade> trades = Trades();
  ASSERT_EQ(trades.size(), 1u);
  const Trade& t = trades[0];
  EXPECT_EQ(t.id, fills[0].closed_trade->id);
  EXPECT_EQ(t.side, Side::kBuy);
  EXPECT_EQ(t.entry_price, "200.1"_d);
  EXPECT_EQ(t.exit_price, "205.89"_d);
  EXPECT_EQ(t.quantity, "2"_d);
  EXPECT_EQ(t.gross_pnl, "11.58"_d);  // (205.89 - 200.1) * 2
  EXPECT_EQ(t.fees, "0.81198"_d);     // 0.4002 + 0.41178
  EXPECT_EQ(t.net_pnl, "10.76802"_d);
  // MAE: 200.1 - lowest low while open (198, the entry candle) = 2.1.
  // MFE: highest high while open (207.5) - 200.1 = 7.4.
  EXPECT_EQ(t.mae, "2.1"_d);
  EXPECT_EQ(t.mfe, "7.4"_d);
  EXPECT_EQ(t.entry_time, Minute(1));
  EXPECT_EQ(t.exit_time, Minute(3));
  EXPECT_EQ(t.duration(), 2 * kMicrosPerMinute);
  EXPECT_EQ(t.exit_reason, "signal");

  EXPECT_EQ(GetOrder(buy.id).status, OrderStatus::kFilled);
  EXPECT_EQ(GetOrder(sell.id).status, OrderStatus::kFilled);
  const std::optional<Position> pos = GetPosition();
  ASSERT_TRUE(pos.has_value());
  EXPECT_TRUE(pos->is_flat());
  EXPECT_EQ(pos->realized_pnl, "11.58"_d);

  // Ledger: deposit, entry fee, exit fee, realized P&L (tied to the trade).
  const std::vector<LedgerEntry> ledger = Ledger();
  ASSERT_EQ(ledger.size(), 4u);
  EXPECT_EQ(ledger[1].type, LedgerEntryType::kFee);
  EXPECT_EQ(ledger[1].amount, "-0.4002"_d);
  EXPECT_EQ(ledger[2].type, LedgerEntryType::kFee);
  EXPECT_EQ(ledger[2].amount, "-0.41178"_d);
  EXPECT_EQ(ledger[3].type, LedgerEntryType::kRealizedPnl);
  EXPECT_EQ(ledger[3].amount, "11.58"_d);
  EXPECT_EQ(ledger[3].trade_id, t.id);

  EXPECT_EQ(Balance(), "10010.76802"_d);
  EXPECT_EQ(SumEntries(), Balance());
  EXPECT_EQ(Balance(), kDeposit + t.net_pnl);
}

// ---- short positions ----------------------------------------------------------

TEST_F(PaperBrokerTest, ShortOpenPartialCoverAndFullCoverRealizePnlOnEachLeg) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "0"_d));

  Submit(broker, Side::kSell, OrderType::kMarket, "3"_d, Minute(1));
  auto fills = Run(broker, MakeCandle(Minute(1), 100, 102, 99, 101));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.fee, "0.3"_d);  // 100 * 3 * 0.001
  EXPECT_EQ(fills[0].position.quantity, "-3"_d);
  EXPECT_EQ(fills[0].position.average_entry_price, "100"_d);
  EXPECT_TRUE(fills[0].change.realized_pnl.IsZero());

  // Partial cover of 1 at 90: (90 - 100) * 1 * -1 = +10.
  Submit(broker, Side::kBuy, OrderType::kMarket, "1"_d, Minute(2));
  fills = Run(broker, MakeCandle(Minute(2), 90, 91, 88, 89));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.fee, "0.09"_d);
  EXPECT_EQ(fills[0].change.realized_pnl, "10"_d);
  EXPECT_EQ(fills[0].change.closed_quantity, "1"_d);
  EXPECT_FALSE(fills[0].change.closed);
  EXPECT_FALSE(fills[0].closed_trade.has_value());
  EXPECT_EQ(fills[0].position.quantity, "-2"_d);
  EXPECT_EQ(fills[0].position.average_entry_price, "100"_d);
  EXPECT_EQ(fills[0].position.realized_pnl, "10"_d);
  ASSERT_EQ(fills[0].ledger_entries.size(), 2u);
  EXPECT_EQ(fills[0].ledger_entries[1].type, LedgerEntryType::kRealizedPnl);
  EXPECT_EQ(fills[0].ledger_entries[1].amount, "10"_d);

  // Full cover of 2 at 108: (108 - 100) * 2 * -1 = -16.
  Submit(broker, Side::kBuy, OrderType::kMarket, "2"_d, Minute(3));
  fills = Run(broker, MakeCandle(Minute(3), 108, 110, 107, 109));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.fee, "0.216"_d);
  EXPECT_EQ(fills[0].change.realized_pnl, "-16"_d);
  EXPECT_TRUE(fills[0].position.is_flat());
  ASSERT_TRUE(fills[0].closed_trade.has_value());

  const Trade t = store().trades().Get(bot(), fills[0].closed_trade->id);
  EXPECT_EQ(t.side, Side::kSell);
  EXPECT_EQ(t.entry_price, "100"_d);
  EXPECT_EQ(t.exit_price, "102"_d);  // (90 * 1 + 108 * 2) / 3
  EXPECT_EQ(t.quantity, "3"_d);
  EXPECT_EQ(t.gross_pnl, "-6"_d);  // +10 - 16
  EXPECT_EQ(t.fees, "0.606"_d);    // 0.3 + 0.09 + 0.216
  EXPECT_EQ(t.net_pnl, "-6.606"_d);
  // Short: MAE = highest price seen - entry. The highs while open were 102
  // and 91, but the cover itself traded at 108. MFE = entry - lowest low (88).
  EXPECT_EQ(t.mae, "8"_d);
  EXPECT_EQ(t.mfe, "12"_d);
  EXPECT_EQ(t.duration(), 2 * kMicrosPerMinute);

  EXPECT_EQ(Balance(), "9993.394"_d);
  EXPECT_EQ(SumEntries(), Balance());
  EXPECT_EQ(Balance(), kDeposit + t.net_pnl);
}

TEST_F(PaperBrokerTest, OneOrderFlipsLongToShortAndClosesTheLongTrade) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "0"_d));

  Submit(broker, Side::kBuy, OrderType::kMarket, "1"_d, Minute(1));
  ASSERT_EQ(Run(broker, MakeCandle(Minute(1), 50, 51, 49, 50)).size(), 1u);  // fee 0.05

  // Sell 3 at 60: closes the long 1 (+10) and opens a short 2 at 60. The fee
  // 60 * 3 * 0.001 = 0.18 is split pro rata: 0.06 to the closed trade, 0.12
  // to the new one.
  Submit(broker, Side::kSell, OrderType::kMarket, "3"_d, Minute(2));
  auto fills = Run(broker, MakeCandle(Minute(2), 60, 61, 59, 60));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.fee, "0.18"_d);
  EXPECT_TRUE(fills[0].change.flipped);
  EXPECT_EQ(fills[0].change.realized_pnl, "10"_d);
  EXPECT_EQ(fills[0].position.quantity, "-2"_d);
  EXPECT_EQ(fills[0].position.average_entry_price, "60"_d);
  EXPECT_EQ(fills[0].position.opened_at, Minute(2));
  ASSERT_TRUE(fills[0].closed_trade.has_value());
  const Trade long_trade = *fills[0].closed_trade;
  EXPECT_EQ(long_trade.side, Side::kBuy);
  EXPECT_EQ(long_trade.quantity, "1"_d);
  EXPECT_EQ(long_trade.entry_price, "50"_d);
  EXPECT_EQ(long_trade.exit_price, "60"_d);
  EXPECT_EQ(long_trade.gross_pnl, "10"_d);
  EXPECT_EQ(long_trade.fees, "0.11"_d);  // 0.05 + 0.06
  EXPECT_EQ(long_trade.net_pnl, "9.89"_d);
  EXPECT_EQ(long_trade.mae, "1"_d);   // 50 - 49
  EXPECT_EQ(long_trade.mfe, "10"_d);  // exit at 60 - 50

  // Cover the short 2 at 55: (55 - 60) * 2 * -1 = +10; fee 0.11.
  Submit(broker, Side::kBuy, OrderType::kMarket, "2"_d, Minute(3));
  fills = Run(broker, MakeCandle(Minute(3), 55, 56, 54, 55));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].change.realized_pnl, "10"_d);
  ASSERT_TRUE(fills[0].closed_trade.has_value());
  const Trade short_trade = *fills[0].closed_trade;
  EXPECT_EQ(short_trade.side, Side::kSell);
  EXPECT_EQ(short_trade.quantity, "2"_d);
  EXPECT_EQ(short_trade.entry_price, "60"_d);
  EXPECT_EQ(short_trade.exit_price, "55"_d);
  EXPECT_EQ(short_trade.entry_time, Minute(2));
  EXPECT_EQ(short_trade.gross_pnl, "10"_d);
  EXPECT_EQ(short_trade.fees, "0.23"_d);  // 0.12 + 0.11
  EXPECT_EQ(short_trade.net_pnl, "9.77"_d);
  EXPECT_EQ(short_trade.mae, "1"_d);  // high 61 - 60
  EXPECT_EQ(short_trade.mfe, "5"_d);  // 60 - exit at 55

  ASSERT_EQ(Trades().size(), 2u);
  EXPECT_EQ(Balance(), "10019.66"_d);
  EXPECT_EQ(SumEntries(), Balance());
  EXPECT_EQ(Balance(), kDeposit + long_trade.net_pnl + short_trade.net_pnl);
}

// ---- limit orders ------------------------------------------------------------

TEST_F(PaperBrokerTest, RestingLimitBuyFillsOnlyWhenTheLowTouchesItAtTheLimitAsMaker) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "5"_d));
  const Order order = Submit(broker, Side::kBuy, OrderType::kLimit, "1"_d, Minute(1), "95"_d);

  // Low 95.01 stays above the limit: no fill.
  EXPECT_TRUE(Run(broker, MakeCandle(Minute(1), 100, 101, 95.01, 97)).empty());
  EXPECT_EQ(GetOrder(order.id).status, OrderStatus::kAccepted);

  // Low touches 95 exactly: fills at the limit (no slippage), maker fee
  // 95 * 1 * 2 / 10000 = 0.019.
  const auto fills = Run(broker, MakeCandle(Minute(2), 97, 98, 95, 96));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.price, "95"_d);
  EXPECT_EQ(fills[0].fill.liquidity, Liquidity::kMaker);
  EXPECT_EQ(fills[0].fill.fee, "0.019"_d);
  EXPECT_EQ(GetOrder(order.id).status, OrderStatus::kFilled);
  EXPECT_EQ(Balance(), "9999.981"_d);
}

TEST_F(PaperBrokerTest, LimitBuyGappedThroughFillsAtTheOpenAsTaker) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "5"_d));
  Submit(broker, Side::kBuy, OrderType::kLimit, "1"_d, Minute(1), "95"_d);

  // Opens at 94, below the limit: marketable at the open, taker, no slippage.
  const auto fills = Run(broker, MakeCandle(Minute(1), 94, 96, 93.5, 95));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.price, "94"_d);
  EXPECT_EQ(fills[0].fill.liquidity, Liquidity::kTaker);
  EXPECT_EQ(fills[0].fill.fee, "0.094"_d);  // 94 * 1 * 10 / 10000
}

// ---- stop and stop-limit orders ------------------------------------------------

TEST_F(PaperBrokerTest, StopLossTriggersOnTheLowAndFillsBelowTheStopWithSlippage) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "5"_d));
  Submit(broker, Side::kBuy, OrderType::kMarket, "1"_d, Minute(1));
  auto fills = Run(broker, MakeCandle(Minute(1), 100, 101, 99, 100));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.price, "100.05"_d);  // 100 * 1.0005

  const Order stop = Submit(broker, Side::kSell, OrderType::kStop, "1"_d, Minute(2), std::nullopt,
                            "95"_d, TimeInForce::kGtc, "stop_loss");
  // Low 96 stays above the stop.
  EXPECT_TRUE(Run(broker, MakeCandle(Minute(2), 98, 99, 96, 97)).empty());
  EXPECT_FALSE(GetOrder(stop.id).triggered_at.has_value());

  // Low 94 crosses 95: fills at min(97, 95) = 95, less 5 bps: 94.9525 ->
  // floor to the tick: 94.95. Fee 0.09495.
  fills = Run(broker, MakeCandle(Minute(3), 97, 98, 94, 94.5));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.price, "94.95"_d);
  EXPECT_EQ(fills[0].fill.liquidity, Liquidity::kTaker);
  EXPECT_EQ(fills[0].fill.fee, "0.09495"_d);
  const Order stored = GetOrder(stop.id);
  EXPECT_EQ(stored.status, OrderStatus::kFilled);
  ASSERT_TRUE(stored.triggered_at.has_value());
  EXPECT_EQ(*stored.triggered_at, Minute(3));
  ASSERT_TRUE(fills[0].closed_trade.has_value());
  EXPECT_EQ(fills[0].closed_trade->exit_reason, "stop_loss");
  EXPECT_EQ(fills[0].closed_trade->gross_pnl, "-5.1"_d);  // 94.95 - 100.05

  // Gap through the stop: the open (93) is already below it, so the fill is
  // at the open less slippage: 93 * 0.9995 = 92.9535 -> 92.95.
  Submit(broker, Side::kBuy, OrderType::kMarket, "1"_d, Minute(4));
  ASSERT_EQ(Run(broker, MakeCandle(Minute(4), 96, 97, 95.5, 96)).size(), 1u);
  const Order gap = Submit(broker, Side::kSell, OrderType::kStop, "1"_d, Minute(5), std::nullopt,
                           "95"_d, TimeInForce::kGtc, "stop_loss");
  fills = Run(broker, MakeCandle(Minute(5), 93, 94, 92, 93.5));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.price, "92.95"_d);
  EXPECT_EQ(GetOrder(gap.id).triggered_at, Minute(5));
  EXPECT_EQ(SumEntries(), Balance());
}

TEST_F(PaperBrokerTest, StopLimitTriggeredWithoutFillStaysTriggered) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "5"_d));
  // Sell stop 95, limit 95.50.
  const Order order =
      Submit(broker, Side::kSell, OrderType::kStopLimit, "1"_d, Minute(1), "95.5"_d, "95"_d);

  // Triggers intrabar at 95 (low 94), below the limit; the open (97) was
  // above the stop, so OHLC cannot tell whether 95.5 traded afterwards: no
  // fill, but the trigger is persisted.
  EXPECT_TRUE(Run(broker, MakeCandle(Minute(1), 97, 98, 94, 95)).empty());
  Order stored = GetOrder(order.id);
  EXPECT_EQ(stored.status, OrderStatus::kAccepted);
  ASSERT_TRUE(stored.triggered_at.has_value());
  EXPECT_EQ(*stored.triggered_at, Minute(1));

  // Next candle: a limit sell at 95.5 now; the high 95.4 does not reach it.
  EXPECT_TRUE(Run(broker, MakeCandle(Minute(2), 95.2, 95.4, 95.1, 95.3)).empty());
  stored = GetOrder(order.id);
  EXPECT_EQ(stored.status, OrderStatus::kAccepted);
  EXPECT_EQ(stored.triggered_at, Minute(1));  // kept, not moved

  // The stop (95) is not reached again, but the order is still triggered:
  // the high 95.8 touches the limit, maker fill at 95.5 (no slippage).
  const auto fills = Run(broker, MakeCandle(Minute(3), 95.3, 95.8, 95.2, 95.6));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.price, "95.5"_d);
  EXPECT_EQ(fills[0].fill.liquidity, Liquidity::kMaker);
  EXPECT_EQ(fills[0].fill.fee, "0.0191"_d);  // 95.5 * 2 / 10000
  stored = GetOrder(order.id);
  EXPECT_EQ(stored.status, OrderStatus::kFilled);
  EXPECT_EQ(stored.triggered_at, Minute(1));
}

// ---- partial fills -----------------------------------------------------------

TEST_F(PaperBrokerTest, VolumeParticipationFillsPartiallyOverSeveralCandles) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "0"_d, 0.5));
  const Order order = Submit(broker, Side::kBuy, OrderType::kMarket, "1"_d, Minute(1));

  // Volume 0.8: at most 0.4.
  auto fills = Run(broker, MakeCandle(Minute(1), 100, 100.5, 99.5, 100, 0.8));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.quantity, "0.4"_d);
  EXPECT_EQ(fills[0].fill.price, "100"_d);
  EXPECT_EQ(fills[0].order.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(GetOrder(order.id).filled_quantity, "0.4"_d);

  // Zero volume: a cap of zero, no fill, nothing changes.
  EXPECT_TRUE(Run(broker, MakeCandle(Minute(2), 100.5, 100.5, 100.5, 100.5, 0)).empty());
  EXPECT_EQ(GetOrder(order.id).status, OrderStatus::kPartiallyFilled);

  // Volume 0.5: 0.25 more.
  fills = Run(broker, MakeCandle(Minute(3), 101, 101.5, 100.5, 101, 0.5));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.quantity, "0.25"_d);
  EXPECT_EQ(fills[0].order.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(fills[0].order.filled_quantity, "0.65"_d);

  // Volume 2: the cap (1) exceeds the remaining 0.35.
  fills = Run(broker, MakeCandle(Minute(4), 102, 102.5, 101.5, 102, 2));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.quantity, "0.35"_d);

  const Order done = GetOrder(order.id);
  EXPECT_EQ(done.status, OrderStatus::kFilled);
  EXPECT_EQ(done.filled_quantity, "1"_d);
  // (100 * 0.4 + 101 * 0.25 + 102 * 0.35) / 1 = 40 + 25.25 + 35.7.
  EXPECT_EQ(done.average_fill_price, "100.95"_d);

  const std::vector<Fill> order_fills = store().orders().Fills(bot(), order.id);
  ASSERT_EQ(order_fills.size(), 3u);  // one per candle that had volume
  EXPECT_EQ(order_fills[0].time, Minute(1));
  EXPECT_EQ(order_fills[1].time, Minute(3));
  EXPECT_EQ(order_fills[2].time, Minute(4));
  EXPECT_NE(order_fills[0].venue_fill_id, order_fills[1].venue_fill_id);
  EXPECT_NE(order_fills[1].venue_fill_id, order_fills[2].venue_fill_id);

  EXPECT_EQ(EventStatuses(store().orders().Events(bot(), order.id)),
            (std::vector<OrderStatus>{OrderStatus::kNew, OrderStatus::kAccepted,
                                      OrderStatus::kPartiallyFilled, OrderStatus::kPartiallyFilled,
                                      OrderStatus::kFilled}));

  const std::optional<Position> pos = GetPosition();
  ASSERT_TRUE(pos.has_value());
  EXPECT_EQ(pos->quantity, "1"_d);
  EXPECT_EQ(pos->average_entry_price, "100.95"_d);
  // Fees: 0.04 + 0.02525 + 0.0357.
  EXPECT_EQ(pos->fees, "0.10095"_d);
  EXPECT_EQ(Balance(), "9999.89905"_d);
  EXPECT_EQ(SumEntries(), Balance());
}

// ---- time in force and cancel ---------------------------------------------------

TEST_F(PaperBrokerTest, IocRemainderExpiresAfterItsFirstCandle) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "0"_d, 0.5));
  const Order order = Submit(broker, Side::kBuy, OrderType::kLimit, "1"_d, Minute(1), "101"_d,
                             std::nullopt, TimeInForce::kIoc);

  const auto fills = Run(broker, MakeCandle(Minute(1), 100, 100.5, 99.5, 100, 1));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.quantity, "0.5"_d);
  EXPECT_EQ(fills[0].fill.price, "100"_d);
  Order stored = GetOrder(order.id);
  EXPECT_EQ(stored.status, OrderStatus::kExpired);
  EXPECT_EQ(stored.filled_quantity, "0.5"_d);
  EXPECT_EQ(EventStatuses(store().orders().Events(bot(), order.id)),
            (std::vector<OrderStatus>{OrderStatus::kNew, OrderStatus::kAccepted,
                                      OrderStatus::kPartiallyFilled, OrderStatus::kExpired}));

  EXPECT_TRUE(Run(broker, MakeCandle(Minute(2), 99, 100, 98, 99, 100)).empty());
  EXPECT_EQ(AllFills().size(), 1u);

  // An IOC that cannot fill on its first candle expires unfilled.
  const Order miss = Submit(broker, Side::kBuy, OrderType::kLimit, "1"_d, Minute(3), "90"_d,
                            std::nullopt, TimeInForce::kIoc);
  EXPECT_TRUE(Run(broker, MakeCandle(Minute(3), 99, 100, 98, 99, 100)).empty());
  stored = GetOrder(miss.id);
  EXPECT_EQ(stored.status, OrderStatus::kExpired);
  EXPECT_TRUE(stored.filled_quantity.IsZero());
}

TEST_F(PaperBrokerTest, IocGetsTheFirstCandleAfterSubmissionEvenAfterAGapInTheData) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "0"_d));
  const Order order = Submit(broker, Side::kBuy, OrderType::kMarket, "1"_d, Minute(1), std::nullopt,
                             std::nullopt, TimeInForce::kIoc);
  // No candle for Minute(1) and Minute(2) (a gap, or a market closed): the
  // first candle after submission opens at Minute(3).
  const auto fills = Run(broker, MakeCandle(Minute(3), 100, 101, 99, 100));
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fill.price, "100"_d);
  EXPECT_EQ(GetOrder(order.id).status, OrderStatus::kFilled);
}

TEST_F(PaperBrokerTest, DayOrderExpiresAtTheNextUtcDay) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "0"_d));
  // Created at 2024-02-29T23:58.
  const Order order = Submit(broker, Side::kBuy, OrderType::kLimit, "1"_d, Minute(-2), "90"_d,
                             std::nullopt, TimeInForce::kDay);
  EXPECT_TRUE(Run(broker, MakeCandle(Minute(-2), 100, 101, 95, 99)).empty());
  EXPECT_EQ(GetOrder(order.id).status, OrderStatus::kAccepted);
  // The 23:59 candle ends at midnight: the day is over with it.
  EXPECT_TRUE(Run(broker, MakeCandle(Minute(-1), 99, 100, 95, 96)).empty());
  const Order stored = GetOrder(order.id);
  EXPECT_EQ(stored.status, OrderStatus::kExpired);
  const std::vector<OrderEvent> events = store().orders().Events(bot(), order.id);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().to_status, OrderStatus::kExpired);
  EXPECT_EQ(events.back().time, kT0);
  // The next day's candle gaps through the limit; the order is gone.
  EXPECT_TRUE(Run(broker, MakeCandle(Minute(0), 89, 90, 88, 89)).empty());
  EXPECT_TRUE(AllFills().empty());
}

TEST_F(PaperBrokerTest, DayOrderFirstSeeingTheNextDayExpiresWithoutMatching) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "0"_d));
  // Created at 23:59:30: the 23:59 candle opened before it.
  const Order order =
      Submit(broker, Side::kBuy, OrderType::kLimit, "1"_d, Minute(-1) + 30 * kMicrosPerSecond,
             "90"_d, std::nullopt, TimeInForce::kDay);
  EXPECT_TRUE(Run(broker, MakeCandle(Minute(-1), 99, 100, 89, 96)).empty());
  EXPECT_EQ(GetOrder(order.id).status, OrderStatus::kAccepted);
  // Midnight: marketable at the open, but the order's day has ended.
  EXPECT_TRUE(Run(broker, MakeCandle(Minute(0), 89, 90, 88, 89)).empty());
  EXPECT_EQ(GetOrder(order.id).status, OrderStatus::kExpired);
  EXPECT_TRUE(AllFills().empty());
}

TEST_F(PaperBrokerTest, CancelledOrderNeverFills) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "0"_d));
  const Order order = Submit(broker, Side::kBuy, OrderType::kLimit, "1"_d, Minute(1), "95"_d);
  const Order cancelled = broker.Cancel(order.id, Minute(1) + 10 * kMicrosPerSecond);
  EXPECT_EQ(cancelled.status, OrderStatus::kCancelled);
  EXPECT_EQ(cancelled.reason, "cancelled by user");

  EXPECT_TRUE(Run(broker, MakeCandle(Minute(1), 94, 96, 90, 95)).empty());
  EXPECT_TRUE(AllFills().empty());
  EXPECT_EQ(GetOrder(order.id).status, OrderStatus::kCancelled);
  EXPECT_EQ(Ledger().size(), 1u);  // the deposit only

  // Cancelling again is refused.
  EXPECT_EQ(ThrownKind([&] { broker.Cancel(order.id, Minute(2)); }), ErrorKind::kConflict);
}

TEST_F(PaperBrokerTest, CancelOfAFilledOrderThrowsConflict) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "0"_d));
  const Order order = Submit(broker, Side::kBuy, OrderType::kMarket, "1"_d, Minute(1));
  ASSERT_EQ(Run(broker, MakeCandle(Minute(1), 100, 101, 99, 100)).size(), 1u);
  EXPECT_EQ(ThrownKind([&] { broker.Cancel(order.id, Minute(2)); }), ErrorKind::kConflict);
  EXPECT_EQ(GetOrder(order.id).status, OrderStatus::kFilled);
  EXPECT_EQ(ThrownKind([&] { broker.Cancel(order.id + 1000, Minute(2)); }), ErrorKind::kNotFound);
}

// ---- atomicity -----------------------------------------------------------------

TEST_F(PaperBrokerTest, StepRolledBackByAnOuterUnitOfWorkLeavesNoTrace) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "0"_d));
  const Order order = Submit(broker, Side::kBuy, OrderType::kMarket, "1"_d, Minute(1));
  const Candle candle = MakeCandle(Minute(1), 100, 101, 99, 100);
  {
    UnitOfWork outer = store().BeginTrading();
    EXPECT_EQ(Run(broker, candle).size(), 1u);
    // Destroyed without Commit(): the whole step rolls back.
  }
  EXPECT_TRUE(AllFills().empty());
  const Order stored = GetOrder(order.id);
  EXPECT_EQ(stored.status, OrderStatus::kAccepted);
  EXPECT_TRUE(stored.filled_quantity.IsZero());
  EXPECT_EQ(store().orders().Events(bot(), order.id).size(), 2u);  // new, accepted
  EXPECT_EQ(Ledger().size(), 1u);
  EXPECT_EQ(Balance(), kDeposit);
  const std::optional<Position> pos = GetPosition();
  EXPECT_TRUE(!pos.has_value() || pos->is_flat());
  EXPECT_TRUE(Trades().empty());

  // The same step, committed, fills as usual.
  ASSERT_EQ(Run(broker, candle).size(), 1u);
  EXPECT_EQ(GetOrder(order.id).status, OrderStatus::kFilled);
}

TEST_F(PaperBrokerTest, StepThatThrowsAfterAFillCommitsNothing) {
  PaperBroker broker = Broker(Config("2"_d, "10"_d, "0"_d));
  // The first order fills normally. The second is built so that matching it
  // throws after the first fill was recorded in the step: a market sell of
  // 1e9 filled at a candle opening at 1e12 has a notional of 1e21, beyond
  // Decimal's range (1.7e20), so its fee computation throws. (A limit order
  // that large is refused when created: its reservation, limit x quantity,
  // overflows.)
  const Order first = Submit(broker, Side::kBuy, OrderType::kMarket, "1"_d, Minute(1));
  const Order second = Submit(broker, Side::kSell, OrderType::kMarket, "1000000000"_d, Minute(1));
  ASSERT_LT(first.id, second.id);  // matched in id order: first, then second

  EXPECT_EQ(ThrownKind([&] { Run(broker, MakeCandle(Minute(1), 1e12, 1e12, 99, 100)); }),
            ErrorKind::kInvalidArgument);

  EXPECT_TRUE(AllFills().empty());
  EXPECT_EQ(GetOrder(first.id).status, OrderStatus::kAccepted);
  EXPECT_TRUE(GetOrder(first.id).filled_quantity.IsZero());
  EXPECT_EQ(GetOrder(second.id).status, OrderStatus::kAccepted);
  EXPECT_EQ(Ledger().size(), 1u);
  EXPECT_EQ(Balance(), kDeposit);
  EXPECT_EQ(SumEntries(), kDeposit);
  const std::optional<Position> pos = GetPosition();
  EXPECT_TRUE(!pos.has_value() || pos->is_flat());

  // The store is usable afterwards: cancel the poison order, rerun the step.
  broker.Cancel(second.id, Minute(1));
  ASSERT_EQ(Run(broker, MakeCandle(Minute(1), 100, 101, 99, 100)).size(), 1u);
  EXPECT_EQ(GetOrder(first.id).status, OrderStatus::kFilled);
}

// ---- construction --------------------------------------------------------------

TEST_F(PaperBrokerTest, ConstructorValidatesConfigAndAccount) {
  EXPECT_EQ(ThrownKind([&] { Broker(Config("2"_d, "10"_d, "-1"_d)); }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(ThrownKind([&] { Broker(Config("2"_d, "10"_d, "10000"_d)); }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(ThrownKind([&] { Broker(Config("2"_d, "10"_d, "0"_d, 1.5)); }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(ThrownKind([&] { Broker(Config("2"_d, "10000"_d, "0"_d)); }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(ThrownKind([&] {
              PaperBroker(store(), bot(), account() + 1000, Config("2"_d, "10"_d, "0"_d));
            }),
            ErrorKind::kNotFound);
  EXPECT_EQ(ThrownKind([&] {
              PaperBroker(store(), bot() + 1000, account(), Config("2"_d, "10"_d, "0"_d));
            }),
            ErrorKind::kNotFound);
  EXPECT_FALSE(ThrownKind([&] { Broker(Config("-1"_d, "10"_d, "0"_d, 1)); }).has_value());
}

}  // namespace
}  // namespace tradestore::paper
