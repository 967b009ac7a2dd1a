/**
 * Room events, the directory, consent and exit, the existence oracle and idempotent posts, end to end without the local
 * stack: the rooms, messages and users functions built with their real AWS dependencies and their own roles'
 * credentials, against the emulator (IAM evaluated on every DynamoDB and IoT data-plane call) in front of dynalite, and
 * real MQTT clients of each user (browser credentials scoped to their own subtree) plus a watcher subscribed to the whole
 * app prefix, which proves that an event reached exactly the inboxes it should and no other.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FunctionName } from '../../core/access/model.js';
import {
  FanoutWorkerEnvSchema,
  type FunctionEnvSchema,
  HistoryEnvSchema,
  MessagesEnvSchema,
  RoomsEnvSchema,
  UsersEnvSchema,
} from '../../core/contracts/function-env.js';
import type { InboxMessage } from '../../core/contracts/mqtt.js';
import type { RoomEvent } from '../../core/contracts/room-events.js';
import {
  IDEMPOTENCY_TABLE,
  MEMBERSHIPS_TABLE,
  MESSAGES_TABLE,
  PRESENCE_TABLE,
  RATE_LIMITS_TABLE,
  TABLES,
  tableName,
  USERS_TABLE,
} from '../../core/store/tables.js';
import { TopicScheme } from '../../core/topics.js';
import { LOCAL_DEPLOYMENT } from '../../local/local-deployment.js';
import { createTables, type RunningLocalDynamoDb, startLocalDynamoDb } from '../../local/store/dynalite.js';
import { context, displayNameOf, fakeCaller, httpEvent, sqsEvent } from '../../test/fixtures/events.js';
import { browserCredentials, functionCredentials } from '../../test/support/credentials.js';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../test/support/emulator.js';
import { connectClient, type ReceivedMessage, sleep, type TestClient } from '../../test/support/mqtt.js';
import { presignMqttUrl } from '../../test/support/sign.js';
import { catalogVariables, functionDefinition } from '../catalog.js';
import { fanoutWorkerDependencies } from '../fanout/aws.js';
import { createFanoutWorkerHandler } from '../fanout/worker-handler.js';
import { historyDependencies, messagesDependencies } from '../messages/aws.js';
import { createMessagesHandler } from '../messages/handler.js';
import { createHistoryHandler } from '../messages/history-handler.js';
import { DynamoPresenceStore } from '../presence/dynamo-presence-store.js';
import { readConfig } from '../shared/config.js';
import type { FanoutQueue } from '../shared/ports.js';
import { usersDependencies } from '../users/aws.js';
import { createUsersHandler } from '../users/handler.js';
import { roomsDependencies } from './aws.js';
import { createRoomsHandler } from './handler.js';

const d = LOCAL_DEPLOYMENT;
const topics = new TopicScheme(d);
let dynamo: RunningLocalDynamoDb;
let emulator: TestEmulator;
let watcher: TestClient;
let admin: DynamoDBClient;
const open: TestClient[] = [];

/** The stage-wide variables, as infra sets them (the lead wires the same in infra/stack.ts). */
const environment = () => ({
  APP_NAME: d.app,
  STAGE: d.stage,
  AWS_REGION: d.region,
  AWS_ACCOUNT_ID: d.accountId,
  APP_JWKS_URL: 'https://issuer.invalid/.well-known/jwks.json',
  APP_TOKEN_ISSUER: 'https://issuer.invalid',
  APP_TOKEN_AUDIENCE: 'test',
  COGNITO_USER_POOL_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test',
  COGNITO_USER_POOL_CLIENT_ID: 'test',
  IDENTITY_POOL_ID: 'us-east-1:00000000-0000-4000-8000-000000000000',
  MEMBERSHIPS_TABLE_NAME: tableName(d, MEMBERSHIPS_TABLE),
  MESSAGES_TABLE_NAME: tableName(d, MESSAGES_TABLE),
  RATE_LIMITS_TABLE_NAME: tableName(d, RATE_LIMITS_TABLE),
  PRESENCE_TABLE_NAME: tableName(d, PRESENCE_TABLE),
  USERS_TABLE_NAME: tableName(d, USERS_TABLE),
  IDEMPOTENCY_TABLE_NAME: tableName(d, IDEMPOTENCY_TABLE),
  FANOUT_QUEUE_URL: 'http://127.0.0.1:9/000000000000/iot-realtime-local-fanout',
});
const configOf = <S extends FunctionEnvSchema>(schema: S, fn: FunctionName, extra: Record<string, string> = {}) =>
  readConfig(schema, { ...environment(), ...catalogVariables(functionDefinition(fn)), ...extra }, `${fn} function`);
