#include "core/candle_chunk.h"

#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

#include "tradestore/error.h"

namespace tradestore::internal::candle_chunk {
namespace {

constexpr double kPow10[kMaxScale + 1] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                          1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
constexpr double kTwo53 = 9007199254740992.0;
constexpr int kColumns = 5;  // open, high, low, close, volume: exception slots
// A chunk's payload is at least this many bytes per candle (4 prices, a
// volume and trades, one byte each at least), which bounds `count` before
// anything is allocated for it.
constexpr std::uint64_t kMinPayloadPerCandle = 6;
// A payload above this is corrupt (the store's chunks of 2,048 candles take
// well under 1 MiB; 64 MiB holds half a million candles of any content), so
// a forged header cannot make a reader allocate more.
constexpr std::uint64_t kMaxPayload = std::uint64_t{64} << 20;
// Version 3 packs each column in blocks of this many values.
constexpr std::size_t kBlock = 128;
// The fewest payload bytes of a version-3 chunk of `count` candles: every
// block at least its minimum and its width (two bytes), and the exceptions'
// count.
std::uint64_t MinPayloadVersion3(std::uint64_t count) {
  const auto blocks = [](std::uint64_t values) { return (values + kBlock - 1) / kBlock; };
  return count == 0 ? 1 : 2 * (blocks(count - 1) + 6 * blocks(count)) + 1;
}

[[noreturn]] void Corrupt(const std::string& what) {
  throw Error(ErrorKind::kStorage, "candle chunk: " + what);
}

std::uint64_t ZigZag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t UnZigZag(std::uint64_t v) {
  return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

void PutVarint(std::string& out, std::uint64_t v) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(static_cast<std::uint8_t>(v) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out.append(buf, static_cast<std::size_t>(n));
}
void PutZz(std::string& out, std::int64_t v) { PutVarint(out, ZigZag(v)); }
void PutU64(std::string& out, std::uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (8 * i));
  out.append(buf, 8);
}
void StoreU64(unsigned char* p, std::uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(p, &v, sizeof v);
  } else {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
  }
}
std::uint64_t LoadU64(const unsigned char* p) {
  std::uint64_t v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, p, sizeof v);
  } else {
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  }
  return v;
}

// Bounds-checked reading; every overrun is a corrupt chunk.
class Reader {
 public:
  Reader(const unsigned char* p, const unsigned char* end, const char* part)
      : p_(p), end_(end), part_(part) {}
  std::uint64_t Varint() {
    if (end_ - p_ >= 8) {
      // Fast path for varints of up to 8 bytes (every value below 2^56),
      // without a branch per byte: the length is the first byte whose top
      // bit is clear, and the 7-bit groups are gathered from one load.
      const std::uint64_t word = LoadU64(p_);
      const std::uint64_t stops = ~word & 0x8080808080808080ULL;
      if (stops != 0) {
        const int bits = std::countr_zero(stops) + 1;  // 8 * length
        const std::uint64_t x = bits == 64 ? word : word & ((std::uint64_t{1} << bits) - 1);
        p_ += bits / 8;
        return (x & 0x7F) | ((x >> 1) & (0x7FULL << 7)) | ((x >> 2) & (0x7FULL << 14)) |
               ((x >> 3) & (0x7FULL << 21)) | ((x >> 4) & (0x7FULL << 28)) |
               ((x >> 5) & (0x7FULL << 35)) | ((x >> 6) & (0x7FULL << 42)) |
               ((x >> 7) & (0x7FULL << 49));
      }
    }
    return VarintNearTheEnd();
  }
  std::int64_t Zz() { return UnZigZag(Varint()); }
  std::uint8_t Byte() {
    if (p_ == end_) Corrupt(std::string("truncated ") + part_);
    return *p_++;
  }
  std::uint64_t U64() {
    if (end_ - p_ < 8) Corrupt(std::string("truncated ") + part_);
    const std::uint64_t v = LoadU64(p_);
    p_ += 8;
    return v;
  }
  const unsigned char* pos() const { return p_; }
  bool done() const { return p_ == end_; }

