"""tradestore from Python against the seeds' Python approach, side by side in
one run (docs/benchmarks.md, "Python"):

  1. fills: per fill one unit of work recording an order (create, accept),
     its fill, the position, the fee and realized-P&L ledger postings and the
     closed trade (every second fill), through tradestore's Python API,
     through SQLAlchemy ORM models doing the same writes (one session commit
     per fill), and through the C++ API (bench/store_bench.cc's identical
     loop, `tradestore_bench --only fills-ours`), all on SQLite with
     synchronous=NORMAL;
  2. candles out: N candles from the store into a DataFrame (store.candles)
     vs pandas.read_sql of the same SQLite table into the same shape;
  3. candles in: a DataFrame of N candles into the store (store.write_candles)
     vs DataFrame.to_sql: repeated into one series (an upsert over the
     candles of the previous repetition), and into a new store each time
     (as to_sql replaces its table), as rows and compacted;
  4. memory: the peak traced allocation of store.candles against the size of
     the DataFrame it returns.

Usage (from the repository root, after building build/test):
  PYTHONPATH=build/test/python python3 bench/python/bench_python.py \
      [--candles 1000000] [--fills 3000] [--orm-fills 1000] [--reps 3] \
      [--cpp-bench build/test/bench/tradestore_bench] [--skip-fills]
Not a test: nothing here is asserted; the targets are printed beside the ratios.
"""
import argparse
import pathlib
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd

import tradestore

BASE = datetime(2023, 3, 1, tzinfo=timezone.utc)
QTY = Decimal("0.01")
FEE = Decimal("0.05")


