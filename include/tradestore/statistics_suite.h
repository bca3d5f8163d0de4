// The full statistics suite (issue 5 item 3): closed-trade statistics with
// R-multiples and excursions, equity-curve statistics, ledger sums,
// breakdowns and rolling windows, and the report tables shown by
// `tradestore report` (and reused by the HTML tearsheet).
//
// The conventions of include/tradestore/statistics.h hold here too:
// undefined values are std::nullopt (null in JSON, "n/a" in text), never NaN
// or a made-up number; fractions are fractions (0.25 = 25 %); the risk-free
// rate and every target return is 0; times are µs UTC and "day" is the UTC
// calendar day. Each statistic's doc comment names its formula's source.
// docs/statistics.md lists them all with the differences from freqtrade and
// quantstats.
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

#include "tradestore/ledger.h"
#include "tradestore/order_types.h"
#include "tradestore/report_table.h"
#include "tradestore/statistics.h"
#include "tradestore/timestamp.h"
#include "tradestore/trade.h"

namespace tradestore {

// ---------------------------------------------------------------------------
// Input: one closed trade, as the statistics read it.

// A closed trade reduced to what the statistics need. Money is double in the
// trade's quote currency. R values are in multiples of the trade's initial
// risk (Van Tharp's R); they are optional because a trade without an initial
// stop has no R: every R statistic is computed over the trades whose R is
// known and is undefined when none is.
struct TradeSample {
  double net_pnl = 0.0;    // gross_pnl - fees
  double gross_pnl = 0.0;  // before fees
  double fees = 0.0;       // >= 0 for ordinary fees (a rebate is negative)
  Side side = Side::kBuy;  // buy = long
  Timestamp entry_time;
  Timestamp exit_time;
  double entry_price = 0.0;  // > 0 for the excursion-based edge ratio
  // Average true range at entry, price units, > 0 (Trade::atr); the edge
  // ratio's normalizer when every trade has one.
  std::optional<double> atr;
  // Maximum adverse / favourable excursion per unit, price units, >= 0
  // (Trade::mae / Trade::mfe).
  double mae = 0.0;
  double mfe = 0.0;
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
// Single statistics on plain inputs (each one formula).

// Wilson score interval lower bound of a binomial proportion (E. B. Wilson,
// "Probable Inference, the Law of Succession, and Statistical Inference",
// JASA 22(158), 1927):
//
//   (p + z²/2n − z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n),   p = wins / n
//
// z = 1.959963984540054 for 95 % (two-sided). A fraction in [0, 1].
// Undefined for n == 0. Throws Error(kInvalidArgument) if wins > n or z <= 0.
std::optional<double> WilsonLowerBound(std::size_t wins, std::size_t n,
                                       double z = 1.959963984540054);

// Payoff ratio: average win / |average loss| (Tharp). Undefined when either
// is undefined or the average loss is 0.
std::optional<double> PayoffRatio(std::optional<double> average_win,
                                  std::optional<double> average_loss);

// Kelly fraction (J. L. Kelly, "A New Interpretation of Information Rate",
// Bell System Technical Journal 35(4), 1956), in its trading form:
//
//   f* = W − (1 − W) / b,   W = wins / (wins + losses),  b = payoff ratio
//
// which is the growth-optimal fraction for a two-outcome bet (breakeven
// trades change nothing and are left out). A fraction of capital; negative
// means no edge. Undefined when b is undefined (no wins or no losses).
std::optional<double> KellyFraction(std::size_t wins, std::size_t losses,
                                    std::optional<double> payoff_ratio);

// System Quality Number (Van K. Tharp, "The Definitive Guide to Position
// Sizing", 2008): √N · mean(R) / s(R) over the N R-multiples, s with divisor
// N − 1. Not capped at N = 100 (Tharp's later "SQN score" caps N; see
// docs/statistics.md). Undefined for N < 2 or zero variance (s <= 1e-10 ·
// max|R|). Throws Error(kInvalidArgument) for a non-finite R.
std::optional<double> SystemQualityNumber(std::span<const double> r_multiples);

// Annualized volatility: s(r) · √(periods_per_year), s the sample standard
// deviation (divisor N − 1). A fraction per year. Undefined for N < 2.
// Throws like SharpeRatio.
std::optional<double> AnnualizedVolatility(std::span<const double> returns,
                                           double periods_per_year);

// Calmar ratio (T. W. Young, "Calmar Ratio: A Smoother Tool", Futures 20(1),
// 1991): CAGR / max drawdown fraction, over the whole period (Young used the
// last 36 months). Undefined when either is undefined or the drawdown is 0.
std::optional<double> CalmarRatio(std::optional<double> cagr,
                                  std::optional<double> max_drawdown_fraction);

// Recovery factor: net profit / max drawdown, both in currency
// (E_last − E_first over the absolute max drawdown). Undefined when the
// drawdown is 0.
std::optional<double> RecoveryFactor(double net_profit, double max_drawdown);

// Ulcer index (P. G. Martin and B. B. McCann, "The Investor's Guide to
// Fidelity Funds", 1989; Martin 1987): √(Σ D_i² / N) where D_i = (E_i −
// peak_i) / peak_i is the drawdown of value i (a fraction <= 0) and the
// running peak starts at the first value. `values` is the series of daily
// values (starting capital, then daily closes). A fraction (Martin states it
// in percent: ×100). Undefined for an empty series or a peak <= 0.
std::optional<double> UlcerIndex(std::span<const double> values);

// Omega ratio at threshold 0 (C. Keating and W. F. Shadwick, "A Universal
// Performance Measure", Journal of Performance Measurement 6(3), 2002), on
// the discrete returns: Σ max(r, 0) / Σ max(−r, 0). Undefined without a
// negative return. Throws Error(kInvalidArgument) for a non-finite return.
std::optional<double> OmegaRatio(std::span<const double> returns);

// The q-quantile (0 <= q <= 1) with linear interpolation between order
// statistics (Hyndman & Fan 1996 definition 7, numpy's default):
// h = (N − 1)·q, x_⌊h⌋ + (h − ⌊h⌋)(x_⌊h⌋+1 − x_⌊h⌋) of the sorted values.
// Undefined for an empty span. Throws Error(kInvalidArgument) for q outside
// [0, 1] or a non-finite value.
std::optional<double> Quantile(std::span<const double> values, double q);

// Tail ratio (quantstats): |Q(0.95) / Q(0.05)| of the returns, Quantile as
// above. Undefined for fewer than 2 returns or Q(0.05) == 0.
std::optional<double> TailRatio(std::span<const double> returns);

// Historical value at risk at `confidence` (Jorion, "Value at Risk", 3rd ed.
// 2006): the (1 − confidence)-quantile of the returns (Quantile above), a
// return (negative = loss), not its absolute value. Undefined when empty.
std::optional<double> HistoricalVaR(std::span<const double> returns, double confidence = 0.95);

// Conditional value at risk / expected shortfall (Rockafellar and Uryasev,
// "Optimization of Conditional Value-at-Risk", Journal of Risk 2(3), 2000),
// historical: the mean of the returns <= HistoricalVaR. A return (negative =
// loss). Undefined when empty.
std::optional<double> HistoricalCVaR(std::span<const double> returns, double confidence = 0.95);

// Sample skewness, the adjusted Fisher-Pearson coefficient G1 (D. N. Joanes
// and C. A. Gill, "Comparing measures of sample skewness and kurtosis", The
// Statistician 47(1), 1998; pandas' Series.skew):
//   G1 = √(N(N−1)) / (N−2) · m3 / m2^(3/2),  m_k = Σ (x − mean)^k / N.
// Undefined for N < 3 or zero variance.
std::optional<double> Skewness(std::span<const double> values);

// Sample excess kurtosis G2 (Joanes and Gill 1998; pandas' Series.kurt):
//   G2 = (N−1) / ((N−2)(N−3)) · ((N+1) · (m4/m2² − 3) + 6).
// 0 for a normal distribution. Undefined for N < 4 or zero variance.
std::optional<double> ExcessKurtosis(std::span<const double> values);

// ---------------------------------------------------------------------------
// Trade statistics.

struct TradeSummary {
  std::size_t trade_count = 0;
  std::size_t long_count = 0;
  std::size_t short_count = 0;
  std::size_t wins = 0;                        // net_pnl > 0
  std::size_t losses = 0;                      // net_pnl < 0
  std::size_t breakeven = 0;                   // net_pnl == 0
  std::optional<double> win_rate;              // wins / trades (WinRate)
  std::optional<double> win_rate_lower_bound;  // WilsonLowerBound(wins, trades), 95 %
  double gross_profit = 0.0;                   // Σ net_pnl of wins, >= 0
  double gross_loss = 0.0;                     // Σ net_pnl of losses, <= 0
  double net_profit = 0.0;                     // Σ net_pnl
  std::optional<double> profit_factor;         // ProfitFactor
  std::optional<double> average_win;           // gross_profit / wins
  std::optional<double> average_loss;          // gross_loss / losses (<= 0)
  std::optional<double> payoff_ratio;          // PayoffRatio
  std::optional<double> expectancy;            // net_profit / trades, currency
  std::optional<double> largest_win;           // max net_pnl of wins
  std::optional<double> largest_loss;          // min net_pnl of losses (<= 0)
  // Longest runs of consecutive wins / losses in exit order (a breakeven
  // trade ends both runs). 0 without wins / losses.
  std::size_t longest_win_streak = 0;
  std::size_t longest_loss_streak = 0;
  // Mean exit_time − entry_time, seconds.
  std::optional<double> average_holding_seconds;
  std::optional<double> average_winner_holding_seconds;
  std::optional<double> average_loser_holding_seconds;
  // Mean MAE / MFE per unit, price units (undefined without trades).
  std::optional<double> average_mae;
  std::optional<double> average_mfe;
  // Edge ratio (C. Faith, "Way of the Turtle", 2007): mean normalized MFE /
  // mean normalized MAE. Faith normalizes by ATR at entry: when every trade
  // has an ATR (> 0) the ratio is mean(mfe/atr) / mean(mae/atr) and
  // edge_ratio_by_atr is true; otherwise (one normalizer for all trades, as
  // ATR- and price-normalized excursions are not comparable) the excursions
  // are normalized by the entry price, mean(mfe/entry) / mean(mae/entry).
  // Undefined when the normalized Σ mae == 0, or (entry-price rule) an
  // entry price is <= 0.
  std::optional<double> edge_ratio;
  bool edge_ratio_by_atr = false;
  // R statistics over the r_count trades whose R is known.
  std::size_t r_count = 0;
  std::optional<double> expectancy_r;   // mean R (Tharp's expectancy)
  std::optional<double> sqn;            // SystemQualityNumber
  std::optional<double> average_mae_r;  // over trades with mae_r
  std::optional<double> average_mfe_r;  // over trades with mfe_r
  std::optional<double> edge_ratio_r;   // average_mfe_r / average_mae_r (pairs only)
  double total_fees = 0.0;              // Σ fees
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
// throws except Error(kInvalidArgument) for a non-finite number, naming the
// trade's index and field.
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
