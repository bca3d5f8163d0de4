// Fuzzes the trade list and equity curve readers of `report --trades`
// (ReadTradeList, ReadEquityCurve) and the RFC 4180 reader under them: any
// input is read or refused with tradestore::Error; a trade list comes back
// in exit order with exit >= entry and net = gross - fees; an equity curve
// is strictly increasing in time with finite values > 0.
#include <cmath>
#include <cstdint>

#include "fuzz_support.h"
#include "tradestore/error.h"
#include "tradestore/trade_list.h"

using namespace tradestore;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::MemFile file("list");
  const std::string& path = file.Write(data, size);
  try {
    const auto trades = ReadTradeList(path);
    fuzz::Check(!trades.empty(), "a trade list has trades");
    for (std::size_t i = 0; i < trades.size(); ++i) {
      const Trade& t = trades[i].trade;
      fuzz::Check(t.exit_time >= t.entry_time, "exit >= entry");
      fuzz::Check(t.net_pnl == t.gross_pnl - t.fees, "net = gross - fees");
      fuzz::Check(i == 0 || trades[i - 1].trade.exit_time <= t.exit_time, "exit order");
    }
  } catch (const Error&) {
  }
  try {
    const auto curve = ReadEquityCurve(path);
    fuzz::Check(curve.size() >= 2, "at least two points");
    for (std::size_t i = 0; i < curve.size(); ++i) {
      fuzz::Check(std::isfinite(curve[i].second) && curve[i].second > 0, "equity finite, > 0");
      fuzz::Check(i == 0 || curve[i - 1].first < curve[i].first, "times increasing");
    }
  } catch (const Error&) {
  }
  return 0;
}