def price_of(i):  # as bench/fill_plan.h
    buy = Decimal("20000.25") + (i // 2) % 97
    return buy if i % 2 == 0 else buy + Decimal("1.5")


# ---- 1. fills -----------------------------------------------------------------
def tradestore_fills(directory, n):
    with tradestore.open(f"sqlite:{directory}") as store:
        ins = store.instruments.upsert(venue="paper", symbol="BTCUSDC", base_asset="BTC",
                                       quote_asset="USDC")
        bot = store.bots.create(name="bench")
        account = store.accounts.create(bot.id, "main")
        orders = store.orders
        start = time.perf_counter()
        for i in range(n):
            t = BASE + timedelta(seconds=i)
            with store.unit_of_work():
                o = orders.create(bot_id=bot.id, account_id=account.id, instrument_id=ins.id,
                                  client_order_id=f"o-{i}", strategy="bench",
                                  side="buy" if i % 2 == 0 else "sell", quantity=QTY,
                                  created_at=t)
                orders.transition(bot.id, o.id, "accepted", t)
                orders.record_fill(bot_id=bot.id, order_id=o.id, venue="paper",
                                   venue_fill_id=f"f-{i}", quantity=QTY, price=price_of(i),
                                   fee=FEE, time=t)
        seconds = time.perf_counter() - start
        balance = store.accounts.balance(bot.id, account.id, "USDC")
        trades = len(store.trades_repo.list())
    return n / seconds, balance, trades


def orm_fills(directory, n):
    """The seeds' way: SQLAlchemy ORM models, Numeric money, one commit per fill."""
    from sqlalchemy import (Column, ForeignKey, Integer, Numeric, String, create_engine, event,
                            select)
    from sqlalchemy.orm import Session, declarative_base

    Base = declarative_base()
    money = Numeric(38, 18, asdecimal=True)

    class Order(Base):
        __tablename__ = "orders"
        id = Column(Integer, primary_key=True)
        bot_id = Column(Integer, nullable=False)
        client_order_id = Column(String, unique=True)
        side = Column(String)
        quantity = Column(money)
        status = Column(String)
        filled_quantity = Column(money)
        average_fill_price = Column(money)
        created_at = Column(Integer)
        updated_at = Column(Integer)

    class OrderEvent(Base):
        __tablename__ = "order_events"
        id = Column(Integer, primary_key=True)
        order_id = Column(Integer, ForeignKey("orders.id"))
        from_status = Column(String)
        to_status = Column(String)
        time = Column(Integer)

    class Fill(Base):
        __tablename__ = "fills"
        id = Column(Integer, primary_key=True)
        order_id = Column(Integer, ForeignKey("orders.id"))
        venue_fill_id = Column(String, unique=True)
        quantity = Column(money)
        price = Column(money)
        fee = Column(money)
        time = Column(Integer)

    class Position(Base):
        __tablename__ = "positions"
        id = Column(Integer, primary_key=True)
        bot_id = Column(Integer)
        symbol = Column(String)
        quantity = Column(money)
        average_entry_price = Column(money)
        realized_pnl = Column(money)
        opened_at = Column(Integer)

    class Trade(Base):
        __tablename__ = "trades"
        id = Column(Integer, primary_key=True)
        entry_price = Column(money)
        exit_price = Column(money)
        quantity = Column(money)
        gross_pnl = Column(money)
        fees = Column(money)
        net_pnl = Column(money)
        entry_time = Column(Integer)
        exit_time = Column(Integer)

    class Balance(Base):
        __tablename__ = "balances"
        id = Column(Integer, primary_key=True)
        account = Column(String, unique=True)
        amount = Column(money)

    class LedgerEntry(Base):
        __tablename__ = "ledger_entries"
        id = Column(Integer, primary_key=True)
        account = Column(String)
        type = Column(String)
        amount = Column(money)
        balance_after = Column(money)
        fill_id = Column(Integer)
        time = Column(Integer)

    # SQLAlchemy warns that SQLite's Numeric goes through float: the seeds'
    # ORM stores lose exactness on top of being slow. Said once, in the notes.
    warnings.filterwarnings("ignore", message=".*does \\*not\\* support Decimal objects")
    engine = create_engine(f"sqlite:///{directory}/orm.db")

    @event.listens_for(engine, "connect")
    def pragmas(conn, _):
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")

    Base.metadata.create_all(engine)

    def post(session, account, kind, amount, fill_id, t):
        bal = session.scalars(select(Balance).where(Balance.account == account)).first()
        if bal is None:
            bal = Balance(account=account, amount=Decimal(0))
            session.add(bal)
        bal.amount = bal.amount + amount
        session.add(LedgerEntry(account=account, type=kind, amount=amount,
                                balance_after=bal.amount, fill_id=fill_id, time=t))

    fees = Decimal(0)
    start = time.perf_counter()
    for i in range(n):
        t = int((BASE + timedelta(seconds=i)).timestamp() * 1e6)
        with Session(engine) as s, s.begin():
            side = "buy" if i % 2 == 0 else "sell"
            o = Order(bot_id=1, client_order_id=f"o-{i}", side=side, quantity=QTY, status="new",
                      filled_quantity=Decimal(0), created_at=t, updated_at=t)
            s.add(o)
            s.flush()
            s.add(OrderEvent(order_id=o.id, from_status=None, to_status="new", time=t))
            o.status = "accepted"
            s.add(OrderEvent(order_id=o.id, from_status="new", to_status="accepted", time=t))
            price = price_of(i)
            f = Fill(order_id=o.id, venue_fill_id=f"f-{i}", quantity=QTY, price=price, fee=FEE,
                     time=t)
            s.add(f)
            s.flush()
            o.filled_quantity, o.average_fill_price, o.status = QTY, price, "filled"
            s.add(OrderEvent(order_id=o.id, from_status="accepted", to_status="filled", time=t))
            pos = s.scalars(select(Position).where(Position.bot_id == 1,
                                                   Position.symbol == "BTCUSDC")).first()
            if pos is None:
                pos = Position(bot_id=1, symbol="BTCUSDC", quantity=Decimal(0),
                               average_entry_price=Decimal(0), realized_pnl=Decimal(0))
                s.add(pos)
            post(s, "main", "fee", -FEE, f.id, t)
            post(s, "system:fees", "fee", FEE, f.id, t)
            fees += FEE
            if side == "buy":
                pos.quantity, pos.average_entry_price, pos.opened_at = QTY, price, t
            else:
                pnl = (price - pos.average_entry_price) * QTY
                s.add(Trade(entry_price=pos.average_entry_price, exit_price=price, quantity=QTY,
                            gross_pnl=pnl, fees=FEE * 2, net_pnl=pnl - FEE * 2,
                            entry_time=pos.opened_at, exit_time=t))
                pos.quantity, pos.realized_pnl = Decimal(0), pos.realized_pnl + pnl
                post(s, "main", "realized_pnl", pnl, f.id, t)
                post(s, "system:pnl", "realized_pnl", -pnl, f.id, t)
    seconds = time.perf_counter() - start
    with Session(engine) as s:
        balance = s.scalars(select(Balance).where(Balance.account == "main")).one().amount
        trades = s.query(Trade).count()
    return n / seconds, balance, trades


def cpp_fills(binary, n):
    out = subprocess.run([binary, "--only", "fills-ours", "--fills", str(n), "--reps", "1",
                          "--no-full"], check=True, capture_output=True, text=True).stdout
    m = re.search(r"fills-ours normal: ([0-9.]+) ms", out, re.I)
    if not m:
        raise RuntimeError("unexpected output of " + binary + ":\n" + out)
    return n / (float(m.group(1)) / 1000)


# ---- 2-4. candles -------------------------------------------------------------
def candle_frame(n):
    rng = np.random.default_rng(1)
    index = pd.date_range("2000-01-01", periods=n, freq="1min", tz="UTC", name="open_time")
    close = 20000 + np.cumsum(rng.normal(0, 5, n))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) + rng.random(n)
    low = np.minimum(open_, close) - rng.random(n)
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close,
                         "volume": rng.random(n) * 10, "trades": rng.integers(0, 500, n)},
                        index=index)


