/** The top bar: who is signed in, the connection badge, credentials expiry, last delivery latency, sign-out. */
import { h } from './dom.js';
import type { StatusBadge } from './status-badge.js';

export interface TopBar {
  element: HTMLElement;
  showCredentialsUntil(expiration: Date): void;
  showLatency(ms: number): void;
}

export function topBar(displayName: string, badge: StatusBadge, onSignOut: () => void): TopBar {
  const credentials = h('span', { class: 'muted small', 'data-testid': 'credentials' }, '');
  const latency = h('span', { class: 'muted small', 'data-testid': 'latency' }, '');
  const element = h(
    'header',
    { class: 'topbar' },
    h('strong', {}, 'iot-realtime'),
    h('span', { class: 'who', 'data-testid': 'who' }, displayName),
    badge.element,
    credentials,
    latency,
    h('button', { class: 'ghost', onClick: onSignOut }, 'Sign out'),
  );
  return {
    element,
    showCredentialsUntil(expiration) {
      credentials.textContent = `credentials until ${expiration.toLocaleTimeString()}`;
    },
    showLatency(ms) {
      latency.textContent = `last message ${ms} ms after it was sent`;
    },
  };
}
