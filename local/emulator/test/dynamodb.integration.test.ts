/**
 * DynamoDB through the emulator: SigV4-signed SDK clients of role sessions, IAM evaluated per request, then the local
 * DynamoDB. The handler is served by a small HTTP server here, with the test emulator's account, until the emulator's
 * router forwards `dynamodb` requests to it.
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RoleDefinition } from '../../../core/access/model.js';
import { lambdaTrustPolicy, membershipsManagerPolicy } from '../../../core/access/service-policies.js';
import { type PolicyStatement, policy } from '../../../core/policy/document.js';
import { MEMBERSHIPS_TABLE, MESSAGES_TABLE, TABLES, tableArn, tableName } from '../../../core/store/tables.js';
import { DynamoRoomStore } from '../../../functions/shared/dynamo-room-store.js';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { LOCAL_DEPLOYMENT } from '../../local-deployment.js';
import { createTables, type RunningLocalDynamoDb, startLocalDynamoDb } from '../../store/dynalite.js';
import { readBody } from '../http/io.js';
import { DynamoDbService } from '../services/dynamodb.js';

const d = LOCAL_DEPLOYMENT;
const tableA = tableName(d, MEMBERSHIPS_TABLE);
const tableB = tableName(d, MESSAGES_TABLE);
const arnA = tableArn(d, MEMBERSHIPS_TABLE);
const arnB = tableArn(d, MESSAGES_TABLE);

const role = (name: string, ...statements: PolicyStatement[]): RoleDefinition => ({
  name: `dynamodb-test-${name}`,
  arn: `arn:aws:iam::${d.accountId}:role/dynamodb-test-${name}`,
  trust: lambdaTrustPolicy(),
  policies: [{ name: `${name}-policy`, document: policy(...statements) }],
  maxSessionDurationSeconds: 3600,
});
const ROLES = {
  /** PutItem, GetItem and Query on table A itself, nothing on B, nothing on indexes. */
  writer: role('writer', { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query'], Resource: arnA }),
  /** Query on table A's indexes only. */
  indexReader: role('index-reader', { Effect: 'Allow', Action: 'dynamodb:Query', Resource: `${arnA}/index/*` }),
  /** PutItem on A only inside a transaction (dynamodb:EnclosingOperation), and ConditionCheckItem. */
  transactional: role('transactional', {
    Effect: 'Allow',
    Action: ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'],
    Resource: arnA,
    Condition: { StringEquals: { 'dynamodb:EnclosingOperation': 'TransactWriteItems' } },
  }),
  /** The lead's least-privilege policy for room management (core/access/service-policies.ts). */
  roomsManager: { ...role('rooms-manager'), policies: [{ name: 'memberships-manager', document: membershipsManagerPolicy(d) }] },
};

let emulator: TestEmulator;
let dynamo: RunningLocalDynamoDb;
let service: DynamoDbService;
let front: Server;
let url: string;
const clients: DynamoDBClient[] = [];

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  const admin = new DynamoDBClient({ region: d.region, endpoint: dynamo.url, credentials: adminCredentials });
  await createTables(admin, d, TABLES);
  admin.destroy();
  emulator = await startTestEmulator();
  service = new DynamoDbService({
    account: emulator.account,
    logger: { log: (entry) => emulator.logs.push(entry) },
    now: () => new Date(),
    upstreamUrl: dynamo.url,
  });
  front = createServer((req, res) => {
    readBody(req, 1024 * 1024)
      .then((body) => service.handle(req, res, body))
      .catch(() => {
        res.writeHead(500);
        res.end();
      });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  front.closeAllConnections();
  await new Promise((resolve) => front.close(resolve));
  service.close();
  await emulator.close();
  await dynamo.close();
});

/** An SDK client signed with the credentials Lambda would give a function running with `definition`. */
function clientOf(definition: RoleDefinition): DynamoDBClient {
  const issued = emulator.account.startServiceRoleSession(definition, 'lambda.amazonaws.com', `${definition.name}-session`, new Date(Date.now() + 3_600_000));
  const client = new DynamoDBClient({
    region: d.region,
    endpoint: url,
    credentials: { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken! },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('the request was expected to fail');
    },
    (e: unknown) => e as Error & { $metadata: { httpStatusCode?: number } },
  );
const item = (pk: string, sk: string) => ({ pk: { S: pk }, sk: { S: sk } });
const stored = async (table: string, key: Record<string, { S: string }>) => {
  const admin = new DynamoDBClient({ region: d.region, endpoint: dynamo.url, credentials: adminCredentials });
  try {
    return (await admin.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
  } finally {
    admin.destroy();
  }
};
const accessDenied = (action: string, resource: string) => ({
  name: 'AccessDeniedException',
  $metadata: expect.objectContaining({ httpStatusCode: 400 }),
  message: expect.stringMatching(
    new RegExp(
      `^User: arn:aws:sts::${d.accountId}:assumed-role/.+ is not authorized to perform: ${action} on resource: ${resource.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} because no identity-based policy allows the ${action} action$`,
    ),
  ),
});

describe('tables', () => {
  it('lets a role allowed PutItem on table A write there, and forwards to the local DynamoDB', async () => {
    const writer = clientOf(ROLES.writer);
    await writer.send(new PutItemCommand({ TableName: tableA, Item: { ...item('ROOM#a', 'META'), name: { S: 'A' } } }));
    expect((await writer.send(new GetItemCommand({ TableName: tableA, Key: item('ROOM#a', 'META') }))).Item?.name).toEqual({ S: 'A' });
  });

  it('refuses the same role on table B with AccessDeniedException (HTTP 400), writes nothing and logs the denial', async () => {
    const error = await failure(clientOf(ROLES.writer).send(new PutItemCommand({ TableName: tableB, Item: { roomId: { S: 'a' }, messageId: { S: 'm1' } } })));
    expect(error).toMatchObject(accessDenied('dynamodb:PutItem', arnB));
    expect(await stored(tableB, { roomId: { S: 'a' }, messageId: { S: 'm1' } })).toBeUndefined();
    expect(emulator.denials()).toContainEqual(
      expect.objectContaining({ service: 'dynamodb', action: 'dynamodb:PutItem', resource: arnB, who: expect.stringContaining('dynamodb-test-writer') }),
    );
  });
});

describe('indexes', () => {
  const queryIndex = {
    TableName: tableA,
    IndexName: 'byUser',
    KeyConditionExpression: 'gsi1pk = :u',
    ExpressionAttributeValues: { ':u': { S: 'USER#alice' } },
  };
  const queryTable = { TableName: tableA, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': { S: 'ROOM#a' } } };

  it('authorizes a Query of an index on the index ARN, not the table ARN', async () => {
    expect(await failure(clientOf(ROLES.writer).send(new QueryCommand(queryIndex)))).toMatchObject(accessDenied('dynamodb:Query', `${arnA}/index/byUser`));
    expect((await clientOf(ROLES.writer).send(new QueryCommand(queryTable))).Count).toBe(1);
  });

  it('lets a role allowed on the index query it, and only it', async () => {
    expect((await clientOf(ROLES.indexReader).send(new QueryCommand(queryIndex))).$metadata.httpStatusCode).toBe(200);
    expect(await failure(clientOf(ROLES.indexReader).send(new QueryCommand(queryTable)))).toMatchObject(accessDenied('dynamodb:Query', arnA));
  });
});

describe('transactions', () => {
  it('authorizes each action of TransactWriteItems by its own action and table, and writes nothing when one is refused', async () => {
    const writer = clientOf(ROLES.writer);
    const error = await failure(
      writer.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: tableA, Item: item('ROOM#t', 'META') } },
            { Put: { TableName: tableB, Item: { roomId: { S: 't' }, messageId: { S: 'm' } } } },
          ],
        }),
      ),
    );
    expect(error).toMatchObject(accessDenied('dynamodb:PutItem', arnB));
    expect(await stored(tableA, item('ROOM#t', 'META'))).toBeUndefined();
    // A ConditionCheck needs dynamodb:ConditionCheckItem, which the writer lacks.
    const check = await failure(
      writer.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: tableA, Item: item('ROOM#t', 'MEMBER#x') } },
            { ConditionCheck: { TableName: tableA, Key: item('ROOM#a', 'META'), ConditionExpression: 'attribute_exists(pk)' } },
          ],
        }),
      ),
    );
    expect(check).toMatchObject(accessDenied('dynamodb:ConditionCheckItem', arnA));
  });

  it('sets dynamodb:EnclosingOperation: a Put allowed only in transactions is refused alone', async () => {
    const transactional = clientOf(ROLES.transactional);
    await transactional.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: tableA, Item: item('ROOM#tx', 'META') } },
          { ConditionCheck: { TableName: tableA, Key: item('ROOM#a', 'META'), ConditionExpression: 'attribute_exists(pk)' } },
        ],
      }),
    );
    expect(await stored(tableA, item('ROOM#tx', 'META'))).toEqual(item('ROOM#tx', 'META'));
    expect(await failure(transactional.send(new PutItemCommand({ TableName: tableA, Item: item('ROOM#alone', 'META') })))).toMatchObject(
      accessDenied('dynamodb:PutItem', arnA),
    );
  });
});

