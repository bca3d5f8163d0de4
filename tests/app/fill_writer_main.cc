// One fill written into a store from its own process, the way a bot records
// one (an order created, accepted and filled through the library), for the
// dashboard's browser test (web/test/dashboard_browser.mjs): the server must
// see a commit it did not make and stream it.
//
//   fill_writer URL BOT VENUE SYMBOL SIDE QUANTITY PRICE FEE
//
// Prints one JSON line: {"order_id":N,"fill_id":N,"trade_id":N|null}.
#include <iostream>
#include <string>

#include "tradestore/error.h"
#include "tradestore/store.h"

int main(int argc, char** argv) {
  using namespace tradestore;
  if (argc != 9) {
    std::cerr << "usage: fill_writer URL BOT VENUE SYMBOL SIDE QUANTITY PRICE FEE\n";
    return 2;
  }
  try {
    Store store = Store::Open(argv[1]);
    const std::optional<Bot> bot = store.bots().FindByName(argv[2]);
    if (!bot) throw NotFound(std::string("no bot named ") + argv[2]);
    const std::optional<Instrument> instrument = store.instruments().Find(argv[3], argv[4]);
    if (!instrument) throw NotFound(std::string("no instrument ") + argv[4] + " on " + argv[3]);
    const std::vector<Account> accounts = store.accounts().List(bot->id);
    if (accounts.empty()) throw NotFound(std::string("bot ") + argv[2] + " has no account");
    const std::string side(argv[5]);
    const Timestamp now = Timestamp::Now();
    Order o;
    o.bot_id = bot->id;
    o.account_id = accounts.front().id;
    o.instrument_id = instrument->id;
    o.side = side == "sell" ? Side::kSell : Side::kBuy;
    o.quantity = Decimal::Parse(argv[6]);
    o.strategy = bot->strategy;
    o.mode = bot->mode;
    o.exit_reason = "manual";
    o.created_at = now;
    const Order order = store.orders().Create(o);
    store.orders().Accept(bot->id, order.id, now);
    Fill f;
    f.bot_id = bot->id;
    f.order_id = order.id;
    f.venue = "fill-writer";
    f.venue_fill_id = "fw-" + std::to_string(now.micros());
    f.quantity = o.quantity;
    f.price = Decimal::Parse(argv[7]);
    f.fee = Decimal::Parse(argv[8]);
    f.time = now;
    const FillOutcome out = store.orders().RecordFill(f);
    std::cout << "{\"order_id\":" << order.id << ",\"fill_id\":" << out.fill.id << ",\"trade_id\":"
              << (out.closed_trade ? std::to_string(out.closed_trade->id) : std::string("null"))
              << "}\n";
    return 0;
  } catch (const Error& e) {
    std::cerr << "fill_writer: " << e.what() << "\n";
    return 1;
  }
}
