// Pure fill accounting; the contract is in include/tradestore/fill_accounting.h.

#include "tradestore/fill_accounting.h"

#include <algorithm>
#include <string>

#include "tradestore/error.h"

namespace tradestore {

namespace {

// "fill '<venue_fill_id>' of order <id>": the subject of a fill's errors.
std::string FillName(const Fill& fill) {
  return "fill '" + fill.venue_fill_id + "' of order " + std::to_string(fill.order_id);
}

std::string OrderName(const Order& o) {
  return "order " + std::to_string(o.id) + " (" + o.client_order_id + ")";
}

// The price an order's reservation is computed at (ledger.h).
std::optional<Decimal> ReservePrice(const Order& o) {
  if (o.limit_price) return o.limit_price;
  if (o.stop_price) return o.stop_price;
  return o.expected_price;
}

// The closed trade's journal row, from the position before the fill and
// the trade state after the closing part of it.
Trade ClosedTrade(const Order& order, const Position& before, const PositionState& row,
                  Timestamp time) {
  Trade t;
  t.bot_id = order.bot_id;
  t.account_id = order.account_id;
  t.instrument_id = order.instrument_id;
  t.strategy = row.trade_strategy;
  t.side = before.quantity.IsPositive() ? Side::kBuy : Side::kSell;
  t.entry_time = before.opened_at;
  t.exit_time = time;
  t.entry_price = before.average_entry_price;
  t.exit_price = row.trade_exit_notional.Div(row.trade_exit_quantity, RoundingMode::kHalfEven);
  t.quantity = row.trade_max_quantity;
  t.gross_pnl = row.trade_gross_pnl;
  t.fees = row.trade_fees;
  t.net_pnl = t.gross_pnl - t.fees;
  const Decimal high = row.trade_high.value_or(t.entry_price);
  const Decimal low = row.trade_low.value_or(t.entry_price);
  const Decimal zero;
  if (t.side == Side::kBuy) {
    t.mae = std::max(zero, t.entry_price - low);
    t.mfe = std::max(zero, high - t.entry_price);
  } else {
    t.mae = std::max(zero, high - t.entry_price);
    t.mfe = std::max(zero, t.entry_price - low);
  }
  t.exit_reason = order.exit_reason.empty() ? "signal" : order.exit_reason;
  t.signal_id = row.trade_signal_id;
  t.mode = order.mode;
  t.is_test = order.is_test;
  // The journal.
  t.strategy_version = row.trade_strategy_version;
  t.bot_version = order.bot_version;
  t.entry_order_id = row.trade_entry_order_id;
  t.exit_order_id = order.id;
  t.entry_fees = row.trade_entry_fees;
  t.exit_fees = t.fees - t.entry_fees;
  t.entry_slippage = row.trade_entry_slippage;
  t.exit_slippage = row.trade_exit_slippage;
  const Decimal entry_notional = t.entry_price.Mul(t.quantity);
  t.pnl_percent =
      entry_notional.IsZero() ? 0.0 : t.net_pnl.ToDouble() / entry_notional.ToDouble() * 100.0;
  t.outcome = t.net_pnl.IsPositive() ? "win" : t.net_pnl.IsNegative() ? "loss" : "breakeven";
  const TradeContext& ctx = row.context;
  t.initial_stop = ctx.initial_stop;
  t.target = ctx.target;
  t.risk_amount = ctx.risk_amount;
  if (!t.risk_amount && t.initial_stop) {
    t.risk_amount = (t.entry_price - *t.initial_stop).Abs().Mul(t.quantity);
  }
  if (t.risk_amount && t.risk_amount->IsPositive()) {
    const double risk = t.risk_amount->ToDouble();
    const double qty = t.quantity.ToDouble();
    t.r_multiple = t.net_pnl.ToDouble() / risk;
    t.mae_r = t.mae.ToDouble() * qty / risk;
    t.mfe_r = t.mfe.ToDouble() * qty / risk;
  }
  t.position_size_rule = ctx.position_size_rule;
  t.regime = ctx.regime;
  t.volatility = ctx.volatility;
  t.atr = ctx.atr;
  t.session = ctx.session;
  t.trend = ctx.trend;
  t.setup = ctx.setup;
  return t;
}

// A two-leg journal: `entry` on the bot account, balanced on the system
// account of its type.
Journal BalancedJournal(const LedgerEntry& entry) {
  JournalLeg bot_leg{entry, ""};
  JournalLeg system_leg{entry, std::string(SystemAccountFor(entry.type))};
  system_leg.entry.account_id = 0;
  system_leg.entry.amount = -entry.amount;
  return {std::move(bot_leg), std::move(system_leg)};
}

}  // namespace

void PositionState::StartTrade(const Order& order, Decimal open_qty, Decimal price, Decimal fee,
                               Decimal slippage) {
  trade_max_quantity = open_qty;
  trade_exit_quantity = trade_exit_notional = trade_gross_pnl = Decimal();
  trade_fees = fee;
  trade_entry_fees = fee;
  trade_entry_slippage = slippage;
  trade_exit_slippage = Decimal();
  trade_high = trade_low = price;
  trade_signal_id = order.signal_id;
  trade_strategy = order.strategy;
  trade_strategy_version = order.strategy_version;
  trade_entry_order_id = order.id;
  context = TradeContext{};
  position.stop_loss.reset();
  position.take_profit.reset();
  position.trailing_distance.reset();
  position.trailing_percent.reset();
}

void PositionState::SeePrice(Decimal price) {
  trade_high = trade_high ? std::max(*trade_high, price) : price;
  trade_low = trade_low ? std::min(*trade_low, price) : price;
}

void FillEffect::AssignTradeId(TradeId id) {
  if (!closed_trade) return;
  closed_trade->id = id;
  order.trade_id = id;
  position_event.trade_id = id;
  for (Journal& journal : journals) {
    for (JournalLeg& leg : journal) {
      if (leg.entry.type == LedgerEntryType::kRealizedPnl) leg.entry.trade_id = id;
    }
  }
}

std::string_view SystemAccountFor(LedgerEntryType type) noexcept {
  switch (type) {
    case LedgerEntryType::kDeposit:
    case LedgerEntryType::kWithdrawal:
    case LedgerEntryType::kTransfer:
      return "system:external";
    case LedgerEntryType::kFee:
      return "system:fees";
    case LedgerEntryType::kRealizedPnl:
      return "system:pnl";
    case LedgerEntryType::kFunding:
      return "system:funding";
    case LedgerEntryType::kAdjustment:
      return "system:adjustments";
  }
  return "system:external";
}

void ValidateFill(const Fill& fill) {
  if (fill.venue_fill_id.empty()) {
    throw InvalidArgument(FillName(fill) + ": field 'venue_fill_id' is empty");
  }
  if (!fill.quantity.IsPositive()) {
    throw InvalidArgument(FillName(fill) + ": field 'quantity' value '" + fill.quantity.ToString() +
                          "' must be positive");
  }
  if (!fill.price.IsPositive()) {
    throw InvalidArgument(FillName(fill) + ": field 'price' value '" + fill.price.ToString() +
                          "' must be positive");
  }
}

Fill NormalizeFill(const Fill& reported, const Order& order, std::string_view quote_asset,
                   Timestamp now) {
  Fill f = reported;
  f.time = reported.time == Timestamp() ? now : reported.time;
  f.instrument_id = order.instrument_id;
  f.account_id = order.account_id;
  f.side = order.side;
  f.mode = order.mode;
  f.is_test = order.is_test;
  if (f.fee_currency.empty()) f.fee_currency = std::string(quote_asset);
  return f;
}

void CheckResentFill(const Fill& reported, const Fill& f, const Fill& stored) {
  std::string differ;
  auto add = [&differ](std::string_view field, const std::string& value,
                       const std::string& stored_value) {
    if (!differ.empty()) differ += ", ";
    differ += std::string(field) + " " + value + " (stored " + stored_value + ")";
  };
  auto quoted = [](const std::string& s) { return "'" + s + "'"; };
  if (stored.order_id != f.order_id)
    add("order_id", std::to_string(f.order_id), std::to_string(stored.order_id));
  if (stored.quantity != f.quantity)
    add("quantity", f.quantity.ToString(), stored.quantity.ToString());
  if (stored.price != f.price) add("price", f.price.ToString(), stored.price.ToString());
  if (stored.fee != f.fee) add("fee", f.fee.ToString(), stored.fee.ToString());
  if (stored.fee_currency != f.fee_currency)
    add("fee_currency", quoted(f.fee_currency), quoted(stored.fee_currency));
  if (stored.liquidity != f.liquidity)
    add("liquidity", std::string(ToString(f.liquidity)), std::string(ToString(stored.liquidity)));
  if (reported.time != Timestamp() && stored.time != f.time)
    add("time", f.time.ToIso(), stored.time.ToIso());
  if (!differ.empty()) {
    throw Conflict(FillName(reported) + ": venue '" + reported.venue +
                   "' already reported it with other values: " + differ);
  }
}

void CheckFillable(const Order& order, const Fill& fill) {
  if (order.status != OrderStatus::kAccepted && order.status != OrderStatus::kPartiallyFilled) {
    throw Conflict(FillName(fill) + ": " + OrderName(order) + " is " +
                   std::string(ToString(order.status)) + " and cannot be filled");
  }
  if (fill.quantity > order.remaining_quantity()) {
    throw Conflict(FillName(fill) + ": quantity " + fill.quantity.ToString() +
                   " exceeds the remaining " + order.remaining_quantity().ToString() + " of " +
                   OrderName(order));
  }
}

Decimal ReservationOf(const Order& o) {
  if (IsTerminal(o.status)) return Decimal();
  const auto price = ReservePrice(o);
  return price ? o.remaining_quantity().Mul(*price) : Decimal();
}

Decimal SlippageOf(const Order& o, Decimal quantity, Decimal price) {
  const auto expected = o.expected_price ? o.expected_price : o.limit_price;
  if (!expected) return Decimal();
  const Decimal per_unit = o.side == Side::kBuy ? price - *expected : *expected - price;
  return per_unit.Mul(quantity);
}

FillEffect AccountFill(const Order& order_before, const std::optional<PositionState>& position,
                       const Fill& f, std::string_view quote_asset) {
  ValidateFill(f);
  CheckFillable(order_before, f);
  const Timestamp time = f.time;
  FillEffect out;

  // The order: filled quantity, average price, status and reservation.
  Order& order = out.order;
  order = order_before;
  const Decimal new_filled = order.filled_quantity + f.quantity;
  const Decimal notional = order.average_fill_price.value_or(Decimal()).Mul(order.filled_quantity) +
                           f.price.Mul(f.quantity);
  order.average_fill_price = notional.Div(new_filled, RoundingMode::kHalfEven);
  order.filled_quantity = new_filled;
  out.order_from_status = order.status;
  order.status =
      new_filled == order.quantity ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled;
  order.updated_at = time;
  out.reservation_change = ReservationOf(order) - order.reserved;
  order.reserved += out.reservation_change;
  out.order_event_reason = "fill " + f.venue_fill_id;

  // The position and the running state of its trade.
  PositionState& row = out.position;
  if (position) {
    row = *position;
  } else {
    row.position.bot_id = order.bot_id;
    row.position.account_id = order.account_id;
    row.position.instrument_id = order.instrument_id;
  }
  row.position.mode = order.mode;
  row.position.is_test = order.is_test;
  const Position before = row.position;
  const PositionChange change = ApplyFill(before, f.side, f.quantity, f.price, time);
  // The fee is split between the closing and the opening part pro rata, and
  // so is the slippage.
  const Decimal close_fee =
      change.closed_quantity.IsZero()
          ? Decimal()
          : f.fee.Mul(change.closed_quantity).Div(f.quantity, RoundingMode::kHalfEven);
  const Decimal open_fee = f.fee - close_fee;
  const Decimal close_slippage = SlippageOf(order, change.closed_quantity, f.price);
  const Decimal open_slippage = SlippageOf(order, change.opened_quantity, f.price);

  if (!change.closed_quantity.IsZero()) {
    row.SeePrice(f.price);
    row.trade_exit_quantity += change.closed_quantity;
    row.trade_exit_notional += change.closed_quantity.Mul(f.price);
    row.trade_gross_pnl += change.realized_pnl;
    row.trade_fees += close_fee;
    row.trade_exit_slippage += close_slippage;
  }
  if (change.closed) {
    out.closed_trade = ClosedTrade(order, before, row, time);
    order.trade_id = out.closed_trade->id;  // 0 until AssignTradeId
    row.StartTrade(order, Decimal(), f.price, Decimal(), Decimal());
    row.trade_entry_order_id.reset();
    row.trade_high.reset();
    row.trade_low.reset();
  }
  if (!change.opened_quantity.IsZero()) {
    if (before.is_flat() || change.flipped) {
      row.StartTrade(order, change.opened_quantity, f.price, open_fee, open_slippage);
    } else {
      row.trade_max_quantity = std::max(row.trade_max_quantity, change.after.quantity.Abs());
      row.trade_fees += open_fee;
      row.trade_entry_fees += open_fee;
      row.trade_entry_slippage += open_slippage;
      row.SeePrice(f.price);
    }
  }
  // Stops, marks and trailing state belong to the open position.
  const std::optional<Decimal> stop_loss = row.position.stop_loss;
  const std::optional<Decimal> take_profit = row.position.take_profit;
  const std::optional<Decimal> trailing_distance = row.position.trailing_distance;
  const std::optional<Decimal> trailing_percent = row.position.trailing_percent;
  Position& p = row.position;
  p = change.after;
  p.mode = order.mode;
  p.is_test = order.is_test;
  p.fees = before.fees + f.fee;
  p.last_price = f.price;
  p.last_price_at = time;
  if (!p.is_flat()) {
    p.stop_loss = stop_loss;
    p.take_profit = take_profit;
    p.trailing_distance = trailing_distance;
    p.trailing_percent = trailing_percent;
    p.unrealized_pnl = UnrealizedPnl(p, f.price);
    p.highest_price = row.trade_high;
    p.lowest_price = row.trade_low;
  } else {
    p.stop_loss.reset();
    p.take_profit.reset();
    p.trailing_distance.reset();
    p.trailing_percent.reset();
    p.highest_price.reset();
    p.lowest_price.reset();
    p.unrealized_pnl = Decimal();
  }
  out.change = change;

  PositionEvent& e = out.position_event;
  e.bot_id = p.bot_id;
  e.account_id = p.account_id;
  e.instrument_id = p.instrument_id;
  e.time = time;
  e.type = PositionEventType::kIncreased;
  if (before.is_flat()) {
    e.type = PositionEventType::kOpened;
  } else if (change.flipped) {
    e.type = PositionEventType::kFlipped;
  } else if (change.closed) {
    e.type = PositionEventType::kClosed;
  } else if (!change.closed_quantity.IsZero()) {
    e.type = PositionEventType::kReduced;
  }
  e.quantity_change = f.side == Side::kBuy ? f.quantity : -f.quantity;
  e.quantity = p.quantity;
  e.price = f.price;
  e.average_entry_price = p.average_entry_price;
  e.realized_pnl = change.realized_pnl;
  e.stop_loss = p.stop_loss;
  e.take_profit = p.take_profit;
  e.fill_id = f.id;
  if (out.closed_trade) e.trade_id = out.closed_trade->id;
  e.message = "fill " + f.venue_fill_id;
  e.mode = p.mode;
  e.is_test = p.is_test;

  // The ledger: the fee (in its own currency) and the realized P&L (in the
  // quote currency), each with its balancing leg.
  if (!f.fee.IsZero()) {
    LedgerEntry entry;
    entry.bot_id = order.bot_id;
    entry.account_id = order.account_id;
    entry.time = time;
    entry.type = LedgerEntryType::kFee;
    entry.currency = f.fee_currency;
    entry.amount = -f.fee;
    entry.order_id = order.id;
    entry.fill_id = f.id;
    entry.description = "fee of fill " + f.venue_fill_id;
    out.journals.push_back(BalancedJournal(entry));
  }
  if (!change.realized_pnl.IsZero()) {
    LedgerEntry entry;
    entry.bot_id = order.bot_id;
    entry.account_id = order.account_id;
    entry.time = time;
    entry.type = LedgerEntryType::kRealizedPnl;
    entry.currency = quote_asset.empty() ? f.fee_currency : std::string(quote_asset);
    entry.amount = change.realized_pnl;
    entry.order_id = order.id;
    entry.fill_id = f.id;
    if (out.closed_trade) entry.trade_id = out.closed_trade->id;
    entry.description = "realized P&L of fill " + f.venue_fill_id;
    out.journals.push_back(BalancedJournal(entry));
  }
  return out;
}

}  // namespace tradestore
