// Exact handling of the API's decimal strings (money, prices, quantities):
// formatted by string arithmetic, summed with BigInt, never through a
// binary float.

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

interface Parts {
  negative: boolean;
  int: string;
  frac: string;
}

function parts(text: string): Parts | null {
  const m = DECIMAL.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  return { negative: m[1] === '-', int: m[2].replace(/^0+(?=\d)/, '') || '0', frac: m[3] ?? '' };
}

function isZero(p: Parts): boolean {
  return /^0*$/.test(p.int) && /^0*$/.test(p.frac);
}

// -1, 0 or 1; null for text that is not a decimal.
export function sign(text: string | null | undefined): number | null {
  if (text == null) return null;
  const p = parts(String(text));
  if (!p) return null;
  if (isZero(p)) return 0;
  return p.negative ? -1 : 1;
}

// Adds one to a string of digits.
function increment(digits: string): string {
  const out = digits.split('');
  let i = out.length - 1;
  for (; i >= 0; --i) {
    if (out[i] === '9') {
      out[i] = '0';
    } else {
      out[i] = String(Number(out[i]) + 1);
      break;
    }
  }
  return (i < 0 ? '1' : '') + out.join('');
}

// Rounds half away from zero to `places` decimals (exactly).
export function round(text: string, places: number): string {
  const p = parts(text);
  if (!p) return text;
  let int = p.int;
  let frac = p.frac.padEnd(places, '0');
  if (frac.length > places) {
    const up = frac.charCodeAt(places) >= 53; // '5'
    frac = frac.slice(0, places);
    if (up) {
      const joined = increment(int + frac);
      int = joined.slice(0, joined.length - places) || '0';
      frac = places > 0 ? joined.slice(joined.length - places) : '';
    }
  }
  const body = places > 0 ? `${int}.${frac}` : int;
  const zero = /^[0.]*$/.test(body);
  return (p.negative && !zero ? '-' : '') + body;
}

function group(int: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

// A decimal string for display: rounded to `places` when given, digits
// grouped by thousands; an explicit '+' for positive values when `signed`.
export function formatDecimal(
  text: string | null | undefined,
  places?: number,
  signed = false,
): string {
  if (text == null || text === '') return '—';
  const value = places === undefined ? String(text) : round(String(text), places);
  const p = parts(value);
  if (!p) return String(text);
  const body = group(p.int) + (p.frac !== '' ? `.${p.frac}` : '');
  if (p.negative && !isZero(p)) return `−${body}`;
  return (signed && !isZero(p) ? '+' : '') + body;
}

// Money: two decimals.
export function money(text: string | null | undefined, signed = false): string {
  return formatDecimal(text, 2, signed);
}

// The exact sum of decimal strings.
export function sum(values: Array<string | null | undefined>): string {
  const ps = values.map((v) => (v == null ? null : parts(String(v)))).filter((p): p is Parts => !!p);
  const scale = Math.max(0, ...ps.map((p) => p.frac.length));
  let total = 0n;
  for (const p of ps) {
    const n = BigInt(p.int + p.frac.padEnd(scale, '0'));
    total += p.negative ? -n : n;
  }
  const negative = total < 0n;
  const digits = (negative ? -total : total).toString().padStart(scale + 1, '0');
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
  return (negative ? '-' : '') + int + (frac ? `.${frac}` : '');
}
