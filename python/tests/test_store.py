"""Round trips of every repository, exact decimals, times, units of work and
errors, on SQLite and PostgreSQL."""
import decimal
import threading
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

import tradestore
from helpers import T0, buy_then_sell, setup_bot


def test_open_close_and_context_manager(store_url):
    s = tradestore.open(store_url)
    assert s.url == store_url and not s.closed
    with s:
        s.bots.create(name="a")
    assert s.closed
    with pytest.raises(tradestore.InvalidArgument, match="closed"):
        s.bots.list()
    s.close()  # idempotent
    with tradestore.open(store_url) as again:  # reopened: the data stayed
        assert [b.name for b in again.bots.list()] == ["a"]


@pytest.mark.sqlite
def test_default_url_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TRADESTORE_URL", f"sqlite:{tmp_path / 'env-store'}")
    assert tradestore.default_url() == f"sqlite:{tmp_path / 'env-store'}"
    with tradestore.open() as s:
        assert s.url == f"sqlite:{tmp_path / 'env-store'}"


def test_bots_accounts_and_ledger(store):
    bot, account, _ = setup_bot(store)
    assert store.bots.get("bot-1") == bot
    assert store.bots.find("nope") is None
    assert store.bots.get_or_create(name="bot-1").id == bot.id
    hb = store.bots.heartbeat(bot.id, T0, "running", "ok", equity=Decimal("10000.5"))
    assert hb.runtime_state == "running" and hb.equity == Decimal("10000.5")
    assert store.bots.set_status("bot-1", "paused", T0).status == "paused"
    assert [a.name for a in store.accounts.list(bot.id)] == ["main"]
    other = store.accounts.get_or_create(bot.id, "savings")
    frm, to = store.ledger_repo.transfer(bot.id, account.id, other.id, "USDC",
                                         Decimal("0.000000000000000001"), T0)
    assert frm.amount == Decimal("-0.000000000000000001") and to.journal_id == frm.journal_id
    assert store.accounts.balance(bot.id, account.id, "USDC") == Decimal("9999.999999999999999999")
    assert store.ledger_repo.sum_entries(bot.id, account.id, "USDC") == \
        store.accounts.balance(bot.id, account.id, "USDC")
    assert len(store.ledger_repo.journal(bot.id, frm.journal_id)) == 2
    [balance] = store.accounts.balances(bot.id, other.id)
    assert balance.currency == "USDC" and balance.locked == 0
    sums = {(s.type, s.currency): s.amount for s in store.ledger_repo.sums(bot=bot.id)}
    assert sums[("deposit", "USDC")] == Decimal("10000")


