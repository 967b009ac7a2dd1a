/**
 * The rooms store on DynamoDB (dynalite locally), item layout of core/store/tables.ts:
 *   memberships: pk ROOM#<roomId> sk META (the room and its counts) | sk MEMBER#<userId> (gsi1pk USER#<userId>, gsi1sk ROOM#<roomId>)
 *   messages:    roomId, messageId (time-ordered), expiresAt (TTL)
 * Every change of membership is one transaction that updates the room's counts together with the membership, with
 * conditions on what was read (the previous role, the counts), so concurrent changes cannot break the invariants
 * "memberCount = number of MEMBER items" and "a room with members has an owner": a change whose condition fails is
 * re-read and decided again.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ROOM_ROLES, type RoomRole, type StoredMessage } from '../../core/contracts/rooms.js';
import { isValidId, isValidUserId } from '../../core/ids.js';
import { isRetryable } from './aws-adapters.js';
import { InvalidCursorError, LastOwnerError, NotFoundError, RoomExistsError, UpstreamError, ValidationError } from './errors.js';
import type { Membership, Page, PageRequest, Room, RoomStore } from './room-store.js';

export interface RoomTables {
  membershipsTable: string;
  /** Absent for a function that never touches history (its role has no grant on the table either). */
  messagesTable?: string;
}

const META = 'META';
const roomKey = (roomId: string) => `ROOM#${roomId}`;
const memberKey = (userId: string) => `MEMBER#${userId}`;
const userKey = (userId: string) => `USER#${userId}`;
const BY_USER_INDEX = 'byUser';

/** Re-reads after a failed condition before giving up with a retryable error. */
const MAX_ATTEMPTS = 5;
/** A cursor is a base64url DynamoDB key of at most four short strings; anything longer was not issued here. */
const MAX_CURSOR_LENGTH = 1024;

/**
 * DynamoDB's throttling and transient errors that the shared rule does not name (DynamoDB developer guide, "Error
 * handling with DynamoDB": ProvisionedThroughputExceeded, RequestLimitExceeded, TransactionConflict and
 * InternalServerError are "OK to retry").
 */
