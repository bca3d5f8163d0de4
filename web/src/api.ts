// The tradestore HTTP API (GET /api/v1/...): fetch with the bearer token,
// asked for once on a 401 and kept in sessionStorage.

const TOKEN_KEY = 'tradestore.token';

export type Row = Record<string, unknown>;
export interface Page<T = Row> {
  data: T[];
  next: string | null;
}

export interface BotOverview {
  bot_id: number;
  bot: string;
  strategy: string;
  mode: string;
  status: string;
  is_test: boolean;
  currency: string;
  equity: string | null;
  equity_time: string | null;
  peak_equity: string | null;
  drawdown: number | null;
  realized_pnl: string;
  fees: string;
  net_realized_pnl: string;
  today_net_pnl: string;
  today_trades: number;
  trades: number;
  fills: number;
  open_positions: number;
  orders_by_status: Record<string, number>;
  last_heartbeat_at: string | null;
  runtime_state: string;
  runtime_message: string;
  health: string;
}

export interface Overview {
  time: string;
  bots: BotOverview[];
}

export interface Candles {
  symbol: string;
  venue: string;
  timeframe: string;
  columns: string[];
  data: Array<[string, number, number, number, number, number, number]>;
  truncated: boolean;
}

export interface Equity {
  bot: string;
  columns: string[];
  data: Array<[string, number, number]>;
}

export interface OrderDetail {
  order: Row;
  events: Row[];
  fills: Row[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function token(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

let asking: Promise<void> | null = null;

// Shows the token dialog (once at a time); resolves when a token was given.
function askToken(wrong: boolean): Promise<void> {
  if (asking) return asking;
  asking = new Promise<void>((resolve) => {
    const dialog = document.getElementById('token-dialog') as HTMLDialogElement;
    const form = dialog.querySelector('form') as HTMLFormElement;
    const input = dialog.querySelector('input') as HTMLInputElement;
    const note = dialog.querySelector('.token-note') as HTMLElement;
    note.textContent = wrong
      ? 'The server refused that token. Enter a valid one.'
      : 'This server needs an API token (tradestore serve --token-file).';
    input.value = '';
    form.onsubmit = (e) => {
      e.preventDefault();
      if (!input.value.trim()) return;
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      dialog.close();
      asking = null;
      resolve();
    };
    dialog.showModal();
    input.focus();
  });
  return asking;
}

export function url(path: string, params: Record<string, string | number | null | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v != null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return `api/v1/${path}${s ? `?${s}` : ''}`;
}

export async function get<T>(
  path: string,
  params: Record<string, string | number | null | undefined> = {},
): Promise<T> {
  for (;;) {
    const t = token();
    const res = await fetch(url(path, params), {
      headers: t ? { Authorization: `Bearer ${t}` } : {},
      cache: 'no-store',
    });
    if (res.status === 401) {
      await askToken(t !== '');
      continue;
    }
    const text = await res.text();
    if (!res.ok) {
      let message = `HTTP ${res.status}`;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        /* not JSON */
      }
      throw new ApiError(res.status, message);
    }
    return JSON.parse(text) as T;
  }
}

// Instruments by id (trade and position rows carry instrument_id only).
export interface Instrument {
  id: number;
  venue: string;
  symbol: string;
  quote_asset: string;
}
let instruments: Promise<Map<number, Instrument>> | null = null;
export function instrumentsById(refresh = false): Promise<Map<number, Instrument>> {
  if (!instruments || refresh) {
    instruments = (async () => {
      const map = new Map<number, Instrument>();
      let cursor: string | null = null;
      do {
        const page: Page<Instrument> = await get<Page<Instrument>>('instruments', {
          limit: 1000,
          cursor,
        });
        for (const i of page.data) map.set(i.id, i);
        cursor = page.next;
      } while (cursor);
      return map;
    })();
    instruments.catch(() => (instruments = null));
  }
  return instruments;
}
