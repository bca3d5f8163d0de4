"""The package against the CLI on the demo data (examples/data, Kraken
BTC/USDC hourly, 2023-Q1): the same report, the same imported candles, and
a Python strategy giving the same trades as the C++ sma-cross."""
import json
import sys

import pytest

import tradestore
from conftest import KRAKEN_1H, ROOT, run_cli
from tradestore import backtest

sys.path.insert(0, str(ROOT / "examples/python"))
from sma_cross import SmaCross  # noqa: E402

pytestmark = pytest.mark.sqlite


def test_report_equals_cli_report_json(cli, demo):
    expected = json.loads(run_cli(cli, demo, "report", "--bot", "demo-sma-cross",
                                  "--periods-per-year", "365", "--json"))
    with tradestore.open(demo) as store:
        report = store.report(bot="demo-sma-cross", periods_per_year=365)
        assert report == expected
        assert len(report.trades) == len(store.trades_repo.list(bot="demo-sma-cross")) > 5
        assert report.equity["equity"].iloc[-1] == store.equity("demo-sma-cross")["equity"].iloc[-1]
        default = store.report()  # the most recently created bot, 252 periods
    assert default == json.loads(run_cli(cli, demo, "report", "--json"))


def test_import_candles_equals_cli_import(demo, tmp_path):
    with tradestore.open(f"sqlite:{tmp_path / 'py'}") as store:
        summary = store.import_candles(KRAKEN_1H, "BTCUSDC", "1h", venue="kraken",
                                       price_precision=2, size_precision=8)
        assert summary["rows_read"] == summary["rows_in_store"] > 2000
        mine = store.candles("BTCUSDC", "1h")
        with pytest.raises(tradestore.NotFound, match="no-such-file.csv: cannot open"):
            store.import_candles(tmp_path / "no-such-file.csv", "X", "1h")
    with tradestore.open(demo) as store:
        theirs = store.candles("BTCUSDC", "1h", venue="kraken")
    assert mine.equals(theirs)