 private:
  // Varints within 8 bytes of the end, and those longer than 8 bytes: one
  // byte at a time, bounds-checked.
  [[gnu::noinline]] std::uint64_t VarintNearTheEnd() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) Corrupt(std::string("truncated ") + part_);
      const std::uint8_t b = *p_++;
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if (b < 0x80) return v;
    }
    Corrupt(std::string("varint too long in ") + part_);
  }

  const unsigned char* p_;
  const unsigned char* end_;
  const char* part_;
};

bool IsNegativeZero(double x) { return x == 0 && std::signbit(x); }

// The scaled integer of `x` at scale `s`, if it reads back bit-identical.
bool ScaledExact(double x, int s, std::int64_t& p) {
  if (!std::isfinite(x) || IsNegativeZero(x)) return false;
  const double y = x * kPow10[s];
  if (!(std::fabs(y) < kTwo53)) return false;
  const double r = std::nearbyint(y);
  if (r / kPow10[s] != x) return false;
  p = static_cast<std::int64_t>(r);
  return true;
}

// The smallest scale at which every value that can be exact at some scale
// <= kMaxScale is exact (values that never are become exceptions).
template <typename Get>
int ChooseScale(std::size_t n, Get get) {
  int s = 0;
  std::int64_t p = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = get(i);
    if (ScaledExact(x, s, p)) continue;
    for (int t = s + 1; t <= kMaxScale; ++t) {
      if (ScaledExact(x, t, p)) {
        s = t;
        break;
      }
    }
  }
  return s;
}

struct Exception {
  std::uint64_t slot;
  std::uint64_t bits;
};

// The column integer of `x` at scale `s`; a value that is not exact is
// recorded as an exception and given its rounded neighbour (or 0).
std::int64_t ToScaled(double x, int s, std::uint64_t slot, std::vector<Exception>& exceptions) {
  std::int64_t p = 0;
  if (ScaledExact(x, s, p)) return p;
  exceptions.push_back({slot, std::bit_cast<std::uint64_t>(x)});
  if (!std::isfinite(x)) return 0;
  const double y = std::nearbyint(x * kPow10[s]);
  return std::fabs(y) < kTwo53 ? static_cast<std::int64_t>(y) : 0;
}

struct ZstdContexts {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_DCtx* d = ZSTD_createDCtx();
  std::string scratch;
  std::vector<std::int64_t> ints;      // Encode's scaled prices
  std::vector<std::uint64_t> columns;  // Encode's and DecodeInto's columns
  ~ZstdContexts() {
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
  }
};
// One pair per thread: creating a context costs more than decoding a chunk.
ZstdContexts& Contexts() {
  thread_local ZstdContexts contexts;
  return contexts;
}

// The position after `count` varints from `p`: counts the bytes whose top
// bit is clear (each ends a varint), eight at a time. Throws if the bytes
// end first. Says nothing about a varint's length, which its reader checks.
const unsigned char* SkipVarints(const unsigned char* p, const unsigned char* end,
                                 std::size_t count) {
  while (count > 0 && end - p >= 8) {
    std::uint64_t stops = ~LoadU64(p) & 0x8080808080808080ULL;
    // The number of stops: one bit per byte, summed into the top byte by
    // a multiply (std::popcount is a library call on baseline x86-64).
    const auto here = static_cast<std::size_t>(((stops >> 7) * 0x0101010101010101ULL) >> 56);
    if (here < count) {
      count -= here;
      p += 8;
      continue;
    }
    for (; count > 1; --count) stops &= stops - 1;  // drop all stops but the count-th
    return p + std::countr_zero(stops) / 8 + 1;
  }
  for (; count > 0; ++p) {
    if (p == end) Corrupt("truncated payload");
    if (*p < 0x80) --count;
  }
  return p;
}

