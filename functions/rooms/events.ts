/**
 * Membership and room events (contract: core/contracts/room-events.ts) and whom they reach: published at QoS 1 to the
 * inbox of the room of every member (plus, for a removal, the one who is out), through room-delivery.ts so a large
 * room costs this function a bounded amount of work. Events name people by display name (the user directory, or the
 * actor's own token) and carry each added member's presence at the time, read from the presence table.
 */
import { FANOUT_BATCH_SIZE } from '../../core/contracts/fanout.js';
import type { RoomEvent, UserRef } from '../../core/contracts/room-events.js';
import { isOnline } from '../presence/connections.js';
import type { PresenceStore } from '../presence/presence-store.js';
import type { Caller } from '../shared/caller.js';
import type { Clock, IdGenerator } from '../shared/ports.js';
import { type Delivery, deliverToRecipients, deliverToRoom, type RoomDeliveryDependencies } from '../shared/room-delivery.js';
import type { Room, RoomStore } from '../shared/room-store.js';
import type { UserDirectory } from '../users/directory.js';

export interface RoomEventDependencies extends Omit<RoomDeliveryDependencies, 'store'> {
  store: RoomStore;
  directory: Pick<UserDirectory, 'get' | 'getMany'>;
  presence: Pick<PresenceStore, 'getMany'>;
  clock: Clock;
  newEventId: IdGenerator;
}

export const actorOf = (caller: Caller): UserRef => ({ userId: caller.userId, displayName: caller.displayName });

/** The fields every event carries. */
export function eventBase(room: Pick<Room, 'roomId' | 'name'>, by: UserRef, deps: Pick<RoomEventDependencies, 'clock' | 'newEventId'>) {
  return { eventId: deps.newEventId(), roomId: room.roomId, roomName: room.name, at: deps.clock.now().toISOString(), by };
}

/** A user's display name from the directory; their user id when they have no profile (yet). */
export async function userRefOf(userId: string, deps: Pick<RoomEventDependencies, 'directory'>): Promise<UserRef> {
  return { userId, displayName: (await deps.directory.get(userId))?.displayName ?? userId };
}

/** Which of `userIds` (at most 100) hold an MQTT connection now. */
export async function onlineAmong(userIds: readonly string[], deps: Pick<RoomEventDependencies, 'presence' | 'clock'>): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const connections = await deps.presence.getMany(userIds);
  const nowMs = deps.clock.now().getTime();
  return new Set(
    userIds.filter((userId) => {
      const known = connections.get(userId);
      return known !== undefined && isOnline(known, nowMs);
    }),
  );
}

/**
 * Publishes `event` to the inbox of the room of every current member, and of `alsoTo` (people no longer members who
 * must hear of it: the one removed). Returns what was delivered.
 */
export async function publishRoomEvent(event: RoomEvent, deps: RoomEventDependencies, alsoTo: readonly string[] = []): Promise<Delivery> {
  const first = await deps.store.listMembers(event.roomId, { limit: FANOUT_BATCH_SIZE });
  const members = await deliverToRoom(event, event.roomId, { recipients: first.items.map((m) => m.userId), nextCursor: first.nextCursor }, deps);
  if (alsoTo.length === 0) return members;
  const others = await deliverToRecipients(event, alsoTo, deps);
  return { members: members.members + others.members, direct: members.direct + others.direct, queued: members.queued + others.queued };
}