def test_orders_fills_positions_trades(store):
    bot, account, instrument = setup_bot(store)
    sig = store.signals.record(bot_id=bot.id, instrument_id=instrument.id, strategy="s", time=T0,
                               side="buy", strength=0.7, price=23100.0, components=[
                                   tradestore.SignalComponent(name="tech", signal="buy",
                                                              confidence=0.8)])
    assert store.signals.get(bot.id, sig.id).components[0].name == "tech"
    order = store.orders.create(bot_id=bot.id, account_id=account.id, instrument_id=instrument.id,
                                side="buy", type="limit", quantity=Decimal("0.5"),
                                limit_price=Decimal("23101"), signal_id=sig.id, created_at=T0)
    assert order.status == "new" and order.client_order_id
    assert store.orders.find_by_client_id(bot.id, order.client_order_id) == order
    store.orders.accept(bot.id, order.id, T0, "venue-1")
    fill = tradestore.Fill(bot_id=bot.id, order_id=order.id, venue="kraken", venue_fill_id="x1",
                           quantity=Decimal("0.2"), price=Decimal("23100.5"),
                           fee=Decimal("0.0231005"), time=T0 + timedelta(seconds=1))
    first = store.orders.record_fill(fill)
    assert not first.duplicate and first.order.status == "partially_filled"
    assert first.position.quantity == Decimal("0.2")
    again = store.orders.record_fill(fill)  # the venue resends the same report
    assert again.duplicate and again.fill.id == first.fill.id
    assert store.orders.get(bot.id, order.id).filled_quantity == Decimal("0.2")
    changed = tradestore.Fill(**{**fill._asdict(), "price": Decimal("23100.6")})
    with pytest.raises(tradestore.Conflict, match="price"):
        store.orders.record_fill(changed)
    assert [o.id for o in store.orders.list_open(bot.id)] == [order.id]
    assert len(store.orders.events(bot.id, order.id)) >= 2
    store.orders.cancel(bot.id, order.id, T0 + timedelta(minutes=1), "enough")
    with pytest.raises(tradestore.Conflict, match="cancelled"):
        store.orders.transition(bot.id, order.id, "accepted", T0 + timedelta(minutes=2))
    pos = store.positions.get(bot.id, account.id, instrument.id)
    assert pos.quantity == Decimal("0.2") and pos.average_entry_price == Decimal("23100.5")
    store.positions.set_stops(bot.id, account.id, instrument.id, T0, stop_loss=Decimal("22000"))
    assert store.positions.list_open(bot.id)[0].stop_loss == Decimal("22000")
    sell = store.orders.create(bot_id=bot.id, account_id=account.id, instrument_id=instrument.id,
                               side="sell", quantity=Decimal("0.2"), created_at=T0)
    store.orders.accept(bot.id, sell.id, T0)
    out = store.orders.record_fill(bot_id=bot.id, order_id=sell.id, venue="kraken",
                                   venue_fill_id="x2", quantity=Decimal("0.2"),
                                   price=Decimal("23200.5"), fee=Decimal("0.02"), time=T0)
    trade = out.closed_trade
    assert trade.gross_pnl == Decimal("20") and trade.net_pnl == Decimal("19.9568995")
    assert store.trades_repo.get(bot.id, trade.id) == trade
    reviewed = store.trades_repo.update_review(bot.id, trade.id, T0, grade="A", notes="clean")
    assert reviewed.grade == "A" and reviewed.reviewed_at == T0
    assert [t.id for t in store.trades_repo.list(bot=bot.id)] == [trade.id]
    assert {e.type for e in out.ledger_entries} >= {"fee", "realized_pnl"}
    assert store.signals.links(bot.id, sig.id).orders == [order.id]


def test_portfolio_risk_configs_strategies_audit(store):
    bot, account, _ = setup_bot(store)
    store.portfolio.record(bot_id=bot.id, account_id=account.id, time=T0,
                           equity=Decimal("10000.01"), cash=Decimal("10000.01"))
    [point] = store.portfolio.curve(bot.id, account.id)
    assert point.equity == Decimal("10000.01") and point.time == T0
    assert store.portfolio.total(T0 + timedelta(days=1)).equity == Decimal("10000.01")
    limits = store.risk.set_limits(bot_id=bot.id, max_position=Decimal("1000"), max_drawdown=0.2,
                                   effective_from=T0)
    assert limits.version == 1 and store.risk.limits_at(bot.id, T0) == limits
    events = store.risk.evaluate(bot.id, tradestore.RiskValues(position=Decimal("1500")),
                                 T0 + timedelta(hours=1), "reject_order")
    assert [e.limit for e in events] == ["max_position"]
    resolved = store.risk.resolve(bot.id, events[0].id, "reduced", T0 + timedelta(hours=2))
    assert resolved.resolution == "reduced"
    cfg = store.configs.save(bot_id=bot.id, kind="bot", name="bot-1", document='{"a": 1}',
                             effective_from=T0)
    assert store.configs.current(bot.id, "bot", "bot-1").document == cfg.document
    assert store.strategies.define(name="s", version="1", parameters='{"fast": 10}').id > 0
    assert store.strategies.get("s", "1").parameters == '{"fast":10}'
    store.audit.record_event(time=T0, bot_id=bot.id, component="broker", event_type="startup",
                             message="up")
    store.audit.log_error(time=T0, component="broker", code="E1", message="boom")
    assert [e.message for e in store.audit.events(bot=bot.id)] == ["up"]
    assert [e.code for e in store.audit.errors()] == ["E1"]


