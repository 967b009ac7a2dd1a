/**
 * What dynalite 4 lacks and the local store's front adds, through the real @aws-sdk/client-dynamodb: TransactGetItems
 * (consistent with concurrent transactions), Time to Live (settings and the deletion of expired items) and TableIds
 * that are UUIDs, all surviving a restart on the same data folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { type RunningLocalDynamoDb, startLocalDynamoDb, tableIdAsUuid } from './dynalite.js';
import { TimeToLive } from './time-to-live.js';
import { DynaliteConnection } from './wire.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const clientOf = (store: RunningLocalDynamoDb) => new DynamoDBClient({ region: 'us-east-1', endpoint: store.url, credentials, maxAttempts: 1 });
/** Creates the table and waits until it is ACTIVE: DynamoDB (and dynalite) answer ResourceNotFoundException while it is CREATING. */
const createTable = async (client: DynamoDBClient, name: string) => {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'gk', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [{ IndexName: 'byG', KeySchema: [{ AttributeName: 'gk', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { TableName: name });
};
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (error: unknown) => error as Error & { $metadata?: { httpStatusCode?: number } },
  );

describe('TransactGetItems', () => {
  let store: RunningLocalDynamoDb;
  let client: DynamoDBClient;
  beforeAll(async () => {
    store = await startLocalDynamoDb({ ttlSweep: { intervalMs: 60_000 } });
    client = clientOf(store);
    await createTable(client, 'tg-a');
    await createTable(client, 'tg-b');
  });
  afterAll(async () => {
    client.destroy();
    await store.close();
  });

  it('answers every Get in request order, an empty response for a missing item, with projections', async () => {
    await client.send(new PutItemCommand({ TableName: 'tg-a', Item: { pk: { S: 'a1' }, v: { N: '1' }, secret: { S: 's' } } }));
    await client.send(new PutItemCommand({ TableName: 'tg-b', Item: { pk: { S: 'b1' }, v: { N: '2' } } }));
    const out = await client.send(
      new TransactGetItemsCommand({
        TransactItems: [
          { Get: { TableName: 'tg-b', Key: { pk: { S: 'b1' } } } },
          { Get: { TableName: 'tg-a', Key: { pk: { S: 'missing' } } } },
          { Get: { TableName: 'tg-a', Key: { pk: { S: 'a1' } }, ProjectionExpression: '#v', ExpressionAttributeNames: { '#v': 'v' } } },
        ],
        ReturnConsumedCapacity: 'TOTAL',
      }),
    );
    expect(out.Responses).toEqual([{ Item: { pk: { S: 'b1' }, v: { N: '2' } } }, {}, { Item: { v: { N: '1' } } }]);
    expect(out.ConsumedCapacity?.map((c) => c.TableName).sort()).toEqual(['tg-a', 'tg-b']);
    // Transactional reads cost twice a strongly consistent read: 2 units per item of up to 4 KB.
    expect(out.ConsumedCapacity?.find((c) => c.TableName === 'tg-a')?.CapacityUnits).toBe(4);
  });

  it('refuses two Gets of one item, an empty or oversized list, and cancels on a key of the wrong shape', async () => {
    const twice = await failure(
      client.send(
        new TransactGetItemsCommand({
          TransactItems: [{ Get: { TableName: 'tg-a', Key: { pk: { S: 'a1' } } } }, { Get: { TableName: 'tg-a', Key: { pk: { S: 'a1' } } } }],
        }),
      ),
    );
    expect(twice).toMatchObject({ name: 'ValidationException', message: 'Transaction request cannot include multiple operations on one item' });
    expect(await failure(client.send(new TransactGetItemsCommand({ TransactItems: [] })))).toMatchObject({ name: 'ValidationException' });
    const many = Array.from({ length: 101 }, (_, i) => ({ Get: { TableName: 'tg-a', Key: { pk: { S: `k${i}` } } } }));
    expect(await failure(client.send(new TransactGetItemsCommand({ TransactItems: many })))).toMatchObject({ name: 'ValidationException' });
    const wrongKey = await failure(
      client.send(
        new TransactGetItemsCommand({
          TransactItems: [{ Get: { TableName: 'tg-a', Key: { pk: { S: 'a1' } } } }, { Get: { TableName: 'tg-a', Key: { pk: { N: '1' } } } }],
        }),
      ),
    );
    expect(wrongKey).toBeInstanceOf(TransactionCanceledException);
    expect((wrongKey as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual(['None', 'ValidationError']);
    const noTable = await failure(client.send(new TransactGetItemsCommand({ TransactItems: [{ Get: { TableName: 'tg-none', Key: { pk: { S: 'x' } } } }] })));
    expect(noTable).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('reads as of one moment: never half of a concurrent TransactWriteItems', async () => {
    const put = (n: number) =>
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: 'tg-a', Item: { pk: { S: 'pair' }, n: { N: String(n) } } } },
            { Put: { TableName: 'tg-b', Item: { pk: { S: 'pair' }, n: { N: String(n) } } } },
          ],
        }),
      );
    await put(0);
    const read = async () => {
      const out = await client.send(
        new TransactGetItemsCommand({
          TransactItems: [{ Get: { TableName: 'tg-a', Key: { pk: { S: 'pair' } } } }, { Get: { TableName: 'tg-b', Key: { pk: { S: 'pair' } } } }],
        }),
      );
      return out.Responses?.map((r) => r.Item?.n?.N);
    };
    const writes: Array<Promise<unknown>> = [];
    const reads: Array<Promise<Array<string | undefined> | undefined>> = [];
    for (let n = 1; n <= 30; n += 1) {
      writes.push(put(n));
      reads.push(read());
    }
    await Promise.all(writes);
    for (const pair of await Promise.all(reads)) expect(pair?.[0]).toBe(pair?.[1]);
  });
});

