#!/usr/bin/env python3
"""Independent reference values for the statistics suite (tests/analytics).

Standard library only (no numpy on the build machine). Every statistic is
computed here from its published formula, written without looking at the C++
code's structure: plain loops, statistics.mean / statistics.stdev (exact
rational arithmetic inside), statistics.quantiles(method="inclusive") for
quantiles (Hyndman & Fan definition 7, numpy's default), fractions.Fraction
for sums where rounding could matter.

The fixtures are generated from fixed seeds of Python's Mersenne Twister and
written, with the expected values, to stats_reference_data.h next to this
script (numbers printed with repr(), which round-trips doubles exactly).

Regenerate with:
    python3 tests/analytics/reference/stats_reference.py \
        > tests/analytics/reference/stats_reference_data.h
    clang-format -i tests/analytics/reference/stats_reference_data.h
"""
import datetime as dt
import math
import random
import statistics
from fractions import Fraction

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
Z95 = 1.959963984540054


def micros(t):
    return (t - EPOCH) // dt.timedelta(microseconds=1)


# ---------------------------------------------------------------- fixtures
def make_trades():
    rnd = random.Random(20240501)
    strategies = ["breakout", "mean-revert"]
    instruments = ["BTCUSDC", "ETHUSDC", "SOLUSDC"]
    reasons = ["signal", "stop_loss", "take_profit"]
    regimes = ["trend", "range", ""]
    trades = []
    start = dt.datetime(2024, 3, 4, 0, 0, tzinfo=UTC)
    for i in range(23):
        entry = start + dt.timedelta(minutes=rnd.randrange(0, 60 * 24 * 20))
        exit_ = entry + dt.timedelta(minutes=rnd.randrange(5, 60 * 72))
        net_cents = rnd.randrange(-30000, 45000)
        if i in (4, 17):
            net_cents = 0  # breakeven
        fee_cents = rnd.randrange(50, 900)
        entry_price = round(rnd.uniform(20.0, 300.0), 2)
        mae = round(rnd.uniform(0.0, 12.0), 2)
        mfe = round(rnd.uniform(0.0, 18.0), 2)
        has_r = i % 5 != 3  # some trades without an initial stop
        risk = rnd.randrange(10000, 30000) / 100.0
        trades.append(dict(
            net=net_cents / 100.0, fees=fee_cents / 100.0, gross=(net_cents + fee_cents) / 100.0,
            side="buy" if rnd.random() < 0.6 else "sell",
            entry=micros(entry), exit=micros(exit_), entry_price=entry_price, mae=mae, mfe=mfe,
            r=(net_cents / 100.0) / risk if has_r else None,
            mae_r=round(rnd.uniform(0.0, 1.2), 4) if has_r else None,
            mfe_r=round(rnd.uniform(0.0, 3.0), 4) if has_r else None,
            strategy=rnd.choice(strategies), instrument=rnd.choice(instruments),
            exit_reason=rnd.choice(reasons), regime=rnd.choice(regimes)))
    return trades  # deliberately not in exit order


def make_curve():
    rnd = random.Random(77)
    points = []
    t = dt.datetime(2023, 11, 20, 9, 30, tzinfo=UTC)
    equity = 10000.0
    points.append((micros(t), equity))
    for day in range(130):
        t0 = dt.datetime(2023, 11, 20, tzinfo=UTC) + dt.timedelta(days=day)
        if t0.weekday() >= 5 and rnd.random() < 0.8:
            continue  # most weekends without a point: gaps are skipped, not filled
        for k in range(rnd.choice([1, 1, 2, 3])):
            if day == 0 and k == 0:
                continue
            equity = round(equity * (1.0 + rnd.gauss(0.0006, 0.012)), 2)
            stamp = t0 + dt.timedelta(hours=10 + 4 * k, minutes=rnd.randrange(0, 60))
            points.append((micros(stamp), equity))
    return points


