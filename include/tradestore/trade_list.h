// Closed trades and equity curves from other systems' CSV files, for
// statistics without a store (`tradestore report --trades FILE
// [--equity FILE]`), as quantstats works on a returns series.
//
// Both readers take a header row (RFC 4180 CSV, UTF-8, an optional byte
// order mark) and recognise columns by name, case-insensitively, with
// spaces taken as underscores; columns they do not know are ignored. Bad
// input throws Error(kInvalidArgument) "FILE:LINE: field 'X' value 'V':
// reason" (or "FILE:LINE: reason"); a missing file Error(kNotFound).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tradestore/timestamp.h"
#include "tradestore/trade.h"

namespace tradestore {

// One closed trade of a trade list file.
struct TradeListEntry {
  // From the file: side, entry_time, exit_time, quantity (0 when absent),
  // entry_price and exit_price (0 when absent), gross_pnl, fees, net_pnl
  // (net = gross − fees), mae and mfe (when has_excursions), strategy,
  // exit_reason, regime, atr, risk_amount, r_multiple (given, or
  // net_pnl / risk_amount), mae_r and mfe_r (mae and mfe × quantity /
  // risk_amount when both are known); outcome and pnl_percent derived as
  // the store derives them. Ids are 0: the trade is not in a store.
  Trade trade;
  std::string symbol;           // as the file names it; empty without a symbol column
  bool has_excursions = false;  // the file gave both MAE and MFE for this trade
  std::int64_t line = 0;        // line of the file the trade is on (1-based)
};

// Reads a trade list. Columns (first name is ours; the others are accepted
// synonyms, among them the names of our own `export trades` and of
// freqtrade's trade exports):
//   entry_time   open_date, open_time, entry_date, open_timestamp, opened_at   required
//   exit_time    close_date, close_time, exit_date, close_timestamp, closed_at required
//   symbol       pair, instrument, instrument_id, ticker, asset
//   side         direction: buy/long or sell/short (default long);
//                or is_short: true/false/1/0
//   quantity     amount, qty, size                     > 0
//   entry_price  open_rate, open_price, avg_entry_price > 0
//   exit_price   close_rate, close_price, avg_exit_price > 0
//   fees         fee, commission                       quote currency; default 0
//   net_pnl      pnl, profit, profit_abs, realized_pnl, net_profit
//   gross_pnl    gross_profit
//   mae, mfe     per unit, price units, >= 0 (both or neither)
//   r_multiple   r;  risk_amount  initial_risk          > 0
//   strategy, exit_reason (sell_reason, close_reason), regime, atr
// The P&L comes from net_pnl, else gross_pnl, else (exit − entry price) ×
// quantity (negated for shorts); a file with none of them is refused.
// Times are ISO-8601 (Timestamp::Parse; no offset means UTC) or integer
// Unix time in seconds, milliseconds, microseconds or nanoseconds
// (Timestamp::FromUnixAnyUnit: < 1e11 seconds, < 1e14 milliseconds, < 1e17
// microseconds, else nanoseconds). Money is read exactly (Decimal::Parse); a
// number with more than 18 fraction digits (a float's repr, e.g.
// "1.2345678901234567e-05") is rounded half-even to 18 from its exact
// decimal value (Decimal::TryParseRounded, no double in between).
// exit_time must not be before entry_time. Returns the trades in exit-time
// order (stable for equal exits). A file without trades is refused.
std::vector<TradeListEntry> ReadTradeList(const std::string& path);

// Reads an equity curve: a time column (time, date, timestamp, datetime;
// formats as above) and either an equity column (equity, value, balance,
// nav, portfolio_value, total_equity; finite, > 0, account currency) or a
// returns column (return, returns, daily_return, pct_change; fractions,
// > −1), which is compounded from 1.0 with a base point of 1.0 placed one
// interval (the gap between the first two rows) before the first row.
// Times must be strictly increasing. Returns (time, equity) pairs in time
// order; at least two rows.
std::vector<std::pair<Timestamp, double>> ReadEquityCurve(const std::string& path);

}  // namespace tradestore
