// tradestore backtest --symbol S --timeframe TF --strategy sma-cross ...
//
// A moving-average crossover bot that trades through the public library API
// exactly as a live bot would: it records each signal, submits orders to the
// paper broker, and marks its equity; it never touches tables directly.
//
// Initial risk: when a position opens, the bot records a protective stop of
// --stop-atr x ATR(14) from the entry (below a long, above a short) as the
// trade's initial stop, with the ATR and the ADX trend regime seen at the
// decision, so the journal has R-multiples and regimes. The stop sizes the
// risk unit only: the strategy exits on the opposite crossover, never at
// the stop (the paper broker does not execute position stops).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "commands.h"
#include "tradestore/error.h"
#include "tradestore/indicators.h"
#include "tradestore/market_regime.h"
#include "tradestore/paper_broker.h"
#include "tradestore/persisted_analytics.h"
#include "tradestore/retry.h"
#include "tradestore/store.h"

namespace tradestore::cli {
namespace {

struct BacktestArgs {
  std::string symbol, timeframe, strategy = "sma-cross", bot;
  std::optional<std::string> venue;  // unset: the one instrument with the symbol
  int fast = 10, slow = 30;
  std::string cash = "10000";
  std::string fee_bps = "10", maker_fee_bps = "", slippage_bps = "5";
  double participation = 0;
  double stop_atr = 2.0;  // initial stop distance in ATR(14); 0 = none
  bool allow_short = false;
  bool resume = false;
};

// Simple moving average over the last `n` closes, O(1) per step.
class Sma {
 public:
  explicit Sma(int n) : n_(n) {}
  void Add(double x) {
    window_.push_back(x);
    sum_ += x;
    if (static_cast<int>(window_.size()) > n_) {
      sum_ -= window_.front();
      window_.pop_front();
    }
  }
  bool ready() const { return static_cast<int>(window_.size()) == n_; }
  double value() const { return sum_ / n_; }