# ---------------------------------------------------------------- trades
def trade_stats(trades):
    ts = sorted(trades, key=lambda t: t["exit"])  # stable: exit order
    n = len(ts)
    out = {}
    wins = [t for t in ts if t["net"] > 0]
    losses = [t for t in ts if t["net"] < 0]
    out["trade_count"] = n
    out["long_count"] = sum(1 for t in ts if t["side"] == "buy")
    out["short_count"] = n - out["long_count"]
    out["wins"], out["losses"] = len(wins), len(losses)
    out["breakeven"] = n - len(wins) - len(losses)
    out["win_rate"] = len(wins) / n if n else None
    if n:
        p = len(wins) / n
        z2 = Z95 * Z95
        out["win_rate_lower_bound"] = (p + z2 / (2 * n) - Z95 * math.sqrt(
            p * (1 - p) / n + z2 / (4 * n * n))) / (1 + z2 / n)
    else:
        out["win_rate_lower_bound"] = None
    gp = float(sum(Fraction(t["net"]) for t in wins))
    gl = float(sum(Fraction(t["net"]) for t in losses))
    out["gross_profit"], out["gross_loss"] = gp, gl
    out["net_profit"] = float(sum(Fraction(t["net"]) for t in ts))
    out["profit_factor"] = gp / abs(gl) if losses else None
    aw = gp / len(wins) if wins else None
    al = gl / len(losses) if losses else None
    out["average_win"], out["average_loss"] = aw, al
    out["payoff_ratio"] = aw / abs(al) if (aw is not None and al) else None
    out["expectancy"] = out["net_profit"] / n if n else None
    out["largest_win"] = max(t["net"] for t in wins) if wins else None
    out["largest_loss"] = min(t["net"] for t in losses) if losses else None
    best_w = best_l = run_w = run_l = 0
    for t in ts:
        run_w = run_w + 1 if t["net"] > 0 else 0
        run_l = run_l + 1 if t["net"] < 0 else 0
        best_w, best_l = max(best_w, run_w), max(best_l, run_l)
    out["longest_win_streak"], out["longest_loss_streak"] = best_w, best_l

    def hold(group):
        if not group:
            return None
        return statistics.mean((t["exit"] - t["entry"]) / 1e6 for t in group)

    out["average_holding_seconds"] = hold(ts)
    out["average_winner_holding_seconds"] = hold(wins)
    out["average_loser_holding_seconds"] = hold(losses)
    out["average_mae"] = statistics.mean(t["mae"] for t in ts) if n else None
    out["average_mfe"] = statistics.mean(t["mfe"] for t in ts) if n else None
    # Edge ratio (Faith), excursions normalized by entry price.
    mae_n = statistics.mean(t["mae"] / t["entry_price"] for t in ts) if n else 0
    mfe_n = statistics.mean(t["mfe"] / t["entry_price"] for t in ts) if n else 0
    out["edge_ratio"] = mfe_n / mae_n if n and mae_n > 0 else None
    rs = [t["r"] for t in ts if t["r"] is not None]
    out["r_count"] = len(rs)
    out["expectancy_r"] = statistics.mean(rs) if rs else None
    out["sqn"] = (math.sqrt(len(rs)) * statistics.mean(rs) / statistics.stdev(rs)
                  if len(rs) >= 2 and statistics.stdev(rs) > 0 else None)
    maer = [t["mae_r"] for t in ts if t["mae_r"] is not None]
    mfer = [t["mfe_r"] for t in ts if t["mfe_r"] is not None]
    out["average_mae_r"] = statistics.mean(maer) if maer else None
    out["average_mfe_r"] = statistics.mean(mfer) if mfer else None
    pairs = [t for t in ts if t["mae_r"] is not None and t["mfe_r"] is not None]
    s_mae = sum(t["mae_r"] for t in pairs)
    out["edge_ratio_r"] = sum(t["mfe_r"] for t in pairs) / s_mae if s_mae > 0 else None
    out["total_fees"] = float(sum(Fraction(t["fees"]) for t in ts))
    gross_pos = float(sum(Fraction(t["gross"]) for t in ts if t["gross"] > 0))
    out["fees_fraction_of_gross_profit"] = out["total_fees"] / gross_pos if gross_pos > 0 else None
    if n:
        span_days = (max(t["exit"] for t in ts) - min(t["entry"] for t in ts)) / 86400e6
        out["trades_per_day"] = n / span_days if span_days > 0 else None
    else:
        out["trades_per_day"] = None
    if wins and losses:
        w = len(wins) / (len(wins) + len(losses))
        out["kelly_fraction"] = w - (1 - w) / out["payoff_ratio"]
    else:
        out["kelly_fraction"] = None
    return out


# ---------------------------------------------------------------- equity
def day_of(us):
    return us // 86400_000_000


