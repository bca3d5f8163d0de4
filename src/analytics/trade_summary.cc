// Trade statistics of the suite in one pass (SummarizeTrades), the adapter
// from Trade, and breakdowns. Formulas and sources are in
// include/tradestore/performance_report.h.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>
#include <memory>
#include <numeric>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analytics/statistics_internal.h"
#include "tradestore/error.h"
#include "tradestore/performance_report.h"

namespace tradestore {

TradeSample ToTradeSample(const Trade& trade, const std::string& instrument) {
  TradeSample s;
  s.net_pnl = trade.net_pnl;
  s.gross_pnl = trade.gross_pnl;
  s.fees = trade.fees;
  s.side = trade.side;
  s.entry_time = trade.entry_time;
  s.exit_time = trade.exit_time;
  s.entry_price = trade.entry_price.ToDouble();
  s.mae = trade.mae.ToDouble();
  s.mfe = trade.mfe.ToDouble();
  if (trade.atr && *trade.atr > 0.0) s.atr = trade.atr;
  s.r_multiple = trade.r_multiple;
  s.mae_r = trade.mae_r;
  s.mfe_r = trade.mfe_r;
  s.regime = trade.regime;
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

[[noreturn, gnu::noinline, gnu::cold]] void ThrowNotFinite(double value, std::size_t index,
                                                           const char* field) {
  throw InvalidArgument(fmt::format("trade {}: {} is not finite: {}", index, field, value));
}

inline void CheckFinite(double value, std::size_t index, const char* field) {
  if (!std::isfinite(value)) [[unlikely]] {
    ThrowNotFinite(value, index, field);
  }
}

void CheckSample(const TradeSample& t, std::size_t index) {
  CheckFinite(t.entry_price, index, "entry_price");
  if (t.mae) CheckFinite(*t.mae, index, "mae");
  if (t.mfe) CheckFinite(*t.mfe, index, "mfe");
  if (t.atr) CheckFinite(*t.atr, index, "atr");
  if (t.r_multiple) CheckFinite(*t.r_multiple, index, "r_multiple");
  if (t.mae_r) CheckFinite(*t.mae_r, index, "mae_r");
  if (t.mfe_r) CheckFinite(*t.mfe_r, index, "mfe_r");
}

double Seconds(Micros us) {
  return static_cast<double>(us) / static_cast<double>(kMicrosPerSecond);
}

// Accumulates one trade at a time, in exit order.
class TradeAccumulator {
 public:
  // `check`: validate the numbers (false when an earlier pass did).
  void Add(const TradeSample& t, std::size_t index, bool check = true) {
    if (check) CheckSample(t, index);
    ++s_.trade_count;
    if (t.side == Side::kBuy) {
      ++s_.long_count;
    } else {
      ++s_.short_count;
    }
    // Holding times in µs, exact in int64; converted to seconds at the end.
    const Micros hold = t.exit_time - t.entry_time;
    hold_all_ += hold;
    // Exact: the sign of the Decimal decides, and the money sums are
    // Decimal until Finish.
    const int sign = t.net_pnl.Sign();
    if (sign > 0) {
      ++s_.wins;
      gross_profit_ += t.net_pnl;
      hold_win_ += hold;
      if (!largest_win_ || t.net_pnl > *largest_win_) largest_win_ = t.net_pnl;
      ++win_run_;
      loss_run_ = 0;
    } else if (sign < 0) {
      ++s_.losses;
      gross_loss_ += t.net_pnl;
      hold_loss_ += hold;
      if (!largest_loss_ || t.net_pnl < *largest_loss_) largest_loss_ = t.net_pnl;
      ++loss_run_;
      win_run_ = 0;
    } else {
      ++s_.breakeven;
      win_run_ = 0;
      loss_run_ = 0;
    }
    s_.longest_win_streak = std::max(s_.longest_win_streak, win_run_);
    s_.longest_loss_streak = std::max(s_.longest_loss_streak, loss_run_);
    total_fees_ += t.fees;
    if (t.gross_pnl.IsPositive()) gross_before_costs_ += t.gross_pnl;
    if (t.mae && t.mfe) AddExcursions(t, *t.mae, *t.mfe);
    if (!s_.first_entry || t.entry_time < *s_.first_entry) s_.first_entry = t.entry_time;
    if (!s_.last_exit || t.exit_time > *s_.last_exit) s_.last_exit = t.exit_time;
    if (t.r_multiple) {
      const double r = *t.r_multiple;
      // Sums shifted by the first R: one pass without the cancellation of
      // plain sums of squares (R-multiples are of order 1 anyway).
      if (s_.r_count == 0) r_shift_ = r;
      ++s_.r_count;
      const double d = r - r_shift_;
      r_sum_ += d;
      r_sum_sq_ += d * d;
      r_max_abs_ = std::max(r_max_abs_, std::abs(r));
    }
    if (t.mae_r) {
      sum_mae_r_ += *t.mae_r;
      ++mae_r_count_;
    }
    if (t.mfe_r) {
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
    // The exact money sums, converted once.
    s.gross_profit = gross_profit_.ToDouble();
    s.gross_loss = gross_loss_.ToDouble();
    // Breakeven trades add 0, so this is Σ net_pnl, exactly.
    s.net_profit = (gross_profit_ + gross_loss_).ToDouble();
    s.total_fees = total_fees_.ToDouble();
    if (largest_win_) s.largest_win = largest_win_->ToDouble();
    if (largest_loss_) s.largest_loss = largest_loss_->ToDouble();
    const auto n = static_cast<double>(s.trade_count);
    if (s.trade_count > 0) {
      s.win_rate = static_cast<double>(s.wins) / n;
      s.expectancy = s.net_profit / n;
      s.average_holding_seconds = Seconds(hold_all_) / n;
      const Micros span = *s.last_exit - *s.first_entry;
      if (span > 0) s.trades_per_day = n / (static_cast<double>(span) / kMicrosPerDay);
    }
    if (excursion_count_ > 0) {
      const auto m = static_cast<double>(excursion_count_);
      s.average_mae = sum_mae_ / m;
      s.average_mfe = sum_mfe_ / m;
      if (!missing_atr_) {
        s.edge_ratio_by_atr = true;
        if (sum_mae_atr_ > 0.0) s.edge_ratio = sum_mfe_atr_ / sum_mae_atr_;
      } else if (!bad_entry_price_ && sum_mae_norm_ > 0.0) {
        s.edge_ratio = sum_mfe_norm_ / sum_mae_norm_;
      }
    }
    s.win_rate_lower_bound = WilsonLowerBound(s.wins, s.trade_count);
    s.profit_factor = ProfitFactor(s.gross_profit, s.gross_loss);
    if (s.wins > 0) {
      s.average_win = s.gross_profit / static_cast<double>(s.wins);
      s.average_winner_holding_seconds = Seconds(hold_win_) / static_cast<double>(s.wins);
    }
    if (s.losses > 0) {
      s.average_loss = s.gross_loss / static_cast<double>(s.losses);
      s.average_loser_holding_seconds = Seconds(hold_loss_) / static_cast<double>(s.losses);
    }
    s.payoff_ratio = PayoffRatio(s.average_win, s.average_loss);
    s.kelly_fraction = KellyFraction(s.wins, s.losses, s.payoff_ratio);
    if (gross_before_costs_.IsPositive()) {
      s.fees_fraction_of_gross_profit = s.total_fees / gross_before_costs_.ToDouble();
    }
    if (s.r_count > 0) {
      const auto rn = static_cast<double>(s.r_count);
      const double mean = r_shift_ + r_sum_ / rn;
      s.expectancy_r = mean;
      if (s.r_count >= 2) {
        const double var = std::max(0.0, (r_sum_sq_ - r_sum_ * r_sum_ / rn) / (rn - 1.0));
        const double sd = std::sqrt(var);
        if (sd > 1e-10 * r_max_abs_ && sd > 0.0) s.sqn = std::sqrt(rn) * mean / sd;
      }
    }
    if (mae_r_count_ > 0) s.average_mae_r = sum_mae_r_ / static_cast<double>(mae_r_count_);
    if (mfe_r_count_ > 0) s.average_mfe_r = sum_mfe_r_ / static_cast<double>(mfe_r_count_);
    if (pair_mae_r_ > 0.0) s.edge_ratio_r = pair_mfe_r_ / pair_mae_r_;
    return s;
  }

 private:
  void AddExcursions(const TradeSample& t, double mae, double mfe) {
    ++excursion_count_;
    sum_mae_ += mae;
    sum_mfe_ += mfe;
    if (t.entry_price > 0.0) {
      sum_mae_norm_ += mae / t.entry_price;
      sum_mfe_norm_ += mfe / t.entry_price;
    } else {
      bad_entry_price_ = true;
    }
    if (t.atr && *t.atr > 0.0) {
      sum_mae_atr_ += mae / *t.atr;
      sum_mfe_atr_ += mfe / *t.atr;
    } else {
      missing_atr_ = true;
    }
  }

  TradeSummary s_;
  std::size_t win_run_ = 0, loss_run_ = 0;
  Micros hold_all_ = 0, hold_win_ = 0, hold_loss_ = 0;
  Decimal gross_profit_, gross_loss_, total_fees_, gross_before_costs_;
  std::optional<Decimal> largest_win_, largest_loss_;
  std::size_t excursion_count_ = 0;  // trades with both MAE and MFE
  double sum_mae_ = 0.0, sum_mfe_ = 0.0, sum_mae_norm_ = 0.0, sum_mfe_norm_ = 0.0;
  double sum_mae_atr_ = 0.0, sum_mfe_atr_ = 0.0;
  bool bad_entry_price_ = false;
  bool missing_atr_ = false;
  double r_shift_ = 0.0, r_sum_ = 0.0, r_sum_sq_ = 0.0, r_max_abs_ = 0.0;
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

namespace analytics_internal {

struct RunningTradeSummary::Impl {
  TradeAccumulator acc;
};

RunningTradeSummary::RunningTradeSummary() : impl_(std::make_unique<Impl>()) {}
RunningTradeSummary::~RunningTradeSummary() = default;

void RunningTradeSummary::Add(const TradeSample& trade) {
  impl_->acc.Add(trade, count_);
  ++count_;
}

TradeSummary RunningTradeSummary::Summary() const { return impl_->acc.Finish(); }

}  // namespace analytics_internal

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

namespace {

// Groups of one breakdown key: text keys through a hash map of views into the
// trades (no allocation per trade), weekday / hour / side by direct index.
class Grouper {
 public:
  explicit Grouper(BreakdownKey by) : by_(by) {
    if (by == BreakdownKey::kSide) fixed_.resize(2);
    if (by == BreakdownKey::kWeekday) fixed_.resize(7);
    if (by == BreakdownKey::kHour) fixed_.resize(24);
  }

  // `day` is UtcDay(t.exit_time), computed once by the caller.
  void Add(const TradeSample& t, std::int64_t day, std::size_t index) {
    switch (by_) {
      case BreakdownKey::kStrategy:
        return AddText(t.strategy, t, index);
      case BreakdownKey::kInstrument:
        return AddText(t.instrument, t, index);
      case BreakdownKey::kRegime:
        return AddText(t.regime, t, index);
      case BreakdownKey::kExitReason:
        return AddText(t.exit_reason, t, index);
      case BreakdownKey::kSide:
        return fixed_[t.side == Side::kBuy ? 0 : 1].Add(t, index, false);
      case BreakdownKey::kWeekday:
        return fixed_[static_cast<std::size_t>(analytics_internal::WeekdayFromDays(day))].Add(
            t, index, false);
      case BreakdownKey::kHour:
        return fixed_[static_cast<std::size_t>((t.exit_time.micros() - day * kMicrosPerDay) /
                                               kMicrosPerHour)]
            .Add(t, index, false);
    }
  }

  Breakdown Finish() const {
    Breakdown result;
    result.by = by_;
    if (!fixed_.empty()) {
      for (std::size_t i = 0; i < fixed_.size(); ++i) {
        TradeSummary summary = fixed_[i].Finish();
        if (summary.trade_count == 0) continue;
        std::string key = by_ == BreakdownKey::kSide      ? std::string(i == 0 ? "long" : "short")
                          : by_ == BreakdownKey::kWeekday ? std::string(kWeekdays[i])
                                                          : fmt::format("{:02}", i);
        result.rows.push_back({std::move(key), std::move(summary)});
      }
      return result;
    }
    std::vector<std::size_t> order(keys_.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return keys_[a] < keys_[b]; });
    for (std::size_t i : order) result.rows.push_back({std::string(keys_[i]), text_[i].Finish()});
    return result;
  }

 private:
  void AddText(const std::string& text, const TradeSample& t, std::size_t index) {
    const std::string_view key = text.empty() ? std::string_view("(none)") : std::string_view(text);
    if (last_ != nullptr && key == last_key_) {
      last_->Add(t, index, false);
      return;
    }
    // Few groups (the usual case): a linear scan beats hashing the key.
    std::size_t slot = keys_.size();
    if (keys_.size() <= kLinearScanLimit) {
      for (std::size_t i = 0; i < keys_.size(); ++i) {
        if (keys_[i] == key) {
          slot = i;
          break;
        }
      }
    } else if (const auto it = index_.find(key); it != index_.end()) {
      slot = it->second;
    }
    if (slot == keys_.size()) {
      keys_.push_back(key);
      text_.emplace_back();
      index_.emplace(key, slot);
    }
    last_key_ = key;
    last_ = &text_[slot];
    last_->Add(t, index, false);
  }

  static constexpr std::size_t kLinearScanLimit = 16;
  BreakdownKey by_;
  std::vector<TradeAccumulator> fixed_;
  std::unordered_map<std::string_view, std::size_t> index_;
  std::vector<std::string_view> keys_;
  std::deque<TradeAccumulator> text_;  // stable addresses for last_
  std::string_view last_key_;
  TradeAccumulator* last_ = nullptr;
};

// One pass: validates each trade, adds it to `total` (when given) and to
// every key's group.
std::vector<Breakdown> Breakdowns(std::span<const TradeSample> trades,
                                  std::span<const BreakdownKey> keys,
                                  TradeAccumulator* total = nullptr) {
  std::vector<Grouper> groupers;
  groupers.reserve(keys.size());
  for (BreakdownKey key : keys) groupers.emplace_back(key);
  const auto add = [&](std::size_t i) {
    const TradeSample& t = trades[i];
    CheckSample(t, i);
    if (total != nullptr) total->Add(t, i, false);
    const std::int64_t day = analytics_internal::UtcDay(t.exit_time);
    for (Grouper& g : groupers) g.Add(t, day, i);
  };
  if (SortedByExit(trades)) {
    for (std::size_t i = 0; i < trades.size(); ++i) add(i);
  } else {
    for (std::size_t i : ExitOrder(trades)) add(i);
  }
  std::vector<Breakdown> result;
  result.reserve(groupers.size());
  for (const Grouper& g : groupers) result.push_back(g.Finish());
  return result;
}

constexpr BreakdownKey kAllKeys[] = {BreakdownKey::kStrategy, BreakdownKey::kInstrument,
                                     BreakdownKey::kRegime,   BreakdownKey::kExitReason,
                                     BreakdownKey::kSide,     BreakdownKey::kWeekday,
                                     BreakdownKey::kHour};

}  // namespace

Breakdown BreakdownTrades(std::span<const TradeSample> trades, BreakdownKey by) {
  return Breakdowns(trades, std::span<const BreakdownKey>(&by, 1)).front();
}

std::vector<Breakdown> BreakdownTradesByAllKeys(std::span<const TradeSample> trades) {
  return Breakdowns(trades, kAllKeys);
}

namespace analytics_internal {

std::vector<Breakdown> SummarizeWithBreakdowns(std::span<const TradeSample> trades,
                                               TradeSummary& total) {
  TradeAccumulator acc;
  std::vector<Breakdown> result = Breakdowns(trades, kAllKeys, &acc);
  total = acc.Finish();
  return result;
}

}  // namespace analytics_internal

}  // namespace tradestore
