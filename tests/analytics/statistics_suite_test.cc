// The statistics suite against independently computed values: the fixtures
// and expected values in reference/stats_reference_data.h come from
// reference/stats_reference.py (the published formulas, Python stdlib);
// small cases are checked by hand in the comments; degenerate inputs give
// undefined values, never made-up numbers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analytics/reference/stats_reference_data.h"
#include "analytics/statistics_test_util.h"
#include "tradestore/error.h"
#include "tradestore/performance_report.h"

namespace tradestore {
namespace {

using ::testing::HasSubstr;
using testing_util::At;
using testing_util::MakeTrade;
namespace ref = stats_reference;

// Python sums in another order (and exactly, in statistics.mean): allow a
// relative difference of 1e-9.
void Near(const std::optional<double>& actual, const std::optional<double>& expected,
          const char* what) {
  if (!expected) {
    EXPECT_EQ(actual, std::nullopt) << what;
    return;
  }
  ASSERT_TRUE(actual.has_value()) << what << ": expected " << *expected << ", got undefined";
  EXPECT_NEAR(*actual, *expected, std::abs(*expected) * 1e-9 + 1e-12) << what;
}
#define NEAR_REF(actual, expected) Near(actual, expected, #actual)

std::vector<TradeSample> RefSamples() {
  std::vector<TradeSample> out;
  for (const ref::RefTrade& t : ref::Trades()) {
    TradeSample s;
    s.net_pnl = Decimal::FromDouble(t.net);
    s.fees = Decimal::FromDouble(t.fees);
    s.gross_pnl = Decimal::FromDouble(t.gross);
    s.side = t.is_long ? Side::kBuy : Side::kSell;
    s.entry_time = Timestamp(t.entry);
    s.exit_time = Timestamp(t.exit);
    s.entry_price = t.entry_price;
    s.mae = t.mae;
    s.mfe = t.mfe;
    s.r_multiple = t.r;
    s.mae_r = t.mae_r;
    s.mfe_r = t.mfe_r;
    s.strategy = t.strategy;
    s.instrument = t.instrument;
    s.exit_reason = t.exit_reason;
    s.regime = t.regime;
    out.push_back(s);
  }
  return out;
}

LedgerEntry Entry(LedgerEntryType type, const char* currency, Decimal amount) {
  LedgerEntry e;
  e.type = type;
  e.currency = currency;
  e.amount = amount;
  return e;
}

std::vector<EquityPoint> RefCurve() {
  std::vector<EquityPoint> out;
  for (const ref::RefPoint& p : ref::Curve()) out.push_back({Timestamp(p.time), p.equity});
  return out;
}

void ExpectReferenceTrades(const TradeSummary& s) {
  namespace x = ref::trades;
  EXPECT_EQ(s.trade_count, x::trade_count);
  EXPECT_EQ(s.long_count, x::long_count);
  EXPECT_EQ(s.short_count, x::short_count);
  EXPECT_EQ(s.wins, x::wins);
  EXPECT_EQ(s.losses, x::losses);
  EXPECT_EQ(s.breakeven, x::breakeven);
  NEAR_REF(s.win_rate, x::win_rate);
  NEAR_REF(s.win_rate_lower_bound, x::win_rate_lower_bound);
  NEAR_REF(s.gross_profit, x::gross_profit);
  NEAR_REF(s.gross_loss, x::gross_loss);
  NEAR_REF(s.net_profit, x::net_profit);
  NEAR_REF(s.profit_factor, x::profit_factor);
  NEAR_REF(s.average_win, x::average_win);
  NEAR_REF(s.average_loss, x::average_loss);
  NEAR_REF(s.payoff_ratio, x::payoff_ratio);
  NEAR_REF(s.expectancy, x::expectancy);
  NEAR_REF(s.largest_win, x::largest_win);
  NEAR_REF(s.largest_loss, x::largest_loss);
  EXPECT_EQ(s.longest_win_streak, x::longest_win_streak);
  EXPECT_EQ(s.longest_loss_streak, x::longest_loss_streak);
  NEAR_REF(s.average_holding_seconds, x::average_holding_seconds);
  NEAR_REF(s.average_winner_holding_seconds, x::average_winner_holding_seconds);
  NEAR_REF(s.average_loser_holding_seconds, x::average_loser_holding_seconds);
  NEAR_REF(s.average_mae, x::average_mae);
  NEAR_REF(s.average_mfe, x::average_mfe);
  NEAR_REF(s.edge_ratio, x::edge_ratio);
  EXPECT_EQ(s.r_count, x::r_count);
  NEAR_REF(s.expectancy_r, x::expectancy_r);
  NEAR_REF(s.sqn, x::sqn);
  NEAR_REF(s.average_mae_r, x::average_mae_r);
  NEAR_REF(s.average_mfe_r, x::average_mfe_r);
  NEAR_REF(s.edge_ratio_r, x::edge_ratio_r);
  NEAR_REF(s.total_fees, x::total_fees);
  NEAR_REF(s.fees_fraction_of_gross_profit, x::fees_fraction_of_gross_profit);
  NEAR_REF(s.trades_per_day, x::trades_per_day);
  NEAR_REF(s.kelly_fraction, x::kelly_fraction);
}

TEST(SummarizeTradesTest, MatchesTheReferenceScript) {
  // The fixture is deliberately not in exit order: streaks follow exit order.
  const std::vector<TradeSample> samples = RefSamples();
  ASSERT_FALSE(std::is_sorted(
      samples.begin(), samples.end(),
      [](const TradeSample& a, const TradeSample& b) { return a.exit_time < b.exit_time; }));
  ExpectReferenceTrades(SummarizeTrades(samples));
}

TEST(SummarizeTradesTest, SortedInputGivesTheSameAnswer) {
  std::vector<TradeSample> samples = RefSamples();
  std::stable_sort(samples.begin(), samples.end(), [](const TradeSample& a, const TradeSample& b) {
    return a.exit_time < b.exit_time;
  });
  ExpectReferenceTrades(SummarizeTrades(samples));
}

void ExpectGroups(const Breakdown& b, const std::vector<ref::RefGroup>& expected) {
  ASSERT_EQ(b.rows.size(), expected.size()) << ToString(b.by);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(expected[i].key);
    EXPECT_EQ(b.rows[i].key, expected[i].key);
    EXPECT_EQ(b.rows[i].summary.trade_count, expected[i].trade_count);
    NEAR_REF(b.rows[i].summary.net_profit, expected[i].net_profit);
    NEAR_REF(b.rows[i].summary.win_rate, expected[i].win_rate);
    NEAR_REF(b.rows[i].summary.profit_factor, expected[i].profit_factor);
    NEAR_REF(b.rows[i].summary.expectancy_r, expected[i].expectancy_r);
  }
}

TEST(BreakdownTradesTest, MatchTheReferenceScript) {
  const std::vector<TradeSample> samples = RefSamples();
  ExpectGroups(BreakdownTrades(samples, BreakdownKey::kStrategy), ref::ByStrategy());
  ExpectGroups(BreakdownTrades(samples, BreakdownKey::kWeekday), ref::ByWeekday());
  ExpectGroups(BreakdownTrades(samples, BreakdownKey::kHour), ref::ByHour());
  ExpectGroups(BreakdownTrades(samples, BreakdownKey::kRegime), ref::ByRegime());
}

TEST(BreakdownTradesTest, SidesAndExitReasonsPartitionTheTrades) {
  const std::vector<TradeSample> samples = RefSamples();
  const Breakdown side = BreakdownTrades(samples, BreakdownKey::kSide);
  ASSERT_EQ(side.rows.size(), 2u);
  EXPECT_EQ(side.rows[0].key, "long");
  EXPECT_EQ(side.rows[0].summary.trade_count, ref::trades::long_count);
  EXPECT_EQ(side.rows[1].key, "short");
  EXPECT_EQ(side.rows[1].summary.trade_count, ref::trades::short_count);
  const Breakdown reasons = BreakdownTrades(samples, BreakdownKey::kExitReason);
  std::size_t total = 0;
  double net = 0.0;
  for (const BreakdownRow& r : reasons.rows) {
    total += r.summary.trade_count;
    net += r.summary.net_profit;
  }
  EXPECT_EQ(total, ref::trades::trade_count);
  NEAR_REF(net, ref::trades::net_profit);
}

TEST(BreakdownTradesTest, ManyGroupsAreSortedAndCounted) {
  // 40 instruments (past the linear-scan limit, so the hash path), keys
  // interleaved: instrument k gets k + 1 trades of +1 each.
  std::vector<TradeSample> t;
  for (int round = 0; round < 40; ++round) {
    for (int k = round; k < 40; ++k) {
      TradeSample s;
      s.net_pnl = Decimal::FromInt(1);
      s.instrument = "I" + std::to_string(100 + k);
      s.exit_time = At(2024, 1, 1) + static_cast<Micros>(t.size()) * kMicrosPerMinute;
      s.entry_time = s.exit_time;
      t.push_back(s);
    }
  }
  const Breakdown b = BreakdownTrades(t, BreakdownKey::kInstrument);
  ASSERT_EQ(b.rows.size(), 40u);
  for (int k = 0; k < 40; ++k) {
    EXPECT_EQ(b.rows[k].key, "I" + std::to_string(100 + k));
    EXPECT_EQ(b.rows[k].summary.trade_count, static_cast<std::size_t>(k + 1));
    EXPECT_EQ(b.rows[k].summary.longest_win_streak, static_cast<std::size_t>(k + 1));
  }
}

void ExpectReferenceEquity(const EquitySummary& e, const ref::EquityRef& x) {
  NEAR_REF(e.total_return, x.total_return);
  NEAR_REF(e.cagr, x.cagr);
  EXPECT_EQ(e.return_count, x.return_count);
  NEAR_REF(e.annualized_volatility, x.annualized_volatility);
  NEAR_REF(e.sharpe_ratio, x.sharpe_ratio);
  NEAR_REF(e.sortino_ratio, x.sortino_ratio);
  NEAR_REF(e.calmar_ratio, x.calmar_ratio);
  ASSERT_TRUE(e.max_drawdown.has_value());
  NEAR_REF(e.max_drawdown->max_drawdown, x.max_drawdown);
  NEAR_REF(e.max_drawdown->max_drawdown_fraction, x.max_drawdown_fraction);
  EXPECT_EQ(e.max_drawdown->peak_time, Timestamp(x.drawdown_peak_time));
  EXPECT_EQ(e.max_drawdown->trough_time, Timestamp(x.drawdown_trough_time));
  EXPECT_EQ(e.max_drawdown->recovery_time.has_value(), x.drawdown_recovery_time.has_value());
  EXPECT_EQ(e.longest_underwater, x.longest_underwater);
  EXPECT_EQ(e.longest_underwater_start, Timestamp(x.longest_underwater_start));
  NEAR_REF(e.recovery_factor, x.recovery_factor);
  NEAR_REF(e.ulcer_index, x.ulcer_index);
  NEAR_REF(e.omega_ratio, x.omega_ratio);
  NEAR_REF(e.tail_ratio, x.tail_ratio);
  NEAR_REF(e.var_95, x.var_95);
  NEAR_REF(e.cvar_95, x.cvar_95);
  // Third and fourth moments of ~100 returns near zero: an absolute bound.
  ASSERT_TRUE(e.skewness && e.excess_kurtosis);
  EXPECT_NEAR(*e.skewness, x.skewness, 1e-9);
  EXPECT_NEAR(*e.excess_kurtosis, x.excess_kurtosis, 1e-9);
  ASSERT_TRUE(e.best_day && e.worst_day);
  EXPECT_EQ(e.best_day->date, Timestamp(x.best_day_date));
  NEAR_REF(e.best_day->value, x.best_day_value);
  EXPECT_EQ(e.worst_day->date, Timestamp(x.worst_day_date));
  NEAR_REF(e.worst_day->value, x.worst_day_value);
  NEAR_REF(e.positive_days_fraction, x.positive_days_fraction);
  ASSERT_EQ(e.monthly_returns.size(), x.monthly.size());
  for (std::size_t i = 0; i < x.monthly.size(); ++i) {
    EXPECT_EQ(e.monthly_returns[i].year, x.monthly[i].year);
    EXPECT_EQ(e.monthly_returns[i].month, x.monthly[i].month);
    NEAR_REF(e.monthly_returns[i].value, x.monthly[i].value);
  }
  ASSERT_TRUE(e.best_month && e.worst_month);
  const auto [lo, hi] = std::minmax_element(
      x.monthly.begin(), x.monthly.end(),
      [](const ref::Month& a, const ref::Month& b) { return a.value < b.value; });
  EXPECT_EQ(e.best_month->month, hi->month);
  EXPECT_EQ(e.worst_month->month, lo->month);
}

TEST(SummarizeEquityTest, MatchesTheReferenceScriptAt252And365) {
  const std::vector<EquityPoint> curve = RefCurve();
  ExpectReferenceEquity(SummarizeEquity(curve, 252.0), ref::Equity252());
  ExpectReferenceEquity(SummarizeEquity(curve, 365.0), ref::Equity365());
}

TEST(ComputeStatisticsTest, RollingLastTradesMatchTheReferenceScript) {
  StatisticsOptions options;
  options.rolling_trades = 7;
  const std::vector<TradeSample> samples = RefSamples();
  const StatisticsReport r = ComputeStatistics(samples, RefCurve(), {}, options);
  ASSERT_EQ(r.rolling.size(), 1u);
  EXPECT_EQ(r.rolling[0].label, "last 7 trades");
  const TradeSummary& s = r.rolling[0].trades;
  EXPECT_EQ(s.trade_count, ref::last7::trade_count);
  NEAR_REF(s.net_profit, ref::last7::net_profit);
  NEAR_REF(s.win_rate, ref::last7::win_rate);
  NEAR_REF(s.profit_factor, ref::last7::profit_factor);
  NEAR_REF(s.sqn, ref::last7::sqn);
  EXPECT_EQ(s.longest_loss_streak, ref::last7::longest_loss_streak);
  EXPECT_EQ(r.rolling[0].equity, std::nullopt);
  // The whole report is the sum of its parts.
  ExpectReferenceTrades(r.trades);
  ExpectReferenceEquity(r.equity, ref::Equity252());
  EXPECT_EQ(r.breakdowns.size(), 7u);
}

// ---------------------------------------------------------------------------
// Hand-checkable cases.

TEST(WilsonLowerBoundTest, HandComputed) {
  // 6 of 10, z = 1.96: (0.6 + 0.19208 - 1.96 * sqrt(0.024 + 0.009604)) /
  // (1 + 0.38416) = (0.79208 - 0.3592953...) / 1.38416 = 0.3126695...
  const std::optional<double> lb = WilsonLowerBound(6, 10, 1.96);
  ASSERT_TRUE(lb);
  EXPECT_NEAR(*lb, 0.3126695, 1e-7);
  EXPECT_EQ(WilsonLowerBound(0, 0), std::nullopt);
  EXPECT_NEAR(*WilsonLowerBound(0, 5), 0.0, 1e-15);  // no wins: the bound is 0
  // All wins of 1: 1 / (1 + z^2) = 0.2065... for z = 1.959964.
  EXPECT_NEAR(*WilsonLowerBound(1, 1), 1.0 / (1.0 + 1.959963984540054 * 1.959963984540054), 1e-15);
  EXPECT_THROW(WilsonLowerBound(3, 2), Error);
  EXPECT_THROW(WilsonLowerBound(1, 2, 0.0), Error);
}

TEST(KellyAndPayoffTest, HandComputed) {
  // 60 % wins, payoff 2: 0.6 - 0.4 / 2 = 0.4.
  EXPECT_NEAR(*KellyFraction(6, 4, 2.0), 0.4, 1e-15);
  // 50 % wins, payoff 1: no edge, 0.
  EXPECT_NEAR(*KellyFraction(5, 5, 1.0), 0.0, 1e-15);
  EXPECT_EQ(KellyFraction(5, 0, std::nullopt), std::nullopt);
  EXPECT_NEAR(*PayoffRatio(150.0, -50.0), 3.0, 1e-15);
  EXPECT_EQ(PayoffRatio(150.0, std::nullopt), std::nullopt);
  EXPECT_EQ(PayoffRatio(std::nullopt, -50.0), std::nullopt);
}

TEST(SystemQualityNumberTest, HandComputed) {
  // R = {2, -1, 1, 2}: mean 1, sample variance (1 + 4 + 0 + 1) / 3 = 2,
  // SQN = sqrt(4) * 1 / sqrt(2) = sqrt(2).
  const std::vector<double> r = {2.0, -1.0, 1.0, 2.0};
  EXPECT_NEAR(*SystemQualityNumber(r), std::sqrt(2.0), 1e-14);
  const std::vector<double> one = {1.5};
  EXPECT_EQ(SystemQualityNumber(one), std::nullopt);
  const std::vector<double> flat = {0.5, 0.5, 0.5};
  EXPECT_EQ(SystemQualityNumber(flat), std::nullopt);
  const std::vector<double> bad = {1.0, NAN};
  EXPECT_THROW(SystemQualityNumber(bad), Error);
}

TEST(QuantileTest, LinearInterpolationAsNumpy) {
  // Sorted {-4, -2, 1, 3, 10}: h = 4 * 0.05 = 0.2 -> -4 + 0.2 * 2 = -3.6;
  // h = 4 * 0.95 = 3.8 -> 3 + 0.8 * 7 = 8.6.
  const std::vector<double> v = {3.0, -2.0, 10.0, -4.0, 1.0};
  EXPECT_NEAR(*Quantile(v, 0.05), -3.6, 1e-14);
  EXPECT_NEAR(*Quantile(v, 0.95), 8.6, 1e-14);
  EXPECT_NEAR(*Quantile(v, 0.5), 1.0, 1e-15);
  EXPECT_NEAR(*TailRatio(v), 8.6 / 3.6, 1e-14);
  EXPECT_NEAR(*HistoricalVaR(v), -3.6, 1e-14);
  EXPECT_NEAR(*HistoricalCVaR(v), -4.0, 1e-15);  // only -4 is <= -3.6
  EXPECT_EQ(Quantile({}, 0.5), std::nullopt);
  EXPECT_THROW(Quantile(v, 1.5), Error);
  EXPECT_THROW(HistoricalVaR(v, 1.0), Error);
}

TEST(MomentsTest, HandComputed) {
  // {1, 2, 3, 10}: mean 4, deviations -3 -2 -1 6; m2 = 50/4 = 12.5,
  // m3 = (-27 - 8 - 1 + 216)/4 = 45, m4 = (81 + 16 + 1 + 1296)/4 = 348.5.
  // G1 = sqrt(12)/2 * 45 / 12.5^1.5; G2 = 3/2 * (5 * (348.5/156.25 - 3) + 6).
  const std::vector<double> v = {1.0, 2.0, 3.0, 10.0};
  EXPECT_NEAR(*Skewness(v), std::sqrt(12.0) / 2.0 * 45.0 / std::pow(12.5, 1.5), 1e-13);
  EXPECT_NEAR(*ExcessKurtosis(v), 1.5 * (5.0 * (348.5 / 156.25 - 3.0) + 6.0), 1e-13);
  const std::vector<double> three = {1.0, 2.0, 3.0};
  EXPECT_NEAR(*Skewness(three), 0.0, 1e-15);
  EXPECT_EQ(ExcessKurtosis(three), std::nullopt);  // N < 4
  const std::vector<double> flat = {2.0, 2.0, 2.0, 2.0};
  EXPECT_EQ(Skewness(flat), std::nullopt);
  EXPECT_EQ(ExcessKurtosis(flat), std::nullopt);
}

TEST(OmegaUlcerTest, HandComputed) {
  const std::vector<double> r = {0.02, -0.01, 0.03, -0.02};
  EXPECT_NEAR(*OmegaRatio(r), 0.05 / 0.03, 1e-14);
  const std::vector<double> no_loss = {0.01, 0.0, 0.02};
  EXPECT_EQ(OmegaRatio(no_loss), std::nullopt);
  // Values 100, 90, 120, 108: drawdowns 0, -0.1, 0, -0.1 -> sqrt(0.02/4).
  const std::vector<double> values = {100.0, 90.0, 120.0, 108.0};
  EXPECT_NEAR(*UlcerIndex(values), std::sqrt(0.005), 1e-14);
  EXPECT_EQ(UlcerIndex({}), std::nullopt);
}

TEST(SummarizeTradesTest, SmallHandCheckedCase) {
  // Exits in order: +100 (win), -50 (loss), -25 (loss), 0, +30 (win).
  std::vector<TradeSample> t(5);
  const double net[] = {100.0, -50.0, -25.0, 0.0, 30.0};
  for (int i = 0; i < 5; ++i) {
    t[i].net_pnl = Decimal::FromDouble(net[i]);
    t[i].fees = Decimal::FromInt(1);
    t[i].gross_pnl = Decimal::FromDouble(net[i] + 1.0);
    t[i].entry_time = At(2024, 1, 1 + i, 10);
    t[i].exit_time = At(2024, 1, 1 + i, 16);  // 6 h each
    t[i].entry_price = 100.0;
    t[i].mae = 2.0;
    t[i].mfe = 3.0;
  }
  t[1].side = Side::kSell;
  const TradeSummary s = SummarizeTrades(t);
  EXPECT_EQ(s.trade_count, 5u);
  EXPECT_EQ(s.long_count, 4u);
  EXPECT_EQ(s.wins, 2u);
  EXPECT_EQ(s.losses, 2u);
  EXPECT_EQ(s.breakeven, 1u);
  EXPECT_NEAR(*s.win_rate, 0.4, 1e-15);
  EXPECT_NEAR(s.gross_profit, 130.0, 1e-12);
  EXPECT_NEAR(s.gross_loss, -75.0, 1e-12);
  EXPECT_NEAR(*s.profit_factor, 130.0 / 75.0, 1e-14);
  EXPECT_NEAR(*s.average_win, 65.0, 1e-12);
  EXPECT_NEAR(*s.average_loss, -37.5, 1e-12);
  EXPECT_NEAR(*s.payoff_ratio, 65.0 / 37.5, 1e-14);
  EXPECT_NEAR(*s.expectancy, 11.0, 1e-12);
  EXPECT_NEAR(*s.largest_win, 100.0, 0.0);
  EXPECT_NEAR(*s.largest_loss, -50.0, 0.0);
  EXPECT_EQ(s.longest_win_streak, 1u);
  EXPECT_EQ(s.longest_loss_streak, 2u);
  EXPECT_NEAR(*s.average_holding_seconds, 6 * 3600.0, 1e-9);
  EXPECT_NEAR(*s.edge_ratio, 1.5, 1e-14);
  // Gross before costs of the trades with a gross profit: 101 + 1 + 31.
  EXPECT_NEAR(*s.fees_fraction_of_gross_profit, 5.0 / 133.0, 1e-14);
  // First entry Jan 1 10:00 to last exit Jan 5 16:00 = 4.25 days.
  EXPECT_NEAR(*s.trades_per_day, 5.0 / 4.25, 1e-14);
  // W = 2 / 4, b = 65 / 37.5: 0.5 - 0.5 / b.
  EXPECT_NEAR(*s.kelly_fraction, 0.5 - 0.5 / (65.0 / 37.5), 1e-14);
  EXPECT_EQ(s.r_count, 0u);  // no R known: every R statistic undefined
  EXPECT_EQ(s.expectancy_r, std::nullopt);
  EXPECT_EQ(s.sqn, std::nullopt);
  EXPECT_EQ(s.average_mae_r, std::nullopt);
  EXPECT_EQ(s.edge_ratio_r, std::nullopt);
}

// ---------------------------------------------------------------------------
// Degenerate cases.

TEST(DegenerateTest, NoTrades) {
  const TradeSummary s = SummarizeTrades({});
  EXPECT_EQ(s.trade_count, 0u);
  EXPECT_EQ(s.win_rate, std::nullopt);
  EXPECT_EQ(s.win_rate_lower_bound, std::nullopt);
  EXPECT_EQ(s.profit_factor, std::nullopt);
  EXPECT_EQ(s.expectancy, std::nullopt);
  EXPECT_EQ(s.payoff_ratio, std::nullopt);
  EXPECT_EQ(s.kelly_fraction, std::nullopt);
  EXPECT_EQ(s.average_holding_seconds, std::nullopt);
  EXPECT_EQ(s.edge_ratio, std::nullopt);
  EXPECT_EQ(s.trades_per_day, std::nullopt);
  EXPECT_EQ(s.fees_fraction_of_gross_profit, std::nullopt);
  EXPECT_EQ(s.largest_win, std::nullopt);
  EXPECT_EQ(s.largest_loss, std::nullopt);
  const StatisticsReport r = ComputeStatistics({}, {}, {});
  for (const Breakdown& b : r.breakdowns) EXPECT_TRUE(b.rows.empty());
  EXPECT_EQ(r.equity.total_return, std::nullopt);
  EXPECT_EQ(r.equity.sharpe_ratio, std::nullopt);
  EXPECT_EQ(r.equity.max_drawdown, std::nullopt);
}

TEST(DegenerateTest, OneWinningTrade) {
  TradeSample t;
  t.net_pnl = Decimal::FromInt(40);
  t.gross_pnl = Decimal::FromInt(42);
  t.fees = Decimal::FromInt(2);
  t.entry_time = At(2024, 2, 1, 9);
  t.exit_time = At(2024, 2, 1, 15);
  t.entry_price = 50.0;
  t.mae = 0.0;
  t.mfe = 1.0;
  t.r_multiple = 2.0;
  const TradeSummary s = SummarizeTrades(std::span<const TradeSample>(&t, 1));
  EXPECT_NEAR(*s.win_rate, 1.0, 0.0);
  EXPECT_EQ(s.profit_factor, std::nullopt);  // no losses
  EXPECT_EQ(s.payoff_ratio, std::nullopt);
  EXPECT_EQ(s.kelly_fraction, std::nullopt);
  EXPECT_EQ(s.edge_ratio, std::nullopt);  // no adverse excursion
  EXPECT_NEAR(*s.expectancy_r, 2.0, 0.0);
  EXPECT_EQ(s.sqn, std::nullopt);              // one R: no dispersion
  EXPECT_NEAR(*s.trades_per_day, 4.0, 1e-14);  // 1 trade in 6 hours
  EXPECT_EQ(s.longest_win_streak, 1u);
  EXPECT_EQ(s.average_loser_holding_seconds, std::nullopt);
}

TEST(DegenerateTest, AllLosses) {
  std::vector<TradeSample> t(3);
  for (int i = 0; i < 3; ++i) {
    t[i].net_pnl = Decimal::FromInt(-10 * (i + 1));
    t[i].gross_pnl = t[i].net_pnl;
    t[i].entry_time = At(2024, 3, 1 + i);
    t[i].exit_time = At(2024, 3, 1 + i, 12);
    t[i].entry_price = 10.0;
    t[i].mae = 1.0;
    t[i].mfe = 0.0;  // never in profit
  }
  const TradeSummary s = SummarizeTrades(t);
  ASSERT_TRUE(s.win_rate && s.win_rate_lower_bound && s.profit_factor && s.edge_ratio);
  EXPECT_NEAR(*s.win_rate, 0.0, 0.0);
  EXPECT_NEAR(*s.win_rate_lower_bound, 0.0, 1e-15);
  EXPECT_NEAR(*s.profit_factor, 0.0, 0.0);
  EXPECT_EQ(s.average_win, std::nullopt);
  EXPECT_EQ(s.payoff_ratio, std::nullopt);
  EXPECT_EQ(s.kelly_fraction, std::nullopt);
  EXPECT_EQ(s.longest_loss_streak, 3u);
  EXPECT_EQ(s.fees_fraction_of_gross_profit, std::nullopt);  // no gross profit
  EXPECT_NEAR(*s.edge_ratio, 0.0, 0.0);
}

TEST(DegenerateTest, NoLosingDay) {
  const std::vector<EquityPoint> curve = {{At(2024, 1, 1), 100.0},
                                          {At(2024, 1, 2), 101.0},
                                          {At(2024, 1, 3), 103.0},
                                          {At(2024, 1, 4), 103.0},
                                          {At(2024, 1, 5), 104.0}};
  const EquitySummary e = SummarizeEquity(curve, 252.0);
  EXPECT_EQ(e.return_count, 4u);
  EXPECT_EQ(e.sortino_ratio, std::nullopt);
  EXPECT_EQ(e.omega_ratio, std::nullopt);
  EXPECT_EQ(e.calmar_ratio, std::nullopt);
  EXPECT_EQ(e.recovery_factor, std::nullopt);
  EXPECT_TRUE(e.sharpe_ratio.has_value());
  EXPECT_NEAR(*e.ulcer_index, 0.0, 0.0);
  EXPECT_EQ(e.longest_underwater, 0);
  EXPECT_NEAR(*e.positive_days_fraction, 0.75, 0.0);
  EXPECT_NEAR(e.worst_day->value, 0.0, 0.0);
  EXPECT_EQ(e.worst_day->date, At(2024, 1, 4));
}

TEST(DegenerateTest, FlatEquity) {
  const std::vector<EquityPoint> curve = {{At(2024, 1, 1), 500.0},
                                          {At(2024, 1, 2), 500.0},
                                          {At(2024, 1, 3), 500.0},
                                          {At(2024, 1, 4), 500.0},
                                          {At(2024, 1, 5), 500.0}};
  const EquitySummary e = SummarizeEquity(curve, 365.0);
  EXPECT_NEAR(*e.total_return, 0.0, 0.0);
  EXPECT_NEAR(*e.cagr, 0.0, 0.0);
  EXPECT_NEAR(*e.annualized_volatility, 0.0, 0.0);
  EXPECT_EQ(e.sharpe_ratio, std::nullopt);
  EXPECT_EQ(e.sortino_ratio, std::nullopt);
  EXPECT_EQ(e.skewness, std::nullopt);
  EXPECT_EQ(e.excess_kurtosis, std::nullopt);
  EXPECT_EQ(e.tail_ratio, std::nullopt);
  EXPECT_EQ(e.omega_ratio, std::nullopt);
  EXPECT_NEAR(*e.var_95, 0.0, 0.0);
  EXPECT_NEAR(*e.positive_days_fraction, 0.0, 0.0);
  ASSERT_EQ(e.monthly_returns.size(), 1u);
  EXPECT_NEAR(e.monthly_returns[0].value, 0.0, 0.0);
}

TEST(DegenerateTest, OnePointCurve) {
  const std::vector<EquityPoint> curve = {{At(2024, 1, 1), 500.0}};
  const EquitySummary e = SummarizeEquity(curve, 252.0);
  EXPECT_EQ(e.return_count, 0u);
  EXPECT_EQ(e.cagr, std::nullopt);
  EXPECT_EQ(e.var_95, std::nullopt);
  EXPECT_EQ(e.best_day, std::nullopt);
  EXPECT_EQ(e.positive_days_fraction, std::nullopt);
  EXPECT_TRUE(e.monthly_returns.empty());
}

TEST(DegenerateTest, BadInputIsRefusedNamingIt) {
  std::vector<TradeSample> t(2);
  // Money is an exact Decimal (never NaN); a double field is checked.
  t[1].mae = NAN;
  try {
    SummarizeTrades(t);
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("trade 1"));
    EXPECT_THAT(e.what(), HasSubstr("mae"));
  }
  const std::vector<EquityPoint> unsorted = {{At(2024, 1, 2), 1.0}, {At(2024, 1, 1), 1.0}};
  EXPECT_THROW(SummarizeEquity(unsorted, 252.0), Error);
  EXPECT_THROW(SummarizeEquity({}, 0.0), Error);
  StatisticsOptions bad;
  bad.periods_per_year = -1.0;
  EXPECT_THROW(ComputeStatistics({}, {}, {}, bad), Error);
}