// Version 3: `values` in blocks of kBlock, each its minimum (varint), its
// bit width (a byte, a multiple of 4 up to 64) and each value less the
// minimum in that many bits, least significant bit first.
void PutPacked(std::string& out, const std::uint64_t* values, std::size_t n) {
  for (std::size_t b = 0; b < n; b += kBlock) {
    const std::uint64_t* v = values + b;
    const std::size_t k = std::min(kBlock, n - b);
    const std::uint64_t base = *std::min_element(v, v + k);
    std::uint64_t spread = 0;
    for (std::size_t i = 0; i < k; ++i) spread |= v[i] - base;
    const int width = (std::bit_width(spread) + 3) & ~3;
    PutVarint(out, base);
    out.push_back(static_cast<char>(width));
    if (width == 0) continue;
    const std::size_t bytes = (k * static_cast<std::size_t>(width) + 7) / 8;
    const std::size_t at = out.size();
    out.resize(at + bytes + 8);  // 8 bytes of room: each value is or-ed in by one 8-byte store
    auto* p = reinterpret_cast<unsigned char*>(out.data() + at);
    for (std::size_t i = 0; i < k; ++i) {
      // A value starts at bit 0 or 4 of its byte, and one that starts at 4
      // has at most 60 bits: it fits the 8 bytes from its first byte.
      const std::size_t bit = i * static_cast<std::size_t>(width);
      unsigned char* const q = p + bit / 8;
      StoreU64(q, LoadU64(q) | ((v[i] - base) << (bit % 8)));
    }
    out.resize(at + bytes);
  }
}

}  // namespace

std::uint64_t Checksum(std::string_view bytes) {
  constexpr std::uint64_t kP1 = 0x9E3779B185EBCA87ULL;
  constexpr std::uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
  constexpr std::uint64_t kP3 = 0x165667B19E3779F9ULL;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  std::uint64_t h = kP3 ^ (static_cast<std::uint64_t>(n) * kP1);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    h ^= std::rotl(LoadU64(p + i) * kP2, 31) * kP1;
    h = std::rotl(h, 27) * kP1 + kP3;
  }
  for (; i < n; ++i) {
    h ^= static_cast<std::uint64_t>(p[i]) * kP3;
    h = std::rotl(h, 11) * kP1;
  }
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

