// Performance statistics of closed trades and of an equity curve: pure
// functions, no database. The full suite built on these (R-multiples, SQN,
// excursions, Wilson bound, Calmar, Ulcer, Omega, VaR, breakdowns, rolling
// windows, report tables) is in tradestore/statistics_suite.h.
//
// Conventions that hold for every function in this header:
//
//  * Undefined values are std::nullopt, never NaN, infinity or a made-up
//    number: a win rate without trades, a profit factor without losses, a
//    Sharpe ratio of fewer than two returns or of returns without variance, a
//    CAGR over a zero time span, and so on. Each function lists its cases.
//  * Money in (Trade::net_pnl, gross_pnl, fees) is exact Decimal; sums are
//    taken exactly in Decimal and converted with Decimal::ToDouble() once at
//    the end. Money out and every statistic is double, in the trades' quote
//    currency (or the equity curve's currency).
//  * Fractions are fractions: 0.25 means 25 %. Only FormatReport shows %.
//  * The risk-free rate (and the Sortino target return) is 0.
//  * Times are tradestore::Timestamp (int64 microseconds, UTC); "day" means
//    the UTC calendar day [00:00Z, 24:00Z).
//  * Bad input (an equity curve out of time order, a non-finite equity or
//    return, periods_per_year <= 0) throws tradestore::Error of kind
//    kInvalidArgument naming the offending index and value. Degenerate but
//    valid input (empty, one point, no losses, zero variance) never throws.
//
// Thread safety: all functions are pure and may be called concurrently.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tradestore/timestamp.h"
#include "tradestore/trade.h"

