/**
 * Delivery of one payload (a message, or a membership or room event) to the inboxes of a room's members: published
 * directly for small rooms, handed to the fan-out queue in batches for larger ones, so the work of one request stays
 * bounded whatever the room's size. Whoever could not be reached directly is retried through the queue, not lost.
 */
import { FANOUT_BATCH_SIZE, type FanoutTask, type RoomInboxPayload } from '../../core/contracts/fanout.js';
import type { TopicScheme } from '../../core/topics.js';
import { deliverToInboxes } from './fanout.js';
import type { FanoutQueue, Publisher } from './ports.js';
import type { RoomStore } from './room-store.js';

export interface RoomDeliveryDependencies {
  store: Pick<RoomStore, 'listMembers'>;
  publisher: Publisher;
  fanoutQueue: FanoutQueue;
  topics: TopicScheme;
  /** Rooms with at most this many recipients are published directly; larger ones go through the queue. */
  directFanoutMax: number;
  publishConcurrency: number;
}

export interface Delivery {
  members: number;
  direct: number;
  queued: number;
}

/** The first page of recipients (already read) and the cursor of the rest of the room's members, if any. */
export interface Recipients {
  recipients: string[];
  nextCursor?: string | undefined;
}

/** Delivers `payload` to every recipient of `first` and of the member pages after it. */
export async function deliverToRoom(payload: RoomInboxPayload, roomId: string, first: Recipients, deps: RoomDeliveryDependencies): Promise<Delivery> {
  if (first.nextCursor === undefined && first.recipients.length <= deps.directFanoutMax) return deliverDirectly(payload, first.recipients, deps);
  // A large room: each page of members goes to the queue as soon as it is read, so delivery starts at once.
  let queued = 0;
  let page: Recipients = first;
  for (;;) {
    if (page.recipients.length > 0) await deps.fanoutQueue.send(batches(payload, page.recipients));
    queued += page.recipients.length;
    if (page.nextCursor === undefined) break;
    const next = await deps.store.listMembers(roomId, { limit: FANOUT_BATCH_SIZE, cursor: page.nextCursor });
    page = { recipients: next.items.map((m) => m.userId), nextCursor: next.nextCursor };
  }
  return { members: queued, direct: 0, queued };
}

/** Delivers `payload` to exactly these recipients: directly when few, through the queue otherwise. */
export async function deliverToRecipients(
  payload: RoomInboxPayload,
  recipients: readonly string[],
  deps: Omit<RoomDeliveryDependencies, 'store'>,
): Promise<Delivery> {
  if (recipients.length <= deps.directFanoutMax) return deliverDirectly(payload, recipients, deps);
  await deps.fanoutQueue.send(batches(payload, recipients));
  return { members: recipients.length, direct: 0, queued: recipients.length };
}

async function deliverDirectly(payload: RoomInboxPayload, recipients: readonly string[], deps: Omit<RoomDeliveryDependencies, 'store'>): Promise<Delivery> {
  const failed = await deliverToInboxes(payload, recipients, { publisher: deps.publisher, topics: deps.topics, concurrency: deps.publishConcurrency });
  if (failed.length > 0) await deps.fanoutQueue.send(batches(payload, failed));
  return { members: recipients.length, direct: recipients.length - failed.length, queued: failed.length };
}

function batches(payload: RoomInboxPayload, recipients: readonly string[]): FanoutTask[] {
  const tasks: FanoutTask[] = [];
  for (let i = 0; i < recipients.length; i += FANOUT_BATCH_SIZE) tasks.push({ message: payload, recipients: recipients.slice(i, i + FANOUT_BATCH_SIZE) });
  return tasks;
}