describe('the rooms store under the least-privilege memberships policy', () => {
  it("creates rooms, adds, promotes and removes members, lists a user's rooms through the index, renames and deletes", async () => {
    const store = new DynamoRoomStore(clientOf(ROLES.roomsManager), { membershipsTable: tableA, messagesTable: tableB });
    await store.createRoom({ roomId: 'iam-room', name: 'IAM', createdBy: 'alice', createdAt: '2025-01-01T00:00:00.000Z' });
    await store.addMember('iam-room', 'bob', 'alice');
    await store.addMember('iam-room', 'carol', 'alice');
    await store.setRole('iam-room', 'bob', 'owner', 'alice');
    await store.removeMember('iam-room', 'alice', 'alice');
    expect(await store.getRoom('iam-room')).toMatchObject({ memberCount: 2, ownerCount: 1 });
    expect((await store.listRoomsOfUser('bob', { limit: 10 })).items).toMatchObject([{ roomId: 'iam-room', userId: 'bob', role: 'owner' }]);
    expect((await store.getRooms(['iam-room'])).get('iam-room')?.name).toBe('IAM');
    expect((await store.listMembers('iam-room', { limit: 10 })).items.map((m) => m.userId)).toEqual(['bob', 'carol']);
    // The last owner leaves: ownership passes through the seniority index.
    await expect(store.removeMember('iam-room', 'bob', 'bob')).resolves.toMatchObject({ successor: { userId: 'carol' } });
    await store.renameRoom('iam-room', 'Renamed', 'carol');
    await store.deleteRoom('iam-room', 'carol');
    await store.deleteMemberships('iam-room', ['carol']);
    expect((await store.listMembers('iam-room', { limit: 10 })).items).toEqual([]);
    // History is outside this policy: the store reports the refusal as a non-retryable upstream failure.
    await expect(store.listMessages('iam-room', { limit: 10 })).rejects.toMatchObject({ name: 'UpstreamError', retryable: false });
  });
});

