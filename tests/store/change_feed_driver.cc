// Another process writing to a store, for the change feed test
// (tests/store/change_feed_test.cc): registers bot BOT_NAME (if missing)
// and sends N heartbeats, each its own commit, at times 1..N seconds.
// Usage: change_feed_driver URL BOT_NAME N
#include <cstdio>
#include <string>

#include "tradestore/store.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: change_feed_driver URL BOT_NAME N\n");
    return 2;
  }
  try {
    tradestore::Store store = tradestore::Store::Open(argv[1]);
    tradestore::Bot b;
    b.name = argv[2];
    b.mode = tradestore::RunMode::kPaper;
    const tradestore::Bot bot = store.bots().GetOrCreate(b);
    const int n = std::stoi(argv[3]);
    for (int i = 1; i <= n; ++i) {
      store.bots().Heartbeat(bot.id, tradestore::Timestamp(i * tradestore::kMicrosPerSecond),
                             "running");
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "change_feed_driver %s: %s\n", argv[2], e.what());
    return 1;
  }
}
