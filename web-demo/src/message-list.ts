/**
 * A list of messages drawn from a timeline: each message once, in the timeline's order, with its author's display
 * name and the local time it was sent; the user's own messages set apart and marked sent. Below them, the messages
 * this page is still sending (sending, accepted but not back yet, or not delivered with "Send again"). Redrawing
 * reuses the items already there, so a message merged in between (an older page, a late redelivery) is inserted at
 * its place without redrawing the rest. The page scrolls (no inner scroll box): new messages are followed when the
 * reader was at the end.
 */
import type { StoredMessage } from '../../core/contracts/rooms.js';
import { h } from './dom.js';
import type { DisplayNames } from './names.js';
import type { Outgoing } from './rooms-model.js';

export interface MessageListOptions {
  testId: string;
  names: DisplayNames;
  /** Where the list is: its name for screen readers ("Messages in General"). */
  label: string;
  onRetry?(localId: string): void;
  onDiscard?(localId: string): void;
}

export interface MessageList {
  element: HTMLOListElement;
  /** Shows exactly these messages, in this order, then the outgoing ones. */
  render(messages: readonly StoredMessage[], outgoing?: readonly Outgoing[]): void;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A short preview of a message for a button's accessible name. */
const preview = (text: string) => (text.length > 30 ? `${text.slice(0, 30)}…` : text);

function messageItem(message: StoredMessage, names: DisplayNames): HTMLLIElement {
  const sentAt = new Date(message.sentAt);
  const valid = !Number.isNaN(sentAt.getTime());
  const own = message.from === names.selfId;
  return h(
    'li',
    { 'data-testid': 'message', 'data-id': message.messageId, class: own ? 'message own' : 'message' },
    h(
      'div',
      { class: 'meta' },
      h('span', { class: 'author', title: names.full(message.from) }, own ? 'You' : names.of(message.from)),
      h(
        'time',
        { class: 'sent-at', datetime: message.sentAt, title: valid ? dateTimeFormat.format(sentAt) : message.sentAt },
        valid ? timeFormat.format(sentAt) : '',
      ),
    ),
    h('p', { class: 'text' }, message.text),
    own ? h('span', { class: 'delivery', 'data-status': 'sent' }, 'Sent') : null,
  );
}

function outgoingItem(outgoing: Outgoing, options: MessageListOptions): HTMLLIElement {
  const status =
    outgoing.status === 'sending'
      ? h('span', { class: 'delivery' }, 'Sending…')
      : outgoing.status === 'accepted'
        ? h('span', { class: 'delivery' }, 'Accepted by the server; it appears here when the live connection brings it back')
        : h(
            'span',
            { class: 'delivery failed' },
            `Not delivered: ${outgoing.error ?? 'unknown error'}`,
            h(
              'span',
              { class: 'delivery-actions' },
              h(
                'button',
                {
                  type: 'button',
                  class: 'ghost small-button',
                  'data-testid': 'retry-send',
                  'aria-label': `Send again: "${preview(outgoing.text)}"`,
                  onClick: () => options.onRetry?.(outgoing.localId),
                },
                'Send again',
              ),
              h(
                'button',
                {
                  type: 'button',
                  class: 'ghost small-button',
                  'data-testid': 'discard-send',
                  'aria-label': `Discard: "${preview(outgoing.text)}"`,
                  onClick: () => options.onDiscard?.(outgoing.localId),
                },
                'Discard',
              ),
            ),
          );
  return h(
    'li',
    { 'data-testid': 'outgoing', 'data-status': outgoing.status, 'data-local-id': outgoing.localId, class: `message own outgoing ${outgoing.status}` },
    h('div', { class: 'meta' }, h('span', { class: 'author' }, 'You')),
    h('p', { class: 'text' }, outgoing.text),
    status,
  );
}

/** Whether the reader sees the end of the list (its last item is on screen), or the list is empty. */
function endInView(list: HTMLElement): boolean {
  const last = list.lastElementChild;
  if (!last) return true;
  const { top } = last.getBoundingClientRect();
  return top < window.innerHeight;
}

export function messageList(options: MessageListOptions): MessageList {
  const element = h('ol', { class: 'messages', 'data-testid': options.testId, 'aria-label': options.label });
  const items = new Map<string, HTMLLIElement>();
  let outgoingItems: HTMLLIElement[] = [];
  return {
    element,
    render(messages, outgoing = []) {
      const follow = element.isConnected && endInView(element);
      const wanted = new Set(messages.map((m) => m.messageId));
      for (const [id, li] of items) {
        if (!wanted.has(id)) {
          li.remove();
          items.delete(id);
        }
      }
      for (const li of outgoingItems) li.remove();
      let previous: Element | null = null;
      for (const message of messages) {
        let li = items.get(message.messageId);
        if (!li) {
          li = messageItem(message, options.names);
          items.set(message.messageId, li);
        }
        const expectedAt: Element | null = previous ? previous.nextElementSibling : element.firstElementChild;
        if (expectedAt !== li) element.insertBefore(li, expectedAt);
        previous = li;
      }
      outgoingItems = outgoing.map((o) => outgoingItem(o, options));
      element.append(...outgoingItems);
      // Follow new messages only when the reader was already at the end (styles keep it clear of the composer).
      if (follow) element.lastElementChild?.scrollIntoView({ block: 'nearest' });
    },
  };
}
