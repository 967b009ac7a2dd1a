/** The rate limiter against the local DynamoDB (dynalite) with the real SDK client: atomicity, windows, users. */
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { RATE_LIMITS_TABLE, tableName } from '../../core/store/tables.js';
import type { RunningLocalDynamoDb } from '../../local/store/dynalite.js';
import { silentLogger } from '../../test/fixtures/events.js';
import { startLocalTables } from '../../test/support/local-tables.js';
import { DynamoRateLimiter } from './dynamo-rate-limiter.js';
import { TooManyRequestsError } from './errors.js';

const deployment = { app: 'iot-realtime', stage: 'ratelimit' };
const table = tableName(deployment, RATE_LIMITS_TABLE);
let dynamo: RunningLocalDynamoDb;
let client: DynamoDBClient;

beforeAll(async () => {
  ({ dynamo, client } = await startLocalTables(deployment));
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

let now = Date.UTC(2030, 0, 1, 12, 0, 0);
const limiter = (scope: string, requests: number, windowSeconds = 60) =>
  new DynamoRateLimiter(client, { table, scope, limit: { requests, windowSeconds }, clock: { now: () => new Date(now) }, logger: silentLogger() });
const outcome = (p: Promise<void>) =>
  p.then(
    () => 'ok' as const,
    (e: unknown) => (e instanceof TooManyRequestsError ? ('limited' as const) : Promise.reject(e)),
  );

describe('DynamoRateLimiter on dynalite', () => {
  it('lets exactly the limit through when many requests of one user race', async () => {
    const limit = limiter('race', 10);
    const results = await Promise.all(Array.from({ length: 40 }, () => outcome(limit.consume('alice'))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(10);
    expect(results.filter((r) => r === 'limited')).toHaveLength(30);
    const item = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `race#alice#${Math.floor(now / 1000 / 60) * 60}` } } }));
    // Refused requests do not count: the condition failed before the update.
    expect(item.Item?.hits).toEqual({ N: '10' });
    expect(Number(item.Item?.expiresAt?.N)).toBe(Math.floor(now / 1000 / 60) * 60 + 60 + 60);
  });

  it('counts each user and each scope on its own', async () => {
    const messages = limiter('messages', 2);
    const jobs = limiter('jobs', 2);
    for (let i = 0; i < 2; i += 1) await messages.consume('bob');
    await expect(messages.consume('bob')).rejects.toThrow(TooManyRequestsError);
    await expect(messages.consume('carol')).resolves.toBeUndefined();
    await expect(jobs.consume('bob')).resolves.toBeUndefined();
  });

  it('starts afresh in the next window, telling the refused caller when that is', async () => {
    now = Date.UTC(2030, 0, 1, 13, 0, 50);
    const limit = limiter('window', 1);
    await limit.consume('dave');
    await expect(limit.consume('dave')).rejects.toMatchObject({ retryAfterSeconds: 10 });
    now += 10_000;
    await expect(limit.consume('dave')).resolves.toBeUndefined();
  });
});
