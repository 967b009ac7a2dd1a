import { jest } from '@jest/globals';
import { TopicScheme } from '../../core/topics.js';
import { context, fakeCaller, httpEvent, silentLogger } from '../../test/fixtures/events.js';
import { MemoryRoomStore } from '../../test/support/memory-room-store.js';
import { UpstreamError } from '../shared/errors.js';
import { memoryMetrics } from '../shared/metrics.js';
import type { Publisher } from '../shared/ports.js';
import { createPresenceEventsHandler } from './events-handler.js';
import { createPresenceHandler } from './handler.js';
import { MemoryPresenceStore } from './memory-presence-store.test-support.js';

const topics = new TopicScheme({ app: 'app', stage: 'test' });
const T = Date.UTC(2030, 0, 1, 12);
const clock = { now: () => new Date(T) };

async function world() {
  const rooms = new MemoryRoomStore();
  await rooms.createRoom({ roomId: 'general', name: 'General', createdBy: 'alice', createdAt: '2030-01-01T00:00:00.000Z' });
  await rooms.addMember('general', 'bob', 'alice');
  await rooms.addMember('general', 'carol', 'alice');
  const presence = new MemoryPresenceStore();
  const published: Array<{ topic: string; payload: unknown }> = [];
  const publisher: Publisher = { publish: async (topic, payload) => void published.push({ topic, payload }) };
  const logger = silentLogger();
  const warnings = jest.spyOn(logger, 'warn');
  const events = createPresenceEventsHandler({ logger, presence, rooms, publisher, topics, clock, publishConcurrency: 4, maxNotifications: 100 });
  const lifecycle = (eventType: 'connected' | 'disconnected', clientId: string, versionNumber = 1) =>
    events({ clientId, eventType, versionNumber, timestamp: T, sessionIdentifier: 's', principalIdentifier: 'p' }, context);
  return { rooms, presence, published, events, lifecycle, warnings };
}

describe("presence-events handler (the presence rule's target)", () => {
  it('records a connect and tells the other members; a second tab changes nothing', async () => {
    const { published, lifecycle } = await world();
    await lifecycle('connected', 'app.test.alice.t1');
    expect(published).toEqual([
      { topic: 'app/test/users/bob/rooms/general', payload: { type: 'presence', roomId: 'general', userId: 'alice', online: true } },
      { topic: 'app/test/users/carol/rooms/general', payload: { type: 'presence', roomId: 'general', userId: 'alice', online: true } },
    ]);
    await lifecycle('connected', 'app.test.alice.t2');
    await lifecycle('disconnected', 'app.test.alice.t1');
    expect(published).toHaveLength(2);
    await lifecycle('disconnected', 'app.test.alice.t2');
    expect(published.slice(2).map((p) => p.payload)).toEqual([
      { type: 'presence', roomId: 'general', userId: 'alice', online: false },
      { type: 'presence', roomId: 'general', userId: 'alice', online: false },
    ]);
  });

  it("ignores connect_failed events, which the rule's topic filter also matches: a refused CONNECT opened no connection", async () => {
    const { presence, published, events, warnings } = await world();
    await events(
      {
        clientId: 'app.test.alice',
        timestamp: T,
        eventType: 'connect_failed',
        connectFailureReason: 'AUTHORIZATION_FAILED',
        principalIdentifier: 'p',
        ipAddress: '127.0.0.1',
      },
      context,
    );
    expect(presence.items.size).toBe(0);
    expect(published).toEqual([]);
    expect(warnings).not.toHaveBeenCalled();
  });

  it.each([
    [null],
    ['text'],
    [{}],
    [{ clientId: 'app.test.alice', eventType: 'connected', versionNumber: 1.5, timestamp: T }],
    [{ clientId: 'app.test.alice', eventType: 'connected', versionNumber: -1, timestamp: T }],
    [{ clientId: 'app.test.alice', eventType: 'connected', timestamp: T }],
  ])('drops %j without failing the invocation (a retry would not mend it)', async (input) => {
    const { presence, published, events, warnings } = await world();
    await expect(events(input, context)).resolves.toBeUndefined();
    expect(presence.items.size).toBe(0);
    expect(published).toEqual([]);
    expect(warnings).toHaveBeenCalledWith('not a lifecycle event; dropped', expect.objectContaining({ problems: expect.any(Array) }));
  });

  it('fails the invocation when the store fails before the event is recorded (Lambda retries asynchronous invocations)', async () => {
    const { presence, lifecycle } = await world();
    presence.get = async () => Promise.reject(new UpstreamError('could not read the connections', true));
    await expect(lifecycle('connected', 'app.test.alice')).rejects.toThrow('could not read the connections');
  });

  it('keeps the recorded event when the rooms cannot be read (the change is logged as undelivered, not retried)', async () => {
    const { rooms, presence, lifecycle } = await world();
    rooms.listRoomsOfUser = async () => Promise.reject(new UpstreamError('dynamodb down', true));
    await expect(lifecycle('connected', 'app.test.alice')).resolves.toBeUndefined();
    expect(presence.items.get('alice')?.connections['app.test.alice']).toMatchObject({ connected: true });
  });
});

