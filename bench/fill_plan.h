// The fills of the order-lifecycle benchmarks (bench/store_bench.cc and
// bench/pg_bench.cc): fill i's price and time, and every value a raw loop
// binds for it, computed before the clock starts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tradestore/decimal.h"
#include "tradestore/timestamp.h"

namespace tradestore::bench {

constexpr std::int64_t kBaseTime = 1'677'628'800'000'000;  // 2023-03-01T00:00Z
inline const Decimal kQuantity = Decimal::Parse("0.01");
inline const Decimal kFee = Decimal::Parse("0.05");

// Fill i: pairs of a buy that opens a long position and a sell that closes
// it 1.5 higher.
inline Decimal PriceOf(int i) {
  const Decimal buy = Decimal::Parse("20000.25") + Decimal::FromInt((i / 2) % 97);
  return i % 2 == 0 ? buy : buy + Decimal::Parse("1.5");
}
inline Timestamp TimeOf(int i) { return Timestamp(kBaseTime + std::int64_t{i} * 1'000'000); }

// Everything the raw loop binds for one fill, as text, computed before the
// clock starts so that the loop itself is only binding and stepping.
struct RawFillValues {
  std::string client_order_id, side, fill_id, price, fill_event_reason;
  // position after the fill
  std::string pos_quantity, pos_avg, pos_realized, pos_fees, trade_max, trade_exit_qty,
      trade_exit_notional, trade_gross, trade_fees, trade_high, trade_low;
  bool closes = false;
  std::int64_t opened_at = 0;
  // the closed trade, when it closes
  std::string entry_price, gross, fees, net, mae, mfe;
  // ledger
  std::string fee_balance, fee_description, pnl, pnl_balance, pnl_description;
  // the balancing legs on the system accounts (double entry), and the
  // position event
  std::string system_fees_balance, system_pnl_balance, neg_pnl, quantity_change, position_event;
};

inline std::vector<RawFillValues> PlanRawFills(int n) {
  std::vector<RawFillValues> plan(n);
  Decimal balance, realized, fees_total, system_pnl;
  Decimal entry, trade_fees;
  std::int64_t opened_at = 0;
  for (int i = 0; i < n; ++i) {
    RawFillValues& v = plan[i];
    const Decimal price = PriceOf(i);
    v.client_order_id = "o-" + std::to_string(i);
    v.fill_id = "f-" + std::to_string(i);
    v.fill_event_reason = "fill " + v.fill_id;
    v.fee_description = "fee of fill " + v.fill_id;
    v.price = price.ToString();
    fees_total += kFee;
    balance -= kFee;
    v.fee_balance = balance.ToString();
    v.system_fees_balance = fees_total.ToString();
    if (i % 2 == 0) {
      v.side = "buy";
      v.quantity_change = kQuantity.ToString();
      v.position_event = "opened";
      entry = price;
      trade_fees = kFee;
      opened_at = TimeOf(i).micros();
      v.pos_quantity = kQuantity.ToString();
      v.pos_avg = price.ToString();
      v.trade_max = kQuantity.ToString();
      v.trade_exit_qty = v.trade_exit_notional = v.trade_gross = "0";
      v.trade_fees = kFee.ToString();
      v.trade_high = v.trade_low = price.ToString();
    } else {
      v.side = "sell";
      v.closes = true;
      v.quantity_change = (-kQuantity).ToString();
      v.position_event = "closed";
      const Decimal pnl = (price - entry).Mul(kQuantity);
      realized += pnl;
      trade_fees += kFee;
      v.pos_quantity = v.pos_avg = "0";
      v.trade_max = v.trade_exit_qty = v.trade_exit_notional = v.trade_gross = v.trade_fees = "0";
      v.entry_price = entry.ToString();
      v.gross = pnl.ToString();
      v.fees = trade_fees.ToString();
      v.net = (pnl - trade_fees).ToString();
      v.mae = "0";
      v.mfe = (price - entry).ToString();
      v.pnl = pnl.ToString();
      balance += pnl;
      v.pnl_balance = balance.ToString();
      v.pnl_description = "realized P&L of fill " + v.fill_id;
      v.neg_pnl = (-pnl).ToString();
      system_pnl -= pnl;
      v.system_pnl_balance = system_pnl.ToString();
    }
    v.opened_at = opened_at;
    v.pos_realized = realized.ToString();
    v.pos_fees = fees_total.ToString();
  }
  return plan;
}

}  // namespace tradestore::bench
