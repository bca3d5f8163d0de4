// A bot stand-in for the online-backup tests: writes orders and fills into
// a store continuously, from its own process, until a stop file appears.
//
//   ops_order_writer URL STOP_FILE PROGRESS_FILE [--idle]
//
// --idle: a bot between decisions instead: opens the store, reads it, writes
// 0 to PROGRESS_FILE and then holds the store open without touching it
// until the stop file appears (the restore tests' idle user).
//
// Each round trip is a buy and a sell order, each accepted and filled (so
// positions, trades and the ledger move too). After each round trip the
// number of orders written so far is written to PROGRESS_FILE. Gives up
// after 120 s. Exit 0 on a clean stop.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include "tradestore/error.h"
#include "tradestore/store.h"

int main(int argc, char** argv) {
  using namespace tradestore;
  const bool idle = argc == 5 && std::string(argv[4]) == "--idle";
  if (argc != 4 && !idle) {
    std::cerr << "usage: ops_order_writer URL STOP_FILE PROGRESS_FILE [--idle]\n";
    return 2;
  }
  try {
    Store s = Store::Open(argv[1]);
    if (idle) {
      (void)s.bots().FindByName("writer-bot");
      std::ofstream(std::string(argv[3]) + ".tmp") << 0 << "\n";
      std::filesystem::rename(std::string(argv[3]) + ".tmp", argv[3]);
      const auto start = std::chrono::steady_clock::now();
      while (!std::filesystem::exists(argv[2])) {
        if (std::chrono::steady_clock::now() - start > std::chrono::seconds(120)) return 3;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      return 0;
    }
    Instrument in;
    in.venue = "writer";
    in.symbol = "ETHUSDC";
    in.base_asset = "ETH";
    in.quote_asset = "USDC";
    const Instrument instrument = s.instruments().Upsert(in);
    Bot b;
    b.name = "writer-bot";
    b.created_at = Timestamp::Now();
    const Bot bot = s.bots().GetOrCreate(b);
    const Account account = s.accounts().GetOrCreate(bot.id, "main");
    const auto start = std::chrono::steady_clock::now();
    long orders = 0;
    long fills = 0;
    while (!std::filesystem::exists(argv[2])) {
      if (std::chrono::steady_clock::now() - start > std::chrono::seconds(120)) return 3;
      for (Side side : {Side::kBuy, Side::kSell}) {
        const Timestamp t = Timestamp::Now();
        Order o;
        o.bot_id = bot.id;
        o.account_id = account.id;
        o.instrument_id = instrument.id;
        o.side = side;
        o.quantity = Decimal::Parse("1.5");
        o.created_at = t;
        const Order order = s.orders().Create(o);
        ++orders;
        s.orders().Transition(bot.id, order.id, OrderStatus::kAccepted, t);
        Fill f;
        f.bot_id = bot.id;
        f.order_id = order.id;
        f.venue = "writer";
        f.venue_fill_id = "w" + std::to_string(++fills);
        f.quantity = o.quantity;
        f.price = Decimal::Parse(side == Side::kBuy ? "2000.5" : "2001.25");
        f.fee = Decimal::Parse("0.01");
        f.time = t;
        s.orders().RecordFill(f);
      }
      std::ofstream(std::string(argv[3]) + ".tmp") << orders << "\n";
      std::filesystem::rename(std::string(argv[3]) + ".tmp", argv[3]);
    }
    return 0;
  } catch (const Error& e) {
    std::cerr << "ops_order_writer: " << e.what() << "\n";
    return 1;
  }
}
