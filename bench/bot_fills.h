// Bots recording fills through the public API, as a bot does: per fill one
// UnitOfWork with OrderRepository::Create, Transition to accepted and
// RecordFill (fill, order, order events, position, fee and P&L ledger legs,
// the closed trade on every second fill), then Commit. Shared by
// bench/group_commit_bench.cc (SQLite) and bench/scale_bench.cc
// (PostgreSQL beside Citus).
#pragma once

#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "tradestore/error.h"
#include "tradestore/store.h"

namespace tradestore::bench {

// The instrument the bots trade; created (or found) in the store at `url`.
inline void AddBenchInstrument(const std::string& url) {
  Store s = Store::Open(url);
  Instrument in;
  in.venue = "paper";
  in.symbol = "BTCUSDC";
  in.base_asset = "BTC";
  in.quote_asset = "USDC";
  s.instruments().Upsert(in);
}

// Runs `threads` bots at once on `url` (AddBenchInstrument first), each with
// its own Store and `fills` fills, the bots named `prefix`0, `prefix`1, ...;
// the clock runs from when every bot is set up until the last fill
// committed. Returns fills/s. Exits 2, saying why, when a bot fails or the
// store does not hold every fill afterwards.
inline double RunBots(const std::string& url, int threads, int fills, const std::string& prefix) {
  std::barrier start(threads + 1);
  std::atomic<int> failed{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      try {
        Store s = Store::Open(url);
        const Instrument in = *s.instruments().Find("paper", "BTCUSDC");
        Bot bot_in;
        bot_in.name = prefix + std::to_string(t);
        const Bot bot = s.bots().Create(bot_in);
        const Account account = s.accounts().Create(bot.id, "main");
        OrderRepository& orders = s.orders();
        start.arrive_and_wait();
        for (int i = 0; i < fills; ++i) {
          const Timestamp time(1'677'628'800'000'000 + std::int64_t{i} * 1'000'000);
          UnitOfWork uow = s.BeginTrading();
          Order o;
          o.bot_id = bot.id;
          o.account_id = account.id;
          o.instrument_id = in.id;
          o.client_order_id = "o-" + std::to_string(i);
          o.strategy = "bench";
          o.side = i % 2 == 0 ? Side::kBuy : Side::kSell;
          o.quantity = Decimal::Parse("0.01");
          o.created_at = time;
          o = orders.Create(o);
          orders.Transition(bot.id, o.id, OrderStatus::kAccepted, time);
          Fill f;
          f.bot_id = bot.id;
          f.order_id = o.id;
          f.venue = "paper";
          f.venue_fill_id = "f-" + std::to_string(i);
          f.quantity = o.quantity;
          f.price = Decimal::Parse(i % 2 == 0 ? "20000.25" : "20001.75");
          f.fee = Decimal::Parse("0.05");
          f.time = time;
          orders.RecordFill(f);
          uow.Commit();
        }
      } catch (const Error& e) {
        std::cerr << "bot " << prefix << t << ": " << e.what() << "\n";
        ++failed;
        start.arrive_and_drop();
      }
    });
  }
  start.arrive_and_wait();
  const auto t0 = std::chrono::steady_clock::now();
  for (std::thread& th : pool) th.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // Every fill is there.
  Store s = Store::Open(url);
  std::size_t stored = 0;
  for (int t = 0; t < threads; ++t) {
    if (auto bot = s.bots().FindByName(prefix + std::to_string(t))) {
      stored += s.orders().ListFills(bot->id).size();
    }
  }
  const std::size_t expected = static_cast<std::size_t>(threads) * fills;
  if (failed > 0 || stored != expected) {
    std::cerr << prefix << ": " << stored << " fills stored, " << expected << " expected\n";
    std::exit(2);
  }
  return static_cast<double>(expected) / seconds;
}

}  // namespace tradestore::bench
