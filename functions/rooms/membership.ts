/** The membership rule every members-only room route applies (history, presence, members list). */
import { RoomNotFoundError } from '../shared/errors.js';
import type { Membership, RoomStore } from '../shared/room-store.js';

/**
 * The caller's membership, or RoomNotFoundError: non-members get the same status and sentence whether or not the room
 * exists, so room ids cannot be probed through any room route.
 */
export async function requireMember(store: Pick<RoomStore, 'getMembership'>, roomId: string, userId: string): Promise<Membership> {
  const membership = await store.getMembership(roomId, userId);
  if (membership === undefined) throw new RoomNotFoundError(roomId);
  return membership;
}
