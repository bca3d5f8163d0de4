// Uses the installed library through its public headers only: opens an
// in-memory store (SQLite and the embedded migrations), upserts and finds an
// instrument, and touches the layers that have private dependencies (io:
// fmt and nlohmann_json; analytics: nlohmann_json). Prints one line that
// run_install_test.cmake checks.
#include <iostream>
#include <string>
#include <vector>

#include "tradestore/candle_import.h"
#include "tradestore/decimal.h"
#include "tradestore/error.h"
#include "tradestore/instrument.h"
#include "tradestore/performance_report.h"
#include "tradestore/store.h"
#include "tradestore/timeframe.h"

int main() {
  try {
    tradestore::Store store = tradestore::Store::Open("sqlite::memory:");
    tradestore::Instrument instrument;
    instrument.symbol = "BTCUSDC";
    instrument.venue = "kraken";
    instrument.base_asset = "BTC";
    instrument.quote_asset = "USDC";
    instrument.price_precision = 2;
    const tradestore::Instrument saved = store.instruments().Upsert(instrument);
    const auto found = store.instruments().Find("kraken", "BTCUSDC");
    if (!found || found->id != saved.id || saved.id <= 0) {
      std::cerr << "consumer: the upserted instrument was not found\n";
      return 1;
    }
    const tradestore::Decimal sum =
        tradestore::Decimal::Parse("0.1") + tradestore::Decimal::Parse("0.2");
    const std::vector<std::string> layouts = tradestore::CandleLayouts();
    const std::string report =
        tradestore::StatisticsToJson(tradestore::ComputeStatistics({}, {}, {}));
    std::cout << "tradestore consumer ok: instrument " << found->id << " " << found->symbol
              << " on " << found->venue << " (" << found->base_asset << "/" << found->quote_asset
              << "), 0.1+0.2=" << sum.ToString() << ", " << layouts.size() << " layouts, "
              << tradestore::ToString(tradestore::ParseTimeframe("1h")) << ", report "
              << (report.find("\"trade_count\":0") != std::string::npos ? "ok" : "bad") << "\n";
    return 0;
  } catch (const tradestore::Error& e) {
    std::cerr << "consumer: " << e.what() << "\n";
    return 1;
  }
}
