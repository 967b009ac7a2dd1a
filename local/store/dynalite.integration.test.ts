/** The local DynamoDB: tables from the definitions, and TransactWriteItems (which dynalite lacks) all or nothing. */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { MEMBERSHIPS_TABLE, TABLES, tableName } from '../../core/store/tables.js';
import { createTables, type RunningLocalDynamoDb, startLocalDynamoDb } from './dynalite.js';

const deployment = { app: 'iot-realtime', stage: 'store-test' };
const memberships = tableName(deployment, MEMBERSHIPS_TABLE);
let dynamo: RunningLocalDynamoDb;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  client = new DynamoDBClient({ region: 'us-east-1', endpoint: dynamo.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  await createTables(client, deployment, TABLES);
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

const key = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });
const get = async (pk: string, sk: string) => (await client.send(new GetItemCommand({ TableName: memberships, Key: key(pk, sk), ConsistentRead: true }))).Item;
const put = (pk: string, sk: string, extra: Record<string, { S: string } | { N: string }> = {}) =>
  client.send(new PutItemCommand({ TableName: memberships, Item: { ...key(pk, sk), ...extra } }));
const cancellation = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransactionCanceledException);
  return error as TransactionCanceledException;
};

describe('createTables', () => {
  it('creates the tables of the definitions, on demand, with the byUser and bySeniority indexes projecting ALL', async () => {
    const table = (await client.send(new DescribeTableCommand({ TableName: memberships }))).Table!;
    expect(table.TableStatus).toBe('ACTIVE');
    expect(table.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(table.GlobalSecondaryIndexes?.map((i) => ({ name: i.IndexName, keys: i.KeySchema, projection: i.Projection?.ProjectionType }))).toEqual([
      {
        name: 'byUser',
        keys: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        projection: 'ALL',
      },
      {
        name: 'bySeniority',
        keys: [
          { AttributeName: 'gsi2pk', KeyType: 'HASH' },
          { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
        ],
        projection: 'ALL',
      },
    ]);
  });

  it('is idempotent, and enables the TTL of the tables that define one (once: DynamoDB admits one change an hour)', async () => {
    expect(await createTables(client, deployment, TABLES)).toEqual({ created: [], existing: TABLES.map((t) => tableName(deployment, t)) });
    for (const table of TABLES) {
      const ttl = (await client.send(new DescribeTimeToLiveCommand({ TableName: tableName(deployment, table) }))).TimeToLiveDescription;
      expect(ttl).toEqual(table.ttlAttribute ? { TimeToLiveStatus: 'ENABLED', AttributeName: table.ttlAttribute } : { TimeToLiveStatus: 'DISABLED' });
    }
  });

  it('refuses an existing table whose keys differ from its definition', async () => {
    const stale = { app: 'iot-realtime', stage: 'stale' };
    await client.send(
      new CreateTableCommand({
        TableName: tableName(stale, MEMBERSHIPS_TABLE),
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    await expect(createTables(client, stale, [MEMBERSHIPS_TABLE])).rejects.toThrow(/exists with key schema HASH:id; delete the local data folder/);
    await client.send(new DeleteTableCommand({ TableName: tableName(stale, MEMBERSHIPS_TABLE) }));
  });
});

describe('TransactWriteItems', () => {
  it('writes every action when all conditions hold', async () => {
    await put('T1', 'META', { n: { N: '1' } });
    await put('T1', 'MEMBER#owner');
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: memberships,
              Key: key('T1', 'META'),
              UpdateExpression: 'SET n = n + :one',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          },
          { Put: { TableName: memberships, Item: { ...key('T1', 'MEMBER#a'), role: { S: 'member' } }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { ConditionCheck: { TableName: memberships, Key: key('T1', 'MEMBER#owner'), ConditionExpression: 'attribute_exists(pk)' } },
        ],
      }),
    );
    expect(await get('T1', 'META')).toEqual({ ...key('T1', 'META'), n: { N: '2' } });
    expect(await get('T1', 'MEMBER#a')).toEqual({ ...key('T1', 'MEMBER#a'), role: { S: 'member' } });
  });

  it('writes nothing when a later condition fails, and gives one reason per action in order', async () => {
    await put('T2', 'META', { n: { N: '5' } });
    await put('T2', 'MEMBER#taken');
    const error = await cancellation(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: memberships,
                Key: key('T2', 'META'),
                UpdateExpression: 'SET n = n + :one',
                ExpressionAttributeValues: { ':one': { N: '1' } },
              },
            },
            { Put: { TableName: memberships, Item: key('T2', 'MEMBER#new') } },
            { Delete: { TableName: memberships, Key: key('T2', 'MEMBER#taken') } },
            { Put: { TableName: memberships, Item: key('T2', 'MEMBER#taken2') } },
            { ConditionCheck: { TableName: memberships, Key: key('T2', 'MEMBER#absent'), ConditionExpression: 'attribute_exists(pk)' } },
          ],
        }),
      ),
    );
    expect(error.CancellationReasons).toEqual([
      { Code: 'None' },
      { Code: 'None' },
      { Code: 'None' },
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
    ]);
    expect(error.message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, None, None, None, ConditionalCheckFailed]',
    );
    expect(await get('T2', 'META')).toEqual({ ...key('T2', 'META'), n: { N: '5' } });
    expect(await get('T2', 'MEMBER#new')).toBeUndefined();
    expect(await get('T2', 'MEMBER#taken')).toEqual(key('T2', 'MEMBER#taken'));
    expect(await get('T2', 'MEMBER#taken2')).toBeUndefined();
    expect(await get('T2', 'MEMBER#absent')).toBeUndefined();
  });

  it('returns the old item of a failed condition with ReturnValuesOnConditionCheckFailure ALL_OLD', async () => {
    await put('T3', 'META', { name: { S: 'kept' } });
    const error = await cancellation(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: memberships,
                Item: key('T3', 'META'),
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
          ],
        }),
      ),
    );
    expect(error.CancellationReasons?.[0]).toMatchObject({ Code: 'ConditionalCheckFailed', Item: { ...key('T3', 'META'), name: { S: 'kept' } } });
    expect(await get('T3', 'META')).toEqual({ ...key('T3', 'META'), name: { S: 'kept' } });
  });

  it('leaves a checked item exactly as it was, present or absent', async () => {
    await put('T4', 'META', { n: { N: '1' } });
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            ConditionCheck: {
              TableName: memberships,
              Key: key('T4', 'META'),
              ConditionExpression: 'n = :one',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          },
          { ConditionCheck: { TableName: memberships, Key: key('T4', 'MEMBER#nobody'), ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
    expect(await get('T4', 'META')).toEqual({ ...key('T4', 'META'), n: { N: '1' } });
    expect(await get('T4', 'MEMBER#nobody')).toBeUndefined();
  });

  it('refuses two actions on one item, an empty or oversized request, and an action of two kinds (ValidationException)', async () => {
    const refused = async (input: ConstructorParameters<typeof TransactWriteItemsCommand>[0], message: RegExp) => {
      const error = await client.send(new TransactWriteItemsCommand(input)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
      expect((error as Error).message).toMatch(message);
    };
    await refused(
      {
        TransactItems: [
          { Put: { TableName: memberships, Item: key('T5', 'META') } },
          { ConditionCheck: { TableName: memberships, Key: key('T5', 'META'), ConditionExpression: 'attribute_exists(pk)' } },
        ],
      },
      /multiple operations on one item/,
    );
    await refused({ TransactItems: [] }, /length greater than or equal to 1/);
    await refused(
      { TransactItems: Array.from({ length: 101 }, (_, i) => ({ Put: { TableName: memberships, Item: key('T5', `MEMBER#${i}`) } })) },
      /less than or equal to 100/,
    );
    await refused(
      { TransactItems: [{ Put: { TableName: memberships, Item: key('T5', 'A') }, Delete: { TableName: memberships, Key: key('T5', 'B') } }] },
      /only contain one of/,
    );
    expect(await get('T5', 'META')).toBeUndefined();
    expect(await get('T5', 'MEMBER#0')).toBeUndefined();
  });

  it('answers ResourceNotFoundException for an unknown table and writes nothing', async () => {
    const error = await client
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [{ Put: { TableName: memberships, Item: key('T6', 'META') } }, { Put: { TableName: 'no-such-table', Item: { id: { S: 'x' } } } }],
        }),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await get('T6', 'META')).toBeUndefined();
  });

  it('stays atomic under concurrent transactions on the same counter', async () => {
    await put('T7', 'META', { n: { N: '0' } });
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Update: {
                  TableName: memberships,
                  Key: key('T7', 'META'),
                  UpdateExpression: 'SET n = n + :one',
                  ExpressionAttributeValues: { ':one': { N: '1' } },
                },
              },
              { Put: { TableName: memberships, Item: key('T7', `MEMBER#${i}`), ConditionExpression: 'attribute_not_exists(pk)' } },
            ],
          }),
        ),
      ),
    );
    expect((await get('T7', 'META'))?.n).toEqual({ N: '25' });
  });

  it('refuses an unsigned request like every other operation of the local DynamoDB', async () => {
    const res = await fetch(dynamo.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.TransactWriteItems' },
      body: JSON.stringify({ TransactItems: [{ Put: { TableName: memberships, Item: key('T8', 'META') } }] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { __type: string }).__type).toBe('com.amazon.coral.service#MissingAuthenticationTokenException');
    expect(await get('T8', 'META')).toBeUndefined();
  });
});