def test_export_matches_cli_export(cli, demo, tmp_path):
    with tradestore.open(demo) as store:
        summary = store.export("trades", tmp_path / "py.csv", bot="demo-sma-cross")
    run_cli(cli, demo, "export", "trades", "--bot", "demo-sma-cross", "--out",
            str(tmp_path / "cli.csv"))
    assert summary["rows"] > 0
    assert (tmp_path / "py.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()


def test_python_strategy_gives_the_cpp_trades(demo):
    keys = ["side", "entry_time", "exit_time", "entry_price", "exit_price", "quantity",
            "gross_pnl", "fees", "net_pnl", "mae", "mfe", "exit_reason", "entry_slippage",
            "exit_slippage"]
    with tradestore.open(demo) as store:
        result = backtest.run(store, "BTCUSDC", "1h", SmaCross(10, 30), venue="kraken",
                              cash=10000, bot="py-sma-cross", strategy_name="sma-cross(10,30)")
        cpp = store.trades_repo.list(bot="demo-sma-cross")
        py = store.trades_repo.list(bot="py-sma-cross")
        assert result.trades == len(py) == len(cpp) > 5
        assert [[getattr(t, k) for k in keys] for t in py] == \
            [[getattr(t, k) for k in keys] for t in cpp]
        cpp_eq = store.equity("demo-sma-cross")
        py_eq = store.equity("py-sma-cross")
        assert cpp_eq.equals(py_eq)
        with pytest.raises(tradestore.Conflict):
            backtest.run(store, "BTCUSDC", "1h", SmaCross(), venue="kraken", bot="py-sma-cross")


def test_import_candles_duplicate_policy(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("time,open,high,low,close,volume\n"
                    "1699999980,10,11,9,10.5,1\n"
                    "1699999980,10,11,9,10.5,1\n"
                    "1700000040,10.5,12,10,11,2\n"
                    "1700000040,10.5,12,10,11.5,3\n"
                    "1700000100,11,11,11,11,1\n")
    with tradestore.open(f"sqlite:{tmp_path / 'dup'}") as store:
        with pytest.raises(tradestore.InvalidArgument, match=r"dup.csv:5: .*repeats line 4"):
            store.import_candles(path, "BTCUSDC", "1m")
        with pytest.raises(tradestore.NotFound):  # nothing written, not even the instrument
            store.candles("BTCUSDC", "1m")
        with pytest.raises(tradestore.InvalidArgument, match="on_duplicate: 'middle'"):
            store.import_candles(path, "BTCUSDC", "1m", on_duplicate="middle")
        summary = store.import_candles(path, "BTCUSDC", "1m", on_duplicate="last")
        assert (summary["identical_duplicates"], summary["conflicting_duplicates"]) == (1, 1)
        assert summary["rows_in_store"] == 3
        candles = store.candles("BTCUSDC", "1m")
        assert candles["close"].iloc[1] == 11.5 and candles["volume"].iloc[1] == 3
        first = store.import_candles(path, "BTCUSDC", "1m", on_duplicate="first")
        assert first["conflicting_duplicates"] == 1
        assert store.candles("BTCUSDC", "1m")["close"].iloc[1] == 11


def test_import_candles_compacted_reads_the_same(tmp_path):
    from datetime import datetime, timezone
    with tradestore.open(f"sqlite:{tmp_path / 'rows'}") as store:
        plain = store.import_candles(KRAKEN_1H, "BTCUSDC", "1h", venue="kraken")
        assert plain["candles_compacted"] == plain["chunks_written"] == 0
        rows = store.candles("BTCUSDC", "1h")
    with tradestore.open(f"sqlite:{tmp_path / 'all'}") as store:
        summary = store.import_candles(KRAKEN_1H, "BTCUSDC", "1h", venue="kraken",
                                       compact_before="all")
        assert summary["compact_before"] == "all"
        assert summary["candles_compacted"] == summary["rows_in_store"] == len(rows)
        assert summary["chunks_written"] == -(-len(rows) // 2048)
        assert store.candles("BTCUSDC", "1h").equals(rows)
    cutoff = datetime(2023, 2, 1, tzinfo=timezone.utc)
    with tradestore.open(f"sqlite:{tmp_path / 'part'}") as store:
        summary = store.import_candles(KRAKEN_1H, "BTCUSDC", "1h", venue="kraken",
                                       compact_before=cutoff)
        assert summary["candles_compacted"] == (rows.index < cutoff).sum() > 0
        assert store.candles("BTCUSDC", "1h").equals(rows)
        with pytest.raises(tradestore.InvalidArgument, match="compact_before: 'some'"):
            store.import_candles(KRAKEN_1H, "BTCUSDC", "1h", venue="kraken",
                                 compact_before="some")
        with pytest.raises((tradestore.InvalidArgument, TypeError)):
            store.import_candles(KRAKEN_1H, "BTCUSDC", "1h", venue="kraken",
                                 compact_before=datetime(2023, 2, 1))  # naive


def stored_as(directory):
    """(rows, chunks) in the market.db of a SQLite directory store."""
    import sqlite3
    with sqlite3.connect(f"file:{directory / 'market.db'}?mode=ro", uri=True) as db:
        return (db.execute("SELECT count(*) FROM candles").fetchone()[0],
                db.execute("SELECT count(*) FROM candle_chunks").fetchone()[0])


def test_write_candles_compacts_as_imports_do(tmp_path):
    with tradestore.open(f"sqlite:{tmp_path / 'source'}") as store:
        store.import_candles(KRAKEN_1H, "BTCUSDC", "1h", venue="kraken")
        rows = store.candles("BTCUSDC", "1h")
    chunks = -(-len(rows) // 2048)
    with tradestore.open(f"sqlite:{tmp_path / 'all'}") as store:
        assert store.write_candles(rows, "BTCUSDC", "1h", venue="kraken",
                                   compact_before="all") == len(rows)
        assert store.candles("BTCUSDC", "1h").equals(rows)
    assert stored_as(tmp_path / "all") == (0, chunks)
    with tradestore.open(f"sqlite:{tmp_path / 'policy'}") as store:
        store.candles_repo.set_compaction_policy(0)
        store.write_candles(rows, "BTCUSDC", "1h", venue="kraken", apply_compaction_policy=False)
        store.write_candles(rows.iloc[:10], "ETHUSDC", "1h", venue="kraken")
        with pytest.raises(tradestore.InvalidArgument, match="compact_before: 'some'"):
            store.write_candles(rows, "BTCUSDC", "1h", venue="kraken", compact_before="some")
        assert store.candles("BTCUSDC", "1h").equals(rows)
    # The opted-out write stayed rows; the other followed the policy.
    assert stored_as(tmp_path / "policy") == (len(rows), 1)


def test_import_candles_applies_the_stores_compaction_policy(cli, tmp_path):
    url = f"sqlite:{tmp_path / 'policy'}"
    run_cli(cli, url, "candles", "policy", "--compact-older-than", "all")
    with tradestore.open(url) as store:
        rows_only = store.import_candles(KRAKEN_1H, "BTCUSDC", "1h", venue="kraken",
                                         apply_compaction_policy=False)
        assert rows_only["compact_before"] is None
        assert rows_only["candles_compacted"] == 0
        summary = store.import_candles(KRAKEN_1H, "BTCUSDC", "1h", venue="kraken")
        assert summary["compact_before"] is not None
        assert summary["compact_before"].tzinfo is not None
        assert summary["candles_compacted"] == summary["rows_in_store"] > 2000


def test_compaction_policies_from_python(tmp_path):
    day = 86_400_000_000  # durations are int microseconds
    with tradestore.open(f"sqlite:{tmp_path / 'policies'}") as store:
        repo = store.candles_repo
        assert repo.compaction_policies() == []
        repo.set_compaction_policy(7 * day)
        repo.set_compaction_policy(0, timeframe="1h")
        policies = repo.compaction_policies()
        assert [p["timeframe"] for p in policies] == [None, "1h"]
        assert policies[0]["older_than"] == 7 * day
        assert policies[1]["older_than"] == 0
        assert policies[0]["updated_at"].tzinfo is not None
        with pytest.raises(tradestore.InvalidArgument, match="must not be negative"):
            repo.set_compaction_policy(-day)
        with pytest.raises(TypeError):
            repo.set_compaction_policy("7d")
        summary = store.import_candles(KRAKEN_1H, "BTCUSDC", "1h", venue="kraken")
        assert summary["candles_compacted"] == summary["rows_in_store"]
        assert repo.clear_compaction_policy("1h") is True
        assert repo.clear_compaction_policy("1h") is False
        assert [p["timeframe"] for p in repo.compaction_policies()] == [None]
