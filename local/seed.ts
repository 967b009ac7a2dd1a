/** The demo's memberships, seeded into the local store once (a restart keeps whatever the store has meanwhile). */
import type { RoomStore } from '../functions/shared/room-store.js';
import type { UserDirectory } from '../functions/users/directory.js';
import { DEMO_ROOMS, DEMO_USERS } from './api/token-issuer.js';

export async function seedDemoRooms(store: RoomStore, now: Date = new Date()): Promise<string[]> {
  const seeded: string[] = [];
  for (const [roomId, name] of Object.entries(DEMO_ROOMS)) {
    if (await store.getRoom(roomId)) continue;
    const owner = Object.entries(DEMO_USERS).find(([, u]) => u.rooms.some((r) => r.roomId === roomId && r.role === 'owner'))?.[0];
    if (owner === undefined) continue;
    await store.createRoom({ roomId, name, createdBy: owner, createdAt: now.toISOString() });
    for (const [userId, user] of Object.entries(DEMO_USERS)) {
      const membership = user.rooms.find((r) => r.roomId === roomId);
      if (membership && userId !== owner) {
        await store.addMember(roomId, userId, owner);
        if (membership.role === 'owner') await store.setRole(roomId, userId, 'owner', owner);
      }
    }
    seeded.push(roomId);
  }
  return seeded;
}

/**
 * The demo users' directory profiles (as their first sign-in would write them, from the local issuer's `name` claim),
 * so they can be invited by name before they ever sign in. Idempotent.
 */
export async function seedDemoProfiles(directory: UserDirectory): Promise<string[]> {
  const seeded: string[] = [];
  for (const [userId, user] of Object.entries(DEMO_USERS)) {
    if (await directory.get(userId)) continue;
    await directory.register({ userId, displayName: user.name, kind: 'app' });
    seeded.push(userId);
  }
  return seeded;
}
