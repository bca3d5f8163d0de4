// A realistic trading day of one bot on real one-minute candles (binanceus
// BTCUSDC, 2023-03-01, examples/data), shared by the concurrency test's
// threads and by the domain_driver processes it spawns.
//
// The bot: deposits 10000 USDC, moves 1000 to a reserve account, withdraws
// 100 at noon; every hour (offset by its index) it records a signal and
// places a limit order at the close, gets 40% filled at once (the fill
// report is sent twice on purpose), the rest on the next candle if the
// price trades through the limit, else cancels it; an open position gets a
// stop loss 0.5% away, a trailing stop of 0.3% and a journal context, is
// marked every candle, and is closed by a market order when the stop is
// hit, after 45 minutes ("time"), or at the end of the day. Fees: 0.02%
// maker on entries, 0.05% taker on exits, in USDC. At the end it takes a
// daily balance snapshot.
//
// Signals end to end: each signal carries two components (technical,
// momentum) and filters; its entry and exit orders name it (the trade takes
// it from the entry order), and RecordOutcome is called when its trade
// closes.
//
// Risk: each bot has limits (max 1 open order, a daily loss limit) and
// evaluates them before every entry (open orders counting the one being
// placed) and after every closed trade (today's loss = -(sum of today's net
// P&L) when negative). Bot index 3 has a daily loss limit of 0.01 USDC, the
// others 5000; a breach halts the bot: it cancels its open orders and
// places no more entries, but keeps evaluating (the same open event comes
// back, recorded once).
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "tradestore/error.h"
#include "tradestore/risk.h"
#include "tradestore/store.h"

