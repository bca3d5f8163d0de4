// The tradestore dashboard: a page per route (#/ all bots, #/bots/NAME one
// bot, #/bots/NAME/orders/ID its order's drill-down), kept current by the
// live event stream.
import './style.css';

import { disposeCharts } from './charts';
import { h, icon, replace } from './dom';
import { close, onStatus, type LiveStatus } from './live';
import { botView, type BotView } from './views/bot';
import { overviewView } from './views/overview';

const app = document.getElementById('app') as HTMLElement;
const main = h('main', { id: 'page' });
const liveBadge = h('span', { class: 'live', 'data-test': 'live-status' });
replace(
  app,
  h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' }, icon('logo'), h('span', null, 'tradestore')),
    h('nav', null, h('a', { href: '#/' }, 'Bots')),
    h('div', { class: 'spacer' }),
    liveBadge,
  ),
  main,
);

const STATUS_TEXT: Record<LiveStatus, string> = {
  live: 'Live',
  connecting: 'Connecting…',
  offline: 'Stream offline',
};
onStatus((s) => {
  liveBadge.className = `live live-${s}`;
  liveBadge.dataset.status = s;
  replace(liveBadge, icon('live'), STATUS_TEXT[s]);
});

let current: { dispose(): void } | null = null;
let bot: BotView | null = null;

function route(): void {
  const path = location.hash.replace(/^#/, '') || '/';
  const m = /^\/bots\/([^/]+)(?:\/orders\/(\d+))?\/?$/.exec(path);
  if (m) {
    const name = decodeURIComponent(m[1]);
    const order = m[2] ? Number(m[2]) : null;
    if (!bot || bot.bot !== name) {
      current?.dispose();
      disposeCharts();
      bot = botView(main, name);
      current = bot;
      document.title = `${name} · tradestore`;
    }
    bot.showOrder(order);
    return;
  }
  current?.dispose();
  disposeCharts();
  bot = null;
  const unsubscribe = overviewView(main);
  current = { dispose: unsubscribe };
  document.title = 'Bots · tradestore';
}

window.addEventListener('hashchange', route);
window.addEventListener('beforeunload', close);
route();
