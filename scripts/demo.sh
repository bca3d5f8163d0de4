#!/usr/bin/env bash
# README command 1: installs what is missing, builds a Release, and runs the
# main job on real data in the embedded SQLite store:
#   import Kraken's BTC/USDC hourly candles (2023-Q1), run a moving-average
#   crossover bot's paper-trading session over them, and report it.
# The store is left in demo/store (a directory of SQLite files).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

build=build/release
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTRADESTORE_BUILD_TESTS=OFF >/dev/null
# The CLI and the SQLite extension that reads compacted candles as rows
# (docs/storage.md, "Reading compacted candles with SQL").
cmake --build "$build" --target tradestore_cli tradestore_sqlite_extension
ts="$build/tradestore"

store_dir=demo/store
rm -rf "$store_dir"
mkdir -p demo
export TRADESTORE_URL="sqlite:$store_dir"

echo "== import =="
"$ts" import candles examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_60.csv \
  --symbol BTCUSDC --venue kraken --timeframe 1h --price-precision 2 --size-precision 8
echo
echo "== backtest =="
"$ts" backtest --symbol BTCUSDC --venue kraken --timeframe 1h \
  --strategy sma-cross --fast 10 --slow 30 --cash 10000 --bot demo-sma-cross
echo
echo "== report =="
"$ts" report --bot demo-sma-cross --periods-per-year 365 --html demo/tearsheet.html
echo
echo "== analyze (persisted daily and strategy performance) =="
"$ts" analyze --bot demo-sma-cross --periods-per-year 365
echo
echo "== the store, read by the sqlite3 shell =="
sqlite3 -header -column "$store_dir/trading.db" \
  "SELECT id, side, strftime('%Y-%m-%dT%H:%MZ', entry_time / 1000000, 'unixepoch') AS entry,
          strftime('%Y-%m-%dT%H:%MZ', exit_time / 1000000, 'unixepoch') AS exit,
          entry_price, exit_price, quantity, printf('%.2f', net_pnl) AS net_pnl, exit_reason
     FROM trades ORDER BY id DESC LIMIT 5"
echo
echo "Store: $store_dir (trading.db, market.db, analytics.db); tearsheet: demo/tearsheet.html. Try:"
echo "  $ts report --store sqlite:$store_dir --json"
echo "  sqlite3 $store_dir/trading.db 'SELECT type, currency, amount, balance_after FROM ledger_entries ORDER BY id DESC LIMIT 5'"
echo
echo "Serve it (REST API, live event stream, /metrics and the dashboard; docs/server.md):"
echo "  $ts serve --store sqlite:$store_dir --listen 127.0.0.1:8080"
echo "  then open http://127.0.0.1:8080/"
