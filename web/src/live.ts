// The live event stream (GET /api/v1/events, Server-Sent Events). One
// EventSource at a time, for one bot or all; views subscribe to its events
// and refetch what they show. EventSource cannot send headers: the token
// goes in ?token=.
import { token, url, type Row } from './api';

export const EVENT_KINDS = [
  'order',
  'fill',
  'position',
  'trade-closed',
  'balance',
  'risk-event',
  'candles-imported',
  'bot-heartbeat',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface LiveEvent {
  kind: EventKind;
  bot_id: number | null;
  entity: string;
  id: number;
  time: string;
  row: Row | null;
}

export type LiveStatus = 'connecting' | 'live' | 'offline';
type Listener = (e: LiveEvent) => void;

const listeners = new Set<Listener>();
const statusListeners = new Set<(s: LiveStatus) => void>();
let source: EventSource | null = null;
let sourceBot: string | null | undefined;
let retry: number | undefined;
let status: LiveStatus = 'offline';

function setStatus(s: LiveStatus): void {
  status = s;
  for (const l of statusListeners) l(s);
}

export function liveStatus(): LiveStatus {
  return status;
}

export function onStatus(l: (s: LiveStatus) => void): void {
  statusListeners.add(l);
  l(status);
}

// Follows the stream of `bot` (null: every bot); keeps the open stream when
// it already follows that.
export function follow(bot: string | null): void {
  if (source && sourceBot === bot && source.readyState !== EventSource.CLOSED) return;
  close();
  sourceBot = bot;
  setStatus('connecting');
  const es = new EventSource(url('events', { bot, token: token() || null }));
  source = es;
  es.onopen = () => setStatus('live');
  es.onerror = () => {
    if (es !== source) return;
    if (es.readyState === EventSource.CLOSED) {
      // Refused (an HTTP error) or gone: try again in a while.
      setStatus('offline');
      retry = window.setTimeout(() => {
        if (es === source) {
          source = null;
          follow(bot);
        }
      }, 3000);
    } else {
      setStatus('connecting'); // EventSource reconnects by itself (Last-Event-ID)
    }
  };
  const dispatch = (msg: MessageEvent<string>) => {
    let e: LiveEvent;
    try {
      e = JSON.parse(msg.data) as LiveEvent;
    } catch {
      return;
    }
    if (!e.kind && msg.type !== 'message') e.kind = msg.type as EventKind;
    setStatus('live');
    for (const l of listeners) l(e);
  };
  for (const kind of EVENT_KINDS) es.addEventListener(kind, dispatch as EventListener);
  es.onmessage = dispatch;
}

export function close(): void {
  window.clearTimeout(retry);
  if (source) source.close();
  source = null;
  setStatus('offline');
}

// Adds a listener; returns its removal.
export function subscribe(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

// Calls `work` once `ms` after the last of a burst of calls.
export function debounce(work: () => void, ms = 150): () => void {
  let timer: number | undefined;
  return () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(work, ms);
  };
}
