/**
 * The connection as the page shows it: a short badge in the top bar (one word: the bar stays one row on a phone),
 * and, whenever the page is not live, a notice under the bar that says what is going on in full: which attempt comes
 * next and in how many seconds, why, and what the user can do (take the connection back, try again, sign in again).
 * "Not connected" appears only once the client has given up; until then it is "Reconnecting".
 */
import type { ConnectionState, StateChange } from '@iot-realtime/realtime-client';
import { h } from './dom.js';

const BADGE: Record<ConnectionState, string> = {
  idle: 'Starting',
  connecting: 'Connecting',
  connected: 'Live',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
  'taken-over': 'Paused',
  failed: 'Not connected',
  closed: 'Signed out',
};

export interface ConnectionActions {
  /** Take the connection back (taken over) or try again (given up). */
  reconnect(): void;
  signOut(): void;
}

export interface ConnectionStatus {
  badge: HTMLElement;
  /** The logo's dot: its colour follows the state (green only while live); decorative, the badge says it in words. */
  dot: HTMLElement;
  notice: HTMLElement;
  show(change: Pick<StateChange, 'state' | 'detail' | 'attempt' | 'retryAt'>): void;
  dispose(): void;
}

const seconds = (retryAt: number) => Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));

export function connectionStatus(actions: ConnectionActions): ConnectionStatus {
  const badge = h('span', { class: 'badge badge-idle', 'data-testid': 'connection', 'data-state': 'idle' }, BADGE.idle);
  const dot = h('span', { class: 'brand-dot', 'aria-hidden': 'true', 'data-testid': 'brand-dot', 'data-state': 'idle' });
  const text = h('span', { 'data-testid': 'connection-detail' });
  const countdown = h('span', { 'data-testid': 'connection-countdown' });
  const button = h('button', { type: 'button', class: 'small-button', 'data-testid': 'connection-action' });
  // A named region: it is a landmark of its own between the top bar and the workspace.
  const notice = h(
    'section',
    { class: 'connection-notice', 'aria-label': 'Connection', 'data-testid': 'connection-notice', hidden: true },
    h('p', {}, text, ' ', countdown),
    button,
  );
  let onButton: (() => void) | undefined;
  button.addEventListener('click', () => onButton?.());
  let timer: ReturnType<typeof setInterval> | undefined;
  const stopTimer = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };

  const show: ConnectionStatus['show'] = ({ state, detail, attempt, retryAt }) => {
    badge.className = `badge badge-${state}`;
    badge.dataset.state = state;
    badge.textContent = BADGE[state];
    dot.dataset.state = state;
    if (attempt !== undefined) badge.dataset.attempt = String(attempt);
    else delete badge.dataset.attempt;
    stopTimer();
    notice.hidden = state === 'connected' || state === 'idle' || state === 'closed' || (state === 'connecting' && attempt === undefined);
    notice.dataset.state = state;
    countdown.textContent = '';
    onButton = undefined;
    button.hidden = true;
    const why = detail ? ` (${detail})` : '';
    if (state === 'connecting' || state === 'reconnecting') {
      const verb = state === 'connecting' ? 'Connecting' : 'Reconnecting';
      text.textContent = `${verb}: attempt ${attempt ?? 1}${why}.`;
      if (retryAt !== undefined) {
        const tick = () => {
          const left = seconds(retryAt);
          countdown.textContent = left > 0 ? `Next try in ${left} s.` : 'Trying now.';
        };
        tick();
        timer = setInterval(tick, 1000);
      }
    } else if (state === 'offline') {
      text.textContent =
        'Offline: this device has no network. Messages sent to you meanwhile are kept and appear when it is back; what you send waits and goes then.';
    } else if (state === 'taken-over') {
      text.textContent = `Paused: ${detail ?? 'another tab or device took over this connection'}.`;
      button.textContent = 'Use this tab';
      button.hidden = false;
      onButton = actions.reconnect;
    } else if (state === 'failed') {
      const signInAgain = /sign-in|credentials/.test(detail ?? '');
      text.textContent = `Not connected${why}.`;
      button.textContent = signInAgain ? 'Sign in again' : 'Try again';
      button.hidden = false;
      onButton = signInAgain ? actions.signOut : actions.reconnect;
    }
  };
  return { badge, dot, notice, show, dispose: stopTimer };
}
