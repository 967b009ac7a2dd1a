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

describe("presence-events handler, fed in batches (the rule's SQS action and an event source mapping)", () => {
  const sqsRecord = (messageId: string, body: unknown) => ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(T), SenderId: 'iot', ApproximateFirstReceiveTimestamp: String(T) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:app-test-presence',
    awsRegion: 'eu-west-1',
  });
  const lifecycleBody = (eventType: 'connected' | 'disconnected', clientId: string, versionNumber: number) => ({
    clientId,
    eventType,
    versionNumber,
    timestamp: T,
    sessionIdentifier: 's',
    principalIdentifier: 'p',
  });
  /** The presence store's writes, by user. */
  const countingWrites = (presence: MemoryPresenceStore) => {
    const writes = new Map<string, number>();
    const put = presence.put.bind(presence);
    presence.put = async (userId, connections, revision) => {
      writes.set(userId, (writes.get(userId) ?? 0) + 1);
      return put(userId, connections, revision);
    };
    return writes;
  };

  it('records a flood of one user in one write per user per batch, and tells the rooms of the net change only', async () => {
    const { presence, published, events } = await world();
    const writes = countingWrites(presence);
    // alice flaps 50 times over 5 tabs and ends with one tab open; carol connects once.
    const records = [];
    for (let i = 0; i < 50; i += 1) {
      const tab = `app.test.alice.t${i % 5}`;
      const version = Math.floor(i / 5) + 1;
      records.push(sqsRecord(`a${i}c`, lifecycleBody('connected', tab, version)), sqsRecord(`a${i}d`, lifecycleBody('disconnected', tab, version)));
    }
    records.push(sqsRecord('a-last', lifecycleBody('connected', 'app.test.alice.t0', 99)), sqsRecord('c1', lifecycleBody('connected', 'app.test.carol', 1)));
    const response = await events({ Records: records }, context);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(Object.fromEntries(writes)).toEqual({ alice: 1, carol: 1 });
    expect(
      Object.entries(presence.items.get('alice')!.connections)
        .filter(([, c]) => c.connected)
        .map(([id]) => id),
    ).toEqual(['app.test.alice.t0']);
    // alice went from offline to online once (the flapping in between is not told); carol too.
    expect(published.map((p) => p.payload)).toEqual(
      expect.arrayContaining([
        { type: 'presence', roomId: 'general', userId: 'alice', online: true },
        { type: 'presence', roomId: 'general', userId: 'carol', online: true },
      ]),
    );
    expect(published.filter((p) => (p.payload as { userId: string }).userId === 'alice')).toHaveLength(2);
  });

  it('tells nothing for a burst that ends where it began, and skips events older than the recorded ones', async () => {
    const { presence, published, events } = await world();
    await events({ Records: [sqsRecord('1', lifecycleBody('connected', 'app.test.bob', 5))] }, context);
    published.length = 0;
    const writes = countingWrites(presence);
    // Out of order and duplicated: version 4 is older than what is recorded; 6 connects and disconnects; then 7 connects.
    const burst = [
      lifecycleBody('disconnected', 'app.test.bob', 6),
      lifecycleBody('connected', 'app.test.bob', 4),
      lifecycleBody('connected', 'app.test.bob', 6),
      lifecycleBody('connected', 'app.test.bob', 7),
      lifecycleBody('connected', 'app.test.bob', 7),
    ];
    await events({ Records: burst.map((b, i) => sqsRecord(`b${i}`, b)) }, context);
    expect(writes.get('bob')).toBe(1);
    expect(presence.items.get('bob')!.connections['app.test.bob']).toMatchObject({ connected: true, versionNumber: 7 });
    expect(published).toEqual([]);
    // A batch of nothing newer writes nothing.
    await events({ Records: [sqsRecord('old', lifecycleBody('disconnected', 'app.test.bob', 3))] }, context);
    expect(writes.get('bob')).toBe(1);
  });

  it('drops malformed records and ignores connect_failed and foreign client ids, without failing them', async () => {
    const { presence, events, warnings } = await world();
    const response = await events(
      {
        Records: [
          sqsRecord('not-json', '{oops'),
          sqsRecord('bad', { clientId: 'app.test.alice', eventType: 'connected', versionNumber: -1, timestamp: T }),
          sqsRecord('failed', { clientId: 'app.test.alice', eventType: 'connect_failed', timestamp: T, connectFailureReason: 'AUTHORIZATION_FAILED' }),
          sqsRecord('foreign', lifecycleBody('connected', 'app.prod.alice', 1)),
        ],
      },
      context,
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(presence.items.size).toBe(0);
    expect(warnings).toHaveBeenCalledTimes(2);
  });

  it("reports exactly the records of a user whose write failed as batch item failures; the others' are recorded", async () => {
    const { presence, events } = await world();
    const get = presence.get.bind(presence);
    presence.get = async (userId) => (userId === 'bob' ? Promise.reject(new UpstreamError('throttled', true)) : get(userId));
    const response = await events(
      {
        Records: [
          sqsRecord('b1', lifecycleBody('connected', 'app.test.bob', 1)),
          sqsRecord('a1', lifecycleBody('connected', 'app.test.alice', 1)),
          sqsRecord('b2', lifecycleBody('disconnected', 'app.test.bob', 1)),
        ],
      },
      context,
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'b1' }, { itemIdentifier: 'b2' }] });
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
