// All bots: equity, today's P&L, open positions, drawdown, last heartbeat
// and health (GET /api/v1/overview), refreshed on live events.
import { get, type BotOverview, type Overview } from '../api';
import { money, sign, sum } from '../decimal';
import { h, replace, signClass } from '../dom';
import { ago, percent, time } from '../format';
import { debounce, follow, subscribe } from '../live';
import { badge, errorBox, healthBadge, liveFeed, moneyCell, section, table, tile } from './common';

export function overviewView(root: HTMLElement): () => void {
  const tiles = h('div', { class: 'tiles' });
  const bots = h('div', null, h('div', { class: 'loading' }, 'Loading…'));
  let names = new Map<number, string>();
  const feed = liveFeed((id) => (id == null ? '' : names.get(id) ?? `bot ${id}`));
  replace(
    root,
    h('div', { class: 'page-head' }, h('h1', null, 'Bots'), h('div', { class: 'muted', id: 'overview-time' })),
    tiles,
    section('All bots', bots),
    feed.el,
  );

  const load = async () => {
    let o: Overview;
    try {
      o = await get<Overview>('overview');
    } catch (e) {
      replace(bots, errorBox(e));
      return;
    }
    names = new Map(o.bots.map((b) => [b.bot_id, b.bot]));
    const byCurrency = new Map<string, BotOverview[]>();
    for (const b of o.bots) byCurrency.set(b.currency, [...(byCurrency.get(b.currency) ?? []), b]);
    const single = byCurrency.size === 1 ? [...byCurrency.keys()][0] : null;
    const equity = single != null ? sum(o.bots.map((b) => b.equity)) : null;
    const today = single != null ? sum(o.bots.map((b) => b.today_net_pnl)) : null;
    const unhealthy = o.bots.filter((b) => b.health !== 'ok').length;
    replace(
      tiles,
      tile('Bots', String(o.bots.length), { sub: `${unhealthy} need attention`, test: 'bots-count' }),
      tile('Total equity', equity != null ? money(equity) : 'mixed currencies', { sub: single ?? '', exact: equity ?? undefined, test: 'total-equity' }),
      tile("Today's net P&L", today != null ? money(today, true) : '—', { cls: signClass(sign(today)), exact: today ?? undefined, sub: single ?? '', test: 'today-pnl' }),
      tile('Open positions', String(o.bots.reduce((n, b) => n + b.open_positions, 0)), { test: 'open-positions' }),
      tile('Closed trades', String(o.bots.reduce((n, b) => n + b.trades, 0)), { test: 'trades-count' }),
    );
    const t = document.getElementById('overview-time');
    if (t) t.textContent = `as of ${time(o.time)} UTC`;
    replace(
      bots,
      table(
        [
          { label: 'Bot', cell: (r) => h('a', { href: `#/bots/${encodeURIComponent(String(r.bot))}`, class: 'bot-link' }, String(r.bot)) },
          { label: 'Strategy', cell: (r) => h('span', { class: 'muted' }, String(r.strategy)) },
          { label: 'Mode', cell: (r) => badge(String(r.mode), `mode-${r.mode}`) },
          { label: 'Equity', cls: 'num', cell: (r) => moneyCell(r.equity) },
          { label: "Today's P&L", cls: 'num', cell: (r) => moneyCell(r.today_net_pnl, true) },
          { label: 'Net realized', cls: 'num', cell: (r) => moneyCell(r.net_realized_pnl, true) },
          { label: 'Trades', cls: 'num', cell: (r) => h('td', { class: 'num', 'data-test': 'trades' }, String(r.trades)) },
          { label: 'Fills', cls: 'num', cell: (r) => h('td', { class: 'num', 'data-test': 'fills' }, String(r.fills)) },
          { label: 'Open pos.', cls: 'num', cell: (r) => h('td', { class: 'num', 'data-test': 'open-positions' }, String(r.open_positions)) },
          { label: 'Drawdown', cls: 'num', cell: (r) => h('td', { class: `num ${(r.drawdown as number) > 0 ? 'neg' : ''}`, 'data-value': String(r.drawdown ?? '') }, percent(r.drawdown as number | null)) },
          { label: 'Last heartbeat', cell: (r) => h('span', { title: String(r.last_heartbeat_at ?? '') }, ago(r.last_heartbeat_at as string | null)) },
          { label: 'Health', cell: (r) => healthBadge(String(r.health)) },
        ],
        o.bots.map((b) => ({ ...b, id: b.bot_id }) as unknown as Record<string, unknown>),
        { test: 'bots', empty: 'No bots in this store yet.', onRow: (r) => (location.hash = `#/bots/${encodeURIComponent(String(r.bot))}`) },
      ),
    );
  };
  const refresh = debounce(load);
  void load();
  follow(null);
  const unsubscribe = subscribe((e) => {
    feed.add(e);
    if (e.kind !== 'candles-imported') refresh();
  });
  return unsubscribe;
}
