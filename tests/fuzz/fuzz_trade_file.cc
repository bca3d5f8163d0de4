// Fuzzes the trade/tick file reader (TradeFileReader: freqtrade JSON,
// unix-price-amount, lean-tick, trades-header, --columns): any input is read
// or refused with tradestore::Error, and every trade it returns has a finite
// price > 0, a quantity >= 0 and a time not before the previous one.
#include <cmath>
#include <cstdint>

#include "fuzz_support.h"
#include "io/trade_reader.h"
#include "tradestore/error.h"

using namespace tradestore;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::MemFile file("trades");
  static const std::vector<std::string> layouts = io::KnownTradeLayouts();
  if (size < 1) return 0;
  // Byte 0 picks the layout (0: detect) and, with bit 7, a column mapping.
  io::TradeFileOptions options;
  const std::size_t pick = (data[0] & 0x7f) % (layouts.size() + 1);
  if (pick != 0) options.format = layouts[pick - 1];
  if (data[0] & 0x80) {
    options.time_column = "t";
    options.price_column = "p";
  }
  if (options.format && *options.format == "lean-tick")
    options.base_date = Timestamp::Parse("2013-10-07");
  const std::string& path = file.Write(data + 1, size - 1);
  try {
    io::TradeFileReader reader(path, options);
    TradeTick t;
    std::optional<Timestamp> last;
    while (reader.Next(t)) {
      fuzz::Check(std::isfinite(t.price) && t.price > 0, "price finite and > 0");
      fuzz::Check(std::isfinite(t.quantity) && t.quantity >= 0, "quantity finite and >= 0");
      fuzz::Check(!last || t.time >= *last, "times not decreasing");
      last = t.time;
    }
  } catch (const Error&) {
  }
  return 0;
}
