import type { InboxMessage } from '../../core/contracts/mqtt.js';
import type { Member, MessagePage, RoomList, RoomSummary, StoredMessage } from '../../core/contracts/rooms.js';
import { newSortableId } from '../../core/ids.js';
import { ApiError } from './api.js';
import { type RoomsApi, type RoomsChange, RoomsModel } from './rooms-model.js';

/** The rooms API as the server answers it, in memory: pages of `pageSize`, history oldest first per page. */
class FakeRoomsApi implements RoomsApi {
  rooms: RoomSummary[] = [];
  members = new Map<string, Member[]>();
  /** Each room's stored messages, oldest first. */
  messages = new Map<string, StoredMessage[]>();
  calls: string[] = [];
  /** Rooms the list does not show yet (an index that lags a membership change). */
  hiddenFromList = new Set<string>();
  failNext: ApiError | undefined;
  constructor(readonly pageSize = 2) {}

  #call(name: string): void {
    this.calls.push(name);
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
  }

  listRooms = async (cursor?: string): Promise<RoomList> => {
    this.#call(`listRooms ${cursor ?? ''}`.trim());
    const visible = this.rooms.filter((r) => !this.hiddenFromList.has(r.roomId));
    const start = cursor ? Number(cursor) : 0;
    const end = start + this.pageSize;
    return { rooms: visible.slice(start, end), ...(end < visible.length ? { nextCursor: String(end) } : {}) };
  };
  createRoom = async (name: string) => {
    this.#call(`createRoom ${name}`);
    return { roomId: `room-${this.rooms.length + 1}`, name };
  };
  listMembers = async (roomId: string) => {
    this.#call(`listMembers ${roomId}`);
    return { members: this.members.get(roomId) ?? [] };
  };
  putMember = async (roomId: string, userId: string) => {
    this.#call(`putMember ${roomId} ${userId}`);
  };
  removeMember = async (roomId: string, userId: string) => {
    this.#call(`removeMember ${roomId} ${userId}`);
  };
  postMessage = async (roomId: string) => {
    this.#call(`postMessage ${roomId}`);
    return { messageId: 'm', roomId, sentAt: new Date().toISOString() };
  };
  history = async (roomId: string, options: { before?: string; limit?: number } = {}): Promise<MessagePage> => {
    this.#call(`history ${roomId}${options.before ? ` before ${options.before.slice(-3)}` : ''}`);
    const all = (this.messages.get(roomId) ?? []).filter((m) => options.before === undefined || m.messageId < options.before);
    const page = all.slice(-(options.limit ?? 50));
    return { messages: page, ...(page.length < all.length ? { nextCursor: page[0]!.messageId } : {}) };
  };
}

let clock = 0;
const message = (roomId: string, text: string, from = 'alice'): InboxMessage => {
  clock += 1;
  return { type: 'message', messageId: newSortableId(Date.UTC(2030, 0, 1) + clock), roomId, from, text, sentAt: new Date(Date.UTC(2030, 0, 1) + clock).toISOString() };
};
const stored = ({ type: _type, ...rest }: InboxMessage): StoredMessage => rest;
const texts = (model: RoomsModel, roomId: string) => model.timeline(roomId).messages().map((m) => m.text);
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

function modelWith(api: FakeRoomsApi, userId = 'bob', refreshRetryMs = 1): RoomsModel {
  return new RoomsModel(api, userId, { historyPageSize: 3, refreshRetryMs });
}

