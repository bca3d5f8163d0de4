"""examples/python/*.py run as a user would run them."""
import os
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.sqlite
EXAMPLES = ROOT / "examples/python"


def run(*args):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, *map(str, args)], check=True, capture_output=True,
                          text=True, env=env).stdout


def test_bot(tmp_path):
    out = run(EXAMPLES / "bot.py", f"sqlite:{tmp_path / 'store'}")
    assert "duplicate=True (recorded once)" in out
    # 0.5 BTC bought at 23102.2 on average, sold at 23550.25: as examples/record_trade.cc.
    assert "entry 23102.2, exit 23550.25, gross 224.025, fees 18.66, net 205.365 USDC" in out
    assert "balance 10205.365 USDC = sum of ledger entries" in out


def test_analysis_writes_a_png(demo, tmp_path):
    png = tmp_path / "analysis.png"
    out = run(EXAMPLES / "analysis.py", demo, "demo-sma-cross", "BTCUSDC", "1h", png)
    assert "trades" in out
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
