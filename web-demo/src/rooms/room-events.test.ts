/** Room events from the inbox: rooms appear and close, members, roles and names change, each event once. */
import type { RoomEvent } from '../../../core/contracts/room-events.js';
import { ApiError } from '../api.js';
import type { RoomsChange } from '../rooms-model.js';
import { FakeRoomsApi, message, modelWith, settle } from './fake-rooms-api.test-support.js';

const alice = { userId: 'alice', displayName: 'Alice' };
const bob = { userId: 'bob', displayName: 'Bob' };
const carol = { userId: 'carol', displayName: 'Carol' };
let n = 0;
const base = (roomId: string, roomName: string, by = alice) => ({ eventId: `e${++n}`, roomId, roomName, at: '2030-01-01T00:00:00.000Z', by });
const added = (roomId: string, roomName: string, member: { userId: string; displayName: string }, online = false, by = alice): RoomEvent => ({
  type: 'member_added',
  ...base(roomId, roomName, by),
  member: { ...member, role: 'member', online },
});
const removed = (roomId: string, roomName: string, member: { userId: string; displayName: string }, reason: 'left' | 'removed', by = alice): RoomEvent => ({
  type: 'member_removed',
  ...base(roomId, roomName, by),
  member,
  reason,
  roomDeleted: false,
});