// ---------------------------------------------------------------------------
// Equity helpers, ledger, rolling days, tables, JSON, CSV.

TEST(MonthlyReturnsTest, CompoundsTheDaysOfEachMonth) {
  // 100 -> 110 (Jan 31) -> 99 (Feb 10) -> 108.9 (Mar 2): Jan +10 %, Feb -10 %,
  // Mar +10 %.
  const std::vector<EquityPoint> curve = {{At(2024, 1, 30), 100.0},
                                          {At(2024, 1, 31, 12), 110.0},
                                          {At(2024, 2, 10), 99.0},
                                          {At(2024, 3, 2), 108.9}};
  const std::vector<MonthlyReturn> m = MonthlyReturns(curve);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].year, 2024);
  EXPECT_EQ(m[0].month, 1u);
  EXPECT_NEAR(m[0].value, 0.1, 1e-14);
  EXPECT_NEAR(m[1].value, -0.1, 1e-14);
  EXPECT_NEAR(m[2].value, 0.1, 1e-14);
}

TEST(UnderwaterCurveTest, FractionBelowTheRunningPeak) {
  // 100, 80 (-20 %), 120 (new peak), 90 (-25 %), 120 (recovered).
  const std::vector<EquityPoint> curve = {{At(2024, 1, 1), 100.0},
                                          {At(2024, 1, 2), 80.0},
                                          {At(2024, 1, 3), 120.0},
                                          {At(2024, 1, 4), 90.0},
                                          {At(2024, 1, 5), 120.0}};
  const std::vector<EquityPoint> u = UnderwaterCurve(curve);
  ASSERT_EQ(u.size(), 5u);
  const double expected[] = {0.0, -0.2, 0.0, -0.25, 0.0};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(u[i].time, curve[i].time);
    EXPECT_NEAR(u[i].equity, expected[i], 1e-15);
  }
  // Its minimum is the max drawdown fraction.
  EXPECT_NEAR(-std::min_element(u.begin(), u.end(),
                                [](const auto& x, const auto& y) { return x.equity < y.equity; })
                   ->equity,
              *MaxDrawdown(curve)->max_drawdown_fraction, 1e-15);
  EXPECT_TRUE(UnderwaterCurve({}).empty());
}

