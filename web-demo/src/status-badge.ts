/** The connection badge: the client's state in words, with the reason of a failure or interruption as its title. */
import type { ConnectionState, StateChange } from '@iot-realtime/realtime-client';
import { h } from './dom.js';

const STATE_LABEL: Record<ConnectionState, string> = {
  idle: 'Offline',
  connecting: 'Connecting',
  connected: 'Live',
  interrupted: 'Reconnecting',
  resumed: 'Live',
  failed: 'Connection failed',
  closed: 'Disconnected',
};

export interface StatusBadge {
  element: HTMLElement;
  show(change: StateChange): void;
}

export function statusBadge(): StatusBadge {
  const element = h('span', { class: 'badge badge-idle', 'data-testid': 'connection', 'data-state': 'idle' }, STATE_LABEL.idle);
  return {
    element,
    show({ state, detail }) {
      element.className = `badge badge-${state}`;
      element.dataset.state = state;
      element.textContent = STATE_LABEL[state];
      element.title = detail ?? '';
    },
  };
}
