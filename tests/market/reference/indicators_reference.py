#!/usr/bin/env python3
"""Independent reference values for tests/market/indicators_test.cc.

Computes each indicator in plain Python (no numpy), in batch form straight
from its published formula, NOT from tradestore's streaming code:
  SMA       mean of the window, summed afresh for every index
  EMA       alpha = 2/(N+1), seeded with the SMA of the first N values
  RSI       Wilder 1978: plain mean of the first N gains/losses, then
            avg = (avg*(N-1) + x)/N; RSI = 100 - 100/(1 + AG/AL)
  ATR       Wilder: TR from the 2nd candle, mean of TR[1..N], then smoothing
  ADX       Wilder: running sums S = S - S/N + x, DI, DX, ADX seed = mean of
            DX[N..2N-1]
  VWAP      per UTC day, sum(TP*V)/sum(V), TP = (H+L+C)/3; anchored from a time
  Bollinger mean +/- k * population stddev, two-pass, per window
  MACD      EMA12 - EMA26 (both from index 0), signal EMA9 of the line

Usage (from the repository root):
  python3 tests/market/reference/indicators_reference.py
prints expected values by index, with repr() precision (17 significant
digits), for pasting into the C++ test. The data file is the 90 daily
candles examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_1440.csv, whose columns
are: unix seconds, open, high, low, close, volume, trades.
"""
import math
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
DATA = os.path.join(ROOT, "examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_1440.csv")


def load():
    rows = []
    with open(DATA) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            t, o, h, l, c, v, n = line.split(",")
            rows.append(dict(t=int(t), o=float(o), h=float(h), l=float(l), c=float(c),
                             v=float(v)))
    return rows


def sma(xs, n):
    return [None if i < n - 1 else math.fsum(xs[i - n + 1:i + 1]) / n for i in range(len(xs))]


def ema(xs, n):
    a = 2.0 / (n + 1)
    out = [None] * len(xs)
    if len(xs) < n:
        return out
    prev = math.fsum(xs[:n]) / n
    out[n - 1] = prev
    for i in range(n, len(xs)):
        prev = a * xs[i] + (1 - a) * prev
        out[i] = prev
    return out


def rsi(closes, n):
    out = [None] * len(closes)
    d = [closes[i] - closes[i - 1] for i in range(1, len(closes))]  # d[j] is change j+1
    gains = [max(x, 0.0) for x in d]
    losses = [max(-x, 0.0) for x in d]
    if len(d) < n:
        return out
    ag = sum(gains[:n]) / n
    al = sum(losses[:n]) / n
    def value(ag, al):
        if ag + al == 0:
            return None
        if al == 0:
            return 100.0
        return 100.0 - 100.0 / (1.0 + ag / al)
    out[n] = value(ag, al)
    for j in range(n, len(d)):
        ag = (ag * (n - 1) + gains[j]) / n
        al = (al * (n - 1) + losses[j]) / n
        out[j + 1] = value(ag, al)
    return out


def true_ranges(rows):
    tr = [None]
    for i in range(1, len(rows)):
        h, l, pc = rows[i]["h"], rows[i]["l"], rows[i - 1]["c"]
        tr.append(max(h - l, abs(h - pc), abs(l - pc)))
    return tr


def atr(rows, n):
    tr = true_ranges(rows)
    out = [None] * len(rows)
    a = sum(tr[1:n + 1]) / n
    out[n] = a
    for i in range(n + 1, len(rows)):
        a = (a * (n - 1) + tr[i]) / n
        out[i] = a
    return out


def adx(rows, n):
    tr = true_ranges(rows)
    pdm = [None]
    mdm = [None]
    for i in range(1, len(rows)):
        up = rows[i]["h"] - rows[i - 1]["h"]
        down = rows[i - 1]["l"] - rows[i]["l"]
        pdm.append(up if (up > down and up > 0) else 0.0)
        mdm.append(down if (down > up and down > 0) else 0.0)
    pdi = [None] * len(rows)
    mdi = [None] * len(rows)
    dx = [None] * len(rows)
    s_tr = s_p = s_m = None
    for i in range(n, len(rows)):
        if i == n:
            s_tr, s_p, s_m = sum(tr[1:n + 1]), sum(pdm[1:n + 1]), sum(mdm[1:n + 1])
        else:
            s_tr = s_tr - s_tr / n + tr[i]
            s_p = s_p - s_p / n + pdm[i]
            s_m = s_m - s_m / n + mdm[i]
        pdi[i] = 100.0 * s_p / s_tr if s_tr > 0 else 0.0
        mdi[i] = 100.0 * s_m / s_tr if s_tr > 0 else 0.0
        tot = pdi[i] + mdi[i]
        dx[i] = 100.0 * abs(pdi[i] - mdi[i]) / tot if tot > 0 else 0.0
    out = [None] * len(rows)
    first = 2 * n - 1
    a = sum(dx[n:first + 1]) / n
    out[first] = a
    for i in range(first + 1, len(rows)):
        a = (a * (n - 1) + dx[i]) / n
        out[i] = a
    return pdi, mdi, dx, out


