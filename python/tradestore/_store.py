"""The Store: repositories (from C++) plus pandas in and out."""
from __future__ import annotations

import json
from typing import Any, Optional

import numpy as np

from tradestore import _core

_CANDLE_COLUMNS = ["open", "high", "low", "close", "volume"]


def _compact_all(what: str, compact_before) -> bool:
    """True for compact_before="all"; InvalidArgument for any other string."""
    if not isinstance(compact_before, str):
        return False
    if compact_before != "all":
        raise _core.InvalidArgument(
            f"{what}: compact_before: '{compact_before}' is not a datetime or 'all'")
    return True


def _pd():
    import pandas as pd  # imported on first use: the records work without pandas
    return pd


def _frame(columns: dict, index: Optional[str] = None):
    """A DataFrame from the C++ column dict (see module.cc, Columns)."""
    pd = _pd()
    data = {}
    for key, value in columns.items():
        if key.startswith("t:"):
            data[key[2:]] = pd.to_datetime(value, unit="us", utc=True)
        elif key.startswith("i:"):
            values, mask = value
            data[key[2:]] = pd.arrays.IntegerArray(values, mask)
        else:
            data[key] = value
    df = pd.DataFrame(data)
    if index is not None:
        df = df.set_index(index)
    return df


class Report(dict):
    """The dict of ``tradestore report --json``, with two DataFrames:
    ``trades`` (as Store.trades) and ``equity`` (as Store.equity; None when
    the report covers several bots)."""

    trades: Any = None
    equity: Any = None