/** What the Lambda service gives a function: its own role's credentials, every client pointed at the emulator. */
const aws = (fn: FunctionName) => ({ region: d.region, endpoint: emulator.url, credentials: functionCredentials(emulator, fn) });
const runtime = { logLevel: 'SILENT' as const };

/** SQS stands in as the fan-out worker invoked in-process with each batch (the worker publishes with its own role). */
function workerQueue(): FanoutQueue {
  const worker = createFanoutWorkerHandler(fanoutWorkerDependencies(configOf(FanoutWorkerEnvSchema, 'fanout-worker'), aws('fanout-worker'), runtime));
  let n = 0;
  return {
    async send(tasks) {
      const result = await worker(sqsEvent(tasks.map((task) => ({ id: `t${++n}`, body: JSON.stringify(task) }))), context);
      if ((result?.batchItemFailures ?? []).length > 0) throw new Error('the fan-out worker failed');
    },
  };
}

type Handler = ReturnType<typeof createRoomsHandler>;
let rooms: Handler;
let roomsViaQueue: ReturnType<typeof createRoomsHandler>;
let messages: ReturnType<typeof createMessagesHandler>;
let users: ReturnType<typeof createUsersHandler>;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  admin = new DynamoDBClient({ region: d.region, endpoint: dynamo.url, credentials: adminCredentials });
  await createTables(admin, d, TABLES);
  emulator = await startTestEmulator({ dynamoDbUpstreamUrl: dynamo.url });
  const fanoutQueue = workerQueue();
  // Token verification is not the subject here (caller.test.ts): "Bearer alice" is the app user alice, named Alice.
  rooms = createRoomsHandler({ ...roomsDependencies(configOf(RoomsEnvSchema, 'rooms'), aws('rooms'), runtime), resolveCaller: fakeCaller, fanoutQueue });
  roomsViaQueue = createRoomsHandler({
    ...roomsDependencies(configOf(RoomsEnvSchema, 'rooms', { DIRECT_FANOUT_MAX: '0' }), aws('rooms'), runtime),
    resolveCaller: fakeCaller,
    fanoutQueue,
  });
  messages = createMessagesHandler({
    ...messagesDependencies(configOf(MessagesEnvSchema, 'messages'), aws('messages'), runtime),
    resolveCaller: fakeCaller,
    fanoutQueue,
  });
  users = createUsersHandler({ ...usersDependencies(configOf(UsersEnvSchema, 'users'), aws('users'), runtime), resolveCaller: fakeCaller });
  watcher = await connectClient(await presignMqttUrl(adminCredentials, { connectTo: emulator.url }), 'watcher');
  await watcher.client.subscribeAsync(topics.appFilter(), { qos: 1 });
}, 30_000);
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined)));
});
afterAll(async () => {
  await watcher?.end();
  await emulator?.close();
  admin?.destroy();
  await dynamo?.close();
});

