// A tiny element builder: h('div', {class: 'x', onclick: f}, child, ...).

export type Child = Node | string | number | null | undefined | false | Child[];
type Attrs = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value == null || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2), value as EventListener);
      } else if (key === 'dataset') {
        Object.assign(el.dataset, value as Record<string, string>);
      } else if (key === 'value' && 'value' in el) {
        (el as HTMLInputElement).value = String(value);
      } else {
        el.setAttribute(key, value === true ? '' : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c == null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

// A class for a value's sign: pos, neg or none.
export function signClass(s: number | null): string {
  return s == null || s === 0 ? '' : s > 0 ? 'pos' : 'neg';
}

// Inline SVG icons (no image files).
export function icon(name: 'logo' | 'back' | 'live'): SVGSVGElement {
  const paths: Record<string, string> = {
    logo: 'M3 17l5-6 4 3 6-8 3 3M3 21h18',
    back: 'M15 18l-6-6 6-6',
    live: 'M12 12m-4 0a4 4 0 1 0 8 0a4 4 0 1 0 -8 0',
  };
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', `icon icon-${name}`);
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', paths[name]);
  svg.appendChild(path);
  return svg;
}
