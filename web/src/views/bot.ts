// One bot: tiles, equity and underwater curves, candles with its entries and
// exits, open positions, paginated and filtered trades, an order's
// drill-down, the tearsheet's statistics and its live feed.
import {
  get,
  instrumentsById,
  type BotOverview,
  type Candles,
  type Equity,
  type Instrument,
  type OrderDetail,
  type Overview,
  type Page,
  type Row,
} from '../api';
import { candleChart, disposeCharts, equityCharts } from '../charts';
import { formatDecimal, money, sign } from '../decimal';
import { h, icon, replace, signClass } from '../dom';
import { ago, number, percent, time } from '../format';
import { debounce, follow, subscribe, type LiveEvent } from '../live';
import { statsSection } from './stats';
import {
  badge,
  errorBox,
  healthBadge,
  liveFeed,
  moneyCell,
  section,
  table,
  tile,
  type Column,
} from './common';

const TIMEFRAME_SECONDS: Record<string, number> = {
  '1m': 60, '3m': 180, '5m': 300, '15m': 900, '30m': 1800, '1h': 3600, '2h': 7200,
  '4h': 14400, '6h': 21600, '12h': 43200, '1d': 86400, '1w': 604800,
};

interface Coverage {
  symbol: string;
  venue: string;
  timeframe: string;
  first: string;
  last: string;
  count: number;
}

export interface BotView {
  bot: string;
  showOrder(id: number | null): void;
  dispose(): void;
}

// Every row of a list (pages of 1000), up to `max`.
async function all(path: string, params: Record<string, string | number | null>, max = 20000): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await get<Page>(path, { ...params, limit: 1000, cursor });
    rows.push(...page.data);
    cursor = page.next;
  } while (cursor && rows.length < max);
  return rows;
}

const symbolOf = (instruments: Map<number, Instrument>, id: unknown) => instruments.get(Number(id))?.symbol ?? `#${id}`;

