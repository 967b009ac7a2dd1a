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
  /** What the next posts do: be stored (and answered), hang until aborted, or be refused. */
  postOutcome: 'store' | 'hang' | ApiError = 'store';
  postMessage = async (roomId: string, text: string, signal?: AbortSignal) => {
    this.#call(`postMessage ${roomId}`);
    const outcome = this.postOutcome;
    if (outcome instanceof ApiError) throw outcome;
    if (outcome === 'hang') {
      return new Promise<never>((_resolve, reject) =>
        signal?.addEventListener('abort', () => reject(new ApiError('The API did not answer in time', 0, 'timeout'))),
      );
    }
    const sent = message(roomId, text, this.poster);
    this.messages.set(roomId, [...(this.messages.get(roomId) ?? []), stored(sent)]);
    this.posted.push(sent);
    return { messageId: sent.messageId, roomId, sentAt: sent.sentAt };
  };
  /** Who posts (the signed-in user of the model under test), and what was stored, as the inbox would deliver it. */
  poster = 'bob';
  posted: InboxMessage[] = [];
  /** Online members per room; a room missing here answers 404 (no presence route). */
  online = new Map<string, string[]>();
  presence = async (roomId: string) => {
    this.#call(`presence ${roomId}`);
    const online = this.online.get(roomId);
    if (!online) throw new ApiError('Not found: no route', 404);
    return { online };
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
  return {
    type: 'message',
    messageId: newSortableId(Date.UTC(2030, 0, 1) + clock),
    roomId,
    from,
    fromName: from,
    text,
    sentAt: new Date(Date.UTC(2030, 0, 1) + clock).toISOString(),
  };
};
const stored = ({ type: _type, ...rest }: InboxMessage): StoredMessage => rest;
const texts = (model: RoomsModel, roomId: string) =>
  model
    .timeline(roomId)
    .messages()
    .map((m) => m.text);
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

  it("counts unread messages of rooms that are not open, except the user's own, and clears them on open", async () => {
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
    expect(model.timeline('general').history).toEqual({
      status: 'failed',
      error: 'The service had a problem (503): busy; try again shortly',
      older: firstCursor,
    });
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
    expect(model.members(roomId).members).toEqual([{ userId: 'alice', displayName: 'alice', role: 'owner', online: true }]);
    model.open(roomId);
    expect(api.calls).toEqual(['createRoom Launch']);
  });

  it('adds and removes members, and forgets a room the user leaves (closing it if open)', async () => {
    const model = modelWith(api, 'alice');
    api.members.set('ops', [{ userId: 'alice', displayName: 'Alice', role: 'owner', online: true }]);
    await model.loadRooms();
    model.open('ops');
    await settle();
    await model.putMember('ops', 'bob');
    expect(model.members('ops').members).toEqual([
      { userId: 'alice', displayName: 'Alice', role: 'owner', online: true },
      { userId: 'bob', displayName: 'bob', role: 'member', online: false },
    ]);
    await model.removeMember('ops', 'bob');
    expect(model.members('ops').members).toEqual([{ userId: 'alice', displayName: 'Alice', role: 'owner', online: true }]);
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

describe('RoomsModel sending', () => {
  let api: FakeRoomsApi;
  beforeEach(() => {
    api = new FakeRoomsApi();
    api.rooms = [{ roomId: 'general', name: 'General', role: 'member' }];
  });

  it("shows a message as sending at once, and as the user's own message (no longer outgoing) when its echo arrives", async () => {
    const model = modelWith(api);
    model.send('general', 'hello');
    expect(model.outbox('general')).toEqual([{ localId: 'local-1', text: 'hello', status: 'sending' }]);
    await settle();
    expect(model.outbox('general')).toMatchObject([{ status: 'sending', messageId: api.posted[0]!.messageId }]);
    expect(model.receive('general', api.posted[0]!)).toBe(true);
    expect(model.outbox('general')).toEqual([]);
    expect(texts(model, 'general')).toEqual(['hello']);
  });

  it("matches an echo that comes before the API's answer by its text, once", async () => {
    const model = modelWith(api);
    model.send('general', 'same');
    model.send('general', 'same');
    model.receive('general', message('general', 'same', 'bob'));
    expect(model.outbox('general').map((o) => o.localId)).toEqual(['local-2']);
    await settle();
    expect(model.outbox('general')).toHaveLength(1);
    model.close(); // stops the timer of the one still waiting for its echo
  });

  it('reports a refused message (429 with when to retry) as not delivered, and sends it again on retry', async () => {
    const model = modelWith(api);
    api.postOutcome = new ApiError('Too many requests; try again in 12 s', 429, 'too_many_requests', 12);
    model.send('general', 'too fast');
    await settle();
    expect(model.outbox('general')).toEqual([{ localId: 'local-1', text: 'too fast', status: 'failed', error: 'Too many requests; try again in 12 s' }]);
    api.postOutcome = 'store';
    model.retrySend('general', 'local-1');
    expect(model.outbox('general')[0]?.status).toBe('sending');
    await settle();
    model.receive('general', api.posted[0]!);
    expect(model.outbox('general')).toEqual([]);
  });

  it('gives up on a send the API does not answer in time, saying it may not have been sent; discard removes it', async () => {
    const model = new RoomsModel(api, 'bob', { sendTimeoutMs: 20 });
    api.postOutcome = 'hang';
    model.send('general', 'into the void');
    await new Promise((r) => setTimeout(r, 60));
    expect(model.outbox('general')).toEqual([
      { localId: 'local-1', text: 'into the void', status: 'failed', error: 'no answer from the server within 0 s; it may not have been sent' },
    ]);
    model.discardSend('general', 'local-1');
    expect(model.outbox('general')).toEqual([]);
  });

  it('says accepted (not "not delivered", which would invite a duplicate) when the API took it but the echo does not come', async () => {
    const model = new RoomsModel(api, 'bob', { sendTimeoutMs: 20 });
    model.send('general', 'no echo');
    await new Promise((r) => setTimeout(r, 60));
    expect(model.outbox('general')).toMatchObject([{ status: 'accepted', messageId: api.posted[0]!.messageId }]);
    // It arrives with the history after a reconnection: done.
    model.open('general');
    await settle();
    await model.catchUp();
    expect(model.outbox('general')).toEqual([]);
    expect(texts(model, 'general')).toEqual(['no echo']);
  });
});

describe('RoomsModel catching up after a reconnection', () => {
  let api: FakeRoomsApi;
  beforeEach(() => {
    api = new FakeRoomsApi();
    api.rooms = [
      { roomId: 'general', name: 'General', role: 'member' },
      { roomId: 'ops', name: 'Ops', role: 'member' },
    ];
  });

  it('adds what was missed in loaded rooms once and in order, counts it unread where the room is not open, and leaves unloaded rooms alone', async () => {
    const model = modelWith(api);
    await model.loadRooms();
    const seen = [message('general', 'g1'), message('general', 'g2')];
    api.messages.set('general', seen.map(stored));
    const o1 = stored(message('ops', 'o1'));
    api.messages.set('ops', [o1]);
    model.open('ops');
    await settle();
    model.open('general');
    await settle();
    model.connectionLost();
    const missedGeneral = [
      message('general', 'g3', 'alice'),
      message('general', 'g4', 'bob'),
      message('general', 'g5', 'alice'),
      message('general', 'g6', 'alice'),
    ];
    const missedOps = [message('ops', 'o2', 'alice'), message('ops', 'o3', 'alice')];
    api.messages.set('general', [...seen, ...missedGeneral].map(stored));
    api.messages.set('ops', [o1, ...missedOps.map(stored)]);
    // One of them did arrive live meanwhile (the persistent session replayed it): it is not added twice.
    model.receive('general', missedGeneral[3]!);
    api.calls = [];
    await model.catchUp();
    expect(texts(model, 'general')).toEqual(['g1', 'g2', 'g3', 'g4', 'g5', 'g6']);
    expect(texts(model, 'ops')).toEqual(['o1', 'o2', 'o3']);
    expect(model.unread('ops')).toBe(2);
    expect(model.unread('general')).toBe(0);
    // ops: one page; general: two pages of 3 until it reached g2 (g6, replayed live, is no stop).
    expect(api.calls.filter((c) => c.startsWith('history'))).toEqual(['history ops', 'history general', expect.stringMatching(/^history general before /)]);
  });

  it('starts a room afresh when more was missed than it reads, so no gap stays between old and new messages', async () => {
    const model = new RoomsModel(api, 'bob', { historyPageSize: 2, maxCatchUpPages: 2 });
    const old = stored(message('general', 'old'));
    api.messages.set('general', [old]);
    model.open('general');
    await settle();
    model.connectionLost();
    const missed = Array.from({ length: 7 }, (_, i) => stored(message('general', `new ${i + 1}`, 'alice')));
    api.messages.set('general', [old, ...missed]);
    await model.catchUp();
    expect(texts(model, 'general')).toEqual(['new 6', 'new 7']);
    expect(model.timeline('general').history).toMatchObject({ status: 'loaded', older: expect.any(String) });
  });
});

describe('RoomsModel presence', () => {
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
