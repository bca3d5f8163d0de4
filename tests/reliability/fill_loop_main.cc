// A bot stand-in for the reliability tests: records orders and their fills
// through the library, each round trip one unit of work, until a deadline,
// and logs every round trip after its Commit returned.
//
//   reliability_fill_loop URL NAME SECONDS LOG_FILE
//
// Bot NAME (created, or taken up again: a run killed half-way is resumed,
// its fill ids numbered on from the fills already stored) trades instrument
// "loop"/NAME. Each round trip is a
// market buy, accepted and filled, in one UnitOfWork; after its Commit the
// line "ORDER_ID VENUE_FILL_ID" is appended to LOG_FILE (flushed), so every
// logged id was committed. Exit 0 at the deadline; on any error its message
// goes to stderr and the exit code is the error kind's (ExitCode).
#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "tradestore/error.h"
#include "tradestore/store.h"

int main(int argc, char** argv) {
  using namespace tradestore;
  if (argc != 5) {
    std::cerr << "usage: reliability_fill_loop URL NAME SECONDS LOG_FILE\n";
    return 2;
  }
  const std::string name = argv[2];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(std::stoi(argv[3]));
  std::ofstream log(argv[4], std::ios::app);
  try {
    Store s = Store::Open(argv[1]);
    Instrument in;
    in.venue = "loop";
    in.symbol = name;
    in.base_asset = "ETH";
    in.quote_asset = "USDC";
    const Instrument instrument = s.instruments().Upsert(in);
    std::optional<Bot> bot = s.bots().FindByName(name);
    if (!bot) {
      Bot b;
      b.name = name;
      bot = s.bots().Create(b);
    }
    const Account account = s.accounts().GetOrCreate(bot->id, "main");
    long fills = static_cast<long>(s.orders().ListFills(bot->id).size());
    while (std::chrono::steady_clock::now() < deadline) {
      const Timestamp t = Timestamp::Now();
      UnitOfWork uow = s.BeginTrading();
      Order o;
      o.bot_id = bot->id;
      o.account_id = account.id;
      o.instrument_id = instrument.id;
      o.side = Side::kBuy;
      o.quantity = Decimal::Parse("0.5");
      o.created_at = t;
      const Order order = s.orders().Create(o);
      s.orders().Transition(bot->id, order.id, OrderStatus::kAccepted, t);
      Fill f;
      f.bot_id = bot->id;
      f.order_id = order.id;
      f.venue = "loop";
      f.venue_fill_id = name + "-" + std::to_string(++fills);
      f.quantity = o.quantity;
      f.price = Decimal::Parse("2000.5");
      f.fee = Decimal::Parse("0.01");
      f.time = t;
      s.orders().RecordFill(f);
      uow.Commit();
      log << order.id << " " << f.venue_fill_id << "\n" << std::flush;
    }
    return 0;
  } catch (const Error& e) {
    std::cerr << "reliability_fill_loop " << name << ": " << ToString(e.kind()) << ": " << e.what()
              << "\n";
    return ExitCode(e.kind());
  }
}