namespace tradestore {

// One point of an equity curve: account value (cash plus the marked value of
// open positions) at `time`, in the account's currency. A curve is a sequence
// sorted by time (equal times allowed; the later element wins); its first
// point is the starting capital.
struct EquityPoint {
  Timestamp time;
  double equity = 0.0;
};

// Default annualization factors for daily returns: trading days of an
// exchange-traded market, and calendar days of a 24/7 market (crypto).
inline constexpr double kTradingDaysPerYear = 252.0;
inline constexpr double kCalendarDaysPerYear = 365.0;
// The length of a year used by AnnualizedReturn (Julian year).
inline constexpr double kDaysPerYear = 365.25;

struct PerformanceOptions {
  // How many daily-return periods make a year, used to annualize Sharpe and
  // Sortino: 252 for exchange-traded markets, 365 for 24/7 crypto markets.
  // Must be finite and > 0.
  double periods_per_year = kTradingDaysPerYear;
};

// ---------------------------------------------------------------------------
// Trade statistics.

// Counts and sums over closed trades. A trade is a win if net_pnl > 0, a loss
// if net_pnl < 0 and breakeven if net_pnl == 0 (exact Decimal comparison, so
// fees can turn a gross winner into a net loser). Long = Side::kBuy, short =
// Side::kSell.
struct TradeStatistics {
  std::size_t trade_count = 0;
  std::size_t long_count = 0;
  std::size_t short_count = 0;
  std::size_t wins = 0;
  std::size_t losses = 0;
  std::size_t breakeven = 0;
  // Sum of net_pnl over winning trades: >= 0.
  double gross_profit = 0.0;
  // Sum of net_pnl over losing trades: <= 0 (kept negative, as the sum it
  // is; ProfitFactor divides by its absolute value).
  double gross_loss = 0.0;
  // Sum of net_pnl over all trades (= gross_profit + gross_loss).
  double net_profit = 0.0;
  // Sum of fees over all trades: >= 0 for ordinary fees, negative when
  // rebates exceed fees.
  double total_fees = 0.0;
};

// Counts and sums `trades` as described at TradeStatistics. Never throws
// except Error(kInvalidArgument) if an exact Decimal sum leaves the Decimal
// range.
TradeStatistics ComputeTradeStatistics(std::span<const Trade> trades);

// Win rate: wins / trade_count, a fraction in [0, 1]. Breakeven trades count
// in the denominator. Undefined (nullopt) without trades.
std::optional<double> WinRate(const TradeStatistics& stats);

// Profit factor (Tharp, "Trade Your Way to Financial Freedom", 2nd ed. 2006;
// the common trading-text definition): gross_profit / |gross_loss| of net
// trade P&L, in [0, +inf). 0 when there are losses but no wins. Undefined
// (nullopt) when there are no losing trades (gross_loss == 0): only wins,
// neither wins nor losses (only breakeven trades), or no trades at all.
std::optional<double> ProfitFactor(double gross_profit, double gross_loss);

// Average winning trade: gross_profit / wins (>= 0). Undefined without wins.
std::optional<double> AverageWin(const TradeStatistics& stats);

// Average losing trade: gross_loss / losses (<= 0, negative like gross_loss).
// Undefined without losses.
std::optional<double> AverageLoss(const TradeStatistics& stats);

// Expectancy per trade in currency: net_profit / trade_count, the mean net
// P&L of a trade. Equals win_rate * average_win + loss_rate * average_loss
// (Tharp's expectancy expressed in currency rather than in R-multiples;
// breakeven trades contribute 0). Undefined without trades.
std::optional<double> Expectancy(const TradeStatistics& stats);

// ---------------------------------------------------------------------------
// Returns.

// The last point of each UTC calendar day that has at least one point, in
// order; days without points are absent (calendar gaps are not filled).
// Throws Error(kInvalidArgument) if `equity` is not sorted by time or holds a
// non-finite equity.
std::vector<EquityPoint> DailyCloses(std::span<const EquityPoint> equity);

// Daily simple returns of an equity curve, risk-free rate 0.
//
// The series of values is: the first point (the starting capital), then the
// last equity of each UTC day that has a point (DailyCloses), and
// r_i = V_i / V_{i-1} - 1 between consecutive values. The first day's return
// is measured against the first point; if the first point is alone on its
// day, that day is only the base and yields no return. Days without points
// are skipped, not filled: the return after a gap spans the whole gap (so a
// weekend with no points adds no zero returns).
//
// Returns an empty vector for an empty curve or one whose points all lie on
// its first day with nothing after the first point. Returns nullopt
// (undefined) if any base V_{i-1} is <= 0: a return on non-positive capital
// has no meaning, and dropping it silently would bias every statistic built
// on the series. Throws Error(kInvalidArgument) like DailyCloses.
std::optional<std::vector<double>> DailyReturns(std::span<const EquityPoint> equity);

// Sharpe ratio (W. F. Sharpe, "Mutual Fund Performance", Journal of
// Business 39(1), 1966; "The Sharpe Ratio", Journal of Portfolio Management
// 21(1), 1994) of per-period returns with risk-free rate 0, annualized by
// the square-root-of-time rule:
//
//   Sharpe = mean(r) / s(r) * sqrt(periods_per_year)
//
// where s is the sample standard deviation (divisor N - 1). `returns` are
// simple returns as fractions (0.01 = 1 %), one per period.
//
// Undefined (nullopt) with fewer than 2 returns or zero variance. Variance
// counts as zero when s <= 1e-10 * max|r_i|: returns computed from doubles
// that are equal on paper differ by rounding noise, and a ratio of that
// noise would be a made-up number. Throws Error(kInvalidArgument) if
// periods_per_year is not finite and > 0 or a return is not finite.
std::optional<double> SharpeRatio(std::span<const double> returns, double periods_per_year);

// Sortino ratio (F. A. Sortino and R. van der Meer, "Downside Risk",
// Journal of Portfolio Management 17(4), 1991; Sortino and Price,
// "Performance Measurement in a Downside Risk Framework", Journal of
// Investing 3(3), 1994) with target return 0, annualized like Sharpe:
//
//   DD      = sqrt( sum_i min(r_i, 0)^2 / N )     over all N periods
//   Sortino = mean(r) / DD * sqrt(periods_per_year)
//
// The downside deviation divides by all N periods, not only the negative
// ones. Undefined (nullopt) with fewer than 2 returns, or when DD == 0 (no
// negative return). Throws like SharpeRatio.
std::optional<double> SortinoRatio(std::span<const double> returns, double periods_per_year);

// Downside deviation as defined at SortinoRatio (per period, not
// annualized). Undefined for an empty span. Throws Error(kInvalidArgument)
// for a non-finite return.
std::optional<double> DownsideDeviation(std::span<const double> returns);

// Total return of a curve: E_last / E_first - 1, a fraction. Undefined for
// an empty curve or E_first <= 0. Throws like DailyCloses.
std::optional<double> TotalReturn(std::span<const EquityPoint> equity);

// Compound annual growth rate (the standard definition):
//
//   CAGR = (E_last / E_first) ^ (1 / years) - 1,
//   years = (t_last - t_first) / 365.25 days
//
// a fraction per year. -1 if E_last == 0 (everything lost). Undefined for an
// empty curve, a zero time span, E_first <= 0, E_last < 0, or when the
// result overflows a double (a huge gain over a very short span). Note
// that over spans much shorter than a year CAGR extrapolates wildly.
// Throws like DailyCloses.
std::optional<double> AnnualizedReturn(std::span<const EquityPoint> equity);

// ---------------------------------------------------------------------------
// Drawdown.

// Maximum drawdown of an equity curve, over every point (not only daily
// closes). The running peak (high-water mark) starts at the first point
// (the starting capital):
//
//   peak_t     = max(E_0, ..., E_t)
//   drawdown_t = peak_t - E_t                 (currency, >= 0)
//   fraction_t = (peak_t - E_t) / peak_t      (defined only where peak_t > 0)
//
// max_drawdown and max_drawdown_fraction are maximized separately and can
// come from different episodes: a 100 drop from 1000 (10 %) is larger in
// currency but smaller as a fraction than a 60 drop from 300 (20 %). The
// times describe the episode of the maximum fraction; if no drawdown has a
// defined fraction (it happened only while the peak was <= 0, e.g. a
// cumulative P&L curve that starts at 0 and goes down first) they describe
// the episode of the maximum absolute drawdown. Ties keep the earliest
// episode.
//
// Negative equity is allowed: the drawdown keeps growing, and the fraction
// exceeds 1 once equity falls below zero (a 1000 account at -200 is 1.2).
struct Drawdown {
  // Largest peak_t - E_t, currency, >= 0; 0 for a curve that never falls.
  double max_drawdown = 0.0;
  // Largest fraction_t, >= 0; undefined if peak_t <= 0 at every point.
  std::optional<double> max_drawdown_fraction;
  // The reported episode: the time of its peak (the latest point at the
  // high-water mark before the trough), of its trough (the lowest point),
  // and of its recovery (the first point after the trough at or above the
  // peak's equity; nullopt while not recovered). All nullopt when the curve
  // never falls below its running peak.
  std::optional<Timestamp> peak_time;
  std::optional<Timestamp> trough_time;
  std::optional<Timestamp> recovery_time;
  // Equity at the reported peak and trough (0 when there is no episode).
  double peak_equity = 0.0;
  double trough_equity = 0.0;
};

// Maximum drawdown as described at Drawdown. Undefined (nullopt) for an
// empty curve; a single point gives a zero drawdown. Throws like
// DailyCloses.
std::optional<Drawdown> MaxDrawdown(std::span<const EquityPoint> equity);

// ---------------------------------------------------------------------------
// The whole report.

// Everything above in one value. Trade fields come from the trades, the
// rest from the equity curve; the two inputs are not cross-checked (the
// trades need not explain the curve, e.g. deposits or open positions).
struct PerformanceReport {
  // Trades (see TradeStatistics and the functions named in comments).
  std::size_t trade_count = 0;
  std::size_t long_count = 0;
  std::size_t short_count = 0;
  std::size_t wins = 0;
  std::size_t losses = 0;
  std::size_t breakeven = 0;
  std::optional<double> win_rate;  // WinRate, fraction
  double gross_profit = 0.0;       // >= 0
  double gross_loss = 0.0;         // <= 0
  double net_profit = 0.0;
  double total_fees = 0.0;
  std::optional<double> profit_factor;  // ProfitFactor
  std::optional<double> average_win;    // AverageWin, >= 0
  std::optional<double> average_loss;   // AverageLoss, <= 0
  std::optional<double> expectancy;     // Expectancy, currency per trade