def equity_stats(points, ppy):
    out = {}
    e0, e1 = points[0][1], points[-1][1]
    out["total_return"] = e1 / e0 - 1
    years = (points[-1][0] - points[0][0]) / (365.25 * 86400e6)
    out["cagr"] = (e1 / e0) ** (1 / years) - 1
    # Values between which daily returns are taken: the first point, then the
    # last point of every later UTC day.
    values = [points[0]]
    for i in range(1, len(points)):
        if i == len(points) - 1 or day_of(points[i][0]) != day_of(points[i + 1][0]):
            values.append(points[i])
    r = [values[i][1] / values[i - 1][1] - 1 for i in range(1, len(values))]
    n = len(r)
    out["return_count"] = n
    mean, sd = statistics.mean(r), statistics.stdev(r)
    out["annualized_volatility"] = sd * math.sqrt(ppy)
    out["sharpe_ratio"] = mean / sd * math.sqrt(ppy)
    dd = math.sqrt(sum(min(x, 0.0) ** 2 for x in r) / n)
    out["sortino_ratio"] = mean / dd * math.sqrt(ppy)
    # Max drawdown over every point, the start capital as the first peak.
    peak, peak_t = points[0][1], points[0][0]
    best_abs = best_frac = 0.0
    frac_episode = None
    for t, v in points:
        if v >= peak:
            peak, peak_t = v, t
            continue
        if peak - v > best_abs:
            best_abs = peak - v
        if (peak - v) / peak > best_frac:
            best_frac, frac_episode = (peak - v) / peak, (peak_t, t, peak)
    out["max_drawdown"] = best_abs
    out["max_drawdown_fraction"] = best_frac
    pk_t, tr_t, pk = frac_episode
    out["drawdown_peak_time"] = pk_t
    out["drawdown_trough_time"] = tr_t
    rec = [t for t, v in points if t > tr_t and v >= pk]
    out["drawdown_recovery_time"] = rec[0] if rec else None
    # Longest time under water: from the last point at a high-water mark to
    # the first point back at or above it (or the end).
    longest, start, peak, peak_t, under = 0, None, points[0][1], points[0][0], False
    for t, v in points:
        if v >= peak:
            if under and t - peak_t > longest:
                longest, start = t - peak_t, peak_t
            under, peak, peak_t = False, v, t
        else:
            under = True
    if under and points[-1][0] - peak_t > longest:
        longest, start = points[-1][0] - peak_t, peak_t
    out["longest_underwater"] = longest
    out["longest_underwater_start"] = start
    out["recovery_factor"] = (e1 - e0) / best_abs
    out["calmar_ratio"] = out["cagr"] / best_frac
    # Ulcer index (Martin) on the daily values, as a fraction.
    peak, sq = values[0][1], []
    for _, v in values:
        peak = max(peak, v)
        sq.append(((v - peak) / peak) ** 2)
    out["ulcer_index"] = math.sqrt(sum(sq) / len(sq))
    out["omega_ratio"] = sum(x for x in r if x > 0) / -sum(x for x in r if x < 0)
    q = statistics.quantiles(r, n=20, method="inclusive")  # q[0] = 5 %, q[18] = 95 %
    out["tail_ratio"] = abs(q[18] / q[0])
    out["var_95"] = q[0]
    out["cvar_95"] = statistics.mean(x for x in r if x <= q[0])
    m2 = sum((x - mean) ** 2 for x in r) / n
    m3 = sum((x - mean) ** 3 for x in r) / n
    m4 = sum((x - mean) ** 4 for x in r) / n
    out["skewness"] = math.sqrt(n * (n - 1)) / (n - 2) * m3 / m2 ** 1.5
    out["excess_kurtosis"] = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * (m4 / m2 ** 2 - 3) + 6)
    best = max(range(n), key=lambda i: (r[i], -i))
    worst = min(range(n), key=lambda i: (r[i], i))
    out["best_day"] = (day_of(values[best + 1][0]) * 86400_000_000, r[best])
    out["worst_day"] = (day_of(values[worst + 1][0]) * 86400_000_000, r[worst])
    out["positive_days_fraction"] = sum(1 for x in r if x > 0) / n
    # Monthly: compound the daily returns of each calendar month.
    months = {}
    for i, x in enumerate(r):
        d = dt.datetime.fromtimestamp(values[i + 1][0] / 1e6, UTC)
        key = (d.year, d.month)
        months[key] = months.get(key, 1.0) * (1 + x)
    out["monthly"] = [(y, m, g - 1) for (y, m), g in sorted(months.items())]
    return out


# ---------------------------------------------------------------- output
def cxx(v):
    if v is None:
        return "std::nullopt"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return repr(float(v))


def opt_str(v):
    return "std::nullopt" if v is None else repr(v)