describe('RoomsModel', () => {
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

  it('counts unread messages of rooms that are not open, except the user\'s own, and clears them on open', async () => {
    const model = modelWith(api);
    await model.loadRooms();
    model.receive('general', message('general', 'hi bob'));
    model.receive('general', message('general', 'mine', 'bob'));
    model.receive('general', message('general', 'again'));
    expect(model.unread('general')).toBe(2);
    model.open('general');
    expect(model.unread('general')).toBe(0);
    model.receive('general', message('general', 'while open'));
    expect(model.unread('general')).toBe(0);
  });

  it('keeps messages that arrive before the room is open or its history loaded, and merges them with the history once', async () => {
    const model = modelWith(api);
    const old = [message('general', 'old 1'), message('general', 'old 2')];
    const early = message('general', 'early live'); // in the inbox before the page loaded, and in the history too
    api.messages.set('general', [...old, early].map(stored));
    expect(model.receive('general', early)).toBe(true);
    expect(model.receive('general', early)).toBe(false); // a QoS 1 redelivery
    model.open('general');
    const later = message('general', 'live after');
    model.receive('general', later);
    await settle();
    expect(texts(model, 'general')).toEqual(['old 1', 'old 2', 'early live', 'live after']);
    expect(model.timeline('general').history).toEqual({ status: 'loaded' });
    expect(api.calls.filter((c) => c.startsWith('history'))).toEqual(['history general']);
  });

  it('pages older history with the cursor the API gave, and retries a failed page with the same cursor', async () => {
    const model = modelWith(api);
    const all = Array.from({ length: 7 }, (_, i) => message('general', `m${i + 1}`));
    api.messages.set('general', all.map(stored));
    await model.loadHistory('general');
    expect(texts(model, 'general')).toEqual(['m5', 'm6', 'm7']);
    const firstCursor = all[4]!.messageId;
    expect(model.timeline('general').history).toEqual({ status: 'loaded', older: firstCursor });
    api.failNext = new ApiError('The service had a problem (503): busy; try again shortly', 503);
    await model.loadOlder('general');
    expect(model.timeline('general').history).toEqual({ status: 'failed', error: 'The service had a problem (503): busy; try again shortly', older: firstCursor });
    await model.retryHistory('general');
    expect(texts(model, 'general')).toEqual(['m2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    await model.loadOlder('general');
    expect(texts(model, 'general')).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    expect(model.timeline('general').history).toEqual({ status: 'loaded' });
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

  it('ignores an inbox message whose payload names another room than its topic', () => {
    const model = modelWith(api);
    expect(model.receive('general', message('ops', 'misrouted'))).toBe(false);
    expect(model.timeline('general').size).toBe(0);
    expect(model.timeline('ops').size).toBe(0);
  });

  it('creates a room owned by the user, with an empty history that needs no fetch', async () => {
    const model = modelWith(api, 'alice');
    const roomId = await model.createRoom('Launch');
    expect(model.room(roomId)).toEqual({ roomId, name: 'Launch', role: 'owner' });
    expect(model.members(roomId).members).toEqual([{ userId: 'alice', role: 'owner' }]);
    model.open(roomId);
    expect(api.calls).toEqual(['createRoom Launch']);
  });

  it('adds and removes members, and forgets a room the user leaves (closing it if open)', async () => {
    const model = modelWith(api, 'alice');
    api.members.set('ops', [{ userId: 'alice', role: 'owner' }]);
    await model.loadRooms();
    model.open('ops');
    await settle();
    await model.putMember('ops', 'bob');
    expect(model.members('ops').members).toEqual([{ userId: 'alice', role: 'owner' }, { userId: 'bob', role: 'member' }]);
    await model.removeMember('ops', 'bob');
    expect(model.members('ops').members).toEqual([{ userId: 'alice', role: 'owner' }]);
    const changes: RoomsChange[] = [];
    model.on((c) => changes.push(c));
    await model.leave('ops');
    expect(api.calls.slice(-1)).toEqual(['removeMember ops alice']);
    expect(model.room('ops')).toBeUndefined();
    expect(model.selected).toBeUndefined();
    expect(changes).toContainEqual({ kind: 'selected' });
  });

  it('rejects a refused change with the API\'s explanation and changes nothing', async () => {
    const model = modelWith(api, 'alice');
    await model.loadRooms();
    api.failNext = new ApiError('Not possible: alice is the last owner of room ops, which has other members', 409);
    await expect(model.leave('ops')).rejects.toThrow('Not possible: alice is the last owner');
    expect(model.room('ops')).toBeDefined();
  });
});
