// Fill accounting without a database: unit tests of AccountFill and its
// helpers, and property tests over thousands of random fill sequences
// (seeded, reproducible) against an independent average-cost reference.
#include "tradestore/fill_accounting.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tradestore/error.h"

namespace tradestore {
namespace {

using literals::operator""_d;

std::string S(Decimal d) { return d.ToString(); }

constexpr Timestamp kT1 = Timestamp::FromSeconds(1'700'000'000);
constexpr Timestamp kT2 = kT1 + kMicrosPerMinute;
constexpr Timestamp kT3 = kT2 + kMicrosPerMinute;

Order AcceptedOrder(OrderId id, Side side, Decimal quantity) {
  Order o;
  o.id = id;
  o.bot_id = 1;
  o.account_id = 2;
  o.instrument_id = 3;
  o.client_order_id = "c-" + std::to_string(id);
  o.strategy = "s";
  o.strategy_version = "sv1";
  o.bot_version = "bv1";
  o.side = side;
  o.quantity = quantity;
  o.status = OrderStatus::kAccepted;
  return o;
}

Fill FillOf(const Order& o, std::int64_t id, Decimal quantity, Decimal price, Decimal fee,
            Timestamp time, std::string fee_currency = "USD") {
  Fill f;
  f.bot_id = o.bot_id;
  f.order_id = o.id;
  f.venue = "paper";
  f.venue_fill_id = "v" + std::to_string(id);
  f.quantity = quantity;
  f.price = price;
  f.fee = fee;
  f.fee_currency = std::move(fee_currency);
  f.time = time;
  f = NormalizeFill(f, o, "USD", time);
  f.id = id;
  return f;
}

// Applies one fill to a position state, as the store would.
FillEffect Apply(const Order& o, std::optional<PositionState>& state, const Fill& f,
                 std::string_view quote = "USD") {
  FillEffect e = AccountFill(o, state, f, quote);
  state = e.position;
  return e;
}

std::string ErrorOf(const std::function<void()>& fn, ErrorKind* kind = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (kind) *kind = e.kind();
    return e.what();
  }
  return "(no error)";
}

// ---- unit tests --------------------------------------------------------------

TEST(FillAccountingTest, ValidateFillNamesFieldAndValue) {
  Fill f;
  f.order_id = 12;
  f.venue_fill_id = "x";
  f.quantity = "1"_d;
  f.price = "1"_d;
  ErrorKind kind{};
  Fill bad = f;
  bad.venue_fill_id.clear();
  EXPECT_EQ(ErrorOf([&] { ValidateFill(bad); }, &kind),
            "fill '' of order 12: field 'venue_fill_id' is empty");
  EXPECT_EQ(kind, ErrorKind::kInvalidArgument);
  bad = f;
  bad.quantity = "-0.5"_d;
  EXPECT_EQ(ErrorOf([&] { ValidateFill(bad); }),
            "fill 'x' of order 12: field 'quantity' value '-0.5' must be positive");
  bad = f;
  bad.price = Decimal();
  EXPECT_EQ(ErrorOf([&] { ValidateFill(bad); }),
            "fill 'x' of order 12: field 'price' value '0' must be positive");
  EXPECT_NO_THROW(ValidateFill(f));
}

TEST(FillAccountingTest, CheckFillableRefusesClosedOrdersAndOverfills) {
  Order o = AcceptedOrder(5, Side::kBuy, "2"_d);
  const Fill f = FillOf(o, 1, "3"_d, "10"_d, Decimal(), kT1);
  ErrorKind kind{};
  EXPECT_EQ(ErrorOf([&] { CheckFillable(o, f); }, &kind),
            "fill 'v1' of order 5: quantity 3 exceeds the remaining 2 of order 5 (c-5)");
  EXPECT_EQ(kind, ErrorKind::kConflict);
  o.status = OrderStatus::kCancelled;
  EXPECT_EQ(ErrorOf([&] { AccountFill(o, std::nullopt, f, "USD"); }, &kind),
            "fill 'v1' of order 5: order 5 (c-5) is cancelled and cannot be filled");
  EXPECT_EQ(kind, ErrorKind::kConflict);
  o.status = OrderStatus::kNew;
  EXPECT_EQ(ErrorOf([&] { CheckFillable(o, f); }),
            "fill 'v1' of order 5: order 5 (c-5) is new and cannot be filled");
}

TEST(FillAccountingTest, NormalizeFillTakesOrderFieldsAndDefaults) {
  Order o = AcceptedOrder(5, Side::kSell, "2"_d);
  o.mode = RunMode::kBacktest;
  o.is_test = true;
  Fill reported;
  reported.order_id = 5;
  reported.side = Side::kBuy;  // ignored: the order's side counts
  const Fill f = NormalizeFill(reported, o, "USDT", kT2);
  EXPECT_EQ(f.time, kT2);
  EXPECT_EQ(f.fee_currency, "USDT");
  EXPECT_EQ(f.side, Side::kSell);
  EXPECT_EQ(f.account_id, 2);
  EXPECT_EQ(f.instrument_id, 3);
  EXPECT_EQ(f.mode, RunMode::kBacktest);
  EXPECT_TRUE(f.is_test);
  reported.time = kT1;
  reported.fee_currency = "BNB";
  const Fill g = NormalizeFill(reported, o, "USDT", kT2);
  EXPECT_EQ(g.time, kT1);
  EXPECT_EQ(g.fee_currency, "BNB");
}

TEST(FillAccountingTest, CheckResentFillListsEveryDifference) {
  const Order o = AcceptedOrder(5, Side::kBuy, "2"_d);
  Fill reported;
  reported.bot_id = 1;
  reported.order_id = 5;
  reported.venue = "paper";
  reported.venue_fill_id = "v1";
  reported.quantity = "1"_d;
  reported.price = "10"_d;
  reported.fee = "0.1"_d;
  const Fill f = NormalizeFill(reported, o, "USD", kT2);
  Fill stored = f;
  stored.time = kT1;  // a resend without a time matches any stored time
  EXPECT_NO_THROW(CheckResentFill(reported, f, stored));
  stored.order_id = 6;
  stored.quantity = "2"_d;
  stored.price = "11"_d;
  stored.fee = "0"_d;
  stored.fee_currency = "BNB";
  stored.liquidity = Liquidity::kMaker;
  reported.time = kT2;
  ErrorKind kind{};
  EXPECT_EQ(
      ErrorOf([&] { CheckResentFill(reported, NormalizeFill(reported, o, "USD", kT3), stored); },
              &kind),
      "fill 'v1' of order 5: venue 'paper' already reported it with other values: order_id 5 "
      "(stored 6), quantity 1 (stored 2), price 10 (stored 11), fee 0.1 (stored 0), "
      "fee_currency 'USD' (stored 'BNB'), liquidity taker (stored maker), time "
      "2023-11-14T22:14:20Z (stored 2023-11-14T22:13:20Z)");
  EXPECT_EQ(kind, ErrorKind::kConflict);
}

TEST(FillAccountingTest, OpeningFillUpdatesOrderPositionAndLedger) {
  Order o = AcceptedOrder(5, Side::kBuy, "3"_d);
  o.limit_price = "101"_d;
  o.expected_price = "100"_d;
  o.reserved = ReservationOf(o);
  EXPECT_EQ(S(o.reserved), "303");
  o.signal_id = 44;
  std::optional<PositionState> state;
  const FillEffect e = Apply(o, state, FillOf(o, 70, "2"_d, "100.5"_d, "0.2"_d, kT1));
  EXPECT_EQ(e.order.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(e.order_from_status, OrderStatus::kAccepted);
  EXPECT_EQ(e.order_event_reason, "fill v70");
  EXPECT_EQ(S(e.order.filled_quantity), "2");
  EXPECT_EQ(S(*e.order.average_fill_price), "100.5");
  EXPECT_EQ(S(e.order.reserved), "101");
  EXPECT_EQ(S(e.reservation_change), "-202");
  EXPECT_EQ(e.order.updated_at, kT1);
  const Position& p = e.position.position;
  EXPECT_EQ(S(p.quantity), "2");
  EXPECT_EQ(S(p.average_entry_price), "100.5");
  EXPECT_EQ(S(p.fees), "0.2");
  EXPECT_EQ(S(*p.last_price), "100.5");
  EXPECT_EQ(S(p.unrealized_pnl), "0");
  EXPECT_EQ(e.position.trade_signal_id, 44);
  EXPECT_EQ(e.position.trade_entry_order_id, 5);
  EXPECT_EQ(S(e.position.trade_entry_slippage), "1");  // (100.5 - 100) x 2
  EXPECT_EQ(e.position_event.type, PositionEventType::kOpened);
  EXPECT_EQ(S(e.position_event.quantity_change), "2");
  EXPECT_EQ(e.position_event.fill_id, 70);
  EXPECT_FALSE(e.position_event.trade_id);
  EXPECT_EQ(e.position_event.message, "fill v70");
  EXPECT_FALSE(e.closed_trade);
  ASSERT_EQ(e.journals.size(), 1u);
  const Journal& j = e.journals[0];
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0].entry.type, LedgerEntryType::kFee);
  EXPECT_EQ(j[0].entry.account_id, 2);
  EXPECT_EQ(j[0].system_account, "");
  EXPECT_EQ(S(j[0].entry.amount), "-0.2");
  EXPECT_EQ(j[0].entry.currency, "USD");
  EXPECT_EQ(j[0].entry.description, "fee of fill v70");
  EXPECT_EQ(j[0].entry.fill_id, 70);
  EXPECT_EQ(j[0].entry.order_id, 5);
  EXPECT_EQ(j[1].system_account, "system:fees");
  EXPECT_EQ(S(j[1].entry.amount), "0.2");