def read_sql(market_db):
    with sqlite3.connect(market_db) as conn:
        df = pd.read_sql("SELECT open_time, open, high, low, close, volume, trades FROM candles "
                         "WHERE instrument_id = 1 AND timeframe = '1m' ORDER BY open_time", conn)
    df["open_time"] = pd.to_datetime(df["open_time"], unit="us", utc=True)
    return df.set_index("open_time")


def to_sql(df, path):
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        df.to_sql("candles", conn, if_exists="replace")


def timed(f, reps):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cpp_raw_import(binary, n, reps):
    """The raw sqlite3 loop of tradestore_bench (one prepared INSERT into the
    store's own market.candles, one transaction, synchronous=NORMAL, no
    validation, candles already in memory): the most rows SQLite itself
    stores per second here, the ceiling of any row-storage write."""
    out = subprocess.run([binary, "--only", "import-raw", "--rows", str(n), "--reps", str(reps)],
                         check=True, capture_output=True, text=True).stdout
    m = re.search(r"import-raw: ([0-9.]+) rows/s", out)
    if not m:
        raise RuntimeError("unexpected output of " + binary + ":\n" + out)
    return float(m.group(1))


def row(name, ours, theirs, unit, target):
    """One line of the table, and its RESULT line; target None: no target."""
    ratio = ours / theirs
    if target is None:
        met = "-"
    else:
        met = "yes" if ratio >= float(target.lstrip(">=")) else "NO"
    print(f"{name:<44} | {ours:>12,.0f} {unit} | {theirs:>12,.0f} {unit} | {ratio:6.2f} | "
          f"{target or '-':>6} | {met}")
    # The line bench/run-all collects (bench/result_line.h).
    baseline = name.partition(" vs ")[2]
    result_target = target.replace('>=', '>= ') if target else "-"
    print(f"RESULT\tPython {name}\t{ours:.0f} {unit}\t{theirs:.0f} {unit} ({baseline})"
          f"\t{ratio:.2f}\t{result_target}\t{met}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--candles", type=int, default=1_000_000)
    ap.add_argument("--fills", type=int, default=3000)
    ap.add_argument("--orm-fills", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--cpp-bench", default="build/test/bench/tradestore_bench")
    ap.add_argument("--skip-fills", action="store_true", help="only the candle workloads")
    a = ap.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="ts-pybench-"))
    print(f"python {sys.version.split()[0]}, pandas {pd.__version__}, numpy {np.__version__}; "
          f"{a.candles:,} candles, {a.fills} fills ({a.orm_fills} through the ORM), "
          f"median of {a.reps}; scratch {tmp}\n")
    print(f"{'workload':<44} | {'tradestore':>17} | {'baseline':>17} | {'ratio':>6} | target | ok?")

    # 1. fills
    if not a.skip_fills:
        fills(a, tmp)
    candles(a, tmp)