def main():
    trades = make_trades()
    curve = make_curve()
    print("// Generated by stats_reference.py (same directory): fixtures and the")
    print("// expected values computed there from the published formulas. Do not edit.")
    print("#pragma once\n\n#include <cstddef>\n#include <cstdint>\n#include <optional>\n#include <vector>\n")
    print("namespace tradestore::stats_reference {\n")
    print("struct RefTrade { double net, fees, gross; bool is_long; std::int64_t entry, exit;")
    print("  double entry_price, mae, mfe; std::optional<double> r, mae_r, mfe_r;")
    print("  const char* strategy; const char* instrument; const char* exit_reason;")
    print("  const char* regime; };\n")
    print("inline const std::vector<RefTrade>& Trades() {\n  static const std::vector<RefTrade> v = {")
    for t in trades:
        print("  {%s, %s, %s, %s, %d, %d, %s, %s, %s, %s, %s, %s, \"%s\", \"%s\", \"%s\", \"%s\"}," % (
            cxx(t["net"]), cxx(t["fees"]), cxx(t["gross"]), "true" if t["side"] == "buy" else "false",
            t["entry"], t["exit"], cxx(t["entry_price"]), cxx(t["mae"]), cxx(t["mfe"]),
            cxx(t["r"]), cxx(t["mae_r"]), cxx(t["mfe_r"]), t["strategy"], t["instrument"],
            t["exit_reason"], t["regime"]))
    print("  };\n  return v;\n}\n")
    print("struct RefPoint { std::int64_t time; double equity; };\n")
    print("inline const std::vector<RefPoint>& Curve() {\n  static const std::vector<RefPoint> v = {")
    for t, v in curve:
        print("  {%d, %s}," % (t, cxx(v)))
    print("  };\n  return v;\n}\n")

    print("namespace trades {")
    for k, v in trade_stats(trades).items():
        kind = "std::optional<double>" if not isinstance(v, int) or v is None else "std::size_t"
        print(f"inline const {kind} {k} = {cxx(v)};")
    print("}  // namespace trades\n")

    # Breakdowns by strategy and by weekday of exit (UTC).
    print("struct RefGroup { const char* key; std::size_t trade_count; double net_profit;")
    print("  std::optional<double> win_rate, profit_factor, expectancy_r; };\n")
    for name, keyf in (("ByStrategy", lambda t: t["strategy"]),
                       ("ByWeekday", lambda t: "%d" % dt.datetime.fromtimestamp(t["exit"] / 1e6, UTC).weekday()),
                       ("ByHour", lambda t: "%02d" % dt.datetime.fromtimestamp(t["exit"] / 1e6, UTC).hour),
                       ("ByRegime", lambda t: t["regime"] or "(none)")):
        groups = {}
        for t in trades:
            groups.setdefault(keyf(t), []).append(t)
        labels = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        print(f"inline const std::vector<RefGroup>& {name}() {{\n  static const std::vector<RefGroup> v = {{")
        for key in sorted(groups):
            s = trade_stats(groups[key])
            label = labels[int(key)] if name == "ByWeekday" else key
            print('  {"%s", %d, %s, %s, %s, %s},' % (label, s["trade_count"], cxx(s["net_profit"]),
                  cxx(s["win_rate"]), cxx(s["profit_factor"]), cxx(s["expectancy_r"])))
        print("  };\n  return v;\n}\n")

    # The last 7 trades by exit.
    last7 = sorted(trades, key=lambda t: t["exit"])[-7:]
    s7 = trade_stats(last7)
    print("namespace last7 {")
    for k in ("trade_count", "net_profit", "win_rate", "profit_factor", "sqn", "longest_loss_streak"):
        v = s7[k]
        kind = "std::optional<double>" if not isinstance(v, int) or v is None else "std::size_t"
        print(f"inline const {kind} {k} = {cxx(v)};")
    print("}  // namespace last7\n")

    print("struct Month { int year; unsigned month; double value; };\n")
    print("struct EquityRef {")
    for name in ("total_return", "cagr", "annualized_volatility", "sharpe_ratio",
                 "sortino_ratio", "max_drawdown", "max_drawdown_fraction", "recovery_factor",
                 "calmar_ratio", "ulcer_index", "omega_ratio", "tail_ratio", "var_95",
                 "cvar_95", "skewness", "excess_kurtosis", "best_day_value",
                 "worst_day_value", "positive_days_fraction"):
        print(f"  double {name};")
    for name in ("drawdown_peak_time", "drawdown_trough_time", "longest_underwater",
                 "longest_underwater_start", "best_day_date", "worst_day_date"):
        print(f"  std::int64_t {name};")
    print("  std::optional<std::int64_t> drawdown_recovery_time;")
    print("  std::size_t return_count;")
    print("  std::vector<Month> monthly;")
    print("};\n")
    for ppy in (252, 365):
        e = equity_stats(curve, ppy)
        e["best_day_date"], e["best_day_value"] = e.pop("best_day")
        e["worst_day_date"], e["worst_day_value"] = e.pop("worst_day")
        print(f"inline const EquityRef& Equity{ppy}() {{")
        print("  static const EquityRef v = [] {")
        print("    EquityRef e{};")
        for k, v in e.items():
            if k == "monthly":
                print("    e.monthly = {")
                for y, m, x in v:
                    print("      {%d, %d, %s}," % (y, m, cxx(x)))
                print("    };")
            else:
                print(f"    e.{k} = {cxx(v)};")
        print("    return e;\n  }();\n  return v;\n}\n")

    print("}  // namespace tradestore::stats_reference")


if __name__ == "__main__":
    main()
