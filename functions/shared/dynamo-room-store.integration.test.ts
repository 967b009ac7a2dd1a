/**
 * DynamoRoomStore against the local DynamoDB (dynalite + its transaction front) with the real SDK client, no mocks: the
 * RoomStore contract suite (room-store.contract.ts, also run against the in-memory store), then what is particular to
 * DynamoDB: concurrency through transactions, large pages, forged cursors, the item layout, the TTL attribute, the
 * classification of DynamoDB's errors, persistence.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StoredMessage } from '../../core/contracts/rooms.js';
import { newSortableId } from '../../core/ids.js';
import { IDEMPOTENCY_TABLE, MEMBERSHIP_KEYS, MEMBERSHIPS_TABLE, MESSAGES_TABLE, TABLES, tableName } from '../../core/store/tables.js';
import { createTables, type RunningLocalDynamoDb, startLocalDynamoDb } from '../../local/store/dynalite.js';
import { DynamoRoomStore } from './dynamo-room-store.js';
import { InvalidCursorError, LastOwnerError, UpstreamError } from './errors.js';
import { pageAll, roomStoreContract } from './room-store.contract.js';

const deployment = { app: 'iot-realtime', stage: 'test' };
const tables = {
  membershipsTable: tableName(deployment, MEMBERSHIPS_TABLE),
  messagesTable: tableName(deployment, MESSAGES_TABLE),
  idempotencyTable: tableName(deployment, IDEMPOTENCY_TABLE),
};
const clientFor = (url: string) =>
  new DynamoDBClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });

let dynamo: RunningLocalDynamoDb;
let client: DynamoDBClient;
let store: DynamoRoomStore;

beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
  client = clientFor(dynamo.url);
  await createTables(client, deployment, TABLES);
  store = new DynamoRoomStore(client, tables);
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

roomStoreContract('DynamoDB (dynalite)', () => ({ store }));

let roomSeq = 0;
/** A fresh room id per test, so tests do not see each other's data. */
const newRoom = async (owner = 'alice', name = 'Room') => {
  const roomId = `room-${++roomSeq}`;
  await store.createRoom({ roomId, name, createdBy: owner, createdAt: '2025-01-01T00:00:00.000Z' });
  return roomId;
};
const counts = async (roomId: string) => {
  const room = await store.getRoom(roomId);
  return room && { members: room.memberCount, owners: room.ownerCount };
};

describe('item layout (core/store/tables.ts)', () => {
  it('keeps the room item first in its partition and indexes memberships by user and by seniority', async () => {
    const roomId = await newRoom('zoe', 'Layout');
    await store.addMember(roomId, 'aaron', 'zoe');
    const doc = DynamoDBDocumentClient.from(client);
    const items = (
      await doc.send(
        new QueryCommand({
          TableName: tables.membershipsTable,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': MEMBERSHIP_KEYS.roomPk(roomId) },
        }),
      )
    ).Items!;
    expect(items.map((i) => i.sk)).toEqual([MEMBERSHIP_KEYS.roomSk, MEMBERSHIP_KEYS.memberSk('aaron'), MEMBERSHIP_KEYS.memberSk('zoe')]);
    const aaron = items[1]!;
    expect(aaron).toMatchObject({
      gsi1pk: MEMBERSHIP_KEYS.userGsiPk('aaron'),
      gsi1sk: MEMBERSHIP_KEYS.roomGsiSk(roomId),
      gsi2pk: MEMBERSHIP_KEYS.seniorityGsiPk(roomId),
      gsi2sk: MEMBERSHIP_KEYS.seniorityGsiSk(String(aaron.joinedAt), 'aaron'),
    });
  });
});

