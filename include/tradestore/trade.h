// Closed trades: the journal. A trade spans a position from flat to flat
// (a flip closes one trade and opens the next). The store fills the
// execution, P&L, excursion and context fields when the position closes
// (context from PositionRepository::SetTradeContext and SetStops); the
// review fields are set afterwards by TradeRepository::UpdateReview.
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
  std::string exit_reason;            // "signal", "stop_loss", "take_profit", "end_of_data", ...
  std::optional<SignalId> signal_id;  // the signal that opened it
  RunMode mode = RunMode::kPaper;
  bool is_test = false;

  // Provenance.
  std::string strategy_version;  // of the opening order
  std::string bot_version;       // the closing order's bot_version

  // Execution.
  std::optional<OrderId> entry_order_id;  // the order that opened it
  std::optional<OrderId> exit_order_id;   // the order that closed it
  Decimal entry_fees;  // fees of the opening and increasing fills (pro rata on a flip)
  Decimal exit_fees;   // fees - entry_fees
  // Slippage cost in the quote currency, > 0 = worse than expected:
  // sum over fills of (fill price - expected) x qty for buys and
  // (expected - fill price) x qty for sells, where expected is the order's
  // expected_price, else its limit_price; fills without either add 0.
  Decimal entry_slippage;
  Decimal exit_slippage;

  // P&L.
  double pnl_percent = 0;  // net_pnl / (entry_price x quantity) x 100
  // "win" (net_pnl > 0), "loss" (< 0) or "breakeven"; indexed for filters.
  std::string outcome;

  // Risk.
  std::optional<Decimal> initial_stop;
  std::optional<Decimal> target;
  std::optional<Decimal> risk_amount;  // given, else |entry - initial_stop| x quantity
  std::string position_size_rule;
  // R multiples (Van Tharp): net_pnl / risk_amount; mae_r and mfe_r are
  // mae and mfe x quantity / risk_amount. Empty without a risk amount.
  std::optional<double> r_multiple;
  std::optional<double> mae_r;
  std::optional<double> mfe_r;

  // Market context at entry.
  std::string regime;
  std::optional<double> volatility;
  std::optional<double> atr;
  std::string session;
  std::string trend;

  // Review (TradeRepository::UpdateReview).
  std::string setup;
  std::string tags;  // comma separated
  std::string notes;
  std::string mental_state;  // e.g. "calm", "fomo"
  std::string rule_breaks;   // comma separated, empty = none
  std::string grade;         // "", or A, B, C, D, F with an optional + or -
  std::string links;         // screenshots and links, one URL per line
  std::optional<Timestamp> reviewed_at;

  Micros duration() const { return exit_time - entry_time; }
  // Net return as a fraction of entry notional: net_pnl / (entry_price * quantity).
  double return_fraction() const;
};

// The review fields TradeRepository::UpdateReview sets (all of them: an
// empty field clears it).
struct TradeReview {
  std::string setup;
  std::string tags;
  std::string notes;
  std::string mental_state;
  std::string rule_breaks;
  std::string grade;
  std::string links;
};

}  // namespace tradestore
