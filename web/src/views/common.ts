// Pieces shared by the views: stat tiles, tables, badges, the live feed.
import type { Row } from '../api';
import { money, sign } from '../decimal';
import { h, signClass, type Child } from '../dom';
import { time } from '../format';
import type { LiveEvent } from '../live';

export function tile(label: string, value: Child, opts: { cls?: string; sub?: Child; test?: string; title?: string; exact?: string } = {}): HTMLElement {
  return h(
    'div',
    { class: 'tile', 'data-test': opts.test },
    h('div', { class: 'tile-label' }, label),
    h('div', { class: `tile-value ${opts.cls ?? ''}`, title: opts.title ?? opts.exact, 'data-value': opts.exact }, value),
    opts.sub != null ? h('div', { class: 'tile-sub' }, opts.sub) : null,
  );
}

// A money cell: rounded to cents, the exact value in data-value and title.
export function moneyCell(value: unknown, signed = false): HTMLElement {
  const text = value == null ? null : String(value);
  return h(
    'td',
    { class: `num ${signed ? signClass(sign(text)) : ''}`, 'data-value': text ?? '', title: text ?? '' },
    money(text, signed),
  );
}

export function badge(text: string, kind = ''): HTMLElement {
  return h('span', { class: `badge ${kind}` }, text);
}

export function healthBadge(health: string): HTMLElement {
  const kind = health === 'ok' ? 'ok' : health === 'stale' || health === 'warning' ? 'warn' : 'bad';
  return h('span', { class: `badge health ${kind}`, 'data-test': 'health' }, health || 'unknown');
}

export interface Column {
  label: string;
  cls?: string;
  cell: (row: Row) => Child | HTMLTableCellElement;
}

export function table(columns: Column[], rows: Row[], opts: { empty?: string; test?: string; onRow?: (row: Row) => void } = {}): HTMLElement {
  const body = rows.map((r) =>
    h(
      'tr',
      { class: opts.onRow ? 'clickable' : null, onclick: opts.onRow ? () => opts.onRow!(r) : null, 'data-id': r.id == null ? null : String(r.id) },
      columns.map((c) => {
        const v = c.cell(r);
        return v instanceof HTMLTableCellElement ? v : h('td', { class: c.cls }, v);
      }),
    ),
  );
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'data-test': opts.test },
      h('thead', null, h('tr', null, columns.map((c) => h('th', { class: c.cls }, c.label)))),
      h('tbody', null, body.length ? body : h('tr', { class: 'empty' }, h('td', { colspan: columns.length }, opts.empty ?? 'Nothing yet.'))),
    ),
  );
}

export function section(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card' }, h('h2', null, title), ...children);
}

export function errorBox(e: unknown): HTMLElement {
  return h('div', { class: 'error' }, e instanceof Error ? e.message : String(e));
}

// One line of the live feed.
export function feedItem(e: LiveEvent, botName: (id: number | null) => string): HTMLElement {
  const r = e.row ?? {};
  let what: Child = e.entity;
  switch (e.kind) {
    case 'fill':
      what = [
        h('b', { class: r.side === 'sell' ? 'neg' : 'pos' }, String(r.side ?? '').toUpperCase() || 'FILL'),
        ` ${r.quantity ?? ''} @ ${r.price ?? ''}`,
        r.order_id != null ? h('span', { class: 'muted' }, ` · order #${r.order_id}`) : null,
      ];
      break;
    case 'trade-closed':
      what = ['trade closed, net ', h('b', { class: signClass(sign(String(r.net_pnl ?? ''))) }, money(r.net_pnl == null ? null : String(r.net_pnl), true))];
      break;
    case 'order':
      what = [`order #${e.id} `, String(r.status ?? '')];
      break;
    case 'position':
      what = [`position ${r.quantity ?? ''}`];
      break;
    case 'bot-heartbeat':
      what = ['heartbeat', r.runtime_state ? ` · ${r.runtime_state}` : ''];
      break;
    case 'balance':
      what = [`balance ${r.currency ?? ''} `, String(r.balance ?? r.amount ?? '')];
      break;
    default:
      what = [`${e.entity} #${e.id}`];
  }
  return h(
    'li',
    { class: `feed-item kind-${e.kind}`, 'data-kind': e.kind, 'data-id': String(e.id) },
    h('span', { class: 'feed-time' }, time(e.time)),
    h('span', { class: `feed-kind` }, e.kind),
    h('span', { class: 'feed-bot' }, botName(e.bot_id)),
    h('span', { class: 'feed-what' }, what),
  );
}

// The live feed: newest first, the last 50 kept.
export function liveFeed(botName: (id: number | null) => string): { el: HTMLElement; add: (e: LiveEvent) => void } {
  const list = h('ul', { class: 'feed', 'data-test': 'live-feed' }, h('li', { class: 'feed-empty muted' }, 'Waiting for fills, trades and heartbeats…'));
  return {
    el: section('Live activity', list),
    add(e: LiveEvent) {
      list.querySelector('.feed-empty')?.remove();
      list.prepend(feedItem(e, botName));
      while (list.children.length > 50) list.lastElementChild!.remove();
    },
  };
}