describe('Time to Live', () => {
  let dir: string;
  let store: RunningLocalDynamoDb;
  let client: DynamoDBClient;
  let clock = new Date('2031-01-01T00:00:00Z');
  const now = () => clock;
  const seconds = (date: Date) => String(Math.floor(date.getTime() / 1000));
  const start = async () => {
    store = await startLocalDynamoDb({ path: join(dir, 'dynamodb'), ttlSweep: { intervalMs: 20, itemsPerTick: 5, now } });
    client = clientOf(store);
  };
  const stop = async () => {
    client.destroy();
    await store.close();
  };
  const keys = async (table: string) =>
    ((await client.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? []).map((i) => i.pk?.S).sort();
  const eventually = async (check: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 500; i += 1) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'store-ttl-'));
    await start();
  });
  afterAll(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers DISABLED, then ENABLED with the attribute; admits one change an hour, as DynamoDB', async () => {
    await createTable(client, 'ttl-a');
    expect((await client.send(new DescribeTimeToLiveCommand({ TableName: 'ttl-a' }))).TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'DISABLED' });
    const out = await client.send(new UpdateTimeToLiveCommand({ TableName: 'ttl-a', TimeToLiveSpecification: { Enabled: true, AttributeName: 'exp' } }));
    expect(out.TimeToLiveSpecification).toEqual({ Enabled: true, AttributeName: 'exp' });
    expect((await client.send(new DescribeTimeToLiveCommand({ TableName: 'ttl-a' }))).TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: 'exp',
    });
    const again = await failure(
      client.send(new UpdateTimeToLiveCommand({ TableName: 'ttl-a', TimeToLiveSpecification: { Enabled: true, AttributeName: 'exp' } })),
    );
    expect(again).toMatchObject({ name: 'ValidationException', message: 'TimeToLive is already enabled' });
    const tooSoon = await failure(
      client.send(new UpdateTimeToLiveCommand({ TableName: 'ttl-a', TimeToLiveSpecification: { Enabled: false, AttributeName: 'exp' } })),
    );
    expect(tooSoon).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('multiple times within a fixed interval') });
    expect(await failure(client.send(new DescribeTimeToLiveCommand({ TableName: 'ttl-none' })))).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(
      await failure(client.send(new UpdateTimeToLiveCommand({ TableName: 'ttl-a', TimeToLiveSpecification: { Enabled: true, AttributeName: '' } }))),
    ).toMatchObject({ name: 'ValidationException' });
  });

  it('deletes items whose Number attribute is past (and from the index), keeps future, non-Number, missing and over-five-years-old ones', async () => {
    const item = (pk: string, exp?: { N: string } | { S: string }) =>
      client.send(new PutItemCommand({ TableName: 'ttl-a', Item: { pk: { S: pk }, gk: { S: 'g' }, ...(exp ? { exp } : {}) } }));
    const past = new Date(clock.getTime() - 60_000);
    await item('past', { N: seconds(past) });
    await item('future', { N: seconds(new Date(clock.getTime() + 3_600_000)) });
    await item('string', { S: seconds(past) });
    await item('none');
    await item('ancient', { N: seconds(new Date(clock.getTime() - 6 * 365 * 86_400_000)) });
    await eventually(async () => !(await keys('ttl-a')).includes('past'), 'the expired item to be deleted');
    expect(await keys('ttl-a')).toEqual(['ancient', 'future', 'none', 'string']);
    const byIndex = await client.send(new ScanCommand({ TableName: 'ttl-a', IndexName: 'byG' }));
    expect(byIndex.Items?.map((i) => i.pk?.S).sort()).toEqual(['ancient', 'future', 'none', 'string']);
    // Time passes: the future one expires in turn.
    clock = new Date(clock.getTime() + 2 * 3_600_000);
    await eventually(async () => !(await keys('ttl-a')).includes('future'), 'the next expiry');
  });

  it('examines at most itemsPerTick items in one sweep, and goes on where it stopped', async () => {
    await createTable(client, 'ttl-bulk');
    const past = seconds(new Date(clock.getTime() - 1000));
    for (let i = 0; i < 12; i += 1)
      await client.send(new PutItemCommand({ TableName: 'ttl-bulk', Item: { pk: { S: `b${i}` }, gk: { S: 'g' }, exp: { N: past } } }));
    // A sweeper of its own over the store's endpoint (the store's sweeper does not know this table's setting).
    const connection = new DynaliteConnection(store.url);
    const sweeper = new TimeToLive(connection, (task) => task(), undefined, { itemsPerTick: 5, now });
    await sweeper.update({ TableName: 'ttl-bulk', TimeToLiveSpecification: { Enabled: true, AttributeName: 'exp' } });
    expect(await sweeper.sweep()).toBe(5);
    expect(await keys('ttl-bulk')).toHaveLength(7);
    expect(await sweeper.sweep()).toBe(5);
    expect(await sweeper.sweep()).toBe(2);
    expect(await keys('ttl-bulk')).toEqual([]);
    connection.close();
  });

  it('works through many expired items tick after tick, and a table without TTL is left alone', async () => {
    await createTable(client, 'ttl-off');
    await client.send(new PutItemCommand({ TableName: 'ttl-off', Item: { pk: { S: 'old' }, gk: { S: 'g' }, exp: { N: '1' } } }));
    const past = seconds(new Date(clock.getTime() - 1000));
    for (let i = 0; i < 40; i += 1)
      await client.send(new PutItemCommand({ TableName: 'ttl-a', Item: { pk: { S: `bulk${i}` }, gk: { S: 'g' }, exp: { N: past } } }));
    await eventually(async () => !(await keys('ttl-a')).some((k) => k?.startsWith('bulk')), 'every bulk item to be deleted');
    expect(await keys('ttl-off')).toEqual(['old']);
  });

  it('keeps settings, TableIds (UUIDs) and expiry across a restart on the same folder; DeleteTable forgets the setting', async () => {
    const before = (await client.send(new DescribeTableCommand({ TableName: 'ttl-a' }))).Table?.TableId;
    expect(before).toMatch(UUID);
    await stop();
    await start();
    expect((await client.send(new DescribeTableCommand({ TableName: 'ttl-a' }))).Table?.TableId).toBe(before);
    expect((await client.send(new DescribeTimeToLiveCommand({ TableName: 'ttl-a' }))).TimeToLiveDescription?.TimeToLiveStatus).toBe('ENABLED');
    await client.send(new PutItemCommand({ TableName: 'ttl-a', Item: { pk: { S: 'after-restart' }, gk: { S: 'g' }, exp: { N: '1999999999' } } }));
    clock = new Date('2034-01-01T00:00:00Z');
    await eventually(
      async () => (await client.send(new GetItemCommand({ TableName: 'ttl-a', Key: { pk: { S: 'after-restart' } } }))).Item === undefined,
      'expiry after restart',
    );
    await client.send(new DeleteTableCommand({ TableName: 'ttl-a' }));
    await eventually(
      () =>
        client.send(new DescribeTableCommand({ TableName: 'ttl-a' })).then(
          () => false,
          (error: Error) => error.name === 'ResourceNotFoundException',
        ),
      'the deletion',
    );
    await createTable(client, 'ttl-a');
    expect((await client.send(new DescribeTimeToLiveCommand({ TableName: 'ttl-a' }))).TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'DISABLED' });
  });

  it('maps every dynalite TableId to one stable UUID', () => {
    expect(tableIdAsUuid('2a6b1f8e-3c4d-4e5f-8a9b-0c1d2e3f')).toMatch(UUID);
    expect(tableIdAsUuid('x')).toBe(tableIdAsUuid('x'));
    expect(tableIdAsUuid('x')).not.toBe(tableIdAsUuid('y'));
  });
});
