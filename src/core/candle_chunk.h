// The compressed columnar encoding of a run of candles of one series (a
// "chunk"): pure code, no database. The store keeps compacted candles as
// chunks (market.candle_chunks, src/store/candle_chunks.cc); this file only
// turns candles into bytes and back.
//
// Lossless: Decode(Encode(c)) gives every field of every candle back
// bit-identical (open_time, the five doubles' bit patterns, trades).
//
// Layout, version 3 (all integers little-endian; varint = LEB128,
// zz = zigzag-mapped signed integer, u = a signed value's two's complement
// as an unsigned integer):
//   u8   magic 0xC5
//   u8   format version (3; versions 1 and 2 are still read)
//   varint count
//   zz   first open_time (µs, as a varint);  varint last - first
//   u8   price scale s (0..15): prices are stored as integers p with
//        double(p) / 10^s == value bit for bit
//   u8   volume scale (same, for volume)
//   varint size of the payload before compression
//   ...  the payload, one zstd frame
//   u64  checksum (Checksum()) of every byte before it
// Payload, column by column (each column of all candles, then the next),
// on the scaled integers:
//   times:  d_i = t_i - t_{i-1} for i >= 1 (n - 1 values)
//   closes: zz(close - prev close) (prev close starts at 0)
//   opens:  zz(open - prev close)
//   highs:  u(high - max(open, close))
//   lows:   u(min(open, close) - low)
//   volume: u(v)
//   trades: zz(trades - prev trades) (prev starts at 0; -1 = unknown)
//   exceptions: varint n, then n times varint (gap to the previous
//           exception's slot) and the value's 8 raw bytes. A slot is
//           candle index * 5 + column (0 open, 1 high, 2 low, 3 close,
//           4 volume). A value that is not exact at its column's scale
//           (more decimals, NaN, ±inf, -0.0, beyond 2^53 units) is stored
//           here whole; its integer in the column above is its rounded
//           neighbour (or 0), so deltas stay small.
// Each column is bit-packed in blocks of 128 values (the last block holds
// the rest): varint the block's minimum m, u8 the width w in bits (a
// multiple of 4, 0..64; 0 when every value is m), then each value - m in w
// bits, least significant bit first, ceil(128 * w / 8) bytes in all (a
// regular series' times are one block header per 128 candles). Frame of
// reference bit packing as in Lemire and Boytsov, "Decoding billions of
// integers per second through vectorization" (2015); widths in nibbles
// keep zstd's byte-wise matching useful.
// Version 2 differs in the columns only: every value a varint, and the
// times zz(d_i - d_{i-1}) (delta of delta). Decoding it took 45-52 ns a
// candle on the sample files where version 3 takes 26-35, at about the
// same size (docs/benchmarks.md, "Format version 3").
// Version 1 differs from version 2 only in the prices and volume: per
// candle zz(close - prev close), zz(open - prev close), zz(high - max(open,
// close)), zz(min(open, close) - low), then the volumes as zz(v).
// The scales are chosen per chunk as the smallest ones at which every
// value that can be exact is (so a series with 2 decimals is stored in
// cents whatever the instrument's precision says).
//
// Not part of the public API.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tradestore/candle.h"

namespace tradestore::internal::candle_chunk {

inline constexpr std::uint8_t kMagic = 0xC5;
inline constexpr std::uint8_t kFormatVersion = 3;   // what Encode writes
inline constexpr std::uint8_t kFormatVersion2 = 2;  // still read, and written on request
inline constexpr std::uint8_t kFormatVersion1 = 1;  // still read
inline constexpr int kMaxScale = 15;

struct EncodeOptions {
  int zstd_level = 3;
  // kFormatVersion or kFormatVersion2 (chunks an older build can read);
  // anything else is Error(kInvalidArgument).
  int version = kFormatVersion;
};

// What a chunk says about itself, read without decompressing it.
struct ChunkHeader {
  int version = 0;
  std::int64_t count = 0;
  Timestamp first;
  Timestamp last;
  int price_scale = 0;
  int volume_scale = 0;
  std::uint64_t checksum = 0;  // the trailer (verified by ReadHeader)
};

// Encodes `candles`, which must be in strictly ascending open_time order
// (else Error(kInvalidArgument)). An empty span gives a valid empty chunk.
std::string Encode(std::span<const Candle> candles, const EncodeOptions& options = {});

// Checks the magic, the version and the checksum and reads the header.
// Corrupt or truncated bytes throw Error(kStorage) "candle chunk: ..."; a
// newer format version throws Error(kStorage) naming it. Never crashes on
// any input.
ChunkHeader ReadHeader(std::string_view bytes);

// Decodes a whole chunk (ReadHeader's checks first), appending to `out`,
// and returns its header (the checksum is computed once, not again by a
// ReadHeader call). Errors as ReadHeader; also a payload that does not
// decode to exactly `count` candles, or whose times do not match the
// header. On an error nothing is appended.
ChunkHeader DecodeAppend(std::string_view bytes, std::vector<Candle>& out);
std::vector<Candle> Decode(std::string_view bytes);

// The 64-bit checksum of the trailer (a word-at-a-time multiply-rotate hash
// in the manner of xxHash64; detects corruption, not tampering).
std::uint64_t Checksum(std::string_view bytes);

}  // namespace tradestore::internal::candle_chunk