def test_analytics_repositories(store):
    bot, account, instrument = setup_bot(store)
    day = T0.replace(hour=0)
    row = store.daily_pnl.upsert(bot_id=bot.id, account_id=account.id, currency="USDC", date=day,
                                 realized=Decimal("12.5"), unrealized=Decimal("-2"),
                                 fees=Decimal("0.5"), trades=3)
    assert row.net == Decimal("10") and row.mode == "paper"
    assert store.daily_pnl.list(bot="bot-1") == [row]
    with pytest.raises(tradestore.InvalidArgument):
        store.daily_pnl.upsert(bot_id=bot.id, account_id=account.id, currency="USDC",
                               date=T0, fees=Decimal("0"))  # not midnight

    p = store.patterns.record(instrument_id=instrument.id, timeframe="1h", pattern="bull_flag",
                              confidence=0.8, detected_at=T0,
                              expires_at=T0 + timedelta(hours=4), details='{"target": 1}')
    assert p.id > 0
    assert store.patterns.active(instrument.id, T0 + timedelta(hours=1)) == [p]
    assert store.patterns.active(instrument.id, T0 + timedelta(hours=5)) == []
    assert store.patterns.purge_expired(T0 + timedelta(days=1)) == 1

    r = store.ml_results.record(model="m", model_version="1", time=T0, features_hash="h1",
                                prediction=1.5)
    r = store.ml_results.set_actual(r.id, 2.0, T0 + timedelta(hours=1))
    assert store.ml_results.get(r.id).actual == 2.0
    assert [x.id for x in store.ml_results.list("m", only_with_actual=True)] == [r.id]
    errors = store.ml_results.errors("m")
    assert errors.count == 1 and errors.mae == 0.5 and errors.rmse == 0.5
    with pytest.raises(tradestore.NotFound):
        store.ml_results.get(r.id + 100)

    store.latency.record(bot_id=bot.id, order_id=7, venue="kraken", signal_time=T0,
                         order_time=T0 + timedelta(milliseconds=3),
                         ack_time=T0 + timedelta(milliseconds=10),
                         fill_time=T0 + timedelta(milliseconds=25))
    assert store.latency.find(bot.id, 7).venue == "kraken"
    assert store.latency.find(bot.id, 8) is None
    legs = {p.leg: p for p in store.latency.percentiles(bot="bot-1")}
    assert legs["signal_to_order"].p50 == 3000 and legs["order_to_fill"].max == 22000
    assert "leg" in tradestore.LatencyPercentiles._fields

    feed = store.news.add_feed(bot_id=bot.id, name="wire", url="https://example.org/rss")
    assert store.news.feeds("bot-1") == [feed]
    assert store.news.mark_seen(bot_id=bot.id, feed_id=feed.id, item_key="a", title="A", time=T0)
    assert not store.news.mark_seen(bot_id=bot.id, feed_id=feed.id, item_key="a", time=T0)
    assert store.news.is_seen(bot.id, feed.id, "a") and not store.news.is_seen(bot.id, feed.id, "b")
    assert store.news.set_feed_enabled(bot.id, feed.id, False).enabled is False
    assert store.news.feeds(bot.id) == [] and len(store.news.feeds(bot.id, True)) == 1
    assert [i.item_key for i in store.news.seen(bot.id)] == ["a"]
    assert store.news.forget_seen_before(bot.id, T0 + timedelta(seconds=1)) == 1
    with pytest.raises(tradestore.Conflict):
        store.news.add_feed(bot_id=bot.id, name="wire", url="https://example.org/other")


def test_change_feed(store):
    head = store.changes.head()
    bot, account, instrument = setup_bot(store)
    buy_then_sell(store, bot, account, instrument)
    # On a PostgreSQL server shared with other tests, a transaction of
    # another test may hold the events back for a moment (the feed hands
    # out only rows older than every running transaction): wait for them.
    deadline = time.monotonic() + 20
    batch = store.changes.after(head)
    while not any(e.kind == "trade-closed" for e in batch.events) and time.monotonic() < deadline:
        store.changes.wait_for_change(0.05)
        batch = store.changes.after(head)
    kinds = [e.kind for e in batch.events]
    assert "fill" in kinds and "trade-closed" in kinds and "position" in kinds
    assert all(e.bot == bot.id for e in batch.events)
    assert batch.cursor == batch.events[-1].cursor
    assert store.changes.after(batch.cursor).events == []
    # Paged: two at a time, the same events, none twice.
    seen, cursor = [], head
    while True:
        page = store.changes.after(cursor, limit=2)
        if not page.events:
            break
        seen += page.events
        cursor = page.cursor
    assert [e.cursor for e in seen] == [e.cursor for e in batch.events]
    assert store.changes.after(head, bot="bot-1").events == batch.events
    assert store.changes.wait_for_change(0.0) in (True, False)
    with pytest.raises(tradestore.InvalidArgument):
        store.changes.after("not-a-cursor")
    with pytest.raises(tradestore.InvalidArgument):
        store.changes.wait_for_change(-1)


