// Helpers for the ops tests: backends, file-backed stores, and a store with
// real trading activity (orders, fills, positions, closed trades, ledger,
// candles with coverage).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "support/pg_harness.h"
#include "tradestore/store.h"

namespace tradestore::testing {

enum class Backend { kSqlite, kPostgres };
inline const char* ToString(Backend b) { return b == Backend::kSqlite ? "sqlite" : "postgres"; }
inline void PrintTo(Backend b, std::ostream* os) { *os << ToString(b); }
inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return ToString(info.param);
}
#define TRADESTORE_OPS_ON_BOTH_BACKENDS(suite)                                           \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                              \
                           ::testing::Values(::tradestore::testing::Backend::kSqlite,    \
                                             ::tradestore::testing::Backend::kPostgres), \
                           ::tradestore::testing::BackendName)

class OpsTempDir {
 public:
  OpsTempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("tradestore-ops-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~OpsTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string Sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A fresh store: a SQLite directory store under `dir` (at synchronous=full,
// through group commit's shared transactions, with TRADESTORE_TEST_SQLITE_FULL
// set: the ctest entry ops.sqlite_full), or a new PostgreSQL database.
inline std::string FreshUrl(Backend backend, const OpsTempDir& dir, const std::string& name) {
  if (backend != Backend::kSqlite) return PgServer::Get().CreateDatabase();
  const char* full = std::getenv("TRADESTORE_TEST_SQLITE_FULL");
  return "sqlite:" + dir.Sub(name) + (full && *full ? "?synchronous=full" : "");
}

inline const Timestamp kOpsT0 = Timestamp::FromCivil(2023, 3, 1);

struct TradingSeed {
  Instrument instrument;
  Bot bot;
  Account account;
  std::vector<Order> closed_orders;  // filled
  Order open_order;                  // accepted, unfilled
  std::vector<Fill> fills;
};

// Candles (48 hourly, with a 3-hour gap, coverage refreshed), a deposit,
// `round_trips` closed long trades (buy then sell, fees), one open long
// position and one accepted, unfilled order.
inline TradingSeed SeedTrading(Store& s, int round_trips = 3) {
  TradingSeed seed;
  Instrument in;
  in.venue = "kraken";
  in.symbol = "BTCUSDC";
  in.base_asset = "BTC";
  in.quote_asset = "USDC";
  in.price_precision = 2;
  in.size_precision = 5;
  seed.instrument = s.instruments().Upsert(in);
  std::vector<Candle> candles;
  for (int i = 0; i < 48; ++i) {
    if (i >= 20 && i < 23) continue;  // a gap
    Candle c;
    c.open_time = kOpsT0 + i * kMicrosPerHour;
    c.open = 100 + i;
    c.high = c.open + 2;
    c.low = c.open - 1;
    c.close = c.open + 1;
    c.volume = 10;
    candles.push_back(c);
  }
  s.candles().Upsert(seed.instrument.id, Timeframe::k1h, candles);
  s.candles().RefreshCoverage(seed.instrument.id, Timeframe::k1h);
  Bot b;
  b.name = "ops-bot";
  b.strategy = "test";
  b.mode = RunMode::kPaper;
  b.created_at = kOpsT0;
  seed.bot = s.bots().Create(b);
  seed.account = s.accounts().Create(seed.bot.id, "main");
  LedgerEntry deposit;
  deposit.bot_id = seed.bot.id;
  deposit.account_id = seed.account.id;
  deposit.time = kOpsT0;
  deposit.type = LedgerEntryType::kDeposit;
  deposit.currency = "USDC";
  deposit.amount = Decimal::Parse("10000");
  s.ledger().Post(deposit);
  int fill_no = 0;
  auto trade = [&](Side side, const char* qty, const char* price, Timestamp t) {
    Order o;
    o.bot_id = seed.bot.id;
    o.account_id = seed.account.id;
    o.instrument_id = seed.instrument.id;
    o.side = side;
    o.quantity = Decimal::Parse(qty);
    o.strategy = "test";
    o.created_at = t;
    Order order = s.orders().Create(o);
    s.orders().Transition(seed.bot.id, order.id, OrderStatus::kAccepted, t);
    Fill f;
    f.bot_id = seed.bot.id;
    f.order_id = order.id;
    f.venue = "paper";
    f.venue_fill_id = "f" + std::to_string(++fill_no);
    f.quantity = Decimal::Parse(qty);
    f.price = Decimal::Parse(price);
    f.fee = Decimal::Parse("0.125");
    f.time = t;
    const FillOutcome out = s.orders().RecordFill(f);
    seed.fills.push_back(out.fill);
    seed.closed_orders.push_back(out.order);
  };
  for (int i = 0; i < round_trips; ++i) {
    const Timestamp t = kOpsT0 + (2 * i + 1) * kMicrosPerHour;
    trade(Side::kBuy, "0.5", "101.25", t);
    trade(Side::kSell, "0.5", i % 2 == 0 ? "103.5" : "99.75", t + kMicrosPerHour);
  }
  trade(Side::kBuy, "0.25", "110", kOpsT0 + 40 * kMicrosPerHour);  // stays open
  Order o;
  o.bot_id = seed.bot.id;
  o.account_id = seed.account.id;
  o.instrument_id = seed.instrument.id;
  o.side = Side::kSell;
  o.type = OrderType::kLimit;
  o.limit_price = Decimal::Parse("150");
  o.quantity = Decimal::Parse("0.25");
  o.created_at = kOpsT0 + 41 * kMicrosPerHour;
  seed.open_order = s.orders().Create(o);
  s.orders().Transition(seed.bot.id, seed.open_order.id, OrderStatus::kAccepted,
                        kOpsT0 + 41 * kMicrosPerHour);
  // A running paper bot reports in (else check's stale-bots warns about it).
  seed.bot = s.bots().Heartbeat(seed.bot.id, Timestamp::Now(), "running");
  return seed;
}

}  // namespace tradestore::testing
