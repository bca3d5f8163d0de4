// The performance report of `tradestore report` (text, --csv, --json), of
// GET /api/v1/report, of the HTML tearsheet and of the persisted analytics
// (`tradestore analyze`): closed-trade statistics with R-multiples and
// excursions, equity-curve statistics, ledger sums, breakdowns and rolling
// windows, their report tables, and one JSON form. This is the only place
// that aggregates trades and curves into statistics; each single formula is
// a function of tradestore/statistic_functions.h, whose conventions hold
// here too: undefined values are std::nullopt (null in JSON, "n/a" in text),
// never NaN or a made-up number; fractions are fractions (0.25 = 25 %); the
// risk-free rate and every target return is 0; times are µs UTC and "day"
// is the UTC calendar day.
//
// Money is exact: trade P&L and fees come in as Decimal and every money sum
// (gross profit and loss, net profit, total fees, the gross profit before
// costs) is taken exactly in Decimal and converted to double once, at the
// end; only ratios, averages and returns are computed in double. A trade is
// a win, loss or breakeven by the exact sign of its net P&L.
//
// Each statistic's doc comment names its formula and source (here or at the
// function of statistic_functions.h it names). docs/statistics.md lists them
// all with the differences from freqtrade and quantstats, and the JSON keys.
//
// Thread safety: every function is pure and may be called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tradestore/decimal.h"
#include "tradestore/ledger.h"
#include "tradestore/order_types.h"
#include "tradestore/report_table.h"
#include "tradestore/statistic_functions.h"
#include "tradestore/timestamp.h"
#include "tradestore/trade.h"

