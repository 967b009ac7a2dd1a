/**
 * A room message: the sender's membership is checked in the store at send time, the message is kept in the room's
 * history, and it is delivered to every current member's own inbox topic. Small rooms are published here directly;
 * larger ones are handed to the fan-out queue in batches (functions/fanout). Removal from a room therefore takes
 * effect on the very next message, whatever the removed member's connection holds.
 */
import type { FanoutTask } from '../../core/contracts/fanout.js';
import { FANOUT_BATCH_SIZE } from '../../core/contracts/fanout.js';
import { MAX_MESSAGE_TEXT_LENGTH, PostMessageRequestSchema } from '../../core/contracts/http.js';
import type { InboxMessage } from '../../core/contracts/mqtt.js';
import type { MessageAccepted, MessagePage } from '../../core/contracts/rooms.js';
import type { TopicScheme } from '../../core/topics.js';
import { requireMember } from '../rooms/membership.js';
import type { Caller } from '../shared/caller.js';
import { PayloadTooLargeError } from '../shared/errors.js';
import { deliverToInboxes } from '../shared/fanout.js';
import type { Clock, FanoutQueue, IdGenerator, Publisher } from '../shared/ports.js';
import { validateBody } from '../shared/request.js';
import type { RoomStore } from '../shared/room-store.js';

export const MAX_TEXT_LENGTH = MAX_MESSAGE_TEXT_LENGTH;

export interface PostMessageDependencies {
  store: RoomStore;
  publisher: Publisher;
  fanoutQueue: FanoutQueue;
  clock: Clock;
  newMessageId: IdGenerator;
  topics: TopicScheme;
  /** History TTL (DynamoDB TTL on the message item). */
  historyTtlSeconds: number;
  /** Rooms with at most this many members are published by this function; larger ones go through the queue. */
  directFanoutMax: number;
  publishConcurrency: number;
}

export interface PostedMessage {
  accepted: MessageAccepted;
  delivery: { members: number; direct: number; queued: number };
}

export async function postRoomMessage(input: { caller: Caller; roomId: string; body: unknown }, deps: PostMessageDependencies): Promise<PostedMessage> {
  const { caller, roomId } = input;
  await requireMember(deps.store, roomId, caller.userId);
  const { text } = validateBody(PostMessageRequestSchema, input.body);
  if (text.length > MAX_TEXT_LENGTH) throw new PayloadTooLargeError(`"text" is ${text.length} characters; at most ${MAX_TEXT_LENGTH} are allowed`);

  const now = deps.clock.now();
  const message: InboxMessage = { type: 'message', messageId: deps.newMessageId(), roomId, from: caller.userId, text, sentAt: now.toISOString() };
  const { type: _type, ...stored } = message;
  const accepted: MessageAccepted = { messageId: message.messageId, roomId, sentAt: message.sentAt };
  // The message is stored before anyone can receive it; the first member page is read meanwhile (one round trip less).
  const [, first] = await Promise.all([
    deps.store.putMessage(stored, Math.floor(now.getTime() / 1000) + deps.historyTtlSeconds),
    deps.store.listMembers(roomId, { limit: FANOUT_BATCH_SIZE }),
  ]);
  const firstRecipients = first.items.map((m) => m.userId);

  if (first.nextCursor === undefined && firstRecipients.length <= deps.directFanoutMax) {
    const failed = await deliverToInboxes(message, firstRecipients, { publisher: deps.publisher, topics: deps.topics, concurrency: deps.publishConcurrency });
    // Whoever could not be reached now is retried through the queue rather than lost.
    if (failed.length > 0) await deps.fanoutQueue.send(batches(message, failed));
    return { accepted, delivery: { members: firstRecipients.length, direct: firstRecipients.length - failed.length, queued: failed.length } };
  }
  // A large room: each page of members goes to the queue as soon as it is read, so delivery starts at once.
  let queued = 0;
  let page: { recipients: string[]; nextCursor?: string | undefined } = { recipients: firstRecipients, nextCursor: first.nextCursor };
  for (;;) {
    if (page.recipients.length > 0) await deps.fanoutQueue.send([{ message, recipients: page.recipients }]);
    queued += page.recipients.length;
    if (page.nextCursor === undefined) break;
    const next = await deps.store.listMembers(roomId, { limit: FANOUT_BATCH_SIZE, cursor: page.nextCursor });
    page = { recipients: next.items.map((m) => m.userId), nextCursor: next.nextCursor };
  }
  return { accepted, delivery: { members: queued, direct: 0, queued } };
}

function batches(message: InboxMessage, recipients: readonly string[]): FanoutTask[] {
  const tasks: FanoutTask[] = [];
  for (let i = 0; i < recipients.length; i += FANOUT_BATCH_SIZE) tasks.push({ message, recipients: recipients.slice(i, i + FANOUT_BATCH_SIZE) });
  return tasks;
}

/** GET /rooms/{roomId}/messages: members only; a page ordered oldest first. */
export async function roomHistory(caller: Caller, roomId: string, page: { limit: number; before?: string }, deps: { store: RoomStore }): Promise<MessagePage> {
  await requireMember(deps.store, roomId, caller.userId);
  const { items, nextCursor } = await deps.store.listMessages(roomId, page);
  return { messages: items, ...(nextCursor ? { nextCursor } : {}) };
}
