// Speed of the analytics layer, each beside its floor in the same run:
//
//   1. the full statistics suite (ComputeStatistics: trade statistics with R
//      and excursions, 7 breakdowns, a trade and a day rolling window, every
//      equity statistic and the tables' inputs) over N synthetic closed
//      trades (default 1,000,000, in exit order) and 20 years of daily
//      equity, versus a single plain pass over the same arrays that reads
//      every number the statistics read and sums it (the floor: no
//      statistics can be computed with less memory traffic);
//   2. SummarizeTrades alone (the one-pass trade statistics), same floor;
//   3. candles resampled per second (Resampler) on a synthetic 1m series
//      (default 2,000,000 candles, ~3.8 years) to 5m, 1h and 1d, and on the
//      real 1m sample in examples/data, beside a plain loop that reads each
//      candle once (the floor).
//
// Times are medians over --reps repetitions; each ratio is the median of
// per-repetition ratios, the two sides run back to back. See
// docs/statistics.md ("Speed").
//
// Usage: tradestore_analytics_bench [--trades N] [--years N] [--candles N]
//                                   [--reps N] [--real FILE]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "result_line.h"
#include "tradestore/error.h"
#include "tradestore/performance_report.h"
#include "tradestore/resample.h"

namespace {

using tradestore::Candle;
using tradestore::EquityPoint;
using tradestore::kMicrosPerDay;
using tradestore::kMicrosPerMinute;
using tradestore::Timestamp;
using tradestore::TradeSample;

#ifndef TRADESTORE_BENCH_CANDLES
#define TRADESTORE_BENCH_CANDLES ""
#endif

struct Options {
  std::size_t trades = 1'000'000;
  int years = 20;
  std::size_t candles = 2'000'000;
  int reps = 5;
  std::string real = TRADESTORE_BENCH_CANDLES;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median wall time of `reps` runs of `fn`, seconds.
double Time(int reps, const std::function<void()>& fn) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return Median(t);
}

// Runs `floor` and `ours` back to back `reps` times, alternating which goes
// first; medians of each time and of the per-repetition ratios (steadier
// than a ratio of medians on a busy machine).
struct Paired {
  double ours = 0.0;
  double floor = 0.0;
  double ratio = 0.0;
};
Paired TimePaired(int reps, const std::function<void()>& ours, const std::function<void()>& floor) {
  std::vector<double> a, b, r;
  for (int i = 0; i < reps; ++i) {
    double ta = 0.0, tb = 0.0;
    if (i % 2 == 0) {
      tb = Time(1, floor);
      ta = Time(1, ours);
    } else {
      ta = Time(1, ours);
      tb = Time(1, floor);
    }
    a.push_back(ta);
    b.push_back(tb);
    r.push_back(ta / tb);
  }
  return {Median(a), Median(b), Median(r)};
}

// Keeps a value alive so the optimizer cannot drop the loop computing it.
volatile double g_sink = 0.0;

// An exact amount in hundredths: Cents(-4025) is -40.25.
tradestore::Decimal Cents(std::int64_t cents) {
  return tradestore::Decimal::FromUnits(static_cast<tradestore::Decimal::Rep>(cents) *
                                        10'000'000'000'000'000);
}

std::vector<TradeSample> SyntheticTrades(std::size_t n, int years) {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> pnl(15.0, 200.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const char* strategies[] = {"breakout", "mean-revert", "momentum", "carry", "pairs"};
  const char* instruments[] = {"BTCUSDC", "ETHUSDC", "SOLUSDC", "XRPUSDC",  "ADAUSDC",
                               "DOTUSDC", "LTCUSDC", "BNBUSDC", "AVAXUSDC", "LINKUSDC"};
  const char* reasons[] = {"signal", "stop_loss", "take_profit", "end_of_data"};
  const char* regimes[] = {"trend", "range", "volatile"};
  std::vector<TradeSample> trades(n);
  const std::int64_t start = Timestamp::FromCivil(2004, 1, 1).micros();
  const double span = static_cast<double>(years) * 365.25 * kMicrosPerDay;
  for (std::size_t i = 0; i < n; ++i) {
    TradeSample& t = trades[i];
    const auto exit = start + static_cast<std::int64_t>(span * static_cast<double>(i + 1) /
                                                        static_cast<double>(n));
    t.exit_time = Timestamp(exit);
    t.entry_time = Timestamp(exit - static_cast<std::int64_t>(unit(rng) * 3 * kMicrosPerDay));
    // Money in whole cents, exact (as a trade journal's Decimals).
    const auto net_cents = static_cast<std::int64_t>(std::round(pnl(rng) * 100.0));
    const auto fee_cents = 100 + static_cast<std::int64_t>(std::round(unit(rng) * 500.0));
    t.net_pnl = Cents(net_cents);
    t.fees = Cents(fee_cents);
    t.gross_pnl = t.net_pnl + t.fees;
    t.side = unit(rng) < 0.6 ? tradestore::Side::kBuy : tradestore::Side::kSell;
    t.entry_price = 100.0 + unit(rng) * 1000.0;
    t.mae = unit(rng) * 20.0;
    t.mfe = unit(rng) * 30.0;
    const double risk = 50.0 + unit(rng) * 150.0;
    t.r_multiple = static_cast<double>(net_cents) / 100.0 / risk;
    t.mae_r = *t.mae / 10.0;
    t.mfe_r = *t.mfe / 10.0;
    t.strategy = strategies[i % 5];
    t.instrument = instruments[(i / 5) % 10];
    t.exit_reason = reasons[(i / 3) % 4];
    t.regime = regimes[(i / 7) % 3];
  }
  return trades;
}

std::vector<EquityPoint> SyntheticEquity(int years) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> ret(0.0004, 0.01);
  const auto days = static_cast<std::int64_t>(years * 365.25);
  std::vector<EquityPoint> curve;
  curve.reserve(static_cast<std::size_t>(days) + 1);
  double equity = 100000.0;
  const std::int64_t start = Timestamp::FromCivil(2004, 1, 1).micros();
  for (std::int64_t d = 0; d <= days; ++d) {
    curve.push_back({Timestamp(start + d * kMicrosPerDay), equity});
    equity *= 1.0 + ret(rng);
  }
  return curve;
}

// The floor: one pass reading every number the statistics read, the money
// summed exactly (as the statistics do), the rest in double.
double PlainPass(const std::vector<TradeSample>& trades, const std::vector<EquityPoint>& curve) {
  double sum = 0.0;
  tradestore::Decimal money;
  for (const TradeSample& t : trades) {
    money += t.net_pnl;
    money += t.gross_pnl;
    money += t.fees;
    sum += t.entry_price + t.mae.value_or(0.0) + t.mfe.value_or(0.0) +
           static_cast<double>(t.exit_time - t.entry_time) + t.r_multiple.value_or(0.0) +
           t.mae_r.value_or(0.0) + t.mfe_r.value_or(0.0) +
           static_cast<double>(t.strategy.size() + t.instrument.size() + t.exit_reason.size() +
                               t.regime.size());
  }
  for (const EquityPoint& p : curve) sum += p.equity + static_cast<double>(p.time.micros());
  return sum + money.ToDouble();
}

std::vector<Candle> SyntheticCandles(std::size_t n) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> step(0.0, 0.0008);
  std::vector<Candle> candles(n);
  const std::int64_t start = Timestamp::FromCivil(2020, 1, 1).micros();
  double price = 30000.0;
  for (std::size_t i = 0; i < n; ++i) {
    Candle& c = candles[i];
    c.open_time = Timestamp(start + static_cast<std::int64_t>(i) * kMicrosPerMinute);
    c.open = price;
    price *= 1.0 + step(rng);
    c.close = price;
    c.high = std::max(c.open, c.close) * 1.0002;
    c.low = std::min(c.open, c.close) * 0.9998;
    c.volume = 1.0 + static_cast<double>(i % 17);
    c.trades = static_cast<std::int64_t>(i % 50);
  }
  return candles;
}

// examples/data's Binance.US 1m CSV: open_time,open,high,low,close,volume.
std::vector<Candle> ReadCandles(const std::string& path) {
  std::vector<Candle> candles;
  std::ifstream in(path);
  if (!in) return candles;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    Candle c;
    c.open_time = Timestamp::Parse(std::string_view(line).substr(0, comma));
    if (std::sscanf(line.c_str() + comma + 1, "%lf,%lf,%lf,%lf,%lf", &c.open, &c.high, &c.low,
                    &c.close, &c.volume) != 5) {
      throw tradestore::InvalidArgument(path + ": bad line: " + line);
    }
    candles.push_back(c);
  }
  return candles;
}

