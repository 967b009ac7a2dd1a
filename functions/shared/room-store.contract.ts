/**
 * The behaviour every RoomStore must have, as one suite run against each implementation: the DynamoDB store on
 * dynalite (dynamo-room-store.integration.test.ts) and the in-memory store the unit tests use
 * (memory-room-store.test.ts). A rule the fake got wrong would fail here, not hide in six unit-test files.
 */
import type { StoredMessage } from '../../core/contracts/rooms.js';
import { newSortableId } from '../../core/ids.js';
import {
  IdempotencyKeyReusedError,
  InvalidCursorError,
  LastOwnerError,
  NotAMemberError,
  NotRoomOwnerError,
  RoomExistsError,
  RoomNotFoundError,
} from './errors.js';
import { idempotencyClaim } from './idempotency.js';
import type { Membership, Page, RoomStore } from './room-store.js';

export interface RoomStoreUnderTest {
  store: RoomStore;
}

/** Every item of a listing, page by page; also returns the page sizes. */
export async function pageAll<T>(list: (cursor: string | undefined) => Promise<Page<T>>): Promise<{ items: T[]; sizes: number[] }> {
  const items: T[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    items.push(...page.items);
    sizes.push(page.items.length);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return { items, sizes };
}

export function roomStoreContract(name: string, setup: () => RoomStoreUnderTest): void {
  describe(`RoomStore contract: ${name}`, () => {
    let store: RoomStore;
    beforeAll(() => {
      store = setup().store;
    });

    let seq = 0;
    const unique = (prefix: string) => `${prefix}-${name.replace(/\W/g, '')}-${++seq}`;
    /** A fresh room per test, so tests do not see each other's data. */
    const newRoom = async (owner = 'alice', roomName = 'Room') => {
      const roomId = unique('room');
      await store.createRoom({ roomId, name: roomName, createdBy: owner, createdAt: '2030-01-01T00:00:00.000Z' });
      return roomId;
    };
    const counts = async (roomId: string) => {
      const room = await store.getRoom(roomId);
      return room && { members: room.memberCount, owners: room.ownerCount };
    };
    const roles = async (roomId: string) =>
      Object.fromEntries(
        (await pageAll((cursor) => store.listMembers(roomId, { limit: 2, ...(cursor ? { cursor } : {}) }))).items.map((m) => [m.userId, m.role]),
      );

    describe('rooms', () => {
      it('creates a room with its creator as the only owner and member', async () => {
        const roomId = await newRoom('alice', 'General');
        expect(await store.getRoom(roomId)).toEqual({
          roomId,
          name: 'General',
          createdBy: 'alice',
          createdAt: '2030-01-01T00:00:00.000Z',
          memberCount: 1,
          ownerCount: 1,
        });
        expect(await store.getMembership(roomId, 'alice')).toEqual({ roomId, userId: 'alice', role: 'owner', joinedAt: '2030-01-01T00:00:00.000Z' });
        expect(await store.getRoom('no-such-room')).toBeUndefined();
        expect(await store.getMembership(roomId, 'bob')).toBeUndefined();
      });

      it('refuses a taken room id with RoomExistsError and leaves the room as it was', async () => {
        const roomId = await newRoom('alice', 'First');
        await expect(store.createRoom({ roomId, name: 'Second', createdBy: 'mallory', createdAt: '2030-02-01T00:00:00.000Z' })).rejects.toBeInstanceOf(
          RoomExistsError,
        );
        expect(await store.getRoom(roomId)).toMatchObject({ name: 'First', createdBy: 'alice', memberCount: 1, ownerCount: 1 });
        expect(await store.getMembership(roomId, 'mallory')).toBeUndefined();
      });

      it('reads several rooms at once, leaving out those that do not exist', async () => {
        const a = await newRoom('alice', 'A');
        const b = await newRoom('bob', 'B');
        const found = await store.getRooms([a, 'missing-room', b]);
        expect([...found.keys()].sort()).toEqual([a, b].sort());
        expect(found.get(b)?.name).toBe('B');
        expect((await store.getRooms([])).size).toBe(0);
      });

      it('opens a room: the room and the first page of its members in one read; nothing for an unknown room', async () => {
        const roomId = await newRoom('carol', 'Open');
        for (const user of ['dave', 'bob', 'erin']) await store.addMember(roomId, user, 'carol');
        const opened = await store.openRoom(roomId, 2);
        expect(opened.room).toMatchObject({ roomId, name: 'Open', memberCount: 4 });
        expect(opened.members.items.map((m) => m.userId)).toEqual(['bob', 'carol']);
        const rest = await store.listMembers(roomId, { limit: 10, cursor: opened.members.nextCursor! });
        expect(rest.items.map((m) => m.userId)).toEqual(['dave', 'erin']);
        expect(rest.nextCursor).toBeUndefined();
        const whole = await store.openRoom(roomId, 10);
        expect(whole.members.items).toHaveLength(4);
        expect(whole.members.nextCursor).toBeUndefined();
        expect(await store.openRoom('no-such-room', 10)).toEqual({ room: undefined, members: { items: [] } });
      });

      it('renames a room for its owners only', async () => {
        const roomId = await newRoom('alice', 'Old');
        await store.addMember(roomId, 'bob', 'alice');
        await expect(store.renameRoom(roomId, 'Hijacked', 'bob')).rejects.toBeInstanceOf(NotRoomOwnerError);
        await expect(store.renameRoom(roomId, 'Hijacked', 'mallory')).rejects.toBeInstanceOf(RoomNotFoundError);
        await expect(store.renameRoom('no-such-room', 'X', 'alice')).rejects.toBeInstanceOf(RoomNotFoundError);
        await expect(store.renameRoom(roomId, 'New', 'alice')).resolves.toMatchObject({ previousName: 'Old', room: { name: 'New' } });
        expect((await store.getRoom(roomId))?.name).toBe('New');
      });

      it('deletes a room for its owners only; then it does not exist for any read, and its memberships can be swept', async () => {
        const roomId = await newRoom('alice', 'Doomed');
        await store.addMember(roomId, 'bob', 'alice');
        await expect(store.deleteRoom(roomId, 'bob')).rejects.toBeInstanceOf(NotRoomOwnerError);
        await expect(store.deleteRoom(roomId, 'mallory')).rejects.toBeInstanceOf(RoomNotFoundError);
        await expect(store.deleteMemberships(roomId, ['bob'])).rejects.toBeInstanceOf(RoomExistsError);
        await expect(store.deleteRoom(roomId, 'alice')).resolves.toMatchObject({ roomId, name: 'Doomed', memberCount: 2 });
        expect(await store.getRoom(roomId)).toBeUndefined();
        expect(await store.getMembership(roomId, 'bob')).toBeUndefined();
        expect((await store.openRoom(roomId, 10)).room).toBeUndefined();
        await expect(store.addMember(roomId, 'carol', 'alice')).rejects.toBeInstanceOf(RoomNotFoundError);
        await expect(store.deleteRoom(roomId, 'alice')).rejects.toBeInstanceOf(RoomNotFoundError);
        await store.deleteMemberships(roomId, ['alice', 'bob']);
        expect((await store.listMembers(roomId, { limit: 10 })).items).toEqual([]);
        expect((await store.listRoomsOfUser('bob', { limit: 100 })).items.map((m) => m.roomId)).not.toContain(roomId);
      });
    });

    describe('addMember', () => {
      it('adds members (never owners), keeping the counts right, and changes nothing for a member already there', async () => {
        const roomId = await newRoom('alice');
        const added = await store.addMember(roomId, 'bob', 'alice');
        expect(added).toMatchObject({ added: true, membership: { roomId, userId: 'bob', role: 'member' }, room: { memberCount: 2, ownerCount: 1 } });
        expect(Date.parse(added.membership.joinedAt)).not.toBeNaN();
        expect(await store.addMember(roomId, 'bob', 'alice')).toMatchObject({ added: false, membership: { userId: 'bob', role: 'member' } });
        expect(await store.addMember(roomId, 'alice', 'alice')).toMatchObject({ added: false, membership: { role: 'owner' } });
        expect(await counts(roomId)).toEqual({ members: 2, owners: 1 });
      });

      it('gives the same answer for a room that does not exist and for a room the actor is not in; members may not add', async () => {
        const roomId = await newRoom('alice');
        await store.addMember(roomId, 'bob', 'alice');
        await expect(store.addMember('no-such-room', 'carol', 'alice')).rejects.toBeInstanceOf(RoomNotFoundError);
        const refusal = (roomToJoin: string) =>
          store.addMember(roomToJoin, 'carol', 'mallory').then(
            () => new Error('added'),
            (e: Error) => e,
          );
        const missing = await refusal('no-such-room');
        const foreign = await refusal(roomId);
        expect(foreign).toBeInstanceOf(RoomNotFoundError);
        expect([missing.constructor, missing.message.replace('no-such-room', roomId)]).toEqual([foreign.constructor, foreign.message]);
        await expect(store.addMember(roomId, 'carol', 'bob')).rejects.toBeInstanceOf(NotRoomOwnerError);
        expect(await store.getMembership(roomId, 'carol')).toBeUndefined();
        expect(await counts(roomId)).toEqual({ members: 2, owners: 1 });
      });

      it('keeps memberCount equal to the memberships under concurrent adds', async () => {
        const roomId = await newRoom('alice');
        const users = Array.from({ length: 8 }, (_, i) => `user${i}`);
        await Promise.all([...users, ...users.slice(0, 3)].map((user) => store.addMember(roomId, user, 'alice')));
        expect(await counts(roomId)).toEqual({ members: 9, owners: 1 });
        expect(Object.keys(await roles(roomId))).toHaveLength(9);
      });
    });

    describe('setRole', () => {
      it('promotes and demotes members, keeping the owner count right; nothing changes for the same role', async () => {
        const roomId = await newRoom('alice');
        await store.addMember(roomId, 'bob', 'alice');
        await expect(store.setRole(roomId, 'bob', 'owner', 'alice')).resolves.toMatchObject({ previousRole: 'member', membership: { role: 'owner' } });
        expect(await counts(roomId)).toEqual({ members: 2, owners: 2 });
        await expect(store.setRole(roomId, 'bob', 'owner', 'alice')).resolves.toMatchObject({ previousRole: undefined });
        // An owner may step down while another owner remains.
        await expect(store.setRole(roomId, 'alice', 'member', 'alice')).resolves.toMatchObject({ previousRole: 'owner' });
        expect(await roles(roomId)).toEqual({ alice: 'member', bob: 'owner' });
        expect(await counts(roomId)).toEqual({ members: 2, owners: 1 });
      });

      it('refuses to demote the last owner, to change the role of a non-member, and to let a member change roles', async () => {
        const roomId = await newRoom('alice');
        await store.addMember(roomId, 'bob', 'alice');
        await expect(store.setRole(roomId, 'alice', 'member', 'alice')).rejects.toBeInstanceOf(LastOwnerError);
        await expect(store.setRole(roomId, 'carol', 'owner', 'alice')).rejects.toBeInstanceOf(NotAMemberError);
        await expect(store.setRole(roomId, 'bob', 'owner', 'bob')).rejects.toBeInstanceOf(NotRoomOwnerError);
        await expect(store.setRole(roomId, 'bob', 'owner', 'mallory')).rejects.toBeInstanceOf(RoomNotFoundError);
        expect(await store.getMembership(roomId, 'carol')).toBeUndefined();
        expect(await roles(roomId)).toEqual({ alice: 'owner', bob: 'member' });
        expect(await counts(roomId)).toEqual({ members: 2, owners: 1 });
      });
    });

    describe('removeMember', () => {
      it('lets a member leave and an owner remove a member; a member may not remove anyone else', async () => {
        const roomId = await newRoom('alice');
        for (const user of ['bob', 'carol', 'dave']) await store.addMember(roomId, user, 'alice');
        await expect(store.removeMember(roomId, 'carol', 'bob')).rejects.toBeInstanceOf(NotRoomOwnerError);
        await expect(store.removeMember(roomId, 'carol', 'mallory')).rejects.toBeInstanceOf(RoomNotFoundError);
        await expect(store.removeMember(roomId, 'bob', 'bob')).resolves.toMatchObject({ removed: true, roomDeleted: false, membership: { userId: 'bob' } });
        await expect(store.removeMember(roomId, 'carol', 'alice')).resolves.toMatchObject({ removed: true, roomDeleted: false, room: { memberCount: 2 } });
        await expect(store.removeMember(roomId, 'carol', 'alice')).resolves.toMatchObject({ removed: false });
        expect(await roles(roomId)).toEqual({ alice: 'owner', dave: 'member' });
        expect(await counts(roomId)).toEqual({ members: 2, owners: 1 });
      });

      it('lets an owner remove another owner, and an owner leave while another owner remains', async () => {
        const roomId = await newRoom('alice');
        for (const user of ['bob', 'carol']) await store.addMember(roomId, user, 'alice');
        await store.setRole(roomId, 'bob', 'owner', 'alice');
        await store.setRole(roomId, 'carol', 'owner', 'alice');
        await expect(store.removeMember(roomId, 'carol', 'bob')).resolves.toMatchObject({ removed: true, membership: { role: 'owner' } });
        const left = await store.removeMember(roomId, 'alice', 'alice');
        expect(left).toMatchObject({ removed: true, roomDeleted: false });
        expect(left.removed && left.successor).toBeUndefined();
        expect(await roles(roomId)).toEqual({ bob: 'owner' });
        expect(await counts(roomId)).toEqual({ members: 1, owners: 1 });
      });

      it('passes ownership to the longest-standing member when the last owner leaves', async () => {
        const roomId = await newRoom('alice');
        // Joined in this order: zed first, then bob, then carol (user id order differs on purpose).
        for (const user of ['zed', 'bob', 'carol']) {
          await store.addMember(roomId, user, 'alice');
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        const left = await store.removeMember(roomId, 'alice', 'alice');
        expect(left).toMatchObject({ removed: true, roomDeleted: false, successor: { userId: 'zed', role: 'owner' }, room: { memberCount: 3 } });
        expect(await roles(roomId)).toEqual({ bob: 'member', carol: 'member', zed: 'owner' });
        expect(await counts(roomId)).toEqual({ members: 3, owners: 1 });
        // And again: zed leaves, bob (the next oldest) inherits.
        await expect(store.removeMember(roomId, 'zed', 'zed')).resolves.toMatchObject({ successor: { userId: 'bob' } });
        expect(await roles(roomId)).toEqual({ bob: 'owner', carol: 'member' });
      });

      it('deletes the room with its last member', async () => {
        const roomId = await newRoom('alice');
        await store.addMember(roomId, 'bob', 'alice');
        await store.removeMember(roomId, 'alice', 'alice');
        await expect(store.removeMember(roomId, 'bob', 'bob')).resolves.toMatchObject({ removed: true, roomDeleted: true, membership: { userId: 'bob' } });
        expect(await store.getRoom(roomId)).toBeUndefined();
        expect((await store.listMembers(roomId, { limit: 10 })).items).toEqual([]);
        expect((await store.listRoomsOfUser('bob', { limit: 100 })).items.map((m) => m.roomId)).not.toContain(roomId);
        await expect(store.removeMember(roomId, 'bob', 'bob')).rejects.toBeInstanceOf(RoomNotFoundError);
      });
    });

    describe('listings', () => {
      it("pages a user's rooms in room id order, and refuses a cursor of another user or a forged one", async () => {
        const user = unique('pager');
        const created: string[] = [];
        for (let i = 0; i < 5; i += 1) created.push(await newRoom(user, `R${i}`));
        const { items, sizes } = await pageAll((cursor) => store.listRoomsOfUser(user, { limit: 2, ...(cursor ? { cursor } : {}) }));
        expect(items.map((m) => m.roomId)).toEqual([...created].sort());
        expect(items.every((m: Membership) => m.role === 'owner' && m.userId === user)).toBe(true);
        expect(sizes).toEqual([2, 2, 1]);
        const first = await store.listRoomsOfUser(user, { limit: 2 });
        await expect(store.listRoomsOfUser('someone-else', { limit: 2, cursor: first.nextCursor! })).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(store.listRoomsOfUser(user, { limit: 2, cursor: 'Zm9yZ2Vk' })).rejects.toBeInstanceOf(InvalidCursorError);
      });

      it('pages members in user id order, and refuses a cursor of another room', async () => {
        const roomId = await newRoom('alice');
        const other = await newRoom('alice');
        for (const user of ['erin', 'bob', 'dave', 'carol']) await store.addMember(roomId, user, 'alice');
        const { items, sizes } = await pageAll((cursor) => store.listMembers(roomId, { limit: 2, ...(cursor ? { cursor } : {}) }));
        expect(items.map((m) => m.userId)).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
        expect(sizes).toEqual([2, 2, 1]);
        const first = await store.listMembers(roomId, { limit: 2 });
        await expect(store.listMembers(other, { limit: 2, cursor: first.nextCursor! })).rejects.toBeInstanceOf(InvalidCursorError);
      });
    });

    describe('history', () => {
      const message = (roomId: string, n: number, fromName?: string): StoredMessage => ({
        messageId: newSortableId(Date.UTC(2030, 0, 1) + n * 1000),
        roomId,
        from: 'alice',
        ...(fromName ? { fromName } : {}),
        text: `m${n}`,
        sentAt: new Date(Date.UTC(2030, 0, 1) + n * 1000).toISOString(),
      });

      it('keeps messages with their sender name and pages them newest first, each page oldest first', async () => {
        const roomId = await newRoom();
        for (let n = 1; n <= 5; n += 1) await store.putMessage(message(roomId, n, n === 1 ? undefined : 'Alice'), 2_000_000_000);
        const newest = await store.listMessages(roomId, { limit: 2 });
        expect(newest.items.map((m) => m.text)).toEqual(['m4', 'm5']);
        expect(newest.items[0]).toMatchObject({ from: 'alice', fromName: 'Alice' });
        const older = await store.listMessages(roomId, { limit: 10, before: newest.nextCursor! });
        expect(older.items.map((m) => m.text)).toEqual(['m1', 'm2', 'm3']);
        expect(older.items[0]!.fromName).toBeUndefined();
        expect(older.nextCursor).toBeUndefined();
      });
    });

    describe('read positions and unread counts', () => {
      const T0 = Date.UTC(2030, 0, 1);
      // One id per second, the same every time it is asked for (ids end in random characters).
      const ids = new Map<number, string>();
      const idAt = (n: number) => ids.get(n) ?? (ids.set(n, newSortableId(T0 + n * 1000)).get(n) as string);
      const at = (n: number) => new Date(T0 + n * 1000).toISOString();
      const say = (roomId: string, n: number, from: string) =>
        store.putMessage({ messageId: idAt(n), roomId, from, text: `m${n}`, sentAt: at(n) }, 2_000_000_000);

      it("keeps a member's read position on their membership, moving only forward, and lists it with their rooms", async () => {
        const roomId = await newRoom('alice');
        await store.addMember(roomId, 'bob', 'alice');
        expect((await store.getMembership(roomId, 'bob'))!.lastRead).toBeUndefined();
        await expect(store.markRead(roomId, 'bob', { messageId: idAt(5), at: at(6) })).resolves.toEqual({ messageId: idAt(5), at: at(6) });
        // A late position from another device changes nothing: the later one is kept, and returned.
        await expect(store.markRead(roomId, 'bob', { messageId: idAt(3), at: at(7) })).resolves.toEqual({ messageId: idAt(5), at: at(6) });
        await expect(store.markRead(roomId, 'bob', { messageId: idAt(5), at: at(8) })).resolves.toEqual({ messageId: idAt(5), at: at(6) });
        await expect(store.markRead(roomId, 'bob', { messageId: idAt(9), at: at(9) })).resolves.toEqual({ messageId: idAt(9), at: at(9) });
        expect((await store.getMembership(roomId, 'bob'))!.lastRead).toEqual({ messageId: idAt(9), at: at(9) });
        // Each member has their own; a role change keeps it.
        expect((await store.getMembership(roomId, 'alice'))!.lastRead).toBeUndefined();
        await store.setRole(roomId, 'bob', 'owner', 'alice');
        expect((await store.getMembership(roomId, 'bob'))!.lastRead).toEqual({ messageId: idAt(9), at: at(9) });
        const listed = await pageAll((cursor) => store.listRoomsOfUser('bob', { limit: 100, ...(cursor ? { cursor } : {}) }));
        expect(listed.items.find((m) => m.roomId === roomId)?.lastRead).toEqual({ messageId: idAt(9), at: at(9) });
      });

      it('refuses a read position to non-members and for rooms that do not exist alike, and forgets it with the membership', async () => {
        const roomId = await newRoom('alice');
        await store.addMember(roomId, 'bob', 'alice');
        await store.markRead(roomId, 'bob', { messageId: idAt(1), at: at(1) });
        await expect(store.markRead(roomId, 'mallory', { messageId: idAt(1), at: at(1) })).rejects.toBeInstanceOf(RoomNotFoundError);
        await expect(store.markRead(unique('missing'), 'alice', { messageId: idAt(1), at: at(1) })).rejects.toBeInstanceOf(RoomNotFoundError);
        expect(await store.getMembership(roomId, 'mallory')).toBeUndefined();
        await store.removeMember(roomId, 'bob', 'alice');
        await store.addMember(roomId, 'bob', 'alice');
        expect((await store.getMembership(roomId, 'bob'))!.lastRead).toBeUndefined();
        await expect(store.markRead(roomId, 'bob', { messageId: idAt(0), at: at(2) })).resolves.toEqual({ messageId: idAt(0), at: at(2) });
        // A deleted room keeps no readable membership: its members' positions are refused like anyone's.
        await store.deleteRoom(roomId, 'alice');
        await expect(store.markRead(roomId, 'bob', { messageId: idAt(3), at: at(3) })).rejects.toBeInstanceOf(RoomNotFoundError);
      });

      it('counts the messages after a position that others sent, among at most `cap`, and says when it stopped there', async () => {
        const roomId = await newRoom('alice');
        for (let n = 1; n <= 6; n += 1) await say(roomId, n, n === 4 ? 'bob' : 'alice');
        // bob's view: after m2, alice wrote m3, m5 and m6 (m4 is his own).
        await expect(store.countUnread(roomId, 'bob', idAt(2), 100)).resolves.toEqual({ count: 3, more: false });
        await expect(store.countUnread(roomId, 'bob', idAt(6), 100)).resolves.toEqual({ count: 0, more: false });
        // A lower bound built from a time (the time a member joined) counts what came after it.
        await expect(
          store.countUnread(
            roomId,
            'bob',
            newSortableId(T0, (n) => new Uint8Array(n)),
            100,
          ),
        ).resolves.toEqual({ count: 5, more: false });
        // At most `cap` messages are read: m3, m4 (bob's own) and m5.
        await expect(store.countUnread(roomId, 'bob', idAt(2), 3)).resolves.toEqual({ count: 2, more: true });
        await expect(store.countUnread(unique('empty'), 'bob', idAt(0), 100)).resolves.toEqual({ count: 0, more: false });
      });
    });

    describe('idempotency', () => {
      const NOW = Date.UTC(2030, 0, 1);
      const claim = (userId: string, key: string, fingerprint: string, body: unknown, nowMs = NOW) =>
        idempotencyClaim({ scope: 'messages', userId, key, fingerprint }, { statusCode: 202, body }, nowMs);
      const posted = (roomId: string, n: number): StoredMessage => ({
        messageId: newSortableId(NOW + n),
        roomId,
        from: 'alice',
        fromName: 'Alice',
        text: 'once',
        sentAt: new Date(NOW).toISOString(),
      });

      it('stores one message for a key: a retry gets the first response, a different request with the key 422', async () => {
        const roomId = await newRoom();
        const key = unique('key');
        const first = posted(roomId, 1);
        await expect(store.putMessage(first, 2_000_000_000, claim('alice', key, 'fp', { messageId: first.messageId }))).resolves.toEqual({
          outcome: 'written',
        });
        await expect(store.putMessage(posted(roomId, 2), 2_000_000_000, claim('alice', key, 'fp', { messageId: 'other' }))).resolves.toEqual({
          outcome: 'replayed',
          response: { statusCode: 202, body: { messageId: first.messageId } },
        });
        await expect(store.putMessage(posted(roomId, 3), 2_000_000_000, claim('alice', key, 'different', {}))).rejects.toBeInstanceOf(
          IdempotencyKeyReusedError,
        );
        expect((await store.listMessages(roomId, { limit: 10 })).items.map((m) => m.messageId)).toEqual([first.messageId]);
      });

      it("keeps one user's key apart from another user's, and honours a record for 24 hours only", async () => {
        const roomId = await newRoom();
        const key = unique('key');
        await store.putMessage(posted(roomId, 1), 2_000_000_000, claim('alice', key, 'fp', { n: 1 }));
        await expect(store.putMessage(posted(roomId, 2), 2_000_000_000, claim('bob', key, 'fp', { n: 2 }))).resolves.toEqual({ outcome: 'written' });
        const dayLater = NOW + 24 * 3600 * 1000;
        await expect(store.putMessage(posted(roomId, 3), 2_000_000_000, claim('alice', key, 'fp', { n: 3 }, dayLater))).resolves.toMatchObject({
          outcome: 'replayed',
        });
        await expect(store.putMessage(posted(roomId, 4), 2_000_000_000, claim('alice', key, 'fp', { n: 4 }, dayLater + 1000))).resolves.toEqual({
          outcome: 'written',
        });
        expect((await store.listMessages(roomId, { limit: 10 })).items).toHaveLength(3);
      });

      it('makes concurrent duplicates yield one message and the same response', async () => {
        const roomId = await newRoom();
        const key = unique('key');
        const attempts = Array.from({ length: 6 }, (_, n) => posted(roomId, n));
        const outcomes = await Promise.all(attempts.map((m) => store.putMessage(m, 2_000_000_000, claim('alice', key, 'fp', { messageId: m.messageId }))));
        const written = outcomes.filter((o) => o.outcome === 'written');
        expect(written).toHaveLength(1);
        const stored = (await store.listMessages(roomId, { limit: 10 })).items;
        expect(stored).toHaveLength(1);
        for (const o of outcomes) if (o.outcome === 'replayed') expect(o.response.body).toEqual({ messageId: stored[0]!.messageId });
      });

      it('creates one room for a key, replaying the first response to a retry', async () => {
        const key = unique('key');
        const roomClaim = (roomId: string, fingerprint = 'fp') =>
          idempotencyClaim({ scope: 'rooms', userId: 'alice', key, fingerprint }, { statusCode: 201, body: { roomId, name: 'Once' } }, NOW);
        const [a, b] = [unique('room'), unique('room')];
        const room = (roomId: string) => ({ roomId, name: 'Once', createdBy: 'alice', createdAt: '2030-01-01T00:00:00.000Z' });
        const outcomes = await Promise.all([store.createRoom(room(a), roomClaim(a)), store.createRoom(room(b), roomClaim(b))]);
        expect(outcomes.map((o) => o.outcome).sort()).toEqual(['replayed', 'written']);
        const winner = outcomes[0]!.outcome === 'written' ? a : b;
        const loser = winner === a ? b : a;
        expect(outcomes.find((o) => o.outcome === 'replayed')).toEqual({
          outcome: 'replayed',
          response: { statusCode: 201, body: { roomId: winner, name: 'Once' } },
        });
        expect(await store.getRoom(winner)).toBeDefined();
        expect(await store.getRoom(loser)).toBeUndefined();
        expect(await store.getMembership(loser, 'alice')).toBeUndefined();
        await expect(store.createRoom(room(unique('room')), roomClaim('x', 'other request'))).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
      });
    });
  });
}