std::string Encode(std::span<const Candle> candles, const EncodeOptions& options) {
  if (options.version != kFormatVersion && options.version != kFormatVersion2) {
    throw InvalidArgument("candle chunk: cannot write format version " +
                          std::to_string(options.version) + " (writes " +
                          std::to_string(kFormatVersion2) + " and " +
                          std::to_string(kFormatVersion) + ")");
  }
  const std::size_t n = candles.size();
  for (std::size_t i = 1; i < n; ++i) {
    if (candles[i].open_time <= candles[i - 1].open_time) {
      throw InvalidArgument("candle chunk: open times must be strictly ascending (candle " +
                            std::to_string(i) + ")");
    }
  }
  const int price_scale = ChooseScale(n * 4, [&](std::size_t i) {
    const Candle& c = candles[i / 4];
    switch (i % 4) {
      case 0:
        return c.open;
      case 1:
        return c.high;
      case 2:
        return c.low;
      default:
        return c.close;
    }
  });
  const int volume_scale = ChooseScale(n, [&](std::size_t i) { return candles[i].volume; });

  // The seven columns as unsigned integers (two's complement where a
  // value is signed and not zigzag-mapped): the times' deltas (n - 1 of
  // them), closes, opens, high and low offsets, volumes, trades.
  std::vector<std::uint64_t>& columns = Contexts().columns;
  columns.resize(7 * n);
  std::uint64_t* const time_deltas = columns.data();  // n - 1 used
  std::uint64_t* const close_col = time_deltas + n;
  std::uint64_t* const open_col = close_col + n;
  std::uint64_t* const high_col = open_col + n;
  std::uint64_t* const low_col = high_col + n;
  std::uint64_t* const volume_col = low_col + n;
  std::uint64_t* const trade_col = volume_col + n;
  for (std::size_t i = 1; i < n; ++i) {
    time_deltas[i - 1] = static_cast<std::uint64_t>(candles[i].open_time.micros()) -
                         static_cast<std::uint64_t>(candles[i - 1].open_time.micros());
  }
  // Prices: the scaled integers first (recording exceptions), then their
  // columns.
  std::vector<Exception> exceptions;
  std::vector<std::int64_t>& ints = Contexts().ints;
  ints.resize(4 * n);
  std::int64_t* const opens = ints.data();
  std::int64_t* const highs = opens + n;
  std::int64_t* const lows = highs + n;
  std::int64_t* const closes = lows + n;
  for (std::size_t i = 0; i < n; ++i) {
    const Candle& c = candles[i];
    const std::uint64_t slot = i * kColumns;
    opens[i] = ToScaled(c.open, price_scale, slot + 0, exceptions);
    highs[i] = ToScaled(c.high, price_scale, slot + 1, exceptions);
    lows[i] = ToScaled(c.low, price_scale, slot + 2, exceptions);
    closes[i] = ToScaled(c.close, price_scale, slot + 3, exceptions);
  }
  std::uint64_t prev_trades = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t prev_close = i ? closes[i - 1] : 0;
    close_col[i] = ZigZag(closes[i] - prev_close);
    open_col[i] = ZigZag(opens[i] - prev_close);
    // Unsigned: a high below max(open, close) is legal here, but rare (its
    // two's complement: ten bytes in version 2, a wide block in version 3);
    // so is a low above min(open, close).
    high_col[i] = static_cast<std::uint64_t>(highs[i]) -
                  static_cast<std::uint64_t>(std::max(opens[i], closes[i]));
    low_col[i] = static_cast<std::uint64_t>(std::min(opens[i], closes[i])) -
                 static_cast<std::uint64_t>(lows[i]);
    // ToScaled recorded price exceptions in slot order per candle; volume's
    // come after, so they are sorted once at the end. A negative volume is
    // legal, as its two's complement.
    volume_col[i] = static_cast<std::uint64_t>(
        ToScaled(candles[i].volume, volume_scale, i * kColumns + 4, exceptions));
    const auto t = static_cast<std::uint64_t>(candles[i].trades);
    trade_col[i] = ZigZag(static_cast<std::int64_t>(t - prev_trades));
    prev_trades = t;
  }

  std::string payload;
  if (options.version == kFormatVersion2) {
    payload.reserve(n * 12 + 16);
    std::uint64_t prev_delta = 0;  // times: zigzag delta of delta
    for (std::size_t i = 0; i + 1 < n; ++i) {
      PutZz(payload, static_cast<std::int64_t>(time_deltas[i] - prev_delta));
      prev_delta = time_deltas[i];
    }
    for (std::size_t i = n; i < 7 * n; ++i) PutVarint(payload, columns[i]);
  } else {
    payload.reserve(n * 10 + 64);
    PutPacked(payload, time_deltas, n ? n - 1 : 0);
    for (int k = 1; k < 7; ++k) PutPacked(payload, columns.data() + k * n, n);
  }
  std::sort(exceptions.begin(), exceptions.end(),
            [](const Exception& a, const Exception& b) { return a.slot < b.slot; });
  PutVarint(payload, exceptions.size());
  std::uint64_t prev_slot = 0;
  for (const Exception& e : exceptions) {
    PutVarint(payload, e.slot - prev_slot);
    PutU64(payload, e.bits);
    prev_slot = e.slot;
  }

  std::string out;
  out.push_back(static_cast<char>(kMagic));
  out.push_back(static_cast<char>(options.version));
  PutVarint(out, n);
  const std::int64_t first = n ? candles.front().open_time.micros() : 0;
  const std::int64_t last = n ? candles.back().open_time.micros() : 0;
  PutZz(out, first);
  PutVarint(out, static_cast<std::uint64_t>(last) - static_cast<std::uint64_t>(first));
  out.push_back(static_cast<char>(price_scale));
  out.push_back(static_cast<char>(volume_scale));
  PutVarint(out, payload.size());
  const std::size_t header_size = out.size();
  out.resize(header_size + ZSTD_compressBound(payload.size()));
  const std::size_t z =
      ZSTD_compressCCtx(Contexts().c, out.data() + header_size, out.size() - header_size,
                        payload.data(), payload.size(), options.zstd_level);
  if (ZSTD_isError(z)) {
    throw Error(ErrorKind::kInternal,
                std::string("candle chunk: zstd compression failed: ") + ZSTD_getErrorName(z));
  }
  out.resize(header_size + z);
  PutU64(out, Checksum(out));
  return out;
}

