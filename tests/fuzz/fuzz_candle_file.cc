// Fuzzes the OHLCV file reader (CandleFileReader: every layout, detection,
// text and JSON): any input is read or refused with tradestore::Error, and
// every candle it returns is valid: finite prices > 0, low <= open, close
// <= high, volume >= 0, the time aligned to the timeframe, and times
// monotone in one direction (equal times are the duplicates the importer
// resolves).
#include <cmath>
#include <cstdint>

#include "fuzz_support.h"
#include "io/candle_reader.h"
#include "tradestore/error.h"
#include "tradestore/timeframe.h"

using namespace tradestore;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static fuzz::MemFile file("candles");
  static const std::vector<std::string> layouts = io::KnownCandleLayouts();
  if (size < 2) return 0;
  // Byte 0 picks the layout (0: detect), byte 1 the timeframe and options.
  io::CandleFileOptions options;
  if (data[0] % (layouts.size() + 1) != 0)
    options.format = layouts[data[0] % (layouts.size() + 1) - 1];
  static constexpr Timeframe kFrames[] = {Timeframe::k1m, Timeframe::k1h, Timeframe::k1d};
  options.timeframe = kFrames[data[1] % 3];
  options.allow_missing_volume = (data[1] & 4) != 0;
  const std::string& path = file.Write(data + 2, size - 2);
  try {
    io::CandleFileReader reader(path, options);
    io::CandleRow row;
    std::optional<std::int64_t> last;
    int direction = 0;  // +1 ascending, -1 descending, 0 not yet known
    while (reader.Next(row)) {
      const Candle& c = row.candle;
      fuzz::Check(std::isfinite(c.open) && std::isfinite(c.high) && std::isfinite(c.low) &&
                      std::isfinite(c.close) && std::isfinite(c.volume),
                  "candle values are finite");
      fuzz::Check(c.low > 0 && c.low <= c.high && c.low <= c.open && c.open <= c.high &&
                      c.low <= c.close && c.close <= c.high,
                  "0 < low <= open, close <= high");
      fuzz::Check(c.volume >= 0, "volume >= 0");
      fuzz::Check(IsAligned(c.open_time, options.timeframe), "time aligned to the timeframe");
      const std::int64_t t = c.open_time.micros();
      if (last && t != *last) {
        const int step = t > *last ? 1 : -1;
        if (direction == 0) direction = step;
        fuzz::Check(step == direction, "times monotone in one direction");
      }
      last = t;
    }
  } catch (const Error&) {
    // A refusal with a message is the expected outcome of bad input.
  }
  return 0;
}
