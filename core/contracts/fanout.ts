/**
 * The fan-out queue's message (SQS body): one payload for a room's inboxes (a message, or a membership or room event)
 * and a batch of recipients whose inbox of that room gets it.
 */
import * as v from 'valibot';
import { InboxMessageSchema } from './mqtt.js';
import { RoomNotificationSchema } from './notifications.js';
import { MemberAddedSchema, MemberRemovedSchema, RoleChangedSchema, RoomDeletedSchema, RoomRenamedSchema } from './room-events.js';

/** What is published at QoS 1 to the inbox topic of a room: its messages, its events and notifications to its members. */
export const RoomInboxPayloadSchema = v.variant('type', [
  InboxMessageSchema,
  RoomNotificationSchema,
  MemberAddedSchema,
  MemberRemovedSchema,
  RoleChangedSchema,
  RoomRenamedSchema,
  RoomDeletedSchema,
]);
export type RoomInboxPayload = v.InferOutput<typeof RoomInboxPayloadSchema>;

/** SQS bodies are at most 256 KiB: 100 recipients of at most 64 characters plus a payload of a few KB fit easily. */
export const FANOUT_BATCH_SIZE = 100;

export const FanoutTaskSchema = v.object({
  message: RoomInboxPayloadSchema,
  recipients: v.pipe(v.array(v.string()), v.minLength(1), v.maxLength(FANOUT_BATCH_SIZE)),
});
export type FanoutTask = v.InferOutput<typeof FanoutTaskSchema>;
