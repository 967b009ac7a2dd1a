/** The broadcast panel: messages to everyone, guests included, each once and in order. */
import type { InboxMessage } from '../../core/contracts/mqtt.js';
import { h } from './dom.js';
import { messageList } from './message-list.js';
import { Timeline } from './timeline.js';

export interface BroadcastPanel {
  element: HTMLElement;
  /** Shows the message; false if it was already shown (a QoS 1 redelivery). */
  show(message: InboxMessage): boolean;
}

export function broadcastPanel(): BroadcastPanel {
  const timeline = new Timeline();
  const feed = messageList('broadcast');
  return {
    element: h('section', { class: 'panel broadcast' }, h('h2', {}, 'Broadcast'), feed.element),
    show(message) {
      if (!timeline.add(message)) return false;
      feed.render(timeline.messages());
      return true;
    },
  };
}