TEST(CombineEquityCurvesTest, SumsLatestValuesAndCountsCapitalFromTheStart) {
  const std::vector<std::vector<EquityPoint>> curves = {
      {{At(2024, 1, 1), 100.0}, {At(2024, 1, 3), 110.0}},
      {{At(2024, 1, 2), 50.0}, {At(2024, 1, 3), 45.0}, {At(2024, 1, 4), 60.0}}};
  const std::vector<EquityPoint> c = CombineEquityCurves(curves);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_NEAR(c[0].equity, 150.0, 1e-12);  // the second bot's capital counts from the start
  EXPECT_NEAR(c[1].equity, 150.0, 1e-12);
  EXPECT_NEAR(c[2].equity, 155.0, 1e-12);  // same time: one point
  EXPECT_NEAR(c[3].equity, 170.0, 1e-12);
  EXPECT_EQ(c[2].time, At(2024, 1, 3));
}

TEST(SummarizeLedgerTest, ExactSumsByCurrencyAndType) {
  std::vector<LedgerEntry> entries(5);
  entries[0] = Entry(LedgerEntryType::kDeposit, "USDC", Decimal::Parse("1000"));
  entries[1] = Entry(LedgerEntryType::kFee, "USDC", Decimal::Parse("-0.1"));
  entries[2] = Entry(LedgerEntryType::kFee, "USDC", Decimal::Parse("-0.2"));
  entries[3] = Entry(LedgerEntryType::kRealizedPnl, "USDC", Decimal::Parse("12.5"));
  entries[4] = Entry(LedgerEntryType::kDeposit, "BTC", Decimal::Parse("0.5"));
  const std::vector<LedgerSum> sums = SummarizeLedger(entries);
  ASSERT_EQ(sums.size(), 4u);
  EXPECT_EQ(sums[0].currency, "BTC");
  EXPECT_EQ(sums[1].type, LedgerEntryType::kDeposit);
  EXPECT_EQ(sums[2].type, LedgerEntryType::kFee);
  EXPECT_EQ(sums[2].count, 2);
  EXPECT_EQ(sums[2].amount, Decimal::Parse("-0.3"));  // exact, not 0.30000000000000004
  EXPECT_EQ(sums[3].type, LedgerEntryType::kRealizedPnl);
}

