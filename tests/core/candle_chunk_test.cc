// The candle chunk codec (src/core/candle_chunk.h) without a database: bit
// exact round trips of edge cases, and clear errors for corrupt input. The
// round trip over every sample file is tests/io/candle_chunk_data_test.cc.
#include "core/candle_chunk.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "tradestore/error.h"

namespace tradestore::internal::candle_chunk {
namespace {

constexpr std::int64_t kMinute = 60'000'000;

Candle C(std::int64_t t, double o, double h, double l, double c, double v, std::int64_t n = -1) {
  return Candle{Timestamp(t), o, h, l, c, v, n};
}

// Every field bit for bit (so -0.0 differs from 0.0, and NaN equals itself).
void ExpectBitIdentical(const std::vector<Candle>& want, const std::vector<Candle>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("candle " + std::to_string(i));
    const Candle& a = want[i];
    const Candle& b = got[i];
    EXPECT_EQ(a.open_time.micros(), b.open_time.micros());
    EXPECT_EQ(std::bit_cast<std::uint64_t>(a.open), std::bit_cast<std::uint64_t>(b.open));
    EXPECT_EQ(std::bit_cast<std::uint64_t>(a.high), std::bit_cast<std::uint64_t>(b.high));
    EXPECT_EQ(std::bit_cast<std::uint64_t>(a.low), std::bit_cast<std::uint64_t>(b.low));
    EXPECT_EQ(std::bit_cast<std::uint64_t>(a.close), std::bit_cast<std::uint64_t>(b.close));
    EXPECT_EQ(std::bit_cast<std::uint64_t>(a.volume), std::bit_cast<std::uint64_t>(b.volume));
    EXPECT_EQ(a.trades, b.trades);
  }
}

// In the format Encode writes (version 3), and in version 2, which it still
// writes on request.
std::vector<Candle> RoundTrip(const std::vector<Candle>& candles) {
  std::vector<Candle> out;
  for (const int version : {int{kFormatVersion}, int{kFormatVersion2}}) {
    SCOPED_TRACE("format version " + std::to_string(version));
    EncodeOptions options;
    options.version = version;
    const std::string bytes = Encode(candles, options);
    const ChunkHeader h = ReadHeader(bytes);
    EXPECT_EQ(h.version, version);
    EXPECT_EQ(h.count, static_cast<std::int64_t>(candles.size()));
    if (!candles.empty()) {
      EXPECT_EQ(h.first, candles.front().open_time);
      EXPECT_EQ(h.last, candles.back().open_time);
    }
    out = Decode(bytes);
    ExpectBitIdentical(candles, out);
  }
  return out;
}

std::string ErrorOf(std::string_view bytes) {
  try {
    Decode(bytes);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kStorage) << e.what();
    return e.what();
  }
  return "no error";
}

TEST(CandleChunk, Empty) {
  const std::string bytes = Encode({});
  EXPECT_EQ(ReadHeader(bytes).count, 0);
  EXPECT_TRUE(Decode(bytes).empty());
}

