/** DynamoUserDirectory on dynalite with the real SDK client: the directory contract, and no way to list the table. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { tableName, USERS_TABLE } from '../../core/store/tables.js';
import type { RunningLocalDynamoDb } from '../../local/store/dynalite.js';
import { startLocalTables } from '../../test/support/local-tables.js';
import { DynamoUserDirectory } from './dynamo-user-directory.js';
import { userDirectoryContract } from './user-directory.contract.js';

const deployment = { app: 'iot-realtime', stage: 'test' };
let dynamo: RunningLocalDynamoDb;
let client: DynamoDBClient;
let directory: DynamoUserDirectory;

beforeAll(async () => {
  ({ dynamo, client } = await startLocalTables(deployment));
  directory = new DynamoUserDirectory(client, tableName(deployment, USERS_TABLE), { now: () => new Date('2030-01-01T00:00:00Z') });
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

userDirectoryContract('DynamoDB (dynalite)', () => ({ directory }));

describe('the users table', () => {
  it('has no index: the only reads are by exact key', () => {
    expect(USERS_TABLE.globalSecondaryIndexes).toBeUndefined();
    expect(USERS_TABLE.sortKey).toBeUndefined();
  });
});