describe('GET /rooms/{roomId}/presence', () => {
  async function route() {
    const w = await world();
    const metrics = memoryMetrics();
    const handler = createPresenceHandler({
      logger: silentLogger(),
      metrics,
      resolveCaller: fakeCaller,
      store: w.rooms,
      presence: w.presence,
      clock,
    });
    const get = (user: string | undefined, roomId: string, query?: Record<string, string>) =>
      handler(
        httpEvent({
          method: 'GET',
          path: `/rooms/${roomId}/presence`,
          routeKey: 'GET /rooms/{roomId}/presence',
          headers: user ? { authorization: `Bearer ${user}` } : {},
          pathParameters: { roomId },
          ...(query ? { queryStringParameters: query } : {}),
        }),
        context,
      );
    return { ...w, get, metrics };
  }

  it('lists the online members of the room to a member', async () => {
    const { get, lifecycle } = await route();
    expect(await get('bob', 'general')).toMatchObject({ statusCode: 200, body: JSON.stringify({ online: [] }) });
    await lifecycle('connected', 'app.test.alice.t1');
    await lifecycle('connected', 'app.test.carol');
    await lifecycle('connected', 'app.test.mallory');
    await lifecycle('disconnected', 'app.test.carol');
    const res = await get('bob', 'general');
    expect(res).toMatchObject({ statusCode: 200, headers: { 'cache-control': 'no-store' } });
    expect(JSON.parse(res.body!)).toEqual({ online: ['alice'] });
  });

  it('answers 404 to a non-member, the same whether or not the room exists, and 401 without a token', async () => {
    const { get, lifecycle } = await route();
    await lifecycle('connected', 'app.test.alice');
    for (const roomId of ['general', 'nope']) {
      const res = await get('mallory', roomId);
      expect(res.statusCode).toBe(404);
      expect(JSON.parse(res.body!)).toEqual({ error: 'not_found', message: `room ${roomId} does not exist, or you are not a member of it` });
    }
    expect((await get(undefined, 'general')).statusCode).toBe(401);
  });

  it("pages with the member list's cursor, and refuses a room id or cursor it did not issue with 400", async () => {
    const { get, rooms, lifecycle } = await route();
    for (let m = 0; m < 120; m += 1) await rooms.addMember('general', `m${String(m).padStart(3, '0')}`, 'alice');
    await lifecycle('connected', 'app.test.m119');
    await lifecycle('connected', 'app.test.alice');
    const first = JSON.parse((await get('bob', 'general')).body!) as { online: string[]; nextCursor?: string };
    expect(first.online).toEqual(['alice']);
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(JSON.parse((await get('bob', 'general', { cursor: first.nextCursor! })).body!)).toEqual({ online: ['m119'] });
    expect((await get('bob', 'gen+eral')).statusCode).toBe(400);
    expect((await get('bob', 'general', { cursor: '{"pk":"x"}' })).statusCode).toBe(400);
  });
});
