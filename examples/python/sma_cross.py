"""The moving-average crossover of `tradestore backtest --strategy sma-cross`,
written in Python for tradestore.backtest: long (all equity) when the fast SMA
of closes crosses above the slow one, flat (or short) when it crosses below.

    from sma_cross import SmaCross
    backtest.run(store, "BTCUSDC", "1h", SmaCross(10, 30), venue="kraken",
                 strategy_name="sma-cross(10,30)")
"""
from collections import deque

from tradestore.backtest import size_for


class Sma:
    """Simple moving average of the last n values (the same float operations,
    in the same order, as the C++ one, so the crossovers are the same)."""

    def __init__(self, n):
        self.n, self.window, self.sum = n, deque(), 0.0

    def add(self, x):
        self.window.append(x)
        self.sum += x
        if len(self.window) > self.n:
            self.sum -= self.window.popleft()

    @property
    def ready(self):
        return len(self.window) == self.n

    @property
    def value(self):
        return self.sum / self.n


class SmaCross:
    def __init__(self, fast=10, slow=30, allow_short=False):
        if not 1 <= fast < slow:
            raise ValueError(f"need 1 <= fast < slow, got {fast}, {slow}")
        self.fast, self.slow = Sma(fast), Sma(slow)
        self.allow_short = allow_short
        self.version = f"fast={fast},slow={slow}"
        self.prev_diff = None

    def on_candle(self, ctx, candle):
        self.fast.add(candle.close)
        self.slow.add(candle.close)
        if not (self.fast.ready and self.slow.ready):
            return
        diff = self.fast.value - self.slow.value
        side = None
        if self.prev_diff is not None and self.prev_diff <= 0 < diff:
            side = "buy"
        if self.prev_diff is not None and self.prev_diff >= 0 > diff:
            side = "sell"
        self.prev_diff = diff
        if side is None:
            return
        signal = ctx.signal(side, strength=min(1.0, abs(diff) / candle.close * 100.0),
                            price=candle.close)
        size = size_for(ctx.equity, ctx.close, ctx.instrument.size_precision)
        target = size if side == "buy" else (-size if self.allow_short else 0)
        delta = target - ctx.quantity
        if delta != 0 and ctx.equity > 0:
            ctx.order("buy" if delta > 0 else "sell", abs(delta), signal=signal,
                      strategy_version=self.version)
