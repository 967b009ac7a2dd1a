/**
 * Presence from lifecycle events: records the event against the user's connections (ordered as connections.ts
 * explains, written conditionally so concurrent events of one user see each other), and when the user's online state
 * changed — first connection opened, last one closed — tells the other members of each of the user's rooms in their
 * inbox of that room. The rooms and their members are read page by page, and at most `maxNotifications` inboxes are
 * told of one change, so the work per event is bounded.
 */
import type { LifecycleEvent } from '../../core/contracts/lifecycle.js';
import type { PresenceChange } from '../../core/contracts/mqtt.js';
import { MAX_PAGE_SIZE } from '../../core/contracts/rooms.js';
import type { TopicScheme } from '../../core/topics.js';
import { UpstreamError } from '../shared/errors.js';
import { deliverToInboxes } from '../shared/fanout.js';
import type { Clock, Publisher } from '../shared/ports.js';
import type { RoomStore } from '../shared/room-store.js';
import { applyLifecycleEvent, type Connections, isOnline } from './connections.js';
import type { PresenceStore } from './presence-store.js';

/** Reads again after a concurrent write of the same user's item, this many times before giving up (retryable). */
const MAX_ATTEMPTS = 8;

export interface RecordEventDependencies {
  presence: PresenceStore;
  topics: TopicScheme;
  clock: Clock;
  /**
   * Waits before attempt `attempt` (1, 2, ...) after a concurrent write: a random pause that grows with each attempt,
   * so that writers of one user's item that keep colliding spread out instead of colliding again at once.
   */
  backoff?: (attempt: number) => Promise<void>;
}

/** Full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog): random in [0, min(cap, base * 2^attempt)). */
const jitteredBackoff = (attempt: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 5 * 2 ** attempt)));

export type RecordOutcome =
  /** The client id is not one this app issues (another app or stage, a tool): nothing to track. */
  | { outcome: 'ignored'; clientId: string }
  /** Older than what is recorded for the client id, or a duplicate. */
  | { outcome: 'stale'; userId: string }
  | { outcome: 'recorded'; userId: string; online: boolean; changed: boolean };

export async function recordLifecycleEvent(event: LifecycleEvent, deps: RecordEventDependencies): Promise<RecordOutcome> {
  const userId = deps.topics.userOfClientId(event.clientId);
  if (userId === undefined) return { outcome: 'ignored', clientId: event.clientId };
  return recordLifecycleEventsOfUser(userId, [event], deps);
}

/**
 * Records any number of lifecycle events of one user at once (a batch, or a burst of one user's connects and
 * disconnects): one read and one conditional write for all of them, and one answer to "did the user go online or
 * offline?" for the burst as a whole, so that a user who flaps costs one store write and at most one change to tell.
 * Events older than what is recorded (or than another event of the burst) are skipped; a concurrent write of the same
 * user's item makes it read again.
 */
export async function recordLifecycleEventsOfUser(
  userId: string,
  events: readonly LifecycleEvent[],
  deps: RecordEventDependencies,
): Promise<Exclude<RecordOutcome, { outcome: 'ignored' }>> {
  const backoff = deps.backoff ?? jitteredBackoff;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    if (attempt > 0) await backoff(attempt);
    const nowMs = deps.clock.now().getTime();
    const current = await deps.presence.get(userId);
    const before = current?.connections ?? {};
    let after: Connections | undefined;
    for (const event of events) after = applyLifecycleEvent(after ?? before, event, nowMs) ?? after;
    if (after === undefined) return { outcome: 'stale', userId };
    if (await deps.presence.put(userId, after, current?.revision)) {
      const wasOnline = isOnline(before, nowMs);
      const online = isOnline(after, nowMs);
      return { outcome: 'recorded', userId, online, changed: online !== wasOnline };
    }
  }
  throw new UpstreamError(`the connections of ${userId} changed ${MAX_ATTEMPTS} times while these events were recorded`, true);
}

/** A batch's events by the user they belong to, in batch order; events of client ids of no user of this stage apart. */
export function eventsByUser(events: readonly LifecycleEvent[], topics: TopicScheme): { byUser: Map<string, LifecycleEvent[]>; ignored: LifecycleEvent[] } {
  const byUser = new Map<string, LifecycleEvent[]>();
  const ignored: LifecycleEvent[] = [];
  for (const event of events) {
    const userId = topics.userOfClientId(event.clientId);
    if (userId === undefined) {
      ignored.push(event);
      continue;
    }
    const list = byUser.get(userId);
    if (list === undefined) byUser.set(userId, [event]);
    else list.push(event);
  }
  return { byUser, ignored };
}

export interface NotifyDependencies {
  rooms: Pick<RoomStore, 'listRoomsOfUser' | 'listMembers'>;
  publisher: Publisher;
  topics: TopicScheme;
  publishConcurrency: number;
  /** At most this many inboxes are told of one change. */
  maxNotifications: number;
}

export interface NotifyReport {
  rooms: number;
  notified: number;
  failed: number;
  /** The budget ran out: members of the remaining rooms (or pages) were not told. */
  truncated: boolean;
}

/**
 * Publishes `{"type":"presence","roomId","userId","online"}` (QoS 0: a stale presence change is worthless after a
 * reconnect, when the page reads GET /rooms/{roomId}/presence) to each other member's inbox of each of the user's
 * rooms. A failed publish is counted, not retried: the next change or the next page load corrects it.
 */
export async function notifyRoomsOfUser(userId: string, online: boolean, deps: NotifyDependencies): Promise<NotifyReport> {
  const report: NotifyReport = { rooms: 0, notified: 0, failed: 0, truncated: false };
  let budget = deps.maxNotifications;
  let roomCursor: string | undefined;
  do {
    const rooms = await deps.rooms.listRoomsOfUser(userId, { limit: MAX_PAGE_SIZE, ...(roomCursor ? { cursor: roomCursor } : {}) });
    for (const { roomId } of rooms.items) {
      report.rooms += 1;
      const change: PresenceChange = { type: 'presence', roomId, userId, online };
      let memberCursor: string | undefined;
      do {
        const members = await deps.rooms.listMembers(roomId, { limit: MAX_PAGE_SIZE, ...(memberCursor ? { cursor: memberCursor } : {}) });
        // The user's own pages know they are online; only the others are told.
        let recipients = members.items.map((m) => m.userId).filter((member) => member !== userId);
        if (recipients.length > budget) {
          recipients = recipients.slice(0, budget);
          report.truncated = true;
        }
        budget -= recipients.length;
        const failed = await deliverToInboxes(change, recipients, {
          publisher: deps.publisher,
          topics: deps.topics,
          concurrency: deps.publishConcurrency,
          qos: 0,
        });
        report.notified += recipients.length - failed.length;
        report.failed += failed.length;
        if (report.truncated) return report;
        memberCursor = members.nextCursor;
      } while (memberCursor !== undefined);
    }
    roomCursor = rooms.nextCursor;
  } while (roomCursor !== undefined);
  return report;
}
