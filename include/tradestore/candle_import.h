// Candle import: a file of OHLCV candles into the market store, streamed,
// validated row by row, committed whole or not at all.
//
// File layouts, time parsing and the validation rules are documented in
// docs/candle-import.md (and src/io/candle_reader.h). The first invalid row
// stops the import with Error(kInvalidArgument) "FILE:LINE: field 'NAME'
// value 'VALUE': REASON" and nothing is written.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tradestore/instrument.h"
#include "tradestore/store.h"
#include "tradestore/timeframe.h"

namespace tradestore {

// What an import does with two rows of one time (they are consecutive: the
// rows keep one direction) whose values differ. Rows repeating the previous
// row's time and values exactly are always skipped and counted
// (CandleImportSummary::identical_duplicates).
enum class CandleDuplicatePolicy {
  kRefuse,  // Error(kInvalidArgument) naming both lines and the differing fields
  kFirst,   // keep the first row of the time
  kLast,    // keep the last row of the time
};

struct CandleImportOptions {
  std::string symbol;  // required, e.g. "BTCUSDC"
  std::string venue;   // e.g. "kraken"; "" allowed
  Timeframe timeframe = Timeframe::k1m;
  std::optional<std::string> format;  // a layout name to skip detection
  // Every price is divided by this, e.g. 10000 for Lean equity deci-cents.
  // Unset: 1, except that a Lean file under a folder named equity, option or
  // index gets 10000 and a Lean file of whole-number prices >= 10000 elsewhere
  // is refused as ambiguous (src/io/candle_reader.h).
  std::optional<double> price_divisor;
  std::string column_prefix;          // wide layouts: the asset, e.g. "BTC"
  Micros time_offset = 0;             // added to every time (bar-end stamps)
  bool allow_missing_volume = false;  // missing volume reads as 0
  CandleDuplicatePolicy on_duplicate = CandleDuplicatePolicy::kRefuse;
  // Instrument fields used when the instrument is created (an existing one
  // keeps its own unless these are set). Base and quote default to a split of
  // the symbol at a known quote suffix (USDC, USDT, USD, EUR, BTC, ETH, ...).
  std::optional<std::string> base_asset;
  std::optional<std::string> quote_asset;
  std::optional<int> price_precision;  // default 8
  std::optional<int> size_precision;   // default 8
  // Compaction at import (docs/storage.md, "Candle chunks"): when set, the
  // series' candles opening before this time (the stored ones and the
  // file's) are compacted into chunks in the import's unit of work, so the
  // import and the compaction commit or fail together. Ascending runs of
  // the file go straight into chunks (CandleWriterOptions), the rest via
  // rows. Typically the start of the current UTC day: complete days
  // become chunks, today's candles stay rows. Unset: the store's
  // compaction policy for the timeframe
  // (CandleRepository::SetCompactionPolicy: now minus its age), or rows
  // only when there is none or apply_compaction_policy is false.
  std::optional<Timestamp> compact_before;
  bool apply_compaction_policy = true;
  // Called every few thousand rows with (bytes read, file size).
  std::function<void(std::uint64_t, std::uint64_t)> progress;
};

struct CandleImportSummary {
  std::string file;
  std::string layout;              // the detected or forced layout name
  Instrument instrument;           // with its id
  std::int64_t rows_read = 0;      // candles read from the file
  std::int64_t rows_rejected = 0;  // always 0 on success: a bad row aborts
  std::int64_t rows_in_store = 0;  // candles of this instrument and timeframe after
  // Rows repeating the previous row's time with the same values: skipped.
  std::int64_t identical_duplicates = 0;
  // Rows repeating the previous row's time with other values, resolved by
  // CandleImportOptions::on_duplicate (first or last; 0 when refused).
  std::int64_t conflicting_duplicates = 0;
  std::optional<Timestamp> first;  // earliest candle time in the file
  std::optional<Timestamp> last;   // latest candle time in the file
  bool newest_first = false;       // the file was in descending time order
  double price_divisor = 1;        // the divisor applied to the file's prices
  double seconds = 0;              // wall time of the import
  // The compaction cutoff the import applied (CandleImportOptions::
  // compact_before, or the store's policy's); unset: rows only.
  std::optional<Timestamp> compact_before;
  // With a cutoff: candles stored in chunks (written there straight from
  // the file, or moved from rows), and the chunks written (rewritten ones
  // included).
  std::int64_t candles_compacted = 0;
  std::int64_t chunks_written = 0;
};

// Imports `path` into `store`. Throws Error(kNotFound) if the file cannot be
// opened, Error(kInvalidArgument) for an undetectable layout, bad options,
// the first invalid row, two rows of one time with different values under
// CandleDuplicatePolicy::kRefuse ("FILE:LINE: candle at TIME repeats line
// N with other values: open 1 vs 2, ..."), or a file holding no candle at
// all ("FILE: no candles", e.g. a header alone); the store is then
// unchanged (no instrument created, no coverage touched). Storage errors are
// thrown as Store does.
CandleImportSummary ImportCandles(Store& store, const std::string& path,
                                  const CandleImportOptions& options);

// Known layout names for CandleImportOptions::format.
std::vector<std::string> CandleLayouts();

// Splits a symbol at a known quote-asset suffix: "BTCUSDC" -> {"BTC",
// "USDC"}, "BTC/USD" or "BTC-USD" -> {"BTC", "USD"}; {symbol, ""} when none
// matches.
std::pair<std::string, std::string> SplitSymbol(const std::string& symbol);

}  // namespace tradestore
