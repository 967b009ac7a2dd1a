/** A tiny element builder: enough for this demo without a framework (keeps the first load small). */
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string | boolean | ((e: Event) => void)> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (typeof value === 'function') el.addEventListener(key.replace(/^on/, '').toLowerCase(), value);
    else if (value === true) el.setAttribute(key, '');
    else if (value !== false) el.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

/**
 * The page's one announcement region for screen readers, outside the app so redrawing never re-announces it: only
 * new messages from others are said (history, own messages and status changes are not).
 */
export function announce(text: string): void {
  const region =
    document.getElementById('announcer') ??
    document.body.appendChild(h('div', { id: 'announcer', class: 'visually-hidden', 'aria-live': 'polite', 'data-testid': 'announcer' }));
  region.textContent = text;
}
