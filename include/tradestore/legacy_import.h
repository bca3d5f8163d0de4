// Migration of a legacy bot's JSON files into a store (tradestore import
// legacy-json DIR). The layout, the mapping and the test-data rules are in
// docs/export-import.md ("Legacy JSON import"); in short:
//
//   DIR/bot.json       optional: {"name", "version", "mode", "venue"}
//   DIR/signals.json   array of signals {id, timestamp, symbol, final_signal,
//                      final_confidence, price, aggregation_method,
//                      strategies, test_mode, bot_version, strategy_version}
//   DIR/trades.json    array of executions {id, timestamp, symbol, action,
//                      amount, price, fee, signal_id, order_id, test_mode}
//   DIR/holdings.json  object {SYMBOL: {amount, avg_price, updated_at}}
//
// Signals become trading.signals; each trade becomes a filled market order
// (order, fill, position, closed trades and ledger entries through the
// order repository), in time order; holdings are checked against the net
// quantity of the imported trades (positions derive from fills, so holdings
// are not stored). Records tagged as test data go to a second bot
// "<name>-test" with is_test = 1, so they never mix with the real bot's
// positions and stay out of default queries.
//
// All or nothing: every file is parsed and every record checked before
// anything is written; the writes are one unit of work on the trading
// database (instruments it had to create are removed again if that unit
// fails). Thread safety: as Store.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tradestore/decimal.h"
#include "tradestore/store.h"

namespace tradestore {

struct LegacyImportOptions {
  // Defaults for what bot.json does not say.
  std::string bot_name;  // "" = the directory's name
  std::string venue = "legacy";
  // Test-data thresholds (seed 001): a trade or holding amount above
  // max_amount, or a price above max_price, is "absurd".
  Decimal max_amount = Decimal::FromInt(1000);
  Decimal max_price = Decimal::FromInt(200000);
};

// One record the import tagged, skipped or warns about.
struct LegacyNote {
  std::string file;     // "trades.json"
  std::string pointer;  // JSON pointer of the record or field: "/3/price"
  std::string reason;   // "amount 0 (test data rule: zero amount)"
};

struct LegacyImportReport {
  std::string bot;  // the real bot's name
  BotId bot_id = 0;
  std::string test_bot;  // "" when nothing was tagged
  BotId test_bot_id = 0;
  std::int64_t signals_imported = 0;   // both bots
  std::int64_t trades_imported = 0;    // both bots
  std::int64_t holdings_verified = 0;  // holdings equal to the net of the trades
  std::vector<LegacyNote> tagged;      // imported as test data (or, for
                                       // holdings, recognised as such)
  std::vector<LegacyNote> skipped;     // not imported, with the reason
  std::vector<LegacyNote> warnings;    // imported with a caveat
};

// Imports DIR (see above). Throws Error(kNotFound) if DIR or all three data
// files are missing; kInvalidArgument "FILE:LINE:COLUMN: ..." for a file
// that is not JSON or has the wrong top-level shape, or a bad bot.json;
// kConflict if the bot exists already (a legacy import makes a new bot);
// the store's errors otherwise. On any error nothing is written.
LegacyImportReport ImportLegacyJson(Store& store, const std::string& dir,
                                    const LegacyImportOptions& options = {});

}  // namespace tradestore
