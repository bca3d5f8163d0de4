// PositionRepository: open positions, marks, stops and position events
// (src/store/order_repositories.cc).
//
// Obtained from Store (store.h); units, errors and thread safety as stated
// there.
#pragma once

#include <optional>
#include <vector>

#include "tradestore/bot.h"
#include "tradestore/decimal.h"
#include "tradestore/instrument.h"
#include "tradestore/ledger.h"
#include "tradestore/position.h"
#include "tradestore/repository.h"
#include "tradestore/timestamp.h"

namespace tradestore {

class PositionRepository {
 public:
  std::optional<Position> Get(BotId bot, AccountId account, InstrumentId instrument);
  // Non-flat positions of a bot.
  std::vector<Position> ListOpen(BotId bot);
  // Records the high and low of a candle against an open position, for the
  // trade's MAE and MFE. No-op when flat.
  void Mark(BotId bot, AccountId account, InstrumentId instrument, Decimal high, Decimal low);
  // Marks an open position to `price` (> 0) at `time`: last price,
  // unrealized P&L, highest/lowest price seen, and the trailing stop: for a
  // long, candidate = highest - trailing_distance (or highest x (1 -
  // trailing_percent)), and the stop loss moves up to it when higher (a
  // "stop_moved" event); shorts mirror it from the lowest price. A
  // "marked" event is kept when record_event. Returns the position; a flat
  // or missing position is returned unchanged (nullopt when missing).
  std::optional<Position> MarkPrice(BotId bot, AccountId account, InstrumentId instrument,
                                    Decimal price, Timestamp time, bool record_event = false);
  // Sets (replaces) the stops of an open position and records a
  // "stops_set" event. Throws kConflict when flat or missing;
  // kInvalidArgument for a non-positive level, both trailing fields, a
  // trailing_percent outside (0, 1), or a stop loss on the wrong side of
  // the last price (long: below it, short: above it).
  Position SetStops(BotId bot, AccountId account, InstrumentId instrument,
                    const StopSettings& stops, Timestamp time);
  // Sets the journal context of the open trade (position.h), merged over
  // what was set before (set fields replace). Throws kConflict when flat or
  // missing; kInvalidArgument for a non-positive price or amount.
  void SetTradeContext(BotId bot, AccountId account, InstrumentId instrument,
                       const TradeContext& context);
  // Events of one position, oldest first.
  std::vector<PositionEvent> Events(BotId bot, AccountId account, InstrumentId instrument);
  // Events of a bot's positions in a time range, oldest first; test data
  // only when include_test.
  std::vector<PositionEvent> ListEvents(BotId bot, const TimeRange& range = {},
                                        bool include_test = false);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
