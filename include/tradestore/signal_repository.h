// SignalRepository: strategy signals, their components and outcomes
// (src/store/signal_repository.cc).
//
// Obtained from Store (store.h); units, errors and thread safety as stated
// there.
#pragma once

#include <vector>

#include "tradestore/bot.h"
#include "tradestore/repository.h"
#include "tradestore/signal.h"

namespace tradestore {

// Signals (signal.h; src/store/signal_repository.cc). Components are stored
// in trading.signal_components (a child table: one row per component, so
// per-component accuracy is a plain query); filters as JSON arrays of names.
class SignalRepository {
 public:
  // Records a signal and its components in one unit of work; returns it
  // with its id. Throws kInvalidArgument for an empty strategy, a
  // confidence outside [0, 1], a component with an empty or repeated name,
  // a confidence outside [0, 1] or a negative weight, an empty filter name
  // or a filter both passed and failed; kNotFound for an unknown bot.
  Signal Record(const Signal& signal);
  void MarkActedOn(BotId bot, SignalId id);
  // The signal with its components and outcome; throws kNotFound.
  Signal Get(BotId bot, SignalId id);
  // A bot's signals (test ones included, as before), oldest first.
  std::vector<Signal> List(BotId bot, const TimeRange& range = {});
  // Signals matching `filter` (test signals only with include_test), by
  // time then id.
  std::vector<Signal> Find(const SignalFilter& filter);
  // The orders and trades whose signal_id is this signal's. Throws
  // kNotFound for an unknown signal.
  SignalLinks Links(BotId bot, SignalId id);
  // Derives the outcome from the closed trades linked by trades.signal_id
  // (sum of net P&L: > 0 win, < 0 loss, = 0 breakeven; latest exit time)
  // and stores it on the signal; calling again after more trades closed
  // recomputes it. OrderRepository::RecordFill calls it when it closes a
  // trade that names a signal, so callers need it only after editing trades
  // by other means. Throws kNotFound for an unknown signal, kConflict when no
  // closed trade names it yet.
  SignalOutcome RecordOutcome(BotId bot, SignalId id);

 private:
  friend class detail::StoreImpl;
  detail::StoreImpl* impl_ = nullptr;
};

}  // namespace tradestore