namespace tradestore::testing {

struct DayCandle {
  Timestamp time;
  Decimal open, high, low, close;
};

// The first `count` candles of the file (header skipped).
inline std::vector<DayCandle> LoadDayCandles(const std::string& csv_path, int count = 1440) {
  std::ifstream in(csv_path);
  if (!in) throw NotFound("cannot open " + csv_path);
  std::string line;
  std::getline(in, line);
  std::vector<DayCandle> out;
  while (static_cast<int>(out.size()) < count && std::getline(in, line)) {
    std::vector<std::string> f;
    std::size_t start = 0;
    for (std::size_t comma; (comma = line.find(',', start)) != std::string::npos;
         start = comma + 1) {
      f.push_back(line.substr(start, comma - start));
    }
    f.push_back(line.substr(start));
    std::string iso = f.at(0);  // "2023-03-01 00:00:00+00:00"
    iso[10] = 'T';
    iso = iso.substr(0, 19) + "Z";
    out.push_back({Timestamp::Parse(iso), Decimal::Parse(f.at(1)), Decimal::Parse(f.at(2)),
                   Decimal::Parse(f.at(3)), Decimal::Parse(f.at(4))});
  }
  return out;
}

// The instrument every bot trades (created once by the test).
inline Instrument DayInstrument(Store& store) {
  Instrument in;
  in.venue = "binanceus";
  in.symbol = "BTCUSDC";
  in.base_asset = "BTC";
  in.quote_asset = "USDC";
  in.price_precision = 2;
  in.size_precision = 5;
  return store.instruments().Upsert(in);
}

// What a day sent, for the checks: fill reports (duplicates included) and
// distinct fills.
struct DayReport {
  int fill_reports = 0;
  int distinct_fills = 0;
  int cancels = 0;
  int trades = 0;
  int risk_evaluations_after_halt = 0;  // evaluations that returned the open event again
};

inline Decimal DayLossLimit(int index) { return Decimal::Parse(index == 3 ? "0.01" : "5000"); }

inline DayReport RunDay(const std::string& url, const std::string& bot_name, int index,
                        bool is_test, const std::vector<DayCandle>& candles) {
  using literals::operator""_d;
  Store store = Store::Open(url);
  DayReport report;
  const Instrument btc = *store.instruments().Find("binanceus", "BTCUSDC");
  Bot b;
  b.name = bot_name;
  b.version = "day-1." + std::to_string(index);
  b.strategy = "hourly-breakout";
  b.mode = RunMode::kPaper;
  b.is_test = is_test;
  b.created_at = candles.front().time;
  const Bot bot = store.bots().Create(b);
  const Account main = store.accounts().Create(bot.id, "main");
  const Account reserve = store.accounts().Create(bot.id, "reserve");
  auto post = [&](LedgerEntryType type, Decimal amount, Timestamp at, const char* what) {
    LedgerEntry e;
    e.bot_id = bot.id;
    e.account_id = main.id;
    e.type = type;
    e.currency = "USDC";
    e.amount = amount;
    e.time = at;
    e.description = what;
    store.ledger().Post(e);
  };
  post(LedgerEntryType::kDeposit, "10000"_d, candles.front().time, "start of day");
  store.ledger().Transfer(bot.id, main.id, reserve.id, "USDC", "1000"_d, candles.front().time,
                          "reserve");

  RiskLimits limits;
  limits.bot_id = bot.id;
  limits.max_open_orders = 1;
  limits.max_daily_loss = DayLossLimit(index);
  limits.effective_from = candles.front().time;
  limits.note = "day limits";
  store.risk().SetLimits(limits);
  Decimal day_net;  // sum of today's closed trades' net P&L
  std::optional<std::int64_t> halt_event;
  auto evaluate = [&](std::int64_t open_orders, Timestamp at) {
    RiskValues v;
    v.open_orders = open_orders;
    v.daily_loss = day_net.IsNegative() ? -day_net : Decimal();
    const auto events = store.risk().Evaluate(bot.id, v, at, "halt_trading");
    if (events.empty()) return;
    if (halt_event) {
      if (events.front().id != *halt_event) throw Conflict("a second risk event was recorded");
      ++report.risk_evaluations_after_halt;
      return;
    }
    halt_event = events.front().id;
    // Halt: cancel every open order; no entry from now on.
    for (const Order& o : store.orders().List(bot.id)) {
      if (!IsTerminal(o.status)) {
        store.orders().Cancel(bot.id, o.id, at, "risk limit: halt trading");
        ++report.cancels;
      }
    }
  };

  const Decimal maker = "0.0002"_d;
  const Decimal taker = "0.0005"_d;
  const Decimal qty = Decimal::Parse("0.0" + std::to_string(1 + index % 3));
  int next_fill = 0;
  auto fill = [&](const Order& o, Decimal q, Decimal price, Decimal rate, Timestamp at,
                  bool duplicate) {
    Fill f;
    f.bot_id = bot.id;
    f.order_id = o.id;
    f.venue = "sim";
    f.venue_fill_id = bot_name + "-" + std::to_string(++next_fill);
    f.quantity = q;
    f.price = price;
    f.fee = price.Mul(q).Mul(rate);
    f.liquidity = rate == maker ? Liquidity::kMaker : Liquidity::kTaker;
    f.time = at;
    FillOutcome out = store.orders().RecordFill(f);
    ++report.fill_reports;
    ++report.distinct_fills;
    if (duplicate) {
      store.orders().RecordFill(f);  // the venue reports it again
      ++report.fill_reports;
    }
    if (out.closed_trade) ++report.trades;
    return out;
  };
  auto order = [&](Side side, OrderType type, Decimal q, std::optional<Decimal> limit,
                   Decimal expected, Timestamp at, std::optional<SignalId> signal,
                   const char* exit_reason) {
    Order o;
    o.bot_id = bot.id;
    o.account_id = main.id;
    o.instrument_id = btc.id;
    o.signal_id = signal;
    o.strategy = b.strategy;
    o.strategy_version = "1.0";
    o.side = side;
    o.type = type;
    o.quantity = q;
    o.limit_price = limit;
    o.expected_price = expected;
    o.exit_reason = exit_reason;
    o.mode = RunMode::kPaper;
    o.is_test = is_test;
    o.created_at = at;
    o = store.orders().Create(o);
    return store.orders().Accept(bot.id, o.id, at, "sim-" + std::to_string(o.id));
  };

  std::optional<Order> working;         // a partly filled entry waiting one candle
  std::optional<SignalId> open_signal;  // the signal of the open position
  std::optional<Timestamp> opened_at;
  const int offset = (index * 7) % 60;
  for (std::size_t i = 30; i < candles.size(); ++i) {
    const DayCandle& c = candles[i];
    if (i == candles.size() / 2) post(LedgerEntryType::kWithdrawal, "-100"_d, c.time, "noon");
    auto pos = store.positions().Get(bot.id, main.id, btc.id);
    const bool open = pos && !pos->is_flat();
    if (working) {
      const Decimal limit = *working->limit_price;
      if (c.low <= limit && limit <= c.high) {
        fill(*working, working->remaining_quantity(), limit, maker, c.time, false);
      } else {
        store.orders().Cancel(bot.id, working->id, c.time, "not filled within a candle");
        ++report.cancels;
      }
      working.reset();
      continue;
    }
    if (open) {
      const bool is_long = pos->quantity.IsPositive();
      const Position marked =
          *store.positions().MarkPrice(bot.id, main.id, btc.id, c.close, c.time);
      const Decimal stop = *marked.stop_loss;
      const bool hit = is_long ? c.low <= stop : c.high >= stop;
      const bool last = i + 1 == candles.size();
      const bool timed_out = c.time - *opened_at >= 45 * kMicrosPerMinute;
      if (hit || timed_out || last) {
        const Decimal price = hit ? stop : c.close;
        const Order exit = order(is_long ? Side::kSell : Side::kBuy, OrderType::kMarket,
                                 pos->quantity.Abs(), std::nullopt, price, c.time, open_signal,
                                 hit    ? "stop_loss"
                                 : last ? "end_of_day"
                                        : "time");
        const FillOutcome out = fill(exit, pos->quantity.Abs(), price, taker, c.time, true);
        if (out.closed_trade) {
          day_net += out.closed_trade->net_pnl;
          if (out.closed_trade->signal_id) {
            store.signals().RecordOutcome(bot.id, *out.closed_trade->signal_id);
          }
          evaluate(0, c.time);
        }
      }
      continue;
    }
    if (static_cast<int>(i % 60) != offset || i + 2 >= candles.size()) continue;
    evaluate(1, c.time);  // before placing an entry: it would be the one open order
    if (halt_event) continue;
    // Flat, on the hour: a signal and a limit order at the close.
    const Side side = c.close >= candles[i - 30].close ? Side::kBuy : Side::kSell;
    Signal s;
    s.bot_id = bot.id;
    s.instrument_id = btc.id;
    s.strategy = b.strategy;
    s.time = c.time;
    s.side = side;
    s.strength = 0.6;
    s.confidence = 0.6;
    s.aggregation_method = "weighted_average";
    const SignalAction act = side == Side::kBuy ? SignalAction::kBuy : SignalAction::kSell;
    s.components = {{"technical", act, 0.7, 2.0}, {"momentum", SignalAction::kHold, 0.4, 1.0}};
    s.filters_passed = {"spread", "session"};
    s.strategy_version = "1.0";
    s.bot_version = b.version;
    s.mode = RunMode::kPaper;
    s.is_test = is_test;
    s = store.signals().Record(s);
    Order entry = order(side, OrderType::kLimit, qty, c.close, c.close, c.time, s.id, "");
    store.signals().MarkActedOn(bot.id, s.id);
    open_signal = s.id;
    const FillOutcome first = fill(entry, qty.Mul("0.4"_d), c.close, maker, c.time, true);
    working = first.order;
    opened_at = c.time;
    const Decimal away = c.close.Mul("0.005"_d);
    StopSettings stops;
    stops.stop_loss = side == Side::kBuy ? c.close - away : c.close + away;
    stops.trailing_percent = "0.003"_d;
    store.positions().SetStops(bot.id, main.id, btc.id, stops, c.time);
    TradeContext ctx;
    ctx.regime = index % 2 == 0 ? "trending" : "ranging";
    ctx.session = "asia";
    ctx.setup = "hourly breakout";
    ctx.position_size_rule = "fixed " + qty.ToString() + " BTC";
    store.positions().SetTradeContext(bot.id, main.id, btc.id, ctx);
  }
  store.bots().Heartbeat(bot.id, candles.back().time, "done", "day complete");
  const Timestamp midnight =
      Timestamp((candles.back().time.micros() / kMicrosPerDay + 1) * kMicrosPerDay);
  store.ledger().Snapshot(bot.id, main.id, midnight, SnapshotKind::kDaily);
  return report;
}

}  // namespace tradestore::testing