class Store(_core.Store):
    """An open store. Use :func:`tradestore.open`.

    Repositories (C++ names in snake_case; records in, records out):
    ``instruments``, ``candles_repo``, ``bots``, ``accounts``,
    ``ledger_repo``, ``signals``, ``orders``, ``positions``, ``trades_repo``,
    ``portfolio``, ``risk``, ``configs``, ``strategies``, ``audit``;
    analytics: ``daily_pnl``, ``patterns``, ``ml_results``, ``latency``,
    ``news``; and ``changes``, the change feed of committed events.
    Bulk data as pandas: :meth:`candles`, :meth:`write_candles`,
    :meth:`trades`, :meth:`fills`, :meth:`ledger`, :meth:`equity`;
    :meth:`report`, :meth:`import_candles`, :meth:`export`.
    A context manager: ``with tradestore.open(url) as store:`` closes it.
    """

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> bool:
        self.close()
        return False

    def __repr__(self) -> str:
        return f"tradestore.Store({self.url!r}{', closed' if self.closed else ''})"

    # -- market data --------------------------------------------------------
    def candles(self, symbol: str, timeframe: str, start=None, end=None, venue: Optional[str] = None):
        """Candles of one series as a DataFrame.

        Index ``open_time`` (UTC DatetimeIndex, bucket start); float64 columns
        open, high, low, close, volume (one block, filled in C++ without a
        Python object per row) and int64 ``trades`` (-1 = unknown). Rows with
        start <= open_time < end, oldest first. ``venue`` is needed only when
        several venues list the symbol (else InvalidArgument); NotFound for an
        unknown instrument. An empty series gives an empty DataFrame.
        """
        pd = _pd()
        times, block, trades, n, _ = _core._read_candles(self, symbol, timeframe, start, end, venue)
        # No copies: the index wraps the int64 nanoseconds filled in C++, the
        # float columns are one block, and concat keeps both blocks as they are.
        times = pd.arrays.DatetimeArray(times[:n].view("M8[ns]"),
                                        dtype=pd.DatetimeTZDtype(tz="UTC"), copy=False)
        index = pd.DatetimeIndex(times, copy=False, name="open_time")
        prices = pd.DataFrame(block[:, :n].T, index=index, columns=_CANDLE_COLUMNS, copy=False)
        counts = pd.DataFrame({"trades": trades[:n]}, index=index, copy=False)
        return pd.concat([prices, counts], axis=1, copy=False)

    def write_candles(self, df, symbol: str, timeframe: str, venue: str = "",
                      base: Optional[str] = None, quote: Optional[str] = None,
                      compact_before=None, apply_compaction_policy: bool = True) -> int:
        """Upserts the candles of a DataFrame into one series; returns the count.

        ``df``: indexed by a timezone-aware DatetimeIndex of open times (or
        with an ``open_time`` column), float columns open, high, low, close,
        volume and optionally int ``trades``. The instrument (venue, symbol) is
        created when missing, its assets from base/quote or split from the
        symbol. One unit of work on the market database, coverage refreshed.
        Every row is checked first (aligned to the timeframe, finite, low <=
        open, close <= high, volume >= 0): InvalidArgument naming the row,
        and nothing is written. TypeError for naive times.

        ``compact_before`` and ``apply_compaction_policy`` as in
        :meth:`import_candles`: candles opening before the cutoff (a
        timezone-aware datetime, or "all"; else the store's compaction policy
        for the timeframe unless ``apply_compaction_policy`` is False) are
        stored compacted, a new series' straight into chunks.
        """
        compact_all = _compact_all("write_candles", compact_before)
        pd = _pd()
        times = df.index if "open_time" not in df.columns else pd.DatetimeIndex(df["open_time"])
        if not isinstance(times, pd.DatetimeIndex):
            raise TypeError("write_candles: index the DataFrame by open time (a DatetimeIndex)")
        if times.tz is None:
            raise TypeError("write_candles: naive open times refused; localize them (tz_localize('UTC'))")
        ns = times.tz_convert("UTC").asi8
        if (ns % 1000).any():
            raise _core.InvalidArgument("write_candles: open times finer than a microsecond")
        us = ns // 1000
        missing = [c for c in _CANDLE_COLUMNS if c not in df.columns]
        if missing:
            raise _core.InvalidArgument(f"write_candles: missing columns {missing}")
        cols = [np.ascontiguousarray(df[c].to_numpy(dtype="float64")) for c in _CANDLE_COLUMNS]
        if "trades" in df.columns:
            trades = np.ascontiguousarray(df["trades"].to_numpy(dtype="int64"))
        else:
            trades = np.full(len(df), -1, dtype="int64")
        return _core._write_candles(self, symbol, timeframe, venue, us, *cols, trades, base, quote,
                                    None if compact_all else compact_before, compact_all,
                                    apply_compaction_policy)

    def import_candles(self, path: str, symbol: str, timeframe: str, venue: str = "",
                       format: Optional[str] = None, price_divisor: float = 1.0,
                       base: Optional[str] = None, quote: Optional[str] = None,
                       price_precision: Optional[int] = None, size_precision: Optional[int] = None,
                       allow_missing_volume: bool = False,
                       on_duplicate: str = "refuse", compact_before=None,
                       apply_compaction_policy: bool = True) -> dict:
        """Imports a candle file (the CLI's ``import candles``: layouts of
        docs/candle-import.md) in one unit of work; returns a summary dict
        (file, layout, instrument, rows_read, rows_in_store,
        identical_duplicates, conflicting_duplicates, first, last,
        newest_first, seconds). Two rows of one time with other values are
        refused (on_duplicate="refuse", InvalidArgument naming both lines and
        the differing fields) or resolved by keeping the "first" or "last";
        exact repeats are always skipped and counted. InvalidArgument naming
        file, line and field for bad input; nothing is written then.

        ``compact_before``: a timezone-aware datetime, or "all": the series'
        candles opening before it are stored compacted (docs/storage.md,
        "Candle chunks"), in the same unit of work; the file's candles go
        straight into chunks. None: the store's compaction policy for the
        timeframe (``tradestore candles policy``; docs/storage.md,
        "Compaction policy"), unless ``apply_compaction_policy`` is False
        (rows only). The dict names the cutoff applied (``compact_before``, a
        UTC datetime, "all", or None) and counts ``candles_compacted`` and
        ``chunks_written`` (0 without)."""
        compact_all = _compact_all("import_candles", compact_before)
        return _core._import_candles(self, str(path), symbol, timeframe, venue, format,
                                     price_divisor, base, quote, price_precision,
                                     size_precision, allow_missing_volume, on_duplicate,
                                     None if compact_all else compact_before, compact_all,
                                     apply_compaction_policy)

    def export(self, entity: str, path: str, format: Optional[str] = None, *, bot=None,
               symbol=None, venue=None, timeframe=None, strategy=None, start=None, end=None,
               limit: Optional[int] = None, include_test: bool = False) -> dict:
        """Writes an entity's rows (``tradestore export``; entities:
        tradestore._core._known_entities()) to a file atomically, as csv, jsonl or
        sql (from the extension unless ``format``); returns {entity, table,
        rows}."""
        return _core._export(self, entity, str(path), format,
                             None if bot is None else str(bot), symbol, venue, timeframe,
                             strategy, start, end, limit, include_test)

    # -- trading data as DataFrames -----------------------------------------
    def trades(self, bot=None, strategy: Optional[str] = None, start=None, end=None,
               include_test: bool = False, money: str = "decimal"):
        """Closed trades (exit time in [start, end)), oldest exit first, one
        row per trade: ids, strategy, side, entry/exit times (UTC), prices,
        quantity, P&L, fees, MAE/MFE, outcome, exit_reason, signal and order
        ids (nullable Int64), initial_stop, r_multiple, regime, mode.
        Money columns hold Decimal objects, or float64 with money="float"."""
        return _frame(_core._trade_columns(self, bot, strategy, start, end, include_test, money))

    def fills(self, bot, start=None, end=None, money: str = "decimal"):
        """A bot's fills (time in [start, end)), oldest first."""
        return _frame(_core._fill_columns(self, bot, start, end, money))

    def ledger(self, bot=None, account_id: Optional[int] = None, currency: Optional[str] = None,
               type: Optional[str] = None, start=None, end=None, include_system: bool = False,
               include_test: bool = False, money: str = "decimal"):
        """Ledger entries, oldest first (amount signed: credit > 0)."""
        return _frame(_core._ledger_columns(self, bot, account_id, currency, type, start, end,
                                            include_system, include_test, money))

    def equity(self, bot, account: Optional[str] = None, start=None, end=None, money: str = "decimal"):
        """A bot's equity curve (portfolio snapshots of its account ``account``,
        default "main" or its first account) indexed by time (UTC): equity,
        cash, unrealized_pnl, open_positions."""
        return _frame(_core._equity_columns(self, bot, account, start, end, money), index="time")

    def report(self, bot: Optional[str] = None, strategy: Optional[str] = None, all: bool = False,
               start=None, end=None, periods_per_year: Optional[float] = None,
               rolling_trades: int = 0, rolling_days: int = 0) -> Report:
        """The performance report: the same dict as ``tradestore report
        --json`` (same selection rules: a bot by name, a strategy, all bots,
        or the most recently created bot), plus ``.trades`` and ``.equity``
        DataFrames. periods_per_year: 252 (default) or 365."""
        ppy = _core._default_periods_per_year() if periods_per_year is None else float(periods_per_year)
        text = _core._report_json(self, bot or "", strategy or "", all, start, end, ppy,
                                  rolling_trades, rolling_days)
        report = Report(json.loads(text))
        if strategy:
            report.trades = self.trades(strategy=strategy, start=start, end=end)
        elif isinstance(report.get("bot"), str):
            report.trades = self.trades(bot=report["bot"], start=start, end=end)
            report.equity = self.equity(report["bot"], start=start, end=end)
        else:
            report.trades = self.trades(start=start, end=end)
        return report

    def paper_broker(self, bot, account_id: int, venue: str = "paper", **config) -> "_core.PaperBroker":
        """A paper broker for a bot's account; ``config``: keywords of
        PaperConfig (maker_fee_bps, taker_fee_bps, slippage_bps as Decimal,
        max_volume_participation, fee_decimals)."""
        return _core.PaperBroker(self, bot, account_id, _core.PaperConfig(**config), venue)


