// Display of times (UTC), fractions and plain numbers.

// "2023-01-03 12:00" (UTC) from ISO-8601; seconds when not zero.
export function time(iso: string | null | undefined): string {
  if (!iso) return '—';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?/.exec(iso);
  if (!m) return iso;
  return `${m[1]} ${m[2]}${m[3] && m[3] !== ':00' ? m[3] : ''}`;
}

// Seconds since the Unix epoch (for the charts) from ISO-8601.
export function epochSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}

// "3 min ago", "2 h ago", "5 d ago".
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return iso;
  if (s < 0) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function percent(x: number | null | undefined, places = 2, signed = false): string {
  if (x == null || !Number.isFinite(x)) return '—';
  const v = (x * 100).toFixed(places);
  if (v.startsWith('-')) return `−${v.slice(1)}%`;
  return (signed && x > 0 ? '+' : '') + `${v}%`;
}

export function number(x: number | null | undefined, places = 2): string {
  if (x == null || !Number.isFinite(x)) return '—';
  const v = x.toLocaleString('en-US', {
    minimumFractionDigits: places,
    maximumFractionDigits: places,
  });
  return v.startsWith('-') ? `−${v.slice(1)}` : v;
}

export function integer(x: number | null | undefined): string {
  if (x == null || !Number.isFinite(x)) return '—';
  return x.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

export function duration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '—';
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400 * 2) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}
