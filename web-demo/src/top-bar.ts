/**
 * The top bar, one row at any width: the app's name (the page's h1), who is signed in, the connection badge and
 * sign-out. When the current credentials expire is on the badge's tooltip, not in the bar.
 */
import { h } from './dom.js';

export interface TopBar {
  element: HTMLElement;
  showCredentialsUntil(expiration: Date): void;
}

export function topBar(displayName: string, badge: HTMLElement, onSignOut: () => void): TopBar {
  const element = h(
    'header',
    { class: 'topbar' },
    h('h1', { class: 'brand' }, h('span', { class: 'brand-dot', 'aria-hidden': 'true' }), h('span', { class: 'brand-name' }, 'iot-realtime')),
    h('span', { class: 'who', 'data-testid': 'who', title: displayName }, displayName),
    badge,
    h('button', { type: 'button', class: 'ghost', 'data-testid': 'sign-out', onClick: onSignOut }, 'Sign out'),
  );
  return {
    element,
    showCredentialsUntil(expiration) {
      badge.title = `Realtime credentials valid until ${expiration.toLocaleTimeString()}`;
    },
  };
}
