/** The POST /jobs idempotency store on dynalite with the real SDK client: pending, done, released, taken over, expired. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IDEMPOTENCY_TABLE, tableName } from '../../core/store/tables.js';
import type { RunningLocalDynamoDb } from '../../local/store/dynalite.js';
import { startLocalTables } from '../../test/support/local-tables.js';
import { DynamoIdempotencyStore } from './dynamo-idempotency-store.js';
import { IdempotencyKeyReusedError, RequestInProgressError } from './errors.js';
import { idempotencyClaim } from './idempotency.js';

const deployment = { app: 'iot-realtime', stage: 'test' };
let dynamo: RunningLocalDynamoDb;
let client: DynamoDBClient;
let store: DynamoIdempotencyStore;

beforeAll(async () => {
  ({ dynamo, client } = await startLocalTables(deployment));
  store = new DynamoIdempotencyStore(client, tableName(deployment, IDEMPOTENCY_TABLE));
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

const T = Date.UTC(2030, 0, 1);
let seq = 0;
const claimFor = (key: string, body: unknown, options: { atMs?: number; fingerprint?: string; userId?: string } = {}) =>
  idempotencyClaim(
    { scope: 'jobs', userId: options.userId ?? 'alice', key, fingerprint: options.fingerprint ?? 'fp' },
    { statusCode: 202, body },
    options.atMs ?? T,
  );

describe('DynamoIdempotencyStore', () => {
  it('claims a key as pending (409 to retries meanwhile), then replays the first response once completed', async () => {
    const key = `k${++seq}`;
    const first = claimFor(key, { jobId: 'j1' });
    await expect(store.claim(first, first.now + 20)).resolves.toEqual({ outcome: 'written' });
    await expect(store.claim(claimFor(key, { jobId: 'j2' }), first.now + 20)).rejects.toBeInstanceOf(RequestInProgressError);
    await store.complete(first);
    await expect(store.claim(claimFor(key, { jobId: 'j3' }), first.now + 20)).resolves.toEqual({
      outcome: 'replayed',
      response: { statusCode: 202, body: { jobId: 'j1' } },
    });
    await expect(store.claim(claimFor(key, {}, { fingerprint: 'another request' }), first.now + 20)).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('lets exactly one of concurrent duplicates claim the key', async () => {
    const key = `k${++seq}`;
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => store.claim(claimFor(key, { jobId: `j${i}` }), T / 1000 + 20)));
    expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value.outcome === 'written')).toHaveLength(1);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(refused).toHaveLength(5);
    expect(refused.every((o) => o.reason instanceof RequestInProgressError)).toBe(true);
  });

  it('gives a released key back at once, and lets the same request take over a claim whose pending time passed', async () => {
    const key = `k${++seq}`;
    const first = claimFor(key, { jobId: 'j1' });
    await store.claim(first, first.now + 20);
    await store.release(first);
    const second = claimFor(key, { jobId: 'j2' });
    await expect(store.claim(second, second.now + 20)).resolves.toEqual({ outcome: 'written' });
    // The attempt holding it died: after its pending time, the same request takes over; another request may not.
    const later = claimFor(key, { jobId: 'j3' }, { atMs: T + 21_000 });
    await expect(store.claim(claimFor(key, {}, { atMs: T + 21_000, fingerprint: 'other' }), later.now + 20)).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    await expect(store.claim(later, later.now + 20)).resolves.toEqual({ outcome: 'written' });
    await store.complete(later);
    await expect(store.claim(claimFor(key, {}), T / 1000 + 20)).resolves.toMatchObject({ response: { body: { jobId: 'j3' } } });
  });

  it("keeps users' keys apart and lets a record go after its 24 hours", async () => {
    const key = `k${++seq}`;
    const alice = claimFor(key, { jobId: 'a' });
    await store.claim(alice, alice.now + 20);
    await store.complete(alice);
    await expect(store.claim(claimFor(key, { jobId: 'b' }, { userId: 'bob' }), alice.now + 20)).resolves.toEqual({ outcome: 'written' });
    const dayLater = claimFor(key, { jobId: 'c' }, { atMs: T + 86_400_000 + 1000 });
    await expect(store.claim(dayLater, dayLater.now + 20)).resolves.toEqual({ outcome: 'written' });
  });
});
