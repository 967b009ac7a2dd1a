import type { RoomEvent } from '../../core/contracts/room-events.js';
import { TopicScheme } from '../../core/topics.js';
import { memoryRateLimiter } from '../../test/fixtures/rate-limiter.js';
import { MemoryRoomStore } from '../../test/support/memory-room-store.js';
import { MemoryUserDirectory } from '../../test/support/memory-user-directory.js';
import { recordingPublisher, recordingQueue, rejectionOf } from '../../test/support/recording.js';
import { MemoryPresenceStore } from '../presence/memory-presence-store.test-support.js';
import type { Caller } from '../shared/caller.js';
import {
  AmbiguousUserError,
  IdempotencyKeyReusedError,
  NotAMemberError,
  NotRoomOwnerError,
  RoomNotFoundError,
  TooManyRequestsError,
  UserNotFoundError,
  ValidationError,
} from '../shared/errors.js';
import { unlimited } from '../shared/ports.js';
import { createRoom, deleteRoom, listRoomsOfCaller, renameRoom } from './core.js';
import { invite, listMembers, type MembersDependencies, putMember, removeMember } from './members.js';

const T = Date.UTC(2030, 0, 1);
const caller = (userId: string, displayName: string, kind: Caller['kind'] = 'app'): Caller => ({ userId, kind, displayName });
const alice = caller('alice', 'Alice');
const bob = caller('bob', 'Bob');
const carol = caller('carol', 'Carol');
const dave = caller('dave', 'Dave');
const mallory = caller('mallory', 'Mallory');
const DANA_ID = 'us-east-1:11111111-1111-4111-8111-111111111111';
const dana: Caller = { userId: DANA_ID, kind: 'cognito', displayName: 'Dana D.', username: 'dana', email: 'dana@example.com' };

function world(options: { inviteLimit?: number } = {}) {
  let now = T;
  const clock = { now: () => new Date(now) };
  const store = new MemoryRoomStore({ clock });
  const directory = MemoryUserDirectory.with(
    ...[alice, bob, carol, dave, mallory].map((c) => ({ userId: c.userId, displayName: c.displayName, kind: c.kind })),
    { userId: DANA_ID, displayName: 'Dana D.', kind: 'cognito', username: 'dana', email: 'dana@example.com' },
  );
  const presence = new MemoryPresenceStore();
  const publisher = recordingPublisher();
  const fanoutQueue = recordingQueue();
  let rooms = 0;
  let events = 0;
  const deps: MembersDependencies & { newRoomId: () => string } = {
    store,
    directory,
    presence,
    publisher,
    fanoutQueue,
    topics: new TopicScheme({ app: 'app', stage: 'test' }),
    directFanoutMax: 50,
    publishConcurrency: 4,
    clock,
    newRoomId: () => `room${++rooms}`,
    newEventId: () => `e${++events}`,
    inviteLimiter: options.inviteLimit === undefined ? unlimited : memoryRateLimiter(options.inviteLimit, 1800),
  };
  /** Marks a user connected (one tab) in the presence store. */
  const online = (userId: string) =>
    presence.put(userId, { [`app.test.${userId}`]: { connected: true, versionNumber: 1, timestamp: now, expiresAt: now / 1000 + 3600 } }, undefined);
  /** The room events each user's inbox got, in order. */
  const eventsOf = (userId: string) => publisher.to(userId) as RoomEvent[];
  const tick = () => {
    now += 1000;
  };
  return { store, directory, publisher, fanoutQueue, deps, online, eventsOf, tick };
}

async function roomWith(w: ReturnType<typeof world>, owner: Caller, members: Caller[] = [], name = 'Launch') {
  const { created } = await createRoom(owner, { name }, undefined, w.deps);
  for (const m of members) {
    w.tick();
    await invite(owner, created.roomId, { userId: m.userId }, w.deps);
  }
  w.publisher.published.length = 0;
  return created.roomId;
}