namespace tradestore {

// ---------------------------------------------------------------------------
// Input: one closed trade, as the statistics read it.

// A closed trade reduced to what the statistics need. Money (net_pnl,
// gross_pnl, fees) is exact Decimal in the trade's quote currency; prices,
// excursions and R values are double. R values are in multiples of the trade's initial
// risk (Van Tharp's R); they are optional because a trade without an initial
// stop has no R: every R statistic is computed over the trades whose R is
// known and is undefined when none is.
struct TradeSample {
  Decimal net_pnl;         // gross_pnl - fees
  Decimal gross_pnl;       // before fees
  Decimal fees;            // >= 0 for ordinary fees (a rebate is negative)
  Side side = Side::kBuy;  // buy = long
  Timestamp entry_time;
  Timestamp exit_time;
  double entry_price = 0.0;  // > 0 for the excursion-based edge ratio
  // Average true range at entry, price units, > 0 (Trade::atr); the edge
  // ratio's normalizer when every trade has one.
  std::optional<double> atr;
  // Maximum adverse / favourable excursion per unit, price units, >= 0
  // (Trade::mae / Trade::mfe); empty when unknown (a trade list from another
  // system without them). The excursion statistics use the trades that have
  // both.
  std::optional<double> mae;
  std::optional<double> mfe;
  std::optional<double> r_multiple;  // net_pnl / initial risk
  std::optional<double> mae_r;       // mae in R, >= 0
  std::optional<double> mfe_r;       // mfe in R, >= 0
  std::string strategy;
  std::string instrument;   // a symbol, or the instrument id as text
  std::string exit_reason;  // "signal", "stop_loss", ...
  std::string regime;       // market regime at entry; empty when unknown
};

// The adapter from a stored Trade. `instrument` names the instrument (e.g.
// its symbol); when empty the instrument id is used as text. r_multiple,
// mae_r, mfe_r and regime are copied from the trade journal (empty when the
// trade recorded no initial risk / no regime); atr is copied when > 0.
TradeSample ToTradeSample(const Trade& trade, const std::string& instrument = {});
std::vector<TradeSample> ToTradeSamples(std::span<const Trade> trades);

// ---------------------------------------------------------------------------
// Trade statistics.

// Counts, sums and ratios of closed trades. Money fields are exact Decimal
// sums converted to double once; n = trade_count.
struct TradeSummary {
  std::size_t trade_count = 0;
  std::size_t long_count = 0;   // side kBuy
  std::size_t short_count = 0;  // side kSell
  std::size_t wins = 0;         // net_pnl > 0 (exact)
  std::size_t losses = 0;       // net_pnl < 0
  std::size_t breakeven = 0;    // net_pnl == 0
  // Win rate: wins / n, breakeven trades in the denominator; a fraction in
  // [0, 1]. Undefined without trades.
  std::optional<double> win_rate;
  std::optional<double> win_rate_lower_bound;  // WilsonLowerBound(wins, n), 95 %
  double gross_profit = 0.0;                   // Σ net_pnl of wins, >= 0, exact sum
  // Σ net_pnl of losses, <= 0 (kept negative, as the sum it is), exact sum.
  double gross_loss = 0.0;
  double net_profit = 0.0;              // Σ net_pnl = gross_profit + gross_loss, exact
  std::optional<double> profit_factor;  // ProfitFactor(gross_profit, gross_loss)
  // Average win: gross_profit / wins (>= 0); undefined without wins.
  std::optional<double> average_win;
  // Average loss: gross_loss / losses (<= 0); undefined without losses.
  std::optional<double> average_loss;
  std::optional<double> payoff_ratio;  // PayoffRatio(average_win, average_loss)
  // Expectancy per trade in currency: net_profit / n, the mean net P&L of a
  // trade, = win_rate · average_win + loss_rate · average_loss (Tharp's
  // expectancy, "Trade Your Way to Financial Freedom", 2nd ed. 2006,
  // expressed in currency rather than in R; breakeven trades contribute 0).
  // Undefined without trades.
  std::optional<double> expectancy;
  std::optional<double> largest_win;   // max net_pnl of wins
  std::optional<double> largest_loss;  // min net_pnl of losses (<= 0)
  // Longest runs of consecutive wins / losses in exit order (a breakeven
  // trade ends both runs). 0 without wins / losses.
  std::size_t longest_win_streak = 0;
  std::size_t longest_loss_streak = 0;
  // Mean exit_time − entry_time, seconds.
  std::optional<double> average_holding_seconds;
  std::optional<double> average_winner_holding_seconds;
  std::optional<double> average_loser_holding_seconds;
  // Mean MAE / MFE per unit, price units, over the trades whose MAE and MFE
  // are known (every stored trade; a trade list file may lack them).
  // Undefined without such trades.
  std::optional<double> average_mae;
  std::optional<double> average_mfe;
  // Edge ratio (C. Faith, "Way of the Turtle", 2007): mean normalized MFE /
  // mean normalized MAE. Faith normalizes by ATR at entry: when every trade
  // has an ATR (> 0) the ratio is mean(mfe/atr) / mean(mae/atr) and
  // edge_ratio_by_atr is true; otherwise (one normalizer for all trades, as
  // ATR- and price-normalized excursions are not comparable) the excursions
  // are normalized by the entry price, mean(mfe/entry) / mean(mae/entry).
  // Taken over the trades whose MAE and MFE are known. Undefined when there
  // are none, the normalized Σ mae == 0, or (entry-price rule) an entry
  // price is <= 0.
  std::optional<double> edge_ratio;
  bool edge_ratio_by_atr = false;
  // R statistics over the r_count trades whose R is known.
  std::size_t r_count = 0;
  std::optional<double> expectancy_r;   // mean R (Tharp's expectancy)
  std::optional<double> sqn;            // SystemQualityNumber
  std::optional<double> average_mae_r;  // over trades with mae_r
  std::optional<double> average_mfe_r;  // over trades with mfe_r
  std::optional<double> edge_ratio_r;   // average_mfe_r / average_mae_r (pairs only)
  double total_fees = 0.0;              // Σ fees, exact sum
  // total_fees / Σ max(gross_pnl, 0): the share of the profit before costs
  // that costs took. A fraction; undefined when no trade had a gross profit.
  std::optional<double> fees_fraction_of_gross_profit;
  // trades / days from the first entry to the last exit. Undefined without
  // trades or when that span is 0.
  std::optional<double> trades_per_day;
  std::optional<double> kelly_fraction;  // KellyFraction
  std::optional<Timestamp> first_entry;
  std::optional<Timestamp> last_exit;
};

// All trade statistics in one pass over `trades`, taken in exit order (the
// order TradeRepository::List returns; a span that is not sorted by
// exit_time is sorted first, so streaks always follow exit order). Never
// throws except Error(kInvalidArgument) for a non-finite number (price,
// excursion, ATR or R), naming the trade's index and field, or an exact
// money sum that leaves the Decimal range.
TradeSummary SummarizeTrades(std::span<const TradeSample> trades);

// ---------------------------------------------------------------------------
// Equity statistics.

// One month of the monthly returns table: E_close(month) / E_close(previous
// month, or the starting capital) − 1 (the compounded daily returns).
struct MonthlyReturn {
  int year = 0;
  unsigned month = 0;  // 1..12
  double value = 0.0;  // fraction
};

// One daily return with its UTC day (midnight).
struct DatedReturn {
  Timestamp date;
  double value = 0.0;
};

struct EquitySummary {
  std::optional<Timestamp> start_time;
  std::optional<Timestamp> end_time;
  std::optional<double> starting_equity;
  std::optional<double> ending_equity;
  std::optional<double> total_return;  // TotalReturn
  std::optional<double> cagr;          // AnnualizedReturn (365.25-day years)
  std::size_t return_count = 0;        // daily returns used
  double periods_per_year = kTradingDaysPerYear;
  std::optional<double> annualized_volatility;  // AnnualizedVolatility
  std::optional<double> sharpe_ratio;           // SharpeRatio
  std::optional<double> sortino_ratio;          // SortinoRatio
  std::optional<double> calmar_ratio;           // CalmarRatio
  std::optional<Drawdown> max_drawdown;         // MaxDrawdown (every point)
  // Longest span from a point at the high-water mark to the first later
  // point at or above it (or to the last point when never recovered), µs;
  // 0 for a curve that never falls. Measured on every point.
  std::optional<Micros> longest_underwater;
  std::optional<Timestamp> longest_underwater_start;
  std::optional<double> recovery_factor;  // RecoveryFactor
  std::optional<double> ulcer_index;      // UlcerIndex of the daily values
  std::optional<double> omega_ratio;      // OmegaRatio
  std::optional<double> tail_ratio;       // TailRatio
  std::optional<double> var_95;           // HistoricalVaR(0.95)
  std::optional<double> cvar_95;          // HistoricalCVaR(0.95)
  std::optional<double> skewness;         // Skewness
  std::optional<double> excess_kurtosis;  // ExcessKurtosis
  std::optional<DatedReturn> best_day;    // ties: the earliest
  std::optional<DatedReturn> worst_day;
  std::optional<MonthlyReturn> best_month;
  std::optional<MonthlyReturn> worst_month;
  std::optional<double> positive_days_fraction;  // count(r > 0) / N
  std::vector<MonthlyReturn> monthly_returns;    // oldest first
  bool returns_defined = true;  // false when DailyReturns is undefined (a base <= 0)
};

// Every equity statistic from one equity curve (sorted by time; first point
// = starting capital). Daily returns are DailyReturns'. Throws
// Error(kInvalidArgument) for an unsorted or non-finite curve or invalid
// periods_per_year.
EquitySummary SummarizeEquity(std::span<const EquityPoint> equity, double periods_per_year);

// Monthly returns of a curve (see MonthlyReturn). Empty when DailyReturns
// is undefined or empty. Throws like DailyCloses.
std::vector<MonthlyReturn> MonthlyReturns(std::span<const EquityPoint> equity);

// The underwater (drawdown) curve for charts: at every point of `equity`,
// (E_t − peak_t) / peak_t, a fraction <= 0, with the first point as the first
// peak (as MaxDrawdown). A point whose running peak is <= 0 has no defined
// fraction and is left out. Throws like DailyCloses.
std::vector<EquityPoint> UnderwaterCurve(std::span<const EquityPoint> equity);

// Combines the equity curves of several bots into one: at every time any
// curve has a point, the sum over curves of their latest equity, a curve
// contributing its starting equity before its first point (its capital is
// counted from the start of the combined curve, its P&L from its first
// point). Each curve must be sorted. Throws like DailyCloses.
std::vector<EquityPoint> CombineEquityCurves(const std::vector<std::vector<EquityPoint>>& curves);

// ---------------------------------------------------------------------------
// Ledger statistics.

// Sums by (currency, type) (LedgerSum of ledger.h), sorted by currency then
// type name (ToString(LedgerEntryType)). Exact Decimal
// sums; throws Error(kInvalidArgument) if a sum leaves the Decimal range.
std::vector<LedgerSum> SummarizeLedger(std::span<const LedgerEntry> entries);

// ---------------------------------------------------------------------------
// Breakdowns and rolling windows.

enum class BreakdownKey { kStrategy, kInstrument, kRegime, kExitReason, kSide, kWeekday, kHour };
// "strategy", "instrument", "regime", "exit_reason", "side", "weekday", "hour"
std::string_view ToString(BreakdownKey key) noexcept;

struct BreakdownRow {
  std::string key;  // e.g. "sma-cross", "long", "Mon", "14" (UTC hour of exit)
  TradeSummary summary;
};

struct Breakdown {
  BreakdownKey by = BreakdownKey::kStrategy;
  std::vector<BreakdownRow> rows;  // sorted by key (weekday Mon..Sun, hour 0..23)
};

// Trades grouped by `by`, each group summarized as SummarizeTrades does.
// Weekday and hour are of the exit time, UTC. Empty keys (e.g. an unknown
// regime) read "(none)".
Breakdown BreakdownTrades(std::span<const TradeSample> trades, BreakdownKey by);

// Every BreakdownKey, in enum order, in one pass over the trades (what
// ComputeStatistics uses). Throws like SummarizeTrades.
std::vector<Breakdown> BreakdownTradesByAllKeys(std::span<const TradeSample> trades);

// ---------------------------------------------------------------------------
// The whole report.

struct StatisticsOptions {
  double periods_per_year = kTradingDaysPerYear;  // finite, > 0
  std::size_t rolling_trades = 0;                 // 0: no trade window
  std::size_t rolling_days = 0;                   // 0: no day window
};

// A trailing window ending at the end of the data: the last N trades (by
// exit), or the last N days (trades exiting at or after end − N days, and
// the equity curve from its last point at or before end − N days).
struct RollingWindow {
  std::string label;  // "last 50 trades", "last 30 days"
  TradeSummary trades;
  std::optional<EquitySummary> equity;  // the day window only
};

struct StatisticsReport {
  TradeSummary trades;
  EquitySummary equity;
  std::vector<LedgerSum> ledger;
  std::vector<Breakdown> breakdowns;  // every BreakdownKey, in enum order
  std::vector<RollingWindow> rolling;
};

// Everything above. `trades` in any order, `equity` sorted by time,
// `ledger` any order. Throws Error(kInvalidArgument) for invalid options or
// input as the functions above do.
StatisticsReport ComputeStatistics(std::span<const TradeSample> trades,
                                   std::span<const EquityPoint> equity,
                                   std::span<const LedgerEntry> ledger,
                                   const StatisticsOptions& options = {});

// The report as tables for people (the CLI's text and CSV output, the HTML
// tearsheet): "Trades", "R-multiples and excursions", "Equity",
// "Drawdown", "Distribution of daily returns", "Monthly returns (%)",
// "Ledger", one "By <key>" table per non-empty breakdown, one per rolling
// window. Money 2 decimals, ratios 2 (3 for R), fractions shown as % with 2
// decimals, durations in days/hours, undefined "n/a".
std::vector<ReportTable> BuildReportTables(const StatisticsReport& report);

// Aligned text of the tables, each with its title, a blank line between.
std::string FormatTables(const std::vector<ReportTable>& tables);

// CSV (RFC 4180 quoting) of the tables: one record per cell row, prefixed by
// the table title: "table,<columns...>" header per table.
std::string TablesToCsv(const std::vector<ReportTable>& tables);

// The report as one JSON object: {"trades": {...}, "equity": {...},
// "ledger": [...], "breakdowns": {"strategy": [...], ...}, "rolling": [...]}
// with snake_case keys named as the struct fields, full double precision,
// ISO-8601 times, undefined = null. Decimal ledger sums are strings.
std::string StatisticsToJson(const StatisticsReport& report, int indent = -1);

}  // namespace tradestore