void ResampleRow(const char* label, const std::vector<Candle>& candles, tradestore::Timeframe to,
                 int reps) {
  tradestore::ResampleOptions options;
  options.from = tradestore::Timeframe::k1m;
  options.to = to;
  std::int64_t buckets = 0;
  const auto ours = [&] {
    double sum = 0.0;
    tradestore::Resampler r(options, [&](const tradestore::ResampledCandle& c) {
      sum += c.candle.close;
      ++buckets;
    });
    for (const Candle& c : candles) r.Add(c);
    r.Finish();
    g_sink = sum;
  };
  const auto floor = [&] {
    double sum = 0.0;
    for (const Candle& c : candles) {
      sum += c.open + c.high + c.low + c.close + c.volume + static_cast<double>(c.trades) +
             static_cast<double>(c.open_time.micros());
    }
    g_sink = sum;
  };
  const Paired p = TimePaired(reps, ours, floor);
  const double n = static_cast<double>(candles.size());
  std::printf("%-34s %10zu %14.1f %14.1f %8.1fx\n", label, candles.size(), n / p.ours / 1e6,
              n / p.floor / 1e6, p.ratio);
  tradestore::bench::PrintResultLine(
      std::string("resample ") + label, tradestore::bench::Fixed(n / p.ours / 1e6, 1, "M/s"),
      tradestore::bench::Fixed(n / p.floor / 1e6, 1, "M/s") + " (one plain pass)",
      tradestore::bench::Fixed(1 / p.ratio, 2), "", "");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--trades") {
      o.trades = std::strtoull(next(), nullptr, 10);
    } else if (arg == "--years") {
      o.years = std::atoi(next());
    } else if (arg == "--candles") {
      o.candles = std::strtoull(next(), nullptr, 10);
    } else if (arg == "--reps") {
      o.reps = std::max(1, std::atoi(next()));
    } else if (arg == "--real") {
      o.real = next();
    } else {
      std::fprintf(stderr,
                   "usage: tradestore_analytics_bench [--trades N] [--years N] [--candles N] "
                   "[--reps N] [--real FILE]\n");
      return 2;
    }
  }
  try {
    const std::vector<TradeSample> trades = SyntheticTrades(o.trades, o.years);
    const std::vector<EquityPoint> curve = SyntheticEquity(o.years);
    tradestore::StatisticsOptions options;
    options.periods_per_year = 252.0;
    options.rolling_trades = 1000;
    options.rolling_days = 365;

    std::size_t rows = 0;
    const auto floor = [&] { g_sink = PlainPass(trades, curve); };
    const auto full_suite = [&] {
      const tradestore::StatisticsReport r =
          tradestore::ComputeStatistics(trades, curve, {}, options);
      rows = 0;
      for (const auto& b : r.breakdowns) rows += b.rows.size();
      g_sink = r.trades.net_profit + r.equity.sharpe_ratio.value_or(0.0);
    };
    const Paired full = TimePaired(o.reps, full_suite, floor);
    const Paired trades_only = TimePaired(
        o.reps, [&] { g_sink = tradestore::SummarizeTrades(trades).net_profit; }, floor);
    const double equity_only = Time(o.reps, [&] {
      g_sink = tradestore::SummarizeEquity(curve, 252.0).sharpe_ratio.value_or(0.0);
    });

    std::printf(
        "Statistics: %zu closed trades, %d years of daily equity (%zu points), "
        "median of %d\n",
        trades.size(), o.years, curve.size(), o.reps);
    std::printf("%-44s %12s %12s %8s\n", "workload", "ours (ms)", "floor (ms)", "ratio");
    std::printf("%-44s %12.1f %12.1f %7.1fx\n", "full suite (ComputeStatistics)", full.ours * 1e3,
                full.floor * 1e3, full.ratio);
    std::printf("%-44s %12.1f %12.1f %7.1fx\n", "trade statistics (SummarizeTrades)",
                trades_only.ours * 1e3, trades_only.floor * 1e3, trades_only.ratio);
    for (const auto& [label, p] :
         {std::pair<const char*, const Paired&>{"statistics, full suite", full},
          std::pair<const char*, const Paired&>{"statistics, trades alone", trades_only}}) {
      tradestore::bench::PrintResultLine(
          label, tradestore::bench::Fixed(p.ours * 1e3, 1, "ms"),
          tradestore::bench::Fixed(p.floor * 1e3, 1, "ms") + " (one plain pass)",
          tradestore::bench::Fixed(1 / p.ratio, 2), "", "");
    }
    std::printf("%-44s %12.3f\n", "equity statistics alone (SummarizeEquity)", equity_only * 1e3);
    std::printf("(%zu breakdown rows; the floor is one pass summing every number read)\n\n", rows);

    std::printf("Resampling 1m candles, median of %d\n", o.reps);
    std::printf("%-34s %10s %14s %14s %9s\n", "series -> target", "candles", "ours (M/s)",
                "floor (M/s)", "ratio");
    const std::vector<Candle> synthetic = SyntheticCandles(o.candles);
    ResampleRow("synthetic 1m -> 5m", synthetic, tradestore::Timeframe::k5m, o.reps);
    ResampleRow("synthetic 1m -> 1h", synthetic, tradestore::Timeframe::k1h, o.reps);
    ResampleRow("synthetic 1m -> 1d", synthetic, tradestore::Timeframe::k1d, o.reps);
    const std::vector<Candle> real = ReadCandles(o.real);
    if (!real.empty()) {
      ResampleRow("examples/data BTCUSDC 1m -> 5m", real, tradestore::Timeframe::k5m, o.reps);
      ResampleRow("examples/data BTCUSDC 1m -> 1h", real, tradestore::Timeframe::k1h, o.reps);
      ResampleRow("examples/data BTCUSDC 1m -> 1d", real, tradestore::Timeframe::k1d, o.reps);
    } else {
      std::printf("(real 1m file not found: %s)\n", o.real.c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tradestore_analytics_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
