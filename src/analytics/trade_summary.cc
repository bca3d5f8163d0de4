// Trade statistics of the suite in one pass (SummarizeTrades), the adapter
// from Trade, and breakdowns. Formulas and sources are in
// include/tradestore/statistics_suite.h.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analytics/statistics_internal.h"
#include "tradestore/error.h"
#include "tradestore/statistics_suite.h"

namespace tradestore {

TradeSample ToTradeSample(const Trade& trade, const std::string& instrument) {
  TradeSample s;
  s.net_pnl = trade.net_pnl.ToDouble();
  s.gross_pnl = trade.gross_pnl.ToDouble();
  s.fees = trade.fees.ToDouble();
  s.side = trade.side;
  s.entry_time = trade.entry_time;
  s.exit_time = trade.exit_time;
  s.entry_price = trade.entry_price.ToDouble();
  s.mae = trade.mae.ToDouble();
  s.mfe = trade.mfe.ToDouble();
  s.strategy = trade.strategy;
  s.instrument = instrument.empty() ? std::to_string(trade.instrument_id) : instrument;
  s.exit_reason = trade.exit_reason;
  return s;
}

std::vector<TradeSample> ToTradeSamples(std::span<const Trade> trades) {
  std::vector<TradeSample> samples;
  samples.reserve(trades.size());
  for (const Trade& t : trades) samples.push_back(ToTradeSample(t));
  return samples;
}

namespace {

void CheckFinite(double value, std::size_t index, const char* field) {
  if (!std::isfinite(value)) {
    throw InvalidArgument(fmt::format("trade {}: {} is not finite: {}", index, field, value));
  }
}

// Accumulates one trade at a time, in exit order.
class TradeAccumulator {
 public:
  void Add(const TradeSample& t, std::size_t index) {
    CheckFinite(t.net_pnl, index, "net_pnl");
    CheckFinite(t.gross_pnl, index, "gross_pnl");
    CheckFinite(t.fees, index, "fees");
    CheckFinite(t.entry_price, index, "entry_price");
    CheckFinite(t.mae, index, "mae");
    CheckFinite(t.mfe, index, "mfe");
    ++s_.trade_count;
    if (t.side == Side::kBuy) {
      ++s_.long_count;
    } else {
      ++s_.short_count;
    }
    const double hold = static_cast<double>(t.exit_time - t.entry_time) / kMicrosPerSecond;
    hold_all_ += hold;
    if (t.net_pnl > 0.0) {
      ++s_.wins;
      s_.gross_profit += t.net_pnl;
      hold_win_ += hold;
      if (!s_.largest_win || t.net_pnl > *s_.largest_win) s_.largest_win = t.net_pnl;
      ++win_run_;
      loss_run_ = 0;
    } else if (t.net_pnl < 0.0) {
      ++s_.losses;
      s_.gross_loss += t.net_pnl;
      hold_loss_ += hold;
      if (!s_.largest_loss || t.net_pnl < *s_.largest_loss) s_.largest_loss = t.net_pnl;
      ++loss_run_;
      win_run_ = 0;
    } else {
      ++s_.breakeven;
      win_run_ = 0;
      loss_run_ = 0;
    }
    s_.longest_win_streak = std::max(s_.longest_win_streak, win_run_);
    s_.longest_loss_streak = std::max(s_.longest_loss_streak, loss_run_);
    s_.net_profit += t.net_pnl;
    s_.total_fees += t.fees;
    if (t.gross_pnl > 0.0) gross_before_costs_ += t.gross_pnl;
    sum_mae_ += t.mae;
    sum_mfe_ += t.mfe;
    if (t.entry_price > 0.0) {
      sum_mae_norm_ += t.mae / t.entry_price;
      sum_mfe_norm_ += t.mfe / t.entry_price;
    } else {
      bad_entry_price_ = true;
    }
    if (!s_.first_entry || t.entry_time < *s_.first_entry) s_.first_entry = t.entry_time;
    if (!s_.last_exit || t.exit_time > *s_.last_exit) s_.last_exit = t.exit_time;
    if (t.r_multiple) {
      CheckFinite(*t.r_multiple, index, "r_multiple");
      const double r = *t.r_multiple;
      ++s_.r_count;
      // Welford's update: stable in one pass.
      const double delta = r - r_mean_;
      r_mean_ += delta / static_cast<double>(s_.r_count);
      r_m2_ += delta * (r - r_mean_);
      r_max_abs_ = std::max(r_max_abs_, std::abs(r));
    }
    if (t.mae_r) {
      CheckFinite(*t.mae_r, index, "mae_r");
      sum_mae_r_ += *t.mae_r;
      ++mae_r_count_;
    }
    if (t.mfe_r) {
      CheckFinite(*t.mfe_r, index, "mfe_r");
      sum_mfe_r_ += *t.mfe_r;
      ++mfe_r_count_;
    }
    if (t.mae_r && t.mfe_r) {
      pair_mae_r_ += *t.mae_r;
      pair_mfe_r_ += *t.mfe_r;
    }
  }