TEST(ComputeStatisticsTest, RollingDaysWindow) {
  std::vector<TradeSample> t(3);
  for (int i = 0; i < 3; ++i) {
    t[i].net_pnl = Decimal::FromInt(10 * (i + 1));
    t[i].entry_time = At(2024, 1, 1 + 10 * i);
    t[i].exit_time = At(2024, 1, 2 + 10 * i);
  }
  const std::vector<EquityPoint> curve = {{At(2024, 1, 1), 100.0},
                                          {At(2024, 1, 10), 120.0},
                                          {At(2024, 1, 15), 90.0},
                                          {At(2024, 1, 22), 99.0}};
  StatisticsOptions options;
  options.rolling_days = 10;  // from Jan 12 (end Jan 22)
  const StatisticsReport r = ComputeStatistics(t, curve, {}, options);
  ASSERT_EQ(r.rolling.size(), 1u);
  // Exits at or after Jan 12 00:00: the Jan 12 and Jan 22 exits, not Jan 2.
  EXPECT_EQ(r.rolling[0].trades.trade_count, 2u);
  EXPECT_NEAR(r.rolling[0].trades.net_profit, 50.0, 1e-12);
  ASSERT_TRUE(r.rolling[0].equity);
  // The window starts at the last point at or before Jan 12: 120.
  EXPECT_NEAR(*r.rolling[0].equity->starting_equity, 120.0, 0.0);
  EXPECT_NEAR(*r.rolling[0].equity->total_return, 99.0 / 120.0 - 1.0, 1e-15);
}

