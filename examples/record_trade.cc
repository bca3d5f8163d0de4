// A bot recording one round trip through the public API: what a live bot
// does with the fills its venue reports. Run: record_trade [STORE_URL]
// (default sqlite::memory:).
#include <cstdio>
#include <string>

#include "tradestore/error.h"
#include "tradestore/store.h"

int main(int argc, char** argv) {
  using namespace tradestore;
  using literals::operator""_d;
  try {
    Store store = Store::Open(argc > 1 ? argv[1] : "sqlite::memory:");

    // Reference data and the bot's identity, created once.
    Instrument btc;
    btc.venue = "kraken";
    btc.symbol = "BTCUSDC";
    btc.base_asset = "BTC";
    btc.quote_asset = "USDC";
    btc.price_precision = 2;
    btc.size_precision = 8;
    btc = store.instruments().Upsert(btc);
    Bot bot;
    bot.name = "example-bot";
    bot.version = "1.0.0";
    bot.strategy = "breakout";
    bot.mode = RunMode::kLive;
    bot = store.bots().GetOrCreate(bot);
    const Account account = store.accounts().GetOrCreate(bot.id, "main");

    LedgerEntry deposit;
    deposit.bot_id = bot.id;
    deposit.account_id = account.id;
    deposit.type = LedgerEntryType::kDeposit;
    deposit.currency = "USDC";
    deposit.amount = "10000"_d;
    deposit.description = "initial funding";
    store.ledger().Post(deposit);

    // The strategy fires; the bot records the signal and the order it sends.
    const Timestamp t0 = Timestamp::Parse("2023-03-01T12:00:00Z");
    Signal signal;
    signal.bot_id = bot.id;
    signal.instrument_id = btc.id;
    signal.strategy = bot.strategy;
    signal.time = t0;
    signal.side = Side::kBuy;
    signal.strength = 0.8;
    signal.mode = RunMode::kLive;
    signal = store.signals().Record(signal);

    auto send = [&](Side side, const char* qty, Timestamp at, const char* exit_reason,
                    const char* expected_price) {
      Order o;
      o.bot_id = bot.id;
      o.account_id = account.id;
      o.instrument_id = btc.id;
      o.signal_id = signal.id;
      o.strategy = bot.strategy;
      o.strategy_version = "3.2";
      o.expected_price = Decimal::Parse(expected_price);  // for the journal's slippage
      o.side = side;
      o.type = OrderType::kMarket;
      o.quantity = Decimal::Parse(qty);
      o.exit_reason = exit_reason;
      o.mode = RunMode::kLive;
      o.created_at = at;
      o = store.orders().Create(o);
      // The venue acknowledges it with its own order id.
      return store.orders().Accept(bot.id, o.id, at, std::string("K-O-") + qty);
    };
    auto fill = [&](const Order& o, const char* id, const char* qty, const char* price,
                    const char* fee, Timestamp at) {
      Fill f;
      f.bot_id = bot.id;
      f.order_id = o.id;
      f.venue = "kraken";
      f.venue_fill_id = id;  // the venue's id: a repeated report is recorded once
      f.quantity = Decimal::Parse(qty);
      f.price = Decimal::Parse(price);
      f.fee = Decimal::Parse(fee);
      f.liquidity = Liquidity::kTaker;
      f.time = at;
      return store.orders().RecordFill(f);  // order, fill, position, ledger: one unit of work
    };

    const Order buy = send(Side::kBuy, "0.5", t0, "", "23095.00");
    store.signals().MarkActedOn(bot.id, signal.id);
    fill(buy, "K-1001", "0.3", "23100.00", "5.54", t0 + kMicrosPerSecond);
    fill(buy, "K-1001", "0.3", "23100.00", "5.54", t0 + kMicrosPerSecond);  // duplicate report
    fill(buy, "K-1002", "0.2", "23105.50", "3.70", t0 + 2 * kMicrosPerSecond);

    // The trade's risk and market context, kept with the position until it
    // closes, then written into the journal.
    store.positions().SetStops(bot.id, account.id, btc.id,
                               StopSettings{.stop_loss = "22800"_d,
                                            .take_profit = "23600"_d,
                                            .trailing_distance = "400"_d,
                                            .trailing_percent = std::nullopt},
                               t0 + 3 * kMicrosPerSecond);
    TradeContext context;
    context.position_size_rule = "1% of equity at risk";
    context.regime = "trending";
    context.atr = 180.5;
    context.session = "london";
    context.trend = "up";
    context.setup = "range breakout";
    store.positions().SetTradeContext(bot.id, account.id, btc.id, context);
    // Price updates mark the position and trail the stop.
    store.positions().MarkPrice(bot.id, account.id, btc.id, "23480"_d, t0 + kMicrosPerHour);

    const Order sell = send(Side::kSell, "0.5", t0 + 3 * kMicrosPerHour, "take_profit", "23560.00");
    const FillOutcome out =
        fill(sell, "K-2001", "0.5", "23550.25", "9.42", t0 + 3 * kMicrosPerHour + kMicrosPerSecond);

    // After the close, the trader reviews the trade.
    TradeReview review;
    review.tags = "breakout,trend";
    review.notes = "held to target";
    review.mental_state = "calm";
    review.grade = "A";
    review.links = "https://example.com/charts/btc-2023-03-01.png";
    const Trade t =
        store.trades().UpdateReview(bot.id, out.closed_trade->id, review, t0 + 4 * kMicrosPerHour);
    std::printf("trade %lld: %s %s BTC, entry %s, exit %s, gross %s, fees %s, net %s USDC\n",
                static_cast<long long>(t.id), t.side == Side::kBuy ? "long" : "short",
                t.quantity.ToString().c_str(), t.entry_price.ToString().c_str(),
                t.exit_price.ToString().c_str(), t.gross_pnl.ToString().c_str(),
                t.fees.ToString().c_str(), t.net_pnl.ToString().c_str());
    std::printf("journal: %s, %.2f R (risk %s from stop %s), slippage %s in / %s out, grade %s\n",
                t.outcome.c_str(), t.r_multiple.value_or(0),
                t.risk_amount ? t.risk_amount->ToString().c_str() : "-",
                t.initial_stop ? t.initial_stop->ToString().c_str() : "-",
                t.entry_slippage.ToString().c_str(), t.exit_slippage.ToString().c_str(),
                t.grade.c_str());
    const Decimal balance = store.accounts().BalanceOf(bot.id, account.id, "USDC");
    std::printf("balance %s USDC = sum of ledger entries %s\n", balance.ToString().c_str(),
                store.ledger().SumEntries(bot.id, account.id, "USDC").ToString().c_str());
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "record_trade: %s: %s\n", std::string(ToString(e.kind())).c_str(),
                 e.what());
    return ExitCode(e.kind());
  }
}
