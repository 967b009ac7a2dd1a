/** The membership rules every room route applies: who may read, post, manage members. */
import type { RoomRole } from '../../core/contracts/rooms.js';
import { ForbiddenError, NotFoundError } from '../shared/errors.js';
import type { Membership, Room, RoomStore } from '../shared/room-store.js';

/**
 * The caller's membership, or 403. Non-members get the same answer whether or not the room exists, so room ids
 * cannot be probed through the routes that only members may use.
 */
export async function requireMember(store: RoomStore, roomId: string, userId: string): Promise<Membership> {
  const membership = await store.getMembership(roomId, userId);
  if (membership === undefined) throw new ForbiddenError(`you are not a member of room ${roomId}`);
  return membership;
}

/** The room, or 404. */
export async function requireRoom(store: RoomStore, roomId: string): Promise<Room> {
  const room = await store.getRoom(roomId);
  if (room === undefined) throw new NotFoundError(`room ${roomId} does not exist`);
  return room;
}

/** Owners manage members; a member may only remove themselves (leave). */
export function mayChangeMember(callerRole: RoomRole | undefined, callerId: string, targetUserId: string, change: 'put' | 'remove'): boolean {
  if (callerRole === 'owner') return true;
  return change === 'remove' && callerRole === 'member' && callerId === targetUserId;
}