const DYNAMODB_RETRYABLE = new Set(['ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'TransactionConflictException', 'InternalServerError']);

type Item = Record<string, unknown>;

/** A condition of the transaction failed (or conflicted): the state changed since it was read. */
class ChangedMeanwhile extends Error {}

export class DynamoRoomStore implements RoomStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #tables: RoomTables;

  constructor(client: DynamoDBClient, tables: RoomTables) {
    this.#doc = DynamoDBDocumentClient.from(client);
    this.#tables = tables;
  }

  #messagesTable(): string {
    if (this.#tables.messagesTable === undefined) throw new Error('this room store was built without the messages table');
    return this.#tables.messagesTable;
  }

  async createRoom(room: { roomId: string; name: string; createdBy: string; createdAt: string }): Promise<void> {
    const table = this.#tables.membershipsTable;
    try {
      await this.#doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: table,
                Item: {
                  pk: roomKey(room.roomId),
                  sk: META,
                  roomId: room.roomId,
                  name: room.name,
                  createdBy: room.createdBy,
                  createdAt: room.createdAt,
                  memberCount: 1,
                  ownerCount: 1,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: table,
                Item: membershipItem({ roomId: room.roomId, userId: room.createdBy, role: 'owner', roomName: room.name }, room.createdAt),
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') throw new RoomExistsError(`room ${room.roomId} already exists`);
      throw storeFailure('create the room', error);
    }
  }

  async getRoom(roomId: string): Promise<Room | undefined> {
    const item = await this.#get({ pk: roomKey(roomId), sk: META }, 'read the room');
    return item === undefined ? undefined : mapped(() => toRoom(item), 'read the room');
  }

  async getMembership(roomId: string, userId: string): Promise<Membership | undefined> {
    const item = await this.#get({ pk: roomKey(roomId), sk: memberKey(userId) }, 'read the membership');
    return item === undefined ? undefined : mapped(() => toMembership(item), 'read the membership');
  }

  async listMembers(roomId: string, page: PageRequest): Promise<Page<Membership>> {
    const start = page.cursor === undefined ? undefined : decodeCursor(page.cursor, (key) => isMemberKeyOf(key, roomId));
    const { items, last } = await this.#queryPage(
      {
        TableName: this.#tables.membershipsTable,
        KeyConditionExpression: 'pk = :room AND begins_with(sk, :member)',
        ExpressionAttributeValues: { ':room': roomKey(roomId), ':member': 'MEMBER#' },
      },
      page.limit,
      start,
      'list the members',
    );
    return { items: mapped(() => items.map(toMembership), 'list the members'), ...(last ? { nextCursor: encodeCursor({ pk: last.pk, sk: last.sk }) } : {}) };
  }

  async listRoomsOfUser(userId: string, page: PageRequest): Promise<Page<Membership>> {
    const start = page.cursor === undefined ? undefined : decodeCursor(page.cursor, (key) => isRoomKeyOf(key, userId));
    const { items, last } = await this.#queryPage(
      {
        TableName: this.#tables.membershipsTable,
        IndexName: BY_USER_INDEX,
        KeyConditionExpression: 'gsi1pk = :user',
        ExpressionAttributeValues: { ':user': userKey(userId) },
      },
      page.limit,
      start,
      "list the user's rooms",
    );
    // A GSI's LastEvaluatedKey holds the table key and the index key (DynamoDB: Query, ExclusiveStartKey).
    const rooms = mapped(() => items.map(toMembership), "list the user's rooms");
    return { items: rooms, ...(last ? { nextCursor: encodeCursor({ pk: last.pk, sk: last.sk, gsi1pk: last.gsi1pk, gsi1sk: last.gsi1sk }) } : {}) };
  }

  async putMember(roomId: string, userId: string, role: RoomRole): Promise<void> {
    await this.#changeMembership('change the membership', async () => {
      const [room, current] = await this.#readRoomAndMember(roomId, userId);
      if (room === undefined) throw new NotFoundError(`room ${roomId} does not exist`);
      if (current?.role === role) return;
      const table = this.#tables.membershipsTable;
      const roomPk = roomKey(roomId);
      if (current === undefined) {
        await this.#transact([
          {
            Update: {
              TableName: table,
              Key: { pk: roomPk, sk: META },
              UpdateExpression: 'SET memberCount = memberCount + :one, ownerCount = ownerCount + :owners',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':one': 1, ':owners': role === 'owner' ? 1 : 0 },
            },
          },
          {
            Put: {
              TableName: table,
              Item: membershipItem({ roomId, userId, role, roomName: room.name }, new Date().toISOString()),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ]);
        return;
      }
      const promoting = role === 'owner';
      // Demoting the last owner leaves the room's members (at least this one) without an owner.
      if (!promoting && room.ownerCount <= 1) throw new LastOwnerError(`${userId} is the last owner of room ${roomId}`);
      await this.#transact([
        {
          Update: {
            TableName: table,
            Key: { pk: roomPk, sk: META },
            UpdateExpression: 'SET ownerCount = ownerCount + :delta',
            ConditionExpression: promoting ? 'attribute_exists(pk)' : 'attribute_exists(pk) AND ownerCount > :one',
            ExpressionAttributeValues: promoting ? { ':delta': 1 } : { ':delta': -1, ':one': 1 },
          },
        },
        {
          Update: {
            TableName: table,
            Key: { pk: roomPk, sk: memberKey(userId) },
            UpdateExpression: 'SET #role = :role',
            ConditionExpression: '#role = :previous',
            ExpressionAttributeNames: { '#role': 'role' },
            ExpressionAttributeValues: { ':role': role, ':previous': current.role },
          },
        },
      ]);
    });
  }

  async removeMember(roomId: string, userId: string): Promise<void> {
    await this.#changeMembership('remove the member', async () => {
      const [room, current] = await this.#readRoomAndMember(roomId, userId);
      if (current === undefined) return;
      const table = this.#tables.membershipsTable;
      const owner = current.role === 'owner';
      if (room !== undefined && owner && room.ownerCount <= 1 && room.memberCount > 1) {
        throw new LastOwnerError(`${userId} is the last owner of room ${roomId}, which has other members`);
      }
      const removal = {
        Delete: {
          TableName: table,
          Key: { pk: roomKey(roomId), sk: memberKey(userId) },
          ConditionExpression: '#role = :previous',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':previous': current.role },
        },
      };
      // A membership without its room (not produced by this store) is removed alone.
      if (room === undefined) return this.#transact([removal]);
      await this.#transact([
        {
          Update: {
            TableName: table,
            Key: { pk: roomKey(roomId), sk: META },
            UpdateExpression: owner ? 'SET memberCount = memberCount - :one, ownerCount = ownerCount - :one' : 'SET memberCount = memberCount - :one',
            // The last owner may leave only as the last member; checked again here against concurrent joins.
            ConditionExpression: owner ? 'attribute_exists(pk) AND (ownerCount > :one OR memberCount = :one)' : 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':one': 1 },
          },
        },
        removal,
      ]);
    });
  }

  async putMessage(message: StoredMessage, expiresAt: number): Promise<void> {
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.#messagesTable(),
          Item: { roomId: message.roomId, messageId: message.messageId, from: message.from, text: message.text, sentAt: message.sentAt, expiresAt },
        }),
      );
    } catch (error) {
      throw storeFailure('store the message', error);
    }
  }

  async listMessages(roomId: string, page: { limit: number; before?: string }): Promise<Page<StoredMessage>> {
    // `before` is the nextCursor of a previous page: a message id.
    if (page.before !== undefined && !isValidId(page.before)) throw new InvalidCursorError('the history cursor was not issued by this API');
    const { items, last } = await this.#queryPage(
      {
        TableName: this.#messagesTable(),
        KeyConditionExpression: page.before === undefined ? 'roomId = :room' : 'roomId = :room AND messageId < :before',
        ExpressionAttributeValues: { ':room': roomId, ...(page.before === undefined ? {} : { ':before': page.before }) },
        // Newest first, so the first page is the latest messages; reversed below to read oldest first.
        ScanIndexForward: false,
      },
      page.limit,
      undefined,
      'read the history',
    );
    const messages = mapped(() => items.map(toMessage), 'read the history').reverse();
    return { items: messages, ...(last ? { nextCursor: String(last.messageId) } : {}) };
  }

  async #get(key: Item, what: string): Promise<Item | undefined> {
    try {
      // Strongly consistent: membership decides access, and a change must be visible to the next request.
      return (await this.#doc.send(new GetCommand({ TableName: this.#tables.membershipsTable, Key: key, ConsistentRead: true }))).Item;
    } catch (error) {
      throw storeFailure(what, error);
    }
  }

  async #readRoomAndMember(roomId: string, userId: string): Promise<[Room | undefined, Membership | undefined]> {
    return Promise.all([this.getRoom(roomId), this.getMembership(roomId, userId)]);
  }

  /**
   * One page of a Query: `limit` items, and the last of them as the cursor only when more items exist (reads one item
   * more to know; DynamoDB's own LastEvaluatedKey is also present when the page merely ends at the last item).
   */
  async #queryPage(input: QueryCommandInput, limit: number, start: Item | undefined, what: string): Promise<{ items: Item[]; last: Item | undefined }> {
    if (!Number.isInteger(limit) || limit < 1) throw new ValidationError(`limit must be a positive integer, got ${limit}`);
    const collected: Item[] = [];
    let startKey = start;
    try {
      do {
        // A page also ends at 1 MB of data read: keep reading until one item more than asked, or the end.
        const out = await this.#doc.send(
          new QueryCommand({ ...input, Limit: limit + 1 - collected.length, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
        );
        collected.push(...(out.Items ?? []));
        startKey = out.LastEvaluatedKey;
      } while (startKey !== undefined && collected.length <= limit);
    } catch (error) {
      throw storeFailure(what, error);
    }
    const more = collected.length > limit;
    return { items: collected.slice(0, limit), last: more ? collected[limit - 1] : undefined };
  }

  async #transact(items: NonNullable<TransactWriteCommandInput['TransactItems']>): Promise<void> {
    try {
      await this.#doc.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict')) throw new ChangedMeanwhile();
      throw error;
    }
  }

  /** Runs read-decide-write until its conditions hold; domain errors from the decision pass through. */
  async #changeMembership(what: string, attempt: () => Promise<void>): Promise<void> {
    for (let i = 0; i < MAX_ATTEMPTS; i += 1) {
      try {
        return await attempt();
      } catch (error) {
        if (error instanceof ChangedMeanwhile) continue;
        throw storeFailure(what, error);
      }
    }
    throw new UpstreamError(`could not ${what}: the room kept changing concurrently`, true);
  }
}

