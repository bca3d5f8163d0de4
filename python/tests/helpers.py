"""A small trading set-up shared by the tests."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


def setup_bot(store, name="bot-1", cash=Decimal("10000")):
    """A bot with account "main" holding `cash` USDC, and BTCUSDC on kraken."""
    instrument = store.instruments.upsert(symbol="BTCUSDC", venue="kraken", base_asset="BTC",
                                          quote_asset="USDC", price_precision=2, size_precision=8)
    bot = store.bots.create(name=name, version="1.0", strategy="s", mode="paper")
    account = store.accounts.create(bot.id, "main")
    store.ledger_repo.post(bot_id=bot.id, account_id=account.id, time=T0, type="deposit",
                           currency="USDC", amount=cash, description="capital")
    return bot, account, instrument


def buy_then_sell(store, bot, account, instrument, qty=Decimal("0.5"), entry=Decimal("23100.1"),
                  exit_=Decimal("23550.25"), fee=Decimal("1.23")):
    """Opens and closes a long with one market order each; returns the close's FillOutcome."""
    outcome = None
    for i, (side, price) in enumerate([("buy", entry), ("sell", exit_)]):
        t = T0 + timedelta(minutes=10 * (i + 1))
        order = store.orders.create(bot_id=bot.id, account_id=account.id,
                                    instrument_id=instrument.id, side=side, type="market",
                                    quantity=qty, strategy="s", created_at=t)
        store.orders.accept(bot.id, order.id, t, venue_order_id=f"v-{order.id}")
        outcome = store.orders.record_fill(bot_id=bot.id, order_id=order.id, venue="kraken",
                                           venue_fill_id=f"f-{order.id}", quantity=qty,
                                           price=price, fee=fee, time=t)
    return outcome
