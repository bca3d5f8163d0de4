"""A backtest loop with a strategy written in Python.

    from tradestore import backtest
    result = backtest.run(store, "BTCUSDC", "1h", my_strategy, venue="kraken",
                          cash=Decimal("10000"), bot="my-bot")

The loop is the one of ``tradestore backtest`` (app/backtest_command.cc):
the bot, its account "main" and the starting cash are recorded first (one
unit of work); then for each stored candle, oldest first, one unit of work
that (1) lets the paper broker process the candle (orders submitted earlier
fill at its prices, docs/paper-broker.md), (2) calls ``strategy(ctx,
candle)`` (or ``strategy.on_candle``), which may record signals and submit
orders, and (3) records the equity snapshot at the candle's close. Orders
are decided at the close and work from the next candle. An exception from
the strategy rolls its step back and ends the run.
"""
from __future__ import annotations

import dataclasses
import decimal
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Callable, Optional

from tradestore import _core

_DURATIONS = {"1m": 1, "3m": 3, "5m": 5, "15m": 15, "30m": 30, "1h": 60, "2h": 120, "4h": 240,
              "6h": 360, "12h": 720, "1d": 1440, "1w": 10080}


def price_to_decimal(value: float, places: int) -> Decimal:
    """A candle price (float) as the Decimal of its shortest repr, rounded
    half-even to ``places``: the C++ Decimal::FromDouble(value, places)."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_EVEN)


def size_for(amount: Decimal, price: Decimal, places: int) -> Decimal:
    """The quantity ``amount`` buys at ``price``, rounded down to ``places``
    (exact: amount / price truncated, as the C++ Div(..., kDown))."""
    with decimal.localcontext(decimal.Context(prec=80, rounding=decimal.ROUND_DOWN)):
        return (amount / price).quantize(Decimal(1).scaleb(-places), rounding=decimal.ROUND_DOWN)


class Context:
    """What a strategy sees at a candle's close, and what it can do.

    Attributes: store, bot (Bot), account (Account), instrument (Instrument),
    timeframe (str), candle (Candle), close_time (aware datetime: open_time +
    timeframe), close (Decimal: the close at the instrument's price precision),
    position (Position or None), quantity (Decimal, signed), balance (Decimal:
    cash in the quote currency), unrealized (Decimal), equity (balance +
    unrealized), fills (list of FillOutcome the broker recorded on this candle).
    """

    def __init__(self, run: "_Run", candle, fills):
        self._run = run
        self.store = run.store
        self.bot = run.bot
        self.account = run.account
        self.instrument = run.instrument
        self.timeframe = run.timeframe
        self.candle = candle
        self.fills = fills
        self.close_time: datetime = candle.open_time + run.duration
        self.close = price_to_decimal(candle.close, run.instrument.price_precision)
        self.position = run.store.positions.get(run.bot.id, run.account.id, run.instrument.id)
        self.quantity = self.position.quantity if self.position else Decimal(0)
        self.balance = run.store.accounts.balance(run.bot.id, run.account.id,
                                                  run.instrument.quote_asset)
        self.unrealized = (_core.unrealized_pnl(self.position, self.close)
                           if self.position else Decimal(0))
        self.equity = self.balance + self.unrealized

    def signal(self, side: str, strength: float = 0.0, price: Optional[float] = None, **fields):
        """Records a signal at close_time (a Signal; fields: those of Signal)."""
        sig = self.store.signals.record(
            bot_id=self.bot.id, instrument_id=self.instrument.id, strategy=self.bot.strategy,
            time=self.close_time, side=side, strength=strength, price=price, mode=self.bot.mode,
            **fields)
        self._run.signals += 1
        return sig

    def order(self, side: str, quantity: Decimal, type: str = "market", signal=None,
              exit_reason: str = "signal", **fields):
        """Submits an order to the paper broker, decided at close_time (it
        works from the next candle); expected_price defaults to ``close``.
        Marks ``signal`` (a Signal) acted on. Returns the accepted Order."""
        fields.setdefault("expected_price", self.close if self.close > 0 else None)
        fields.setdefault("strategy", self.bot.strategy)
        order = self._run.broker.submit(
            instrument_id=self.instrument.id, side=side, type=type, quantity=quantity,
            signal_id=None if signal is None else signal.id, exit_reason=exit_reason,
            mode=self.bot.mode, created_at=self.close_time, **fields)
        if signal is not None:
            self.store.signals.mark_acted_on(self.bot.id, signal.id)
        self._run.orders += 1
        return order

    def cancel(self, order_id: int, reason: str = "cancelled by strategy"):
        """Cancels a working order at close_time."""
        return self._run.broker.cancel(order_id, self.close_time, reason)


@dataclasses.dataclass
class BacktestResult:
    """Counts and the final state of a run (money as Decimal)."""

    bot: str
    candles: int = 0
    signals: int = 0
    orders: int = 0
    fills: int = 0
    trades: int = 0
    cash: Decimal = Decimal(0)
    equity: Decimal = Decimal(0)
    position: Decimal = Decimal(0)


class _Run:
    pass


def run(store, symbol: str, timeframe: str, strategy: Callable[[Context, Any], None] | Any, *,
        venue: Optional[str] = None, cash: Decimal = Decimal("10000"), bot: Optional[str] = None,
        strategy_name: str = "python", bot_version: str = "0.1.0",
        fee_bps: Decimal = Decimal("10"), maker_fee_bps: Optional[Decimal] = None,
        slippage_bps: Decimal = Decimal("5"), participation: float = 0.0,
        start=None, end=None) -> BacktestResult:
    """Runs ``strategy`` over the stored candles of (venue, symbol, timeframe)
    with start <= open_time < end, recording everything as a bot named
    ``bot`` (mode "backtest") would: signals, orders, fills, positions,
    trades, ledger and equity snapshots. Fees are charged in whole units of
    the instrument's price precision, as the CLI's backtest does.

    Errors: NotFound for an unknown instrument or no candles; Conflict if the
    bot exists (a run is recorded once); InvalidArgument for a non-positive
    cash or bad fees; what the strategy raises (its step is rolled back).
    """
    cash = Decimal(cash)
    if cash <= 0:
        raise _core.InvalidArgument(f"cash must be positive, got {cash}")
    callback = getattr(strategy, "on_candle", strategy)
    r = _Run()
    r.store = store
    r.timeframe = timeframe
    r.duration = timedelta(minutes=_DURATIONS[timeframe]) if timeframe in _DURATIONS else None
    if r.duration is None:
        raise _core.InvalidArgument(f"unknown timeframe '{timeframe}'")
    if venue is None:
        matches = [i for i in store.instruments.list() if i.symbol == symbol]
        if len(matches) != 1:
            raise (_core.NotFound if not matches else _core.InvalidArgument)(
                f"instrument '{symbol}' is listed on {len(matches)} venues; pass venue=")
        r.instrument = matches[0]
    else:
        r.instrument = store.instruments.find(venue, symbol)
        if r.instrument is None:
            raise _core.NotFound(f"instrument '{symbol}' on venue '{venue}' is not in the store")
    if not r.instrument.quote_asset:
        raise _core.InvalidArgument(f"instrument '{symbol}' has no quote asset")
    name = bot or f"{strategy_name}-{symbol}-{timeframe}"
    if store.bots.find(name) is not None:
        raise _core.Conflict(f"bot '{name}' already has a recorded session in this store")
    candles = store.candles_repo.range(r.instrument.id, timeframe, start, end)
    if not candles:
        raise _core.NotFound(f"no {timeframe} candles of {symbol} in the store")

    with store.unit_of_work():
        r.bot = store.bots.create(name=name, version=bot_version, strategy=strategy_name,
                                  mode="backtest")
        r.account = store.accounts.create(r.bot.id, "main")
        store.ledger_repo.post(bot_id=r.bot.id, account_id=r.account.id,
                               time=candles[0].open_time, type="deposit",
                               currency=r.instrument.quote_asset, amount=cash,
                               description="starting capital")
        store.portfolio.record(bot_id=r.bot.id, account_id=r.account.id,
                               time=candles[0].open_time, equity=cash, cash=cash)
    r.broker = store.paper_broker(
        r.bot.id, r.account.id, taker_fee_bps=Decimal(fee_bps),
        maker_fee_bps=Decimal(fee_bps if maker_fee_bps is None else maker_fee_bps),
        slippage_bps=Decimal(slippage_bps), max_volume_participation=participation,
        fee_decimals=r.instrument.price_precision)
    r.signals = r.orders = 0
    result = BacktestResult(bot=name)
    for candle in candles:
        with store.unit_of_work():
            fills = r.broker.on_candle(r.instrument, timeframe, candle)
            result.fills += len(fills)
            ctx = Context(r, candle, fills)
            callback(ctx, candle)
            store.portfolio.record(bot_id=r.bot.id, account_id=r.account.id, time=ctx.close_time,
                                   equity=ctx.equity, cash=ctx.balance,
                                   unrealized_pnl=ctx.unrealized,
                                   open_positions=0 if ctx.quantity == 0 else 1)
        result.candles += 1
        result.cash, result.equity, result.position = ctx.balance, ctx.equity, ctx.quantity
    result.signals, result.orders = r.signals, r.orders
    result.trades = len(store.trades_repo.list(bot=r.bot.id))
    return result
