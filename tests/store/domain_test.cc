// The trading domain (issue 3 items 1-6, 11, 12) on both backends: bot
// registry and heartbeats, the double-entry ledger and locked balances,
// balance history, the order lifecycle, fills, positions with stops and
// events, the trade journal, test isolation, and the plans of the indexed
// queries.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "store/domain_queries.h"
#include "store/store_impl.h"
#include "store/store_test_util.h"
#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore {
namespace {

using literals::operator""_d;
using testing::Backend;
using testing::FreshStoreUrl;
using testing::Seeded;
using testing::TempDir;

ErrorKind KindOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "no tradestore::Error thrown";
  return ErrorKind::kInternal;
}

Timestamp T(std::int64_t minutes) { return Timestamp(minutes * kMicrosPerMinute); }

class Domain : public ::testing::TestWithParam<Backend> {
 protected:
  Domain() : s_(FreshStoreUrl(GetParam())) {}

  Order NewOrder(Side side, OrderType type, Decimal qty, std::optional<Decimal> limit = {},
                 Timestamp at = T(1)) {
    Order o;
    o.bot_id = s_.bot.id;
    o.account_id = s_.account.id;
    o.instrument_id = s_.instrument.id;
    o.strategy = "breakout";
    o.strategy_version = "2.1";
    o.side = side;
    o.type = type;
    o.quantity = qty;
    o.limit_price = limit;
    o.mode = s_.bot.mode;
    o.created_at = at;
    return o;
  }

  // Creates, accepts and fully fills an order at `price`.
  FillOutcome Trade(Side side, Decimal qty, Decimal price, Timestamp at, std::string venue_fill_id,
                    Decimal fee = "0"_d, std::string exit_reason = {},
                    std::optional<Decimal> expected = {}) {
    Order o = NewOrder(side, OrderType::kMarket, qty, {}, at);
    o.exit_reason = std::move(exit_reason);
    o.expected_price = expected;
    o = s_.store.orders().Create(o);
    s_.store.orders().Accept(s_.bot.id, o.id, at, "v-" + venue_fill_id);
    Fill f;
    f.bot_id = s_.bot.id;
    f.order_id = o.id;
    f.venue = "test";
    f.venue_fill_id = std::move(venue_fill_id);
    f.quantity = qty;
    f.price = price;
    f.fee = fee;
    f.time = at;
    return s_.store.orders().RecordFill(f);
  }

  LedgerEntry Deposit(Decimal amount, Timestamp at, std::string currency = "USDC") {
    LedgerEntry e;
    e.bot_id = s_.bot.id;
    e.account_id = s_.account.id;
    e.time = at;
    e.type = amount.IsNegative() ? LedgerEntryType::kWithdrawal : LedgerEntryType::kDeposit;
    e.currency = std::move(currency);
    e.amount = amount;
    return s_.store.ledger().Post(e);
  }

  Balance BalanceRow(std::string_view currency) {
    for (const auto& b : s_.store.accounts().Balances(s_.bot.id, s_.account.id)) {
      if (b.currency == currency) return b;
    }
    return Balance{};
  }

  // Every journal of the bot sums to zero per currency, and every balance
  // (system accounts included) equals the sum of its entries.
  void ExpectBooksBalance() {
    LedgerFilter all;
    all.bot = s_.bot.id;
    all.include_system = true;
    all.include_test = true;
    std::map<std::pair<std::int64_t, std::string>, Decimal> journals;
    for (const auto& e : s_.store.ledger().Query(all))
      journals[{e.journal_id, e.currency}] += e.amount;
    for (const auto& [key, sum] : journals) {
      EXPECT_TRUE(sum.IsZero()) << "journal " << key.first << " " << key.second << " sums to "
                                << sum.ToString();
    }
    for (const auto& a : s_.store.accounts().List(s_.bot.id, /*include_system=*/true)) {
      for (const auto& b : s_.store.accounts().Balances(s_.bot.id, a.id)) {
        EXPECT_EQ(b.amount, s_.store.ledger().SumEntries(s_.bot.id, a.id, b.currency))
            << a.name << " " << b.currency;
      }
    }
  }

  Seeded s_;
};
TRADESTORE_ON_ALL_BACKENDS(Domain);

// ---- bots ------------------------------------------------------------------