describe('creating and listing rooms', () => {
  it("makes the creator the owner and first member, and tells the creator's other tabs at once", async () => {
    const w = world();
    await w.online('alice');
    const { created, write } = await createRoom(alice, { name: '  Launch  ' }, undefined, w.deps);
    expect([created, write]).toEqual([{ roomId: 'room1', name: 'Launch' }, { outcome: 'written' }]);
    expect(await w.store.getMembership('room1', 'alice')).toMatchObject({ role: 'owner' });
    expect(w.eventsOf('alice')).toEqual([
      {
        type: 'member_added',
        eventId: 'e1',
        roomId: 'room1',
        roomName: 'Launch',
        at: new Date(T).toISOString(),
        by: { userId: 'alice', displayName: 'Alice' },
        member: { userId: 'alice', displayName: 'Alice', role: 'owner', online: true },
      },
    ]);
    expect(await listRoomsOfCaller(alice, { limit: 10 }, w.deps)).toEqual({ rooms: [{ roomId: 'room1', name: 'Launch', role: 'owner', unread: 0 }] });
  });

  it.each([[{}], [{ name: '' }], [{ name: '   ' }], [{ name: 42 }], [{ name: 'x'.repeat(101) }], [{ name: 'bell\u0007' }], [null], [[]]])(
    'refuses a room body %j with 400 and creates nothing',
    async (body) => {
      const w = world();
      await expect(createRoom(alice, body, undefined, w.deps)).rejects.toThrow(ValidationError);
      expect(w.store.rooms.size).toBe(0);
    },
  );

  it('creates one room for an Idempotency-Key, answering retries with it; another name with the key is 422', async () => {
    const w = world();
    const first = await createRoom(alice, { name: 'Once' }, 'key-1', w.deps);
    const retry = await createRoom(alice, { name: 'Once' }, 'key-1', w.deps);
    expect(retry.write).toEqual({ outcome: 'replayed', response: { statusCode: 201, body: first.created } });
    expect(w.store.rooms.size).toBe(1);
    // The retry told nobody again.
    expect(w.eventsOf('alice')).toHaveLength(1);
    await expect(createRoom(alice, { name: 'Other' }, 'key-1', w.deps)).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    // Another user's identical key is theirs alone.
    await expect(createRoom(bob, { name: 'Once' }, 'key-1', w.deps)).resolves.toMatchObject({ write: { outcome: 'written' } });
  });

  it('lists rooms with their current names and leaves out rooms that are gone', async () => {
    const w = world();
    const a = await roomWith(w, alice, [bob], 'A');
    const b = await roomWith(w, alice, [bob], 'B');
    await renameRoom(alice, a, { name: 'A renamed' }, w.deps);
    await w.store.deleteRoom(b, 'alice');
    expect((await listRoomsOfCaller(bob, { limit: 10 }, w.deps)).rooms).toEqual([{ roomId: a, name: 'A renamed', role: 'member', unread: 0 }]);
  });

  it('pages the rooms of a user', async () => {
    const w = world();
    for (let i = 0; i < 5; i += 1) await createRoom(alice, { name: `r${i}` }, undefined, w.deps);
    const first = await listRoomsOfCaller(alice, { limit: 2 }, w.deps);
    const second = await listRoomsOfCaller(alice, { limit: 2, cursor: first.nextCursor! }, w.deps);
    const third = await listRoomsOfCaller(alice, { limit: 2, cursor: second.nextCursor! }, w.deps);
    expect([...first.rooms, ...second.rooms, ...third.rooms].map((r) => r.name)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(third.nextCursor).toBeUndefined();
  });
});

describe('members and invites', () => {
  it('lists members with display names, roles and presence, to members only', async () => {
    const w = world();
    const roomId = await roomWith(w, alice, [bob, dana]);
    await w.online('bob');
    expect(await listMembers(carol, roomId, { limit: 10 }, w.deps).catch((e: Error) => e)).toBeInstanceOf(RoomNotFoundError);
    expect((await listMembers(bob, roomId, { limit: 10 }, w.deps)).members).toEqual([
      { userId: 'alice', displayName: 'Alice', role: 'owner', online: false },
      { userId: 'bob', displayName: 'Bob', role: 'member', online: true },
      { userId: DANA_ID, displayName: 'Dana D.', role: 'member', online: false },
    ]);
  });

  it('tells the new member at once (room, name, role, who added them) and every other member who joined, nobody else', async () => {
    const w = world();
    const roomId = await roomWith(w, alice, [bob]);
    await w.online('carol');
    const invited = await invite(alice, roomId, { username: 'carol' }, w.deps);
    expect(invited).toEqual({ added: true, member: { userId: 'carol', displayName: 'Carol', role: 'member', online: true } });
    const expected = {
      type: 'member_added',
      roomId,
      roomName: 'Launch',
      by: { userId: 'alice', displayName: 'Alice' },
      member: { userId: 'carol', displayName: 'Carol', role: 'member', online: true },
    };
    for (const user of ['alice', 'bob', 'carol']) expect(w.eventsOf(user)).toEqual([expect.objectContaining(expected)]);
    expect(w.publisher.published.map((p) => p.topic).sort()).toEqual([
      `app/test/users/alice/rooms/${roomId}`,
      `app/test/users/bob/rooms/${roomId}`,
      `app/test/users/carol/rooms/${roomId}`,
    ]);
    expect(w.publisher.published.every((p) => p.qos === 1)).toBe(true);
  });

  it('invites a Cognito user by username or email, without regard to case, and says "No user named ..." otherwise', async () => {
    const w = world();
    const roomId = await roomWith(w, alice);
    await expect(invite(alice, roomId, { username: 'DANA' }, w.deps)).resolves.toMatchObject({
      added: true,
      member: { userId: DANA_ID, displayName: 'Dana D.' },
    });
    await expect(invite(alice, roomId, { email: 'Dana@Example.com' }, w.deps)).resolves.toMatchObject({ added: false, member: { userId: DANA_ID } });
    await expect(invite(alice, roomId, { username: 'nosuchuser' }, w.deps)).rejects.toThrow(new UserNotFoundError('No user named nosuchuser'));
    await expect(invite(alice, roomId, { email: 'nobody@example.com' }, w.deps)).rejects.toThrow('No user with the email nobody@example.com');
    await expect(invite(alice, roomId, { userId: 'ghost' }, w.deps)).rejects.toThrow('No user with id ghost');
    expect(await w.store.getMembership(roomId, 'nosuchuser')).toBeUndefined();
    expect((await w.store.getRoom(roomId))?.memberCount).toBe(2);
  });

  it('asks for a user id when a username names both an app user and a Cognito user', async () => {
    const w = world();
    await w.directory.register({ userId: 'us-east-1:22222222-2222-4222-8222-222222222222', displayName: 'Bob (Cognito)', kind: 'cognito', username: 'bob' });
    const roomId = await roomWith(w, alice);
    await expect(invite(alice, roomId, { username: 'bob' }, w.deps)).rejects.toBeInstanceOf(AmbiguousUserError);
  });

  it('gives a non-member the same answer for a room that exists and one that does not, before revealing whether the invitee exists', async () => {
    const w = world();
    const roomId = await roomWith(w, alice, [bob]);
    for (const [room, request] of [
      [roomId, { username: 'carol' }],
      [roomId, { username: 'nosuchuser' }],
      ['no-such-room', { username: 'carol' }],
    ] as const) {
      const error = await rejectionOf(invite(mallory, room, request, w.deps));
      expect([error.constructor, error.message]).toEqual([RoomNotFoundError, `room ${room} does not exist, or you are not a member of it`]);
    }
    await expect(invite(bob, roomId, { username: 'nosuchuser' }, w.deps)).rejects.toBeInstanceOf(NotRoomOwnerError);
    expect(w.publisher.published).toEqual([]);
  });

  it('limits how many rooms one user may add one given user to, per pair (429 with Retry-After), not counting re-adds', async () => {
    const w = world({ inviteLimit: 2 });
    const rooms = [await roomWith(w, alice), await roomWith(w, alice), await roomWith(w, alice)];
    await invite(alice, rooms[0]!, { userId: 'bob' }, w.deps);
    await invite(alice, rooms[0]!, { userId: 'bob' }, w.deps);
    await invite(alice, rooms[1]!, { userId: 'bob' }, w.deps);
    const refused = await rejectionOf<TooManyRequestsError>(invite(alice, rooms[2]!, { userId: 'bob' }, w.deps));
    expect(refused).toBeInstanceOf(TooManyRequestsError);
    expect(refused.retryAfterSeconds).toBe(1800);
    expect(refused.message).toBe('you have added Bob to too many rooms recently; try again in 1800 s');
    expect(await w.store.getMembership(rooms[2]!, 'bob')).toBeUndefined();
    // Another pair has its own count.
    await expect(invite(alice, rooms[2]!, { userId: 'carol' }, w.deps)).resolves.toMatchObject({ added: true });
  });
});

describe('roles', () => {
  it('never makes an owner by invitation: {"role":"owner"} for a non-member is 409, and nothing changes', async () => {
    const w = world();
    const roomId = await roomWith(w, alice, [bob]);
    await expect(putMember(alice, roomId, 'carol', 'owner', w.deps)).rejects.toThrow(NotAMemberError);
    await expect(putMember(alice, roomId, 'carol', 'owner', w.deps)).rejects.toThrow('carol is not a member of room room1: invite them first');
    expect(await w.store.getMembership(roomId, 'carol')).toBeUndefined();
    // PUT with role member invites (the directory must know them).
    await putMember(alice, roomId, 'carol', 'member', w.deps);
    expect(await w.store.getMembership(roomId, 'carol')).toMatchObject({ role: 'member' });
    await expect(putMember(alice, roomId, 'ghost', 'member', w.deps)).rejects.toThrow('No user with id ghost');
  });

  it('lets an owner promote a member, telling every member; members may not', async () => {
    const w = world();
    const roomId = await roomWith(w, alice, [bob, carol]);
    await expect(putMember(bob, roomId, 'carol', 'owner', w.deps)).rejects.toBeInstanceOf(NotRoomOwnerError);
    await putMember(alice, roomId, 'bob', 'owner', w.deps);
    for (const user of ['alice', 'bob', 'carol']) {
      expect(w.eventsOf(user)).toEqual([
        expect.objectContaining({
          type: 'role_changed',
          member: { userId: 'bob', displayName: 'Bob', role: 'owner' },
          previousRole: 'member',
          reason: 'changed_by_owner',
          by: { userId: 'alice', displayName: 'Alice' },
        }),
      ]);
    }
    // Unchanged: nobody is told again.
    await putMember(alice, roomId, 'bob', 'owner', w.deps);
    expect(w.eventsOf('carol')).toHaveLength(1);
  });
});

describe('leaving and removal', () => {
  it('tells the removed member they are out and the others that they left, and delivers nothing more to them', async () => {
    const w = world();
    const roomId = await roomWith(w, alice, [bob, carol]);
    await removeMember(alice, roomId, 'bob', w.deps);
    const expected = expect.objectContaining({
      type: 'member_removed',
      member: { userId: 'bob', displayName: 'Bob' },
      reason: 'removed',
      roomDeleted: false,
      by: { userId: 'alice', displayName: 'Alice' },
    });
    for (const user of ['alice', 'bob', 'carol']) expect(w.eventsOf(user)).toEqual([expected]);
    w.publisher.published.length = 0;
    await renameRoom(alice, roomId, { name: 'Renamed' }, w.deps);
    expect(w.eventsOf('bob')).toEqual([]);
    expect(w.eventsOf('carol')).toEqual([expect.objectContaining({ type: 'room_renamed', roomName: 'Renamed', previousName: 'Launch' })]);
  });

  it('lets anyone leave; members may not remove others; removing a non-member tells nobody', async () => {
    const w = world();
    const roomId = await roomWith(w, alice, [bob, carol]);
    await expect(removeMember(bob, roomId, 'carol', w.deps)).rejects.toBeInstanceOf(NotRoomOwnerError);
    await removeMember(bob, roomId, 'bob', w.deps);
    expect(w.eventsOf('carol')).toEqual([expect.objectContaining({ type: 'member_removed', reason: 'left', by: { userId: 'bob', displayName: 'Bob' } })]);
    w.publisher.published.length = 0;
    await removeMember(alice, roomId, 'dave', w.deps);
    expect(w.publisher.published).toEqual([]);
  });

  it('passes ownership to the longest-standing member when the last owner leaves, and tells everyone', async () => {
    const w = world();
    const roomId = await roomWith(w, alice, [carol, bob]);
    await removeMember(alice, roomId, 'alice', w.deps);
    expect(await w.store.getMembership(roomId, 'carol')).toMatchObject({ role: 'owner' });
    expect(await w.store.getMembership(roomId, 'bob')).toMatchObject({ role: 'member' });
    expect(w.eventsOf('bob')).toEqual([
      expect.objectContaining({ type: 'member_removed', member: { userId: 'alice', displayName: 'Alice' }, reason: 'left' }),
      expect.objectContaining({ type: 'role_changed', member: { userId: 'carol', displayName: 'Carol', role: 'owner' }, reason: 'last_owner_left' }),
    ]);
    expect(w.eventsOf('alice')).toEqual([expect.objectContaining({ type: 'member_removed', reason: 'left' })]);
  });

  it('deletes a room when its last member leaves', async () => {
    const w = world();
    const roomId = await roomWith(w, alice);
    await removeMember(alice, roomId, 'alice', w.deps);
    expect(await w.store.getRoom(roomId)).toBeUndefined();
    expect(w.eventsOf('alice')).toEqual([expect.objectContaining({ type: 'member_removed', roomDeleted: true })]);
  });

  it('gives a non-member the same answer on every route for a room that exists and one that does not', async () => {
    const w = world();
    const roomId = await roomWith(w, alice, [bob]);
    const attempts = (room: string) => [
      listMembers(mallory, room, { limit: 10 }, w.deps),
      invite(mallory, room, { userId: 'carol' }, w.deps),
      putMember(mallory, room, 'bob', 'owner', w.deps),
      putMember(mallory, room, 'carol', 'member', w.deps),
      removeMember(mallory, room, 'bob', w.deps),
      removeMember(mallory, room, 'mallory', w.deps),
      renameRoom(mallory, room, { name: 'Mine' }, w.deps),
      deleteRoom(mallory, room, w.deps),
    ];
    const answers = async (room: string) =>
      (await Promise.allSettled(attempts(room))).map((r) => (r.status === 'rejected' ? `${(r.reason as Error).name}: ${(r.reason as Error).message}` : 'ok'));
    const existing = await answers(roomId);
    expect(existing.every((a) => a === `RoomNotFoundError: room ${roomId} does not exist, or you are not a member of it`)).toBe(true);
    expect((await answers('room9')).map((a) => a.replace('room9', roomId))).toEqual(existing);
    expect(w.publisher.published).toEqual([]);
  });
});

describe('renaming and deleting rooms', () => {
  it('renames for owners only and tells every member', async () => {
    const w = world();
    const roomId = await roomWith(w, alice, [bob]);
    await expect(renameRoom(bob, roomId, { name: 'Mine' }, w.deps)).rejects.toBeInstanceOf(NotRoomOwnerError);
    await expect(renameRoom(alice, roomId, { name: '' }, w.deps)).rejects.toBeInstanceOf(ValidationError);
    await expect(renameRoom(alice, roomId, { name: 'Liftoff' }, w.deps)).resolves.toEqual({ roomId, name: 'Liftoff', role: 'owner' });
    for (const user of ['alice', 'bob'])
      expect(w.eventsOf(user)).toEqual([expect.objectContaining({ type: 'room_renamed', roomName: 'Liftoff', previousName: 'Launch' })]);
  });

  it('deletes for owners only, tells every member, and leaves no membership behind', async () => {
    const w = world();
    const roomId = await roomWith(w, alice, [bob, carol]);
    await expect(deleteRoom(bob, roomId, w.deps)).rejects.toBeInstanceOf(NotRoomOwnerError);
    await expect(deleteRoom(alice, roomId, w.deps)).resolves.toEqual({ members: 3 });
    for (const user of ['alice', 'bob', 'carol']) expect(w.eventsOf(user)).toEqual([expect.objectContaining({ type: 'room_deleted', roomName: 'Launch' })]);
    expect(w.eventsOf('dave')).toEqual([]);
    expect(await w.store.getRoom(roomId)).toBeUndefined();
    expect((await w.store.listMembers(roomId, { limit: 10 })).items).toEqual([]);
    expect((await listRoomsOfCaller(bob, { limit: 10 }, w.deps)).rooms).toEqual([]);
  });

  it('deletes a room of 250 members page by page, handing pages above the direct threshold to the fan-out queue', async () => {
    const w = world();
    const roomId = await roomWith(w, alice);
    for (let i = 0; i < 249; i += 1) await w.store.addMember(roomId, `u${String(i).padStart(3, '0')}`, 'alice');
    await expect(deleteRoom(alice, roomId, w.deps)).resolves.toEqual({ members: 250 });
    // Pages of 100, 100 and 50: the first two through the queue, the last (at the threshold) published directly.
    const queued = w.fanoutQueue.tasks.flatMap((t) => t.recipients);
    const direct = w.publisher.published.map((p) => p.topic.split('/')[3]!);
    expect([queued.length, direct.length]).toEqual([200, 50]);
    expect(new Set([...queued, ...direct]).size).toBe(250);
    expect(new Set(w.fanoutQueue.tasks.map((t) => t.message.type))).toEqual(new Set(['room_deleted']));
    expect((await w.store.listMembers(roomId, { limit: 10 })).items).toEqual([]);
  });
});
