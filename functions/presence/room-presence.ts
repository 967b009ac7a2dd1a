/**
 * GET /rooms/{roomId}/presence: which members of a room are online. Members only (404 otherwise, the same whether or not the
 * room exists); one page of the member list per request, so the work per request is bounded whatever the room's size.
 */
import { PRESENCE_PAGE_SIZE, type RoomPresence } from '../../core/contracts/rooms.js';
import { requireMember } from '../rooms/membership.js';
import type { Caller } from '../shared/caller.js';
import type { Clock } from '../shared/ports.js';
import type { RoomStore } from '../shared/room-store.js';
import { isOnline } from './connections.js';
import type { PresenceStore } from './presence-store.js';

export interface RoomPresenceDependencies {
  store: RoomStore;
  presence: Pick<PresenceStore, 'getMany'>;
  clock: Clock;
}

export async function roomPresence(caller: Caller, roomId: string, cursor: string | undefined, deps: RoomPresenceDependencies): Promise<RoomPresence> {
  await requireMember(deps.store, roomId, caller.userId);
  const page = await deps.store.listMembers(roomId, { limit: PRESENCE_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
  const members = page.items.map((m) => m.userId);
  const connections = members.length > 0 ? await deps.presence.getMany(members) : new Map();
  const nowMs = deps.clock.now().getTime();
  const online = members.filter((userId) => {
    const known = connections.get(userId);
    return known !== undefined && isOnline(known, nowMs);
  });
  return { online, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}
