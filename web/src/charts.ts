// Charts (lightweight-charts): equity with its underwater curve, and
// candles with a bot's entries and exits.
import {
  AreaSeries,
  BaselineSeries,
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  HistogramSeries,
  type DeepPartial,
  type ChartOptions,
  type IChartApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';

import type { Candles, Equity, Row } from './api';
import { round } from './decimal';
import { epochSeconds } from './format';

export const COLORS = {
  up: '#22c55e',
  down: '#ef4444',
  accent: '#38bdf8',
  text: '#94a3b8',
  grid: '#1e293b',
  border: '#334155',
};

function baseOptions(): DeepPartial<ChartOptions> {
  return {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: 'transparent' },
      textColor: COLORS.text,
      fontFamily: 'Inter, "DejaVu Sans", system-ui, sans-serif',
      fontSize: 11,
    },
    grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
    rightPriceScale: { borderColor: COLORS.border, minimumWidth: 80 },
    timeScale: { borderColor: COLORS.border, timeVisible: true, secondsVisible: false },
    crosshair: { mode: 0 },
  };
}

// Charts to remove when the view changes.
const open: IChartApi[] = [];
export function disposeCharts(): void {
  while (open.length) open.pop()!.remove();
}

function chart(el: HTMLElement, options: DeepPartial<ChartOptions> = {}): IChartApi {
  const c = createChart(el, { ...baseOptions(), ...options });
  open.push(c);
  return c;
}

// Equity (area) above its drawdown from the running peak (percent, below
// zero), their time axes kept in step.
export function equityCharts(equityEl: HTMLElement, underwaterEl: HTMLElement, e: Equity): void {
  const eq = chart(equityEl);
  const area = eq.addSeries(AreaSeries, {
    lineColor: COLORS.accent,
    topColor: 'rgba(56, 189, 248, 0.35)',
    bottomColor: 'rgba(56, 189, 248, 0.02)',
    lineWidth: 2,
    priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
  });
  area.setData(e.data.map(([t, v]) => ({ time: epochSeconds(t) as UTCTimestamp, value: v })));

  const uw = chart(underwaterEl, { timeScale: { visible: true, borderColor: COLORS.border, timeVisible: true } });
  const dd = uw.addSeries(BaselineSeries, {
    baseValue: { type: 'price', price: 0 },
    topLineColor: COLORS.down,
    bottomLineColor: COLORS.down,
    bottomFillColor1: 'rgba(239, 68, 68, 0.05)',
    bottomFillColor2: 'rgba(239, 68, 68, 0.45)',
    lineWidth: 1,
    priceFormat: { type: 'custom', formatter: (p: number) => `${p.toFixed(1)}%`, minMove: 0.01 },
  });
  dd.setData(
    e.data.map(([t, , d]) => ({ time: epochSeconds(t) as UTCTimestamp, value: -d * 100 })),
  );
  eq.timeScale().fitContent();
  uw.timeScale().fitContent();
  let syncing = false;
  const sync = (from: IChartApi, to: IChartApi) =>
    from.timeScale().subscribeVisibleLogicalRangeChange((r) => {
      if (!r || syncing) return;
      syncing = true;
      to.timeScale().setVisibleLogicalRange(r);
      syncing = false;
    });
  sync(eq, uw);
  sync(uw, eq);
}

// The open time of the candle holding `t` (markers sit on bars).
function barTime(times: number[], t: number): number {
  let lo = 0;
  let hi = times.length - 1;
  if (hi < 0 || t < times[0]) return times[0] ?? t;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return times[lo];
}

export interface CandleChart {
  markers: number;
  remove(): void;
}

// Candles and volume, with each trade's entry (arrow, side's colour) and
// exit (net P&L's colour) marked.
export function candleChart(el: HTMLElement, c: Candles, trades: Row[]): CandleChart {
  const ch = chart(el);
  const candles = ch.addSeries(CandlestickSeries, {
    upColor: COLORS.up,
    downColor: COLORS.down,
    borderVisible: false,
    wickUpColor: COLORS.up,
    wickDownColor: COLORS.down,
  });
  const times = c.data.map((r) => Math.floor(r[1] / 1000));
  candles.setData(
    c.data.map((r, i) => ({
      time: times[i] as UTCTimestamp,
      open: r[2],
      high: r[3],
      low: r[4],
      close: r[5],
    })),
  );
  const volume = ch.addSeries(HistogramSeries, {
    priceScaleId: 'volume',
    priceFormat: { type: 'volume' },
    lastValueVisible: false,
    priceLineVisible: false,
  });
  ch.priceScale('volume').applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
  volume.setData(
    c.data.map((r, i) => ({
      time: times[i] as UTCTimestamp,
      value: r[6],
      color: r[5] >= r[2] ? 'rgba(34, 197, 94, 0.35)' : 'rgba(239, 68, 68, 0.35)',
    })),
  );
  const first = times[0];
  const last = times[times.length - 1];
  const markers: SeriesMarker<Time>[] = [];
  const inRange = (t: number) => times.length > 0 && t >= first && t <= last + 86400;
  for (const t of trades) {
    const long = t.side !== 'sell';
    const entry = epochSeconds(String(t.entry_time));
    if (inRange(entry)) {
      markers.push({
        time: barTime(times, entry) as UTCTimestamp,
        position: long ? 'belowBar' : 'aboveBar',
        shape: long ? 'arrowUp' : 'arrowDown',
        color: long ? '#38bdf8' : '#f59e0b',
        id: `entry-${t.id}`,
      });
    }
    if (t.exit_time) {
      const exit = epochSeconds(String(t.exit_time));
      if (inRange(exit)) {
        const pnl = String(t.net_pnl ?? '0');
        markers.push({
          time: barTime(times, exit) as UTCTimestamp,
          position: long ? 'aboveBar' : 'belowBar',
          shape: long ? 'arrowDown' : 'arrowUp',
          color: pnl.startsWith('-') ? COLORS.down : COLORS.up,
          text: (pnl.startsWith('-') ? '' : '+') + round(pnl, 0),
          id: `exit-${t.id}`,
        });
      }
    }
  }
  markers.sort((a, b) => (a.time as number) - (b.time as number));
  createSeriesMarkers(candles, markers);
  // The latest bars, readable; scroll or zoom out for the rest.
  const shown = 400;
  if (times.length > shown) {
    ch.timeScale().setVisibleLogicalRange({ from: times.length - shown, to: times.length + 2 });
  } else {
    ch.timeScale().fitContent();
  }
  return {
    markers: markers.length,
    remove() {
      const i = open.indexOf(ch);
      if (i >= 0) open.splice(i, 1);
      ch.remove();
    },
  };
}
