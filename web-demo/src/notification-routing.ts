/**
 * Which payloads are notifications for this page (core/contracts/notifications.ts): checked against the contract and
 * accepted only from the topic their audience names (the user's notifications topic, their inbox of the room, or
 * broadcast), so a payload on the wrong topic is never shown as a notification.
 */
import * as v from 'valibot';
import { type Notification, NotificationSchema } from '../../core/contracts/notifications.js';
import type { TopicScheme } from '../../core/topics.js';

/** The notification if `json` is one and arrived where its audience says it goes; undefined otherwise. */
export function notificationOn(topics: TopicScheme, userId: string, topic: string, json: unknown): Notification | undefined {
  const parsed = v.safeParse(NotificationSchema, json);
  if (!parsed.success) return undefined;
  const n = parsed.output;
  if (n.audience === 'user') return topic === topics.userNotifications(userId) ? n : undefined;
  if (n.audience === 'everyone') return topic === topics.broadcast() ? n : undefined;
  return n.roomId !== undefined && topics.roomOfInbox(userId, topic) === n.roomId ? n : undefined;
}
