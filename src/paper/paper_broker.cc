#include "tradestore/paper_broker.h"

#include <algorithm>
#include <string>

#include "paper/matching.h"
#include "tradestore/error.h"

namespace tradestore::paper {

PaperBroker::PaperBroker(Store& store, BotId bot, AccountId account, PaperConfig config,
                         std::string venue)
    : store_(store), bot_(bot), account_(account), config_(config), venue_(std::move(venue)) {
  ValidateConfig(config_);
  store_.accounts().Get(bot_, account_);
}

Order PaperBroker::Submit(Order order) {
  order.bot_id = bot_;
  order.account_id = account_;
  if (order.created_at == Timestamp()) order.created_at = Timestamp::Now();
  UnitOfWork uow = store_.BeginTrading();
  Order created = store_.orders().Create(order);
  Order accepted = store_.orders().Transition(bot_, created.id, OrderStatus::kAccepted,
                                              created.created_at, "paper broker accepted");
  uow.Commit();
  return accepted;
}

Order PaperBroker::Cancel(OrderId id, Timestamp time, std::string_view reason) {
  if (store_.orders().Get(bot_, id).account_id != account_) {
    throw NotFound("order " + std::to_string(id) + " is not an order of this broker's account " +
                   std::to_string(account_));
  }
  return store_.orders().Transition(bot_, id, OrderStatus::kCancelled, time, reason);
}

std::vector<FillOutcome> PaperBroker::OnCandle(const Instrument& instrument, Timeframe timeframe,
                                               const Candle& candle) {
  const Timestamp open = candle.open_time;
  const Timestamp end = open + Duration(timeframe);
  std::vector<FillOutcome> fills;
  UnitOfWork uow = store_.BeginTrading();
  for (Order order : store_.orders().ListOpen(bot_)) {
    if (order.account_id != account_ || order.instrument_id != instrument.id) continue;
    if (order.created_at > open) continue;            // works from the next candle on
    if (order.status == OrderStatus::kNew) continue;  // not accepted: not working
    // Before matching, a still-working order has never been matched: every
    // order matched on a candle is expired at that candle's end if its time
    // in force ran out (below), in the same unit of work. So an IOC/FOK order
    // gets this candle even if earlier candles are missing (a data gap, a
    // closed market): it is the first candle after its submission.
    if (ShouldExpire(order, open, /*had_fill_opportunity=*/false)) {
      store_.orders().Transition(bot_, order.id, OrderStatus::kExpired, open,
                                 "time in force " + std::string(ToString(order.time_in_force)));
      continue;
    }
    const bool was_triggered = order.triggered_at.has_value();
    const MatchResult match = MatchOrder(order, was_triggered, candle, instrument, config_);
    if (match.stop_triggered && !was_triggered) {
      order = store_.orders().MarkTriggered(bot_, order.id, open);
    }
    if (match.fill) {
      Fill f;
      f.bot_id = bot_;
      f.order_id = order.id;
      f.venue = venue_;
      f.venue_fill_id = venue_ + "-" + std::to_string(order.id) + "-" +
                        std::to_string(store_.orders().Fills(bot_, order.id).size() + 1);
      f.quantity = match.fill->quantity;
      f.price = match.fill->price;
      f.fee = match.fill->fee;
      f.fee_currency = instrument.quote_asset;
      f.liquidity = match.fill->liquidity;
      f.time = open;
      fills.push_back(store_.orders().RecordFill(f));
      order = fills.back().order;
    }
    if (order.status != OrderStatus::kFilled && ShouldExpire(order, end, true)) {
      store_.orders().Transition(bot_, order.id, OrderStatus::kExpired, end,
                                 "time in force " + std::string(ToString(order.time_in_force)));
    }
  }
  const Decimal high = Decimal::FromDouble(candle.high, instrument.price_precision);
  const Decimal low = Decimal::FromDouble(candle.low, instrument.price_precision);
  store_.positions().Mark(bot_, account_, instrument.id, high, low);
  uow.Commit();
  return fills;
}

}  // namespace tradestore::paper
