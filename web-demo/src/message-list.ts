/**
 * A list of messages drawn from a timeline: each message once, in the timeline's order, under a separator per day,
 * with its author's display name and local time; consecutive messages of one author within a few minutes grouped
 * (author and time shown once, still there for screen readers); links clickable (links.ts); the user's own messages
 * set apart and marked sent. Below them, the messages this page is still sending (queued while offline, sending,
 * accepted but not back yet, or not delivered with "Send again"). Redrawing reuses the items already there, so a
 * message merged in between (an older page, a late redelivery) is inserted at its place without redrawing the rest.
 *
 * The page scrolls (no inner scroll box). `position()` and `restore()` keep the reader's place across a change: at the
 * end, they stay at the end; elsewhere, the message they were reading stays where it was on screen (an older page
 * loaded above it does not move it).
 */
import type { StoredMessage } from '../../core/contracts/rooms.js';
import { h } from './dom.js';
import { linkedText } from './links.js';
import { dayKey, dayLabel, groupsWith } from './message-dates.js';
import type { DisplayNames } from './names.js';
import type { Outgoing } from './rooms-model.js';

export interface MessageListOptions {
  testId: string;
  names: DisplayNames;
  /** Where the list is: its name for screen readers ("Messages in General"). */
  label: string;
  onRetry?(localId: string): void;
  onDiscard?(localId: string): void;
  /** The part of the window the list is read in (viewport px): below sticky headers, above a sticky composer. */
  viewport?(): { top: number; bottom: number };
}

/** Where the reader is: at the end of the list, or reading an item that is `top` px from the window's top. */
export type ReadingPosition = { kind: 'none' } | { kind: 'end' } | { kind: 'at'; element: Element; top: number };

export interface MessageList {
  element: HTMLOListElement;
  /** Shows exactly these messages, in this order, then the outgoing ones; returns those newer than the newest shown before. */
  render(messages: readonly StoredMessage[], outgoing?: readonly Outgoing[]): StoredMessage[];
  position(): ReadingPosition;
  /** After a change: the reader back where `position()` said. */
  restore(position: ReadingPosition): void;
  /** Scrolls the newest item into view, above the composer; `force`: also when it is on screen already (a room opens). */
  revealEnd(force?: boolean): void;
  /** Whether the newest item is on screen (or there is none). */
  atEnd(): boolean;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
/** How close to the end counts as at the end (px): a line's worth. */
const END_SLACK_PX = 48;

/** A short preview of a message for a button's accessible name. */
const preview = (text: string) => (text.length > 30 ? `${text.slice(0, 30)}…` : text);

/** "Alice (alice)": the sender's display name when they wrote (history older than display names: as known now). */
function fullName(message: StoredMessage, names: DisplayNames): string {
  const name = message.fromName ?? names.of(message.from);
  return name === message.from ? name : `${name} (${message.from})`;
}

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
      h('span', { class: 'author', title: fullName(message, names) }, own ? 'You' : (message.fromName ?? names.of(message.from))),
      h(
        'time',
        { class: 'sent-at', datetime: message.sentAt, title: valid ? dateTimeFormat.format(sentAt) : message.sentAt },
        valid ? timeFormat.format(sentAt) : '',
      ),
    ),
    h('p', { class: 'text' }, ...linkedText(message.text)),
    own ? h('span', { class: 'delivery', 'data-status': 'sent' }, 'Sent') : null,
  );
}

function separatorItem(day: string): HTMLLIElement {
  return h('li', { class: 'day-separator', 'data-testid': 'day-separator', 'data-day': day }, h('h3', {}, h('time', { datetime: day })));
}

function actionButton(testId: string, text: string, outgoing: Outgoing, onClick: (() => void) | undefined): HTMLButtonElement {
  return h(
    'button',
    { type: 'button', class: 'ghost small-button', 'data-testid': testId, 'aria-label': `${text}: "${preview(outgoing.text)}"`, onClick: () => onClick?.() },
    text,
  );
}

