/** A live list of room messages, each with its delivery latency (server timestamp to receipt). */
import type { InboxMessage } from '../../core/contracts/mqtt.js';
import { h } from './dom.js';

export interface MessageList {
  element: HTMLOListElement;
  /** Appends the message and returns its latency in milliseconds. */
  append(message: InboxMessage): number;
}

export function messageList(testId: string): MessageList {
  const element = h('ol', { class: 'messages', 'data-testid': testId });
  return {
    element,
    append(message) {
      const ms = Date.now() - Date.parse(message.sentAt);
      element.append(
        h(
          'li',
          { 'data-testid': 'message', 'data-id': message.messageId },
          h('span', { class: 'author' }, message.from),
          h('span', { class: 'text' }, message.text),
          h('span', { class: 'latency', title: 'server timestamp to receipt' }, `${ms} ms`),
        ),
      );
      element.scrollTop = element.scrollHeight;
      return ms;
    },
  };
}