  TradeSummary Finish() const {
    TradeSummary s = s_;
    const auto n = static_cast<double>(s.trade_count);
    if (s.trade_count > 0) {
      s.win_rate = static_cast<double>(s.wins) / n;
      s.expectancy = s.net_profit / n;
      s.average_holding_seconds = hold_all_ / n;
      s.average_mae = sum_mae_ / n;
      s.average_mfe = sum_mfe_ / n;
      if (!bad_entry_price_ && sum_mae_norm_ > 0.0) s.edge_ratio = sum_mfe_norm_ / sum_mae_norm_;
      const Micros span = *s.last_exit - *s.first_entry;
      if (span > 0) s.trades_per_day = n / (static_cast<double>(span) / kMicrosPerDay);
    }
    s.win_rate_lower_bound = WilsonLowerBound(s.wins, s.trade_count);
    s.profit_factor = ProfitFactor(s.gross_profit, s.gross_loss);
    if (s.wins > 0) {
      s.average_win = s.gross_profit / static_cast<double>(s.wins);
      s.average_winner_holding_seconds = hold_win_ / static_cast<double>(s.wins);
    }
    if (s.losses > 0) {
      s.average_loss = s.gross_loss / static_cast<double>(s.losses);
      s.average_loser_holding_seconds = hold_loss_ / static_cast<double>(s.losses);
    }
    s.payoff_ratio = PayoffRatio(s.average_win, s.average_loss);
    s.kelly_fraction = KellyFraction(s.wins, s.losses, s.payoff_ratio);
    if (gross_before_costs_ > 0.0) {
      s.fees_fraction_of_gross_profit = s.total_fees / gross_before_costs_;
    }
    if (s.r_count > 0) s.expectancy_r = r_mean_;
    if (s.r_count >= 2) {
      const double sd = std::sqrt(r_m2_ / static_cast<double>(s.r_count - 1));
      if (sd > 1e-10 * r_max_abs_ && sd > 0.0) {
        s.sqn = std::sqrt(static_cast<double>(s.r_count)) * r_mean_ / sd;
      }
    }
    if (mae_r_count_ > 0) s.average_mae_r = sum_mae_r_ / static_cast<double>(mae_r_count_);
    if (mfe_r_count_ > 0) s.average_mfe_r = sum_mfe_r_ / static_cast<double>(mfe_r_count_);
    if (pair_mae_r_ > 0.0) s.edge_ratio_r = pair_mfe_r_ / pair_mae_r_;
    return s;
  }