TEST(CandleChunk, OneCandle) {
  RoundTrip({C(1'700'000'000LL * 1'000'000, 100.5, 101.25, 99.75, 100.0, 12.345, 7)});
}

TEST(CandleChunk, RegularSeriesIsSmall) {
  std::vector<Candle> candles;
  std::mt19937_64 rng(42);
  std::int64_t cents = 2'000'000;  // 20000.00
  for (int i = 0; i < 4096; ++i) {
    const std::int64_t o = cents;
    cents += static_cast<std::int64_t>(rng() % 201) - 100;
    const std::int64_t c = cents;
    const std::int64_t h = std::max(o, c) + static_cast<std::int64_t>(rng() % 50);
    const std::int64_t l = std::min(o, c) - static_cast<std::int64_t>(rng() % 50);
    candles.push_back(C(1'700'000'000LL * 1'000'000 + i * kMinute, o / 100.0, h / 100.0, l / 100.0,
                        c / 100.0, static_cast<double>(rng() % 100'000'000) / 1e8,
                        static_cast<std::int64_t>(rng() % 100)));
  }
  RoundTrip(candles);
  const std::string bytes = Encode(candles);
  EXPECT_EQ(ReadHeader(bytes).price_scale, 2);
  EXPECT_EQ(ReadHeader(bytes).volume_scale, 8);
  EXPECT_LT(bytes.size(), candles.size() * 12) << "bytes per candle above 12";
}

TEST(CandleChunk, GapsAndIrregularTimes) {
  RoundTrip({C(0, 1, 1, 1, 1, 0), C(kMinute, 2, 2, 2, 2, 0), C(5 * kMinute, 3, 3, 3, 3, 0),
             C(6 * kMinute, 4, 4, 4, 4, 0), C(1'000 * kMinute + 7, 5, 5, 5, 5, 0)});
  // Times at both ends of the int64 range (wrapping deltas are still exact).
  RoundTrip({C(std::numeric_limits<std::int64_t>::min(), 1, 1, 1, 1, 0), C(-1, 1, 1, 1, 1, 0),
             C(std::numeric_limits<std::int64_t>::max(), 1, 1, 1, 1, 0)});
}

// The decoder reads varints of up to 8 bytes from one 8-byte load and the
// rest (longer ones, and those near the payload's end) a byte at a time:
// deltas of every length from 1 to 10 bytes, at the start, middle and end
// of each column (trades is the last column before the exceptions).
TEST(CandleChunk, VarintsOfEveryLengthAnywhereInThePayload) {
  std::vector<Candle> candles;
  std::int64_t t = 0;
  for (int bits = 0; bits <= 63; bits += 7) {
    for (int sign = 0; sign < 2; ++sign) {
      const std::int64_t magnitude = std::int64_t{1} << std::min(bits, 62);
      const std::int64_t n = sign == 0 ? magnitude : -magnitude - 1;
      // Times step by a delta of the same length; prices and volume in
      // cents up to 2^52 (the largest exact), trades the full int64 range.
      t += 1 + (magnitude >> 8);
      const double price = static_cast<double>(std::min<std::int64_t>(magnitude, 1LL << 52)) / 100;
      candles.push_back(C(t, price, price, price, price, price, n));
    }
  }
  RoundTrip(candles);
  std::reverse(candles.begin(), candles.end());
  for (std::size_t i = 0; i < candles.size(); ++i) candles[i].open_time = Timestamp(i * kMinute);
  RoundTrip(candles);
}

TEST(CandleChunk, NonRepresentableValuesAreExceptions) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<Candle> candles = {
      C(0, 0.1 + 0.2, 1e300, 5e-324, -0.0, -0.0),  // 0.30000000000000004, huge, denormal
      C(kMinute, nan, inf, -inf, 1.0 / 3.0, nan),
      C(2 * kMinute, 100.25, 100.5, 100.0, 100.125, 1e-15),
      C(3 * kMinute, 9007199254740993.0, 1e20, -5.5, 0, std::numeric_limits<double>::max()),
      C(4 * kMinute, 12.34, 12.35, 12.33, 12.34, 0.5, std::numeric_limits<std::int64_t>::max()),
      C(5 * kMinute, 12.34, 12.35, 12.33, 12.34, 0.5, std::numeric_limits<std::int64_t>::min()),
  };
  // A NaN with a payload keeps its bits too.
  candles[1].close = std::bit_cast<double>(std::uint64_t{0x7FF8'0000'DEAD'BEEF});
  RoundTrip(candles);
}

TEST(CandleChunk, EveryScale) {
  for (int s = 0; s <= kMaxScale; ++s) {
    SCOPED_TRACE("scale " + std::to_string(s));
    const double unit = std::pow(10.0, -s);
    RoundTrip({C(0, 1 + unit, 2, 1, 1.5, unit), C(kMinute, 3, 4, 2, 3 - unit, 7)});
  }
}

TEST(CandleChunk, RefusesUnorderedInput) {
  EXPECT_THROW(Encode(std::vector<Candle>{C(kMinute, 1, 1, 1, 1, 0), C(0, 1, 1, 1, 1, 0)}), Error);
  EXPECT_THROW(Encode(std::vector<Candle>{C(0, 1, 1, 1, 1, 0), C(0, 1, 1, 1, 1, 0)}), Error);
}

std::vector<Candle> Sample() {
  std::vector<Candle> candles;
  for (int i = 0; i < 300; ++i) {
    candles.push_back(
        C(i * kMinute, 10 + i * 0.01, 11 + i * 0.01, 9 + i * 0.01, 10.5 + i * 0.01, i * 0.001, i));
  }
  return candles;
}

TEST(CandleChunk, TruncatedInputIsAClearError) {
  const std::string bytes = Encode(Sample());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const std::string message = ErrorOf(std::string_view(bytes).substr(0, n));
    EXPECT_NE(message.find("candle chunk: "), std::string::npos) << n << ": " << message;
  }
  EXPECT_EQ(ErrorOf(""), "candle chunk: truncated: 0 bytes");
}

TEST(CandleChunk, EveryFlippedBitIsCaught) {
  const std::string bytes = Encode(Sample());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      const std::string message = ErrorOf(bad);
      ASSERT_NE(message, "no error") << "byte " << i << " bit " << bit;
    }
  }
  std::string bad = bytes;
  bad[bytes.size() / 2] ^= 0x10;
  EXPECT_EQ(ErrorOf(bad), "candle chunk: checksum mismatch (truncated or corrupt)");
}

// Chunks written by builds before format version 2 stay readable: these
// bytes are what the version 1 encoder wrote for the candles below (a gap,
// an exception of each kind, unknown trades).
TEST(CandleChunk, ReadsFormatVersion1) {
  static constexpr char kVersion1[] =
      "\xc5\x01\x05\x80\x80\xea\xc0\x90\xca\xf8\x05\x80\xd4\xd4\xab\x01"
      "\x02\x08\x5e\x28\xb5\x2f\xfd\x20\x5e\xf1\x02\x00\x80\x9c\x9c\x39"
      "\x00\x80\xb8\xb8\x72\xff\xb7\xb8\x72\xd4\xd8\xc9\x01\xba\xed\xc9"
      "\x01\x00\x00\xbc\x0b\x00\xb4\x10\xe2\x13\xbd\x2e\x00\x00\x34\xb5"
      "\x07\x95\xb5\xc9\x01\xcc\x08\x93\xa5\xc9\x01\xd1\x93\x01\x00\x64"
      "\xca\x01\xf6\xc5\xae\x01\x80\xc6\x86\x8f\x01\x00\x00\x80\xa0\xd7"
      "\xfd\x5b\x04\x0a\x0d\x01\x52\x02\x0f\x34\x33\x33\x33\x33\x33\xd3"
      "\x3f\x04\x00\x00\x00\x00\x00\x00\xf8\x7f\x7e\x15\x77\x84\x6f\x01"
      "\x1d\x25";
  const std::string bytes(kVersion1, sizeof kVersion1 - 1);
  const ChunkHeader h = ReadHeader(bytes);
  EXPECT_EQ(h.version, kFormatVersion1);
  EXPECT_EQ(h.price_scale, 2);
  EXPECT_EQ(h.volume_scale, 8);
  constexpr std::int64_t t0 = 1'672'531'200'000'000;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  ExpectBitIdentical({C(t0, 16535.97, 16535.97, 16522.66, 16522.66, 0.01429883, 2),
                      C(t0 + kMinute, 16522.66, 16540.5, 16510.01, 16530.0, 1.5, 7),
                      C(t0 + 2 * kMinute, 16530.0, 16530.0, 16499.99, 16500.25, 0.0, 0),
                      C(t0 + 5 * kMinute, 0.1 + 0.2, 16501, 16490, 16495.5, nan, -1),
                      C(t0 + 6 * kMinute, 16495.5, 16496, 16400, 16401.01, 123.456, 40)},
                     Decode(bytes));
  // Written again, they are version 3 and read back the same.
  const std::string again = Encode(Decode(bytes));
  EXPECT_EQ(ReadHeader(again).version, kFormatVersion);
  ExpectBitIdentical(Decode(bytes), Decode(again));
}

// Format 2 exactly as builds before format 3 wrote it (these bytes came
// from the stop-30 encoder): a store opened with chunk_format=2 writes
// chunks those builds read (docs/storage.md, "Chunk format versions").
TEST(CandleChunk, WritesFormatVersion2AsBuildsBeforeFormat3Did) {
  static constexpr char kVersion2[] =
      "\xc5\x02\x05\x80\x80\xea\xc0\x90\xca\xf8\x05\x80\xd4\xd4\xab\x01"
      "\x02\x08\x61\x28\xb5\x2f\xfd\x20\x61\x09\x03\x00\x80\x9c\x9c\x39"
      "\x00\x80\xb8\xb8\x72\xff\xb7\xb8\x72\xd4\xd8\xc9\x01\xbc\x0b\xbd"
      "\x2e\xb5\x07\xd1\x93\x01\xba\xed\xc9\x01\x00\x00\x95\xb5\xc9\x01"
      "\x00\x00\x9a\x08\x00\xa6\x04\x32\x00\xf1\x09\x1a\xb6\xad\x9b\xff"
      "\xff\xff\xff\xff\xff\x01\x65\xfb\xa2\x57\x80\xa3\xc3\x47\x00\x00"
      "\x80\xd0\xeb\xfe\x2d\x04\x0a\x0d\x01\x52\x02\x0f\x34\x33\x33\x33"
      "\x33\x33\xd3\x3f\x04\x00\x00\x00\x00\x00\x00\xf8\x7f\xf0\xa6\xa0"
      "\x9c\x6e\x3e\xfa\x15";
  const std::string golden(kVersion2, sizeof kVersion2 - 1);
  constexpr std::int64_t t0 = 1'672'531'200'000'000;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<Candle> candles = {
      C(t0, 16535.97, 16535.97, 16522.66, 16522.66, 0.01429883, 2),
      C(t0 + kMinute, 16522.66, 16540.5, 16510.01, 16530.0, 1.5, 7),
      C(t0 + 2 * kMinute, 16530.0, 16530.0, 16499.99, 16500.25, 0.0, 0),
      C(t0 + 5 * kMinute, 0.1 + 0.2, 16501, 16490, 16495.5, nan, -1),
      C(t0 + 6 * kMinute, 16495.5, 16496, 16400, 16401.01, 123.456, 40)};
  EncodeOptions version2;
  version2.version = kFormatVersion2;
  EXPECT_EQ(Encode(candles, version2), golden);
  EXPECT_EQ(ReadHeader(golden).version, kFormatVersion2);
  ExpectBitIdentical(candles, Decode(golden));
}

TEST(CandleChunk, VersionAndMagic) {
  std::string bytes = Encode(Sample());
  bytes[1] = 4;
  EXPECT_EQ(ErrorOf(bytes),
            "candle chunk: format version 4 is not known to this build (knows 1 to 3)");
  bytes[1] = 0;
  EXPECT_EQ(ErrorOf(bytes),
            "candle chunk: format version 0 is not known to this build (knows 1 to 3)");
  bytes[0] = 'x';
  EXPECT_EQ(ErrorOf(bytes), "candle chunk: not a candle chunk (bad magic byte)");
}

// Bytes with a valid checksum but a payload that lies (a crafted chunk):
// errors, never a crash or a huge allocation.
TEST(CandleChunk, ForgedChunksWithValidChecksum) {
  const auto reseal = [](std::string body) {
    body.resize(body.size() - 8);
    const std::uint64_t sum = Checksum(body);
    for (int i = 0; i < 8; ++i) body.push_back(static_cast<char>(sum >> (8 * i)));
    return body;
  };
  std::string bytes = Encode(Sample());
  // count (byte 2.., a varint: 300 = 0xAC 0x02) raised to 301.
  std::string more = bytes;
  more[2] = static_cast<char>(0xAD);
  EXPECT_NE(ErrorOf(reseal(more)), "no error");
  // A count far beyond the payload.
  std::string huge = bytes;
  huge[3] = static_cast<char>(0x7F);
  EXPECT_NE(ErrorOf(reseal(huge)).find("does not fit"), std::string::npos);
  // Random bodies under a valid checksum.
  std::mt19937_64 rng(7);
  for (int round = 0; round < 2000; ++round) {
    std::string junk = bytes;
    for (int k = 0; k < 4; ++k) {
      junk[2 + rng() % (junk.size() - 10)] = static_cast<char>(rng());
    }
    const std::string message = ErrorOf(reseal(junk));
    (void)message;  // any outcome but a crash; ErrorOf checks the kind
  }
  std::vector<Candle> out = {C(0, 1, 1, 1, 1, 0)};
  EXPECT_THROW(DecodeAppend(reseal(huge), out), Error);
  EXPECT_EQ(out.size(), 1u) << "nothing of a corrupt chunk is appended";
}

// A chunk around a payload written by hand (times from 0, scales 0): the
// header, the payload compressed, the checksum.
std::string Forge(int version, std::uint64_t count, std::uint64_t span, const std::string& payload,
                  std::uint64_t claimed_size = 0) {
  const auto varint = [](std::string& out, std::uint64_t v) {
    for (; v >= 0x80; v >>= 7)
      out.push_back(static_cast<char>(static_cast<std::uint8_t>(v) | 0x80));
    out.push_back(static_cast<char>(v));
  };
  std::string out = {static_cast<char>(kMagic), static_cast<char>(version)};
  varint(out, count);
  varint(out, 0);  // first open time, zigzag
  varint(out, span);
  out.push_back(0);  // price scale
  out.push_back(0);  // volume scale
  varint(out, claimed_size ? claimed_size : payload.size());
  std::string frame(ZSTD_compressBound(payload.size()), '\0');
  frame.resize(ZSTD_compress(frame.data(), frame.size(), payload.data(), payload.size(), 3));
  out += frame;
  const std::uint64_t sum = Checksum(out);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(sum >> (8 * i)));
  return out;
}

