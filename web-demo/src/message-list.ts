/**
 * A list of messages drawn from a timeline: each message once, in the timeline's order, with its author and the local
 * time it was sent. Redrawing reuses the items already there, so a message merged in between (an older page, a late
 * redelivery) is inserted at its place without redrawing the rest.
 */
import type { StoredMessage } from '../../core/contracts/rooms.js';
import { h } from './dom.js';

export interface MessageList {
  element: HTMLOListElement;
  /** Shows exactly these messages, in this order. */
  render(messages: readonly StoredMessage[]): void;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function item(message: StoredMessage, ownUserId: string | undefined): HTMLLIElement {
  const sentAt = new Date(message.sentAt);
  const time = Number.isNaN(sentAt.getTime()) ? '' : timeFormat.format(sentAt);
  return h(
    'li',
    { 'data-testid': 'message', 'data-id': message.messageId, class: message.from === ownUserId ? 'own' : '' },
    h('span', { class: 'author' }, message.from),
    h('span', { class: 'text' }, message.text),
    h('time', { class: 'sent-at', datetime: message.sentAt, title: message.sentAt }, time),
  );
}

export function messageList(testId: string, ownUserId?: string): MessageList {
  const element = h('ol', { class: 'messages', 'data-testid': testId });
  const items = new Map<string, HTMLLIElement>();
  return {
    element,
    render(messages) {
      const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
      const wanted = new Set(messages.map((m) => m.messageId));
      for (const [id, li] of items) {
        if (!wanted.has(id)) {
          li.remove();
          items.delete(id);
        }
      }
      let previous: Element | null = null;
      for (const message of messages) {
        let li = items.get(message.messageId);
        if (!li) {
          li = item(message, ownUserId);
          items.set(message.messageId, li);
        }
        const expectedAt: Element | null = previous ? previous.nextElementSibling : element.firstElementChild;
        if (expectedAt !== li) element.insertBefore(li, expectedAt);
        previous = li;
      }
      // Follow new messages only when the reader was already at the end.
      if (atBottom) element.scrollTop = element.scrollHeight;
    },
  };
}