TEST(ReportTablesTest, TablesJsonAndCsv) {
  StatisticsOptions options;
  options.rolling_trades = 5;
  std::vector<LedgerEntry> ledger(1);
  ledger[0] = Entry(LedgerEntryType::kDeposit, "USDC", Decimal::Parse("10000"));
  const StatisticsReport r = ComputeStatistics(RefSamples(), RefCurve(), ledger, options);
  const std::vector<ReportTable> tables = BuildReportTables(r);
  std::vector<std::string> titles;
  for (const ReportTable& t : tables) {
    titles.push_back(t.title);
    for (const auto& row : t.rows) EXPECT_EQ(row.size(), t.columns.size()) << t.title;
  }
  EXPECT_THAT(titles,
              ::testing::IsSupersetOf({"Trades", "R-multiples and excursions", "Equity", "Drawdown",
                                       "Distribution of daily returns", "Monthly returns (%)",
                                       "Ledger", "By strategy", "By weekday of exit (UTC)",
                                       "By hour of exit (UTC)", "Rolling: last 5 trades"}));
  const std::string text = FormatTables(tables);
  EXPECT_THAT(text, HasSubstr("Win rate, 95 % lower bound (Wilson)"));
  char lower_bound[32];
  std::snprintf(lower_bound, sizeof lower_bound, "%.2f %%", *r.trades.win_rate_lower_bound * 100.0);
  EXPECT_THAT(text, HasSubstr(lower_bound));
  const std::string csv = TablesToCsv(tables);
  EXPECT_THAT(csv, HasSubstr("table,Statistic,Value\r\n"));
  EXPECT_THAT(csv, HasSubstr("Ledger,USDC,deposit,1,10000"));

  const nlohmann::json j = nlohmann::json::parse(StatisticsToJson(r));
  EXPECT_EQ(j["trades"]["trade_count"], ref::trades::trade_count);
  EXPECT_NEAR(j["trades"]["sqn"].get<double>(), *ref::trades::sqn, 1e-9);
  EXPECT_NEAR(j["equity"]["sharpe_ratio"].get<double>(), ref::Equity252().sharpe_ratio, 1e-9);
  EXPECT_EQ(j["equity"]["drawdown_recovery_time"], nullptr);  // never recovered
  EXPECT_EQ(j["equity"]["monthly_returns"].size(), ref::Equity252().monthly.size());
  EXPECT_EQ(j["breakdowns"]["strategy"].size(), ref::ByStrategy().size());
  EXPECT_EQ(j["ledger"][0]["amount"], "10000");
  EXPECT_EQ(j["rolling"][0]["window"], "last 5 trades");
  // Undefined values are null, not 0.
  const nlohmann::json empty =
      nlohmann::json::parse(StatisticsToJson(ComputeStatistics({}, {}, {})));
  EXPECT_TRUE(empty["trades"]["win_rate"].is_null());
  EXPECT_TRUE(empty["equity"]["sharpe_ratio"].is_null());
}

