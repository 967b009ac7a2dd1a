/** The broadcast panel: messages to everyone, guests included. */
import { h } from './dom.js';
import { type MessageList, messageList } from './message-list.js';

export function broadcastPanel(): { element: HTMLElement; feed: MessageList } {
  const feed = messageList('broadcast');
  return { element: h('section', { class: 'panel' }, h('h2', {}, 'Broadcast'), feed.element), feed };
}