// Version 2 reads its seven columns side by side, each from where the one
// before it ends. A payload written by hand decodes to what it says; one
// whose columns do not add up (a column short by a varint, a varint of more
// than ten bytes, bytes after the exceptions, times that end elsewhere than
// the header says) is a clear error, with nothing appended.
TEST(CandleChunk, Version2ColumnsThatDoNotAddUpAreRefused) {
  const auto bytes = [](std::initializer_list<int> values) {
    std::string out;
    for (int v : values) out.push_back(static_cast<char>(v));
    return out;
  };
  // Two candles, a minute apart. Columns: one time delta (zigzag 2 * 60e6
  // as a varint), closes zz (5, +2), opens zz (4, -1 from the first close),
  // high offsets (1, 0), low offsets (2, 1), volumes (7, 9), trades zz (3,
  // +1); then no exceptions.
  const std::string times = bytes({0x80, 0x9C, 0x9C, 0x39});
  const std::string closes = bytes({0x0A, 0x04});
  const std::string rest =
      bytes({0x08, 0x01, 0x01, 0x00, 0x02, 0x01, 0x07, 0x09, 0x06, 0x02, 0x00});
  const std::string good = times + closes + rest;
  const std::vector<Candle> want = {C(0, 4, 6, 2, 5, 7, 3), C(kMinute, 4, 7, 3, 7, 9, 4)};
  ExpectBitIdentical(want, Decode(Forge(kFormatVersion2, 2, kMinute, good)));

  // A column one varint short: every later column starts one early, and
  // the payload runs out.
  const std::string short_column = times + bytes({0x0A}) + rest;
  EXPECT_EQ(ErrorOf(Forge(kFormatVersion2, 2, kMinute, short_column)),
            "candle chunk: truncated payload");
  // A varint of eleven bytes among the closes: counted as one varint when
  // the columns are found, refused when it is read.
  const std::string too_long = times + std::string(10, '\x80') + bytes({0x0A, 0x04}) + rest;
  EXPECT_NE(ErrorOf(Forge(kFormatVersion2, 2, kMinute, too_long)).find("varint too long"),
            std::string::npos);
  // Bytes after the exceptions.
  EXPECT_EQ(ErrorOf(Forge(kFormatVersion2, 2, kMinute, good + bytes({0x05}))),
            "candle chunk: trailing bytes after the payload");
  // Times that do not end at the header's last open time.
  EXPECT_EQ(ErrorOf(Forge(kFormatVersion2, 2, 2 * kMinute, good)),
            "candle chunk: last open time differs");

  std::vector<Candle> out = {C(0, 1, 1, 1, 1, 0)};
  EXPECT_THROW(DecodeAppend(Forge(kFormatVersion2, 2, kMinute, short_column), out), Error);
  EXPECT_EQ(out.size(), 1u) << "nothing of a corrupt chunk is appended";
}

