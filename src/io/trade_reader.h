// Streaming reader of trade (tick) files: one trade per record, oldest first.
// Pure parsing: no database code; `tradestore import trades` turns the trades
// into candles (tradestore/trade_candles.h) and stores them.
//
// Layouts (stable names, accepted by TradeFileOptions::format):
//   "freqtrade-json"   freqtrade's compact trades list, one line or many:
//                      [[timestamp_ms, "id", type, "side", price, amount,
//                      cost], ...] (e.g. XRP_ETH-trades.json). Only fields 0,
//                      4 and 5 are used; id, type, side and cost are ignored.
//   "unix-price-amount"  CSV without header: unix_seconds,price,amount
//                      (bitcoincharts / Bitstamp bitstampUSD.csv, Kraken's
//                      trades CSV BCHEUR.csv). Fractional seconds allowed.
//   "lean-tick"        QuantConnect Lean trade ticks, no header:
//                      ms_since_midnight,price,quantity[,exchange,condition,
//                      suspicious] (equity: 6 fields, crypto: 3). The date
//                      is TradeFileOptions::base_date or the YYYYMMDD prefix
//                      of the file name (20131007_ibm_Trade_Tick.csv). Times
//                      are the file's clock (Lean: the exchange's zone),
//                      taken as UTC as the candle reader does. Rows flagged
//                      suspicious (6th field 1) are skipped and counted.
//                      Prices are divided by price_divisor (see there).
//   "trades-header"    CSV with a header naming the columns (any order, case
//                      and punctuation ignored, other columns such as id or
//                      side ignored): a time column (time, timestamp, date,
//                      datetime, ts, trade_time, created_at, ...), price
//                      (price, rate) and amount (amount, qty, quantity, size,
//                      volume, base_amount). Times are ISO text or unix
//                      seconds / ms / µs / ns by magnitude, fractions of a
//                      second allowed. TradeFileOptions' time_column,
//                      price_column and amount_column name the columns of any
//                      headed CSV instead (and select this layout).
// Any of these may be inside a zip archive holding that one file (Lean's
// 20131007_trade.zip): it is read as it decompresses.
// Detection: a first non-blank character '[' is freqtrade-json; a first
// line naming a price column is trades-header; a file
// named YYYYMMDD... whose first field is an integer below 86,400,000 (ms in
// a day) is lean-tick (a Lean quote file, "quote" in the name or 5 or 8
// fields, is refused: candles are built from trades); otherwise
// unix-price-amount. A detected layout must give plausible times: before
// 1990-01-01 or after now + 2 days fails the record with "implausible for
// the detected layout ...; name the layout with --format".
//
// Validation: the first bad record throws Error(kInvalidArgument)
// "FILE:N: field 'NAME' value 'VALUE': REASON", N being the 1-based line
// (CSV) or the record's 1-based index in the array (JSON). Times must not
// decrease (equal times are separate trades: duplicates are kept); prices
// finite and > 0; amounts finite and >= 0 (bitstampUSD.csv has one 0).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/candle_reader_text.h"
#include "tradestore/trade_candles.h"

namespace tradestore::io {

struct TradeFileOptions {
  std::optional<std::string> format;  // a layout name to skip detection
  // Every price is divided by this; must be finite and > 0. Unset: 1, except
  // lean-tick files under a folder named equity, option or index (Lean's
  // deci-cent data): 10000.
  std::optional<double> price_divisor;
  // lean-tick only: the UTC midnight the millisecond offsets count from.
  // Unset: the YYYYMMDD prefix of the file name.
  std::optional<Timestamp> base_date;
  // trades-header: the header names of the time, price and amount columns
  // (compared case- and punctuation-insensitively). Setting any of them
  // forces the trades-header layout; unset ones are found by the usual names.
  std::optional<std::string> time_column;
  std::optional<std::string> price_column;
  std::optional<std::string> amount_column;
};

// Every layout name.
std::vector<std::string> KnownTradeLayouts();

class TradeFileReader {
 public:
  // Opens `path` and detects the layout. Throws Error(kNotFound) if it cannot
  // be opened, Error(kInvalidArgument) for an unknown format name.
  TradeFileReader(std::string path, TradeFileOptions options = {});

  // Reads the next trade into `out`; false at the end. Throws as described
  // above; the reader must not be used after a throw.
  bool Next(TradeTick& out);

  const std::string& layout_name() const noexcept { return layout_; }
  // Trades returned so far.
  std::int64_t rows_read() const noexcept { return rows_read_; }
  // lean-tick: rows flagged suspicious and skipped.
  std::int64_t rows_skipped() const noexcept { return rows_skipped_; }
  // The divisor applied to prices.
  double price_divisor() const noexcept { return divisor_; }

 private:
  bool NextCsv(TradeTick& out);
  void SetUpLeanTick(const TradeFileOptions& options);
  void SetUpHeader(const TradeFileOptions& options);
  bool NextJson(TradeTick& out);
  int GetChar();                     // next byte or -1 at the end
  bool ReadLine(std::string& line);  // the next physical line; counts line_
  [[noreturn]] void Fail(std::int64_t record, const std::string& field, const std::string& value,
                         const std::string& reason) const;
  void Check(std::int64_t record, TradeTick& t, const std::string& time_text,
             const std::string& price_text, const std::string& amount_text);

  std::string path_;
  internal::BufferedFile in_;
  std::string layout_;
  int time_col_ = 0, price_col_ = 1, amount_col_ = 2;  // CSV layouts
  std::size_t min_fields_ = 3;
  bool detected_ = false;  // the layout was detected, not forced
  double divisor_ = 1;
  std::int64_t base_micros_ = 0;  // lean-tick: the day's midnight
  std::int64_t rows_read_ = 0;
  std::int64_t rows_skipped_ = 0;
  std::int64_t line_ = 0;  // CSV: physical line
  bool json_started_ = false;
  bool json_done_ = false;
  std::optional<Timestamp> last_time_;
};

}  // namespace tradestore::io