def test_decimal_exactness(store):
    bot, account, _ = setup_bot(store, cash=Decimal("0.1"))
    values = ["0.2", "123456789012.123456789012345678", "-0.000000000000000001", "1e-18",
              "99999999999999999999.999999999999999999"]
    for text in values:
        kind = "deposit" if Decimal(text) > 0 else "withdrawal"
        entry = store.ledger_repo.post(bot_id=bot.id, account_id=account.id, time=T0, type=kind,
                                       currency="X", amount=Decimal(text))
        assert entry.amount == Decimal(text)
    with decimal.localcontext(decimal.Context(prec=60)):  # Python's default keeps 28 digits
        total = sum(Decimal(v) for v in values)
    assert store.accounts.balance(bot.id, account.id, "X") == total  # floats cannot hold this
    assert float(total) != total
    # int and str are money too; float is refused, bool and None are not money.
    assert store.ledger_repo.post(bot_id=bot.id, account_id=account.id, time=T0, type="deposit",
                                  currency="Y", amount=3).amount == 3
    assert store.ledger_repo.post(bot_id=bot.id, account_id=account.id, time=T0, type="deposit",
                                  currency="Y", amount="0.30").amount == Decimal("0.3")
    for bad in (0.1, np.float64(0.1)):
        with pytest.raises(TypeError, match="not float"):
            tradestore.LedgerEntry(amount=bad)
    with pytest.raises(tradestore.InvalidArgument, match="more than 18 fraction digits"):
        tradestore.LedgerEntry(amount=Decimal("0.0000000000000000001"))  # 19 fraction digits
    with pytest.raises(tradestore.InvalidArgument):
        tradestore.LedgerEntry(amount=Decimal("NaN"))


def test_times(store):
    bot, account, _ = setup_bot(store)
    plus2 = timezone(timedelta(hours=2))
    cases = [
        datetime(2024, 3, 1, 14, 0, 0, 123456, tzinfo=plus2),  # 12:00:00.123456Z
        pd.Timestamp("2024-03-01T12:00:00.123456Z"),
        np.datetime64("2024-03-01T12:00:00.123456"),
    ]
    for t in cases:
        snap = tradestore.PortfolioSnapshot(bot_id=bot.id, account_id=account.id, time=t,
                                            equity=1, cash=1)
        assert snap.time == datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)
        assert snap.time.tzinfo == timezone.utc
    old = datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)
    assert tradestore.PortfolioSnapshot(time=old).time == old
    with pytest.raises(TypeError, match="naive"):
        tradestore.PortfolioSnapshot(time=datetime(2024, 3, 1))
    with pytest.raises(TypeError, match="naive"):
        store.bots.heartbeat(bot.id, datetime(2024, 3, 1), "x")
    with pytest.raises(TypeError):
        tradestore.PortfolioSnapshot(time=1700000000)
    store.portfolio.record(bot_id=bot.id, account_id=account.id, time=cases[0], equity=1, cash=1)
    assert store.portfolio.curve(bot.id, account.id)[0].time == cases[0]


