/**
 * The notify function's core: one EventBridge notification event in, the notification delivered within the grants
 * every user already has (core/contracts/notifications.ts): a user's notifications topic, the inbox of the room of each
 * current member (through the room fan-out: directly for small rooms, the fan-out queue for large ones), or broadcast.
 * Published at QoS 1 with EventBridge's event id, which stays the same on every retry, so a page de-duplicates.
 */
import { FANOUT_BATCH_SIZE } from '../../core/contracts/fanout.js';
import {
  type NotificationEvent,
  NotificationEventSchema,
  type NotificationRequest,
  NotificationRequestSchema,
  type RoomNotification,
} from '../../core/contracts/notifications.js';
import { parseContract } from '../../core/contracts/validate.js';
import { deliveredNotification, notificationTopic } from '../../core/notifications.js';
import type { TopicScheme } from '../../core/topics.js';
import type { Publisher } from '../shared/ports.js';
import { type Delivery, deliverToRoom, type RoomDeliveryDependencies } from '../shared/room-delivery.js';

export interface NotifyDependencies extends RoomDeliveryDependencies {
  publisher: Publisher;
  topics: TopicScheme;
}

export interface NotifyOutcome {
  eventId: string;
  type: string;
  audience: NotificationRequest['to']['kind'];
  /** Inboxes reached directly and handed to the fan-out queue (rooms); 1 direct for a user or everyone. */
  delivery: Delivery;
}

/** Checks the event and its detail against their contracts (ContractViolationError names every problem). */
export function readNotificationEvent(input: unknown): { event: NotificationEvent; request: NotificationRequest } {
  const event = parseContract(NotificationEventSchema, input, 'notification event');
  const request = parseContract(NotificationRequestSchema, event.detail, 'notification event detail');
  return { event, request };
}

export async function deliverNotificationEvent(input: unknown, deps: NotifyDependencies): Promise<NotifyOutcome> {
  const { event, request } = readNotificationEvent(input);
  const payload = deliveredNotification(request, { eventId: event.id, source: event.source, time: event.time });
  const outcome = (delivery: Delivery): NotifyOutcome => ({ eventId: event.id, type: request.type, audience: request.to.kind, delivery });
  const to = request.to;
  if (to.kind !== 'room') {
    // A failed publish fails the invocation: Lambda retries it, and the page drops the duplicate by eventId.
    await deps.publisher.publish(notificationTopic(deps.topics, to), payload, 1);
    return outcome({ members: 1, direct: 1, queued: 0 });
  }
  const roomPayload: RoomNotification = { ...payload, audience: 'room', roomId: to.roomId };
  const first = await deps.store.listMembers(to.roomId, { limit: FANOUT_BATCH_SIZE });
  const delivery = await deliverToRoom(roomPayload, to.roomId, { recipients: first.items.map((m) => m.userId), nextCursor: first.nextCursor }, deps);
  return outcome(delivery);
}
