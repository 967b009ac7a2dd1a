import { MemoryRoomStore } from '../../test/support/memory-room-store.js';
import type { Caller } from '../shared/caller.js';
import { ForbiddenError, LastOwnerError, NotFoundError, ValidationError } from '../shared/errors.js';
import { createRoom, listMembers, listRoomsOfCaller, putMember, removeMember } from './core.js';

const alice: Caller = { userId: 'alice', kind: 'app' };
const bob: Caller = { userId: 'bob', kind: 'app' };
const carol: Caller = { userId: 'carol', kind: 'app' };
const dana: Caller = { userId: 'us-east-1:11111111-1111-1111-1111-111111111111', kind: 'cognito' };

function setup() {
  const store = new MemoryRoomStore();
  let n = 0;
  const deps = { store, clock: { now: () => new Date('2030-01-01T00:00:00Z') }, newRoomId: () => `room${++n}` };
  return { store, deps };
}

describe('membership rules', () => {
  it('makes the creator the owner and first member', async () => {
    const { store, deps } = setup();
    await expect(createRoom(alice, { name: '  Launch  ' }, deps)).resolves.toEqual({ roomId: 'room1', name: 'Launch' });
    expect(await store.getMembership('room1', 'alice')).toMatchObject({ role: 'owner' });
    expect(await listRoomsOfCaller(alice, { limit: 10 }, deps)).toEqual({ rooms: [{ roomId: 'room1', name: 'Launch', role: 'owner' }] });
  });

  it.each([[{}], [{ name: '' }], [{ name: '   ' }], [{ name: 42 }], [{ name: 'x'.repeat(101) }], [{ name: 'bell\u0007' }], [null], [[]]])(
    'refuses a room body %j with 400',
    async (body) => {
      const { deps } = setup();
      await expect(createRoom(alice, body, deps)).rejects.toThrow(ValidationError);
    },
  );

  it('lets an owner add members and promote them; a member may not add anyone', async () => {
    const { store, deps } = setup();
    await createRoom(alice, { name: 'r' }, deps);
    await putMember(alice, 'room1', 'bob', 'member', deps);
    await expect(putMember(bob, 'room1', 'carol', 'member', deps)).rejects.toThrow(ForbiddenError);
    await putMember(alice, 'room1', 'bob', 'owner', deps);
    await putMember(bob, 'room1', 'carol', 'member', deps);
    expect((await listMembers(carol, 'room1', { limit: 10 }, deps)).members).toEqual([
      { userId: 'alice', role: 'owner' },
      { userId: 'bob', role: 'owner' },
      { userId: 'carol', role: 'member' },
    ]);
    expect((await store.getRoom('room1'))?.ownerCount).toBe(2);
  });

  it('answers 404 for members of a room that does not exist, and 403 to non-members listing members', async () => {
    const { deps } = setup();
    await expect(putMember(alice, 'nope', 'bob', 'member', deps)).rejects.toThrow(NotFoundError);
    await expect(removeMember(alice, 'nope', 'bob', deps)).rejects.toThrow(NotFoundError);
    await createRoom(alice, { name: 'r' }, deps);
    await expect(listMembers(carol, 'room1', { limit: 10 }, deps)).rejects.toThrow(ForbiddenError);
    // A non-member learns nothing from the member list of an unknown room either.
    await expect(listMembers(carol, 'nope', { limit: 10 }, deps)).rejects.toThrow(ForbiddenError);
  });

  it('lets a member leave, an owner remove a member, and refuses a member removing someone else', async () => {
    const { store, deps } = setup();
    await createRoom(alice, { name: 'r' }, deps);
    await putMember(alice, 'room1', 'bob', 'member', deps);
    await putMember(alice, 'room1', 'carol', 'member', deps);
    await expect(removeMember(bob, 'room1', 'carol', deps)).rejects.toThrow(ForbiddenError);
    await removeMember(bob, 'room1', 'bob', deps);
    await removeMember(alice, 'room1', 'carol', deps);
    expect((await store.getRoom('room1'))?.memberCount).toBe(1);
    // A non-member cannot remove anyone, not even to probe.
    await expect(removeMember(carol, 'room1', 'alice', deps)).rejects.toThrow(ForbiddenError);
  });

  it('keeps the last owner while other members remain, and lets them leave once alone', async () => {
    const { store, deps } = setup();
    await createRoom(alice, { name: 'r' }, deps);
    await putMember(alice, 'room1', 'bob', 'member', deps);
    await expect(removeMember(alice, 'room1', 'alice', deps)).rejects.toThrow(LastOwnerError);
    await expect(putMember(alice, 'room1', 'alice', 'member', deps)).rejects.toThrow(LastOwnerError);
    await removeMember(alice, 'room1', 'bob', deps);
    await removeMember(alice, 'room1', 'alice', deps);
    expect((await store.getRoom('room1'))?.memberCount).toBe(0);
  });

  it('treats a signed-in Cognito user (identity id) exactly like an app user', async () => {
    const { deps } = setup();
    await createRoom(dana, { name: 'cognito room' }, deps);
    await putMember(dana, 'room1', 'bob', 'member', deps);
    expect((await listRoomsOfCaller(bob, { limit: 10 }, deps)).rooms).toEqual([{ roomId: 'room1', name: 'cognito room', role: 'member' }]);
    await putMember(dana, 'room1', alice.userId, 'member', deps);
    expect((await listMembers(alice, 'room1', { limit: 10 }, deps)).members.map((m) => m.userId)).toContain(dana.userId);
  });

  it('pages the rooms of a user', async () => {
    const { deps } = setup();
    for (let i = 0; i < 5; i += 1) await createRoom(alice, { name: `r${i}` }, deps);
    const first = await listRoomsOfCaller(alice, { limit: 2 }, deps);
    expect(first.rooms).toHaveLength(2);
    const second = await listRoomsOfCaller(alice, { limit: 2, cursor: first.nextCursor! }, deps);
    const third = await listRoomsOfCaller(alice, { limit: 2, cursor: second.nextCursor! }, deps);
    expect([...first.rooms, ...second.rooms, ...third.rooms].map((r) => r.name)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(third.nextCursor).toBeUndefined();
  });
});