def vwap_daily(rows):
    out = []
    day = None
    pv = vol = 0.0
    for r in rows:
        d = r["t"] // 86400
        if d != day:
            day, pv, vol = d, 0.0, 0.0
        tp = (r["h"] + r["l"] + r["c"]) / 3.0
        pv += tp * r["v"]
        vol += r["v"]
        out.append(pv / vol if vol > 0 else None)
    return out


def vwap_sessions(rows, length_s, offset_s):
    out = []
    sess = None
    pv = vol = 0.0
    for r in rows:
        s = (r["t"] - offset_s) // length_s
        if s != sess:
            sess, pv, vol = s, 0.0, 0.0
        pv += (r["h"] + r["l"] + r["c"]) / 3.0 * r["v"]
        vol += r["v"]
        out.append(pv / vol if vol > 0 else None)
    return out


def anchored_vwap(rows, anchor_s):
    out = []
    pv = vol = 0.0
    for r in rows:
        if r["t"] < anchor_s:
            out.append(None)
            continue
        pv += (r["h"] + r["l"] + r["c"]) / 3.0 * r["v"]
        vol += r["v"]
        out.append(pv / vol if vol > 0 else None)
    return out


def bollinger(xs, n, k):
    out = [None] * len(xs)
    for i in range(n - 1, len(xs)):
        w = xs[i - n + 1:i + 1]
        m = math.fsum(w) / n
        sd = math.sqrt(math.fsum((x - m) ** 2 for x in w) / n)
        out[i] = (m, m + k * sd, m - k * sd, sd)
    return out


def macd(xs, f, s, g):
    ef, es = ema(xs, f), ema(xs, s)
    line = [None if (a is None or b is None) else a - b for a, b in zip(ef, es)]
    first = s - 1
    sig = [None] * len(xs)
    sig_part = ema(line[first:], g)
    for j, v in enumerate(sig_part):
        sig[first + j] = v
    return line, sig


def show(name, series, idx):
    for i in idx:
        v = series[i]
        if isinstance(v, tuple):
            print(f"  {name}[{i}] = {{{', '.join(repr(x) for x in v)}}}")
        else:
            print(f"  {name}[{i}] = {v!r}")


def first_defined(series):
    return next(i for i, v in enumerate(series) if v is not None)


def main():
    rows = load()
    closes = [r["c"] for r in rows]
    pts = [0, 1, 13, 14, 15, 19, 20, 25, 26, 27, 33, 34, 50, 89]
    print(f"# {len(rows)} candles from {os.path.relpath(DATA, ROOT)}")
    for name, ser in [("SMA20", sma(closes, 20)), ("EMA10", ema(closes, 10)),
                      ("RSI14", rsi(closes, 14)), ("ATR14", atr(rows, 14))]:
        print(f"{name}: first defined index {first_defined(ser)}")
        show(name, ser, [i for i in pts if ser[i] is not None] + [first_defined(ser)])
    pdi, mdi, dx, ad = adx(rows, 14)
    print(f"ADX14: DI first defined {first_defined(pdi)}, ADX first defined {first_defined(ad)}")
    for i in [14, 26, 27, 28, 40, 60, 89]:
        print(f"  ADX14[{i}] = {{{pdi[i]!r}, {mdi[i]!r}, {dx[i]!r}, {ad[i]!r}}}  # +DI, -DI, DX, ADX")
    vd = vwap_daily(rows)
    print("VWAP daily (one candle per day: VWAP = typical price)")
    show("VWAP", vd, [0, 45, 89])
    vw = vwap_sessions(rows, 7 * 86400, 4 * 86400)  # weekly sessions from Monday 00:00Z
    print("VWAP weekly sessions (length 7 d, offset 4 d: Monday 00:00Z)")
    show("VWAPW", vw, [0, 1, 2, 3, 8, 9, 89])
    anchor = rows[30]["t"]
    av = anchored_vwap(rows, anchor)
    print(f"Anchored VWAP from {anchor} (index 30)")
    show("AVWAP", av, [29, 30, 31, 60, 89])
    bb = bollinger(closes, 20, 2.0)
    print(f"BB20,2: first defined index {first_defined(bb)}  (middle, upper, lower, stddev)")
    show("BB", bb, [19, 20, 50, 89])
    line, sig = macd(closes, 12, 26, 9)
    print(f"MACD12/26/9: line first {first_defined(line)}, signal first {first_defined(sig)}")
    for i in [25, 33, 34, 60, 89]:
        s = sig[i]
        print(f"  MACD[{i}] = {{{line[i]!r}, {s!r}, {None if s is None else line[i] - s!r}}}")
    # Wilder's RSI worked example as reproduced by StockCharts ChartSchool
    # ("Relative Strength Index (RSI)", the 14-day RSI spreadsheet).
    ex = [44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.10, 45.42, 45.84, 46.08, 45.89, 46.03,
          45.61, 46.28, 46.28, 46.00, 46.03, 46.41, 46.22, 45.64, 46.21, 46.25, 45.71, 46.45,
          45.78, 45.35, 44.03, 44.18, 44.22, 44.57, 43.42, 42.66, 43.13]
    r = rsi(ex, 14)
    print("RSI14 of the StockCharts worked example, rounded to 2 decimals:")
    print("  " + ", ".join(f"{x:.2f}" for x in r if x is not None))
    show("RSIEX", r, [14, 15, 32])


if __name__ == "__main__":
    main()