function membershipItem(m: Membership, joinedAt: string): Item {
  return {
    pk: roomKey(m.roomId),
    sk: memberKey(m.userId),
    gsi1pk: userKey(m.userId),
    gsi1sk: roomKey(m.roomId),
    roomId: m.roomId,
    userId: m.userId,
    role: m.role,
    roomName: m.roomName,
    joinedAt,
  };
}

/** Items are written only by this store; a malformed one is a defect, reported without its content. */
class CorruptItemError extends Error {
  override readonly name = 'CorruptItemError';
}

const text = (item: Item, name: string): string => {
  const value = item[name];
  if (typeof value !== 'string') throw new CorruptItemError(`stored item lacks the string attribute ${name}`);
  return value;
};
const count = (item: Item, name: string): number => {
  const value = item[name];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new CorruptItemError(`stored item lacks the integer attribute ${name}`);
  return value;
};

function toRoom(item: Item): Room {
  return {
    roomId: text(item, 'roomId'),
    name: text(item, 'name'),
    createdBy: text(item, 'createdBy'),
    createdAt: text(item, 'createdAt'),
    memberCount: count(item, 'memberCount'),
    ownerCount: count(item, 'ownerCount'),
  };
}

function toMembership(item: Item): Membership {
  const role = text(item, 'role');
  if (!(ROOM_ROLES as readonly string[]).includes(role)) throw new CorruptItemError('stored membership has an unknown role');
  return { roomId: text(item, 'roomId'), userId: text(item, 'userId'), role: role as RoomRole, roomName: text(item, 'roomName') };
}