namespace {

struct Parsed {
  ChunkHeader header;
  std::uint64_t payload_size = 0;
  const unsigned char* frame = nullptr;
  std::size_t frame_size = 0;
};

Parsed Parse(std::string_view bytes) {
  const auto* begin = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < 2 + 8) {
    Corrupt("truncated: " + std::to_string(bytes.size()) + " bytes");
  }
  if (begin[0] != kMagic) Corrupt("not a candle chunk (bad magic byte)");
  if (begin[1] < kFormatVersion1 || begin[1] > kFormatVersion) {
    Corrupt("format version " + std::to_string(begin[1]) + " is not known to this build (knows " +
            std::to_string(kFormatVersion1) + " to " + std::to_string(kFormatVersion) + ")");
  }
  const unsigned char* trailer = begin + bytes.size() - 8;
  const std::uint64_t stored = LoadU64(trailer);
  const std::uint64_t actual = Checksum(bytes.substr(0, bytes.size() - 8));
  if (stored != actual) Corrupt("checksum mismatch (truncated or corrupt)");
  Parsed parsed;
  Reader r(begin + 2, trailer, "header");
  ChunkHeader& h = parsed.header;
  h.version = begin[1];
  const std::uint64_t count = r.Varint();
  const std::int64_t first = r.Zz();
  const std::uint64_t span = r.Varint();
  h.first = Timestamp(first);
  h.last = Timestamp(static_cast<std::int64_t>(static_cast<std::uint64_t>(first) + span));
  h.price_scale = r.Byte();
  h.volume_scale = r.Byte();
  if (h.price_scale > kMaxScale || h.volume_scale > kMaxScale) Corrupt("bad scale");
  parsed.payload_size = r.Varint();
  const bool fits = h.version == kFormatVersion
                        ? count <= kMaxPayload && MinPayloadVersion3(count) <= parsed.payload_size
                        : count <= parsed.payload_size / kMinPayloadPerCandle;
  if (parsed.payload_size > kMaxPayload || !fits) {
    Corrupt("count " + std::to_string(count) + " does not fit a payload of " +
            std::to_string(parsed.payload_size) + " bytes");
  }
  if (count == 0 && span != 0) Corrupt("empty chunk with a time range");
  h.count = static_cast<std::int64_t>(count);
  h.checksum = stored;
  parsed.frame = r.pos();
  parsed.frame_size = static_cast<std::size_t>(trailer - r.pos());
  return parsed;
}

}  // namespace

ChunkHeader ReadHeader(std::string_view bytes) { return Parse(bytes).header; }