TEST_P(Domain, BotRegistryHeartbeatAndStaleDetection) {
  Bot b;
  b.name = "grid-1";
  b.version = "1.4.2";
  b.strategy = "grid";
  b.mode = RunMode::kLive;
  b.equity = "1000"_d;
  b.equity_currency = "USDC";
  b.max_position = "0.5"_d;
  b.max_daily_loss = "50"_d;
  b.created_at = T(0);
  const Bot created = s_.store.bots().Create(b);
  Bot got = s_.store.bots().Get(created.id);
  EXPECT_EQ(got.status, BotStatus::kActive);
  EXPECT_EQ(got.equity, "1000"_d);
  EXPECT_EQ(got.max_position, "0.5"_d);
  EXPECT_EQ(got.max_daily_loss, "50"_d);
  EXPECT_FALSE(got.last_heartbeat_at.has_value());

  s_.store.bots().Heartbeat(created.id, T(10), "running", "all good", "1012.5"_d);
  s_.store.bots().Heartbeat(s_.bot.id, T(2), "running");
  got = s_.store.bots().Get(created.id);
  EXPECT_EQ(got.last_heartbeat_at, T(10));
  EXPECT_EQ(got.runtime_state, "running");
  EXPECT_EQ(got.runtime_message, "all good");
  EXPECT_EQ(got.equity, "1012.5"_d);

  // At minute 12 with a 5-minute limit, bot-a (last seen at 2) is stale,
  // grid-1 (10) is not; a bot that never reported is stale first.
  Bot silent;
  silent.name = "silent";
  const Bot silent_bot = s_.store.bots().Create(silent);
  auto stale = s_.store.bots().ListStale(T(12), 5 * kMicrosPerMinute);
  ASSERT_EQ(stale.size(), 2u);
  EXPECT_EQ(stale[0].id, silent_bot.id);
  EXPECT_EQ(stale[1].id, s_.bot.id);
  // Paused bots are not checked.
  s_.store.bots().SetStatus(s_.bot.id, BotStatus::kPaused, T(12), "maintenance");
  stale = s_.store.bots().ListStale(T(12), 5 * kMicrosPerMinute);
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].id, silent_bot.id);
  EXPECT_EQ(s_.store.bots().Get(s_.bot.id).runtime_message, "maintenance");

  // Refused: a negative age, a retired bot's heartbeat or revival, bad limits.
  EXPECT_EQ(KindOf([&] { s_.store.bots().ListStale(T(12), -1); }), ErrorKind::kInvalidArgument);
  s_.store.bots().SetStatus(silent_bot.id, BotStatus::kRetired, T(13));
  EXPECT_EQ(KindOf([&] { s_.store.bots().Heartbeat(silent_bot.id, T(14), "x"); }),
            ErrorKind::kConflict);
  EXPECT_EQ(KindOf([&] { s_.store.bots().SetStatus(silent_bot.id, BotStatus::kActive, T(14)); }),
            ErrorKind::kConflict);
  EXPECT_EQ(KindOf([&] { s_.store.bots().Heartbeat(9999, T(14), "x"); }), ErrorKind::kNotFound);
  Bot bad;
  bad.name = "bad";
  bad.max_position = "0"_d;
  EXPECT_EQ(KindOf([&] { s_.store.bots().Create(bad); }), ErrorKind::kInvalidArgument);
  EXPECT_FALSE(s_.store.bots().FindByName("bad").has_value());

  // Registry updates: a new version is recorded on the rows written after.
  Bot upgraded = s_.store.bots().Get(s_.bot.id);
  upgraded.version = "2.0.0";
  upgraded.max_position = "1.5"_d;
  s_.store.bots().Update(upgraded, T(20));
  EXPECT_EQ(s_.store.bots().Get(s_.bot.id).version, "2.0.0");
  EXPECT_EQ(s_.store.bots().Get(s_.bot.id).max_position, "1.5"_d);
  EXPECT_EQ(s_.store.bots().Get(s_.bot.id).updated_at, T(20));
  EXPECT_EQ(s_.store.orders().Create(NewOrder(Side::kBuy, OrderType::kMarket, "1"_d)).bot_version,
            "2.0.0");
  upgraded.max_daily_loss = "-5"_d;
  EXPECT_EQ(KindOf([&] { s_.store.bots().Update(upgraded, T(21)); }), ErrorKind::kInvalidArgument);
  upgraded.max_daily_loss.reset();
  upgraded.id = 9999;
  EXPECT_EQ(KindOf([&] { s_.store.bots().Update(upgraded, T(21)); }), ErrorKind::kNotFound);
  EXPECT_EQ(s_.store.bots().Get(s_.bot.id).updated_at, T(20));
}

// ---- ledger ----------------------------------------------------------------

