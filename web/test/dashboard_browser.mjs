// The dashboard in a real browser (ctest dashboard.browser): a demo store is
// recorded with the CLI (Kraken BTC/USDC 1h candles, an sma-cross backtest),
// `tradestore serve` serves it with the dashboard built into the binary, and
// headless Chromium (Debian's, driven by puppeteer-core; no browser is
// downloaded) opens it. The numbers on the page must equal the store's (read
// by the CLI and the API); then a separate process (fill_writer, through the
// library) records a fill that closes the bot's open position, and the fill,
// the closed trade and the new counts must appear within 2 s without a
// reload (the live event stream, GET /api/v1/events).
//
//   node dashboard_browser.mjs --cli PATH --fill-writer PATH --node-modules DIR
//        --source-dir DIR --artifact-dir DIR [--chromium PATH]
//
// Screenshots go to the artifact directory (dashboard-*.png); with
// TRADESTORE_UPDATE_SCREENSHOTS=1 also to docs/ (the ones the README shows).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i >= 0 && args[i + 1]) return args[i + 1];
  if (fallback === undefined) throw new Error(`dashboard_browser: ${name} is required`);
  return fallback;
};
const cli = option('--cli');
const fillWriter = option('--fill-writer');
const nodeModules = option('--node-modules');
const sourceDir = option('--source-dir');
const artifactDir = option('--artifact-dir');
const chromium =
  option('--chromium', '') || ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
const puppeteer = createRequire(join(nodeModules, 'noop.js'))('puppeteer-core');

const started = Date.now();
const step = (text) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${text}`);
const work = mkdtempSync(join(tmpdir(), 'tradestore-dashboard-'));
const storeUrl = `sqlite:${join(work, 'store')}`;
const env = { ...process.env, TRADESTORE_URL: storeUrl };
let server = null;
let tokenServer = null;
let browser = null;
delete env.TRADESTORE_TOKEN;

// `tradestore serve` on 127.0.0.1, port chosen by the system; resolves with
// the base URL it prints on stderr.
async function startServer(extra) {
  const child = spawn(cli, ['serve', '--store', storeUrl, '--listen', '127.0.0.1:0', ...extra], {
    env,
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  const base = await new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 20_000);
    child.stderr.on('data', (d) => {
      err += d;
      const m = /on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited (${code}): ${err}`)));
  });
  child.stderr.on('data', (d) => process.stderr.write(d));
  return { process: child, base };
}

// Everything is torn down on the way out, and on a hang.
async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  browser = null;
  for (const s of [server, tokenServer]) if (s && s.exitCode === null) s.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
const watchdog = setTimeout(async () => {
  console.error('dashboard_browser: gave up after 240 s');
  await cleanup();
  process.exit(1);
}, 240_000);

const run = (file, argv) => execFileSync(file, argv, { env, encoding: 'utf8', timeout: 120_000 });

// A decimal string rounded half away from zero to 2 places, grouped by
// thousands, '−' for negatives: what the page must show (BigInt, no floats).
function money(text, signed = false) {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  assert.ok(m, `not a decimal: ${text}`);
  const frac = (m[3] ?? '').padEnd(3, '0');
  let cents = BigInt(m[2]) * 100n + BigInt(frac.slice(0, 2));
  if (frac[2] >= '5') cents += 1n;
  const int = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const body = `${int}.${(cents % 100n).toString().padStart(2, '0')}`;
  if (cents === 0n) return body;
  return m[1] === '-' ? `−${body}` : `${signed ? '+' : ''}${body}`;
}

