#include "tradestore/trade.h"

#include <limits>

namespace tradestore {

double Trade::return_fraction() const {
  // In double: the ratio is for statistics, and an exact Decimal quotient
  // could overflow for a tiny notional.
  const double notional = entry_price.ToDouble() * quantity.ToDouble();
  if (notional == 0) return std::numeric_limits<double>::quiet_NaN();
  return net_pnl.ToDouble() / notional;
}

}  // namespace tradestore
