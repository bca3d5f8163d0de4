// Trade statistics: counts, sums, win rate, profit factor, averages and
// expectancy. Formulas and sources are in include/tradestore/statistics.h.
#include <cmath>
#include <optional>
#include <span>

#include "tradestore/decimal.h"
#include "tradestore/statistics.h"

namespace tradestore {

TradeStatistics ComputeTradeStatistics(std::span<const Trade> trades) {
  TradeStatistics stats;
  // Exact sums; converted to double once, at the end.
  Decimal gross_profit;
  Decimal gross_loss;
  Decimal net_profit;
  Decimal total_fees;
  for (const Trade& trade : trades) {
    ++stats.trade_count;
    if (trade.side == Side::kBuy) {
      ++stats.long_count;
    } else {
      ++stats.short_count;
    }
    switch (trade.net_pnl.Sign()) {
      case 1:
        ++stats.wins;
        gross_profit += trade.net_pnl;
        break;
      case -1:
        ++stats.losses;
        gross_loss += trade.net_pnl;
        break;
      default:
        ++stats.breakeven;
        break;
    }
    net_profit += trade.net_pnl;
    total_fees += trade.fees;
  }
  stats.gross_profit = gross_profit.ToDouble();
  stats.gross_loss = gross_loss.ToDouble();
  stats.net_profit = net_profit.ToDouble();
  stats.total_fees = total_fees.ToDouble();
  return stats;
}

std::optional<double> WinRate(const TradeStatistics& stats) {
  if (stats.trade_count == 0) return std::nullopt;
  return static_cast<double>(stats.wins) / static_cast<double>(stats.trade_count);
}

std::optional<double> ProfitFactor(double gross_profit, double gross_loss) {
  if (gross_loss == 0.0) return std::nullopt;
  // |gross_loss|: accepts the loss sum either as the negative sum it is or
  // already made positive.
  return gross_profit / std::abs(gross_loss);
}

std::optional<double> AverageWin(const TradeStatistics& stats) {
  if (stats.wins == 0) return std::nullopt;
  return stats.gross_profit / static_cast<double>(stats.wins);
}

std::optional<double> AverageLoss(const TradeStatistics& stats) {
  if (stats.losses == 0) return std::nullopt;
  return stats.gross_loss / static_cast<double>(stats.losses);
}

std::optional<double> Expectancy(const TradeStatistics& stats) {
  if (stats.trade_count == 0) return std::nullopt;
  return stats.net_profit / static_cast<double>(stats.trade_count);
}

}  // namespace tradestore