namespace {

// Version 3: reads the blocks of a column of `n` values (PutPacked) from
// `r` into `out` and returns the reader after them. `end` is the payload's
// end, followed by 8 readable bytes. A width that is not a multiple of 4 up
// to 64, or a block that runs past the payload, is corrupt.
Reader UnpackColumn(Reader r, const unsigned char* end, std::uint64_t* out, std::size_t n) {
  for (std::size_t b = 0; b < n; b += kBlock) {
    const std::size_t k = std::min(kBlock, n - b);
    const std::uint64_t base = r.Varint();
    const int width = r.Byte();
    std::uint64_t* const v = out + b;
    if (width == 0) {
      std::fill(v, v + k, base);
      continue;
    }
    if (width > 64 || width % 4 != 0) Corrupt("bad bit width " + std::to_string(width));
    const std::size_t bytes = (k * static_cast<std::size_t>(width) + 7) / 8;
    const unsigned char* const p = r.pos();
    if (static_cast<std::size_t>(end - p) < bytes) Corrupt("truncated payload");
    const std::uint64_t mask = width == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1;
    for (std::size_t i = 0; i < k; ++i) {
      const std::size_t bit = i * static_cast<std::size_t>(width);
      v[i] = base + ((LoadU64(p + bit / 8) >> (bit % 8)) & mask);
    }
    r = Reader(p + bytes, end, "payload");
  }
  return r;
}

void DecodeInto(const Parsed& parsed, std::vector<Candle>& out) {
  const ChunkHeader& h = parsed.header;
  ZstdContexts& z = Contexts();
  // The frame states its content size (Encode's one-shot compression
  // writes it): checked before anything is allocated for the payload.
  const unsigned long long content = ZSTD_getFrameContentSize(parsed.frame, parsed.frame_size);
  if (content == ZSTD_CONTENTSIZE_ERROR) Corrupt("zstd: not a zstd frame");
  if (content != parsed.payload_size) Corrupt("payload size differs from the header");
  std::string& payload = z.scratch;
  // Eight bytes after the payload (zeros, though the bits read from them
  // are masked off): version 3 reads each value with an 8-byte load from
  // its first byte.
  payload.resize(parsed.payload_size + 8);
  std::memset(payload.data() + parsed.payload_size, 0, 8);
  const std::size_t got = ZSTD_decompressDCtx(z.d, payload.data(), parsed.payload_size,
                                              parsed.frame, parsed.frame_size);
  if (ZSTD_isError(got)) Corrupt(std::string("zstd: ") + ZSTD_getErrorName(got));
  if (got != parsed.payload_size) Corrupt("payload size differs from the header");

  const auto n = static_cast<std::size_t>(h.count);
  const std::size_t base = out.size();
  out.resize(base + n);
  Candle* const c = out.data() + base;
  const auto* p = reinterpret_cast<const unsigned char*>(payload.data());
  const unsigned char* const end = p + parsed.payload_size;
  const double price_div = kPow10[h.price_scale];
  const double volume_div = kPow10[h.volume_scale];
  // Wrapping arithmetic: corrupt input must not be undefined behaviour.
  const auto add = [](std::int64_t a, std::uint64_t b) {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + b);
  };
  const auto sub = [](std::int64_t a, std::uint64_t b) {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - b);
  };
  const auto ascending = [](std::uint64_t t, std::uint64_t next, std::size_t i) {
    if (static_cast<std::int64_t>(next) <= static_cast<std::int64_t>(t)) {
      Corrupt("open times not ascending at candle " + std::to_string(i));
    }
  };
  // A candle of versions 2 and 3 from its scaled integers (Encode checked
  // that each value reads back bit-identical this way).
  const auto put = [price_div, volume_div](Candle& k, std::uint64_t t, std::int64_t o,
                                           std::int64_t hi, std::int64_t lo, std::int64_t cl,
                                           std::int64_t volume, std::uint64_t trades) {
    k.open_time = Timestamp(static_cast<std::int64_t>(t));
    k.open = static_cast<double>(o) / price_div;
    k.high = static_cast<double>(hi) / price_div;
    k.low = static_cast<double>(lo) / price_div;
    k.close = static_cast<double>(cl) / price_div;
    k.volume = static_cast<double>(volume) / volume_div;
    k.trades = static_cast<std::int64_t>(trades);
  };
  Reader r(p, end, "payload");  // versions 2 and 3: what follows the columns
  if (h.version == kFormatVersion1) {
    // Version 1: the times, then the four prices of each candle together
    // (the offsets of high and low zigzag-mapped), then the volumes
    // (zigzag-mapped) and the trades.
    if (n > 0) {
      std::uint64_t t = static_cast<std::uint64_t>(h.first.micros());
      std::uint64_t delta = 0;
      c[0].open_time = h.first;
      for (std::size_t i = 1; i < n; ++i) {
        delta += static_cast<std::uint64_t>(r.Zz());
        ascending(t, t + delta, i);
        t += delta;
        c[i].open_time = Timestamp(static_cast<std::int64_t>(t));
      }
      if (static_cast<std::int64_t>(t) != h.last.micros()) Corrupt("last open time differs");
    }
    std::int64_t prev_close = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t cl = add(prev_close, static_cast<std::uint64_t>(r.Zz()));
      const std::int64_t o = add(prev_close, static_cast<std::uint64_t>(r.Zz()));
      const std::int64_t hi = add(std::max(o, cl), static_cast<std::uint64_t>(r.Zz()));
      const std::int64_t lo = sub(std::min(o, cl), static_cast<std::uint64_t>(r.Zz()));
      c[i].open = static_cast<double>(o) / price_div;
      c[i].high = static_cast<double>(hi) / price_div;
      c[i].low = static_cast<double>(lo) / price_div;
      c[i].close = static_cast<double>(cl) / price_div;
      prev_close = cl;
    }
    for (std::size_t i = 0; i < n; ++i) {
      c[i].volume = static_cast<double>(r.Zz()) / volume_div;
    }
    std::uint64_t trades = 0;
    for (std::size_t i = 0; i < n; ++i) {
      trades += static_cast<std::uint64_t>(r.Zz());
      c[i].trades = static_cast<std::int64_t>(trades);
    }
  } else if (h.version == kFormatVersion) {
    // Version 3: each column unpacked whole (its blocks checked against
    // the payload's end first), then the candles rebuilt from the columns.
    std::vector<std::uint64_t>& columns = z.columns;
    columns.resize(7 * n);
    std::uint64_t* const time_deltas = columns.data();
    const std::uint64_t* const close_col = time_deltas + n;
    const std::uint64_t* const open_col = close_col + n;
    const std::uint64_t* const high_col = open_col + n;
    const std::uint64_t* const low_col = high_col + n;
    const std::uint64_t* const volume_col = low_col + n;
    const std::uint64_t* const trade_col = volume_col + n;
    if (n > 0) {
      r = UnpackColumn(r, end, time_deltas, n - 1);
      for (std::size_t k = 1; k < 7; ++k) r = UnpackColumn(r, end, columns.data() + k * n, n);
    }
    std::uint64_t t = static_cast<std::uint64_t>(h.first.micros());
    std::int64_t prev_close = 0;
    std::uint64_t trade_count = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) {
        ascending(t, t + time_deltas[i - 1], i);
        t += time_deltas[i - 1];
      }
      const std::int64_t cl = add(prev_close, static_cast<std::uint64_t>(UnZigZag(close_col[i])));
      const std::int64_t o = add(prev_close, static_cast<std::uint64_t>(UnZigZag(open_col[i])));
      const std::int64_t hi = add(std::max(o, cl), high_col[i]);
      const std::int64_t lo = sub(std::min(o, cl), low_col[i]);
      trade_count += static_cast<std::uint64_t>(UnZigZag(trade_col[i]));
      put(c[i], t, o, hi, lo, cl, static_cast<std::int64_t>(volume_col[i]), trade_count);
      prev_close = cl;
    }
    if (n > 0 && static_cast<std::int64_t>(t) != h.last.micros()) {
      Corrupt("last open time differs");
    }
  } else if (n > 0) {
    // Version 2: one column after another (time deltas, closes, opens, high
    // and low offsets, volumes, trades). Each column's start is found first
    // by counting varint ends, and then all columns are read side by side
    // in one pass: a varint's position depends on the one before it in its
    // column, so one column read at a time waits on that chain, while
    // seven columns read together overlap theirs (decoding took 52 ns a
    // candle instead of 64 on the Kraken file, docs/benchmarks.md).
    const unsigned char* starts[8];
    starts[0] = p;
    starts[1] = SkipVarints(starts[0], end, n - 1);
    for (int k = 2; k < 8; ++k) starts[k] = SkipVarints(starts[k - 1], end, n);
    Reader times(starts[0], end, "payload");
    Reader closes(starts[1], end, "payload");
    Reader opens(starts[2], end, "payload");
    Reader highs(starts[3], end, "payload");
    Reader lows(starts[4], end, "payload");
    Reader volumes(starts[5], end, "payload");
    Reader trades(starts[6], end, "payload");
    std::uint64_t t = static_cast<std::uint64_t>(h.first.micros());
    std::uint64_t delta = 0;
    std::int64_t prev_close = 0;
    std::uint64_t trade_count = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) {
        delta += static_cast<std::uint64_t>(times.Zz());
        ascending(t, t + delta, i);
        t += delta;
      }
      const std::int64_t cl = add(prev_close, static_cast<std::uint64_t>(closes.Zz()));
      const std::int64_t o = add(prev_close, static_cast<std::uint64_t>(opens.Zz()));
      const std::int64_t hi = add(std::max(o, cl), highs.Varint());
      const std::int64_t lo = sub(std::min(o, cl), lows.Varint());
      const auto volume = static_cast<std::int64_t>(volumes.Varint());
      trade_count += static_cast<std::uint64_t>(trades.Zz());
      put(c[i], t, o, hi, lo, cl, volume, trade_count);
      prev_close = cl;
    }
    if (static_cast<std::int64_t>(t) != h.last.micros()) Corrupt("last open time differs");
    // Each reader ended where the next column was found to start: both stop
    // at the same varint ends, and a varint longer than ten bytes (counted
    // as one by SkipVarints) was refused by its reader.
    r = Reader(starts[7], end, "payload");
  }
  const std::uint64_t exceptions = r.Varint();
  if (exceptions > n * kColumns) Corrupt("too many exceptions");
  std::uint64_t slot = 0;
  for (std::uint64_t e = 0; e < exceptions; ++e) {
    const std::uint64_t gap = r.Varint();
    if ((e > 0 && gap == 0) || gap >= n * kColumns - slot) Corrupt("bad exception slot");
    slot += gap;
    const double value = std::bit_cast<double>(r.U64());
    Candle& k = c[slot / kColumns];
    switch (slot % kColumns) {
      case 0:
        k.open = value;
        break;
      case 1:
        k.high = value;
        break;
      case 2:
        k.low = value;
        break;
      case 3:
        k.close = value;
        break;
      default:
        k.volume = value;
        break;
    }
  }
  if (!r.done()) Corrupt("trailing bytes after the payload");
}

}  // namespace

ChunkHeader DecodeAppend(std::string_view bytes, std::vector<Candle>& out) {
  const Parsed parsed = Parse(bytes);
  const std::size_t base = out.size();
  try {
    DecodeInto(parsed, out);
  } catch (...) {
    out.resize(base);  // nothing of a corrupt chunk is handed out
    throw;
  }
  return parsed.header;
}

std::vector<Candle> Decode(std::string_view bytes) {
  std::vector<Candle> out;
  DecodeAppend(bytes, out);
  return out;
}

}  // namespace tradestore::internal::candle_chunk