  // Equity curve: first and last point; all undefined for an empty curve.
  std::optional<Timestamp> start_time;
  std::optional<Timestamp> end_time;
  std::optional<double> starting_equity;
  std::optional<double> ending_equity;
  std::optional<double> total_return;       // TotalReturn, fraction
  std::optional<double> annualized_return;  // AnnualizedReturn (CAGR), fraction per year

  // MaxDrawdown; max_drawdown is undefined only for an empty curve.
  std::optional<double> max_drawdown;           // currency, >= 0
  std::optional<double> max_drawdown_fraction;  // fraction
  std::optional<Timestamp> drawdown_peak_time;
  std::optional<Timestamp> drawdown_trough_time;
  std::optional<Timestamp> drawdown_recovery_time;  // nullopt: not recovered

  // Risk-adjusted returns of DailyReturns, annualized with periods_per_year.
  std::size_t return_count = 0;  // number of daily returns used
  double periods_per_year = kTradingDaysPerYear;
  std::optional<double> sharpe_ratio;   // SharpeRatio
  std::optional<double> sortino_ratio;  // SortinoRatio
};

// Computes every statistic of the report from closed `trades` (any order)
// and an `equity` curve (sorted by time; first point = starting capital).
// Either may be empty. Throws Error(kInvalidArgument) for an unsorted or
// non-finite curve or an invalid options.periods_per_year.
PerformanceReport ComputePerformance(std::span<const Trade> trades,
                                     std::span<const EquityPoint> equity,
                                     const PerformanceOptions& options = {});

// A human-readable, aligned text table, one statistic per line ending in
// '\n', e.g. "Trades             12 (long 7 / short 5)" and
// "Win rate           41.67 %". Money has 2 decimals, ratios 2, fractions
// are shown as percentages with 2 decimals, times as ISO-8601; undefined
// values read "n/a". For exact values use ReportToJson.
std::string FormatReport(const PerformanceReport& report);

// The report as one JSON object whose keys are the PerformanceReport field
// names (snake_case, e.g. "win_rate", "sharpe_ratio"). Numbers are JSON
// numbers at full double precision, fractions stay fractions, times are
// ISO-8601 strings ("2024-01-02T00:00:00Z"), undefined values are null.
// `indent` < 0 gives compact output, >= 0 pretty-prints with that many
// spaces.
std::string ReportToJson(const PerformanceReport& report, int indent = -1);

}  // namespace tradestore
