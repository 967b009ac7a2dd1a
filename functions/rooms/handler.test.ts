import { context, fakeVerifier, httpEvent, silentLogger } from '../../test/fixtures/events.js';
import { memoryRateLimiter } from '../../test/fixtures/rate-limiter.js';
import { MemoryRoomStore } from '../../test/support/memory-room-store.js';
import { createRoomsHandler } from './handler.js';

const store = new MemoryRoomStore();
let n = 0;
const handler = createRoomsHandler({
  logger: silentLogger(),
  resolveCaller: async (header) => ({ ...(await fakeVerifier(header)), kind: 'app' }),
  store,
  clock: { now: () => new Date('2030-01-01T00:00:00Z') },
  newRoomId: () => `room${++n}`,
});

const as = (user: string) => ({ authorization: `Bearer ${user}` });
function call(
  method: string,
  path: string,
  options: { user?: string; body?: string; pathParameters?: Record<string, string>; query?: Record<string, string>; routePath?: string } = {},
) {
  return handler(
    httpEvent({
      method,
      path,
      routeKey: `${method} ${options.routePath ?? path}`,
      headers: options.user ? as(options.user) : {},
      ...(options.body !== undefined ? { body: options.body } : {}),
      ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
      ...(options.query ? { queryStringParameters: options.query } : {}),
    }),
    context,
  );
}
const member = (roomId: string, userId: string) => ({ pathParameters: { roomId, userId }, routePath: '/rooms/{roomId}/members/{userId}' });