type Options = { body?: unknown; pathParameters?: Record<string, string>; query?: Record<string, string>; headers?: Record<string, string> };
const call = async (
  handler: Handler | ReturnType<typeof createMessagesHandler> | ReturnType<typeof createUsersHandler> | ReturnType<typeof createHistoryHandler>,
  user: string,
  method: string,
  route: string,
  options: Options = {},
) => {
  const res = await handler(
    httpEvent({
      method,
      path: route,
      routeKey: `${method} ${route}`,
      headers: { authorization: `Bearer ${user}`, ...options.headers },
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
      ...(options.query ? { queryStringParameters: options.query } : {}),
    }),
    context,
  );
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, headers: res.headers ?? {} };
};

let seq = 0;
/** A fresh user (unique per test), signed in once so the directory knows them, with an MQTT client on their own subtree. */
async function person(name: string): Promise<{ userId: string; client: TestClient }> {
  const userId = `${name}${++seq}`;
  expect((await call(rooms, userId, 'GET', '/rooms')).status).toBe(200);
  const creds = await browserCredentials(emulator, userId);
  const client = await connectClient(await presignMqttUrl(creds, { connectTo: emulator.url }), creds.clientId);
  await client.client.subscribeAsync(topics.userFilter(userId), { qos: 1 });
  open.push(client);
  return { userId, client };
}

const createRoom = async (owner: string, name: string) => {
  const res = await call(rooms, owner, 'POST', '/rooms', { body: { name } });
  expect(res.status).toBe(201);
  return res.body.roomId as string;
};
const invite = (owner: string, roomId: string, body: unknown, handler = rooms) =>
  call(handler, owner, 'POST', '/rooms/{roomId}/members', { body, pathParameters: { roomId } });

const parse = (m: ReceivedMessage) => JSON.parse(m.payload) as RoomEvent | InboxMessage;
/** Waits for the event of `type` in `userId`'s inbox of the room, as their own MQTT client received it. */
async function eventIn(
  client: TestClient,
  userId: string,
  roomId: string,
  type: RoomEvent['type'],
  matches: (event: RoomEvent) => boolean = () => true,
  timeoutMs = 5000,
): Promise<RoomEvent> {
  const topic = topics.inbox(userId, roomId);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const event = parse(await client.next(topic, Math.max(1, deadline - Date.now())));
    if (event.type === type && matches(event as RoomEvent)) return event as RoomEvent;
  }
}
/** The users whose inboxes the watcher saw `eventId` (or messageId) published to, after a moment for stragglers. */
async function reached(id: string, expected: number): Promise<string[]> {
  const deadline = Date.now() + 5000;
  const matching = () => watcher.messages.filter((m) => m.payload.includes(`"${id}"`));
  while (matching().length < expected && Date.now() < deadline) await sleep(25);
  await sleep(200);
  return [...new Set(matching().map((m) => m.topic.split('/')[3]!))].sort();
}

