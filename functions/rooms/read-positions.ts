/**
 * Read positions (issue 22): where each member has read each room up to, kept on their membership so that unread counts
 * survive a reload and follow them to their other devices. PUT /rooms/{roomId}/read moves it forward (never back) and
 * tells the member's other tabs and devices at once, on their own inbox of the room; GET /rooms counts, per room, what
 * others wrote after it (core.ts listRoomsOfCaller).
 */
import type { ReadPositionChange } from '../../core/contracts/mqtt.js';
import { MAX_UNREAD_COUNT, MarkReadRequestSchema, type ReadPositionResponse } from '../../core/contracts/rooms.js';
import { newSortableId } from '../../core/ids.js';
import type { TopicScheme } from '../../core/topics.js';
import type { Caller } from '../shared/caller.js';
import { forEachWithConcurrency } from '../shared/fanout.js';
import type { Clock, Publisher } from '../shared/ports.js';
import { validateBody } from '../shared/request.js';
import type { Membership, RoomStore, UnreadCount } from '../shared/room-store.js';

export interface ReadPositionDependencies {
  store: Pick<RoomStore, 'markRead' | 'countUnread'>;
  clock: Clock;
  publisher: Publisher;
  topics: TopicScheme;
}

/** How many rooms' unread messages are counted at once for one page of GET /rooms (one Query each). */
const COUNT_CONCURRENCY = 10;

/**
 * PUT /rooms/{roomId}/read {messageId} -> 200 {roomId, lastRead}: members only (RoomNotFoundError for everyone else,
 * whether or not the room exists). When the position moved, the member's own inbox of the room hears of it, so their
 * other tabs and devices clear the count too; a failed publish only delays that until they next read the list.
 */
export async function markRead(caller: Caller, roomId: string, body: unknown, deps: ReadPositionDependencies): Promise<ReadPositionResponse> {
  const { messageId } = validateBody(MarkReadRequestSchema, body);
  const wanted = { messageId, at: deps.clock.now().toISOString() };
  const lastRead = await deps.store.markRead(roomId, caller.userId, wanted);
  if (lastRead.messageId === wanted.messageId && lastRead.at === wanted.at) {
    const change: ReadPositionChange = { type: 'read', roomId, ...lastRead };
    await deps.publisher.publish(deps.topics.inbox(caller.userId, roomId), change, 1).catch(() => undefined);
  }
  return { roomId, lastRead };
}

/**
 * Where unread messages start for a member: after their read position or, before they have read anything, after the
 * moment they joined (what was said before they were added is history, not news). Message ids begin with their time
 * (core/ids.ts), so the smallest id of that millisecond is a lower bound for every later message.
 */
export function unreadAfter(membership: Pick<Membership, 'lastRead' | 'joinedAt'>): string {
  if (membership.lastRead !== undefined) return membership.lastRead.messageId;
  const joined = Date.parse(membership.joinedAt);
  return newSortableId(Number.isNaN(joined) ? 0 : joined, (n) => new Uint8Array(n));
}

/** The unread count of each of the caller's memberships (one page of GET /rooms), a few rooms at a time. */
export async function unreadCounts(
  userId: string,
  memberships: readonly Membership[],
  deps: Pick<ReadPositionDependencies, 'store'>,
): Promise<Map<string, UnreadCount>> {
  const counts = new Map<string, UnreadCount>();
  await forEachWithConcurrency(memberships, COUNT_CONCURRENCY, async (m) => {
    counts.set(m.roomId, await deps.store.countUnread(m.roomId, userId, unreadAfter(m), MAX_UNREAD_COUNT));
  });
  return counts;
}