function toMessage(item: Item): StoredMessage {
  return { messageId: text(item, 'messageId'), roomId: text(item, 'roomId'), from: text(item, 'from'), text: text(item, 'text'), sentAt: text(item, 'sentAt') };
}

function mapped<T>(map: () => T, what: string): T {
  try {
    return map();
  } catch (error) {
    throw storeFailure(what, error);
  }
}

function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * The key inside a cursor, if it is well formed and passes `belongs`. A cursor is an ExclusiveStartKey: unchecked, a
 * member of room A could page room B's members (or another user's rooms) by forging one.
 */
function decodeCursor(cursor: string, belongs: (key: Record<string, string>) => boolean): Record<string, string> {
  const invalid = () => new InvalidCursorError('the cursor was not issued for this listing');
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid();
  const entries = Object.entries(parsed);
  if (!entries.every(([, value]) => typeof value === 'string')) throw invalid();
  const key = Object.fromEntries(entries) as Record<string, string>;
  if (!belongs(key)) throw invalid();
  return key;
}

const hasExactly = (key: Record<string, string>, names: readonly string[]) => Object.keys(key).length === names.length && names.every((n) => n in key);

/** A members cursor: the key of a membership of exactly this room. */
function isMemberKeyOf(key: Record<string, string>, roomId: string): boolean {
  const sk = key.sk;
  if (!hasExactly(key, ['pk', 'sk']) || key.pk !== roomKey(roomId) || sk === undefined) return false;
  return sk.startsWith('MEMBER#') && isValidUserId(sk.slice('MEMBER#'.length));
}

/** A user's-rooms cursor: the table and index keys of a membership of exactly this user. */
function isRoomKeyOf(key: Record<string, string>, userId: string): boolean {
  if (!hasExactly(key, ['pk', 'sk', 'gsi1pk', 'gsi1sk'])) return false;
  const pk = key.pk;
  if (pk === undefined || key.gsi1pk !== userKey(userId) || key.sk !== memberKey(userId) || pk !== key.gsi1sk) return false;
  return pk.startsWith('ROOM#') && isValidId(pk.slice('ROOM#'.length));
}

/** The cancellation reason codes of a TransactionCanceledException, in request order; undefined for other errors. */
function cancellationCodes(error: unknown): string[] | undefined {
  const e = error as { name?: string; CancellationReasons?: Array<{ Code?: string }> };
  if (e?.name !== 'TransactionCanceledException') return undefined;
  return (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
}

/** Domain errors pass through; anything else becomes an UpstreamError that says whether a retry may help. */
function storeFailure(what: string, error: unknown): Error {
  if (
    error instanceof NotFoundError ||
    error instanceof LastOwnerError ||
    error instanceof RoomExistsError ||
    error instanceof InvalidCursorError ||
    error instanceof ValidationError ||
    error instanceof UpstreamError
  ) {
    return error;
  }
  const name = (error as { name?: string })?.name ?? '';
  const codes = cancellationCodes(error);
  // A transaction cancelled only by throttling is as retryable as a throttled request.
  const throttledTransaction =
    codes !== undefined && codes.length > 0 && codes.every((c) => c === 'None' || c === 'ThrottlingError' || c === 'TransactionConflict');
  const retryable = !(error instanceof CorruptItemError) && (isRetryable(error) || DYNAMODB_RETRYABLE.has(name) || throttledTransaction);
  return new UpstreamError(`could not ${what}`, retryable, { cause: error });
}