describe('room events reach the people they concern, and nobody else', () => {
  it('member added: the new member learns the room, its name and their role at once; the others learn who joined', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const carol = await person('carol');
    const outsider = await person('mallory');
    const roomId = await createRoom(alice.userId, 'Launch');
    await call(rooms, alice.userId, 'PUT', '/rooms/{roomId}/members/{userId}', { pathParameters: { roomId, userId: bob.userId } });
    await eventIn(bob.client, bob.userId, roomId, 'member_added');
    // carol is online when she is added: the event says so.
    await new DynamoPresenceStore(admin, tableName(d, PRESENCE_TABLE)).put(
      carol.userId,
      { [topics.clientId(carol.userId)]: { connected: true, versionNumber: 1, timestamp: Date.now(), expiresAt: Math.floor(Date.now() / 1000) + 3600 } },
      undefined,
    );
    const res = await invite(alice.userId, roomId, { username: carol.userId });
    expect(res.status).toBe(201);
    const told = await eventIn(carol.client, carol.userId, roomId, 'member_added');
    expect(told).toMatchObject({
      roomId,
      roomName: 'Launch',
      by: { userId: alice.userId, displayName: displayNameOf(alice.userId) },
      member: { userId: carol.userId, displayName: displayNameOf(carol.userId), role: 'member', online: true },
    });
    for (const m of [alice, bob]) expect((await eventIn(m.client, m.userId, roomId, 'member_added')).eventId).toBeDefined();
    expect(await reached(told.eventId, 3)).toEqual([alice.userId, bob.userId, carol.userId].sort());
    expect(outsider.client.messages).toEqual([]);
    // The members list shows carol online, with display names.
    const list = await call(rooms, bob.userId, 'GET', '/rooms/{roomId}/members', { pathParameters: { roomId } });
    expect(list.body.members.find((m: { userId: string }) => m.userId === carol.userId)).toMatchObject({ role: 'member', online: true });
  }, 30_000);

  it('member removed: the one removed is told they are out, the others are told, and the next message skips them', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const carol = await person('carol');
    const roomId = await createRoom(alice.userId, 'Temporary');
    for (const m of [bob, carol]) expect((await invite(alice.userId, roomId, { userId: m.userId })).status).toBe(201);
    expect((await call(rooms, alice.userId, 'DELETE', '/rooms/{roomId}/members/{userId}', { pathParameters: { roomId, userId: bob.userId } })).status).toBe(
      204,
    );
    const out = await eventIn(bob.client, bob.userId, roomId, 'member_removed');
    expect(out).toMatchObject({ member: { userId: bob.userId }, reason: 'removed', roomDeleted: false, by: { userId: alice.userId } });
    expect(await reached(out.eventId, 3)).toEqual([alice.userId, bob.userId, carol.userId].sort());
    const posted = await call(messages, alice.userId, 'POST', '/rooms/{roomId}/messages', { body: { text: 'after' }, pathParameters: { roomId } });
    expect(posted.status).toBe(202);
    expect(await reached(posted.body.messageId, 2)).toEqual([alice.userId, carol.userId].sort());
    // Bob may no longer post either: 404, as for any room that is not his.
    expect((await call(messages, bob.userId, 'POST', '/rooms/{roomId}/messages', { body: { text: 'x' }, pathParameters: { roomId } })).status).toBe(404);
  }, 30_000);

  it('last owner leaves: everyone hears who left and that the longest-standing member now owns the room; the last member takes the room with them', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const carol = await person('carol');
    const roomId = await createRoom(alice.userId, 'Succession');
    for (const m of [bob, carol]) await invite(alice.userId, roomId, { userId: m.userId });
    expect((await call(rooms, alice.userId, 'DELETE', '/rooms/{roomId}/members/{userId}', { pathParameters: { roomId, userId: alice.userId } })).status).toBe(
      204,
    );
    const promoted = await eventIn(carol.client, carol.userId, roomId, 'role_changed');
    expect(promoted).toMatchObject({
      member: { userId: bob.userId, role: 'owner' },
      previousRole: 'member',
      reason: 'last_owner_left',
      by: { userId: alice.userId },
    });
    expect(await reached(promoted.eventId, 2)).toEqual([bob.userId, carol.userId].sort());
    const left = await eventIn(alice.client, alice.userId, roomId, 'member_removed', (e) => e.type === 'member_removed' && e.member.userId === alice.userId);
    expect(left).toMatchObject({ reason: 'left', roomDeleted: false });
    expect(await reached(left.eventId, 3)).toEqual([alice.userId, bob.userId, carol.userId].sort());
    // carol and bob leave too; the room goes with the last of them.
    await call(rooms, carol.userId, 'DELETE', '/rooms/{roomId}/members/{userId}', { pathParameters: { roomId, userId: carol.userId } });
    await call(rooms, bob.userId, 'DELETE', '/rooms/{roomId}/members/{userId}', { pathParameters: { roomId, userId: bob.userId } });
    const last = await eventIn(bob.client, bob.userId, roomId, 'member_removed', (e) => e.type === 'member_removed' && e.member.userId === bob.userId);
    expect(last).toMatchObject({ roomDeleted: true });
    expect(await reached(last.eventId, 1)).toEqual([bob.userId]);
    expect((await call(rooms, bob.userId, 'GET', '/rooms')).body.rooms).toEqual([]);
  }, 30_000);

  it('renamed and deleted: every member hears of it, and after deletion the room is gone for all of them', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const roomId = await createRoom(alice.userId, 'Old name');
    await invite(alice.userId, roomId, { userId: bob.userId });
    expect((await call(rooms, bob.userId, 'PATCH', '/rooms/{roomId}', { body: { name: 'Mine' }, pathParameters: { roomId } })).status).toBe(403);
    expect((await call(rooms, alice.userId, 'PATCH', '/rooms/{roomId}', { body: { name: 'New name' }, pathParameters: { roomId } })).status).toBe(200);
    const renamed = await eventIn(bob.client, bob.userId, roomId, 'room_renamed');
    expect(renamed).toMatchObject({ roomName: 'New name', previousName: 'Old name' });
    expect(await reached(renamed.eventId, 2)).toEqual([alice.userId, bob.userId].sort());
    expect((await call(rooms, alice.userId, 'DELETE', '/rooms/{roomId}', { pathParameters: { roomId } })).status).toBe(204);
    const deleted = await eventIn(bob.client, bob.userId, roomId, 'room_deleted');
    expect(await reached(deleted.eventId, 2)).toEqual([alice.userId, bob.userId].sort());
    expect((await call(rooms, bob.userId, 'GET', '/rooms')).body.rooms).toEqual([]);
    expect((await call(rooms, bob.userId, 'GET', '/rooms/{roomId}/members', { pathParameters: { roomId } })).status).toBe(404);
  }, 30_000);

  it('through the fan-out queue (rooms above the direct threshold) the same people, and only they, are told', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const carol = await person('carol');
    const outsider = await person('dave');
    const roomId = await createRoom(alice.userId, 'Queued');
    await invite(alice.userId, roomId, { userId: bob.userId }, roomsViaQueue);
    const res = await invite(alice.userId, roomId, { userId: carol.userId }, roomsViaQueue);
    expect(res.status).toBe(201);
    const told = await eventIn(carol.client, carol.userId, roomId, 'member_added');
    expect(await reached(told.eventId, 3)).toEqual([alice.userId, bob.userId, carol.userId].sort());
    expect(outsider.client.messages).toEqual([]);
  }, 30_000);
});

