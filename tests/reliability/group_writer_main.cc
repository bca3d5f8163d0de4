// Many bots in one process for the group-commit kill test
// (tests/reliability/group_commit_kill_test.cc): THREADS writer threads,
// each with its own Store and bot, record full fills (order created,
// accepted and filled, with its position and ledger postings; buys and
// sells alternate, so every second fill closes a trade) until killed.
//
//   reliability_group_writer URL THREADS LOG_FILE
//
// After each fill's UnitOfWork::Commit returned, the line
// "BOT_ID ORDER_ID VENUE_FILL_ID" is appended to LOG_FILE with one write(2)
// (O_APPEND, no user-space buffer), so a line in the log, even of a
// process killed with SIGKILL, names a fill whose call had returned. On an
// error the message goes to stderr and the exit code is the error kind's.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tradestore/error.h"
#include "tradestore/store.h"

int main(int argc, char** argv) {
  using namespace tradestore;
  if (argc != 4) {
    std::cerr << "usage: reliability_group_writer URL THREADS LOG_FILE\n";
    return 2;
  }
  const std::string url = argv[1];
  const int threads = std::stoi(argv[2]);
  const int log = ::open(argv[3], O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (log < 0) {
    std::cerr << "cannot open " << argv[3] << "\n";
    return 2;
  }
  try {
    // Created (and migrated) once, before the threads: opening a missing
    // directory store from several threads at once races.
    Store::Open(url);
  } catch (const Error& e) {
    std::cerr << "reliability_group_writer: " << e.what() << "\n";
    return ExitCode(e.kind());
  }
  std::atomic<int> exit_code{0};
  std::vector<std::thread> pool;
  for (int w = 0; w < threads; ++w) {
    pool.emplace_back([&, w] {
      const std::string name = "gw-" + std::to_string(w);
      try {
        Store s = Store::Open(url);
        Instrument in;
        in.venue = "gw";
        in.symbol = "ETHUSDC";
        in.base_asset = "ETH";
        in.quote_asset = "USDC";
        const Instrument instrument = s.instruments().Upsert(in);
        Bot b;
        b.name = name;
        const Bot bot = s.bots().Create(b);
        const Account account = s.accounts().Create(bot.id, "main");
        for (long i = 0;; ++i) {
          const Timestamp t = Timestamp::Now();
          UnitOfWork uow = s.BeginTrading();
          Order o;
          o.bot_id = bot.id;
          o.account_id = account.id;
          o.instrument_id = instrument.id;
          o.side = i % 2 == 0 ? Side::kBuy : Side::kSell;
          o.quantity = Decimal::Parse("0.5");
          o.created_at = t;
          const Order order = s.orders().Create(o);
          s.orders().Transition(bot.id, order.id, OrderStatus::kAccepted, t);
          Fill f;
          f.bot_id = bot.id;
          f.order_id = order.id;
          f.venue = "gw";
          f.venue_fill_id = name + "-" + std::to_string(i);
          f.quantity = o.quantity;
          f.price = Decimal::Parse(i % 2 == 0 ? "2000.5" : "2001.25");
          f.fee = Decimal::Parse("0.01");
          f.time = t;
          s.orders().RecordFill(f);
          uow.Commit();
          const std::string line = std::to_string(bot.id) + " " + std::to_string(order.id) + " " +
                                   f.venue_fill_id + "\n";
          if (::write(log, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
            throw Error(ErrorKind::kStorage, "cannot append to the log");
          }
        }
      } catch (const Error& e) {
        std::cerr << "reliability_group_writer " << name << ": " << ToString(e.kind()) << ": "
                  << e.what() << "\n";
        exit_code = ExitCode(e.kind());
      }
    });
  }
  for (auto& t : pool) t.join();
  return exit_code;
}
