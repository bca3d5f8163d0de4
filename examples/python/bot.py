"""A complete (tiny) bot on tradestore from Python.

It registers itself, funds its account, records a signal, places a buy
order, records its fills (the venue resends one report: it is recorded
once), sells, and so closes a trade; then it prints the journal, the ledger
and its performance report.

    python3 examples/python/bot.py [STORE_URL]   (default: a temporary store)
"""
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import tradestore

T0 = datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc)


def main(url):
    with tradestore.open(url) as store:
        btc = store.instruments.upsert(symbol="BTCUSDC", venue="kraken", base_asset="BTC",
                                       quote_asset="USDC", price_precision=2, size_precision=8)
        bot = store.bots.get_or_create(name="example-bot", version="1.0.0", strategy="breakout",
                                       mode="paper")
        account = store.accounts.get_or_create(bot.id, "main")

        with store.unit_of_work():  # the set-up commits whole or not at all
            store.ledger_repo.post(bot_id=bot.id, account_id=account.id, time=T0,
                                   type="deposit", currency="USDC", amount=Decimal("10000"),
                                   description="starting capital")
            signal = store.signals.record(bot_id=bot.id, instrument_id=btc.id,
                                          strategy="breakout", time=T0, side="buy",
                                          strength=0.8, price=23100.0, note="range breakout")

        def order(side, quantity, at):
            o = store.orders.create(bot_id=bot.id, account_id=account.id, instrument_id=btc.id,
                                    side=side, type="market", quantity=quantity,
                                    strategy="breakout", signal_id=signal.id, created_at=at)
            store.signals.mark_acted_on(bot.id, signal.id)
            return store.orders.accept(bot.id, o.id, at, venue_order_id=f"K-{o.id}")

        def fill(o, fill_id, quantity, price, fee, at):
            return store.orders.record_fill(bot_id=bot.id, order_id=o.id, venue="kraken",
                                            venue_fill_id=fill_id, quantity=quantity,
                                            price=price, fee=fee, time=at)

        buy = order("buy", Decimal("0.5"), T0)
        fill(buy, "kf-1", Decimal("0.3"), Decimal("23100"), Decimal("5.54"), T0 + timedelta(seconds=1))
        resent = fill(buy, "kf-1", Decimal("0.3"), Decimal("23100"), Decimal("5.54"),
                      T0 + timedelta(seconds=1))
        print(f"fill kf-1 resent by the venue: duplicate={resent.duplicate} (recorded once)")
        fill(buy, "kf-2", Decimal("0.2"), Decimal("23105.5"), Decimal("3.70"), T0 + timedelta(seconds=2))

        sell = order("sell", Decimal("0.5"), T0 + timedelta(hours=3))
        closed = fill(sell, "kf-3", Decimal("0.5"), Decimal("23550.25"), Decimal("9.42"),
                      T0 + timedelta(hours=3, seconds=1))
        trade = closed.closed_trade
        print(f"closed trade {trade.id}: {trade.side} {trade.quantity} BTC, entry "
              f"{trade.entry_price}, exit {trade.exit_price}, gross {trade.gross_pnl}, fees "
              f"{trade.fees}, net {trade.net_pnl} USDC")
        store.portfolio.record(bot_id=bot.id, account_id=account.id, time=T0, equity=10000,
                               cash=10000)
        balance = store.accounts.balance(bot.id, account.id, "USDC")
        store.portfolio.record(bot_id=bot.id, account_id=account.id, time=trade.exit_time,
                               equity=balance, cash=balance)

        print("\nledger:")
        print(store.ledger(bot="example-bot")[["time", "type", "amount", "balance_after"]]
              .to_string(index=False))
        assert balance == store.ledger_repo.sum_entries(bot.id, account.id, "USDC")
        print(f"balance {balance} USDC = sum of ledger entries")

        report = store.report(bot="example-bot")
        print("\nreport:", {k: report[k] for k in list(report)[:8]})


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as d:
            main(f"sqlite:{d}/store")
