/**
 * The payloads the app publishes on its topics (topic names live in core/topics.ts): what the Lambdas send and what
 * the browser reads. The browser parses them with these schemas, so a malformed payload is dropped, never rendered.
 */
import * as v from 'valibot';
import { NotificationSchema } from './notifications.js';
import { MemberAddedSchema, MemberRemovedSchema, RoleChangedSchema, RoomDeletedSchema, RoomRenamedSchema } from './room-events.js';

/** On `<app>/<stage>/users/<userId>/rooms/<roomId>`: a room message delivered to one member's inbox. */
export const InboxMessageSchema = v.object({
  type: v.literal('message'),
  /** Server-assigned and time-ordered; the browser de-duplicates QoS 1 redeliveries and history by it. */
  messageId: v.string(),
  roomId: v.string(),
  from: v.string(),
  /** The sender's display name, from their verified token (core/contracts/users.ts). */
  fromName: v.string(),
  text: v.string(),
  /** ISO 8601, server clock. */
  sentAt: v.string(),
});
export type InboxMessage = v.InferOutput<typeof InboxMessageSchema>;

export const JOB_STATUSES = ['running', 'succeeded', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** On `<app>/<stage>/users/<userId>/jobs/<jobId>`. */
export const JobEventSchema = v.object({
  type: v.literal('job'),
  jobId: v.string(),
  kind: v.string(),
  status: v.picklist(JOB_STATUSES),
  step: v.number(),
  steps: v.number(),
  /** 0 to 100. */
  progress: v.number(),
  at: v.string(),
  result: v.optional(v.object({ summary: v.string() })),
  error: v.optional(v.string()),
});
export type JobEvent = v.InferOutput<typeof JobEventSchema>;

/**
 * On `<app>/<stage>/users/<userId>/rooms/<roomId>` (the inbox of each other member of the room): a member came online
 * (their first connection) or went offline (their last connection closed). Published at QoS 0: a stale presence
 * change is worth nothing after a reconnect, when the page reads GET /rooms/{roomId}/presence again.
 */
export const PresenceChangeSchema = v.object({
  type: v.literal('presence'),
  roomId: v.string(),
  userId: v.string(),
  online: v.boolean(),
});
export type PresenceChange = v.InferOutput<typeof PresenceChangeSchema>;

/**
 * On `<app>/<stage>/users/<userId>/rooms/<roomId>` (the member's own inbox only): they read the room up to `messageId`
 * on one of their tabs or devices (PUT /rooms/{roomId}/read), so the others clear their unread count too.
 */
export const ReadPositionChangeSchema = v.object({ type: v.literal('read'), roomId: v.string(), messageId: v.string(), at: v.string() });
export type ReadPositionChange = v.InferOutput<typeof ReadPositionChangeSchema>;

/** On `<app>/<stage>/broadcast`: a message to everyone, guests included, sent by an admin (POST /broadcast). */
export const BroadcastMessageSchema = v.object({
  type: v.literal('broadcast'),
  /** Server-assigned and time-ordered; the browser de-duplicates QoS 1 redeliveries by it. */
  messageId: v.string(),
  from: v.string(),
  /**
   * The admin's display name, from their token's `name` claim (their user id when it has none). The broadcast function
   * always sets it; a payload without it (an older publisher) is still shown, named by `from`.
   */
  fromName: v.optional(v.string()),
  text: v.string(),
  /** ISO 8601, server clock. */
  sentAt: v.string(),
});
export type BroadcastMessage = v.InferOutput<typeof BroadcastMessageSchema>;

/**
 * Any payload the app publishes, told apart by `type` (room events: core/contracts/room-events.ts; notifications, on a
 * user's notifications topic, a room inbox or broadcast: core/contracts/notifications.ts).
 */
export const AppPayloadSchema = v.variant('type', [
  InboxMessageSchema,
  NotificationSchema,
  JobEventSchema,
  PresenceChangeSchema,
  ReadPositionChangeSchema,
  BroadcastMessageSchema,
  MemberAddedSchema,
  MemberRemovedSchema,
  RoleChangedSchema,
  RoomRenamedSchema,
  RoomDeletedSchema,
]);
export type AppPayload = v.InferOutput<typeof AppPayloadSchema>;