async function main() {
  // ---- the demo store (scripts/demo.sh's session)
  step('recording the demo store with the CLI');
  run(cli, [
    'import', 'candles', join(sourceDir, 'examples/data/ohlcv/kraken/BTC_USDC/XBTUSDC_60.csv'),
    '--symbol', 'BTCUSDC', '--venue', 'kraken', '--timeframe', '1h',
    '--price-precision', '2', '--size-precision', '8',
  ]);
  run(cli, [
    'backtest', '--symbol', 'BTCUSDC', '--venue', 'kraken', '--timeframe', '1h',
    '--strategy', 'sma-cross', '--fast', '10', '--slow', '30', '--cash', '10000', '--bot', 'demo',
  ]);
  const cliTrades = JSON.parse(run(cli, ['show', 'trades', '--bot', 'demo', '--json']));
  assert.ok(cliTrades.length > 10, 'the backtest closed trades');

  // ---- the server, on a port the system picks (printed on stderr)
  step('starting tradestore serve');
  const primary = await startServer([]);
  server = primary.process;
  const base = primary.base;
  const api = async (path) => {
    const res = await fetch(new URL(`api/v1/${path}`, base));
    assert.equal(res.status, 200, `GET ${path}`);
    return res.json();
  };
  const overview = (await api('overview?bot=demo')).bots[0];
  assert.equal(overview.trades, cliTrades.length, 'API and CLI agree on the trade count');

  // ---- the browser
  step(`starting ${chromium}`);
  browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    userDataDir: join(work, 'chromium'),
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--font-render-hinting=none',
    ],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1440, height: 900, deviceScaleFactor: 1 });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/events/.test(m.location()?.url ?? '')) pageErrors.push(m.text());
  });
  const shot = async (name, target = page, options = {}) => {
    const file = join(artifactDir, `dashboard-${name}.png`);
    // An element's picture without the sticky top bar over it.
    const sticky = target === page ? null : await page.addStyleTag({ content: '.topbar{position:static}' });
    await target.screenshot({ path: file, ...options });
    if (sticky) await sticky.evaluate((e) => e.remove());
    if (process.env.TRADESTORE_UPDATE_SCREENSHOTS === '1') {
      copyFileSync(file, join(sourceDir, 'docs', `dashboard-${name}.png`));
    }
    step(`screenshot ${file}`);
  };
  const text = (sel) => page.$eval(sel, (e) => e.textContent.trim());
  const attr = (sel, name) => page.$eval(sel, (e, n) => e.getAttribute(n), name);

  // ---- overview: every bot's numbers, as the store has them
  step('overview');
  await page.goto(base, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('table[data-test=bots] tbody tr[data-id]', { timeout: 15_000 });
  const row = 'table[data-test=bots] tbody tr[data-id]';
  assert.equal(await page.$eval(row, (r) => r.querySelector('.bot-link').textContent), 'demo');
  const equityCell = await page.$eval(row, (r) => {
    const c = r.querySelectorAll('td')[3];
    return { text: c.textContent, value: c.dataset.value };
  });
  assert.equal(equityCell.value, overview.equity, 'overview: exact equity');
  assert.equal(equityCell.text, money(overview.equity), 'overview: equity shown');
  assert.equal(await page.$eval(`${row} [data-test=trades]`, (c) => c.textContent), String(cliTrades.length));
  assert.equal(await text('[data-test=total-equity] .tile-value'), money(overview.equity));
  const height = await page.$eval('main', (m) => Math.ceil(m.getBoundingClientRect().bottom));
  await shot('overview', page, { clip: { x: 0, y: 0, width: 1440, height: Math.min(900, height) } });

  // ---- one bot: tiles, charts, positions, trades, statistics
  step('bot page');
  await page.goto(`${base}#/bots/demo`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('[data-test=equity] .tile-value', { timeout: 15_000 });
  assert.equal(await attr('[data-test=equity] .tile-value', 'data-value'), overview.equity);
  assert.equal(await text('[data-test=equity] .tile-value'), money(overview.equity));
  assert.equal(await text('[data-test=trades] .tile-value'), String(cliTrades.length));
  assert.equal(await text('[data-test=fills] .tile-value'), String(overview.fills));
  assert.equal(
    await attr('[data-test=net-realized] .tile-value', 'data-value'),
    overview.net_realized_pnl,
  );
  // The first page of trades: trade 1's net P&L as the CLI shows it.
  await page.waitForSelector('table[data-test=trades] tbody tr[data-id="1"]', { timeout: 15_000 });
  const first = cliTrades[0];
  const pnl = await page.$eval('table[data-test=trades] tbody tr[data-id="1"] [data-test=net-pnl]', (c) => ({
    text: c.textContent,
    value: c.dataset.value,
  }));
  assert.equal(pnl.value, first.net_pnl, 'trade 1: exact net P&L');
  assert.equal(pnl.text, money(first.net_pnl, true), 'trade 1: net P&L shown');
  const pageRows = await page.$$eval('table[data-test=trades] tbody tr[data-id]', (r) => r.length);
  assert.equal(pageRows, Math.min(25, cliTrades.length));
  // Open position: the CLI's quantity.
  const positions = (await api('positions?bot=demo')).data.filter((p) => !/^-?0(\.0*)?$/.test(p.quantity));
  await page.waitForFunction(
    (n) => document.querySelectorAll('table[data-test=positions] tbody tr:not(.empty)').length === n,
    { timeout: 15_000 },
    positions.length,
  );
  // Charts drawn: equity, underwater, candles with a marker per entry and exit.
  await page.waitForSelector('[data-test=candle-chart][data-markers]', { timeout: 20_000 });
  const markers = Number(await attr('[data-test=candle-chart]', 'data-markers'));
  assert.equal(markers, cliTrades.length * 2, "an entry and an exit marker per trade");
  for (const chart of ['equity-chart', 'underwater-chart', 'candle-chart']) {
    assert.ok(await page.$(`[data-test=${chart}] canvas`), `${chart} drew`);
  }
  await page.waitForSelector('[data-test=stats] [data-stat=Trades]', { timeout: 15_000 });
  assert.equal(await text('[data-test=stats] [data-stat=Trades]'), String(cliTrades.length));
  await new Promise((r) => setTimeout(r, 300)); // the charts' last frame
  await shot('bot');
  const candleCard = await page.$('[data-test=candle-chart]');
  await shot('candles', await candleCard.evaluateHandle((e) => e.closest('section')));

  // Pagination: the second page starts at trade 26.
  if (cliTrades.length > 25) {
    await page.click('[data-test=next]');
    await page.waitForSelector(`table[data-test=trades] tbody tr[data-id="${cliTrades[25].id}"]`, {
      timeout: 10_000,
    });
    await page.click('[data-test=prev]');
    await page.waitForSelector('table[data-test=trades] tbody tr[data-id="1"]', { timeout: 10_000 });
  }

  // An order's drill-down: trade 1's exit order and its fill.
  step('order drill-down');
  await page.goto(`${base}#/bots/demo/orders/${first.exit_order_id}`);
  await page.waitForSelector('table[data-test=order-fills] tbody tr[data-id]', { timeout: 10_000 });
  const fillPrice = await page.$eval('table[data-test=order-fills] tbody tr[data-id] td:nth-child(4)', (c) =>
    c.textContent.replace(/,/g, ''),
  );
  assert.equal(fillPrice, first.exit_price, "the exit order's fill price is the trade's exit price");
  await shot('order', await page.$('dialog[data-test=order-dialog]'));
  await page.goto(`${base}#/bots/demo`);
  await page.waitForSelector('dialog[data-test=order-dialog]:not([open])', { timeout: 5_000 });
  assert.deepEqual(pageErrors, [], 'no script errors');

  // ---- a server that needs a token: the page asks once, keeps it for the tab
  step('token: a server started with --token-file');
  writeFileSync(join(work, 'token'), 'dashboard-test-token\n');
  const secured = await startServer(['--token-file', join(work, 'token')]);
  tokenServer = secured.process;
  const tokenPage = await browser.newPage();
  await tokenPage.goto(secured.base, { waitUntil: 'domcontentloaded' });
  await tokenPage.waitForSelector('#token-dialog[open]', { timeout: 10_000 });
  await tokenPage.type('#token-dialog input', 'dashboard-test-token');
  await tokenPage.click('#token-dialog button[type=submit]');
  await tokenPage.waitForSelector('table[data-test=bots] tbody tr[data-id]', { timeout: 10_000 });
  await tokenPage.reload({ waitUntil: 'domcontentloaded' });
  await tokenPage.waitForSelector('table[data-test=bots] tbody tr[data-id]', { timeout: 10_000 });
  assert.equal(await tokenPage.$('#token-dialog[open]'), null, 'the token is asked for once per tab');
  await tokenPage.close();
  tokenServer.kill('SIGTERM');

  // ---- live: a fill from another process appears without a reload
  step('live: waiting for the event stream');
  const live = await page
    .waitForSelector('[data-test=live-status][data-status=live]', { timeout: 10_000 })
    .then(() => true)
    .catch(() => false);
  if (!live) {
    const probe = await fetch(new URL('api/v1/events?bot=demo', base), {
      signal: AbortSignal.timeout(2_000),
    }).catch((e) => ({ status: e.name }));
    assert.fail(
      `the page is not connected to the live event stream: GET /api/v1/events answers ${probe.status}` +
        (probe.status === 404 ? ' (this server has no event stream yet)' : ''),
    );
  }
  await page.evaluate(() => (window.__sameDocument = true));
  const position = positions[0];
  assert.ok(position, 'the demo bot holds a position to close');
  step('live: fill_writer closes the open position from another process');
  const written = JSON.parse(
    run(fillWriter, [storeUrl, 'demo', 'kraken', 'BTCUSDC', 'sell', position.quantity, '28400.5', '1.25']),
  );
  const t0 = Date.now();
  await page.waitForFunction(
    (fillId, trades, fills) =>
      document.querySelector(`[data-test=live-feed] [data-kind=fill][data-id="${fillId}"]`) &&
      document.querySelector('[data-test=trades] .tile-value')?.textContent === String(trades) &&
      document.querySelector('[data-test=fills] .tile-value')?.textContent === String(fills) &&
      document.querySelectorAll('table[data-test=positions] tbody tr:not(.empty)').length === 0,
    { timeout: 2_000, polling: 50 },
    written.fill_id,
    cliTrades.length + 1,
    overview.fills + 1,
  );
  step(`live: the fill, the closed trade and the counts appeared in ${Date.now() - t0} ms`);
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'no reload');
  await shot('live', await page.$('[data-test=live-feed]').then((f) => f.evaluateHandle((e) => e.closest('section'))));
  assert.deepEqual(pageErrors, [], 'no script errors');
}

try {
  await main();
  step('ok');
  await cleanup();
  clearTimeout(watchdog);
} catch (e) {
  console.error(e);
  await cleanup();
  clearTimeout(watchdog);
  process.exitCode = 1;
}
