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
#include <span>
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

// Every function below that writes a chunk takes `format`, the chunk
// format version to encode it in (candle_chunk::EncodeOptions::version:
// kFormatVersion, or kFormatVersion2 for builds before format 3 to read):
// the store's StoreOptions::chunk_format (StoreImpl::chunk_format()).

struct CompactStats {
  std::int64_t candles = 0;  // candles stored in chunks
  std::int64_t chunks = 0;   // chunks written
  std::int64_t bytes = 0;    // their encoded size
};

// Calls `visit` for every stored candle of the series in `range` (rows and
// chunks merged), oldest first, until it returns false.
void ForEachCandle(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                   const TimeRange& range, const std::function<bool(const Candle&)>& visit);

// As ForEachCandle, a run of consecutive candles at a time: a chunk's
// candles in range as one span (straight from the process's decoded-chunk
// cache, CandleChunkCache in candle_repository.h), each row as a span of
// one. The span is valid during the call only.
void ForEachCandleRun(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                      const TimeRange& range,
                      const std::function<bool(std::span<const Candle>)>& visit);

// Whether candles with open times in [first, last] may become a new chunk
// as they are: the series stores no candle in that range (no row, no chunk
// reaching into it) and the chunk before it, if any, is full (a partial
// one is continued by CompactSeries instead, so that compacting day by day
// leaves no trail of small chunks).
bool CanWriteNewChunk(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                      Timestamp first, Timestamp last);

// Writes `candles` (strictly ascending) as one new chunk, adding to
// `stats`. The caller has made sure it may (CanWriteNewChunk), inside its
// unit of work.
void WriteChunk(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                std::span<const Candle> candles, CompactStats& stats, int format);

// Whether the series has any chunk.
bool HasChunks(sql::Connection& c, InstrumentId instrument, const std::string& tf);

// PostgreSQL: takes a transaction-scoped advisory lock on the series
// (instrument, tf), held until the caller's unit of work ends; every candle
// writer takes it before its first write (a row or a chunk), so that one
// that found the series empty (CandleSeriesIsEmpty) may COPY into it without
// meeting another writer's rows, and CanWriteNewChunk's answer holds until
// it commits. CompactSeries, RewriteSeriesChunks, DeleteChunkedBefore and
// FoldRowsIntoChunks take it too: they rewrite chunks that a writer's
// commit folds rows into. Does nothing on SQLite, whose writers are serial.
void LockCandleSeries(sql::Connection& c, InstrumentId instrument, const std::string& tf);
// Whether the series holds no candle, as rows or in chunks.
bool CandleSeriesIsEmpty(sql::Connection& c, InstrumentId instrument, const std::string& tf);

// Whether the store has any chunk at all (readers that have a plain row
// path keep it when not).
bool AnyChunks(sql::Connection& c);

// Folds rows that an upsert wrote inside the ranges of existing chunks
// (open times in [from, to]) into those chunks: each such chunk is decoded,
// the rows override its candles of equal time, it is encoded again and the
// rows are deleted. Call inside the writing unit of work. `on_replace`, when
// given, is called with the open time of each chunk candle a row replaces
// (an insert-only import throws from it, and the unit of work rolls back).
void FoldRowsIntoChunks(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                        Timestamp from, Timestamp to, int format,
                        const std::function<void(Timestamp)>& on_replace = {});

// How many of the series' compacted candles open in `range`: the chunks
// inside it are counted from their rows, at most two straddling a bound are
// decoded.
std::int64_t CountChunked(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                          const TimeRange& range);

// The series that have chunks; with `starting_before`, only those with a
// chunk whose first candle opens before it. Ordered by instrument, then
// timeframe.
std::vector<std::pair<InstrumentId, std::string>> SeriesWithChunks(
    sql::Connection& c, std::optional<Timestamp> starting_before = std::nullopt);

// How one series is stored (status): candles as rows, candles in chunks,
// the chunks and their encoded bytes.
struct SeriesStorage {
  InstrumentId instrument = 0;
  std::string timeframe;
  std::int64_t row_candles = 0;
  std::int64_t chunk_candles = 0;
  std::int64_t chunks = 0;
  std::int64_t chunk_bytes = 0;
};
// Every series with rows or chunks, by instrument and timeframe.
std::vector<SeriesStorage> CandleStorageBySeries(sql::Connection& c);
// Bytes on disk of market.candles with its indexes, where the backend says:
// PostgreSQL pg_total_relation_size (a Citus shell table holds no data:
// nullopt), SQLite the dbstat table (nullopt where SQLite is built without
// it).
std::optional<std::int64_t> CandleRowBytes(sql::Connection& c);

// Moves the series' rows with open_time < `before` (all rows when nullopt)
// into new chunks of at most kChunkCandles, never across an existing chunk;
// inside the caller's unit of work (or its own).
CompactStats CompactSeries(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                           std::optional<Timestamp> before, int format);

// What RewriteSeriesChunks rewrote: chunks and candles, and their encoded
// bytes before and after.
struct UpgradeStats {
  std::int64_t chunks = 0;
  std::int64_t candles = 0;
  std::int64_t bytes_before = 0;
  std::int64_t bytes_after = 0;
};

// Rewrites the series' chunks of any other format version than `format`
// in `format`, candles unchanged, inside the caller's unit of work (or its
// own): older chunks into the current format, or, for a store that builds
// before format 3 must read, format 3 chunks into format 2.
UpgradeStats RewriteSeriesChunks(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                                 int format);

// The series (instrument, timeframe) that have rows, or chunks.
std::vector<std::pair<InstrumentId, std::string>> SeriesWithRows(sql::Connection& c);

// Deletes the series' candles with open_time < `before` from the chunks
// (whole chunks, and a chunk straddling `before` re-encoded with the rest);
// returns the number of candles deleted.
std::int64_t DeleteChunkedBefore(sql::Connection& c, InstrumentId instrument, const std::string& tf,
                                 Timestamp before, int format);

}  // namespace tradestore::detail