describe('authentication', () => {
  const body = JSON.stringify({ TableName: tableA, Key: item('ROOM#a', 'META') });
  const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' };
  const typeOf = async (res: Response) => ((await res.json()) as { __type: string }).__type;

  it('refuses an unsigned request with MissingAuthenticationTokenException (400)', async () => {
    const res = await fetch(url, { method: 'POST', headers, body });
    expect(res.status).toBe(400);
    expect(await typeOf(res)).toBe('com.amazon.coral.service#MissingAuthenticationTokenException');
  });

  it('refuses a signature made with the wrong secret (InvalidSignatureException) and an unknown key (UnrecognizedClientException)', async () => {
    const wrongSecret = new DynamoDBClient({
      region: d.region,
      endpoint: url,
      credentials: { accessKeyId: adminCredentials.accessKeyId, secretAccessKey: 'not-the-secret' },
      maxAttempts: 1,
    });
    const unknownKey = new DynamoDBClient({
      region: d.region,
      endpoint: url,
      credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'whatever' },
      maxAttempts: 1,
    });
    clients.push(wrongSecret, unknownKey);
    expect(await failure(wrongSecret.send(new GetItemCommand({ TableName: tableA, Key: item('ROOM#a', 'META') })))).toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(await failure(unknownKey.send(new GetItemCommand({ TableName: tableA, Key: item('ROOM#a', 'META') })))).toMatchObject({
      name: 'UnrecognizedClientException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses a body changed after signing', async () => {
    const target = new URL(url);
    const signer = new SignatureV4({ service: 'dynamodb', region: d.region, sha256: Sha256, credentials: adminCredentials });
    const signed = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: target.hostname,
        port: Number(target.port),
        path: '/',
        headers: { ...headers, host: target.host },
        body,
      }),
    );
    const ok = await fetch(url, { method: 'POST', headers: signed.headers, body });
    expect(ok.status).toBe(200);
    const tampered = await fetch(url, { method: 'POST', headers: signed.headers, body: body.replace('ROOM#a', 'ROOM#b') });
    expect(tampered.status).toBe(400);
    expect(await typeOf(tampered)).toBe('com.amazon.coral.service#InvalidSignatureException');
  });

  it('refuses table names that would change the ARN, before forwarding', async () => {
    const admin = new DynamoDBClient({ region: d.region, endpoint: url, credentials: adminCredentials, maxAttempts: 1 });
    clients.push(admin);
    expect(await failure(admin.send(new GetItemCommand({ TableName: `${tableA}/index/*`, Key: item('ROOM#a', 'META') })))).toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
  });
});
