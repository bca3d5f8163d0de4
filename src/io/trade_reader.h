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
// Detection: a first non-blank character '[' is freqtrade-json, otherwise
// unix-price-amount.
//
// Validation: the first bad record throws Error(kInvalidArgument)
// "FILE:N: field 'NAME' value 'VALUE': REASON", N being the 1-based line
// (CSV) or the record's 1-based index in the array (JSON). Times must not
// decrease (equal times are separate trades: duplicates are kept); prices
// finite and > 0; amounts finite and >= 0 (bitstampUSD.csv has one 0).
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "tradestore/trade_candles.h"

namespace tradestore::io {

struct TradeFileOptions {
  std::optional<std::string> format;  // a layout name to skip detection
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
  std::int64_t rows_read() const noexcept { return rows_read_; }

 private:
  bool NextCsv(TradeTick& out);
  bool NextJson(TradeTick& out);
  int GetChar();  // next byte or -1 at the end
  [[noreturn]] void Fail(std::int64_t record, const std::string& field, const std::string& value,
                         const std::string& reason) const;
  void Check(std::int64_t record, TradeTick& t, const std::string& time_text,
             const std::string& price_text, const std::string& amount_text);

  std::string path_;
  std::ifstream in_;
  std::string layout_;
  std::int64_t rows_read_ = 0;
  std::int64_t line_ = 0;  // CSV: physical line
  bool json_started_ = false;
  bool json_done_ = false;
  std::optional<Timestamp> last_time_;
};

}  // namespace tradestore::io