describe('room events', () => {
  let api: FakeRoomsApi;
  beforeEach(() => {
    api = new FakeRoomsApi();
    api.rooms = [{ roomId: 'general', name: 'General', role: 'member', unread: 0 }];
    api.members.set('general', [
      { userId: 'alice', displayName: 'Alice', role: 'owner', online: true },
      { userId: 'bob', displayName: 'Bob', role: 'member', online: true },
    ]);
    api.online.set('general', ['alice', 'bob']);
  });

  it('shows a room the user is added to at once, with its name and their role, and says who added them', async () => {
    const model = modelWith(api);
    await model.loadRooms();
    const changes: RoomsChange[] = [];
    model.on((c) => changes.push(c));
    const event = added('launch', 'Launch', bob);
    expect(model.roomEvent('launch', event)).toBe(true);
    expect(model.room('launch')).toEqual({ roomId: 'launch', name: 'Launch', role: 'member', unread: 0 });
    expect(changes).toContainEqual({ kind: 'notice', text: 'Alice added you to Launch' });
    // A QoS 1 redelivery is applied once; an event naming another room than its inbox's is dropped.
    expect(model.roomEvent('launch', event)).toBe(false);
    expect(model.roomEvent('general', added('launch', 'Launch', bob))).toBe(false);
    expect(changes.filter((c) => c.kind === 'notice')).toHaveLength(1);
    // No list read was needed.
    expect(api.calls).toEqual(['listRooms']);
  });

  it('says nothing when the user created the room in another tab: it just appears', async () => {
    const model = modelWith(api);
    await model.loadRooms();
    const notices: RoomsChange[] = [];
    model.on((c) => c.kind === 'notice' && notices.push(c));
    model.roomEvent('mine', { type: 'member_added', ...base('mine', 'Mine', bob), member: { ...bob, role: 'owner', online: true } });
    expect(model.room('mine')?.role).toBe('owner');
    expect(notices).toEqual([]);
  });

  it('updates the member list and presence of an open room as members join and leave, each shown online or not at once', async () => {
    const model = modelWith(api);
    await model.loadRooms();
    model.open('general');
    await settle();
    model.roomEvent('general', added('general', 'General', carol, true));
    expect(model.members('general').members.map((m) => [m.userId, m.displayName, m.role])).toContainEqual(['carol', 'Carol', 'member']);
    expect(model.presence('general').online.has('carol')).toBe(true);
    model.roomEvent('general', added('general', 'General', { userId: 'dave', displayName: 'Dave' }, false));
    expect(model.presence('general').online.has('dave')).toBe(false);
    model.roomEvent('general', removed('general', 'General', carol, 'left', carol));
    expect(model.members('general').members.map((m) => m.userId)).not.toContain('carol');
    expect(model.presence('general').online.has('carol')).toBe(false);
    model.roomEvent('general', {
      type: 'role_changed',
      ...base('general', 'General'),
      member: { ...bob, role: 'owner' },
      previousRole: 'member',
      reason: 'changed_by_owner',
    });
    expect(model.members('general').members.find((m) => m.userId === 'bob')?.role).toBe('owner');
    expect(model.room('general')?.role).toBe('owner');
  });

  it('closes the open room when the user is removed, saying who did it and keeping what was not sent', async () => {
    const model = modelWith(api);
    await model.loadRooms();
    model.open('general');
    await settle();
    api.postOutcome = 'hang';
    model.send('general', 'my last words');
    const changes: RoomsChange[] = [];
    model.on((c) => changes.push(c));
    model.roomEvent('general', removed('general', 'General', bob, 'removed'));
    expect(model.room('general')).toBeUndefined();
    expect(model.selected).toBeUndefined();
    expect(model.closedRoom).toEqual({
      roomId: 'general',
      name: 'General',
      text: 'Alice removed you from General. You no longer get its messages.',
      unsent: ['my last words'],
    });
    expect(changes).toContainEqual({ kind: 'notice', text: 'Alice removed you from General. You no longer get its messages.' });
    expect(model.outbox('general')).toEqual([]);
    // Opening another room puts the closed one away.
    model.open(undefined);
    expect(model.closedRoom).toBeUndefined();
  });

  it('closes a room deleted by an owner, and one the user left on another device, with the reason each time', async () => {
    api.rooms.push({ roomId: 'ops', name: 'Ops', role: 'member' });
    const model = modelWith(api);
    await model.loadRooms();
    const notices: string[] = [];
    model.on((c) => c.kind === 'notice' && notices.push(c.text));
    model.roomEvent('ops', { type: 'room_deleted', ...base('ops', 'Ops') });
    model.roomEvent('general', removed('general', 'General', bob, 'left', bob));
    expect(model.rooms()).toEqual([]);
    expect(notices).toEqual(['Alice deleted Ops.', 'You left General in another tab or on another device.']);
    // Rooms it does not know are left alone: no record is made for them.
    expect(model.roomEvent('elsewhere', { type: 'room_deleted', ...base('elsewhere', 'Elsewhere') })).toBe(true);
    expect(model.room('elsewhere')).toBeUndefined();
  });

  it('takes a leave or a deletion made on this page as its own doing: no notice, however fast its event comes back', async () => {
    const model = modelWith(api);
    await model.loadRooms();
    const notices: RoomsChange[] = [];
    model.on((c) => c.kind === 'notice' && notices.push(c));
    // The event arrives while the API's answer is on its way.
    api.removeMember = async () => {
      model.roomEvent('general', removed('general', 'General', bob, 'left', bob));
    };
    await model.leave('general');
    expect(model.room('general')).toBeUndefined();
    expect(notices).toEqual([]);
  });

  it('renames a room and follows a change of the user role, saying so', async () => {
    const model = modelWith(api);
    await model.loadRooms();
    const notices: string[] = [];
    model.on((c) => c.kind === 'notice' && notices.push(c.text));
    model.roomEvent('general', { type: 'room_renamed', ...base('general', 'Lobby'), previousName: 'General' });
    expect(model.room('general')?.name).toBe('Lobby');
    model.roomEvent('general', {
      type: 'role_changed',
      ...base('general', 'Lobby', carol),
      member: { ...bob, role: 'owner' },
      previousRole: 'member',
      reason: 'last_owner_left',
    });
    expect(model.room('general')?.role).toBe('owner');
    expect(notices).toEqual(['Carol left Lobby: you are its owner now']);
  });

  it('learns the names events give people', async () => {
    const learned: Array<[string, string]> = [];
    const model = new (await import('../rooms-model.js')).RoomsModel(api, 'bob', { learnName: (id, name) => learned.push([id, name]) });
    await model.loadRooms();
    model.roomEvent('general', added('general', 'General', carol));
    model.receive('general', { ...message('general', 'hi', 'dave'), fromName: 'Dave' });
    expect(learned).toEqual(
      expect.arrayContaining([
        ['alice', 'Alice'],
        ['carol', 'Carol'],
        ['dave', 'Dave'],
      ]),
    );
  });
});

describe('a room closed twice', () => {
  it('tells once: a request answered 404 after its room closed changes nothing more', async () => {
    const api = new FakeRoomsApi();
    api.rooms = [{ roomId: 'general', name: 'General', role: 'member', unread: 0 }];
    api.messages.set('general', []);
    const model = modelWith(api);
    await model.loadRooms();
    const notices: string[] = [];
    model.on((c) => c.kind === 'notice' && notices.push(c.text));
    model.roomEvent('general', removed('general', 'General', bob, 'removed'));
    api.postOutcome = new ApiError('Not found: room general does not exist, or you are not a member of it', 404, 'not_found');
    model.send('general', 'late');
    await settle();
    expect(notices).toEqual(['Alice removed you from General. You no longer get its messages.']);
  });
});
