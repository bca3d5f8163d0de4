"""Fixtures: a fresh store on SQLite or on PostgreSQL (the ctest fixture's
shared throwaway server, or one started here with tests/test_servers),
and paths to the CLI and the sample data."""
import itertools
import os
import pathlib
import subprocess
import tempfile

import pytest

import tradestore

ROOT = pathlib.Path(__file__).resolve().parents[2]
KRAKEN_1H = ROOT / "examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_60.csv"


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite: runs on SQLite (ctest python.sqlite)")
    config.addinivalue_line("markers", "postgres: runs on PostgreSQL (ctest python.postgres)")


class _PgServer:
    """The shared server named by $TRADESTORE_TEST_PG_SHARED, or our own."""

    def __init__(self):
        self.own_state = None
        state = os.environ.get("TRADESTORE_TEST_PG_SHARED", "")
        if not (state and os.path.exists(state) and self._read(state)):
            binary = os.environ.get("TRADESTORE_TEST_SERVERS")
            if not binary:
                raise RuntimeError("no PostgreSQL test server: set TRADESTORE_TEST_SERVERS to "
                                   "build/test/tests/test_servers (ctest does)")
            self.own_state = os.path.join(tempfile.mkdtemp(prefix="ts-py-pg-"), "state")
            subprocess.run([binary, "postgres", "start", self.own_state], check=True)
            if not self._read(self.own_state):
                raise RuntimeError("test_servers postgres wrote no state")
        self.counter = itertools.count(1)

    def _read(self, path):
        try:
            self.dir, port = pathlib.Path(path).read_text().split()
            self.port = int(port)
            return True
        except (OSError, ValueError):
            return False

    def create_database(self):
        name = f"t_py_{os.getpid()}_{next(self.counter)}"
        subprocess.run(["psql", "-h", self.dir, "-p", str(self.port), "-U", "postgres", "-d",
                        "postgres", "-q", "-c", f"CREATE DATABASE {name}"], check=True)
        return f"postgresql:///{name}?host={self.dir}&port={self.port}&user=postgres"

    def stop(self):
        if self.own_state:
            subprocess.run([os.environ["TRADESTORE_TEST_SERVERS"], "postgres", "stop", self.own_state])


@pytest.fixture(scope="session")
def pg_server():
    server = _PgServer()
    yield server
    server.stop()


@pytest.fixture(params=[pytest.param("sqlite", marks=pytest.mark.sqlite),
                        pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:{tmp_path / 'store'}"
    return request.getfixturevalue("pg_server").create_database()


@pytest.fixture
def store(store_url):
    with tradestore.open(store_url) as s:
        yield s


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("TRADESTORE_CLI") or str(ROOT / "build/test/tradestore")
    if not os.path.exists(path):
        raise RuntimeError(f"the tradestore CLI is not at {path}; set TRADESTORE_CLI")
    return path


def run_cli(cli, url, *args):
    env = {**os.environ, "TRADESTORE_URL": url}
    out = subprocess.run([cli, *args], check=True, capture_output=True, text=True, env=env)
    return out.stdout


@pytest.fixture(scope="session")
def demo(cli, tmp_path_factory):
    """The README demo's store, made by the CLI: import, then backtest."""
    url = f"sqlite:{tmp_path_factory.mktemp('demo') / 'store'}"
    run_cli(cli, url, "import", "candles", str(KRAKEN_1H), "--symbol", "BTCUSDC", "--venue",
            "kraken", "--timeframe", "1h", "--price-precision", "2", "--size-precision", "8")
    run_cli(cli, url, "backtest", "--symbol", "BTCUSDC", "--venue", "kraken", "--timeframe",
            "1h", "--strategy", "sma-cross", "--fast", "10", "--slow", "30", "--cash", "10000",
            "--bot", "demo-sma-cross")
    return url
