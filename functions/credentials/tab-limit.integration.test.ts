/** The tab limit against the local DynamoDB (dynalite) with the real SDK client: races, refreshes, windows, users. */
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { RATE_LIMITS_TABLE, tableName } from '../../core/store/tables.js';
import type { RunningLocalDynamoDb } from '../../local/store/dynalite.js';
import { startLocalTables } from '../../test/support/local-tables.js';
import { TooManyRequestsError, UpstreamError } from '../shared/errors.js';
import { DynamoTabLimiter } from './tab-limit.js';

const deployment = { app: 'iot-realtime', stage: 'tablimit' };
const table = tableName(deployment, RATE_LIMITS_TABLE);
const HOUR = 3600;
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
const limiter = (maxTabs: number, on = table) => new DynamoTabLimiter(client, { table: on, maxTabs, windowSeconds: HOUR, clock: { now: () => new Date(now) } });
const outcome = (p: Promise<void>) =>
  p.then(
    () => 'ok' as const,
    (e: unknown) => (e instanceof TooManyRequestsError ? ('limited' as const) : Promise.reject(e)),
  );

describe('DynamoTabLimiter on dynalite', () => {
  it('admits exactly the limit of distinct tabs when one user opens many at once', async () => {
    const tabs = limiter(5);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => outcome(tabs.admit('alice', `tab${i}`))));
    expect(results.filter((r) => r === 'ok')).toHaveLength(5);
    const windowStart = Math.floor(now / 1000 / HOUR) * HOUR;
    const item = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: `tabs#alice#${windowStart}` } } }));
    // Refused tabs were not added: the condition failed before the update.
    expect(item.Item?.tabs?.SS).toHaveLength(5);
    expect(Number(item.Item?.expiresAt?.N)).toBe(windowStart + HOUR + 60);
  });

  it('always serves a tab it already counted (a refresh, a reload), also at the limit', async () => {
    const tabs = limiter(2);
    await tabs.admit('bob', 'a');
    await tabs.admit('bob', 'b');
    for (let i = 0; i < 5; i += 1) {
      await expect(tabs.admit('bob', 'a')).resolves.toBeUndefined();
      await expect(tabs.admit('bob', 'b')).resolves.toBeUndefined();
    }
    await expect(tabs.admit('bob', 'c')).rejects.toBeInstanceOf(TooManyRequestsError);
  });

  it('counts each user on their own', async () => {
    const tabs = limiter(1);
    await tabs.admit('carol', 'x');
    await expect(tabs.admit('carol', 'y')).rejects.toBeInstanceOf(TooManyRequestsError);
    await expect(tabs.admit('dave', 'y')).resolves.toBeUndefined();
  });

  it('says how many tabs and when to retry, and starts afresh in the next window', async () => {
    now = Date.UTC(2030, 0, 1, 14, 59, 0);
    const tabs = limiter(1);
    await tabs.admit('erin', 'x');
    const refused = await tabs.admit('erin', 'y').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TooManyRequestsError);
    expect(refused).toMatchObject({ retryAfterSeconds: 60 });
    expect((refused as Error).message).toBe(
      'too many tabs: at most 1 tab (client ids) per user within 60 minutes; use one of your open tabs, or retry in 60 s',
    );
    now += 60_000;
    await expect(tabs.admit('erin', 'y')).resolves.toBeUndefined();
  });

  it('refuses (502, never lets through) when it cannot count, e.g. on a missing table', async () => {
    await expect(limiter(3, 'no-such-table').admit('frank', 'x')).rejects.toBeInstanceOf(UpstreamError);
  });
});