describe('the directory, consent and the existence oracle', () => {
  it('invites by exact username only, with "No user named ..." for anyone else, and never adds a phantom member', async () => {
    const alice = await person('alice');
    const roomId = await createRoom(alice.userId, 'Directory');
    const missing = await invite(alice.userId, roomId, { username: 'nosuchuser' });
    expect([missing.status, missing.body]).toEqual([404, { error: 'not_found', message: 'No user named nosuchuser' }]);
    const byId = await call(rooms, alice.userId, 'PUT', '/rooms/{roomId}/members/{userId}', { pathParameters: { roomId, userId: 'nosuchuser' } });
    expect(byId.status).toBe(404);
    const members = await call(rooms, alice.userId, 'GET', '/rooms/{roomId}/members', { pathParameters: { roomId } });
    expect(members.body.members.map((m: { userId: string }) => m.userId)).toEqual([alice.userId]);
    // No prefix search through the users route either.
    expect((await call(users, alice.userId, 'GET', '/users', { query: { username: alice.userId.slice(0, 3) } })).status).toBe(404);
    expect((await call(users, alice.userId, 'GET', '/users', { query: { username: alice.userId } })).body).toEqual({
      users: [{ userId: alice.userId, displayName: displayNameOf(alice.userId), kind: 'app' }],
    });
  }, 30_000);

  it('never makes an owner by invitation, and lets an owner promote an existing member', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const roomId = await createRoom(alice.userId, 'Consent');
    const asOwner = await call(rooms, alice.userId, 'PUT', '/rooms/{roomId}/members/{userId}', {
      body: { role: 'owner' },
      pathParameters: { roomId, userId: bob.userId },
    });
    expect(asOwner.status).toBe(409);
    expect(bob.client.messages).toEqual([]);
    await invite(alice.userId, roomId, { userId: bob.userId });
    expect(
      (await call(rooms, alice.userId, 'PUT', '/rooms/{roomId}/members/{userId}', { body: { role: 'owner' }, pathParameters: { roomId, userId: bob.userId } }))
        .status,
    ).toBe(204);
    expect(await eventIn(bob.client, bob.userId, roomId, 'role_changed')).toMatchObject({
      member: { userId: bob.userId, role: 'owner' },
      reason: 'changed_by_owner',
    });
  }, 30_000);

  it('answers a non-member the same status and message for a room of others and for a room that does not exist, on every route', async () => {
    const alice = await person('alice');
    const roomId = await createRoom(alice.userId, 'Private');
    const probe = async (room: string) => {
      const answers = [
        await call(rooms, 'mallory', 'GET', '/rooms/{roomId}/members', { pathParameters: { roomId: room } }),
        await invite('mallory', room, { userId: alice.userId }),
        await call(rooms, 'mallory', 'DELETE', '/rooms/{roomId}/members/{userId}', { pathParameters: { roomId: room, userId: 'mallory' } }),
        await call(rooms, 'mallory', 'PATCH', '/rooms/{roomId}', { body: { name: 'x' }, pathParameters: { roomId: room } }),
        await call(rooms, 'mallory', 'DELETE', '/rooms/{roomId}', { pathParameters: { roomId: room } }),
        await call(messages, 'mallory', 'POST', '/rooms/{roomId}/messages', { body: { text: 'x' }, pathParameters: { roomId: room } }),
      ];
      return answers.map((a) => `${a.status} ${String(a.body?.message).replace(room, '<room>')}`);
    };
    const existing = await probe(roomId);
    expect(new Set(existing)).toEqual(new Set(['404 room <room> does not exist, or you are not a member of it']));
    expect(await probe('no-such-room')).toEqual(existing);
  }, 30_000);
});