// Version 3 packs each column in blocks of 128: values of every magnitude
// from 0 to 64 bits (so every width, including a high below max(open,
// close) as a 64-bit two's complement), one magnitude per block, and
// chunks that end just before, at and after a block's end.
TEST(CandleChunk, Version3BlocksOfEveryWidth) {
  std::mt19937_64 rng(3);
  std::vector<Candle> candles;
  std::int64_t t = 0;
  for (int bits = 0; bits <= 64; ++bits) {
    const auto masked = [&](int b) {
      const std::uint64_t r = rng();
      return b >= 64 ? r : r & ((std::uint64_t{1} << b) - 1);
    };
    for (int i = 0; i < 128; ++i) {
      t += 1 + static_cast<std::int64_t>(masked(std::min(bits, 40)));
      const double price = static_cast<double>(masked(std::min(bits, 52))) / 100;
      const double high = price - static_cast<double>(masked(std::min(bits, 20))) / 100;
      const double low = price + static_cast<double>(masked(std::min(bits, 20))) / 100;
      const double volume = static_cast<double>(masked(std::min(bits, 52))) / 1e8;
      candles.push_back(
          C(t, price, high, low, price, volume, static_cast<std::int64_t>(masked(bits))));
    }
  }
  RoundTrip(candles);
  for (const std::size_t n : {1, 2, 127, 128, 129, 255, 256, 257, 2048}) {
    SCOPED_TRACE(std::to_string(n) + " candles");
    RoundTrip(std::vector<Candle>(candles.end() - static_cast<std::ptrdiff_t>(n), candles.end()));
  }
}