def test_unit_of_work(store):
    bot, account, _ = setup_bot(store)

    def deposit(amount):
        return store.ledger_repo.post(bot_id=bot.id, account_id=account.id, time=T0,
                                      type="deposit", currency="EUR", amount=amount)

    with store.unit_of_work():
        deposit(1)
        deposit(2)
    assert store.accounts.balance(bot.id, account.id, "EUR") == 3
    with pytest.raises(RuntimeError):
        with store.unit_of_work():
            deposit(10)
            raise RuntimeError("the bot crashed")
    assert store.accounts.balance(bot.id, account.id, "EUR") == 3  # rolled back
    # Poisoning: a call that raised inside the unit makes its commit fail,
    # even when the caller caught the exception.
    # (Checks that fail before any database work, such as a negative deposit,
    # leave the unit usable; one that failed inside the database poisons it.)
    with pytest.raises(tradestore.Conflict, match="rolled back"):
        with store.unit_of_work():
            deposit(100)
            with pytest.raises(tradestore.InvalidArgument):
                deposit(-1)  # a deposit must be positive: refused before any write
            with pytest.raises(tradestore.NotFound):  # fails inside its transaction
                store.ledger_repo.post(bot_id=bot.id, account_id=999, time=T0, type="deposit",
                                       currency="EUR", amount=1)
    assert store.accounts.balance(bot.id, account.id, "EUR") == 3
    with store.unit_of_work():  # nested units join the outer one
        with store.unit_of_work():
            deposit(4)
        assert store.accounts.balance(bot.id, account.id, "EUR") == 7
    assert store.accounts.balance(bot.id, account.id, "EUR") == 7
    with pytest.raises(tradestore.InvalidArgument):
        store.unit_of_work("analytics")


def test_error_kinds(store):
    assert issubclass(tradestore.InvalidArgument, ValueError)
    assert issubclass(tradestore.NotFound, LookupError)
    for cls in (tradestore.InvalidArgument, tradestore.NotFound, tradestore.Conflict,
                tradestore.Unavailable, tradestore.StorageError, tradestore.InternalError):
        assert issubclass(cls, tradestore.Error)
    with pytest.raises(tradestore.InvalidArgument) as e:
        store.bots.create(name="")
    assert e.value.kind == "invalid_argument" and e.value.retryable is False
    with pytest.raises(tradestore.NotFound) as e:
        store.bots.get(12345)
    assert e.value.kind == "not_found" and "12345" in str(e.value)
    store.bots.create(name="dup")
    with pytest.raises(tradestore.Conflict, match="dup") as e:
        store.bots.create(name="dup")
    assert e.value.kind == "conflict"
    with pytest.raises(tradestore.InvalidArgument, match="sell-ish"):
        tradestore.Order(side="sell-ish")
    with pytest.raises(tradestore.InvalidArgument, match="2h30"):
        store.candles("BTCUSDC", "2h30")


@pytest.mark.sqlite
def test_unavailable_and_storage_errors(tmp_path):
    url = f"sqlite:{tmp_path / 'locked'}"
    with tradestore.open(url) as a, tradestore.open(url, busy_timeout_ms=0) as b:
        a.bots.create(name="x")
        with a.unit_of_work():  # holds the write lock
            a.bots.create(name="y")
            with pytest.raises(tradestore.Unavailable) as e:
                b.bots.create(name="z")
            assert e.value.kind == "unavailable" and e.value.retryable
            assert e.value.native_code.startswith("SQLITE")
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(tradestore.StorageError) as e:
        tradestore.open(f"sqlite:{tmp_path / 'file' / 'x.db'}")
    assert e.value.kind == "storage"
    with pytest.raises(tradestore.InvalidArgument):
        tradestore.open("mysql://nope")


@pytest.mark.sqlite
@pytest.mark.parametrize("group_commit", [True, False])
def test_durable_writers_with_and_without_group_commit(tmp_path, group_commit):
    """Four threads, each with its own store at synchronous=full, create
    bots at once; every one is there afterwards (store.h, "Group commit")."""
    url = f"sqlite:{tmp_path / 'durable'}"
    tradestore.open(url).close()
    errors = []

    def writer(w):
        try:
            with tradestore.open(url, synchronous="full", group_commit=group_commit,
                                 retry_ms=60000) as s:
                for i in range(25):
                    s.bots.create(name=f"w{w}-{i}")
        except Exception as e:  # reported below, with the thread's name
            errors.append((w, e))

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with tradestore.open(url) as s:
        names = sorted(b.name for b in s.bots.list())
    assert names == sorted(f"w{w}-{i}" for w in range(4) for i in range(25))


def test_open_keywords_are_checked(tmp_path):
    with pytest.raises(TypeError, match="group_commit"):
        tradestore.open(f"sqlite:{tmp_path / 'x'}", group_commit="on")
    with pytest.raises(tradestore.InvalidArgument, match="synchronous must be normal or full"):
        tradestore.open(f"sqlite:{tmp_path / 'y'}", synchronous="sometimes")


