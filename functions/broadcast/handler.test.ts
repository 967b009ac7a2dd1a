import { TopicScheme } from '../../core/topics.js';
import { context, fakeCaller, httpEvent, silentLogger } from '../../test/fixtures/events.js';
import { memoryRateLimiter } from '../../test/fixtures/rate-limiter.js';
import { MemoryBroadcastStore } from '../../test/support/memory-broadcast-store.js';
import type { AppTokenVerifier } from '../shared/app-token.js';
import { PublishFailedError, UnauthorizedError, UpstreamError } from '../shared/errors.js';
import { memoryMetrics } from '../shared/metrics.js';
import type { Publisher } from '../shared/ports.js';
import { createBroadcastHandler } from './handler.js';

/** The token text is "<user>" or "<user>:<role>,<role>"; real verification (the roles claim too) is in app-token.test.ts. */
const verifyToken: AppTokenVerifier = async (header) => {
  const m = /^Bearer (\w+):?([\w,]*)$/.exec(header ?? '');
  if (!m) throw new UnauthorizedError('missing or malformed Authorization header: expected "Bearer <JWT>"');
  const name = m[1] === 'alice' ? { name: 'Alice' } : {};
  return m[2] ? { userId: m[1]!, roles: m[2].split(','), ...name } : { userId: m[1]!, ...name };
};

function setup(options: { limit?: number; publisher?: Publisher } = {}) {
  const published: Array<{ topic: string; payload: unknown; qos: number }> = [];
  const limiter = memoryRateLimiter(options.limit ?? 100);
  const metrics = memoryMetrics();
  const broadcasts = new MemoryBroadcastStore();
  let n = 0;
  const handler = createBroadcastHandler({
    logger: silentLogger(),
    metrics,
    verifyToken,
    resolveCaller: fakeCaller,
    broadcasts,
    rateLimiter: limiter,
    publisher: options.publisher ?? { publish: async (topic, payload, qos) => void published.push({ topic, payload, qos }) },
    clock: { now: () => new Date('2030-01-01T00:00:00Z') },
    newMessageId: () => `m${++n}`,
    topics: new TopicScheme({ app: 'app', stage: 'test' }),
  });
  const post = (token: string | undefined, body: unknown) =>
    handler(
      httpEvent({
        method: 'POST',
        path: '/broadcast',
        headers: token ? { authorization: `Bearer ${token}` } : {},
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
      context,
    );
  const list = (token: string | undefined) =>
    handler(
      httpEvent({ method: 'GET', path: '/broadcasts', routeKey: 'GET /broadcasts', headers: token ? { authorization: `Bearer ${token}` } : {} }),
      context,
    );
  return { post, list, published, limiter, metrics, broadcasts };
}

describe('POST /broadcast', () => {
  it("publishes an admin's message to the broadcast topic at QoS 1 and answers 202", async () => {
    const { post, published } = setup();
    const res = await post('alice:admin', { text: '  Maintenance at noon  ' });
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body!)).toEqual({ messageId: 'm1', topic: 'app/test/broadcast', sentAt: '2030-01-01T00:00:00.000Z' });
    expect(published).toEqual([
      {
        topic: 'app/test/broadcast',
        payload: { type: 'broadcast', messageId: 'm1', from: 'alice', fromName: 'Alice', text: 'Maintenance at noon', sentAt: '2030-01-01T00:00:00.000Z' },
        qos: 1,
      },
    ]);
  });

  it('answers 403 to a user without the admin role, before counting or publishing anything', async () => {
    const { post, published, limiter, metrics } = setup();
    for (const token of ['bob', 'bob:editor', 'bob:admins,ADMIN']) {
      const res = await post(token, { text: 'hi' });
      expect(res.statusCode).toBe(403);
      expect(JSON.parse(res.body!)).toMatchObject({ error: 'forbidden', message: expect.stringContaining('"admin" role') });
    }
    expect(published).toEqual([]);
    expect(limiter.consumed).toEqual([]);
    expect(metrics.totals.Forbidden).toBe(3);
  });

  it('answers 401 without a valid token', async () => {
    const { post, published } = setup();
    expect((await post(undefined, { text: 'hi' })).statusCode).toBe(401);
    expect(published).toEqual([]);
  });

  it('counts each admin send against the limit and answers 429 with Retry-After past it', async () => {
    const { post, published, limiter } = setup({ limit: 2 });
    expect((await post('alice:admin', { text: '1' })).statusCode).toBe(202);
    expect((await post('alice:admin', { text: '2' })).statusCode).toBe(202);
    const refused = await post('alice:admin', { text: '3' });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers).toMatchObject({ 'retry-after': '42' });
    expect(published).toHaveLength(2);
    expect(limiter.consumed).toEqual(['alice', 'alice']);
  });

  it.each([
    [{}, 400],
    [{ text: '   ' }, 400],
    [{ text: 42 }, 400],
    ['not json', 400],
    [{ text: 'x'.repeat(2001) }, 413],
  ])('answers %j with %i', async (body, status) => {
    const { post, published } = setup();
    expect((await post('alice:admin', body)).statusCode).toBe(status);
    expect(published).toEqual([]);
  });

  it('answers 503 when IoT throttles the publish', async () => {
    const { post } = setup({ publisher: { publish: async () => Promise.reject(new PublishFailedError('could not deliver the message', true)) } });
    const res = await post('alice:admin', { text: 'hi' });
    expect(res.statusCode).toBe(503);
    expect(res.headers).toMatchObject({ 'retry-after': '1' });
  });

  it('keeps each broadcast before publishing it, and keeps nothing that was refused', async () => {
    const { post, broadcasts } = setup();
    await post('alice:admin', { text: 'kept' });
    await post('bob', { text: 'refused' });
    await post('alice:admin', { text: '' });
    expect(broadcasts.broadcasts).toEqual([{ messageId: 'm1', from: 'alice', fromName: 'Alice', text: 'kept', sentAt: '2030-01-01T00:00:00.000Z' }]);
  });

  it('does not publish a broadcast it could not keep (the admin gets 503 and can send it again)', async () => {
    const { post, published, broadcasts } = setup();
    broadcasts.put = async () => Promise.reject(new UpstreamError('could not keep the broadcast', true));
    expect((await post('alice:admin', { text: 'hi' })).statusCode).toBe(503);
    expect(published).toEqual([]);
  });
});

describe('GET /broadcasts', () => {
  it('answers any signed-in user with the latest broadcasts, oldest first, without counting the request', async () => {
    const { post, list, limiter } = setup();
    for (const text of ['first', 'second']) await post('alice:admin', { text });
    const consumed = limiter.consumed.length;
    const res = await list('bob');
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!)).toEqual({
      broadcasts: [
        { messageId: 'm1', from: 'alice', fromName: 'Alice', text: 'first', sentAt: '2030-01-01T00:00:00.000Z' },
        { messageId: 'm2', from: 'alice', fromName: 'Alice', text: 'second', sentAt: '2030-01-01T00:00:00.000Z' },
      ],
    });
    expect(limiter.consumed.length).toBe(consumed);
  });

  it('answers 401 without a valid token', async () => {
    const { list } = setup();
    expect((await list(undefined)).statusCode).toBe(401);
  });
});
