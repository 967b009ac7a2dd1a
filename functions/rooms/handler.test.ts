import { newSortableId } from '../../core/ids.js';
import { TopicScheme } from '../../core/topics.js';
import { context, displayNameOf, fakeCaller, httpEvent, silentLogger } from '../../test/fixtures/events.js';
import { memoryRateLimiter } from '../../test/fixtures/rate-limiter.js';
import { MemoryRoomStore } from '../../test/support/memory-room-store.js';
import { MemoryUserDirectory } from '../../test/support/memory-user-directory.js';
import { recordingPublisher, recordingQueue } from '../../test/support/recording.js';
import { MemoryPresenceStore } from '../presence/memory-presence-store.test-support.js';
import type { RateLimiter } from '../shared/ports.js';
import { profileRegistrar } from '../users/registration.js';
import { createRoomsHandler } from './handler.js';

function setup(options: { rateLimiter?: RateLimiter; inviteLimiter?: RateLimiter } = {}) {
  const store = new MemoryRoomStore();
  const directory = new MemoryUserDirectory();
  const publisher = recordingPublisher();
  let n = 0;
  const logger = silentLogger();
  const handler = createRoomsHandler({
    logger,
    resolveCaller: fakeCaller,
    store,
    directory,
    registrar: profileRegistrar(directory, logger),
    presence: new MemoryPresenceStore(),
    publisher,
    fanoutQueue: recordingQueue(),
    topics: new TopicScheme({ app: 'app', stage: 'test' }),
    directFanoutMax: 50,
    publishConcurrency: 4,
    clock: { now: () => new Date('2030-01-01T00:00:00Z') },
    newRoomId: () => `room${++n}`,
    newEventId: () => `e${n}`,
    ...options,
  });
  const call = (
    method: string,
    routePath: string,
    options: { user?: string; body?: unknown; pathParameters?: Record<string, string>; query?: Record<string, string>; headers?: Record<string, string> } = {},
  ) =>
    handler(
      httpEvent({
        method,
        path: routePath,
        routeKey: `${method} ${routePath}`,
        headers: { ...(options.user ? { authorization: `Bearer ${options.user}` } : {}), ...options.headers },
        ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
        ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
        ...(options.query ? { queryStringParameters: options.query } : {}),
      }),
      context,
    );
  /** Every user signs in once (GET /rooms), so the directory knows them. */
  const signIn = async (...users: string[]) => {
    for (const user of users) expect((await call('GET', '/rooms', { user })).statusCode).toBe(200);
  };
  const create = async (user: string, name: string) => JSON.parse((await call('POST', '/rooms', { user, body: { name } })).body!).roomId as string;
  const member = (roomId: string, userId: string) => ({ pathParameters: { roomId, userId } });
  return { store, directory, publisher, call, signIn, create, member };
}

const json = (res: { body?: string }) => JSON.parse(res.body!);

