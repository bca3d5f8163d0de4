// One function per performance statistic, on plain inputs (an equity curve,
// a series of returns, a few sums or counts): returns, Sharpe, Sortino,
// drawdown, CAGR, volatility, Calmar, Ulcer, Omega, quantiles, VaR, CVaR,
// skewness, kurtosis, Wilson bound, payoff ratio, Kelly, SQN, profit factor.
// Each doc comment names its formula's source. The performance report that
// combines them over closed trades, an equity curve and a ledger (and its
// text, CSV and JSON forms) is tradestore/performance_report.h; the storage
// statistics of `tradestore stats` are tradestore/storage_stats.h.
//
// Conventions that hold for every function in this header (and in
// performance_report.h):
//
//  * Undefined values are std::nullopt, never NaN, infinity or a made-up
//    number: a profit factor without losses, a Sharpe ratio of fewer than
//    two returns or of returns without variance, a CAGR over a zero time
//    span, and so on. Each function lists its cases.
//  * Money sums (trade P&L, fees, gross profit and loss, net profit) are
//    taken exactly in Decimal by the report (performance_report.h) and
//    converted with Decimal::ToDouble() once, at the end. The functions
//    here take those converted sums, ratios and returns as double.
//  * Fractions are fractions: 0.25 means 25 %. Only the report's text
//    tables show %.
//  * The risk-free rate (and the Sortino and Omega target return) is 0.
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
#include <vector>

#include "tradestore/timestamp.h"

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

// ---------------------------------------------------------------------------
// Trade statistics (the sums they take are performance_report.h's
// TradeSummary: exact Decimal sums over net trade P&L, converted once).

// Profit factor (Tharp, "Trade Your Way to Financial Freedom", 2nd ed. 2006;
// the common trading-text definition): gross_profit / |gross_loss| of net
// trade P&L, in [0, +inf). 0 when there are losses but no wins. Undefined
// (nullopt) when there are no losing trades (gross_loss == 0): only wins,
// neither wins nor losses (only breakeven trades), or no trades at all.
std::optional<double> ProfitFactor(double gross_profit, double gross_loss);

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

}  // namespace tradestore