 private:
  int n_;
  std::deque<double> window_;
  double sum_ = 0;
};

struct BacktestResult {
  std::string bot;
  std::int64_t candles = 0, signals = 0, orders = 0, fills = 0, trades = 0;
  Decimal cash, equity, position;
  std::optional<Timestamp> first, last;
};

// The instrument to trade: (venue, symbol) when --venue is given, else the
// only instrument listing the symbol. Throws kNotFound when there is none and
// kInvalidArgument, naming the venues, when several venues list the symbol.
Instrument FindInstrument(Store& store, const std::string& symbol,
                          const std::optional<std::string>& venue) {
  if (venue) {
    if (auto found = store.instruments().Find(*venue, symbol)) return *found;
    throw NotFound("instrument '" + symbol + "' on venue '" + *venue +
                   "' is not in the store; import its candles first");
  }
  std::vector<Instrument> matches;
  for (Instrument& i : store.instruments().List()) {
    if (i.symbol == symbol) matches.push_back(std::move(i));
  }
  if (matches.empty()) {
    throw NotFound("instrument '" + symbol + "' is not in the store; import its candles first");
  }
  if (matches.size() > 1) {
    std::vector<std::string> venues;
    for (const Instrument& i : matches) venues.push_back(i.venue.empty() ? "''" : i.venue);
    std::sort(venues.begin(), venues.end());
    throw InvalidArgument(fmt::format("instrument '{}' is listed on {} venues ({}); pass --venue",
                                      symbol, venues.size(), fmt::join(venues, ", ")));
  }
  return matches.front();
}

// The in-memory state of a run: the indicators and what the bot remembers
// between candles. Everything else is in the store.
struct SmaCrossState {
  SmaCrossState(int fast_n, int slow_n) : fast(fast_n), slow(slow_n) {}
  Sma fast, slow;
  Atr atr{14};
  RegimeClassifier regimes;
  std::optional<double> prev_diff;
  // What the bot saw when it decided the last order (ATR, trend regime),
  // recorded as the trade context of the position that order opens.
  std::optional<double> decision_atr;
  std::string decision_regime;
  std::optional<Timestamp> context_opened_at;  // the position whose context is set
};

// A step's indicator updates, shared by a step and by the replay of resume.
struct StepIndicators {
  std::optional<double> atr_now;
  std::optional<Regime> regime_now;
  std::optional<double> diff;  // fast - slow, once both are ready
};
StepIndicators UpdateIndicators(SmaCrossState& s, const Candle& candle) {
  StepIndicators out;
  s.fast.Add(candle.close);
  s.slow.Add(candle.close);
  out.atr_now = s.atr.Update(candle);
  out.regime_now = s.regimes.Update(candle);
  if (s.fast.ready() && s.slow.ready()) out.diff = s.fast.value() - s.slow.value();
  return out;
}

BacktestResult RunSmaCross(Store& store, const BacktestArgs& a, bool resume) {
  if (a.strategy != "sma-cross") {
    throw InvalidArgument("--strategy: unknown strategy '" + a.strategy + "' (known: sma-cross)");
  }
  if (a.fast < 1 || a.slow <= a.fast) {
    throw InvalidArgument(
        fmt::format("--fast {} / --slow {}: need 1 <= fast < slow", a.fast, a.slow));
  }
  const Timeframe tf = ParseTimeframe(a.timeframe);
  const Decimal cash = Decimal::Parse(a.cash);
  if (!cash.IsPositive()) throw InvalidArgument("--cash must be positive, got '" + a.cash + "'");
  if (!std::isfinite(a.stop_atr) || a.stop_atr < 0) {
    throw InvalidArgument(fmt::format("--stop-atr {}: need a finite number >= 0", a.stop_atr));
  }
  const std::optional<Instrument> instrument = FindInstrument(store, a.symbol, a.venue);
  if (instrument->quote_asset.empty()) {
    throw InvalidArgument("instrument '" + a.symbol +
                          "' has no quote asset; re-import with --quote");
  }
  const std::string bot_name =
      a.bot.empty() ? fmt::format("sma-cross-{}-{}-{}-{}", a.symbol, a.timeframe, a.fast, a.slow)
                    : a.bot;
  std::optional<Bot> existing = store.bots().FindByName(bot_name);
  if (existing && !resume) {
    throw Conflict("bot '" + bot_name +
                   "' already has a recorded session in this store; pass --bot NAME for a new "
                   "one, or --resume to continue a session that was cut off");
  }

  paper::PaperConfig config;
  config.taker_fee_bps = Decimal::Parse(a.fee_bps);
  config.maker_fee_bps =
      a.maker_fee_bps.empty() ? config.taker_fee_bps : Decimal::Parse(a.maker_fee_bps);
  config.slippage_bps = Decimal::Parse(a.slippage_bps);
  config.max_volume_participation = a.participation;
  // Fees are charged in whole units of the quote currency's price precision.
  config.fee_decimals = instrument->price_precision;
  // Every option is checked before anything is recorded: a refused run
  // leaves no bot behind, so the same --bot can be run again.
  paper::ValidateConfig(config);

  const std::vector<Candle> candles = store.candles().Range(instrument->id, tf);
  if (candles.empty()) {
    throw NotFound(fmt::format("no {} candles of {} in the store", a.timeframe, a.symbol));
  }
  // Set-up: the bot, its account and the starting cash, as one unit of
  // work; its starting snapshot (at the first candle's open) marks it as
  // committed.
  const auto set_up = [&] {
    UnitOfWork setup = store.BeginTrading();
    Bot bot;
    bot.name = bot_name;
    bot.version = "0.1.0";
    bot.strategy = fmt::format("sma-cross({},{})", a.fast, a.slow);
    bot.mode = RunMode::kBacktest;
    bot = store.bots().Create(bot);
    const Account account = store.accounts().Create(bot.id, "main");
    LedgerEntry deposit;
    deposit.bot_id = bot.id;
    deposit.account_id = account.id;
    deposit.time = candles.front().open_time;
    deposit.type = LedgerEntryType::kDeposit;
    deposit.currency = instrument->quote_asset;
    deposit.amount = cash;
    deposit.description = "starting capital";
    store.ledger().Post(deposit);
    PortfolioSnapshot start{bot.id,    account.id, candles.front().open_time, cash, cash,
                            Decimal(), 0};
    store.portfolio().Record(start);
    setup.Commit();
  };
  if (!existing) {
    RetryOptions retry;
    retry.committed = [&] { return store.bots().FindByName(bot_name).has_value(); };
    retry.on_retry = [&](const Error& e) {
      std::cerr << "backtest: " << e.what() << "; retrying\n";
    };
    RunRetrying(set_up, retry);
  }
  const Bot bot = *store.bots().FindByName(bot_name);
  const Account account = store.accounts().GetOrCreate(bot.id, "main");

  paper::PaperBroker broker(store, bot.id, account.id, config);
  BacktestResult r;
  r.bot = bot_name;
  std::optional<SmaCrossState> state;
  std::size_t next = 0;  // the first candle whose step is not committed
  // Rebuilds the in-memory state from the candles and the store: the
  // indicators are replayed over the candles of the committed steps (each
  // step's commit marker is its portfolio snapshot at the candle's close),
  // the decisions from the orders those steps submitted, the counts from
  // the store. Used by --resume, and after a lost unit of work in this run.
  const auto restore = [&] {
    state.emplace(a.fast, a.slow);
    std::map<std::int64_t, PortfolioSnapshot> snapshots;  // by time (µs)
    for (PortfolioSnapshot& p : store.portfolio().Curve(bot.id, account.id)) {
      snapshots.emplace(p.time.micros(), std::move(p));
    }
    std::set<std::int64_t> order_times;
    const std::vector<Order> orders = store.orders().List(bot.id);
    for (const Order& o : orders) order_times.insert(o.created_at.micros());
    next = 0;
    while (next < candles.size() &&
           snapshots.count((candles[next].open_time + Duration(tf)).micros()) > 0) {
      const Candle& candle = candles[next];
      const StepIndicators ind = UpdateIndicators(*state, candle);
      if (ind.diff) state->prev_diff = ind.diff;
      if (order_times.count((candle.open_time + Duration(tf)).micros()) > 0) {
        state->decision_atr = ind.atr_now;
        state->decision_regime =
            ind.regime_now ? std::string(ToString(ind.regime_now->trend)) : std::string();
      }
      ++next;
    }
    // Every step sets the context of a position it opened.
    const auto pos = store.positions().Get(bot.id, account.id, instrument->id);
    if (pos && !pos->is_flat()) state->context_opened_at = pos->opened_at;
    r.signals = static_cast<std::int64_t>(store.signals().List(bot.id).size());
    r.orders = static_cast<std::int64_t>(orders.size());
    r.fills = static_cast<std::int64_t>(store.orders().ListFills(bot.id).size());
    r.candles = static_cast<std::int64_t>(next);
    r.position = pos ? pos->quantity : Decimal();
    if (next > 0) {
      // What the last committed step saw, as it recorded it.
      const PortfolioSnapshot& last =
          snapshots.at((candles[next - 1].open_time + Duration(tf)).micros());
      r.cash = last.cash;
      r.equity = last.equity;
    }
  };
  // The commit marker of the step before candle `i` (the set-up's starting
  // snapshot for the first).
  const auto marker_before = [&](std::size_t i) {
    return i == 0 ? candles.front().open_time : candles[i - 1].open_time + Duration(tf);
  };
  // One step of the bot is one unit of work: fills, signal, order, equity.
  const auto step = [&](std::size_t i) {
    const Candle& candle = candles[i];
    SmaCrossState& s = *state;
    UnitOfWork uow = store.BeginTrading();
    // The step's precondition, read in its own unit of work: the store
    // holds exactly the steps this run has seen committed (the previous
    // step's marker is there, this one's is not). It fails when a server
    // lost commits it had acknowledged (PostgreSQL with
    // synchronous_commit=off, restarted after a crash: the run's next unit
    // of work starts without an error on a store that is behind it), or
    // when another process resumed the same session. Then nothing of the
    // step is written and the run rebuilds its state from the store before
    // going on (restore), as after a lost unit of work.
    {
      const Timestamp before = marker_before(i);
      const Timestamp close_time = candle.open_time + Duration(tf);
      const std::vector<PortfolioSnapshot> markers = store.portfolio().Curve(
          bot.id, account.id, TimeRange{before, Timestamp(close_time.micros() + 1)});
      if (markers.size() != 1 || markers.front().time != before) {
        throw Error(ErrorKind::kUnavailable,
                    fmt::format("the store does not hold the steps this run committed up to {} "
                                "(a server that lost acknowledged commits, or another process "
                                "running the same session)",
                                before.ToIso()),
                    {}, /*retryable=*/true);
      }
    }
    const std::int64_t fills =
        static_cast<std::int64_t>(broker.OnCandle(*instrument, tf, candle).size());
    const Timestamp close_time = candle.open_time + Duration(tf);
    const StepIndicators ind = UpdateIndicators(s, candle);
    auto pos = store.positions().Get(bot.id, account.id, instrument->id);
    if (pos && !pos->is_flat() && s.context_opened_at != pos->opened_at &&
        (s.decision_atr || !s.decision_regime.empty())) {
      // A position opened (or flipped) on this candle: its initial risk.
      TradeContext context;
      if (s.decision_atr && *s.decision_atr > 0 && a.stop_atr > 0) {
        const double entry = pos->average_entry_price.ToDouble();
        const double distance = a.stop_atr * *s.decision_atr;
        const double stop = pos->quantity.IsPositive() ? entry - distance : entry + distance;
        const Decimal stop_price = Decimal::FromDouble(stop, instrument->price_precision);
        if (stop_price.IsPositive()) {
          context.initial_stop = stop_price;
          context.position_size_rule =
              fmt::format("all equity; initial stop {} x ATR(14), not executed", a.stop_atr);
        }
      }
      if (s.decision_atr) context.atr = *s.decision_atr;
      context.regime = s.decision_regime;
      store.positions().SetTradeContext(bot.id, account.id, instrument->id, context);
      s.context_opened_at = pos->opened_at;
    }
    const Decimal qty = pos ? pos->quantity : Decimal();
    const Decimal close = Decimal::FromDouble(candle.close, instrument->price_precision);
    const Decimal balance = store.accounts().BalanceOf(bot.id, account.id, instrument->quote_asset);
    const Decimal unrealized = pos ? UnrealizedPnl(*pos, close) : Decimal();
    const Decimal equity = balance + unrealized;
    std::int64_t signals = 0, orders = 0;
    if (ind.diff) {
      const double diff = *ind.diff;
      std::optional<Side> side;
      if (s.prev_diff && *s.prev_diff <= 0 && diff > 0) side = Side::kBuy;
      if (s.prev_diff && *s.prev_diff >= 0 && diff < 0) side = Side::kSell;
      s.prev_diff = diff;
      if (side) {
        Signal sig;
        sig.bot_id = bot.id;
        sig.instrument_id = instrument->id;
        sig.strategy = bot.strategy;
        sig.time = close_time;
        sig.side = *side;
        sig.strength = std::min(1.0, std::abs(diff) / candle.close * 100.0);
        sig.price = candle.close;
        sig.mode = RunMode::kBacktest;
        sig = store.signals().Record(sig);
        ++signals;
        // Target position: long on a buy signal; flat (or short) on a sell.
        const Decimal target_size = equity.Div(close, RoundingMode::kDown)
                                        .Round(instrument->size_precision, RoundingMode::kDown);
        Decimal target;
        if (*side == Side::kBuy) target = target_size;
        if (*side == Side::kSell && a.allow_short) target = -target_size;
        const Decimal delta = target - qty;
        if (!delta.IsZero() && equity.IsPositive()) {
          Order o;
          o.instrument_id = instrument->id;
          o.signal_id = sig.id;
          o.strategy = bot.strategy;
          o.side = delta.IsPositive() ? Side::kBuy : Side::kSell;
          o.type = OrderType::kMarket;
          o.quantity = delta.Abs();
          o.exit_reason = "signal";
          // The close the signal saw: the trade journal measures slippage
          // against it. The parameters are the strategy's version.
          if (close.IsPositive()) o.expected_price = close;
          o.strategy_version = "fast=" + std::to_string(a.fast) + ",slow=" + std::to_string(a.slow);
          o.mode = RunMode::kBacktest;
          o.created_at = close_time;
          broker.Submit(o);
          s.decision_atr = ind.atr_now;
          s.decision_regime =
              ind.regime_now ? std::string(ToString(ind.regime_now->trend)) : std::string();
          store.signals().MarkActedOn(bot.id, sig.id);
          ++orders;
        }
      }
    }
    // The step's commit marker (see restore).
    PortfolioSnapshot snap{bot.id,  account.id, close_time,          equity,
                           balance, unrealized, qty.IsZero() ? 0 : 1};
    store.portfolio().Record(snap);
    uow.Commit();
    r.fills += fills;
    r.signals += signals;
    r.orders += orders;
    ++r.candles;
    r.cash = balance;
    r.equity = equity;
    r.position = qty;
  };

  // A step lost with its unit of work (a PostgreSQL restart), or whose
  // COMMIT's outcome is unknown, is taken up again from the store: restore
  // finds the last committed step by its marker, so a step is never run
  // twice nor skipped; each step gets its own retry budget.
  bool restore_first = resume && existing.has_value();
  if (!restore_first) state.emplace(a.fast, a.slow);
  RetryOptions retry;
  retry.idempotent = true;  // the re-run starts with restore, which checks the marker
  retry.on_retry = [&](const Error& e) {
    std::cerr << "backtest: " << e.what() << "; resuming from the last committed step\n";
  };
  while (restore_first || next < candles.size()) {
    RunRetrying(
        [&] {
          if (restore_first) restore();
          restore_first = true;
          if (next < candles.size()) step(next);
          ++next;
          restore_first = false;
        },
        retry);
  }
  r.first = candles.front().open_time;
  r.last = candles.back().open_time;
  TradeFilter filter;
  filter.bot = bot.id;
  r.trades = static_cast<std::int64_t>(store.trades().List(filter).size());
  return r;
}

}  // namespace

void AddBacktestCommand(CLI::App& app, GlobalOptions& global, std::function<int()>& run) {
  auto* sub = app.add_subcommand(
      "backtest", "Run a bot's paper-trading session over stored candles and record it");
  auto a = std::make_shared<BacktestArgs>();
  sub->add_option("--symbol", a->symbol, "Instrument symbol")->required();
  sub->add_option("--venue", a->venue,
                  "Instrument venue (default: the only instrument with the symbol)");
  sub->add_option("--timeframe", a->timeframe, "Candle timeframe, e.g. 1h")->required();
  sub->add_option("--strategy", a->strategy, "Strategy (sma-cross)");
  sub->add_option("--fast", a->fast, "Fast SMA length in candles (default 10)");
  sub->add_option("--slow", a->slow, "Slow SMA length in candles (default 30)");
  sub->add_option("--cash", a->cash, "Starting cash in the quote asset (default 10000)");
  sub->add_option("--bot", a->bot, "Bot name (default: derived from the parameters)");
  sub->add_option("--fee-bps", a->fee_bps, "Taker fee, basis points (default 10)");
  sub->add_option("--maker-fee-bps", a->maker_fee_bps, "Maker fee, basis points (default: taker)");
  sub->add_option("--slippage-bps", a->slippage_bps, "Slippage of market orders, bps (default 5)");
  sub->add_option("--participation", a->participation,
                  "Max fraction of a candle's volume one order may take (0 = unlimited)");
  sub->add_option("--stop-atr", a->stop_atr,
                  "Initial stop recorded per trade, in ATR(14) from the entry (default 2, 0 = none;"
                  " it sets the risk unit for R, it is not executed)");
  sub->add_flag("--allow-short", a->allow_short, "Go short on sell signals instead of flat");
  sub->add_flag("--resume", a->resume,
                "Continue the session of --bot (or the default name) from its last committed "
                "step, e.g. after the process was cut off; same options as the first run");
  AddCommonOptions(*sub, global);
  sub->callback([&global, &run, a] {
    run = [&global, a]() {
      // A PostgreSQL server that is restarting is waited for (retry.h).
      RetryOptions open_retry;
      open_retry.on_retry = [](const Error& e) {
        std::cerr << "backtest: " << e.what() << "; retrying\n";
      };
      std::optional<Store> opened;
      RunRetrying([&] { opened.emplace(Store::Open(global.ResolvedUrl())); }, open_retry);
      Store& store = *opened;
      const BacktestResult r = RunSmaCross(store, *a, a->resume);
      // The session's trades have closed: bring the bot's persisted analytics
      // (daily and strategy performance, dashboard metrics) up to date,
      // incrementally from the first day the run touched (run again whole if
      // its unit of work is lost: it recomputes from the store).
      AnalyzeResult analyzed;
      RetryOptions retry;
      retry.idempotent = true;
      RunRetrying(
          [&] {
            const auto bot = store.bots().FindByName(r.bot);
            analyzed = AnalyzeBot(store, bot->id);
          },
          retry);
      if (global.json) {
        nlohmann::json j = {{"bot", r.bot},
                            {"candles", r.candles},
                            {"signals", r.signals},
                            {"orders", r.orders},
                            {"fills", r.fills},
                            {"closed_trades", r.trades},
                            {"cash", r.cash.ToString()},
                            {"equity", r.equity.ToString()},
                            {"open_position", r.position.ToString()},
                            {"first_candle", r.first->ToIso()},
                            {"last_candle", r.last->ToIso()},
                            {"analytics_days_written", analyzed.days_written}};
        std::cout << j.dump(2) << "\n";
      } else {
        std::cout << fmt::format(
            "Backtest of bot {} (sma-cross {}/{} on {} {})\n"
            "  candles        {} ({} .. {})\n"
            "  signals        {}\n"
            "  orders         {}\n"
            "  fills          {}\n"
            "  closed trades  {}\n"
            "  open position  {}\n"
            "  cash           {}\n"
            "  equity         {}\n"
            "  analytics      {} ({} daily rows written)\n",
            r.bot, a->fast, a->slow, a->symbol, a->timeframe, r.candles, r.first->ToIso(),
            r.last->ToIso(), r.signals, r.orders, r.fills, r.trades, r.position.ToString(),
            r.cash.Round(2).ToString(), r.equity.Round(2).ToString(), analyzed.kind,
            analyzed.days_written);
      }
      return 0;
    };
  });
}

}  // namespace tradestore::cli