TEST_P(Domain, EveryMovementIsABalancedJournal) {
  const Account spot = s_.store.accounts().Create(s_.bot.id, "spot");
  Deposit("1000"_d, T(1));
  Deposit("-200"_d, T(2));
  LedgerEntry funding;
  funding.bot_id = s_.bot.id;
  funding.account_id = s_.account.id;
  funding.time = T(3);
  funding.type = LedgerEntryType::kFunding;
  funding.currency = "USDC";
  funding.amount = "-1.25"_d;
  const LedgerEntry posted = s_.store.ledger().Post(funding);
  const auto [out_leg, in_leg] =
      s_.store.ledger().Transfer(s_.bot.id, s_.account.id, spot.id, "USDC", "300"_d, T(4), "rebal");
  EXPECT_EQ(out_leg.journal_id, in_leg.journal_id);
  EXPECT_EQ(out_leg.amount, "-300"_d);
  EXPECT_EQ(in_leg.balance_after, "300"_d);

  // The funding journal: the account's leg and the system account's.
  const auto legs = s_.store.ledger().Journal(s_.bot.id, posted.journal_id);
  ASSERT_EQ(legs.size(), 2u);
  EXPECT_EQ(legs[0].amount, "-1.25"_d);
  EXPECT_EQ(legs[1].amount, "1.25"_d);
  EXPECT_EQ(s_.store.accounts().Get(s_.bot.id, legs[1].account_id).name, "system:funding");
  EXPECT_EQ(s_.store.accounts().Get(s_.bot.id, legs[1].account_id).kind, AccountKind::kSystem);

  EXPECT_EQ(s_.store.accounts().BalanceOf(s_.bot.id, s_.account.id, "USDC"), "498.75"_d);
  EXPECT_EQ(s_.store.accounts().List(s_.bot.id).size(), 2u);        // system accounts hidden
  EXPECT_EQ(s_.store.accounts().List(s_.bot.id, true).size(), 4u);  // + external, funding
  ExpectBooksBalance();

  // Queries by type, currency and period; sums by type and currency.
  LedgerFilter f;
  f.bot = s_.bot.id;
  f.account = s_.account.id;
  f.type = LedgerEntryType::kWithdrawal;
  ASSERT_EQ(s_.store.ledger().Query(f).size(), 1u);
  f.type.reset();
  f.from = T(2);
  f.to = T(4);
  EXPECT_EQ(s_.store.ledger().Query(f).size(), 2u);  // withdrawal, funding
  LedgerFilter sums;
  sums.bot = s_.bot.id;
  std::map<std::string, Decimal> by_type;
  for (const auto& s : s_.store.ledger().Sums(sums))
    by_type[std::string(ToString(s.type))] = s.amount;
  EXPECT_EQ(by_type["deposit"], "1000"_d);
  EXPECT_EQ(by_type["withdrawal"], "-200"_d);
  EXPECT_EQ(by_type["funding"], "-1.25"_d);
  EXPECT_EQ(by_type["transfer"], "0"_d);  // both legs are bot accounts

  // Balance at past times.
  EXPECT_EQ(s_.store.ledger().BalanceAt(s_.bot.id, s_.account.id, "USDC", T(0)), "0"_d);
  EXPECT_EQ(s_.store.ledger().BalanceAt(s_.bot.id, s_.account.id, "USDC", T(1)), "1000"_d);
  EXPECT_EQ(s_.store.ledger().BalanceAt(s_.bot.id, s_.account.id, "USDC", T(3)), "798.75"_d);

  // Refused, changing nothing.
  const auto before = s_.store.ledger()
                          .Query(LedgerFilter{.bot = s_.bot.id,
                                              .account = {},
                                              .type = {},
                                              .currency = {},
                                              .from = {},
                                              .to = {},
                                              .include_system = true,
                                              .include_test = true})
                          .size();
  EXPECT_EQ(
      KindOf([&] { s_.store.ledger().Transfer(s_.bot.id, spot.id, spot.id, "USDC", "1"_d, T(5)); }),
      ErrorKind::kInvalidArgument);
  EXPECT_EQ(KindOf([&] {
              s_.store.ledger().Transfer(s_.bot.id, s_.account.id, spot.id, "USDC", "-1"_d, T(5));
            }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(KindOf([&] {
              s_.store.ledger().Transfer(s_.bot.id, s_.account.id, 9999, "USDC", "1"_d, T(5));
            }),
            ErrorKind::kNotFound);
  LedgerEntry transfer = funding;
  transfer.type = LedgerEntryType::kTransfer;
  EXPECT_EQ(KindOf([&] { s_.store.ledger().Post(transfer); }), ErrorKind::kInvalidArgument);
  LedgerEntry on_system = funding;
  on_system.account_id = legs[1].account_id;
  EXPECT_EQ(KindOf([&] { s_.store.ledger().Post(on_system); }), ErrorKind::kInvalidArgument);
  EXPECT_EQ(KindOf([&] { s_.store.accounts().Create(s_.bot.id, "system:mine"); }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(s_.store.ledger()
                .Query(LedgerFilter{.bot = s_.bot.id,
                                    .account = {},
                                    .type = {},
                                    .currency = {},
                                    .from = {},
                                    .to = {},
                                    .include_system = true,
                                    .include_test = true})
                .size(),
            before);
  ExpectBooksBalance();
}

// A system account created inside a unit of work that rolls back is gone;
// the store must not post to its id afterwards (SQLite caches system
// account ids per bot, and reuses the rolled-back row id for the next
// account, here a bot account).
TEST_P(Domain, SystemAccountOfARolledBackUnitOfWorkIsNotReused) {
  {
    UnitOfWork u = s_.store.BeginTrading();
    Deposit("100"_d, T(1));  // creates system:external, rolled back below
  }
  const Account spare = s_.store.accounts().Create(s_.bot.id, "spare");
  Deposit("50"_d, T(2));
  Deposit("25"_d, T(3));  // the cached id this time
  int external = 0;
  AccountId external_id = 0;
  for (const auto& a : s_.store.accounts().List(s_.bot.id, /*include_system=*/true)) {
    if (a.name == "system:external") {
      ++external;
      external_id = a.id;
      EXPECT_EQ(a.kind, AccountKind::kSystem);
    }
  }
  ASSERT_EQ(external, 1);
  EXPECT_NE(external_id, spare.id);
  EXPECT_TRUE(s_.store.accounts().Balances(s_.bot.id, spare.id).empty());
  EXPECT_EQ(BalanceRow("USDC").amount, "75"_d);
  EXPECT_EQ(s_.store.ledger().SumEntries(s_.bot.id, external_id, "USDC"), "-75"_d);
  LedgerFilter all;
  all.bot = s_.bot.id;
  all.include_system = true;
  const auto entries = s_.store.ledger().Query(all);
  ASSERT_EQ(entries.size(), 4u);
  for (const auto& e : entries) {
    EXPECT_TRUE(e.account_id == s_.account.id || e.account_id == external_id) << e.account_id;
  }
  ExpectBooksBalance();
}

TEST_P(Domain, OpenOrdersLockBalanceUntilTheyEnd) {
  Deposit("10000"_d, T(0));
  Order o = s_.store.orders().Create(NewOrder(Side::kBuy, OrderType::kLimit, "2"_d, "100"_d));
  EXPECT_EQ(o.reserved, "200"_d);
  EXPECT_EQ(BalanceRow("USDC").locked, "200"_d);
  EXPECT_EQ(BalanceRow("USDC").available(), "9800"_d);
  s_.store.orders().Accept(s_.bot.id, o.id, T(1), "venue-1");
  Fill f;
  f.bot_id = s_.bot.id;
  f.order_id = o.id;
  f.venue = "test";
  f.venue_fill_id = "f1";
  f.quantity = "0.5"_d;
  f.price = "100"_d;
  f.time = T(2);
  s_.store.orders().RecordFill(f);
  EXPECT_EQ(BalanceRow("USDC").locked, "150"_d);
  o = s_.store.orders().Amend(
      s_.bot.id, o.id, OrderAmendment{.quantity = "1.5"_d, .limit_price = "90"_d, .stop_price = {}},
      T(3));
  EXPECT_EQ(o.reserved, "90"_d);  // 1 remaining x 90
  EXPECT_EQ(BalanceRow("USDC").locked, "90"_d);
  Order other = s_.store.orders().Create(NewOrder(Side::kSell, OrderType::kLimit, "1"_d, "120"_d));
  EXPECT_EQ(BalanceRow("USDC").locked, "210"_d);
  s_.store.orders().Cancel(s_.bot.id, o.id, T(4), "user");
  s_.store.orders().Reject(s_.bot.id, other.id, T(4), "insufficient margin");
  EXPECT_EQ(BalanceRow("USDC").locked, "0"_d);
  EXPECT_EQ(BalanceRow("USDC").amount, "10000"_d);  // reservations post nothing
  ExpectBooksBalance();
}

TEST_P(Domain, BalanceHistorySnapshotsWithMarginFields) {
  Deposit("1000"_d, T(0));
  Trade(Side::kBuy, "2"_d, "100"_d, T(1), "f1");
  s_.store.positions().MarkPrice(s_.bot.id, s_.account.id, s_.instrument.id, "110"_d, T(2));
  s_.store.orders().Create(NewOrder(Side::kSell, OrderType::kLimit, "1"_d, "150"_d));
  const Timestamp midnight = Timestamp(kMicrosPerDay);
  auto rows = s_.store.ledger().Snapshot(s_.bot.id, s_.account.id, midnight, SnapshotKind::kDaily);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].amount, "1000"_d);
  EXPECT_EQ(rows[0].locked, "150"_d);
  EXPECT_EQ(rows[0].available, "850"_d);
  EXPECT_EQ(rows[0].unrealized_pnl, "20"_d);
  EXPECT_EQ(rows[0].equity, "1020"_d);
  EXPECT_EQ(rows[0].margin_used, "370"_d);  // 150 locked + 2 x 110
  EXPECT_EQ(rows[0].free_margin, "650"_d);
  ASSERT_TRUE(rows[0].margin_level.has_value());
  EXPECT_NEAR(*rows[0].margin_level, 1020.0 / 370.0, 1e-12);
  s_.store.ledger().Snapshot(s_.bot.id, s_.account.id, T(5), SnapshotKind::kOnDemand);
  // Same key again replaces.
  s_.store.ledger().Snapshot(s_.bot.id, s_.account.id, midnight, SnapshotKind::kDaily);
  EXPECT_EQ(s_.store.ledger().History(s_.bot.id, s_.account.id).size(), 2u);
  EXPECT_EQ(
      s_.store.ledger().History(s_.bot.id, s_.account.id, "USDC", {}, SnapshotKind::kDaily).size(),
      1u);
  EXPECT_EQ(KindOf([&] {
              s_.store.ledger().Snapshot(s_.bot.id, s_.account.id, T(5), SnapshotKind::kDaily);
            }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(
      KindOf([&] { s_.store.ledger().Snapshot(s_.bot.id, 9999, T(5), SnapshotKind::kOnDemand); }),
      ErrorKind::kNotFound);
}

// ---- orders ----------------------------------------------------------------

TEST_P(Domain, OrderLifecycleKeepsEveryChangeAsAnEvent) {
  Order o = s_.store.orders().Create(NewOrder(Side::kBuy, OrderType::kLimit, "1"_d, "100"_d));
  EXPECT_EQ(o.bot_version, s_.bot.version);
  s_.store.orders().RecordRetry(s_.bot.id, o.id, T(2), "timeout talking to venue");
  o = s_.store.orders().Accept(s_.bot.id, o.id, T(3), "V-77");
  EXPECT_EQ(o.venue_order_id, "V-77");
  o = s_.store.orders().Amend(
      s_.bot.id, o.id, OrderAmendment{.quantity = "2"_d, .limit_price = {}, .stop_price = {}}, T(4),
      "size up");
  EXPECT_EQ(o.quantity, "2"_d);
  o = s_.store.orders().Expire(s_.bot.id, o.id, T(5), "day order");
  o = s_.store.orders().Get(s_.bot.id, o.id);
  EXPECT_EQ(o.status, OrderStatus::kExpired);
  EXPECT_EQ(o.retry_count, 1);
  EXPECT_EQ(o.last_error, "timeout talking to venue");
  EXPECT_EQ(o.reason, "day order");
  EXPECT_EQ(o.strategy_version, "2.1");
  const auto events = s_.store.orders().Events(s_.bot.id, o.id);
  std::vector<std::string> kinds;
  for (const auto& e : events)
    kinds.push_back(std::string(ToString(e.kind)) + ":" + std::string(ToString(e.to_status)));
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"status:new", "retry:new", "status:accepted",
                                      "venue_id:accepted", "amend:accepted", "status:expired"}));
  EXPECT_EQ(events[4].quantity, "2"_d);
  EXPECT_NE(events[4].reason.find("quantity 1 -> 2"), std::string::npos) << events[4].reason;

  // Refused: amend or retry of a terminal order, a reject without reason,
  // an amend to a price the type takes none of, a quantity not above filled.
  EXPECT_EQ(KindOf([&] {
              s_.store.orders().Amend(
                  s_.bot.id, o.id,
                  OrderAmendment{.quantity = "3"_d, .limit_price = {}, .stop_price = {}}, T(6));
            }),
            ErrorKind::kConflict);
  EXPECT_EQ(KindOf([&] { s_.store.orders().RecordRetry(s_.bot.id, o.id, T(6), "x"); }),
            ErrorKind::kConflict);
  Order m = s_.store.orders().Create(NewOrder(Side::kBuy, OrderType::kMarket, "1"_d));
  EXPECT_EQ(KindOf([&] { s_.store.orders().Reject(s_.bot.id, m.id, T(6), ""); }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(KindOf([&] {
              s_.store.orders().Amend(
                  s_.bot.id, m.id,
                  OrderAmendment{.quantity = {}, .limit_price = "5"_d, .stop_price = {}}, T(6));
            }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(KindOf([&] { s_.store.orders().Amend(s_.bot.id, m.id, OrderAmendment{}, T(6)); }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(KindOf([&] { s_.store.orders().RecordRetry(s_.bot.id, m.id, T(6), ""); }),
            ErrorKind::kInvalidArgument);
  s_.store.orders().Accept(s_.bot.id, m.id, T(6));
  Fill f;
  f.bot_id = s_.bot.id;
  f.order_id = m.id;
  f.venue = "test";
  f.venue_fill_id = "m1";
  f.quantity = "0.4"_d;
  f.price = "100"_d;
  f.time = T(7);
  s_.store.orders().RecordFill(f);
  EXPECT_EQ(KindOf([&] {
              s_.store.orders().Amend(
                  s_.bot.id, m.id,
                  OrderAmendment{.quantity = "0.4"_d, .limit_price = {}, .stop_price = {}}, T(8));
            }),
            ErrorKind::kConflict);
  EXPECT_EQ(s_.store.orders().Get(s_.bot.id, m.id).remaining_quantity(), "0.6"_d);
  // A partly filled order cannot be rejected any more, only cancelled.
  EXPECT_EQ(KindOf([&] { s_.store.orders().Reject(s_.bot.id, m.id, T(9), "venue halted"); }),
            ErrorKind::kConflict);
  s_.store.orders().Cancel(s_.bot.id, m.id, T(9), "venue halted");
  EXPECT_EQ(s_.store.orders().Get(s_.bot.id, m.id).reason, "venue halted");
  EXPECT_EQ(s_.store.orders().Events(s_.bot.id, m.id).size(),
            4u);  // new, accepted, fill, cancelled
  Order r = s_.store.orders().Create(NewOrder(Side::kBuy, OrderType::kMarket, "1"_d));
  r = s_.store.orders().Reject(s_.bot.id, r.id, T(10), "insufficient margin");
  EXPECT_EQ(r.status, OrderStatus::kRejected);
  EXPECT_EQ(s_.store.orders().Events(s_.bot.id, r.id).back().reason, "insufficient margin");
}

// ---- fills -----------------------------------------------------------------

TEST_P(Domain, DuplicateFillReportsAndForeignCurrencyFees) {
  Deposit("1000"_d, T(0));
  Order o = s_.store.orders().Create(NewOrder(Side::kBuy, OrderType::kMarket, "1"_d));
  s_.store.orders().Accept(s_.bot.id, o.id, T(1));
  Fill f;
  f.bot_id = s_.bot.id;
  f.order_id = o.id;
  f.venue = "binance";
  f.venue_fill_id = "t-1";
  f.quantity = "0.5"_d;
  f.price = "100"_d;
  f.fee = "0.01"_d;
  f.fee_currency = "BNB";
  f.liquidity = Liquidity::kMaker;
  f.time = T(2);
  const FillOutcome first = s_.store.orders().RecordFill(f);
  EXPECT_FALSE(first.duplicate);
  for (int i = 0; i < 3; ++i) {
    const FillOutcome again = s_.store.orders().RecordFill(f);
    EXPECT_TRUE(again.duplicate);
    EXPECT_EQ(again.fill.id, first.fill.id);
  }
  // Same venue fill id on another venue is another fill.
  f.venue = "kraken";
  EXPECT_FALSE(s_.store.orders().RecordFill(f).duplicate);
  const auto fills = s_.store.orders().Fills(s_.bot.id, o.id);
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_EQ(fills[0].liquidity, Liquidity::kMaker);
  EXPECT_EQ(fills[0].fee_currency, "BNB");
  EXPECT_EQ(fills[0].mode, s_.bot.mode);
  EXPECT_EQ(s_.store.orders().Get(s_.bot.id, o.id).filled_quantity, "1"_d);
  EXPECT_EQ(s_.store.positions().Get(s_.bot.id, s_.account.id, s_.instrument.id)->quantity, "1"_d);
  // The fees posted in BNB, not in the quote currency.
  EXPECT_EQ(BalanceRow("BNB").amount, "-0.02"_d);
  EXPECT_EQ(BalanceRow("USDC").amount, "1000"_d);
  ExpectBooksBalance();
}

// ---- positions -------------------------------------------------------------

TEST_P(Domain, PositionsPartialClosesStopsTrailingAndEvents) {
  Deposit("10000"_d, T(0));
  const auto id = [&] {
    return s_.store.positions().Get(s_.bot.id, s_.account.id, s_.instrument.id);
  };
  EXPECT_EQ(KindOf([&] {
              s_.store.positions().SetStops(s_.bot.id, s_.account.id, s_.instrument.id,
                                            StopSettings{.stop_loss = "90"_d,
                                                         .take_profit = {},
                                                         .trailing_distance = {},
                                                         .trailing_percent = {}},
                                            T(1));
            }),
            ErrorKind::kConflict);  // flat
  Trade(Side::kBuy, "1"_d, "100"_d, T(1), "a");
  Trade(Side::kBuy, "1"_d, "110"_d, T(2), "b");
  EXPECT_EQ(id()->average_entry_price, "105"_d);
  auto set = [&](StopSettings st) {
    return s_.store.positions().SetStops(s_.bot.id, s_.account.id, s_.instrument.id, st, T(3));
  };
  EXPECT_EQ(KindOf([&] {
              set(StopSettings{.stop_loss = "120"_d,
                               .take_profit = {},
                               .trailing_distance = {},
                               .trailing_percent = {}});
            }),
            ErrorKind::kInvalidArgument);  // above the last price of a long
  EXPECT_EQ(KindOf([&] {
              set(StopSettings{.stop_loss = {},
                               .take_profit = {},
                               .trailing_distance = "5"_d,
                               .trailing_percent = "0.1"_d});
            }),
            ErrorKind::kInvalidArgument);  // both trailing kinds
  EXPECT_EQ(KindOf([&] {
              set(StopSettings{.stop_loss = {},
                               .take_profit = {},
                               .trailing_distance = {},
                               .trailing_percent = "1.5"_d});
            }),
            ErrorKind::kInvalidArgument);
  Position p = set(StopSettings{.stop_loss = "95"_d,
                                .take_profit = "130"_d,
                                .trailing_distance = "10"_d,
                                .trailing_percent = {}});
  EXPECT_EQ(p.stop_loss, "100"_d);  // 110 seen - 10 is above 95
  p = *s_.store.positions().MarkPrice(s_.bot.id, s_.account.id, s_.instrument.id, "118"_d, T(4));
  EXPECT_EQ(p.stop_loss, "108"_d);
  EXPECT_EQ(p.unrealized_pnl, "26"_d);
  EXPECT_EQ(p.highest_price, "118"_d);
  p = *s_.store.positions().MarkPrice(s_.bot.id, s_.account.id, s_.instrument.id, "112"_d, T(5),
                                      true);
  EXPECT_EQ(p.stop_loss, "108"_d);  // a trailing stop never moves back
  EXPECT_EQ(p.lowest_price, "100"_d);
  // Partial close at the stop, then the rest.
  const FillOutcome reduce = Trade(Side::kSell, "0.5"_d, "108"_d, T(6), "c", "0"_d, "stop_loss");
  EXPECT_EQ(reduce.position.quantity, "1.5"_d);
  EXPECT_EQ(reduce.change.realized_pnl, "1.5"_d);
  EXPECT_EQ(reduce.position.stop_loss, "108"_d);  // stops stay while open
  const FillOutcome close = Trade(Side::kSell, "1.5"_d, "108"_d, T(7), "d", "0"_d, "stop_loss");
  ASSERT_TRUE(close.closed_trade.has_value());
  EXPECT_TRUE(close.position.is_flat());
  EXPECT_FALSE(close.position.stop_loss.has_value());
  EXPECT_FALSE(s_.store.positions()
                   .MarkPrice(s_.bot.id, s_.account.id, s_.instrument.id, "1"_d, T(8))
                   ->stop_loss);

  std::vector<std::string> types;
  for (const auto& e : s_.store.positions().Events(s_.bot.id, s_.account.id, s_.instrument.id)) {
    types.push_back(std::string(ToString(e.type)));
  }
  EXPECT_EQ(types, (std::vector<std::string>{"opened", "increased", "stops_set", "stop_moved",
                                             "marked", "reduced", "closed"}));
  const auto events = s_.store.positions().ListEvents(s_.bot.id, TimeRange{T(6), T(8)});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].trade_id, close.closed_trade->id);
  EXPECT_EQ(events[0].quantity_change, "-0.5"_d);
  // Positions equal the net of their fills.
  Decimal net;
  for (const auto& f : s_.store.orders().ListFills(s_.bot.id)) {
    net += f.side == Side::kBuy ? f.quantity : -f.quantity;
  }
  EXPECT_EQ(net, id()->quantity);
  EXPECT_EQ(KindOf([&] {
              s_.store.positions().MarkPrice(s_.bot.id, s_.account.id, s_.instrument.id, "0"_d,
                                             T(9));
            }),
            ErrorKind::kInvalidArgument);
}

// ---- trades ----------------------------------------------------------------

TEST_P(Domain, TradeJournalFieldsReviewAndFilters) {
  Deposit("10000"_d, T(0));
  Trade(Side::kBuy, "2"_d, "100.5"_d, T(1), "e1", "0.2"_d, {}, "100"_d);
  s_.store.positions().SetTradeContext(s_.bot.id, s_.account.id, s_.instrument.id,
                                       TradeContext{.initial_stop = {},
                                                    .target = "120"_d,
                                                    .risk_amount = {},
                                                    .position_size_rule = "1% risk",
                                                    .regime = "trending",
                                                    .volatility = 0.45,
                                                    .atr = 3.5,
                                                    .session = "london",
                                                    .trend = "up",
                                                    .setup = "breakout"});
  s_.store.positions().SetStops(s_.bot.id, s_.account.id, s_.instrument.id,
                                StopSettings{.stop_loss = "95.5"_d,
                                             .take_profit = {},
                                             .trailing_distance = {},
                                             .trailing_percent = {}},
                                T(2));
  s_.store.positions().Mark(s_.bot.id, s_.account.id, s_.instrument.id, "112"_d, "98"_d);
  const FillOutcome out =
      Trade(Side::kSell, "2"_d, "110"_d, T(3), "x1", "0.3"_d, "take_profit", "111"_d);
  ASSERT_TRUE(out.closed_trade.has_value());
  const tradestore::Trade t = s_.store.trades().Get(s_.bot.id, out.closed_trade->id);
  EXPECT_EQ(t.gross_pnl, "19"_d);
  EXPECT_EQ(t.net_pnl, "18.5"_d);
  EXPECT_EQ(t.entry_fees, "0.2"_d);
  EXPECT_EQ(t.exit_fees, "0.3"_d);
  EXPECT_EQ(t.entry_slippage, "1"_d);  // paid 0.5 over 100 on 2
  EXPECT_EQ(t.exit_slippage, "2"_d);   // got 1 under 111 on 2
  EXPECT_EQ(t.initial_stop, "95.5"_d);
  EXPECT_EQ(t.target, "120"_d);
  EXPECT_EQ(t.risk_amount, "10"_d);  // |100.5 - 95.5| x 2
  ASSERT_TRUE(t.r_multiple.has_value());
  EXPECT_NEAR(*t.r_multiple, 1.85, 1e-12);
  EXPECT_NEAR(*t.mae_r, 2.5 * 2 / 10.0, 1e-12);  // low 98: 2.5 per unit
  EXPECT_NEAR(*t.mfe_r, 11.5 * 2 / 10.0, 1e-12);
  EXPECT_NEAR(t.pnl_percent, 18.5 / 201.0 * 100, 1e-9);
  EXPECT_EQ(t.outcome, "win");
  EXPECT_EQ(t.regime, "trending");
  EXPECT_EQ(t.atr, 3.5);
  EXPECT_EQ(t.volatility, 0.45);
  EXPECT_EQ(t.session, "london");
  EXPECT_EQ(t.trend, "up");
  EXPECT_EQ(t.setup, "breakout");
  EXPECT_EQ(t.position_size_rule, "1% risk");
  EXPECT_EQ(t.strategy_version, "2.1");
  EXPECT_EQ(t.exit_reason, "take_profit");
  ASSERT_TRUE(t.entry_order_id && t.exit_order_id);
  EXPECT_EQ(s_.store.orders().Get(s_.bot.id, *t.exit_order_id).trade_id, t.id);
  EXPECT_NE(*t.entry_order_id, *t.exit_order_id);

  // A losing short in another regime.
  Trade(Side::kSell, "1"_d, "100"_d, T(10), "e2");
  s_.store.positions().SetTradeContext(s_.bot.id, s_.account.id, s_.instrument.id,
                                       TradeContext{.initial_stop = {},
                                                    .target = {},
                                                    .risk_amount = {},
                                                    .position_size_rule = {},
                                                    .regime = "ranging",
                                                    .volatility = {},
                                                    .atr = {},
                                                    .session = {},
                                                    .trend = {},
                                                    .setup = {}});
  Trade(Side::kBuy, "1"_d, "104"_d, T(11), "x2", "0"_d, "stop_loss");

  auto list = [&](auto&& set) {
    TradeFilter f;
    f.bot = s_.bot.id;
    set(f);
    return s_.store.trades().List(f);
  };
  EXPECT_EQ(list([](TradeFilter&) {}).size(), 2u);
  EXPECT_EQ(list([](TradeFilter& f) { f.regime = "ranging"; }).size(), 1u);
  EXPECT_EQ(list([](TradeFilter& f) { f.outcome = "loss"; }).at(0).exit_reason, "stop_loss");
  EXPECT_EQ(list([](TradeFilter& f) { f.exit_reason = "take_profit"; }).at(0).id, t.id);
  EXPECT_EQ(list([](TradeFilter& f) {
              f.strategy = "breakout";
              f.regime = "trending";
            }).size(),
            1u);
  EXPECT_EQ(list([&](TradeFilter& f) {
              f.instrument = s_.instrument.id;
              f.limit = 1;
            }).size(),
            1u);
  EXPECT_EQ(list([](TradeFilter& f) { f.instrument = 9999; }).size(), 0u);
  EXPECT_EQ(KindOf([&] { list([](TradeFilter& f) { f.outcome = "draw"; }); }),
            ErrorKind::kInvalidArgument);

  // Review after the close.
  TradeReview review;
  review.setup = "breakout retest";
  review.tags = "a+,trend";
  review.notes = "waited for the retest";
  review.mental_state = "calm";
  review.rule_breaks = "";
  review.grade = "A-";
  review.links = "https://example.com/chart.png\nhttp://example.com/notes";
  const tradestore::Trade reviewed = s_.store.trades().UpdateReview(s_.bot.id, t.id, review, T(20));
  EXPECT_EQ(reviewed.grade, "A-");
  EXPECT_EQ(reviewed.mental_state, "calm");
  EXPECT_EQ(reviewed.reviewed_at, T(20));
  EXPECT_EQ(reviewed.net_pnl, t.net_pnl);
  review.grade = "Z";
  EXPECT_EQ(KindOf([&] { s_.store.trades().UpdateReview(s_.bot.id, t.id, review, T(21)); }),
            ErrorKind::kInvalidArgument);
  review.grade = "B";
  review.links = "file:///etc/passwd";
  EXPECT_EQ(KindOf([&] { s_.store.trades().UpdateReview(s_.bot.id, t.id, review, T(21)); }),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(KindOf([&] { s_.store.trades().UpdateReview(s_.bot.id, 9999, TradeReview{}, T(21)); }),
            ErrorKind::kNotFound);
  EXPECT_EQ(s_.store.trades().Get(s_.bot.id, t.id).grade, "A-");  // unchanged by refusals
  ExpectBooksBalance();
}

// ---- test isolation and bot isolation ---------------------------------------

TEST_P(Domain, TestDataIsHiddenFromDefaultQueries) {
  Bot tb;
  tb.name = "test-bot";
  tb.is_test = true;
  tb.mode = RunMode::kPaper;
  const Bot test_bot = s_.store.bots().Create(tb);
  const Account ta = s_.store.accounts().Create(test_bot.id, "main");
  EXPECT_TRUE(ta.is_test);
  LedgerEntry d;
  d.bot_id = test_bot.id;
  d.account_id = ta.id;
  d.type = LedgerEntryType::kDeposit;
  d.currency = "USDC";
  d.amount = "5"_d;
  d.time = T(1);
  EXPECT_TRUE(s_.store.ledger().Post(d).is_test);
  Order o = NewOrder(Side::kBuy, OrderType::kMarket, "1"_d);
  o.bot_id = test_bot.id;
  o.account_id = ta.id;
  o.is_test = true;
  o = s_.store.orders().Create(o);
  s_.store.orders().Accept(test_bot.id, o.id, T(1));
  for (const char* id : {"t1"}) {
    Fill f;
    f.bot_id = test_bot.id;
    f.order_id = o.id;
    f.venue = "test";
    f.venue_fill_id = id;
    f.quantity = "1"_d;
    f.price = "10"_d;
    f.time = T(1);
    EXPECT_TRUE(s_.store.orders().RecordFill(f).fill.is_test);
  }
  Order c = NewOrder(Side::kSell, OrderType::kMarket, "1"_d);
  c.bot_id = test_bot.id;
  c.account_id = ta.id;
  c.is_test = true;
  c = s_.store.orders().Create(c);
  s_.store.orders().Accept(test_bot.id, c.id, T(2));
  Fill f;
  f.bot_id = test_bot.id;
  f.order_id = c.id;
  f.venue = "test";
  f.venue_fill_id = "t2";
  f.quantity = "1"_d;
  f.price = "11"_d;
  f.time = T(2);
  ASSERT_TRUE(s_.store.orders().RecordFill(f).closed_trade.has_value());
  Deposit("7"_d, T(1));
  Trade(Side::kBuy, "1"_d, "10"_d, T(1), "r1");
  Trade(Side::kSell, "1"_d, "12"_d, T(2), "r2");

  EXPECT_EQ(s_.store.trades().List().size(), 1u);
  TradeFilter all;
  all.include_test = true;
  EXPECT_EQ(s_.store.trades().List(all).size(), 2u);
  EXPECT_EQ(s_.store.ledger().Query(LedgerFilter{}).size(), 2u);  // bot-a: deposit, pnl
  LedgerFilter with_test;
  with_test.include_test = true;
  EXPECT_EQ(s_.store.ledger().Query(with_test).size(), 4u);  // + test deposit, pnl
  EXPECT_EQ(s_.store.positions().ListEvents(test_bot.id).size(), 0u);
  EXPECT_EQ(s_.store.positions().ListEvents(test_bot.id, {}, true).size(), 2u);
  EXPECT_EQ(s_.store.bots().List().size(), 1u);
  // Each bot sees only its own rows.
  EXPECT_EQ(KindOf([&] { s_.store.orders().Get(s_.bot.id, o.id); }), ErrorKind::kNotFound);
  EXPECT_EQ(KindOf([&] { s_.store.accounts().Get(s_.bot.id, ta.id); }), ErrorKind::kNotFound);
  for (const auto& fill : s_.store.orders().ListFills(s_.bot.id)) EXPECT_EQ(fill.bot_id, s_.bot.id);
  EXPECT_EQ(s_.store.orders().ListFills(s_.bot.id).size(), 2u);
  Fill cross = f;
  cross.bot_id = s_.bot.id;  // another bot's order id
  cross.venue_fill_id = "x";
  EXPECT_EQ(KindOf([&] { s_.store.orders().RecordFill(cross); }), ErrorKind::kNotFound);
}

// ---- index use -------------------------------------------------------------

// The plan text of `sql` on this backend: SQLite's EXPLAIN QUERY PLAN
// details, or PostgreSQL's EXPLAIN with sequential scans disabled (tiny
// tables would otherwise be scanned: the question is whether an index
// serves the query at all).
std::string Plan(Store& store, const std::string& sql,
                 const std::function<void(sql::Statement&)>& bind) {
  auto& c = detail::ImplOf(store).connection(detail::Database::kTrading);
  const bool pg = detail::ImplOf(store).dialect() == sql::Dialect::kPostgres;
  if (pg) c.Prepare("SET enable_seqscan = off").Execute();
  auto& st = c.Prepare((pg ? "EXPLAIN " : "EXPLAIN QUERY PLAN ") + sql);
  bind(st);
  std::string plan;
  while (st.Step()) plan += st.GetText(pg ? 0 : 3) + "\n";
  if (pg) c.Prepare("SET enable_seqscan = on").Execute();
  return plan;
}

TEST_P(Domain, IndexedQueriesUseTheirIndexes) {
  struct Case {
    std::function<void(TradeFilter&)> set;
    const char* index;
  };
  const std::vector<Case> cases = {
      {[](TradeFilter& f) {
         f.exit_time = TimeRange{T(0), T(10)};
       },
       "trades_exit_time"},
      {[](TradeFilter& f) { f.strategy = "breakout"; }, "trades_strategy"},
      {[](TradeFilter& f) { f.regime = "trending"; }, "trades_regime"},
      {[](TradeFilter& f) { f.instrument = 1; }, "trades_instrument"},
      {[](TradeFilter& f) { f.outcome = "win"; }, "trades_outcome"},
      {[](TradeFilter& f) { f.exit_reason = "stop_loss"; }, "trades_exit_reason"},
      {[](TradeFilter& f) {
         f.strategy = "breakout";
         f.regime = "trending";
       },
       "trades_strategy_regime"},
      {[](TradeFilter& f) {
         f.bot = 1;
         f.exit_time = TimeRange{T(0), T(10)};
       },
       "trades_bot_exit"},
  };
  // Without statistics PostgreSQL may serve the bot-and-time query from the
  // time index alone; either is an index scan.
  const bool pg = GetParam() != Backend::kSqlite;  // Citus: the shard's plan
  for (const auto& c : cases) {
    TradeFilter f;
    c.set(f);
    const detail::BoundQuery q = detail::TradeListQuery(f);
    const std::string plan = Plan(s_.store, q.sql, [&](sql::Statement& st) { q.BindAll(st); });
    const bool alternative = pg && std::string(c.index) == "trades_bot_exit" &&
                             plan.find("Index Scan using trades_exit_time") != std::string::npos;
    EXPECT_TRUE(plan.find(c.index) != std::string::npos || alternative)
        << c.index << " not in plan:\n"
        << plan;
    EXPECT_EQ(plan.find(pg ? "Seq Scan" : "SCAN trades"), std::string::npos) << plan;
  }
  auto bot_time = [&](sql::Statement& st) { st.Bind(1, s_.bot.id).Bind(2, T(0)).Bind(3, T(10)); };
  for (const auto& [sql, index] : std::vector<std::pair<std::string, const char*>>{
           {detail::OrdersByBotTimeSql(), "orders_bot_created"},
           {detail::FillsByBotTimeSql(), "fills_bot_time"},
           {detail::LedgerByBotTimeSql(), "ledger_bot_time"}}) {
    const std::string plan = Plan(s_.store, sql, bot_time);
    EXPECT_NE(plan.find(index), std::string::npos) << index << " not in plan:\n" << plan;
  }
}

// ---- migration of an existing store ------------------------------------------

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string message = err ? err : "?";
    sqlite3_free(err);
    FAIL() << message << " in " << sql.substr(0, 200);
  }
}

TEST(DomainMigration, StoreAtVersionOneMigratesWithoutLosingData) {
  TempDir dir;
  const std::string path = dir.Sub("store");
  std::filesystem::create_directories(path);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((path + "/trading.db").c_str(), &db), SQLITE_OK);
  Exec(db, ReadFile(std::filesystem::path(TRADESTORE_SOURCE_DIR) /
                    "src/sql/migrations/sqlite/trading/0001_init.sql"));
  Exec(db,
       "CREATE TABLE schema_migrations (database TEXT NOT NULL, version INTEGER NOT NULL, "
       "name TEXT NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (database, version));"
       "INSERT INTO schema_migrations VALUES ('trading', 1, 'init', 0);"
       "INSERT INTO bots VALUES (1, 'old', '0.9', 'sma', 'live', 0, 0);"
       "INSERT INTO bots VALUES (2, 'old-test', '0.9', 'sma', 'paper', 1, 0);"
       "INSERT INTO accounts VALUES (1, 1, 'main', 0);"
       "INSERT INTO balances VALUES (1, 1, 'USDC', '97.5', 5);"
       "INSERT INTO ledger_entries VALUES (1, 1, 1, 1, 'deposit', 'USDC', '100', '100', NULL, "
       "NULL, NULL, 'seed');"
       "INSERT INTO ledger_entries VALUES (2, 1, 1, 5, 'realized_pnl', 'USDC', '-2.5', '97.5', "
       "1, 1, 1, '');"
       "INSERT INTO orders (id, bot_id, account_id, instrument_id, client_order_id, side, type, "
       "time_in_force, quantity, status, filled_quantity, mode, is_test, created_at, updated_at) "
       "VALUES (1, 1, 1, 1, 'c1', 'buy', 'market', 'gtc', '1', 'filled', '1', 'live', 0, 1, 2);"
       "INSERT INTO order_events (bot_id, order_id, time, to_status) VALUES (1, 1, 1, 'new');"
       "INSERT INTO fills VALUES (1, 1, 1, 1, 1, 'v', 'f1', 'buy', '1', '100', '0', 'USDC', "
       "'taker', 2);"
       "INSERT INTO trades (id, bot_id, account_id, instrument_id, side, entry_time, exit_time, "
       "entry_price, exit_price, quantity, gross_pnl, fees, net_pnl, mae, mfe, mode) VALUES "
       "(1, 1, 1, 1, 'buy', 2, 5, '100', '97.5', '1', '-2.5', '0', '-2.5', '3', '1', 'live');");
  sqlite3_close(db);
  // A version-1 store had all three files (empty ones are empty databases).
  std::ofstream(path + "/market.db").flush();
  std::ofstream(path + "/analytics.db").flush();

  Store store = Store::Open("sqlite:" + path);
  const Bot bot = store.bots().Get(1);
  EXPECT_EQ(bot.version, "0.9");
  EXPECT_EQ(bot.status, BotStatus::kActive);
  EXPECT_EQ(store.bots().List(true).size(), 2u);
  const auto entries = store.ledger().Entries(1, 1);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].journal_id, 2);
  EXPECT_EQ(entries[1].mode, RunMode::kLive);
  EXPECT_EQ(entries[0].description, "seed");
  EXPECT_EQ(store.accounts().BalanceOf(1, 1, "USDC"), store.ledger().SumEntries(1, 1, "USDC"));
  EXPECT_EQ(store.accounts().Balances(1, 1).at(0).locked, "0"_d);
  EXPECT_EQ(store.orders().Get(1, 1).retry_count, 0);
  EXPECT_EQ(store.orders().Events(1, 1).at(0).mode, RunMode::kLive);
  EXPECT_EQ(store.orders().Fills(1, 1).at(0).mode, RunMode::kLive);
  const tradestore::Trade t = store.trades().Get(1, 1);
  EXPECT_EQ(t.outcome, "loss");
  EXPECT_EQ(t.net_pnl, "-2.5"_d);
  // New writes work on the migrated store, as a balanced journal.
  LedgerEntry d;
  d.bot_id = 1;
  d.account_id = 1;
  d.type = LedgerEntryType::kDeposit;
  d.currency = "USDC";
  d.amount = "2.5"_d;
  d.time = T(10);
  EXPECT_EQ(store.ledger().Post(d).balance_after, "100"_d);
  EXPECT_EQ(store.ledger().Journal(1, store.ledger().Entries(1, 1).back().journal_id).size(), 2u);
}

}  // namespace
}  // namespace tradestore