  // The rest fills the order and releases its reservation.
  const FillEffect e2 = Apply(e.order, state, FillOf(e.order, 71, "1"_d, "101"_d, "0"_d, kT2));
  EXPECT_EQ(e2.order.status, OrderStatus::kFilled);
  EXPECT_EQ(e2.order_from_status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(S(*e2.order.average_fill_price), "100.666666666666666667");
  EXPECT_EQ(S(e2.order.reserved), "0");
  EXPECT_EQ(S(e2.reservation_change), "-101");
  EXPECT_EQ(e2.position_event.type, PositionEventType::kIncreased);
  EXPECT_TRUE(e2.journals.empty());  // no fee, nothing realized
  EXPECT_EQ(S(state->trade_max_quantity), "3");
}

TEST(FillAccountingTest, CloseWritesTheJournalRow) {
  Order buy = AcceptedOrder(5, Side::kBuy, "2"_d);
  std::optional<PositionState> state;
  Apply(buy, state, FillOf(buy, 1, "2"_d, "100"_d, "0.4"_d, kT1));
  state->SeePrice("96"_d);  // candle marks (PositionRepository::Mark)
  state->SeePrice("107"_d);
  state->position.stop_loss = "95"_d;
  state->context.initial_stop = "95"_d;
  state->context.regime = "trending";
  state->context.atr = 1.5;
  Order sell = AcceptedOrder(6, Side::kSell, "2"_d);
  sell.exit_reason = "take_profit";
  sell.bot_version = "bv2";
  const FillEffect e = Apply(sell, state, FillOf(sell, 2, "2"_d, "105"_d, "0.42"_d, kT2));
  ASSERT_TRUE(e.closed_trade);
  const Trade& t = *e.closed_trade;
  EXPECT_EQ(t.id, 0);
  EXPECT_EQ(t.side, Side::kBuy);
  EXPECT_EQ(t.entry_time, kT1);
  EXPECT_EQ(t.exit_time, kT2);
  EXPECT_EQ(S(t.entry_price), "100");
  EXPECT_EQ(S(t.exit_price), "105");
  EXPECT_EQ(S(t.quantity), "2");
  EXPECT_EQ(S(t.gross_pnl), "10");
  EXPECT_EQ(S(t.fees), "0.82");
  EXPECT_EQ(S(t.net_pnl), "9.18");
  EXPECT_EQ(S(t.entry_fees), "0.4");
  EXPECT_EQ(S(t.exit_fees), "0.42");
  EXPECT_EQ(S(t.mae), "4");
  EXPECT_EQ(S(t.mfe), "7");
  EXPECT_EQ(t.exit_reason, "take_profit");
  EXPECT_EQ(t.outcome, "win");
  EXPECT_DOUBLE_EQ(t.pnl_percent, 9.18 / 200 * 100);
  EXPECT_EQ(S(*t.risk_amount), "10");  // |100 - 95| x 2
  EXPECT_DOUBLE_EQ(*t.r_multiple, 0.918);
  EXPECT_DOUBLE_EQ(*t.mae_r, 0.8);
  EXPECT_DOUBLE_EQ(*t.mfe_r, 1.4);
  EXPECT_EQ(t.regime, "trending");
  EXPECT_EQ(t.atr, 1.5);
  EXPECT_EQ(t.strategy_version, "sv1");
  EXPECT_EQ(t.bot_version, "bv2");
  EXPECT_EQ(t.entry_order_id, 5);
  EXPECT_EQ(t.exit_order_id, 6);
  EXPECT_EQ(e.position_event.type, PositionEventType::kClosed);
  EXPECT_EQ(e.position_event.trade_id, 0);
  EXPECT_EQ(e.order.trade_id, 0);
  // Flat: stops and excursions cleared, the trade state reset.
  const Position& p = e.position.position;
  EXPECT_TRUE(p.is_flat());
  EXPECT_FALSE(p.stop_loss);
  EXPECT_FALSE(p.highest_price);
  EXPECT_EQ(S(p.realized_pnl), "10");
  EXPECT_EQ(S(p.fees), "0.82");
  EXPECT_FALSE(e.position.trade_entry_order_id);
  EXPECT_FALSE(e.position.context.initial_stop);
  ASSERT_EQ(e.journals.size(), 2u);
  EXPECT_EQ(e.journals[1][0].entry.type, LedgerEntryType::kRealizedPnl);
  EXPECT_EQ(S(e.journals[1][0].entry.amount), "10");
  EXPECT_EQ(e.journals[1][0].entry.description, "realized P&L of fill v2");
  EXPECT_EQ(e.journals[1][1].system_account, "system:pnl");
  EXPECT_EQ(e.journals[1][0].entry.trade_id, 0);

  FillEffect assigned = e;
  assigned.AssignTradeId(77);
  EXPECT_EQ(assigned.closed_trade->id, 77);
  EXPECT_EQ(assigned.order.trade_id, 77);
  EXPECT_EQ(assigned.position_event.trade_id, 77);
  EXPECT_EQ(assigned.journals[1][0].entry.trade_id, 77);
  EXPECT_EQ(assigned.journals[1][1].entry.trade_id, 77);
  EXPECT_FALSE(assigned.journals[0][0].entry.trade_id);  // the fee names no trade
}

TEST(FillAccountingTest, FlipSplitsFeeAndSlippageProRata) {
  Order buy = AcceptedOrder(5, Side::kBuy, "1"_d);
  std::optional<PositionState> state;
  Apply(buy, state, FillOf(buy, 1, "1"_d, "100"_d, Decimal(), kT1));
  state->position.take_profit = "120"_d;
  Order sell = AcceptedOrder(6, Side::kSell, "4"_d);
  sell.expected_price = "91"_d;
  sell.signal_id = 9;
  const FillEffect e = Apply(sell, state, FillOf(sell, 2, "4"_d, "90"_d, "0.4"_d, kT2));
  ASSERT_TRUE(e.closed_trade);
  EXPECT_TRUE(e.change.flipped);
  EXPECT_EQ(e.position_event.type, PositionEventType::kFlipped);
  EXPECT_EQ(S(e.closed_trade->gross_pnl), "-10");
  EXPECT_EQ(S(e.closed_trade->exit_fees), "0.1");    // 0.4 x 1/4
  EXPECT_EQ(S(e.closed_trade->exit_slippage), "1");  // (91 - 90) x 1
  EXPECT_EQ(e.closed_trade->outcome, "loss");
  EXPECT_FALSE(e.closed_trade->r_multiple);
  const PositionState& s = e.position;
  EXPECT_EQ(S(s.position.quantity), "-3");
  EXPECT_EQ(S(s.position.average_entry_price), "90");
  EXPECT_EQ(s.position.opened_at, kT2);
  EXPECT_FALSE(s.position.take_profit);  // stops belong to the closed trade
  EXPECT_EQ(S(s.trade_entry_fees), "0.3");
  EXPECT_EQ(S(s.trade_entry_slippage), "3");
  EXPECT_EQ(S(s.trade_max_quantity), "3");
  EXPECT_EQ(s.trade_entry_order_id, 6);
  EXPECT_EQ(s.trade_signal_id, 9);
  EXPECT_EQ(S(*s.trade_high), "90");
  EXPECT_EQ(S(s.position.fees), "0.4");
  EXPECT_EQ(S(s.position.unrealized_pnl), "0");
}

TEST(FillAccountingTest, ReduceKeepsStopsAndFeeInAnotherCurrency) {
  Order sell = AcceptedOrder(5, Side::kSell, "3"_d);
  std::optional<PositionState> state;
  Apply(sell, state, FillOf(sell, 1, "3"_d, "50"_d, Decimal(), kT1));
  state->position.stop_loss = "55"_d;
  Order buy = AcceptedOrder(6, Side::kBuy, "1"_d);
  const FillEffect e = Apply(buy, state, FillOf(buy, 2, "1"_d, "48"_d, "0.001"_d, kT2, "BNB"));
  EXPECT_EQ(e.position_event.type, PositionEventType::kReduced);
  EXPECT_FALSE(e.closed_trade);
  EXPECT_EQ(S(*e.position.position.stop_loss), "55");
  EXPECT_EQ(S(e.position.position.unrealized_pnl), "4");  // (48 - 50) x -2
  ASSERT_EQ(e.journals.size(), 2u);
  EXPECT_EQ(e.journals[0][0].entry.currency, "BNB");
  EXPECT_EQ(e.journals[1][0].entry.currency, "USD");
  EXPECT_EQ(S(e.journals[1][0].entry.amount), "2");
}

TEST(FillAccountingTest, WithoutQuoteAssetPnlIsInTheFeeCurrency) {
  Order buy = AcceptedOrder(5, Side::kBuy, "1"_d);
  std::optional<PositionState> state;
  Apply(buy, state, FillOf(buy, 1, "1"_d, "10"_d, Decimal(), kT1), "");
  Order sell = AcceptedOrder(6, Side::kSell, "1"_d);
  const FillEffect e =
      Apply(sell, state, FillOf(sell, 2, "1"_d, "12"_d, "-0.01"_d, kT2, "EUR"), "");
  ASSERT_EQ(e.journals.size(), 2u);
  EXPECT_EQ(S(e.journals[0][0].entry.amount), "0.01");  // a rebate credits the account
  EXPECT_EQ(e.journals[1][0].entry.currency, "EUR");
  EXPECT_EQ(S(e.closed_trade->fees), "-0.01");
}

TEST(FillAccountingTest, SystemAccounts) {
  EXPECT_EQ(SystemAccountFor(LedgerEntryType::kDeposit), "system:external");
  EXPECT_EQ(SystemAccountFor(LedgerEntryType::kWithdrawal), "system:external");
  EXPECT_EQ(SystemAccountFor(LedgerEntryType::kTransfer), "system:external");
  EXPECT_EQ(SystemAccountFor(LedgerEntryType::kFee), "system:fees");
  EXPECT_EQ(SystemAccountFor(LedgerEntryType::kRealizedPnl), "system:pnl");
  EXPECT_EQ(SystemAccountFor(LedgerEntryType::kFunding), "system:funding");
  EXPECT_EQ(SystemAccountFor(LedgerEntryType::kAdjustment), "system:adjustments");
}

// ---- properties over random fill sequences ---------------------------------

// Exact values as long double, for the independent reference (about 19
// significant digits: enough for these magnitudes; the tolerance covers the
// function's half-even rounding of the average entry price to 1e-18).
long double L(Decimal d) { return static_cast<long double>(d.units()) / 1e18L; }

// n lots of 0.001 and n ticks of 0.01.
Decimal Lots(std::int64_t n) { return Decimal::FromUnits(Decimal::Rep(n) * 1'000'000'000'000'000); }
Decimal Ticks(std::int64_t n) {
  return Decimal::FromUnits(Decimal::Rep(n) * 10'000'000'000'000'000);
}

// The textbook average-cost method, written without the function's
// formulas: the open lots' total cost and size; a reducing fill realizes
// (price - cost / size) per unit closed, signed by the side held.
struct AverageCostReference {
  long double size = 0;  // signed
  long double cost = 0;  // signed: sum of price x signed size of the open lots
  long double realized = 0;

  // Returns the P&L realized by this fill.
  long double Fill(Side side, long double qty, long double price) {
    const long double signed_qty = side == Side::kBuy ? qty : -qty;
    long double pnl = 0;
    if (size == 0 || (size > 0) == (signed_qty > 0)) {
      size += signed_qty;
      cost += price * signed_qty;
      return 0;
    }
    const long double avg = cost / size;
    const long double closing = std::min(qty, size > 0 ? size : -size);
    const long double held_sign = size > 0 ? 1 : -1;
    pnl = (price - avg) * closing * held_sign;
    realized += pnl;
    const long double remaining = qty - closing;
    size -= held_sign * closing;
    cost = avg * size;
    if (size == 0 && remaining > 0) {  // flip: the rest opens at the fill price
      size = -held_sign * remaining;
      cost = price * size;
    }
    if (size == 0) cost = 0;
    return pnl;
  }
};

struct Balances {
  // (account, currency) -> amount; account "" = the bot account.
  std::map<std::pair<std::string, std::string>, Decimal> amounts;
  void Post(const Journal& journal) {
    for (const JournalLeg& leg : journal) {
      amounts[{leg.system_account, leg.entry.currency}] += leg.entry.amount;
    }
  }
  Decimal Of(const std::string& account, const std::string& currency) const {
    auto it = amounts.find({account, currency});
    return it == amounts.end() ? Decimal() : it->second;
  }
};

TEST(FillAccountingPropertyTest, RandomSequencesKeepTheBooks) {
  constexpr int kSequences = 3000;
  constexpr int kMaxOrders = 12;
  const std::vector<std::string> kFeeCurrencies = {"", "USD", "BNB"};
  std::int64_t total_fills = 0, total_flips = 0, total_closes = 0, total_exact_closes = 0;
  for (int seq = 0; seq < kSequences; ++seq) {
    SCOPED_TRACE("sequence seed " + std::to_string(seq));
    std::mt19937_64 rng(static_cast<std::uint64_t>(seq) * 7919 + 17);
    auto uniform = [&rng](std::int64_t lo, std::int64_t hi) {
      return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
    };
    std::optional<PositionState> state;
    AverageCostReference ref;
    Balances balances;
    Decimal signed_sum, fees_total, realized_total, max_abs_in_trade;
    std::map<std::string, Decimal> fees_by_currency;
    long double trade_realized_ref = 0;
    Decimal trade_fees;
    Timestamp time = kT1;
    std::int64_t fill_id = 0;
    const int orders = static_cast<int>(uniform(1, kMaxOrders));
    for (int k = 0; k < orders; ++k) {
      // Orders of 1-3 partial fills: quantities in lots of 0.001, prices in
      // ticks of 0.01 around 100. A quarter of the orders close the position exactly (in one or two
      // fills); the others are random, so that some flip through zero.
      const bool close_out = !signed_sum.IsZero() && uniform(0, 3) == 0;
      Side side = uniform(0, 1) ? Side::kBuy : Side::kSell;
      std::vector<Decimal> quantities;
      Decimal order_qty;
      if (close_out) {
        side = signed_sum.IsPositive() ? Side::kSell : Side::kBuy;
        order_qty = signed_sum.Abs();
        const Decimal first = Lots(uniform(1, 5000));
        if (first < order_qty && uniform(0, 1)) quantities.push_back(first);
        quantities.push_back(order_qty - (quantities.empty() ? Decimal() : first));
      } else {
        const int parts = static_cast<int>(uniform(1, 3));
        for (int i = 0; i < parts; ++i) {
          quantities.push_back(Lots(uniform(1, 5000)));
          order_qty += quantities.back();
        }
      }
      Order order = AcceptedOrder(100 + k, side, order_qty);
      if (uniform(0, 1)) order.limit_price = Ticks(uniform(5000, 15000));
      if (uniform(0, 1)) order.expected_price = Ticks(uniform(5000, 15000));
      order.reserved = ReservationOf(order);
      const Decimal initial_reservation = order.reserved;
      Decimal reservation_changes;
      Decimal order_notional;
      for (const Decimal& qty : quantities) {
        time = time + uniform(1, 1'000'000);
        const Decimal price = Ticks(uniform(5000, 15000));
        // Fees: none, charged or rebated, in 6 decimals.
        const Decimal fee =
            uniform(0, 3) == 0
                ? Decimal()
                : Decimal::FromUnits(Decimal::Rep(uniform(-200, 5000)) * 1'000'000'000'000);
        const std::string currency = kFeeCurrencies[static_cast<std::size_t>(uniform(0, 2))];
        Fill reported;
        reported.bot_id = order.bot_id;
        reported.order_id = order.id;
        reported.venue = "paper";
        reported.venue_fill_id = "f" + std::to_string(++fill_id);
        reported.quantity = qty;
        reported.price = price;
        reported.fee = fee;
        reported.fee_currency = currency;
        reported.time = uniform(0, 4) == 0 ? Timestamp() : time;
        Fill f = NormalizeFill(reported, order, "USD", time);
        f.id = fill_id;
        const Position before = state ? state->position : Position{};
        const FillEffect e = AccountFill(order, state, f, "USD");
        ++total_fills;

        // The order: filled quantity and average price of its fills.
        order_notional += price.Mul(qty);
        EXPECT_EQ(e.order.filled_quantity, order.filled_quantity + qty);
        EXPECT_NEAR(static_cast<double>(L(*e.order.average_fill_price)),
                    static_cast<double>(L(order_notional) / L(e.order.filled_quantity)), 1e-12);
        EXPECT_EQ(e.order.reserved, order.reserved + e.reservation_change);
        reservation_changes += e.reservation_change;

        // The position: the signed sum of the fills.
        signed_sum += side == Side::kBuy ? qty : -qty;
        const Position& p = e.position.position;
        EXPECT_EQ(p.quantity, signed_sum);
        EXPECT_EQ(e.position_event.quantity, signed_sum);
        EXPECT_EQ(e.position_event.quantity_change, side == Side::kBuy ? qty : -qty);
        fees_total += fee;
        EXPECT_EQ(p.fees, fees_total);

        // Realized P&L against the independent reference, per fill and in
        // total.
        const long double expected_pnl = ref.Fill(side, L(qty), L(price));
        EXPECT_NEAR(static_cast<double>(L(e.change.realized_pnl)),
                    static_cast<double>(expected_pnl), 1e-9);
        realized_total += e.change.realized_pnl;
        EXPECT_EQ(p.realized_pnl, realized_total);
        EXPECT_NEAR(static_cast<double>(L(realized_total)), static_cast<double>(ref.realized),
                    1e-9);
        EXPECT_NEAR(static_cast<double>(L(p.quantity)), static_cast<double>(ref.size), 1e-12);
        if (!p.is_flat()) {
          EXPECT_NEAR(static_cast<double>(L(p.average_entry_price)),
                      static_cast<double>(ref.cost / ref.size), 1e-9);
        }

        // Journals: two legs, balanced per currency; the fee in its
        // currency, the P&L in the quote currency.
        for (const Journal& j : e.journals) {
          ASSERT_EQ(j.size(), 2u);
          std::map<std::string, Decimal> sum;
          for (const JournalLeg& leg : j) sum[leg.entry.currency] += leg.entry.amount;
          for (const auto& [currency_of_leg, amount] : sum) {
            EXPECT_TRUE(amount.IsZero()) << currency_of_leg << " " << amount;
          }
          balances.Post(j);
        }
        const std::string fee_currency = currency.empty() ? "USD" : currency;
        if (!fee.IsZero()) fees_by_currency[fee_currency] += fee;

        // Trades: a close or flip ends one, with the P&L it realized and
        // its largest size.
        trade_realized_ref += expected_pnl;
        const Decimal close_fee =
            e.change.closed_quantity.IsZero()
                ? Decimal()
                : fee.Mul(e.change.closed_quantity).Div(qty, RoundingMode::kHalfEven);
        trade_fees += close_fee;
        if (e.change.closed) {
          ++total_closes;
          ASSERT_TRUE(e.closed_trade);
          const Trade& t = *e.closed_trade;
          EXPECT_EQ(t.side, before.quantity.IsPositive() ? Side::kBuy : Side::kSell);
          EXPECT_EQ(t.quantity, max_abs_in_trade);
          EXPECT_NEAR(static_cast<double>(L(t.gross_pnl)), static_cast<double>(trade_realized_ref),
                      1e-9);
          EXPECT_EQ(t.fees, trade_fees);
          EXPECT_EQ(t.net_pnl, t.gross_pnl - t.fees);
          EXPECT_EQ(t.exit_fees, t.fees - t.entry_fees);
          EXPECT_EQ(e.position_event.type,
                    e.change.flipped ? PositionEventType::kFlipped : PositionEventType::kClosed);
          ++(e.change.flipped ? total_flips : total_exact_closes);
          trade_realized_ref = 0;
          trade_fees = fee - close_fee;  // the opening part of a flip
          max_abs_in_trade = Decimal();
        } else {
          EXPECT_FALSE(e.closed_trade);
          if (before.is_flat()) {
            trade_fees = fee;
          } else if (!e.change.opened_quantity.IsZero()) {
            trade_fees += fee;
          }
        }
        if (before.is_flat()) max_abs_in_trade = Decimal();
        max_abs_in_trade = std::max(max_abs_in_trade, p.quantity.Abs());
        if (!p.is_flat()) {
          EXPECT_EQ(e.position.trade_max_quantity, max_abs_in_trade);
        }

        state = e.position;
        order = e.order;
      }
      EXPECT_EQ(order.status, OrderStatus::kFilled);
      EXPECT_TRUE(order.reserved.IsZero());
      EXPECT_EQ(reservation_changes, -initial_reservation);
    }
    // Cash per currency equals the sum of its postings: realized P&L less
    // fees in the quote currency, less fees elsewhere; the system accounts
    // hold the other side.
    Decimal expected_usd = realized_total - fees_by_currency["USD"];
    EXPECT_EQ(balances.Of("", "USD"), expected_usd);
    EXPECT_EQ(balances.Of("", "BNB"), -fees_by_currency["BNB"]);
    EXPECT_EQ(balances.Of("system:pnl", "USD"), -realized_total);
    EXPECT_EQ(balances.Of("system:fees", "USD"), fees_by_currency["USD"]);
    EXPECT_EQ(balances.Of("system:fees", "BNB"), fees_by_currency["BNB"]);
    if (HasFailure()) break;  // one failing sequence is enough to read
  }
  // The generator reaches every case.
  EXPECT_GT(total_fills, 30'000);
  EXPECT_GT(total_closes, 3'000);
  EXPECT_GT(total_flips, 1'000);
  EXPECT_GT(total_exact_closes, 1'000);
  std::printf("%lld fills, %lld closes (%lld exact, %lld flips)\n",
              static_cast<long long>(total_fills), static_cast<long long>(total_closes),
              static_cast<long long>(total_exact_closes), static_cast<long long>(total_flips));
}

}  // namespace
}  // namespace tradestore
