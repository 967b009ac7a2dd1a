/**
 * Rooms: create a room (the creator becomes its owner and first member), list the caller's rooms, rename a room and
 * delete it (owners). Members and invitations are in members.ts. Every change is told to the people it concerns
 * (events.ts); non-members get RoomNotFoundError on every route, whether or not the room exists.
 */

import { FANOUT_BATCH_SIZE } from '../../core/contracts/fanout.js';
import { CreateRoomRequestSchema, RenameRoomRequestSchema, type RoomCreated, type RoomList, type RoomSummary } from '../../core/contracts/rooms.js';
import type { Caller } from '../shared/caller.js';
import { fingerprintOf, type GuardedWrite, idempotencyClaim } from '../shared/idempotency.js';
import type { IdGenerator } from '../shared/ports.js';
import { validateBody } from '../shared/request.js';
import { deliverToRecipients } from '../shared/room-delivery.js';
import type { PageRequest } from '../shared/room-store.js';
import { actorOf, eventBase, onlineAmong, publishRoomEvent, type RoomEventDependencies } from './events.js';
import { unreadCounts } from './read-positions.js';

export interface RoomsDependencies extends RoomEventDependencies {
  newRoomId: IdGenerator;
}

/** Deleting a room's memberships stops after this many pages in one request (100 members each); see deleteRoom. */
const MAX_DELETION_PAGES = 100;

/**
 * POST /rooms -> 201 {roomId, name}. With an Idempotency-Key, a retry returns the room the first request created (the
 * record is written in the same transaction as the room). The creator's other tabs hear of the room at once.
 */
export async function createRoom(
  caller: Caller,
  body: unknown,
  idempotencyKey: string | undefined,
  deps: RoomsDependencies,
): Promise<{ created: RoomCreated; write: GuardedWrite }> {
  const { name } = validateBody(CreateRoomRequestSchema, body);
  const roomId = deps.newRoomId();
  const now = deps.clock.now();
  const created: RoomCreated = { roomId, name };
  const claim =
    idempotencyKey === undefined
      ? undefined
      : idempotencyClaim(
          { scope: 'rooms', userId: caller.userId, key: idempotencyKey, fingerprint: fingerprintOf({ name }) },
          { statusCode: 201, body: created },
          now.getTime(),
        );
  const [write, online] = await Promise.all([
    deps.store.createRoom({ roomId, name, createdBy: caller.userId, createdAt: now.toISOString() }, claim),
    onlineAmong([caller.userId], deps),
  ]);
  if (write.outcome === 'written') {
    await deliverToRecipients(
      {
        type: 'member_added',
        ...eventBase({ roomId, name }, actorOf(caller), deps),
        member: { userId: caller.userId, displayName: caller.displayName, role: 'owner', online: online.has(caller.userId) },
      },
      [caller.userId],
      deps,
    );
  }
  return { created, write };
}

/**
 * GET /rooms -> 200: a page of the caller's rooms, each with its current name, the caller's role, their read position
 * and how many messages others sent after it (read-positions.ts): the names and the counts are read at once.
 */
export async function listRoomsOfCaller(caller: Caller, page: PageRequest, deps: Pick<RoomsDependencies, 'store'>): Promise<RoomList> {
  const { items, nextCursor } = await deps.store.listRoomsOfUser(caller.userId, page);
  const [rooms, unread] = await Promise.all([deps.store.getRooms(items.map((m) => m.roomId)), unreadCounts(caller.userId, items, deps)]);
  // A membership whose room is gone (a deletion still sweeping its memberships) is not listed.
  const summaries: RoomSummary[] = items.flatMap((m) => {
    const room = rooms.get(m.roomId);
    if (!room) return [];
    const count = unread.get(m.roomId);
    return [
      {
        roomId: m.roomId,
        name: room.name,
        role: m.role,
        unread: count?.count ?? 0,
        ...(count?.more ? { unreadMore: true } : {}),
        ...(m.lastRead ? { lastRead: m.lastRead } : {}),
      },
    ];
  });
  return { rooms: summaries, ...(nextCursor ? { nextCursor } : {}) };
}

/** PATCH /rooms/{roomId} {name} (owners) -> 200 the caller's RoomSummary; every member hears of the new name. */
export async function renameRoom(caller: Caller, roomId: string, body: unknown, deps: RoomsDependencies): Promise<RoomSummary> {
  const { name } = validateBody(RenameRoomRequestSchema, body);
  const { previousName, room } = await deps.store.renameRoom(roomId, name, caller.userId);
  if (previousName !== name) await publishRoomEvent({ type: 'room_renamed', ...eventBase(room, actorOf(caller), deps), previousName }, deps);
  return { roomId, name, role: 'owner' };
}

/**
 * DELETE /rooms/{roomId} (owners) -> 204. The room is deleted in one transaction, after which it exists for no read;
 * then each page of its members is told (room_deleted) and its memberships deleted. History is not deleted: it is no
 * longer readable by anyone (every read needs a membership of an existing room) and expires with the history TTL.
 * Should the function stop midway, the remaining memberships are harmless leftovers (never listed, never authorizing).
 */
export async function deleteRoom(caller: Caller, roomId: string, deps: RoomsDependencies): Promise<{ members: number }> {
  const room = await deps.store.deleteRoom(roomId, caller.userId);
  const event = { type: 'room_deleted' as const, ...eventBase(room, actorOf(caller), deps) };
  let members = 0;
  for (let pages = 0; pages < MAX_DELETION_PAGES; pages += 1) {
    // Each page read starts from the beginning: the previous page's memberships are gone.
    const page = await deps.store.listMembers(roomId, { limit: FANOUT_BATCH_SIZE });
    const userIds = page.items.map((m) => m.userId);
    if (userIds.length === 0) break;
    await deliverToRecipients(event, userIds, deps);
    await deps.store.deleteMemberships(roomId, userIds);
    members += userIds.length;
  }
  return { members };
}
