"""Loads a bot's candles and trades from a store into pandas and plots the
equity curve and the candles' closes with the entries and exits, into a PNG.

    python3 examples/python/analysis.py STORE_URL BOT SYMBOL TIMEFRAME OUT.png

e.g. after scripts/demo.sh:
    python3 examples/python/analysis.py sqlite:demo/store demo-sma-cross BTCUSDC 1h demo/analysis.png
"""
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

import tradestore  # noqa: E402


def main(url, bot, symbol, timeframe, out):
    with tradestore.open(url) as store:
        candles = store.candles(symbol, timeframe)
        trades = store.trades(bot=bot, money="float")
        equity = store.equity(bot, money="float")
        report = store.report(bot=bot, periods_per_year=365)

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 2]})
    top.plot(candles.index, candles["close"], color="0.35", linewidth=0.8, label=f"{symbol} close")
    longs = trades[trades["side"] == "buy"]
    top.scatter(longs["entry_time"], longs["entry_price"], marker="^", color="tab:green",
                zorder=3, label="entry")
    top.scatter(trades["exit_time"], trades["exit_price"], marker="v", color="tab:red", zorder=3,
                label="exit")
    top.set_title(f"{bot}: {len(trades)} trades, net P&L {trades['net_pnl'].sum():.2f}")
    top.legend(loc="upper left")
    bottom.plot(equity.index, equity["equity"], color="tab:blue")
    bottom.set_ylabel("equity")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    print(f"{len(candles)} candles, {len(trades)} trades, final equity "
          f"{equity['equity'].iloc[-1]:.2f}; wrote {out}")
    print("report keys:", ", ".join(list(report)[:10]), "...")


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    main(*sys.argv[1:])
