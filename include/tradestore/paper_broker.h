// The paper broker: simulated execution of a bot's orders against candles,
// recorded in the store exactly as a live venue's reports would be.
//
// The matching rules (prices, slippage, fees, partial fills, time in force)
// are the contract documented in src/paper/matching.h and docs/paper-broker.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tradestore/decimal.h"
#include "tradestore/store.h"

namespace tradestore::paper {

struct PaperConfig {
  Decimal maker_fee_bps;  // basis points of notional; may be negative (rebate)
  Decimal taker_fee_bps;  // basis points of notional; may be negative (rebate)
  Decimal slippage_bps;   // 0 <= slippage_bps < 10000, market and stop fills only
  // Fraction of a candle's volume that one order may take on that candle,
  // in [0, 1]; 0 = unlimited. Values below 1 produce partial fills.
  double max_volume_participation = 0;
  // Decimal places each fee is rounded to (half-even), as a venue charges in
  // its currency's unit; -1 keeps the exact fee (18 places).
  int fee_decimals = -1;
};

// Throws Error(kInvalidArgument) "paper config: FIELD must be ..., got V"
// when a field of `config` is out of the ranges above (fees in (-10000,
// 10000) bps, slippage in [0, 10000), participation finite in [0, 1],
// fee_decimals in [-1, 18]). PaperBroker's constructor and MatchOrder call it;
// a caller can check a config before it records anything.
void ValidateConfig(const PaperConfig& config);

class PaperBroker {
 public:
  // Executes orders of `bot` on `account`, recording fills with venue
  // `venue`. Throws Error(kNotFound) if the account does not exist and
  // Error(kInvalidArgument) for an invalid config.
  PaperBroker(Store& store, BotId bot, AccountId account, PaperConfig config,
              std::string venue = "paper");

  // Records `order` (status new) and accepts it (status accepted) in one unit
  // of work; bot and account are set from the broker. The order works from
  // the first candle that opens at or after order.created_at (set it to the
  // decision time, e.g. the close of the candle the strategy saw; now if
  // unset). Throws what OrderRepository::Create throws.
  Order Submit(Order order);

  // Cancels a working order. Throws Error(kConflict) if it is terminal and
  // Error(kNotFound) if it is not an order of this broker's bot and account.
  Order Cancel(OrderId id, Timestamp time, std::string_view reason = "cancelled by user");

  // Processes one candle of `instrument`: expires orders whose time in force
  // ran out, matches every working order of this bot and account on the
  // instrument, records triggers and fills (order, fill, position, trade,
  // ledger), expires unfilled IOC/FOK remainders, and records the candle's
  // high and low against the open position for MAE/MFE; all in one unit of
  // work. Returns the fills recorded, in order id order.
  std::vector<FillOutcome> OnCandle(const Instrument& instrument, Timeframe timeframe,
                                    const Candle& candle);

  const PaperConfig& config() const { return config_; }

 private:
  Store& store_;
  BotId bot_;
  AccountId account_;
  PaperConfig config_;
  std::string venue_;
};

}  // namespace tradestore::paper
