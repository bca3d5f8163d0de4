// Compacted candles: market.candle_chunks (schema.h), each row one chunk of
// src/core/candle_chunk.h. The rules every writer keeps:
//   - a candle is a row of market.candles or inside exactly one chunk;
//   - no row of a series lies within [first_open_time, last_open_time] of
//     one of its chunks, and chunks of a series do not overlap;
// so a read merges the two ordered streams without comparing keys twice.
//
// Not part of the public API.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sql/connection.h"
#include "tradestore/candle.h"
#include "tradestore/instrument.h"
#include "tradestore/repository.h"

namespace tradestore::detail {

// Candles per chunk at most (compaction cuts a series' rows into runs of
// this many; an upsert into a chunk may grow it beyond).
inline constexpr std::int64_t kChunkCandles = 2048;

// Calls `visit` for every stored candle of the series in `range` (rows and
// chunks merged), oldest first, until it returns false.
void ForEachCandle(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                   const TimeRange& range, const std::function<bool(const Candle&)>& visit);

// Whether the series has any chunk.
bool HasChunks(sql::Connection& c, InstrumentId instrument, const std::string& tf);

// Folds rows that an upsert wrote inside the ranges of existing chunks
// (open times in [from, to]) into those chunks: each such chunk is decoded,
// the rows override its candles of equal time, it is encoded again and the
// rows are deleted. Call inside the writing unit of work.
void FoldRowsIntoChunks(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                        Timestamp from, Timestamp to);

struct CompactStats {
  std::int64_t candles = 0;  // rows moved into chunks
  std::int64_t chunks = 0;   // chunks written
  std::int64_t bytes = 0;    // their encoded size
};

// Moves the series' rows with open_time < `before` (all rows when nullopt)
// into new chunks of at most kChunkCandles, never across an existing chunk;
// inside the caller's unit of work (or its own).
CompactStats CompactSeries(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                           std::optional<Timestamp> before);

// The series (instrument, timeframe) that have rows, or chunks.
std::vector<std::pair<InstrumentId, std::string>> SeriesWithRows(sql::Connection& c);

// Deletes the series' candles with open_time < `before` from the chunks
// (whole chunks, and a chunk straddling `before` re-encoded with the rest);
// returns the number of candles deleted.
std::int64_t DeleteChunkedBefore(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                                 Timestamp before);

}  // namespace tradestore::detail
