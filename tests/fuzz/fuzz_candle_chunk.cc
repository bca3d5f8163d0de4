// Fuzzes the candle chunk codec (src/core/candle_chunk.h), the format of
// compacted candles in both stores. The first byte picks the case:
//   0: the rest is a chunk, decoded as stored;
//   1: the rest is a chunk whose last 8 bytes are replaced by the checksum
//      of the bytes before them, so that the decoder's checks past the
//      checksum (header, zstd frame, columns, blocks, exceptions) are
//      reached by forged input;
//   2: the rest is candles (open time step, five doubles' bits, trades,
//      from the bytes), encoded in format versions 3 and 2.
// Properties: a chunk is refused only with Error(kStorage) and nothing
// appended; a chunk that decodes has the header's count and first and last
// open time, and encodes again to candles that decode bit-identical; every
// encoded series decodes bit-identical in both formats.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/candle_chunk.h"
#include "fuzz_support.h"
#include "tradestore/error.h"

using namespace tradestore;
namespace chunk = tradestore::internal::candle_chunk;

namespace {

bool BitIdentical(const std::vector<Candle>& a, const std::vector<Candle>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const Candle& x = a[i];
    const Candle& y = b[i];
    const auto same = [](double p, double q) { return std::memcmp(&p, &q, sizeof p) == 0; };
    if (x.open_time != y.open_time || !same(x.open, y.open) || !same(x.high, y.high) ||
        !same(x.low, y.low) || !same(x.close, y.close) || !same(x.volume, y.volume) ||
        x.trades != y.trades) {
      return false;
    }
  }
  return true;
}

void RoundTrip(const std::vector<Candle>& candles) {
  for (const int version : {int{chunk::kFormatVersion}, int{chunk::kFormatVersion2}}) {
    chunk::EncodeOptions options;
    options.version = version;
    const std::string bytes = chunk::Encode(candles, options);
    fuzz::Check(chunk::ReadHeader(bytes).version == version, "the version written");
    fuzz::Check(BitIdentical(chunk::Decode(bytes), candles),
                "encoded candles decode bit-identical");
  }
}

void DecodeChunk(std::string_view bytes) {
  std::vector<Candle> out = {Candle{}};
  chunk::ChunkHeader h;
  try {
    h = chunk::DecodeAppend(bytes, out);
  } catch (const Error& e) {
    fuzz::Check(e.kind() == ErrorKind::kStorage, "a bad chunk is a storage error");
    fuzz::Check(out.size() == 1, "nothing of a bad chunk is appended");
    return;
  }
  out.erase(out.begin());
  fuzz::Check(static_cast<std::int64_t>(out.size()) == h.count, "the header's count");
  if (!out.empty()) {
    fuzz::Check(out.front().open_time == h.first && out.back().open_time == h.last,
                "the header's first and last open time");
  }
  RoundTrip(out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      DecodeChunk(rest);
      break;
    case 1: {
      if (rest.size() < 8) return 0;
      const std::uint64_t sum = chunk::Checksum(std::string_view(rest).substr(0, rest.size() - 8));
      for (int i = 0; i < 8; ++i) rest[rest.size() - 8 + i] = static_cast<char>(sum >> (8 * i));
      DecodeChunk(rest);
      break;
    }
    default: {
      // 2 bytes of time step (1..65536 µs), 5 doubles, 8 bytes of trades.
      constexpr std::size_t kRecord = 2 + 5 * 8 + 8;
      std::vector<Candle> candles;
      std::int64_t t = 1'700'000'000'000'000;
      for (std::size_t at = 0; at + kRecord <= rest.size(); at += kRecord) {
        const char* p = rest.data() + at;
        std::uint16_t step = 0;
        std::memcpy(&step, p, 2);
        t += 1 + step;
        Candle c;
        c.open_time = Timestamp(t);
        std::memcpy(&c.open, p + 2, 8);
        std::memcpy(&c.high, p + 10, 8);
        std::memcpy(&c.low, p + 18, 8);
        std::memcpy(&c.close, p + 26, 8);
        std::memcpy(&c.volume, p + 34, 8);
        std::memcpy(&c.trades, p + 42, 8);
        candles.push_back(c);
      }
      RoundTrip(candles);
      break;
    }
  }
  return 0;
}
