/**
 * The local DynamoDB on its own thread (store-thread.ts): it serves the DynamoDB API on its URL as the in-thread store
 * does (transactions included), keeps its data across a close and a start on the same folder and port, fails to start
 * with the cause when the port is taken, and closes once however often it is asked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand, TransactionCanceledException, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { MEMBERSHIPS_TABLE, TABLES, tableName } from '../../core/store/tables.js';
import { createTables } from './dynalite.js';
import { startLocalDynamoDbThread } from './store-thread.js';

const deployment = { app: 'iot-realtime', stage: 'thread-test' };
const table = tableName(deployment, MEMBERSHIPS_TABLE);
const key = (pk: string) => ({ pk: { S: pk }, sk: { S: 'meta' } });
const clientOf = (url: string) =>
  new DynamoDBClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'store-thread-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('serves the DynamoDB API, transactions included, and keeps the data across a restart on the same folder and port', async () => {
  const path = join(dir, 'dynamodb');
  const first = await startLocalDynamoDbThread({ path });
  let client = clientOf(first.url);
  try {
    await createTables(client, deployment, TABLES);
    await client.send(new PutItemCommand({ TableName: table, Item: { ...key('kept'), n: { N: '1' } } }));
    const refused = await client
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { ...key('never'), n: { N: '2' } } } },
            { ConditionCheck: { TableName: table, Key: key('kept'), ConditionExpression: 'n = :two', ExpressionAttributeValues: { ':two': { N: '2' } } } },
          ],
        }),
      )
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TransactionCanceledException);
    expect((await client.send(new GetItemCommand({ TableName: table, Key: key('never') }))).Item).toBeUndefined();
  } finally {
    client.destroy();
    await first.close();
  }

  const second = await startLocalDynamoDbThread({ path, port: first.port });
  client = clientOf(second.url);
  try {
    expect(second.url).toBe(first.url);
    expect((await client.send(new GetItemCommand({ TableName: table, Key: key('kept') }))).Item).toEqual({ ...key('kept'), n: { N: '1' } });
  } finally {
    client.destroy();
    await second.close();
  }
});

it('keeps nothing in memory mode: a new store has no tables', async () => {
  const first = await startLocalDynamoDbThread();
  let client = clientOf(first.url);
  await createTables(client, deployment, TABLES);
  client.destroy();
  await first.close();
  const second = await startLocalDynamoDbThread();
  client = clientOf(second.url);
  try {
    expect((await createTables(client, deployment, TABLES)).created).toContain(table);
  } finally {
    client.destroy();
    await second.close();
  }
});

it('fails to start, with the cause, when its port is taken', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as { port: number };
  try {
    await expect(startLocalDynamoDbThread({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  } finally {
    taken.close();
  }
});

it('closes once, however often close is called, and then refuses connections', async () => {
  const store = await startLocalDynamoDbThread();
  await Promise.all([store.close(), store.close()]);
  await store.close();
  await expect(fetch(store.url, { method: 'POST' })).rejects.toThrow();
});