def test_compact_and_upgrade_chunks(store):
    rng = np.random.default_rng(3)
    n = 3000
    index = pd.date_range("2021-01-01", periods=n, freq="1min", tz="UTC", name="open_time")
    close = np.round(20000 + np.cumsum(rng.normal(0, 5, n)), 2)
    df = pd.DataFrame({"open": close, "high": close + 1, "low": close - 1, "close": close,
                       "volume": np.round(rng.random(n), 8), "trades": rng.integers(0, 99, n)},
                      index=index)
    store.write_candles(df, "SOLUSDC", "1m", venue="kraken", apply_compaction_policy=False)
    sol = store.instruments.find("kraken", "SOLUSDC").id
    repo = store.candles_repo
    done = repo.compact(sol, "1m", before=index[2500])
    assert done == {"series": 1, "candles": 2500, "chunks": 2, "bytes": done["bytes"]}
    assert 0 < done["bytes"] < 12 * 2500
    assert repo.compact()["candles"] == 500  # the rest, every series
    # Every chunk is of the current format: nothing to rewrite.
    assert repo.upgrade_chunks() == {"series": 0, "chunks": 0, "candles": 0, "bytes_before": 0,
                                     "bytes_after": 0}
    assert repo.upgrade_chunks(sol, "1m")["chunks"] == 0
    back = store.candles("SOLUSDC", "1m", venue="kraken")
    assert back.index.equals(df.index)
    assert np.array_equal(back["close"].to_numpy(), df["close"].to_numpy())
    with pytest.raises(tradestore.NotFound):
        repo.compact(sol + 1000)
    with pytest.raises(tradestore.NotFound):
        repo.upgrade_chunks(sol + 1000)


def test_chunk_format_2_rewrites_for_older_builds_and_back(store_url):
    n = 2500
    index = pd.date_range("2021-01-01", periods=n, freq="1min", tz="UTC", name="open_time")
    close = np.round(20000 + np.arange(n) * 0.25, 2)
    df = pd.DataFrame({"open": close, "high": close + 1, "low": close - 1, "close": close,
                       "volume": np.full(n, 0.5), "trades": np.full(n, 3)}, index=index)
    with tradestore.open(store_url) as s:
        s.write_candles(df, "SOLUSDC", "1m", venue="kraken", apply_compaction_policy=False)
        assert s.candles_repo.compact()["chunks"] == 2
    with tradestore.open(store_url, chunk_format=2) as old:
        assert old.candles_repo.upgrade_chunks()["chunks"] == 2  # format 3 -> 2
        assert old.candles_repo.upgrade_chunks()["chunks"] == 0
        back = old.candles("SOLUSDC", "1m", venue="kraken")
        assert np.array_equal(back["close"].to_numpy(), close)
    with tradestore.open(store_url) as s:
        assert s.candles_repo.upgrade_chunks()["chunks"] == 2  # and back to 3
    with pytest.raises(tradestore.InvalidArgument, match="chunk_format must be 2 or 3, got '4'"):
        tradestore.open(store_url, chunk_format=4)
    with pytest.raises(TypeError, match="chunk_format"):
        tradestore.open(store_url, chunk_format="2")