function outgoingItem(outgoing: Outgoing, options: MessageListOptions): HTMLLIElement {
  const discard = actionButton('discard-send', 'Discard', outgoing, () => options.onDiscard?.(outgoing.localId));
  const status =
    outgoing.status === 'queued'
      ? h(
          'span',
          { class: 'delivery waiting' },
          'Waiting for the network: sent when this device is back online',
          h('span', { class: 'delivery-actions' }, discard),
        )
      : outgoing.status === 'sending'
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
                // A refusal no retry can change (not allowed, no such room) offers no "Send again".
                outgoing.permanent ? null : actionButton('retry-send', 'Send again', outgoing, () => options.onRetry?.(outgoing.localId)),
                discard,
              ),
            );
  return h(
    'li',
    { 'data-testid': 'outgoing', 'data-status': outgoing.status, 'data-local-id': outgoing.localId, class: `message own outgoing ${outgoing.status}` },
    h('div', { class: 'meta' }, h('span', { class: 'author' }, 'You')),
    h('p', { class: 'text' }, ...linkedText(outgoing.text)),
    status,
  );
}

export function messageList(options: MessageListOptions): MessageList {
  const element = h('ol', { class: 'messages', 'data-testid': options.testId, 'aria-label': options.label });
  const items = new Map<string, HTMLLIElement>();
  const separators = new Map<string, HTMLLIElement>();
  let outgoingItems: HTMLLIElement[] = [];
  let newestId: string | undefined;
  const viewport = () => options.viewport?.() ?? { top: 0, bottom: window.innerHeight };

  const atEnd = () => {
    const last = element.lastElementChild;
    if (!last || !element.isConnected) return true;
    return last.getBoundingClientRect().bottom <= viewport().bottom + END_SLACK_PX;
  };

  const revealEnd = (force = false) => {
    const last = element.lastElementChild;
    if (!last || !element.isConnected) return;
    const delta = last.getBoundingClientRect().bottom - (viewport().bottom - 8);
    if (delta > 0 || force) window.scrollBy(0, delta);
  };

  const place = (li: Element, previous: Element | null): Element => {
    const expectedAt: Element | null = previous ? previous.nextElementSibling : element.firstElementChild;
    if (expectedAt !== li) element.insertBefore(li, expectedAt);
    return li;
  };

  return {
    element,
    atEnd,
    revealEnd,
    position() {
      if (!element.isConnected) return { kind: 'none' };
      if (atEnd()) return { kind: 'end' };
      const top = viewport().top;
      for (const child of element.children) {
        // A day's separator is no anchor: older messages of its day are inserted after it.
        if (child.classList.contains('day-separator')) continue;
        const rect = child.getBoundingClientRect();
        if (rect.bottom > top) return { kind: 'at', element: child, top: rect.top };
      }
      return { kind: 'end' };
    },
    restore(position) {
      if (!element.isConnected || position.kind === 'none') return;
      if (position.kind === 'end') return revealEnd();
      if (!position.element.isConnected) return;
      const delta = position.element.getBoundingClientRect().top - position.top;
      if (Math.abs(delta) >= 1) window.scrollBy(0, delta);
    },
    render(messages, outgoing = []) {
      const previousNewest = newestId;
      const wanted = new Set(messages.map((m) => m.messageId));
      for (const [id, li] of items) {
        if (!wanted.has(id)) {
          li.remove();
          items.delete(id);
        }
      }
      for (const li of outgoingItems) li.remove();
      const now = new Date();
      const days = new Set<string>();
      let previous: Element | null = null;
      let previousMessage: StoredMessage | undefined;
      let previousDay: string | undefined;
      for (const message of messages) {
        const day = dayKey(new Date(message.sentAt));
        if (day !== undefined && day !== previousDay) {
          let separator = separators.get(day);
          if (!separator) {
            separator = separatorItem(day);
            separators.set(day, separator);
          }
          // Relabelled every time: "Today" becomes "Yesterday" on a page left open overnight.
          const time = separator.querySelector('time');
          const label = dayLabel(new Date(message.sentAt), now);
          if (time && time.textContent !== label) time.textContent = label;
          days.add(day);
          previous = place(separator, previous);
          previousMessage = undefined;
        }
        previousDay = day;
        let li = items.get(message.messageId);
        if (!li) {
          li = messageItem(message, options.names);
          items.set(message.messageId, li);
        }
        li.classList.toggle('grouped', groupsWith(previousMessage, message));
        previous = place(li, previous);
        previousMessage = message;
      }
      for (const [day, separator] of separators) {
        if (!days.has(day)) {
          separator.remove();
          separators.delete(day);
        }
      }
      outgoingItems = outgoing.map((o) => outgoingItem(o, options));
      element.append(...outgoingItems);
      newestId = messages.at(-1)?.messageId;
      return messages.filter((m) => previousNewest === undefined || m.messageId > previousNewest);
    },
  };
}
