/**
 * The top bar, one row at any width: the app's name (the page's h1) with a dot that follows the connection, who is
 * signed in, the connection badge and sign-out (after a confirmation). When the current credentials expire is on the
 * badge's tooltip, not in the bar.
 */
import { confirmAction } from './confirm-dialog.js';
import { h } from './dom.js';
import type { ConnectionStatus } from './status-badge.js';

export interface TopBar {
  element: HTMLElement;
  showCredentialsUntil(expiration: Date): void;
}

export function topBar(displayName: string, status: Pick<ConnectionStatus, 'badge' | 'dot'>, onSignOut: () => void): TopBar {
  const signOut = async () => {
    const sure = await confirmAction({
      title: 'Sign out?',
      text: 'You are signed out in every tab of this browser. Messages sent to you meanwhile are kept for when you sign in again.',
      confirm: 'Sign out',
    });
    if (sure) onSignOut();
  };
  const element = h(
    'header',
    { class: 'topbar' },
    h('h1', { class: 'brand' }, status.dot, h('span', { class: 'brand-name' }, 'iot-realtime')),
    h('span', { class: 'who', 'data-testid': 'who', title: displayName }, displayName),
    status.badge,
    h('button', { type: 'button', class: 'ghost', 'data-testid': 'sign-out', onClick: () => void signOut() }, 'Sign out'),
  );
  return {
    element,
    showCredentialsUntil(expiration) {
      status.badge.title = `Realtime credentials valid until ${expiration.toLocaleTimeString()}`;
    },
  };
}