TEST(ToTradeSampleTest, CopiesTheFieldsAndLeavesRUnknown) {
  Trade t = MakeTrade(Side::kSell, -1234, 56);
  t.strategy = "s";
  t.instrument_id = 42;
  t.exit_reason = "stop_loss";
  t.entry_time = At(2024, 1, 1);
  t.exit_time = At(2024, 1, 2);
  t.entry_price = Decimal::Parse("10.5");
  t.mae = Decimal::Parse("0.25");
  const TradeSample s = ToTradeSample(t);
  EXPECT_EQ(s.net_pnl, Decimal::Parse("-12.34"));  // exact, as in the trade
  EXPECT_EQ(s.fees, Decimal::Parse("0.56"));
  EXPECT_EQ(s.gross_pnl, Decimal::Parse("-11.78"));
  EXPECT_EQ(s.side, Side::kSell);
  EXPECT_EQ(s.instrument, "42");
  EXPECT_EQ(ToTradeSample(t, "BTCUSDC").instrument, "BTCUSDC");
  EXPECT_EQ(s.exit_reason, "stop_loss");
  EXPECT_NEAR(s.entry_price, 10.5, 0.0);
  EXPECT_EQ(s.mae, 0.25);  // a stored trade's excursions are known
  EXPECT_EQ(s.mfe, 0.0);
  EXPECT_EQ(s.r_multiple, std::nullopt);
  EXPECT_EQ(s.regime, "");
}

