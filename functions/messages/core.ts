/**
 * A room message: the sender's membership is checked in the store at send time, the message is kept in the room's
 * history, and it is delivered to every current member's own inbox topic (directly for small rooms, through the fan-out
 * queue for larger ones: functions/shared/room-delivery.ts). Removal from a room therefore takes effect on the very
 * next message, whatever the removed member's connection holds.
 *
 * At most two store round trips before publishing:
 *   1. one Query reads the room and its first page of members (the membership check comes from that page), while the
 *      rate limiter counts the request;
 *   2. the message is stored, with its idempotency record in the same transaction when the request has a key.
 * Only a sender not on the first page of a room above FANOUT_BATCH_SIZE members costs a membership read in between.
 * The sender's display name comes from their verified token, not from a store read.
 */
import { FANOUT_BATCH_SIZE } from '../../core/contracts/fanout.js';
import { MAX_MESSAGE_TEXT_LENGTH, PostMessageRequestSchema } from '../../core/contracts/http.js';
import type { InboxMessage } from '../../core/contracts/mqtt.js';
import type { MessageAccepted, MessagePage } from '../../core/contracts/rooms.js';
import { requireMember } from '../rooms/membership.js';
import type { Caller } from '../shared/caller.js';
import { PayloadTooLargeError, RoomNotFoundError } from '../shared/errors.js';
import { fingerprintOf, idempotencyClaim, type StoredResponse } from '../shared/idempotency.js';
import type { Clock, IdGenerator, RateLimiter } from '../shared/ports.js';
import { validateBody } from '../shared/request.js';
import { type Delivery, deliverToRoom, type RoomDeliveryDependencies } from '../shared/room-delivery.js';
import type { RoomStore } from '../shared/room-store.js';

export const MAX_TEXT_LENGTH = MAX_MESSAGE_TEXT_LENGTH;

export interface PostMessageDependencies extends Omit<RoomDeliveryDependencies, 'store'> {
  store: RoomStore;
  /** Counts the request in parallel with the first read (nothing is written before both have answered). */
  rateLimiter: RateLimiter;
  clock: Clock;
  newMessageId: IdGenerator;
  /** History TTL (DynamoDB TTL on the message item). */
  historyTtlSeconds: number;
}

export interface PostedMessage {
  /** 202 and the MessageAccepted body, or the response to the first request with the same Idempotency-Key. */
  response: StoredResponse;
  replayed: boolean;
  delivery: Delivery;
}

export async function postRoomMessage(
  input: { caller: Caller; roomId: string; body: unknown; idempotencyKey?: string | undefined },
  deps: PostMessageDependencies,
): Promise<PostedMessage> {
  const { caller, roomId } = input;
  const { text } = validateBody(PostMessageRequestSchema, input.body);
  if (text.length > MAX_TEXT_LENGTH) throw new PayloadTooLargeError(`"text" is ${text.length} characters; at most ${MAX_TEXT_LENGTH} are allowed`);

  // Round trip 1: the room, its first members (the membership check), and the rate limit, at once.
  const [opened] = await Promise.all([deps.store.openRoom(roomId, FANOUT_BATCH_SIZE), deps.rateLimiter.consume(caller.userId)]);
  if (opened.room === undefined) throw new RoomNotFoundError(roomId);
  const recipients = opened.members.items.map((m) => m.userId);
  const onFirstPage = recipients.includes(caller.userId);
  if (!onFirstPage && (opened.members.nextCursor === undefined || (await deps.store.getMembership(roomId, caller.userId)) === undefined)) {
    throw new RoomNotFoundError(roomId);
  }

  const now = deps.clock.now();
  const message: InboxMessage = {
    type: 'message',
    messageId: deps.newMessageId(),
    roomId,
    from: caller.userId,
    fromName: caller.displayName,
    text,
    sentAt: now.toISOString(),
  };
  const accepted: MessageAccepted = { messageId: message.messageId, roomId, sentAt: message.sentAt };
  const claim =
    input.idempotencyKey === undefined
      ? undefined
      : idempotencyClaim(
          { scope: 'messages', userId: caller.userId, key: input.idempotencyKey, fingerprint: fingerprintOf({ roomId, text }) },
          { statusCode: 202, body: accepted },
          now.getTime(),
        );
  // Round trip 2: the message is stored before anyone can receive it.
  const { type: _type, ...stored } = message;
  const write = await deps.store.putMessage(stored, Math.floor(now.getTime() / 1000) + deps.historyTtlSeconds, claim);

  if (write.outcome === 'replayed') {
    // A retry: the first request stored the message; its delivery may not have finished (the retry is often why). It
    // is delivered again under its own id and time, which members de-duplicate (QoS 1 is at least once anyway).
    const original = write.response.body as MessageAccepted;
    const again: InboxMessage = { ...message, messageId: original.messageId, sentAt: original.sentAt };
    const delivery = await deliverToRoom(again, roomId, { recipients, nextCursor: opened.members.nextCursor }, deps);
    return { response: write.response, replayed: true, delivery };
  }
  const delivery = await deliverToRoom(message, roomId, { recipients, nextCursor: opened.members.nextCursor }, deps);
  return { response: { statusCode: 202, body: accepted }, replayed: false, delivery };
}

/** GET /rooms/{roomId}/messages: members only (404 for everyone else); a page ordered oldest first. */
export async function roomHistory(caller: Caller, roomId: string, page: { limit: number; before?: string }, deps: { store: RoomStore }): Promise<MessagePage> {
  await requireMember(deps.store, roomId, caller.userId);
  const { items, nextCursor } = await deps.store.listMessages(roomId, page);
  return { messages: items, ...(nextCursor ? { nextCursor } : {}) };
}
