/** The room list: pages, refreshes that look for a room the user was added to, rooms left elsewhere, created rooms. */
import { ApiError } from '../api.js';
import { FakeRoomsApi, message, modelWith, settle } from './fake-rooms-api.test-support.js';

describe('the room list', () => {
  let api: FakeRoomsApi;
  beforeEach(() => {
    api = new FakeRoomsApi();
    api.rooms = [
      { roomId: 'general', name: 'General', role: 'member' },
      { roomId: 'ops', name: 'Ops', role: 'owner' },
    ];
  });

  it('loads the first page of rooms and the next one on demand, sorted by name', async () => {
    api.rooms.push({ roomId: 'alpha', name: 'Alpha', role: 'member' });
    const model = modelWith(api);
    await model.loadRooms();
    expect(model.rooms().map((r) => r.roomId)).toEqual(['general', 'ops']);
    expect(model.list).toEqual({ status: 'loaded', more: '2' });
    await model.loadMoreRooms();
    expect(model.rooms().map((r) => r.name)).toEqual(['Alpha', 'General', 'Ops']);
    expect(model.list).toEqual({ status: 'loaded' });
  });

  it('keeps a failed list load as a state a view can show, not a rejection', async () => {
    const model = modelWith(api);
    api.failNext = new ApiError('The API cannot be reached; is the backend running?', 0);
    await model.loadRooms();
    expect(model.list).toEqual({ status: 'failed', error: 'The API cannot be reached; is the backend running?' });
  });

  it('reads the list again when a message comes for a room it does not have (the user was just added)', async () => {
    const model = modelWith(api);
    await model.loadRooms();
    api.rooms.push({ roomId: 'launch', name: 'Launch', role: 'member' });
    api.calls = [];
    model.receive('launch', message('launch', 'welcome'));
    model.receive('launch', message('launch', 'second'));
    model.receive('launch', message('launch', 'third'));
    await settle();
    await settle();
    expect(model.room('launch')).toEqual({ roomId: 'launch', name: 'Launch', role: 'member' });
    expect(model.unread('launch')).toBe(3);
    // One refresh reading every page, and one more queued behind it for the messages that came meanwhile.
    expect(api.calls).toEqual(['listRooms', 'listRooms 2', 'listRooms', 'listRooms 2']);
  });

  it('tries once more when the list lags the membership change', async () => {
    const model = modelWith(api, 'bob', 100);
    await model.loadRooms();
    api.rooms.push({ roomId: 'launch', name: 'Launch', role: 'member' });
    api.hiddenFromList.add('launch');
    const refreshed = model.refreshRooms('launch');
    await settle();
    expect(model.room('launch')).toBeUndefined(); // the first read did not have it
    api.hiddenFromList.clear();
    await refreshed;
    expect(model.room('launch')?.name).toBe('Launch');
  });

  it('drops a room left elsewhere once a refresh has read the whole list', async () => {
    const model = modelWith(api);
    await model.loadRooms();
    api.rooms = api.rooms.filter((r) => r.roomId !== 'ops');
    await model.refreshRooms();
    expect(model.rooms().map((r) => r.roomId)).toEqual(['general']);
  });

  it('keeps a room created while a refresh was reading the list', async () => {
    const model = modelWith(api, 'alice');
    await model.loadRooms();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const listRooms = api.listRooms;
    api.listRooms = async (cursor) => {
      const page = await listRooms(cursor); // read before the room exists
      await gate;
      return page;
    };
    const refreshed = model.refreshRooms();
    api.listRooms = listRooms;
    const roomId = await model.createRoom('Created meanwhile');
    release();
    await refreshed;
    expect(model.room(roomId)?.name).toBe('Created meanwhile');
  });

  it('creates a room owned by the user, with an empty history that needs no fetch', async () => {
    const model = modelWith(api, 'alice');
    const roomId = await model.createRoom('Launch');
    expect(model.room(roomId)).toEqual({ roomId, name: 'Launch', role: 'owner', unread: 0 });
    expect(model.members(roomId).members).toEqual([{ userId: 'alice', displayName: 'alice', role: 'owner', online: true }]);
    model.open(roomId);
    expect(api.calls).toEqual(['createRoom Launch']);
  });

  it('creates a room with an Idempotency-Key kept while the same name is asked for again after a failure', async () => {
    const model = modelWith(api, 'alice');
    api.failNext = new ApiError('The API did not answer in time', 0, 'timeout');
    await expect(model.createRoom('Launch')).rejects.toThrow('did not answer');
    await model.createRoom('Launch');
    await model.createRoom('Launch');
    await model.createRoom('Other');
    const [first, retry, again, other] = api.createKeys;
    expect(first).toEqual(expect.any(String));
    // The retry after the timeout is the same request; once it succeeded, asking again is a new room.
    expect(retry).toBe(first);
    expect(again).not.toBe(first);
    expect(other).not.toBe(again);
  });

  it('closes a room the whole list no longer has, saying so', async () => {
    const model = modelWith(api);
    await model.loadRooms();
    await model.loadMoreRooms();
    const notices: string[] = [];
    model.on((c) => c.kind === 'notice' && notices.push(c.text));
    const [gone] = api.rooms.splice(0, 1);
    await model.refreshRooms();
    expect(model.room(gone!.roomId)).toBeUndefined();
    expect(notices).toEqual([`${gone!.name} no longer exists, or you are no longer a member of it.`]);
  });
});
