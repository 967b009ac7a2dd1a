/**
 * The in-process transport to dynalite (wire.ts, dynaliteInProcess) against dynalite's own HTTP server, on the same
 * engine: every answer the same (status, body, DynamoDB's headers) but the request id, for successes, validation
 * errors, refusals of dynalite's own checks and requests it does not know.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import { DynaliteConnection, DynamoProtocolError, dynaliteInProcess } from './wire.js';

let engine: Server;
let overHttp: DynaliteConnection;
let inProcess: DynaliteConnection;

beforeAll(async () => {
  engine = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => engine.listen(0, '127.0.0.1', resolve));
  overHttp = new DynaliteConnection(`http://127.0.0.1:${(engine.address() as AddressInfo).port}`);
  inProcess = new DynaliteConnection(dynaliteInProcess(engine));
  await inProcess.call('CreateTable', {
    TableName: 'wire-test',
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  });
  // dynalite makes a table ACTIVE on a timer, even with createTableMs 0.
  while (((await inProcess.call('DescribeTable', { TableName: 'wire-test' })).Table as { TableStatus: string }).TableStatus !== 'ACTIVE')
    await new Promise((resolve) => setTimeout(resolve, 5));
  await inProcess.call('PutItem', { TableName: 'wire-test', Item: { pk: { S: 'a' }, text: { S: 'héllo' } } });
});
afterAll(async () => {
  overHttp.close();
  inProcess.close();
  await new Promise((resolve) => engine.close(resolve));
});

const signed = (operation: string) => ({
  'content-type': 'application/x-amz-json-1.0',
  'x-amz-target': `DynamoDB_20120810.${operation}`,
  'x-amz-date': '20260101T000000Z',
  authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0',
});

/** What a client sees of a response, the request id (random per response) and the transport's own headers left out. */
async function seen(connection: DynaliteConnection, headers: Record<string, string>, body: string, method = 'POST') {
  const response = await connection.send(method, '/', headers, Buffer.from(body));
  const kept = Object.fromEntries(
    Object.entries(response.headers).filter(([name]) => !['x-amzn-requestid', 'date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)),
  );
  expect(response.headers['x-amzn-requestid']).toMatch(/^[0-9A-Z]{52}$/);
  return { status: response.status, headers: kept, body: response.body.toString('utf8') };
}

describe('the in-process transport answers as dynalite does over HTTP', () => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['a read', signed('GetItem'), JSON.stringify({ TableName: 'wire-test', Key: { pk: { S: 'a' } } })],
    ['a read of a missing item', signed('GetItem'), JSON.stringify({ TableName: 'wire-test', Key: { pk: { S: 'none' } } })],
    ['a validation error', signed('GetItem'), JSON.stringify({ TableName: 'wire-test', Key: { nope: { S: 'a' } } })],
    ['a missing table', signed('GetItem'), JSON.stringify({ TableName: 'no-such-table', Key: { pk: { S: 'a' } } })],
    ['a body that is not JSON', signed('GetItem'), '{not json'],
    ['an unknown operation', signed('Frobnicate'), '{}'],
    ['an unsigned request', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' }, '{}'],
  ];
  it.each(cases)('%s', async (_what, headers, body) => {
    const [http, local] = [await seen(overHttp, headers, body), await seen(inProcess, headers, body)];
    expect(local).toEqual(http);
  });

  it('a request with another content type, and a health check (GET)', async () => {
    const other = { ...signed('ListTables'), 'content-type': 'text/plain' };
    expect(await seen(inProcess, other, '{}')).toEqual(await seen(overHttp, other, '{}'));
    expect(await seen(inProcess, {}, '', 'GET')).toEqual(await seen(overHttp, {}, '', 'GET'));
  });

  it('a write through one is read through the other', async () => {
    await inProcess.call('PutItem', { TableName: 'wire-test', Item: { pk: { S: 'b' }, n: { N: '7' } } });
    expect(await overHttp.call('GetItem', { TableName: 'wire-test', Key: { pk: { S: 'b' } } })).toEqual({ Item: { pk: { S: 'b' }, n: { N: '7' } } });
  });

  it("rejects a store call that dynalite refuses with DynamoDB's error", async () => {
    const error = await inProcess.call('GetItem', { TableName: 'no-such-table', Key: { pk: { S: 'a' } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DynamoProtocolError);
    expect((error as DynamoProtocolError).code).toBe('ResourceNotFoundException');
  });

  it('refuses requests once closed', async () => {
    const closed = new DynaliteConnection(dynaliteInProcess(engine));
    closed.close();
    await expect(closed.call('ListTables', {})).rejects.toThrow('closed');
  });
});
