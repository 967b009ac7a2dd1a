/**
 * Notifications: a backend event pushed to the pages that should see it, with an app-defined `type` and `data`.
 *
 * A producer (any service with the managed producer policy, or one of our functions) puts a notification on the app's
 * event bus (EventBridge PutEvents, detail-type NOTIFICATION_DETAIL_TYPE, detail = NotificationRequest); the bus's rule
 * (core/event-rules.ts) hands it to the notify function, which delivers it within the grants every user already has:
 *   to a user      `<app>/<stage>/users/<userId>/notifications`     (the user's own subtree)
 *   to a room      the inbox of that room of each current member    (`.../users/<member>/rooms/<roomId>`, through the
 *                  room fan-out: directly for small rooms, the fan-out queue for large ones)
 *   to everyone    `<app>/<stage>/broadcast`
 * A single user can also be notified straight through the IoT data plane (packages/realtime-server), with the same
 * payload.
 *
 * What the page receives (NotificationSchema) carries `eventId`: EventBridge's event id, the same on every retry of one
 * event, so a page de-duplicates redeliveries and retries on it.
 */
import * as v from 'valibot';
import { isValidUserId } from '../ids.js';
import { SafeId } from './ids.js';

/** The detail-type of a notification event: PutEvents sets it, the rule matches it. */
export const NOTIFICATION_DETAIL_TYPE = 'Realtime Notification';

/** An app-defined type: `invoice.ready`, `order:shipped`, `job-completed`; 1-64 characters. */
export const NOTIFICATION_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/**
 * The data, serialized, at most this many bytes: the published payload stays far inside IoT Core's 128 KB message
 * limit and a PutEvents entry inside EventBridge's 256 KB ("Amazon EventBridge quotas": PutEvents entry size).
 */
export const MAX_NOTIFICATION_DATA_BYTES = 16 * 1024;

export const NOTIFICATION_AUDIENCES = ['user', 'room', 'everyone'] as const;
export type NotificationAudience = (typeof NOTIFICATION_AUDIENCES)[number];

const UserIdSchema = v.pipe(
  v.string('must be a string'),
  v.check((value: string) => isValidUserId(value), 'must be a user id: 1-64 letters, digits, "_" or "-", or a Cognito identity id'),
);

export const NotificationTypeSchema = v.pipe(
  v.string('must be a string'),
  v.regex(NOTIFICATION_TYPE_PATTERN, 'must be 1-64 letters, digits, ".", "_", ":" or "-", starting with a letter or digit'),
);

/** JSON data of at most MAX_NOTIFICATION_DATA_BYTES once serialized. */
export const NotificationDataSchema = v.pipe(
  v.unknown(),
  v.check((value) => {
    try {
      const text = JSON.stringify(value);
      return text !== undefined && new TextEncoder().encode(text).length <= MAX_NOTIFICATION_DATA_BYTES;
    } catch {
      return false;
    }
  }, `must be JSON of at most ${MAX_NOTIFICATION_DATA_BYTES} bytes`),
);

/** Who a notification is for. */
export const NotificationRecipientSchema = v.variant(
  'kind',
  [
    v.strictObject({ kind: v.literal('user'), userId: UserIdSchema }),
    v.strictObject({ kind: v.literal('room'), roomId: SafeId }),
    v.strictObject({ kind: v.literal('everyone') }),
  ],
  'must be {"kind":"user","userId":...}, {"kind":"room","roomId":...} or {"kind":"everyone"}',
);
export type NotificationRecipient = v.InferOutput<typeof NotificationRecipientSchema>;

/** The detail of a notification event on the bus: what producers send. */
export const NotificationRequestSchema = v.strictObject({
  to: NotificationRecipientSchema,
  type: NotificationTypeSchema,
  /** Absent means `null`. */
  data: v.optional(NotificationDataSchema),
});
export type NotificationRequest = v.InferOutput<typeof NotificationRequestSchema>;

/**
 * The EventBridge event the notify function receives ("Amazon EventBridge events": the envelope EventBridge adds around
 * a PutEvents entry). Only the fields the function reads are checked; the detail is checked by its own contract.
 */
export const NotificationEventSchema = v.object({
  id: v.pipe(v.string(), v.nonEmpty()),
  'detail-type': v.literal(NOTIFICATION_DETAIL_TYPE),
  source: v.string(),
  time: v.string(),
  detail: v.unknown(),
});
export type NotificationEvent = v.InferOutput<typeof NotificationEventSchema>;

const delivered = {
  type: v.literal('notification'),
  /** EventBridge's event id (stable across retries) or a fresh UUID for a direct send: de-duplicate on it. */
  eventId: v.string(),
  /** The producer: the event's `source` (e.g. `com.example.orders`). */
  source: v.string(),
  /** Exactly what the producer sent. */
  notification: v.object({ type: v.string(), data: v.unknown() }),
  /** ISO 8601: when the event happened (the event's `time`). */
  sentAt: v.string(),
};

/** On a user's notifications topic, a room inbox (`roomId` set) or broadcast: what the page receives. */
export const NotificationSchema = v.object({
  ...delivered,
  audience: v.picklist(NOTIFICATION_AUDIENCES),
  roomId: v.optional(v.string()),
});
export type Notification = v.InferOutput<typeof NotificationSchema>;

/** The room form, as the fan-out carries it to each member's inbox of that room. */
export const RoomNotificationSchema = v.object({ ...delivered, audience: v.literal('room'), roomId: v.string() });
export type RoomNotification = v.InferOutput<typeof RoomNotificationSchema>;