 private:
  TradeSummary s_;
  std::size_t win_run_ = 0, loss_run_ = 0;
  double hold_all_ = 0.0, hold_win_ = 0.0, hold_loss_ = 0.0;
  double gross_before_costs_ = 0.0;
  double sum_mae_ = 0.0, sum_mfe_ = 0.0, sum_mae_norm_ = 0.0, sum_mfe_norm_ = 0.0;
  bool bad_entry_price_ = false;
  double r_mean_ = 0.0, r_m2_ = 0.0, r_max_abs_ = 0.0;
  double sum_mae_r_ = 0.0, sum_mfe_r_ = 0.0, pair_mae_r_ = 0.0, pair_mfe_r_ = 0.0;
  std::size_t mae_r_count_ = 0, mfe_r_count_ = 0;
};

bool SortedByExit(std::span<const TradeSample> trades) {
  for (std::size_t i = 1; i < trades.size(); ++i) {
    if (trades[i].exit_time < trades[i - 1].exit_time) return false;
  }
  return true;
}

// Indices of `trades` in exit order (stable: equal exits keep their order).
std::vector<std::size_t> ExitOrder(std::span<const TradeSample> trades) {
  std::vector<std::size_t> order(trades.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (!SortedByExit(trades)) {
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return trades[a].exit_time < trades[b].exit_time;
    });
  }
  return order;
}

constexpr std::array<const char*, 7> kWeekdays = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

}  // namespace

TradeSummary SummarizeTrades(std::span<const TradeSample> trades) {
  TradeAccumulator acc;
  if (SortedByExit(trades)) {
    for (std::size_t i = 0; i < trades.size(); ++i) acc.Add(trades[i], i);
  } else {
    for (std::size_t i : ExitOrder(trades)) acc.Add(trades[i], i);
  }
  return acc.Finish();
}

std::string_view ToString(BreakdownKey key) noexcept {
  switch (key) {
    case BreakdownKey::kStrategy:
      return "strategy";
    case BreakdownKey::kInstrument:
      return "instrument";
    case BreakdownKey::kRegime:
      return "regime";
    case BreakdownKey::kExitReason:
      return "exit_reason";
    case BreakdownKey::kSide:
      return "side";
    case BreakdownKey::kWeekday:
      return "weekday";
    case BreakdownKey::kHour:
      return "hour";
  }
  return "?";
}

Breakdown BreakdownTrades(std::span<const TradeSample> trades, BreakdownKey by) {
  // The map's key sorts the rows: numeric keys (weekday, hour) are stored as
  // a zero-padded sort prefix and replaced by their label at the end.
  std::map<std::string, TradeAccumulator> groups;
  const auto key_of = [by](const TradeSample& t) -> std::string {
    const std::string* text = nullptr;
    switch (by) {
      case BreakdownKey::kStrategy:
        text = &t.strategy;
        break;
      case BreakdownKey::kInstrument:
        text = &t.instrument;
        break;
      case BreakdownKey::kRegime:
        text = &t.regime;
        break;
      case BreakdownKey::kExitReason:
        text = &t.exit_reason;
        break;
      case BreakdownKey::kSide:
        return t.side == Side::kBuy ? "long" : "short";
      case BreakdownKey::kWeekday:
        return std::to_string(
            analytics_internal::WeekdayFromDays(analytics_internal::UtcDay(t.exit_time)));
      case BreakdownKey::kHour: {
        const Micros in_day =
            t.exit_time.micros() - analytics_internal::UtcDay(t.exit_time) * kMicrosPerDay;
        return fmt::format("{:02}", in_day / kMicrosPerHour);
      }
    }
    return text == nullptr || text->empty() ? std::string("(none)") : *text;
  };
  const std::vector<std::size_t> order = ExitOrder(trades);
  for (std::size_t i : order) groups[key_of(trades[i])].Add(trades[i], i);
  Breakdown result;
  result.by = by;
  for (const auto& [key, acc] : groups) {
    std::string label = key;
    if (by == BreakdownKey::kWeekday)
      label = kWeekdays.at(static_cast<std::size_t>(std::stoi(key)));
    result.rows.push_back({label, acc.Finish()});
  }
  return result;
}

}  // namespace tradestore