describe('sends that never duplicate', () => {
  it('stores one message for concurrent duplicates with one Idempotency-Key, answers each with the same 202, and delivers one message id', async () => {
    const alice = await person('alice');
    const bob = await person('bob');
    const roomId = await createRoom(alice.userId, 'Once');
    await invite(alice.userId, roomId, { userId: bob.userId });
    const send = () =>
      call(messages, alice.userId, 'POST', '/rooms/{roomId}/messages', {
        body: { text: 'exactly once' },
        pathParameters: { roomId },
        headers: { 'idempotency-key': '"5f0c6f1e-3b7a-4d4e-9a51-0b8f7c2d9e11"' },
      });
    const answers = await Promise.all([send(), send(), send(), send()]);
    expect(new Set(answers.map((a) => `${a.status} ${JSON.stringify(a.body)}`)).size).toBe(1);
    expect(answers[0]!.status).toBe(202);
    const historyHandler = createHistoryHandler({
      ...historyDependencies(configOf(HistoryEnvSchema, 'history'), aws('history'), runtime),
      resolveCaller: fakeCaller,
    });
    const history = await call(historyHandler, bob.userId, 'GET', '/rooms/{roomId}/messages', { pathParameters: { roomId } });
    expect(history.body.messages.map((m: { text: string }) => m.text)).toEqual(['exactly once']);
    const messageIds = new Set(
      watcher.messages
        .filter((m) => m.topic.endsWith(`/rooms/${roomId}`) && JSON.parse(m.payload).type === 'message')
        .map((m) => JSON.parse(m.payload).messageId),
    );
    expect(messageIds).toEqual(new Set([answers[0]!.body.messageId]));
    // A retry a moment later: same answer, still one message.
    const retry = await send();
    expect([retry.status, retry.body, retry.headers['idempotent-replayed']]).toEqual([202, answers[0]!.body, 'true']);
  }, 30_000);
});