export function botView(root: HTMLElement, bot: string): BotView {
  const head = h('div', { class: 'page-head' }, h('h1', null, bot));
  const tiles = h('div', { class: 'tiles', 'data-test': 'bot-tiles' });
  const equityEl = h('div', { class: 'chart chart-equity', 'data-test': 'equity-chart' });
  const underwaterEl = h('div', { class: 'chart chart-underwater', 'data-test': 'underwater-chart' });
  const equityNote = h('div', { class: 'muted small' });
  const priceControls = h('div', { class: 'controls' });
  const priceEl = h('div', { class: 'chart chart-candles', 'data-test': 'candle-chart' });
  const priceNote = h('div', { class: 'muted small', 'data-test': 'candle-note' });
  const positions = h('div', null, h('div', { class: 'loading' }, 'Loading…'));
  const tradesBox = h('div', null);
  const stats = h('div', null);
  const feed = liveFeed(() => bot);
  const orderDialog = h('dialog', { class: 'order-dialog', 'data-test': 'order-dialog' }) as HTMLDialogElement;
  orderDialog.addEventListener('close', () => {
    if (/\/orders\/\d+/.test(location.hash)) location.hash = `#/bots/${encodeURIComponent(bot)}`;
  });

  replace(
    root,
    head,
    tiles,
    section('Equity and drawdown', equityEl, h('div', { class: 'chart-label' }, 'Underwater (drawdown from peak)'), underwaterEl, equityNote),
    section('Price and trades', priceControls, priceEl, priceNote),
    section('Open positions', positions),
    section('Trades', tradesBox),
    stats,
    feed.el,
    orderDialog,
  );

  let instruments = new Map<number, Instrument>();

  // ---- head and tiles: the overview's numbers at once, the report's
  // (slower on a long history) when they arrive
  let report: Record<string, unknown> | null = null;
  let overview: BotOverview | null = null;
  const renderTiles = () => {
    const b = overview;
    if (!b) return;
    replace(
      head,
      h('a', { href: '#/', class: 'back', title: 'All bots' }, icon('back')),
      h('h1', null, b.bot),
      h('span', { class: 'muted' }, b.strategy),
      badge(b.mode, `mode-${b.mode}`),
      badge(b.status),
      healthBadge(b.health),
      h('span', { class: 'muted small heartbeat', title: b.last_heartbeat_at ?? '' }, `heartbeat ${ago(b.last_heartbeat_at)}`),
    );
    const st = report?.statistics as Record<string, Record<string, number>> | undefined;
    const t = st?.trades ?? {};
    const eq = st?.equity ?? {};
    replace(
      tiles,
      tile('Equity', money(b.equity), { exact: b.equity ?? undefined, sub: `${b.currency} · ${time(b.equity_time)}`, test: 'equity' }),
      tile('Net realized P&L', money(b.net_realized_pnl, true), { cls: signClass(sign(b.net_realized_pnl)), exact: b.net_realized_pnl, sub: `fees ${money(b.fees)}`, test: 'net-realized' }),
      tile("Today's P&L", money(b.today_net_pnl, true), { cls: signClass(sign(b.today_net_pnl)), exact: b.today_net_pnl, sub: `${b.today_trades} trades today`, test: 'today-pnl' }),
      tile('Drawdown', percent(b.drawdown), { cls: (b.drawdown ?? 0) > 0 ? 'neg' : '', exact: b.drawdown == null ? undefined : String(b.drawdown), sub: `max ${percent(eq.max_drawdown_fraction)}`, test: 'drawdown' }),
      tile('Trades', String(b.trades), { sub: `win rate ${percent(t.win_rate, 1)}`, test: 'trades', exact: String(b.trades) }),
      tile('Fills', String(b.fills), { sub: `${b.open_positions} open position${b.open_positions === 1 ? '' : 's'}`, test: 'fills', exact: String(b.fills) }),
      tile('Profit factor', number(t.profit_factor), { sub: `Sharpe ${number(eq.sharpe_ratio)}`, test: 'profit-factor' }),
    );
  };
  const loadTiles = async () => {
    const reportLoad = get<Record<string, unknown>>('report', { bot })
      .then((r) => {
        report = r;
        replace(stats, statsSection(r));
        renderTiles();
      })
      .catch((e) => replace(stats, section('Statistics', errorBox(e))));
    try {
      const o = await get<Overview>('overview', { bot });
      if (!o.bots[0]) {
        replace(tiles, errorBox(`No bot named ${bot}.`));
        return;
      }
      overview = o.bots[0];
      renderTiles();
    } catch (e) {
      replace(tiles, errorBox(e));
    }
    await reportLoad;
  };

  // ---- equity
  const loadEquity = async () => {
    try {
      const e = await get<Equity>(`bots/${encodeURIComponent(bot)}/equity`);
      if (!e.data.length) {
        replace(equityNote, 'No portfolio snapshots yet.');
        return;
      }
      equityCharts(equityEl, underwaterEl, e);
      replace(equityNote, `${e.data.length} snapshots, ${time(e.data[0][0])} → ${time(e.data[e.data.length - 1][0])} UTC`);
    } catch (e) {
      replace(equityNote, errorBox(e));
    }
  };

  // ---- candles with entries and exits
  let candleChartApi: { remove(): void } | null = null;
  const loadCandles = async (symbol: string, venue: string, timeframe: string, cov: Coverage[]) => {
    const c = cov.find((x) => x.symbol === symbol && x.venue === venue && x.timeframe === timeframe);
    const tf = TIMEFRAME_SECONDS[timeframe] ?? 3600;
    const trades = await all('trades', { bot, symbol, venue });
    let from: string | null = null;
    if (c) {
      const lastS = Date.parse(c.last) / 1000;
      let fromS = lastS - 3000 * tf;
      if (trades.length) fromS = Math.min(fromS, Date.parse(String(trades[0].entry_time)) / 1000 - 50 * tf);
      fromS = Math.max(fromS, lastS - 20000 * tf);
      from = new Date(Math.max(fromS, Date.parse(c.first) / 1000) * 1000).toISOString();
    }
    const candles = await get<Candles>('candles', { symbol, venue, timeframe, from, limit: 20000 });
    candleChartApi?.remove();
    priceEl.replaceChildren();
    const r = candleChart(priceEl, candles, trades);
    candleChartApi = r;
    priceEl.dataset.markers = String(r.markers);
    replace(
      priceNote,
      `${symbol} · ${venue} · ${timeframe} · ${candles.data.length} candles · ${trades.length} trades (`,
      h('span', { class: 'legend-buy' }, '▲ entry'),
      ', ',
      h('span', { class: 'legend-exit' }, '▼ exit, labelled with its net P&L'),
      ')',
    );
  };
  const loadPrice = async () => {
    try {
      instruments = await instrumentsById();
      // The instruments this bot traded (or holds), most recent first.
      const recent = await get<Page>('trades', { bot, limit: 1000 });
      const pos = await get<Page>('positions', { bot, limit: 1000 });
      const ids = [...new Set([...pos.data, ...recent.data.slice().reverse()].map((r) => Number(r.instrument_id)))];
      const traded = ids.map((id) => instruments.get(id)).filter((i): i is Instrument => !!i);
      if (!traded.length) {
        replace(priceNote, 'This bot has no trades or positions yet.');
        return;
      }
      const cov = (await get<{ data: Coverage[] }>('coverage')).data;
      const symbolSel = h('select', { 'aria-label': 'Instrument' }, traded.map((i) => h('option', { value: `${i.symbol}|${i.venue}` }, `${i.symbol} · ${i.venue}`))) as HTMLSelectElement;
      const tfSel = h('select', { 'aria-label': 'Timeframe' }) as HTMLSelectElement;
      const fillTimeframes = () => {
        const [symbol, venue] = symbolSel.value.split('|');
        const tfs = cov.filter((c) => c.symbol === symbol && c.venue === venue).map((c) => c.timeframe);
        tfs.sort((a, b) => (TIMEFRAME_SECONDS[a] ?? 0) - (TIMEFRAME_SECONDS[b] ?? 0));
        replace(tfSel, tfs.map((t) => h('option', { value: t }, t)));
        if (tfs.includes('1h')) tfSel.value = '1h';
        return tfs.length > 0;
      };
      const render = async () => {
        const [symbol, venue] = symbolSel.value.split('|');
        if (!tfSel.value) {
          priceEl.replaceChildren();
          replace(priceNote, `No candles stored for ${symbol} on ${venue}.`);
          return;
        }
        await loadCandles(symbol, venue, tfSel.value, cov);
      };
      symbolSel.onchange = () => {
        fillTimeframes();
        void render();
      };
      tfSel.onchange = () => void render();
      replace(priceControls, h('label', null, 'Instrument ', symbolSel), h('label', null, 'Timeframe ', tfSel));
      fillTimeframes();
      await render();
    } catch (e) {
      replace(priceNote, errorBox(e));
    }
  };
  // ---- positions
  const loadPositions = async () => {
    try {
      instruments = await instrumentsById();
      let rows = (await all('positions', { bot })).filter((r) => sign(String(r.quantity ?? '0')) !== 0);
      if (rows.some((r) => !instruments.has(Number(r.instrument_id)))) instruments = await instrumentsById(true);
      rows = rows.slice();
      replace(
        positions,
        table(
          [
            { label: 'Instrument', cell: (r) => symbolOf(instruments, r.instrument_id) },
            { label: 'Side', cell: (r) => badge(sign(String(r.quantity)) === -1 ? 'short' : 'long', sign(String(r.quantity)) === -1 ? 'neg' : 'pos') },
            { label: 'Quantity', cls: 'num', cell: (r) => formatDecimal(String(r.quantity)) },
            { label: 'Avg entry', cls: 'num', cell: (r) => formatDecimal(r.average_entry_price as string) },
            { label: 'Last price', cls: 'num', cell: (r) => formatDecimal(r.last_price as string | null) },
            { label: 'Unrealized P&L', cls: 'num', cell: (r) => moneyCell(r.unrealized_pnl, true) },
            { label: 'Stop', cls: 'num', cell: (r) => formatDecimal((r.stop_loss ?? r.trade_initial_stop) as string | null) },
            { label: 'Opened', cell: (r) => time(r.opened_at as string) },
            { label: 'Strategy', cell: (r) => h('span', { class: 'muted' }, String(r.trade_strategy ?? '')) },
          ],
          rows,
          { test: 'positions', empty: 'Flat: no open positions.' },
        ),
      );
    } catch (e) {
      replace(positions, errorBox(e));
    }
  };

  // ---- trades: filters, pages (a stack of cursors for Previous)
  const filters = { symbol: '', strategy: '', from: '', to: '', limit: '25' };
  let cursors: Array<string | null> = [null];
  const symbolInput = h('input', { name: 'symbol', placeholder: 'symbol', size: 10 }) as HTMLInputElement;
  const strategyInput = h('input', { name: 'strategy', placeholder: 'strategy', size: 14 }) as HTMLInputElement;
  const fromInput = h('input', { name: 'from', type: 'date' }) as HTMLInputElement;
  const toInput = h('input', { name: 'to', type: 'date' }) as HTMLInputElement;
  const limitSel = h('select', { name: 'limit' }, ['10', '25', '50', '100'].map((n) => h('option', { value: n }, `${n} / page`))) as HTMLSelectElement;
  limitSel.value = filters.limit;
  const tradesTable = h('div', null);
  const pager = h('div', { class: 'pager' });
  const form = h(
    'form',
    { class: 'controls filters', 'data-test': 'trade-filters' },
    symbolInput, strategyInput,
    h('label', null, 'from ', fromInput), h('label', null, 'to ', toInput),
    limitSel,
    h('button', { type: 'submit' }, 'Apply'),
    h('button', { type: 'reset', class: 'secondary' }, 'Clear'),
  ) as HTMLFormElement;
  form.onsubmit = (e) => {
    e.preventDefault();
    filters.symbol = symbolInput.value.trim();
    filters.strategy = strategyInput.value.trim();
    filters.from = fromInput.value;
    filters.to = toInput.value;
    filters.limit = limitSel.value;
    cursors = [null];
    void loadTrades();
  };
  form.onreset = () => setTimeout(() => form.requestSubmit(), 0);
  replace(tradesBox, form, tradesTable, pager);

  const orderLink = (id: unknown) =>
    id == null ? '—' : h('a', { href: `#/bots/${encodeURIComponent(bot)}/orders/${id}`, class: 'order-link', onclick: (e: Event) => e.stopPropagation() }, `#${id}`);
  const tradeColumns: Column[] = [
    { label: '#', cls: 'num', cell: (r) => String(r.id) },
    { label: 'Instrument', cell: (r) => symbolOf(instruments, r.instrument_id) },
    { label: 'Side', cell: (r) => badge(String(r.side) === 'sell' ? 'short' : 'long', String(r.side) === 'sell' ? 'neg' : 'pos') },
    { label: 'Entry', cell: (r) => time(r.entry_time as string) },
    { label: 'Entry price', cls: 'num', cell: (r) => formatDecimal(r.entry_price as string) },
    { label: 'Exit', cell: (r) => time(r.exit_time as string) },
    { label: 'Exit price', cls: 'num', cell: (r) => formatDecimal(r.exit_price as string | null) },
    { label: 'Quantity', cls: 'num', cell: (r) => formatDecimal(r.quantity as string) },
    { label: 'Fees', cls: 'num', cell: (r) => moneyCell(r.fees) },
    { label: 'Net P&L', cls: 'num', cell: (r) => { const c = moneyCell(r.net_pnl, true); c.dataset.test = 'net-pnl'; return c; } },
    { label: 'R', cls: 'num', cell: (r) => number(r.r_multiple as number | null) },
    { label: 'Exit reason', cell: (r) => h('span', { class: 'muted' }, String(r.exit_reason ?? '')) },
    { label: 'Orders', cell: (r) => h('span', { class: 'orders' }, orderLink(r.entry_order_id), ' → ', orderLink(r.exit_order_id)) },
  ];
  const loadTrades = async () => {
    const page = cursors.length - 1;
    try {
      instruments = await instrumentsById();
      const toIso = (d: string, end: boolean) => (d ? new Date(Date.parse(d) + (end ? 86400000 : 0)).toISOString() : null);
      const p = await get<Page>('trades', {
        bot,
        symbol: filters.symbol || null,
        strategy: filters.strategy || null,
        from: toIso(filters.from, false),
        to: toIso(filters.to, true),
        limit: filters.limit,
        cursor: cursors[page],
      });
      if (p.data.some((r) => !instruments.has(Number(r.instrument_id)))) instruments = await instrumentsById(true);
      replace(
        tradesTable,
        table(tradeColumns, p.data, {
          test: 'trades',
          empty: 'No trades match.',
          onRow: (r) => (location.hash = `#/bots/${encodeURIComponent(bot)}/orders/${r.exit_order_id ?? r.entry_order_id}`),
        }),
      );
      const prev = h('button', { class: 'secondary', disabled: page === 0, 'data-test': 'prev' }, '← Previous');
      const next = h('button', { class: 'secondary', disabled: !p.next, 'data-test': 'next' }, 'Next →');
      prev.onclick = () => {
        cursors.pop();
        void loadTrades();
      };
      next.onclick = () => {
        cursors.push(p.next);
        void loadTrades();
      };
      replace(pager, prev, h('span', { class: 'muted', 'data-test': 'page' }, `page ${page + 1} · ${p.data.length} trades, oldest first`), next);
    } catch (e) {
      replace(tradesTable, errorBox(e));
    }
  };

  // ---- an order's drill-down
  const showOrder = async (id: number | null) => {
    if (id == null) {
      if (orderDialog.open) orderDialog.close();
      return;
    }
    replace(orderDialog, h('div', { class: 'loading' }, 'Loading…'));
    if (!orderDialog.open) orderDialog.showModal();
    try {
      const d = await get<OrderDetail>(`bots/${encodeURIComponent(bot)}/orders/${id}`);
      const o = d.order;
      const field = (k: string, v: unknown) => [h('dt', null, k), h('dd', null, v == null || v === '' ? '—' : String(v))];
      replace(
        orderDialog,
        h('div', { class: 'dialog-head' },
          h('h2', null, `Order #${o.id}`, ' ', badge(String(o.side), o.side === 'sell' ? 'neg' : 'pos'), ' ', badge(String(o.status))),
          h('button', { class: 'secondary', onclick: () => orderDialog.close() }, 'Close')),
        h('dl', { class: 'order-fields' },
          field('Instrument', symbolOf(instruments, o.instrument_id)),
          field('Type', `${o.type} · ${o.time_in_force}`),
          field('Quantity', formatDecimal(o.quantity as string)),
          field('Filled', formatDecimal(o.filled_quantity as string)),
          field('Avg fill price', formatDecimal(o.average_fill_price as string | null)),
          field('Expected price', formatDecimal(o.expected_price as string | null)),
          field('Limit / stop', `${formatDecimal(o.limit_price as string | null)} / ${formatDecimal(o.stop_price as string | null)}`),
          field('Created', `${time(o.created_at as string)} UTC`),
          field('Client id', o.client_order_id),
          field('Strategy', o.strategy),
          field('Trade', o.trade_id),
          field('Exit reason', o.exit_reason),
        ),
        h('h3', null, `Fills (${d.fills.length})`),
        table(
          [
            { label: '#', cls: 'num', cell: (r) => String(r.id) },
            { label: 'Time', cell: (r) => time(r.time as string) },
            { label: 'Quantity', cls: 'num', cell: (r) => formatDecimal(r.quantity as string) },
            { label: 'Price', cls: 'num', cell: (r) => formatDecimal(r.price as string) },
            { label: 'Fee', cls: 'num', cell: (r) => `${formatDecimal(r.fee as string)} ${r.fee_currency ?? ''}` },
            { label: 'Liquidity', cell: (r) => String(r.liquidity ?? '') },
            { label: 'Venue fill id', cell: (r) => h('span', { class: 'muted' }, String(r.venue_fill_id ?? '')) },
          ],
          d.fills,
          { test: 'order-fills', empty: 'No fills.' },
        ),
        h('h3', null, `Events (${d.events.length})`),
        table(
          [
            { label: 'Time', cell: (r) => time(r.time as string) },
            { label: 'Kind', cell: (r) => String(r.kind ?? '') },
            { label: 'Status', cell: (r) => (r.from_status ? `${r.from_status} → ${r.to_status}` : String(r.to_status ?? '')) },
            { label: 'Reason', cell: (r) => h('span', { class: 'muted' }, String(r.reason ?? '')) },
          ],
          d.events,
          { test: 'order-events', empty: 'No events.' },
        ),
      );
    } catch (e) {
      replace(orderDialog, errorBox(e), h('button', { onclick: () => orderDialog.close() }, 'Close'));
    }
  };

  void loadTiles();
  void loadEquity();
  void loadPrice();
  void loadPositions();
  void loadTrades();

  // ---- live: refetch what an event changes
  const refreshTiles = debounce(loadTiles);
  const refreshPositions = debounce(loadPositions);
  const refreshTrades = debounce(loadTrades);
  follow(bot);
  const unsubscribe = subscribe((e: LiveEvent) => {
    feed.add(e);
    switch (e.kind) {
      case 'fill':
      case 'order':
        refreshTiles();
        refreshPositions();
        break;
      case 'trade-closed':
        refreshTiles();
        refreshTrades();
        refreshPositions();
        break;
      case 'position':
        refreshPositions();
        refreshTiles();
        break;
      case 'bot-heartbeat':
      case 'balance':
      case 'risk-event':
        refreshTiles();
        break;
      default:
        break;
    }
  });

  return {
    bot,
    showOrder: (id) => void showOrder(id),
    dispose() {
      unsubscribe();
      if (orderDialog.open) orderDialog.close();
      disposeCharts();
    },
  };
}