TEST(CandleChunk, EncodeWritesVersions2And3Only) {
  EncodeOptions options;
  options.version = kFormatVersion1;
  try {
    Encode(Sample(), options);
    FAIL() << "version 1 written";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_STREQ(e.what(), "candle chunk: cannot write format version 1 (writes 2 and 3)");
  }
  options.version = 4;
  EXPECT_THROW(Encode(Sample(), options), Error);
}

// A version-3 payload written by hand decodes to what it says; one whose
// blocks do not add up (a width that is not a multiple of 4 or is above
// 64, a block that runs past the payload, bytes after the exceptions, a
// count the payload cannot hold, times that end elsewhere than the header
// says) is a clear error, with nothing appended.
TEST(CandleChunk, Version3BlocksThatDoNotAddUpAreRefused) {
  const auto bytes = [](std::initializer_list<int> values) {
    std::string out;
    for (int v : values) out.push_back(static_cast<char>(v));
    return out;
  };
  // Two candles, a minute apart, the values of the version 2 test above.
  // Each column one block: its minimum, its width, the values less the
  // minimum in nibbles (first value in the low nibble). Times: one delta
  // of 60e6 (width 0); closes zz (10, 4) = 4 + (6, 0); opens zz (8, 1) =
  // 1 + (7, 0); high offsets (1, 0); low offsets (2, 1) = 1 + (1, 0);
  // volumes (7, 9) = 7 + (0, 2); trades zz (6, 2) = 2 + (4, 0); then no
  // exceptions.
  const std::string times = bytes({0x80, 0x8E, 0xCE, 0x1C, 0x00});
  const std::string rest = bytes({0x01, 0x04, 0x07, 0x00, 0x04, 0x01, 0x01, 0x04, 0x01, 0x07, 0x04,
                                  0x20, 0x02, 0x04, 0x04, 0x00});
  const std::string good = times + bytes({0x04, 0x04, 0x06}) + rest;
  const std::vector<Candle> want = {C(0, 4, 6, 2, 5, 7, 3), C(kMinute, 4, 7, 3, 7, 9, 4)};
  ExpectBitIdentical(want, Decode(Forge(kFormatVersion, 2, kMinute, good)));

  EXPECT_EQ(ErrorOf(Forge(kFormatVersion, 2, kMinute, times + bytes({0x04, 0x05, 0x06}) + rest)),
            "candle chunk: bad bit width 5");
  EXPECT_EQ(ErrorOf(Forge(kFormatVersion, 2, kMinute, times + bytes({0x04, 0x44, 0x06}) + rest)),
            "candle chunk: bad bit width 68");
  // Trades at width 64: two values need 16 bytes, and the payload ends
  // first.
  const std::string wide_trades = good.substr(0, good.size() - 4) + bytes({0x02, 0x40, 0x04, 0x00});
  EXPECT_EQ(ErrorOf(Forge(kFormatVersion, 2, kMinute, wide_trades)),
            "candle chunk: truncated payload");
  EXPECT_EQ(ErrorOf(Forge(kFormatVersion, 2, kMinute, good + bytes({0x05}))),
            "candle chunk: trailing bytes after the payload");
  EXPECT_EQ(ErrorOf(Forge(kFormatVersion, 2, 2 * kMinute, good)),
            "candle chunk: last open time differs");
  // Three candles: the blocks are read with other boundaries, and the
  // payload runs out or ends otherwise; never a crash.
  EXPECT_NE(ErrorOf(Forge(kFormatVersion, 3, kMinute, good)), "no error");
  EXPECT_NE(ErrorOf(Forge(kFormatVersion, 100'000, kMinute, good)).find("does not fit"),
            std::string::npos);
  // A header whose payload size is not the zstd frame's content size: refused
  // before the payload is allocated; above 64 MiB, before the frame is read.
  EXPECT_EQ(ErrorOf(Forge(kFormatVersion, 2, kMinute, good, std::uint64_t{60} << 20)),
            "candle chunk: payload size differs from the header");
  EXPECT_EQ(ErrorOf(Forge(kFormatVersion, 2, kMinute, good, (std::uint64_t{64} << 20) + 1)),
            "candle chunk: count 2 does not fit a payload of 67108865 bytes");

  std::vector<Candle> out = {C(0, 1, 1, 1, 1, 0)};
  EXPECT_THROW(DecodeAppend(Forge(kFormatVersion, 2, kMinute, good + bytes({0x05})), out), Error);
  EXPECT_EQ(out.size(), 1u) << "nothing of a corrupt chunk is appended";
}

}  // namespace
}  // namespace tradestore::internal::candle_chunk