describe('rooms API', () => {
  it('creates a room (201), invites by id (204) and by username (201), lists rooms and members with names and presence', async () => {
    const { call, signIn, create, member } = setup();
    await signIn('alice', 'bob', 'carol');
    const roomId = await create('alice', 'Launch');
    expect((await call('PUT', '/rooms/{roomId}/members/{userId}', { user: 'alice', ...member(roomId, 'bob') })).statusCode).toBe(204);
    const invited = await call('POST', '/rooms/{roomId}/members', { user: 'alice', body: { username: 'carol' }, pathParameters: { roomId } });
    expect([invited.statusCode, json(invited)]).toEqual([201, { member: { userId: 'carol', displayName: 'Carol', role: 'member', online: false } }]);
    const again = await call('POST', '/rooms/{roomId}/members', { user: 'alice', body: { userId: 'carol' }, pathParameters: { roomId } });
    expect(again.statusCode).toBe(200);
    expect(json(await call('GET', '/rooms', { user: 'bob' }))).toEqual({ rooms: [{ roomId, name: 'Launch', role: 'member', unread: 0 }] });
    const members = await call('GET', '/rooms/{roomId}/members', { user: 'bob', pathParameters: { roomId } });
    expect(json(members).members).toEqual([
      { userId: 'alice', displayName: 'Alice', role: 'owner', online: false },
      { userId: 'bob', displayName: 'Bob', role: 'member', online: false },
      { userId: 'carol', displayName: 'Carol', role: 'member', online: false },
    ]);
  });

  it('writes the profile of each caller on first use, from their token', async () => {
    const { call, directory } = setup();
    expect(await directory.get('dora')).toBeUndefined();
    await call('GET', '/rooms', { user: 'dora' });
    expect(await directory.get('dora')).toEqual({ userId: 'dora', displayName: displayNameOf('dora'), kind: 'app' });
  });

  it('answers 404 with a sentence to an invite of someone the directory does not know, and adds nobody', async () => {
    const { call, signIn, create, member, store } = setup();
    await signIn('alice');
    const roomId = await create('alice', 'R');
    const byName = await call('POST', '/rooms/{roomId}/members', { user: 'alice', body: { username: 'dana' }, pathParameters: { roomId } });
    expect([byName.statusCode, json(byName)]).toEqual([404, { error: 'not_found', message: 'No user named dana' }]);
    const byId = await call('PUT', '/rooms/{roomId}/members/{userId}', { user: 'alice', ...member(roomId, 'nosuchuser') });
    expect([byId.statusCode, json(byId).message]).toEqual([404, 'No user with id nosuchuser']);
    expect((await store.getRoom(roomId))?.memberCount).toBe(1);
  });

  it('answers 409 to {"role":"owner"} for a non-member, and promotes a member (204)', async () => {
    const { call, signIn, create, member, store } = setup();
    await signIn('alice', 'bob');
    const roomId = await create('alice', 'R');
    const refused = await call('PUT', '/rooms/{roomId}/members/{userId}', { user: 'alice', body: { role: 'owner' }, ...member(roomId, 'bob') });
    expect([refused.statusCode, json(refused).error]).toEqual([409, 'conflict']);
    expect(await store.getMembership(roomId, 'bob')).toBeUndefined();
    await call('PUT', '/rooms/{roomId}/members/{userId}', { user: 'alice', ...member(roomId, 'bob') });
    expect((await call('PUT', '/rooms/{roomId}/members/{userId}', { user: 'alice', body: { role: 'owner' }, ...member(roomId, 'bob') })).statusCode).toBe(204);
    expect(await store.getMembership(roomId, 'bob')).toMatchObject({ role: 'owner' });
  });

  it('renames (200) and deletes (204) a room for owners; members get 403, non-members the same 404 as for an unknown room', async () => {
    const { call, signIn, create, member } = setup();
    await signIn('alice', 'bob');
    const roomId = await create('alice', 'R');
    await call('PUT', '/rooms/{roomId}/members/{userId}', { user: 'alice', ...member(roomId, 'bob') });
    expect((await call('PATCH', '/rooms/{roomId}', { user: 'bob', body: { name: 'B' }, pathParameters: { roomId } })).statusCode).toBe(403);
    const renamed = await call('PATCH', '/rooms/{roomId}', { user: 'alice', body: { name: 'New' }, pathParameters: { roomId } });
    expect([renamed.statusCode, json(renamed)]).toEqual([200, { roomId, name: 'New', role: 'owner' }]);
    const foreign = await call('DELETE', '/rooms/{roomId}', { user: 'mallory', pathParameters: { roomId } });
    const unknown = await call('DELETE', '/rooms/{roomId}', { user: 'mallory', pathParameters: { roomId: 'room99' } });
    expect([foreign.statusCode, unknown.statusCode]).toEqual([404, 404]);
    expect(json(unknown).message.replace('room99', roomId)).toBe(json(foreign).message);
    expect((await call('DELETE', '/rooms/{roomId}', { user: 'alice', pathParameters: { roomId } })).statusCode).toBe(204);
    expect(json(await call('GET', '/rooms', { user: 'bob' })).rooms).toEqual([]);
  });

  it('gives non-members 404 on every room route, and members who are not owners 403 where owners are needed', async () => {
    const { call, signIn, create, member } = setup();
    await signIn('alice', 'bob', 'carol');
    const roomId = await create('alice', 'R');
    await call('PUT', '/rooms/{roomId}/members/{userId}', { user: 'alice', ...member(roomId, 'bob') });
    for (const [method, route, options] of [
      ['GET', '/rooms/{roomId}/members', { pathParameters: { roomId } }],
      ['POST', '/rooms/{roomId}/members', { pathParameters: { roomId }, body: { userId: 'carol' } }],
      ['PUT', '/rooms/{roomId}/members/{userId}', member(roomId, 'carol')],
      ['DELETE', '/rooms/{roomId}/members/{userId}', member(roomId, 'bob')],
      ['PATCH', '/rooms/{roomId}', { pathParameters: { roomId }, body: { name: 'x' } }],
      ['DELETE', '/rooms/{roomId}', { pathParameters: { roomId } }],
    ] as const) {
      expect(`${method} ${route} ${(await call(method, route, { user: 'mallory', ...options })).statusCode}`).toBe(`${method} ${route} 404`);
    }
    expect((await call('POST', '/rooms/{roomId}/members', { user: 'bob', pathParameters: { roomId }, body: { userId: 'carol' } })).statusCode).toBe(403);
    expect((await call('DELETE', '/rooms/{roomId}/members/{userId}', { user: 'bob', ...member(roomId, 'alice') })).statusCode).toBe(403);
  });

  it('answers a POST /rooms retry with the same Idempotency-Key with the same 201 and body, creating one room', async () => {
    const { call, store } = setup();
    const headers = { 'idempotency-key': 'c3f1a1de-0b8e-4b5e-9f1a-3c3b7e6f2a10' };
    const first = await call('POST', '/rooms', { user: 'alice', body: { name: 'Once' }, headers });
    const retry = await call('POST', '/rooms', { user: 'alice', body: { name: 'Once' }, headers });
    expect([first.statusCode, retry.statusCode, retry.body]).toEqual([201, 201, first.body]);
    expect(retry.headers).toMatchObject({ 'idempotent-replayed': 'true' });
    expect(store.rooms.size).toBe(1);
    const reused = await call('POST', '/rooms', { user: 'alice', body: { name: 'Other' }, headers });
    expect(reused.statusCode).toBe(422);
    expect((await call('POST', '/rooms', { user: 'alice', body: { name: 'x' }, headers: { 'idempotency-key': 'no spaces please' } })).statusCode).toBe(400);
  });

  it.each([
    ['a room id with a wildcard', 'GET', '/rooms/{roomId}/members', { pathParameters: { roomId: 'r+' } }],
    ['a user id with a slash', 'PUT', '/rooms/{roomId}/members/{userId}', { pathParameters: { roomId: 'room1', userId: 'a/b' } }],
    ['a role that does not exist', 'PUT', '/rooms/{roomId}/members/{userId}', { body: { role: 'admin' }, pathParameters: { roomId: 'room1', userId: 'zed' } }],
    ['an invite naming nobody', 'POST', '/rooms/{roomId}/members', { body: {}, pathParameters: { roomId: 'room1' } }],
    ['an invite naming two people', 'POST', '/rooms/{roomId}/members', { body: { username: 'a', email: 'b@c.d' }, pathParameters: { roomId: 'room1' } }],
    ['an invite with a malformed email', 'POST', '/rooms/{roomId}/members', { body: { email: 'not-an-email' }, pathParameters: { roomId: 'room1' } }],
    ['a rename to an empty name', 'PATCH', '/rooms/{roomId}', { body: { name: ' ' }, pathParameters: { roomId: 'room1' } }],
    ['a limit of 0', 'GET', '/rooms', { query: { limit: '0' } }],
    ['a limit that is not a number', 'GET', '/rooms', { query: { limit: '10abc' } }],
    ['a cursor this API did not issue', 'GET', '/rooms', { query: { cursor: 'Zm9yZ2Vk' } }],
    ['a cursor with odd characters', 'GET', '/rooms', { query: { cursor: '{"pk":"ROOM#x"}' } }],
  ] as const)('answers 400 to %s', async (_name, method, route, options) => {
    const { call, create } = setup();
    await create('alice', 'R');
    const res = await call(method, route, { user: 'alice', ...options });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toMatchObject({ error: 'bad_request', message: expect.any(String) });
  });

  it('answers 401 without a token', async () => {
    const { call } = setup();
    expect((await call('GET', '/rooms')).statusCode).toBe(401);
  });

  it("counts the write routes against the caller's limit, answering 429 with Retry-After; reads are not limited", async () => {
    const limiter = memoryRateLimiter(2);
    const { call, signIn, create, member } = setup({ rateLimiter: limiter });
    await signIn('erin', 'bob');
    const roomId = await create('erin', 'R');
    expect((await call('PUT', '/rooms/{roomId}/members/{userId}', { user: 'erin', ...member(roomId, 'bob') })).statusCode).toBe(204);
    const refused = await call('DELETE', '/rooms/{roomId}/members/{userId}', { user: 'erin', ...member(roomId, 'bob') });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers).toMatchObject({ 'retry-after': '42' });
    for (let i = 0; i < 5; i += 1) expect((await call('GET', '/rooms', { user: 'erin' })).statusCode).toBe(200);
    expect(limiter.consumed).toEqual(['erin', 'erin']);
    // The refused request changed nothing.
    expect(json(await call('GET', '/rooms/{roomId}/members', { user: 'erin', pathParameters: { roomId } })).members).toHaveLength(2);
  });

  it('limits invites per pair of users through the invite limiter, with a sentence naming the invitee', async () => {
    const inviteLimiter = memoryRateLimiter(1, 3000);
    const { call, signIn, create } = setup({ inviteLimiter });
    await signIn('alice', 'bob');
    const [a, b] = [await create('alice', 'A'), await create('alice', 'B')];
    expect((await call('POST', '/rooms/{roomId}/members', { user: 'alice', body: { userId: 'bob' }, pathParameters: { roomId: a } })).statusCode).toBe(201);
    const refused = await call('POST', '/rooms/{roomId}/members', { user: 'alice', body: { userId: 'bob' }, pathParameters: { roomId: b } });
    expect([refused.statusCode, refused.headers?.['retry-after'], json(refused).message]).toEqual([
      429,
      '3000',
      'you have added Bob to too many rooms recently; try again in 3000 s',
    ]);
    expect(inviteLimiter.consumed).toEqual(['alice#bob']);
  });

  it('does not count a request without a valid token (401 first)', async () => {
    const limiter = memoryRateLimiter(1);
    const { call } = setup({ rateLimiter: limiter });
    expect((await call('POST', '/rooms', { body: { name: 'R' } })).statusCode).toBe(401);
    expect(limiter.consumed).toEqual([]);
  });
});

