/**
 * Notifications as delivered: the payload a page receives (core/contracts/notifications.ts) built from a producer's
 * request, and the topic a user or everyone receives it on. The notify function and the server package's direct path
 * build it here, so both deliver the same thing.
 */
import type { Notification, NotificationRecipient, NotificationRequest } from './contracts/notifications.js';
import type { TopicScheme } from './topics.js';

export interface NotificationOrigin {
  /** EventBridge's event id, or a fresh UUID for a direct send. */
  eventId: string;
  /** The producer (the event's `source`). */
  source: string;
  /** When it happened (ISO 8601). */
  time: string;
}

export function deliveredNotification(request: NotificationRequest, origin: NotificationOrigin): Notification {
  const to = request.to;
  return {
    type: 'notification',
    eventId: origin.eventId,
    source: origin.source,
    notification: { type: request.type, data: request.data ?? null },
    sentAt: origin.time,
    audience: to.kind,
    ...(to.kind === 'room' ? { roomId: to.roomId } : {}),
  };
}

/** The one topic of a notification to a user or to everyone; a room's goes to each member's inbox of that room instead. */
export function notificationTopic(topics: TopicScheme, to: Exclude<NotificationRecipient, { kind: 'room' }>): string {
  return to.kind === 'user' ? topics.userNotifications(to.userId) : topics.broadcast();
}
