/**
 * The notifications panel: what the app's backends push to this user (core/contracts/notifications.ts), live, newest
 * first: to them (their notifications topic), to a room they are in (their inbox of that room) or to everyone
 * (broadcast). A notification is shown once, keyed by its `eventId` (QoS 1 and Lambda's retries may repeat it), and
 * only from the topic its audience names. Try it: `npm run example:notify -- --to <your user id> "Invoice ready"`.
 */
import type { Notification } from '../../core/contracts/notifications.js';
import type { TopicScheme } from '../../core/topics.js';
import { h } from './dom.js';
import { notificationOn } from './notification-routing.js';
import './notifications-panel.css';

/** Notifications kept on the page (and event ids remembered) at most: the oldest go first. */
const MAX_SHOWN = 50;

export interface NotificationsPanel {
  element: HTMLElement;
  /** Takes any payload of the session's topics; true if it was a new notification, now shown. */
  show(topic: string, json: unknown): boolean;
}

/** What a person reads: the data's `text` if it has one, else its JSON (cut short). */
function summary(data: unknown): string {
  if (typeof data === 'object' && data !== null && typeof (data as { text?: unknown }).text === 'string') return (data as { text: string }).text;
  if (data === null || data === undefined) return '';
  const text = JSON.stringify(data);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function item(n: Notification): HTMLLIElement {
  const to = n.audience === 'user' ? 'to you' : n.audience === 'room' ? `to room ${n.roomId}` : 'to everyone';
  const time = new Date(n.sentAt);
  return h(
    'li',
    { 'data-testid': 'notification', 'data-event-id': n.eventId },
    h('span', { class: 'notification-type' }, n.notification.type),
    ' ',
    summary(n.notification.data),
    h('br'),
    h(
      'span',
      { class: 'notification-meta' },
      `${to}, from ${n.source}`,
      ' · ',
      h('time', { datetime: n.sentAt }, Number.isNaN(time.getTime()) ? n.sentAt : time.toLocaleTimeString()),
    ),
  );
}

export function notificationsPanel(topics: TopicScheme, userId: string): NotificationsPanel {
  const seen = new Set<string>();
  const list = h('ol', { 'aria-label': 'Notifications, newest first' });
  const empty = h(
    'p',
    { class: 'muted small', 'data-testid': 'notifications-empty' },
    'What your backends push to you appears here live (try npm run example:notify).',
  );
  const element = h(
    'section',
    { class: 'panel notifications-panel', 'aria-labelledby': 'notifications-heading', 'data-testid': 'notifications-panel' },
    h('h2', { id: 'notifications-heading' }, 'Notifications'),
    empty,
    h('div', { role: 'log', 'aria-live': 'polite' }, list),
  );
  return {
    element,
    show(topic, json) {
      const n = notificationOn(topics, userId, topic, json);
      if (!n || seen.has(n.eventId)) return false;
      seen.add(n.eventId);
      empty.hidden = true;
      list.prepend(item(n));
      while (list.children.length > MAX_SHOWN) {
        const oldest = list.lastElementChild as HTMLElement;
        seen.delete(oldest.dataset.eventId ?? '');
        oldest.remove();
      }
      return true;
    },
  };
}

/** Adds the panel after the session page in `root`. */
export function mountNotificationsPanel(root: HTMLElement, topics: TopicScheme, userId: string): NotificationsPanel {
  const panel = notificationsPanel(topics, userId);
  root.append(panel.element);
  return panel;
}