// Trades of a file without MAE/MFE: the excursion statistics use only the
// trades that have them, and are undefined (not zero) when none has.
TEST(SummarizeTrades, UnknownExcursionsAreLeftOutNotCountedAsZero) {
  std::vector<TradeSample> t(3);
  for (int i = 0; i < 3; ++i) {
    t[i].net_pnl = Decimal::FromInt(i + 1);
    t[i].gross_pnl = t[i].net_pnl;
    t[i].entry_time = At(2024, 1, 1 + i);
    t[i].exit_time = At(2024, 1, 2 + i);
    t[i].entry_price = 100.0;
  }
  TradeSummary s = SummarizeTrades(t);
  EXPECT_EQ(s.average_mae, std::nullopt);
  EXPECT_EQ(s.average_mfe, std::nullopt);
  EXPECT_EQ(s.edge_ratio, std::nullopt);
  t[0].mae = 2.0;
  t[0].mfe = 6.0;
  t[2].mae = 4.0;
  t[2].mfe = 2.0;
  t[1].mae = 100.0;  // without an MFE: left out
  s = SummarizeTrades(t);
  EXPECT_DOUBLE_EQ(*s.average_mae, 3.0);
  EXPECT_DOUBLE_EQ(*s.average_mfe, 4.0);
  EXPECT_DOUBLE_EQ(*s.edge_ratio, (6.0 + 2.0) / (2.0 + 4.0));
  EXPECT_FALSE(s.edge_ratio_by_atr);
}

}  // namespace
}  // namespace tradestore
