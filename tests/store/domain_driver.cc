// One bot's trading day as a separate process, for the concurrency test
// (tests/store/domain_concurrency_test.cc spawns several at once).
// Usage: domain_driver URL BOT_NAME INDEX IS_TEST(0|1) CANDLES_CSV
// Prints "fills=N reports=N cancels=N trades=N" and exits 0 on success.
#include <cstdio>
#include <string>

#include "store/domain_day.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: domain_driver URL BOT_NAME INDEX IS_TEST CANDLES_CSV\n");
    return 2;
  }
  try {
    const auto candles = tradestore::testing::LoadDayCandles(argv[5]);
    const auto r = tradestore::testing::RunDay(argv[1], argv[2], std::stoi(argv[3]),
                                               std::string(argv[4]) == "1", candles);
    std::printf("fills=%d reports=%d cancels=%d trades=%d\n", r.distinct_fills, r.fill_reports,
                r.cancels, r.trades);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "domain_driver %s: %s\n", argv[2], e.what());
    return 1;
  }
}
