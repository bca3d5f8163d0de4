"""tradestore from Python: the C++ store with exact decimals and pandas.

    import tradestore
    with tradestore.open("sqlite:my-store") as store:
        bot = store.bots.get_or_create(name="my-bot", mode="paper")
        df = store.candles("BTCUSDC", "1h", venue="kraken")

Conventions (see docs/python.md):

* Money and quantities are ``decimal.Decimal`` both ways, exact to 18
  fraction digits; ``int`` and ``str`` are accepted, ``float`` raises
  TypeError. Candle prices and volumes, and statistics, are ``float``.
* Times are timezone-aware ``datetime`` (returned in UTC, microseconds) or
  ``numpy.datetime64``; a naive datetime raises TypeError.
* Enumerations are their lowercase names: ``"buy"``, ``"filled"``, ``"1h"``.
* Errors derive from :class:`tradestore.Error`: InvalidArgument (also a
  ValueError), NotFound (also a LookupError), Conflict, Unavailable,
  StorageError, InternalError, InDoubt (the outcome of a COMMIT is
  unknown: check before repeating); each has ``kind``, ``native_code`` and
  ``retryable``, and the same message as the CLI.
* The GIL is released during database work. A Store serialises the calls
  of several threads; open one Store per thread to work in parallel.
"""
from __future__ import annotations

from tradestore import _core
from tradestore._core import (  # noqa: F401  (re-exported)
    Account, Balance, BalanceSnapshot, Bot, Candle, CandleCoverage, CandleGap,
    CandleRangeInfo, ChangeBatch, ChangeEvent, ConfigVersion, Conflict, DailyPnl,
    Error, ErrorLogEntry, ExecutionLatency, Fill, FillOutcome, InDoubt, Instrument,
    InternalError, InvalidArgument, LatencyPercentiles, LedgerEntry, LedgerSum,
    MlErrorStats, MlResult, NewsFeed, NotFound, Order, OrderAmendment, OrderEvent,
    PaperBroker, PaperConfig, PatternDetection, PortfolioSnapshot, PortfolioTotal,
    Position, PositionChange, PositionEvent, RiskEvent, RiskLimits, RiskValues,
    SeenNewsItem, Signal, SignalComponent, SignalLinks, SignalOutcome, StopSettings,
    StorageError, StrategyDefinition, SystemEvent, Trade, TradeContext, TradeReview,
    Unavailable, UnitOfWork, default_url, unrealized_pnl,
)
from tradestore._records import install as _install_records
from tradestore._store import Report, Store, open  # noqa: A004

_install_records(_core)

__all__ = [
    "open", "Store", "Report", "Error", "InvalidArgument", "NotFound", "Conflict",
    "Unavailable", "StorageError", "InternalError", "InDoubt", "default_url", "unrealized_pnl",
    "PaperBroker", "PaperConfig", "backtest",
] + [name for name in dir(_core) if hasattr(getattr(_core, name), "_fields")]


def __getattr__(name):
    # tradestore.backtest is imported on first use (it is pure Python).
    if name == "backtest":
        import importlib
        return importlib.import_module("tradestore.backtest")
    raise AttributeError(name)
