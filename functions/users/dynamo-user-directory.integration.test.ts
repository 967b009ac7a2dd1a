/** DynamoUserDirectory on dynalite with the real SDK client: the directory contract, and no way to list the table. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLES, tableName, USERS_TABLE } from '../../core/store/tables.js';
import { createTables, type RunningLocalDynamoDb, startLocalDynamoDb } from '../../local/store/dynalite.js';
import { DynamoUserDirectory } from './dynamo-user-directory.js';
import { userDirectoryContract } from './user-directory.contract.js';

const deployment = { app: 'iot-realtime', stage: 'test' };
let dynamo: RunningLocalDynamoDb;
let client: DynamoDBClient;
let directory: DynamoUserDirectory;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  client = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamo.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  await createTables(client, deployment, TABLES);
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