describe('read positions', () => {
  const T0 = Date.UTC(2030, 0, 1);
  /** A message in the store, sent `n` seconds after the room was made (the clock's time). */
  async function say(store: MemoryRoomStore, roomId: string, n: number, from: string): Promise<string> {
    const messageId = newSortableId(T0 + n * 1000);
    await store.putMessage({ messageId, roomId, from, text: `m${n}`, sentAt: new Date(T0 + n * 1000).toISOString() }, 2_000_000_000);
    return messageId;
  }

  it("keeps a member's position (200, forward only), tells their own inbox, and counts what others wrote after it in GET /rooms", async () => {
    const { call, signIn, create, member, store, publisher } = setup();
    await signIn('alice', 'bob');
    const roomId = await create('alice', 'Launch');
    await call('PUT', '/rooms/{roomId}/members/{userId}', { user: 'alice', ...member(roomId, 'bob') });
    const ids = [];
    for (let n = 1; n <= 5; n += 1) ids.push(await say(store, roomId, n, n === 3 ? 'bob' : 'alice'));
    // Before bob reads anything, everything others wrote since he joined is unread (his own m3 is not).
    expect(json(await call('GET', '/rooms', { user: 'bob' })).rooms).toEqual([{ roomId, name: 'Launch', role: 'member', unread: 4 }]);
    publisher.published.length = 0;
    const read = await call('PUT', '/rooms/{roomId}/read', { user: 'bob', body: { messageId: ids[3] }, pathParameters: { roomId } });
    expect([read.statusCode, json(read)]).toEqual([200, { roomId, lastRead: { messageId: ids[3], at: '2030-01-01T00:00:00.000Z' } }]);
    expect(publisher.published).toEqual([
      { topic: `app/test/users/bob/rooms/${roomId}`, payload: { type: 'read', roomId, messageId: ids[3], at: '2030-01-01T00:00:00.000Z' }, qos: 1 },
    ]);
    expect(json(await call('GET', '/rooms', { user: 'bob' })).rooms).toEqual([
      { roomId, name: 'Launch', role: 'member', unread: 1, lastRead: { messageId: ids[3], at: '2030-01-01T00:00:00.000Z' } },
    ]);
    // A position behind the kept one (another device, late) changes nothing and tells nobody.
    publisher.published.length = 0;
    const late = await call('PUT', '/rooms/{roomId}/read', { user: 'bob', body: { messageId: ids[0] }, pathParameters: { roomId } });
    expect([late.statusCode, json(late).lastRead.messageId]).toEqual([200, ids[3]]);
    expect(publisher.published).toEqual([]);
    // alice's position is her own.
    expect(json(await call('GET', '/rooms', { user: 'alice' })).rooms[0]).toMatchObject({ unread: 1 });
  });

  it('answers a non-member and a room that does not exist with the same 404, and keeps nothing', async () => {
    const { call, signIn, create, store } = setup();
    await signIn('alice', 'mallory');
    const roomId = await create('alice', 'Private');
    const messageId = await say(store, roomId, 1, 'alice');
    const theirs = await call('PUT', '/rooms/{roomId}/read', { user: 'mallory', body: { messageId }, pathParameters: { roomId } });
    const missing = await call('PUT', '/rooms/{roomId}/read', { user: 'mallory', body: { messageId }, pathParameters: { roomId: 'nosuchroom' } });
    expect([theirs.statusCode, missing.statusCode]).toEqual([404, 404]);
    expect(json(theirs).message).toBe(json(missing).message.replace('nosuchroom', roomId));
    expect(await store.getMembership(roomId, 'mallory')).toBeUndefined();
  });

  it.each([
    [{}, 'messageId'],
    [{ messageId: 'not-a-message-id' }, 'must be a message id'],
    [{ messageId: 42 }, 'must be a string'],
  ])('answers %j with 400 and a sentence naming the problem', async (body, words) => {
    const { call, signIn, create } = setup();
    await signIn('alice');
    const roomId = await create('alice', 'R');
    const res = await call('PUT', '/rooms/{roomId}/read', { user: 'alice', body, pathParameters: { roomId } });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toMatchObject({ error: 'bad_request', message: expect.stringContaining(words) });
  });

  it('does not count a read against the write limit', async () => {
    const limiter = memoryRateLimiter(100);
    const { call, signIn, create, store } = setup({ rateLimiter: limiter });
    await signIn('alice');
    const roomId = await create('alice', 'R');
    const messageId = await say(store, roomId, 1, 'alice');
    const before = limiter.consumed.length;
    expect((await call('PUT', '/rooms/{roomId}/read', { user: 'alice', body: { messageId }, pathParameters: { roomId } })).statusCode).toBe(200);
    expect(limiter.consumed.length).toBe(before);
  });
});