def open(url: Optional[str] = None, *, synchronous: Optional[str] = None,
         busy_timeout_ms: Optional[int] = None, migrate: bool = True,
         retry_ms: Optional[int] = None, group_commit: Optional[bool] = None,
         read_replica: bool = False, chunk_format: Optional[int] = None) -> Store:
    """Opens (creating or migrating) the store at ``url``: ``sqlite:DIR``,
    ``sqlite:FILE.db``, ``sqlite::memory:`` or ``postgresql://...``; the
    default is $TRADESTORE_URL, else ``sqlite:tradestore-data``, as for the
    CLI. InvalidArgument for a malformed URL, StorageError if it cannot be
    opened, Conflict if a newer tradestore wrote it.

    Keywords override the URL's query parameters (include/tradestore/store.h):
    ``synchronous`` "normal" or "full"; ``busy_timeout_ms`` and ``retry_ms``
    in milliseconds (how long a busy SQLite store is waited for);
    ``group_commit`` True/False (SQLite with synchronous "full": units of
    work of this process's threads that follow each other closely share one
    transaction and one fsync, each failing unit rolling back alone and each
    call returning once its own work is durable; docs/storage.md, "Group
    commit"); ``read_replica`` True sends reads outside a unit of work
    to the PostgreSQL replica named by the URL's read_host (docs/scale-out.md).
    ``chunk_format`` 2 or 3 (default 3): the format version of the candle
    chunks the store writes and ``candles_repo.upgrade_chunks()`` rewrites
    every chunk in; 2 is what builds before format 3 read (docs/storage.md,
    "Chunk format versions"); another value is InvalidArgument.
    ``migrate`` False opens without applying pending migrations."""
    if group_commit is not None and not isinstance(group_commit, bool):
        raise TypeError("group_commit must be True, False or None, got " + repr(group_commit))
    if chunk_format is not None and (isinstance(chunk_format, bool)
                                     or not isinstance(chunk_format, int)):
        raise TypeError("chunk_format must be 2, 3 or None, got " + repr(chunk_format))
    return Store(url, synchronous, busy_timeout_ms, migrate, retry_ms, group_commit, read_replica,
                 chunk_format)
