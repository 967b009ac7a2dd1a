/** Members (owners add and remove, anyone leaves) and who of them is online. */
import { ApiError } from '../api.js';
import type { RoomsChange } from '../rooms-model.js';
import { FakeRoomsApi, modelWith, settle } from './fake-rooms-api.test-support.js';

describe('members', () => {
  let api: FakeRoomsApi;
  beforeEach(() => {
    api = new FakeRoomsApi();
    api.rooms = [
      { roomId: 'general', name: 'General', role: 'member' },
      { roomId: 'ops', name: 'Ops', role: 'owner' },
    ];
  });

  it('adds and removes members, and forgets a room the user leaves (closing it if open)', async () => {
    const model = modelWith(api, 'alice');
    api.members.set('ops', [{ userId: 'alice', displayName: 'alice', role: 'owner', online: false }]);
    await model.loadRooms();
    model.open('ops');
    await settle();
    await model.putMember('ops', 'bob');
    expect(model.members('ops').members).toEqual([
      { userId: 'alice', displayName: 'alice', role: 'owner', online: false },
      { userId: 'bob', displayName: 'bob', role: 'member', online: false },
    ]);
    await model.removeMember('ops', 'bob');
    expect(model.members('ops').members).toEqual([{ userId: 'alice', displayName: 'alice', role: 'owner', online: false }]);
    const changes: RoomsChange[] = [];
    model.on((c) => changes.push(c));
    await model.leave('ops');
    expect(api.calls.slice(-1)).toEqual(['removeMember ops alice']);
    expect(model.room('ops')).toBeUndefined();
    expect(model.selected).toBeUndefined();
    expect(changes).toContainEqual({ kind: 'selected' });
  });

  it("rejects a refused change with the API's explanation and changes nothing", async () => {
    const model = modelWith(api, 'alice');
    await model.loadRooms();
    api.failNext = new ApiError('Not possible: alice is the last owner of room ops, which has other members', 409);
    await expect(model.leave('ops')).rejects.toThrow('Not possible: alice is the last owner');
    expect(model.room('ops')).toBeDefined();
  });
});

describe('presence', () => {
  it('reads who is online when a room opens, follows presence changes, and ignores rooms it does not know', async () => {
    const api = new FakeRoomsApi();
    api.rooms = [{ roomId: 'general', name: 'General', role: 'member' }];
    api.online.set('general', ['alice']);
    const model = modelWith(api);
    await model.loadRooms();
    model.open('general');
    await settle();
    expect([...model.presence('general').online]).toEqual(['alice']);
    expect(model.presenceChanged({ type: 'presence', roomId: 'general', userId: 'carol', online: true })).toBe(true);
    expect(model.presenceChanged({ type: 'presence', roomId: 'general', userId: 'alice', online: false })).toBe(true);
    expect([...model.presence('general').online]).toEqual(['carol']);
    expect(model.presenceChanged({ type: 'presence', roomId: 'elsewhere', userId: 'carol', online: true })).toBe(false);
  });

  it('counts the user online while their own connection is live, whatever the last read said', async () => {
    const api = new FakeRoomsApi();
    api.rooms = [{ roomId: 'general', name: 'General', role: 'member' }];
    api.online.set('general', ['alice']);
    const model = modelWith(api, 'bob');
    model.open('general');
    await settle();
    expect([...model.presence('general').online]).toEqual(['alice']);
    model.setSelfOnline(true);
    expect([...model.presence('general').online].sort()).toEqual(['alice', 'bob']);
    model.presenceChanged({ type: 'presence', roomId: 'general', userId: 'bob', online: false }); // a stale event of an old tab
    expect(model.presence('general').online.has('bob')).toBe(true);
    model.setSelfOnline(false);
    expect([...model.presence('general').online]).toEqual(['alice']);
  });

  it('marks presence unavailable (no dots) when the API does not serve it', async () => {
    const api = new FakeRoomsApi();
    api.rooms = [{ roomId: 'general', name: 'General', role: 'member' }];
    const model = modelWith(api);
    model.open('general');
    await settle();
    expect(model.presence('general').status).toBe('unavailable');
  });
});