describe('rooms API', () => {
  it('creates a room (201), adds a member (204), lists rooms and members', async () => {
    const created = await call('POST', '/rooms', { user: 'alice', body: '{"name":"Launch"}' });
    expect(created.statusCode).toBe(201);
    expect(JSON.parse(created.body!)).toEqual({ roomId: 'room1', name: 'Launch' });
    expect((await call('PUT', '/rooms/room1/members/bob', { user: 'alice', ...member('room1', 'bob') })).statusCode).toBe(204);
    expect((await call('PUT', '/rooms/room1/members/carol', { user: 'alice', body: '{"role":"owner"}', ...member('room1', 'carol') })).statusCode).toBe(204);
    expect(JSON.parse((await call('GET', '/rooms', { user: 'bob' })).body!)).toEqual({ rooms: [{ roomId: 'room1', name: 'Launch', role: 'member' }] });
    const members = await call('GET', '/rooms/room1/members', { user: 'bob', pathParameters: { roomId: 'room1' }, routePath: '/rooms/{roomId}/members' });
    expect(JSON.parse(members.body!).members).toEqual([
      { userId: 'alice', role: 'owner' },
      { userId: 'bob', role: 'member' },
      { userId: 'carol', role: 'owner' },
    ]);
  });

  it('answers 403 to a member adding someone, 404 for an unknown room, 409 for the last owner, 204 for leaving', async () => {
    await call('POST', '/rooms', { user: 'dave', body: '{"name":"Solo"}' });
    const roomId = `room${n}`;
    await call('PUT', `/rooms/${roomId}/members/erin`, { user: 'dave', ...member(roomId, 'erin') });
    expect((await call('PUT', `/rooms/${roomId}/members/frank`, { user: 'erin', ...member(roomId, 'frank') })).statusCode).toBe(403);
    expect((await call('PUT', '/rooms/nope/members/frank', { user: 'dave', ...member('nope', 'frank') })).statusCode).toBe(404);
    const lastOwner = await call('DELETE', `/rooms/${roomId}/members/dave`, { user: 'dave', ...member(roomId, 'dave') });
    expect(lastOwner.statusCode).toBe(409);
    expect(JSON.parse(lastOwner.body!)).toMatchObject({ error: 'conflict' });
    expect((await call('DELETE', `/rooms/${roomId}/members/erin`, { user: 'erin', ...member(roomId, 'erin') })).statusCode).toBe(204);
  });

  it.each([
    ['a room id with a wildcard', 'GET', { pathParameters: { roomId: 'r+' }, routePath: '/rooms/{roomId}/members' }],
    ['a user id with a slash', 'PUT', { pathParameters: { roomId: 'room1', userId: 'a/b' }, routePath: '/rooms/{roomId}/members/{userId}' }],
    ['a role that does not exist', 'PUT', { body: '{"role":"admin"}', ...member('room1', 'zed') }],
    ['a limit of 0', 'GET', { query: { limit: '0' }, routePath: '/rooms' }],
    ['a limit that is not a number', 'GET', { query: { limit: '10abc' }, routePath: '/rooms' }],
    ['a cursor this API did not issue', 'GET', { query: { cursor: 'Zm9yZ2Vk' }, routePath: '/rooms' }],
    ['a cursor with odd characters', 'GET', { query: { cursor: '{"pk":"ROOM#x"}' }, routePath: '/rooms' }],
  ] as const)('answers 400 to %s', async (_name, method, options) => {
    const res = await call(method, '/x', { user: 'alice', ...options });
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body!)).toMatchObject({ error: 'bad_request', message: expect.any(String) });
  });

  it('answers 401 without a token', async () => {
    expect((await call('GET', '/rooms')).statusCode).toBe(401);
  });

  it("counts the write routes against the caller's limit, answering 429 with Retry-After; reads are not limited", async () => {
    const limiter = memoryRateLimiter(2);
    const limited = createRoomsHandler({
      logger: silentLogger(),
      resolveCaller: async (header) => ({ ...(await fakeVerifier(header)), kind: 'app' }),
      store: new MemoryRoomStore(),
      clock: { now: () => new Date('2030-01-01T00:00:00Z') },
      newRoomId: () => `limited${++n}`,
      rateLimiter: limiter,
    });
    const send = (method: string, path: string, routePath: string, body?: string, pathParameters?: Record<string, string>) =>
      limited(
        httpEvent({
          method,
          path,
          routeKey: `${method} ${routePath}`,
          headers: as('erin'),
          ...(body ? { body } : {}),
          ...(pathParameters ? { pathParameters } : {}),
        }),
        context,
      );
    const created = await send('POST', '/rooms', '/rooms', '{"name":"R"}');
    const roomId = (JSON.parse(created.body!) as { roomId: string }).roomId;
    expect((await send('PUT', `/rooms/${roomId}/members/bob`, '/rooms/{roomId}/members/{userId}', undefined, { roomId, userId: 'bob' })).statusCode).toBe(204);
    const refused = await send('DELETE', `/rooms/${roomId}/members/bob`, '/rooms/{roomId}/members/{userId}', undefined, { roomId, userId: 'bob' });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers).toMatchObject({ 'retry-after': '42' });
    for (let i = 0; i < 5; i += 1) expect((await send('GET', '/rooms', '/rooms')).statusCode).toBe(200);
    expect(limiter.consumed).toEqual(['erin', 'erin']);
    // The refused request changed nothing.
    expect(JSON.parse((await send('GET', `/rooms/${roomId}/members`, '/rooms/{roomId}/members', undefined, { roomId })).body!).members).toHaveLength(2);
  });

  it('does not count a request without a valid token (401 first)', async () => {
    const limiter = memoryRateLimiter(1);
    const limited = createRoomsHandler({
      logger: silentLogger(),
      resolveCaller: async (header) => ({ ...(await fakeVerifier(header)), kind: 'app' }),
      store: new MemoryRoomStore(),
      clock: { now: () => new Date() },
      newRoomId: () => 'x',
      rateLimiter: limiter,
    });
    expect((await limited(httpEvent({ method: 'POST', path: '/rooms', routeKey: 'POST /rooms', body: '{"name":"R"}' }), context)).statusCode).toBe(401);
    expect(limiter.consumed).toEqual([]);
  });
});