def fills(a, tmp):
    ours, ours_balance, ours_trades = [], None, None
    orm, cpp = [], []
    for rep in range(a.reps):
        rate, ours_balance, ours_trades = tradestore_fills(tmp / f"ts-fills-{rep}", a.fills)
        ours.append(rate)
        d = tmp / f"orm-{rep}"
        d.mkdir()
        rate, orm_balance, orm_trades = orm_fills(d, a.orm_fills)
        orm.append(rate)
        if pathlib.Path(a.cpp_bench).exists():
            cpp.append(cpp_fills(a.cpp_bench, a.fills))
    row("fills: Python API vs SQLAlchemy ORM", statistics.median(ours), statistics.median(orm),
        "fills/s", ">=10")
    if cpp:
        row("fills: Python API vs the C++ API", statistics.median(ours), statistics.median(cpp),
            "fills/s", ">=0.8")
    print(f"  end states: tradestore {ours_trades} trades, balance {ours_balance} after "
          f"{a.fills} fills; ORM {orm_trades} trades after {a.orm_fills} fills")


def candles(a, tmp):
    # 2-3. candles
    df = candle_frame(a.candles)
    url = f"sqlite:{tmp / 'candles'}"
    with tradestore.open(url) as store:
        write = timed(lambda: store.write_candles(df, "BTCUSDC", "1m", venue="bench"), a.reps)
        tosql = timed(lambda: to_sql(df, tmp / "pandas.db"), a.reps)
        read = timed(lambda: store.candles("BTCUSDC", "1m"), a.reps)
        readsql = timed(lambda: read_sql(tmp / "candles/market.db"), a.reps)
        ours_df = store.candles("BTCUSDC", "1m")
        theirs_df = read_sql(tmp / "candles/market.db")
        assert ours_df.equals(df) and ours_df.equals(theirs_df), "the frames differ"
        row("candles out: store.candles vs pandas.read_sql", a.candles / read, a.candles / readsql,
            "rows/s", ">=5")
        row("candles in: write_candles vs DataFrame.to_sql", a.candles / write, a.candles / tosql,
            "rows/s", ">=5")
        # 3b. Each repetition into a new store, as to_sql replaces its table:
        # as rows, and compacted (compact_before="all", what a store with the
        # compaction policy "all" does; docs/storage.md, "Compaction policy").
        for kind in ("rows", "chunks"):
            times = []
            for rep in range(a.reps):
                with tradestore.open(f"sqlite:{tmp / f'in-{kind}-{rep}'}") as fresh:
                    start = time.perf_counter()
                    fresh.write_candles(df, "BTCUSDC", "1m", venue="bench",
                                        compact_before="all" if kind == "chunks" else None,
                                        apply_compaction_policy=False)
                    times.append(time.perf_counter() - start)
                    if rep == 0:
                        assert fresh.candles("BTCUSDC", "1m").equals(df), "the frames differ"
            row(f"candles in, new store: write_candles ({kind}) vs to_sql",
                a.candles / statistics.median(times), a.candles / tosql, "rows/s", ">=5")
        # 3c. The ceiling of row storage: SQLite's own keyed INSERT loop in C
        # (no validation, no coverage), same table, same pragmas. 5x to_sql
        # as rows would have to beat it.
        if pathlib.Path(a.cpp_bench).exists():
            row("candles in, ceiling of rows: raw sqlite3 INSERT loop (C) vs to_sql",
                cpp_raw_import(a.cpp_bench, a.candles, a.reps), a.candles / tosql, "rows/s", None)

        # 4. memory
        del ours_df, theirs_df
        tracemalloc.start()
        frame = store.candles("BTCUSDC", "1m")
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        size = frame.memory_usage(index=True, deep=True).sum()
        print(f"\nmemory of store.candles({a.candles:,}): peak traced {peak / 2**20:.1f} MiB, "
              f"the DataFrame {size / 2**20:.1f} MiB, peak - DataFrame = "
              f"{(peak - size) / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
