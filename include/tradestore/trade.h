// Closed trades: the journal. A trade spans a position from flat to flat
// (a flip closes one trade and opens the next).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tradestore/bot.h"
#include "tradestore/decimal.h"
#include "tradestore/instrument.h"
#include "tradestore/ledger.h"
#include "tradestore/order.h"
#include "tradestore/timestamp.h"

namespace tradestore {

using TradeId = std::int64_t;

struct Trade {
  TradeId id = 0;  // assigned by the store
  BotId bot_id = 0;
  AccountId account_id = 0;
  InstrumentId instrument_id = 0;
  std::string strategy;
  Side side = Side::kBuy;  // buy = long trade, sell = short trade
  Timestamp entry_time;
  Timestamp exit_time;
  Decimal entry_price;  // average entry price
  Decimal exit_price;   // quantity-weighted average exit price
  Decimal quantity;     // > 0, the largest size held
  Decimal gross_pnl;    // realized P&L before fees, quote currency
  Decimal fees;         // all fees of the trade's fills
  Decimal net_pnl;      // gross_pnl - fees
  // Maximum adverse and favourable excursion: the worst and best price move
  // against and for the trade while open, per unit, >= 0 (quote currency per
  // base unit), measured on candle lows and highs.
  Decimal mae;
  Decimal mfe;
  std::string exit_reason;  // "signal", "stop_loss", "take_profit", "end_of_data", ...
  std::optional<SignalId> signal_id;  // the signal that opened it
  RunMode mode = RunMode::kPaper;
  bool is_test = false;

  Micros duration() const { return exit_time - entry_time; }
  // Net return as a fraction of entry notional: net_pnl / (entry_price * quantity).
  double return_fraction() const;
};

}  // namespace tradestore
