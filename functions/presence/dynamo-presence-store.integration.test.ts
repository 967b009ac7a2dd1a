/** The presence store against the local DynamoDB (dynalite) with the real SDK client: conditional writes, batch reads. */
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PRESENCE_TABLE, tableName } from '../../core/store/tables.js';
import type { RunningLocalDynamoDb } from '../../local/store/dynalite.js';
import { startLocalTables } from '../../test/support/local-tables.js';
import { UpstreamError } from '../shared/errors.js';
import type { Connections } from './connections.js';
import { DynamoPresenceStore } from './dynamo-presence-store.js';

const deployment = { app: 'iot-realtime', stage: 'presence' };
const table = tableName(deployment, PRESENCE_TABLE);
let dynamo: RunningLocalDynamoDb;
let client: DynamoDBClient;
let store: DynamoPresenceStore;

beforeAll(async () => {
  ({ dynamo, client } = await startLocalTables(deployment));
  store = new DynamoPresenceStore(client, table);
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

const open = (expiresAt: number, versionNumber = 1): Connections => ({
  'iot-realtime.presence.u.t1': { connected: true, versionNumber, timestamp: 1_000, expiresAt },
});

describe('DynamoPresenceStore on dynalite', () => {
  it("creates a user's item once, then writes only at the revision it read", async () => {
    expect(await store.get('u1')).toBeUndefined();
    expect(await store.put('u1', open(2_000), undefined)).toBe(true);
    expect(await store.put('u1', open(2_000), undefined)).toBe(false);
    expect(await store.get('u1')).toEqual({ connections: open(2_000), revision: 1 });
    expect(await store.put('u1', open(3_000, 2), 1)).toBe(true);
    expect(await store.put('u1', open(4_000, 3), 1)).toBe(false);
    expect(await store.get('u1')).toEqual({ connections: open(3_000, 2), revision: 2 });
  });

  it("sets the item's TTL attribute to its latest entry's expiry", async () => {
    const connections: Connections = {
      a: { connected: false, versionNumber: 1, timestamp: 1, expiresAt: 500 },
      b: { connected: true, versionNumber: 2, timestamp: 2, expiresAt: 900 },
    };
    await store.put('u2', connections, undefined);
    const item = (await client.send(new GetItemCommand({ TableName: table, Key: { userId: { S: 'u2' } } }))).Item;
    expect(item?.expiresAt).toEqual({ N: '900' });
  });

  it('lets exactly one of many racing writers at one revision win', async () => {
    await store.put('u3', open(1_000), undefined);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.put('u3', open(1_000 + i, i + 2), 1)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await store.get('u3'))?.revision).toBe(2);
  });

  it('reads many users in one batch, skipping users without an item, and refuses more than a batch', async () => {
    await store.put('v1', open(7_000), undefined);
    await store.put('v2', open(8_000), undefined);
    const found = await store.getMany(['v1', 'v2', 'never', 'v1']);
    expect([...found.keys()].sort()).toEqual(['v1', 'v2']);
    expect(found.get('v2')).toEqual(open(8_000));
    expect(await store.getMany([])).toEqual(new Map());
    await expect(store.getMany(Array.from({ length: 101 }, (_, i) => `x${i}`))).rejects.toThrow(RangeError);
  });

  it('refuses a malformed item rather than guessing', async () => {
    await client.send(new PutItemCommand({ TableName: table, Item: { userId: { S: 'bad' }, connections: { S: 'oops' }, revision: { N: '1' } } }));
    await expect(store.get('bad')).rejects.toBeInstanceOf(UpstreamError);
  });

  it('reports a missing table as a non-retryable store failure', async () => {
    const broken = new DynamoPresenceStore(client, 'iot-realtime-nope-presence');
    await expect(broken.get('u1')).rejects.toMatchObject({ name: 'UpstreamError', retryable: false });
    await expect(broken.put('u1', open(1), undefined)).rejects.toMatchObject({ name: 'UpstreamError', retryable: false });
  });
});
