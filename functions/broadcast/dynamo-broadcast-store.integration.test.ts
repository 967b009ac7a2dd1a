/** DynamoBroadcastStore on dynalite with the real SDK client: the BroadcastStore contract and the TTL attribute. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { BROADCAST_KEYS, BROADCASTS_TABLE, tableName } from '../../core/store/tables.js';
import type { RunningLocalDynamoDb } from '../../local/store/dynalite.js';
import { startLocalTables } from '../../test/support/local-tables.js';
import { broadcastStoreContract } from './broadcast-store.contract.js';
import { BROADCAST_TTL_SECONDS } from './broadcast-store.js';
import { DynamoBroadcastStore } from './dynamo-broadcast-store.js';

const deployment = { app: 'iot-realtime', stage: 'test' };
const NOW = new Date('2030-01-02T00:00:00Z');
let dynamo: RunningLocalDynamoDb;
let client: DynamoDBClient;
let store: DynamoBroadcastStore;

beforeAll(async () => {
  ({ dynamo, client } = await startLocalTables(deployment));
  store = new DynamoBroadcastStore(client, tableName(deployment, BROADCASTS_TABLE), { now: () => NOW });
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

broadcastStoreContract('DynamoDB (dynalite)', () => ({ store }));

describe('the broadcasts table', () => {
  it('keeps every broadcast in the one feed partition, expiring a week after it was sent', async () => {
    const broadcast = { messageId: '01TTLCHECK0000000000000000', from: 'alice', fromName: 'Alice', text: 'kept a week', sentAt: NOW.toISOString() };
    await store.put(broadcast);
    const { Item } = await DynamoDBDocumentClient.from(client).send(
      new GetCommand({ TableName: tableName(deployment, BROADCASTS_TABLE), Key: BROADCAST_KEYS.item(broadcast.messageId) }),
    );
    expect(Item).toEqual({ feed: BROADCAST_KEYS.feed, ...broadcast, expiresAt: NOW.getTime() / 1000 + BROADCAST_TTL_SECONDS });
  });
});