def test_candles_dataframe_round_trip(store):
    rng = np.random.default_rng(7)
    n = 5000
    index = pd.date_range("2020-01-01", periods=n, freq="1min", tz="UTC", name="open_time")
    low = rng.random(n) * 100 + 1e-9
    high = low + rng.random(n)
    open_ = low + (high - low) * rng.random(n)
    close = low + (high - low) * rng.random(n)
    close[:3] = [0.1, 1 / 3, 5e-324 + low[2]]  # values with long binary expansions
    low[:3] = np.minimum(low[:3], close[:3])
    open_[:3] = close[:3]
    df = pd.DataFrame({"open": open_, "high": high, "low": low, "close": close,
                       "volume": rng.random(n) * 1e6, "trades": rng.integers(-1, 1000, n)},
                      index=index)
    assert store.write_candles(df, "ETHUSDC", "1m", venue="kraken") == n
    back = store.candles("ETHUSDC", "1m")
    assert back.index.equals(df.index) and str(back.index.tz) == "UTC"
    for col in ["open", "high", "low", "close", "volume"]:
        assert np.array_equal(back[col].to_numpy().view("int64"), df[col].to_numpy().view("int64"))
    assert np.array_equal(back["trades"].to_numpy(), df["trades"].to_numpy())
    part = store.candles("ETHUSDC", "1m", start=index[10], end=index[20].to_pydatetime())
    assert len(part) == 10 and part.index[0] == index[10]
    assert store.candles("ETHUSDC", "1m", start=index[-1] + pd.Timedelta("1h")).empty
    [cov] = store.candles_repo.coverage(store.instruments.find("kraken", "ETHUSDC").id)
    assert cov.count == n and cov.gap_count == 0
    info = store.candles_repo.info(store.instruments.find("kraken", "ETHUSDC").id, "1m")
    assert info.count == n and info.first == index[0]
    gappy = df.iloc[[0, 1, 5, 6, 7, 20]]  # a new series with two gaps
    store.write_candles(gappy, "GAPUSDC", "1m")
    gap_id = store.instruments.find("", "GAPUSDC").id
    [saved] = store.candles_repo.coverage(gap_id)
    refreshed = store.candles_repo.refresh_coverage(gap_id, "1m")
    assert (saved.count, saved.expected_count, saved.gap_count) == (6, 21, 2)
    assert (refreshed.first, refreshed.last, refreshed.count, refreshed.expected_count,
            refreshed.gap_count) == (saved.first, saved.last, 6, 21, 2)
    # Bad rows are refused before anything is written.
    bad = df.iloc[:3].copy()
    bad.index = bad.index + pd.Timedelta("1d")
    bad.iloc[1, bad.columns.get_loc("low")] = 1e9
    with pytest.raises(tradestore.InvalidArgument, match="row 1"):
        store.write_candles(bad, "ETHUSDC", "1m", venue="kraken")
    misaligned = df.iloc[:1].copy()
    misaligned.index = misaligned.index + pd.Timedelta("30s")
    with pytest.raises(tradestore.InvalidArgument, match="aligned"):
        store.write_candles(misaligned, "ETHUSDC", "1m", venue="kraken")
    with pytest.raises(TypeError, match="naive"):
        store.write_candles(df.tz_localize(None), "ETHUSDC", "1m", venue="kraken")
    assert len(store.candles("ETHUSDC", "1m")) == n
    with pytest.raises(tradestore.NotFound):
        store.candles("NOPE", "1m")


def test_trading_dataframes(store):
    bot, account, instrument = setup_bot(store)
    buy_then_sell(store, bot, account, instrument)
    store.portfolio.record(bot_id=bot.id, account_id=account.id, time=T0, equity=Decimal("10000"),
                           cash=Decimal("10000"))
    trades = store.trades(bot="bot-1")
    assert len(trades) == 1 and trades["net_pnl"][0] == Decimal("222.615")
    assert isinstance(trades["entry_price"][0], Decimal)
    assert str(trades["exit_time"].dt.tz) == "UTC" and str(trades["signal_id"].dtype) == "Int64"
    as_float = store.trades(bot="bot-1", money="float")
    assert as_float["net_pnl"].dtype == np.float64 and as_float["net_pnl"][0] == 222.615
    fills = store.fills(bot.id)
    assert list(fills["venue_fill_id"]) == ["f-1", "f-2"]
    ledger = store.ledger(bot="bot-1", currency="USDC")
    assert ledger["amount"].sum() == ledger["balance_after"].iloc[-1] == Decimal("10222.615")
    equity = store.equity("bot-1")
    assert equity.index[0] == T0 and equity["equity"].iloc[0] == Decimal("10000")
    with pytest.raises(tradestore.InvalidArgument, match="money"):
        store.trades(money="double")


@pytest.mark.sqlite
def test_gil_is_released_during_database_work(tmp_path):
    url = f"sqlite:{tmp_path / 'gil'}"
    n = 200_000
    index = pd.date_range("2000-01-01", periods=n, freq="1min", tz="UTC")
    df = pd.DataFrame({c: np.ones(n) for c in ["open", "high", "low", "close", "volume"]}, index=index)
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)

    with tradestore.open(url) as s:
        thread = threading.Thread(target=count)
        thread.start()
        try:
            before = len(ticks)
            s.write_candles(df, "X", "1m")
            s.candles("X", "1m")
            during = len(ticks) - before
        finally:
            stop.set()
            thread.join()
    assert during > 1000  # the other thread ran while C++ worked
