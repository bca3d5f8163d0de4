// Tradable instruments (market schema).
#pragma once

#include <cstdint>
#include <string>

#include "tradestore/decimal.h"

namespace tradestore {

using InstrumentId = std::int64_t;

struct Instrument {
  InstrumentId id = 0;      // assigned by the store; 0 before insertion
  std::string symbol;       // venue's symbol, e.g. "BTCUSDC"; unique per venue
  std::string venue;        // e.g. "kraken", "binanceus"; "" for unspecified
  std::string base_asset;   // e.g. "BTC"
  std::string quote_asset;  // e.g. "USDC": the currency of prices and P&L
  int price_precision = 8;  // decimal places of prices
  int size_precision = 8;   // decimal places of quantities
  Decimal tick_size;        // smallest price increment; 0 = 10^-price_precision
  Decimal lot_size;         // smallest quantity increment; 0 = 10^-size_precision
};

}  // namespace tradestore
