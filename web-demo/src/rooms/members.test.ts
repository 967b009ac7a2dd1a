/** Members (owners add and remove, anyone leaves) and who of them is online. */
import { ApiError } from '../api.js';
import type { RoomsChange } from '../rooms-model.js';
import { FakeRoomsApi, modelWith, settle } from './fake-rooms-api.test-support.js';
import { inviteRequestOf } from './members.js';

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

describe('inviting', () => {
  it('invites by username, email or identity id as typed, shows the member at once with their presence, and says when they were there', async () => {
    const api = new FakeRoomsApi();
    api.rooms = [{ roomId: 'ops', name: 'Ops', role: 'owner' }];
    api.members.set('ops', [{ userId: 'alice', displayName: 'Alice', role: 'owner', online: true }]);
    api.online.set('ops', ['alice']);
    api.directory = [
      { userId: 'dave', displayName: 'Dave', role: 'member', online: true },
      { userId: 'erin', displayName: 'Erin', role: 'member', online: false },
    ];
    const model = modelWith(api, 'alice');
    await model.loadRooms();
    model.open('ops');
    await settle();
    await expect(model.invite('ops', '  dave ')).resolves.toEqual({ member: expect.objectContaining({ userId: 'dave' }), added: true });
    await expect(model.invite('ops', 'erin@example.com')).resolves.toMatchObject({ added: true });
    await expect(model.invite('ops', 'dave')).resolves.toMatchObject({ added: false });
    expect(api.calls.filter((c) => c.startsWith('invite'))).toEqual([
      'invite ops {"username":"dave"}',
      'invite ops {"email":"erin@example.com"}',
      'invite ops {"username":"dave"}',
    ]);
    expect(model.members('ops').members.map((m) => [m.userId, m.displayName])).toEqual([
      ['alice', 'Alice'],
      ['erin', 'Erin'],
      ['dave', 'Dave'],
    ]);
    expect([...model.presence('ops').online].sort()).toEqual(['alice', 'dave']);
  });

  it('names the unknown: a 404 rejects with the reason and adds nobody', async () => {
    const api = new FakeRoomsApi();
    api.rooms = [{ roomId: 'ops', name: 'Ops', role: 'owner' }];
    const model = modelWith(api, 'alice');
    await model.loadRooms();
    await expect(model.invite('ops', 'nosuchuser')).rejects.toMatchObject({ status: 404, message: 'Not found: No user named nosuchuser' });
    expect(model.members('ops').members).toEqual([]);
  });

  it('sends an identity id as a user id', () => {
    expect(inviteRequestOf('us-east-1:0f3c1e6a-1111-2222-3333-444455556666')).toEqual({ userId: 'us-east-1:0f3c1e6a-1111-2222-3333-444455556666' });
    expect(inviteRequestOf('Dana')).toEqual({ username: 'Dana' });
    expect(inviteRequestOf(' dana@example.com ')).toEqual({ email: 'dana@example.com' });
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