describe('concurrency (transactions with conditions on what was read)', () => {
  it('keeps the counts exact under concurrent joins', async () => {
    const roomId = await newRoom('alice');
    const users = Array.from({ length: 20 }, (_, i) => `joiner-${i}`);
    await Promise.all(users.map((u) => store.addMember(roomId, u, 'alice')));
    await Promise.all(users.slice(0, 5).map((u) => store.addMember(roomId, u, 'alice')));
    expect(await counts(roomId)).toEqual({ members: 21, owners: 1 });
  });

  it('lets only one of two owners demote themselves at the same time', async () => {
    const roomId = await newRoom('alice');
    await store.addMember(roomId, 'bob', 'alice');
    await store.setRole(roomId, 'bob', 'owner', 'alice');
    const results = await Promise.allSettled([store.setRole(roomId, 'alice', 'member', 'alice'), store.setRole(roomId, 'bob', 'member', 'bob')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    // The loser's transaction failed its condition; decided again on a fresh read, they are now the last owner.
    expect(rejected?.reason).toBeInstanceOf(LastOwnerError);
    expect(await counts(roomId)).toEqual({ members: 2, owners: 1 });
  });

  it('keeps exactly one owner when both owners leave at once with members remaining', async () => {
    const roomId = await newRoom('alice');
    for (const user of ['bob', 'carol', 'dave']) await store.addMember(roomId, user, 'alice');
    await store.setRole(roomId, 'bob', 'owner', 'alice');
    await Promise.all([store.removeMember(roomId, 'alice', 'alice'), store.removeMember(roomId, 'bob', 'bob')]);
    expect(await counts(roomId)).toEqual({ members: 2, owners: 1 });
    const members = (await store.listMembers(roomId, { limit: 10 })).items;
    expect(members.filter((m) => m.role === 'owner')).toHaveLength(1);
  });
});

describe('pagination', () => {
  it('pages 120 members by 50 in user id order, with no cursor after the last page', async () => {
    const roomId = await newRoom('owner-0');
    const users = Array.from({ length: 119 }, (_, i) => `user-${String(i).padStart(3, '0')}`);
    for (const u of users) await store.addMember(roomId, u, 'owner-0');
    const { items, sizes } = await pageAll((cursor) => store.listMembers(roomId, { limit: 50, ...(cursor ? { cursor } : {}) }));
    expect(sizes).toEqual([50, 50, 20]);
    const ids = items.map((m) => m.userId);
    expect(ids).toEqual(['owner-0', ...users].sort());
    expect(items.every((m) => m.roomId === roomId)).toBe(true);
    expect(await counts(roomId)).toEqual({ members: 120, owners: 1 });
  }, 60_000);

  it('gives no cursor when the last page is exactly full', async () => {
    const roomId = await newRoom('alice');
    await store.addMember(roomId, 'bob', 'alice');
    const first = await store.listMembers(roomId, { limit: 1 });
    expect(first.nextCursor).toBeDefined();
    const second = await store.listMembers(roomId, { limit: 1, cursor: first.nextCursor! });
    expect(second.items.map((m) => m.userId)).toEqual(['bob']);
    expect(second.nextCursor).toBeUndefined();
    expect((await store.listMembers(roomId, { limit: 2 })).nextCursor).toBeUndefined();
  });

  it("pages the 500 rooms of one user in room id order, with each room's name and the user's role", async () => {
    const roomIds: string[] = [];
    for (let i = 0; i < 500; i += 1) {
      const roomId = `busy-${String(i).padStart(3, '0')}`;
      await store.createRoom({ roomId, name: `Busy ${i}`, createdBy: i % 2 === 0 ? 'busy-user' : 'someone-else', createdAt: '2025-01-01T00:00:00.000Z' });
      if (i % 2 === 1) await store.addMember(roomId, 'busy-user', 'someone-else');
      roomIds.push(roomId);
    }
    const { items, sizes } = await pageAll((cursor) => store.listRoomsOfUser('busy-user', { limit: 100, ...(cursor ? { cursor } : {}) }));
    expect(sizes).toEqual([100, 100, 100, 100, 100]);
    expect(items.map((m) => m.roomId)).toEqual(roomIds);
    expect(items[0]).toMatchObject({ roomId: 'busy-000', userId: 'busy-user', role: 'owner' });
    expect(items[1]).toMatchObject({ roomId: 'busy-001', userId: 'busy-user', role: 'member' });
    const names = await store.getRooms(items.slice(0, 100).map((m) => m.roomId));
    expect(names.get('busy-001')?.name).toBe('Busy 1');
    expect(names.size).toBe(100);
  }, 120_000);
});

describe('cursors (a cursor must not open another listing)', () => {
  let roomA: string;
  let roomB: string;
  let membersCursorA: string;
  let roomsCursorAlice: string;

  beforeAll(async () => {
    roomA = await newRoom('alice');
    roomB = await newRoom('bob');
    for (const u of ['a1', 'a2', 'a3']) await store.addMember(roomA, u, 'alice');
    for (const u of ['b1', 'b2', 'b3']) await store.addMember(roomB, u, 'bob');
    membersCursorA = (await store.listMembers(roomA, { limit: 1 })).nextCursor!;
    roomsCursorAlice = (await store.listRoomsOfUser('alice', { limit: 1 })).nextCursor!;
    expect(membersCursorA).toBeDefined();
    expect(roomsCursorAlice).toBeDefined();
  });

  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it("refuses room A's cursor for room B's members", async () => {
    await expect(store.listMembers(roomB, { limit: 10, cursor: membersCursorA })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it("refuses a forged cursor naming room B's key while listing room A, and one pointing at the room item", async () => {
    await expect(store.listMembers(roomA, { limit: 10, cursor: encode({ pk: `ROOM#${roomB}`, sk: 'MEMBER#b1' }) })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(store.listMembers(roomA, { limit: 10, cursor: encode({ pk: `ROOM#${roomA}`, sk: MEMBERSHIP_KEYS.roomSk }) })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    await expect(store.listMembers(roomA, { limit: 10, cursor: encode({ pk: `ROOM#${roomA}`, sk: 'MEMBER#a1', gsi1pk: 'USER#x' }) })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
  });

  it("refuses alice's rooms cursor for bob's rooms, and a members cursor for a user's rooms", async () => {
    await expect(store.listRoomsOfUser('bob', { limit: 10, cursor: roomsCursorAlice })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(store.listRoomsOfUser('alice', { limit: 10, cursor: membersCursorA })).rejects.toBeInstanceOf(InvalidCursorError);
    const forged = { pk: `ROOM#${roomB}`, sk: 'MEMBER#bob', gsi1pk: 'USER#bob', gsi1sk: `ROOM#${roomB}` };
    await expect(store.listRoomsOfUser('alice', { limit: 10, cursor: encode(forged) })).rejects.toBeInstanceOf(InvalidCursorError);
    // Inconsistent table and index keys of the user's own listing.
    await expect(
      store.listRoomsOfUser('alice', { limit: 10, cursor: encode({ pk: `ROOM#${roomB}`, sk: 'MEMBER#alice', gsi1pk: 'USER#alice', gsi1sk: `ROOM#${roomA}` }) }),
    ).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('refuses malformed cursors: not base64url, not JSON, not an object, non-string values, too long, empty', async () => {
    for (const cursor of [
      'not base64!',
      Buffer.from('{"pk":').toString('base64url'),
      encode(['ROOM#x', 'MEMBER#y']),
      encode({ pk: `ROOM#${roomA}`, sk: 7 }),
      'A'.repeat(5000),
      '',
    ]) {
      await expect(store.listMembers(roomA, { limit: 10, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
    }
  });

  it('accepts its own cursors', async () => {
    const page = await store.listMembers(roomA, { limit: 10, cursor: membersCursorA });
    expect(page.items.map((m) => m.userId)).toEqual(['a2', 'a3', 'alice']);
    const rooms = await store.listRoomsOfUser('alice', { limit: 100, cursor: roomsCursorAlice });
    expect(rooms.items.length).toBeGreaterThan(0);
    expect(rooms.items.every((m) => m.userId === 'alice')).toBe(true);
  });
});

describe('history', () => {
  const roomId = 'history-room';
  const sent: StoredMessage[] = [];
  const expiresAt = 1_900_000_000;

  beforeAll(async () => {
    for (let i = 0; i < 7; i += 1) {
      const message = {
        messageId: newSortableId(Date.UTC(2025, 0, 1, 0, 0, i)),
        roomId,
        from: 'alice',
        text: `message ${i}`,
        sentAt: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
      };
      sent.push(message);
      await store.putMessage(message, expiresAt + i);
    }
    await store.putMessage(
      { messageId: newSortableId(Date.UTC(2025, 0, 2)), roomId: 'other-room', from: 'eve', text: 'elsewhere', sentAt: '2025-01-02T00:00:00.000Z' },
      expiresAt,
    );
  });

  it('returns the newest page oldest first, then older pages with before, and no cursor at the end', async () => {
    const newest = await store.listMessages(roomId, { limit: 3 });
    expect(newest.items).toEqual(sent.slice(4, 7));
    expect(newest.nextCursor).toBe(sent[4]!.messageId);
    const older = await store.listMessages(roomId, { limit: 3, before: newest.nextCursor! });
    expect(older.items).toEqual(sent.slice(1, 4));
    expect(older.nextCursor).toBe(sent[1]!.messageId);
    const oldest = await store.listMessages(roomId, { limit: 3, before: older.nextCursor! });
    expect(oldest.items).toEqual(sent.slice(0, 1));
    expect(oldest.nextCursor).toBeUndefined();
  });

  it('gives no cursor when the oldest message ends a full page', async () => {
    const page = await store.listMessages(roomId, { limit: 6, before: sent[6]!.messageId });
    expect(page.items).toEqual(sent.slice(0, 6));
    expect(page.nextCursor).toBeUndefined();
    expect(await store.listMessages('empty-room', { limit: 5 })).toEqual({ items: [] });
  });

  it('writes the TTL attribute (epoch seconds) on every message', async () => {
    const doc = DynamoDBDocumentClient.from(client);
    const item = (await doc.send(new GetCommand({ TableName: tables.messagesTable, Key: { roomId, messageId: sent[2]!.messageId } }))).Item;
    expect(item).toEqual({ ...sent[2], expiresAt: expiresAt + 2 });
    expect(MESSAGES_TABLE.ttlAttribute).toBe('expiresAt');
  });

  it('refuses a before cursor that is not a message id', async () => {
    for (const before of ['', 'a/b', 'x'.repeat(65)]) await expect(store.listMessages(roomId, { limit: 3, before })).rejects.toBeInstanceOf(InvalidCursorError);
  });
});

describe('failures of DynamoDB', () => {
  /**
   * DynamoDB's throttling and server errors, answered by an HTTP server the way DynamoDB answers them. (An unreachable
   * endpoint cannot be tested under jest: Node's network errors come from another realm and the SDK wraps them into a
   * bare Error; outside jest the store reports ECONNREFUSED as retryable.)
   */
  it.each([
    [400, 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', true],
    [400, 'com.amazonaws.dynamodb.v20120810#RequestLimitExceeded', true],
    [400, 'com.amazon.coral.availability#ThrottlingException', true],
    [500, 'com.amazonaws.dynamodb.v20120810#InternalServerError', true],
    [400, 'com.amazon.coral.service#AccessDeniedException', false],
  ])('reports HTTP %i %s as an UpstreamError with retryable=%s, never the raw SDK error', async (status, type, retryable) => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: type, message: 'refused' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const failing = clientFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const error = await new DynamoRoomStore(failing, tables).getRoom('general').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).message).toBe('could not read the room');
      expect((error as UpstreamError).retryable).toBe(retryable);
      expect((error as UpstreamError).cause).toMatchObject({ name: type.slice(type.indexOf('#') + 1) });
    } finally {
      failing.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reports a missing table as a non-retryable UpstreamError', async () => {
    const misconfigured = new DynamoRoomStore(client, { membershipsTable: 'no-such-table', messagesTable: 'no-such-table' });
    await expect(misconfigured.createRoom({ roomId: 'r', name: 'R', createdBy: 'a', createdAt: '2025-01-01T00:00:00.000Z' })).rejects.toMatchObject({
      name: 'UpstreamError',
      retryable: false,
    });
    await expect(misconfigured.listMessages('r', { limit: 5 })).rejects.toMatchObject({
      name: 'UpstreamError',
      retryable: false,
      message: 'could not read the history',
    });
  });
});

describe('persistence', () => {
  it('keeps rooms, memberships and history across a restart on the same folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iot-realtime-dynalite-'));
    try {
      const first = await startLocalDynamoDb({ path: dir });
      const firstClient = clientFor(first.url);
      expect((await createTables(firstClient, deployment, TABLES)).created).toEqual(TABLES.map((t) => tableName(deployment, t)));
      const before = new DynamoRoomStore(firstClient, tables);
      await before.createRoom({ roomId: 'kept', name: 'Kept', createdBy: 'alice', createdAt: '2025-01-01T00:00:00.000Z' });
      await before.addMember('kept', 'bob', 'alice');
      const message = { messageId: newSortableId(Date.UTC(2025, 0, 1)), roomId: 'kept', from: 'alice', text: 'still here', sentAt: '2025-01-01T00:00:00.000Z' };
      await before.putMessage(message, 1_900_000_000);
      firstClient.destroy();
      await first.close();

      const second = await startLocalDynamoDb({ path: dir });
      const secondClient = clientFor(second.url);
      try {
        const again = await createTables(secondClient, deployment, TABLES);
        expect(again).toMatchObject({ created: [], existing: TABLES.map((t) => tableName(deployment, t)) });
        const after = new DynamoRoomStore(secondClient, tables);
        expect(await after.getRoom('kept')).toMatchObject({ name: 'Kept', memberCount: 2, ownerCount: 1 });
        expect((await after.listMembers('kept', { limit: 10 })).items.map((m) => m.userId)).toEqual(['alice', 'bob']);
        expect((await after.listRoomsOfUser('bob', { limit: 10 })).items).toMatchObject([{ roomId: 'kept', userId: 'bob', role: 'member' }]);
        expect((await after.listMessages('kept', { limit: 10 })).items).toEqual([message]);
      } finally {
        secondClient.destroy();
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
