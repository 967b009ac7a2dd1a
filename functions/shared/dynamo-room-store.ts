/**
 * The rooms store on DynamoDB (dynalite locally), item layout of core/store/tables.ts (MEMBERSHIP_KEYS, the messages
 * table). Its jobs live in their own files: keys and items (dynamo-room-store/keys.ts), page and key reads (queries.ts),
 * cursors (cursors.ts), transactions and their retries (transactions.ts), error mapping (errors.ts); idempotency records
 * in dynamo-idempotency-store.ts.
 *
 * Every change of membership is one transaction that updates the room's counts together with the membership, with
 * conditions on what was read (the previous role, the counts, the actor's role), so concurrent changes cannot break the
 * invariants "memberCount = number of memberships", "a room with members has an owner" and "only an owner changes
 * other people's memberships": a change whose condition fails is read and decided again.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand, type PutCommandInput, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ReadPosition, RoomRole, StoredMessage } from '../../core/contracts/rooms.js';
import { isValidId } from '../../core/ids.js';
import { MEMBERSHIP_KEYS, MEMBERSHIPS_BY_SENIORITY_INDEX, MEMBERSHIPS_BY_USER_INDEX } from '../../core/store/tables.js';
import { DynamoIdempotencyRecords } from './dynamo-idempotency-store.js';
import { decodeCursor, isMemberKeyOf, isRoomKeyOf, memberCursor, userRoomsCursor } from './dynamo-room-store/cursors.js';
import { mapped, storeFailure } from './dynamo-room-store/errors.js';
import {
  isRoomItem,
  memberKey,
  membershipItem,
  messageItem,
  READ_POSITION_ATTRIBUTES,
  roomItem,
  roomKey,
  toMembership,
  toMessage,
  toRoom,
} from './dynamo-room-store/keys.js';
import { batchGet, getItems, queryPage } from './dynamo-room-store/queries.js';
import { ChangedMeanwhile, type TransactItem, transact, untilSettled } from './dynamo-room-store/transactions.js';
import { InvalidCursorError, LastOwnerError, NotAMemberError, NotRoomOwnerError, RoomExistsError, RoomNotFoundError, UpstreamError } from './errors.js';
import { type GuardedWrite, type IdempotencyClaim, WRITTEN } from './idempotency.js';
import { type Clock, systemClock } from './ports.js';
import type { AddOutcome, Membership, OpenedRoom, Page, PageRequest, RemovalOutcome, RoleChange, Room, RoomStore, UnreadCount } from './room-store.js';

export interface RoomTables {
  membershipsTable: string;
  /** Absent for a function that never touches history (its role has no grant on the table either). */
  messagesTable?: string;
  /** Absent for a function that takes no Idempotency-Key (its role has no grant on the table either). */
  idempotencyTable?: string;
}

/** DynamoDB: BatchWriteItem takes at most 25 requests. */
const BATCH_WRITE_MAX = 25;
/** Entries of the seniority index read when ownership passes on (the index may still list members who just left). */
const SUCCESSOR_CANDIDATES = 10;

export class DynamoRoomStore implements RoomStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #tables: RoomTables;
  readonly #records: DynamoIdempotencyRecords | undefined;
  readonly #clock: Clock;

  constructor(client: DynamoDBClient, tables: RoomTables, options: { clock?: Clock } = {}) {
    this.#doc = DynamoDBDocumentClient.from(client);
    this.#tables = tables;
    this.#records = tables.idempotencyTable === undefined ? undefined : new DynamoIdempotencyRecords(this.#doc, tables.idempotencyTable);
    this.#clock = options.clock ?? systemClock;
  }

  get #memberships(): string {
    return this.#tables.membershipsTable;
  }

  #messagesTable(): string {
    if (this.#tables.messagesTable === undefined) throw new Error('this room store was built without the messages table');
    return this.#tables.messagesTable;
  }

  async createRoom(room: { roomId: string; name: string; createdBy: string; createdAt: string }, idempotency?: IdempotencyClaim): Promise<GuardedWrite> {
    const owner: Membership = { roomId: room.roomId, userId: room.createdBy, role: 'owner', joinedAt: room.createdAt };
    return untilSettled('create the room', async () => {
      try {
        return await this.#guardedTransact(
          [
            {
              Put: {
                TableName: this.#memberships,
                Item: roomItem({ ...room, memberCount: 1, ownerCount: 1 }),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            // Unconditional: a leftover membership of a deleted room of the same id (never swept) is replaced.
            { Put: { TableName: this.#memberships, Item: membershipItem(owner) } },
          ],
          idempotency,
        );
      } catch (error) {
        if (error instanceof ChangedMeanwhile && error.codes[0] === 'ConditionalCheckFailed') throw new RoomExistsError(`room ${room.roomId} already exists`);
        throw error;
      }
    });
  }

  async getRoom(roomId: string): Promise<Room | undefined> {
    const [item] = await getItems(this.#doc, this.#memberships, [roomKey(roomId)], 'read the room');
    return item === undefined ? undefined : mapped('read the room', () => toRoom(item));
  }

  async getRooms(roomIds: readonly string[]): Promise<Map<string, Room>> {
    if (roomIds.length === 0) return new Map();
    const items = await batchGet(this.#doc, this.#memberships, [...new Set(roomIds)].map(roomKey), 'read the rooms');
    return mapped('read the rooms', () => new Map(items.map((item) => [String(item.roomId), toRoom(item)])));
  }

  async getMembership(roomId: string, userId: string): Promise<Membership | undefined> {
    const [room, member] = await this.#read(roomId, [userId]);
    return room === undefined ? undefined : member;
  }

  async openRoom(roomId: string, limit: number): Promise<OpenedRoom> {
    // The room's item sorts first in its partition: one Query reads it and the first page of members.
    const { items, last } = await queryPage(
      this.#doc,
      {
        TableName: this.#memberships,
        KeyConditionExpression: 'pk = :room',
        ExpressionAttributeValues: { ':room': MEMBERSHIP_KEYS.roomPk(roomId) },
        ConsistentRead: true,
      },
      limit + 1,
      undefined,
      'read the room',
    );
    const first = items[0];
    if (first === undefined || !isRoomItem(first)) return { room: undefined, members: { items: [] } };
    return mapped('read the room', () => ({
      room: toRoom(first),
      members: { items: items.slice(1).map(toMembership), ...(last ? { nextCursor: memberCursor(last) } : {}) },
    }));
  }

  async listMembers(roomId: string, page: PageRequest): Promise<Page<Membership>> {
    const start = page.cursor === undefined ? undefined : decodeCursor(page.cursor, (key) => isMemberKeyOf(key, roomId));
    const { items, last } = await queryPage(
      this.#doc,
      {
        TableName: this.#memberships,
        KeyConditionExpression: 'pk = :room AND begins_with(sk, :member)',
        ExpressionAttributeValues: { ':room': MEMBERSHIP_KEYS.roomPk(roomId), ':member': MEMBERSHIP_KEYS.memberSkPrefix },
        // Who receives the next message: a removal must be seen by the very next read.
        ConsistentRead: true,
      },
      page.limit,
      start,
      'list the members',
    );
    return mapped('list the members', () => ({ items: items.map(toMembership), ...(last ? { nextCursor: memberCursor(last) } : {}) }));
  }

  async listRoomsOfUser(userId: string, page: PageRequest): Promise<Page<Membership>> {
    const start = page.cursor === undefined ? undefined : decodeCursor(page.cursor, (key) => isRoomKeyOf(key, userId));
    const { items, last } = await queryPage(
      this.#doc,
      {
        TableName: this.#memberships,
        IndexName: MEMBERSHIPS_BY_USER_INDEX,
        KeyConditionExpression: 'gsi1pk = :user',
        ExpressionAttributeValues: { ':user': MEMBERSHIP_KEYS.userGsiPk(userId) },
      },
      page.limit,
      start,
      "list the user's rooms",
    );
    return mapped("list the user's rooms", () => ({ items: items.map(toMembership), ...(last ? { nextCursor: userRoomsCursor(last) } : {}) }));
  }

  async addMember(roomId: string, userId: string, by: string): Promise<AddOutcome> {
    return untilSettled('add the member', async () => {
      const { room, target } = await this.#readAsOwner(roomId, by, userId, 'add members');
      if (target !== undefined) return { added: false, membership: target, room };
      const membership: Membership = { roomId, userId, role: 'member', joinedAt: this.#clock.now().toISOString() };
      await transact(this.#doc, [
        this.#updateRoom(roomId, 'SET memberCount = memberCount + :one', 'attribute_exists(pk)', { ':one': 1 }),
        { Put: { TableName: this.#memberships, Item: membershipItem(membership), ConditionExpression: 'attribute_not_exists(pk)' } },
        this.#ownerCheck(roomId, by),
      ]);
      return { added: true, membership, room: { ...room, memberCount: room.memberCount + 1 } };
    });
  }

  async setRole(roomId: string, userId: string, role: RoomRole, by: string): Promise<RoleChange> {
    return untilSettled('change the role', async () => {
      const { room, target } = await this.#readAsOwner(roomId, by, userId, 'change roles');
      if (target === undefined) throw new NotAMemberError(`${userId} is not a member of room ${roomId}: add them as a member first`);
      if (target.role === role) return { previousRole: undefined, membership: target, room };
      const promoting = role === 'owner';
      if (!promoting && room.ownerCount <= 1) {
        throw new LastOwnerError(`${userId} is the last owner of room ${roomId}: make another member an owner first`);
      }
      await transact(this.#doc, [
        this.#updateRoom(
          roomId,
          'SET ownerCount = ownerCount + :delta',
          promoting ? 'attribute_exists(pk)' : 'attribute_exists(pk) AND ownerCount > :one',
          promoting ? { ':delta': 1 } : { ':delta': -1, ':one': 1 },
        ),
        this.#updateRole(roomId, userId, target.role, role),
        ...(by === userId ? [] : [this.#ownerCheck(roomId, by)]),
      ]);
      return { previousRole: target.role, membership: { ...target, role }, room: { ...room, ownerCount: room.ownerCount + (promoting ? 1 : -1) } };
    });
  }

  async removeMember(roomId: string, userId: string, by: string): Promise<RemovalOutcome> {
    return untilSettled('remove the member', async () => {
      const leaving = by === userId;
      const { room, actor, target } = leaving ? await this.#readAsMember(roomId, by) : await this.#readAsOwner(roomId, by, userId, 'remove other members');
      if (target === undefined) return { removed: false, room };
      const owner = target.role === 'owner';
      const removal = this.#deleteMembership(roomId, target);
      if (leaving && room.memberCount <= 1) {
        // The last member leaves: the room goes with them.
        await transact(this.#doc, [
          {
            Delete: { TableName: this.#memberships, Key: roomKey(roomId), ConditionExpression: 'memberCount = :one', ExpressionAttributeValues: { ':one': 1 } },
          },
          removal,
        ]);
        return { removed: true, membership: actor, room, roomDeleted: true };
      }
      if (leaving && owner && room.ownerCount <= 1) {
        // The last owner leaves a room with members: the longest-standing other member becomes an owner.
        const successor = await this.#longestStandingOther(roomId, userId);
        await transact(this.#doc, [
          this.#updateRoom(roomId, 'SET memberCount = memberCount - :one', 'ownerCount = :one AND memberCount = :count', {
            ':one': 1,
            ':count': room.memberCount,
          }),
          removal,
          this.#updateRole(roomId, successor.userId, 'member', 'owner'),
        ]);
        return {
          removed: true,
          membership: target,
          room: { ...room, memberCount: room.memberCount - 1 },
          successor: { ...successor, role: 'owner' },
          roomDeleted: false,
        };
      }
      await transact(this.#doc, [
        this.#updateRoom(
          roomId,
          owner ? 'SET memberCount = memberCount - :one, ownerCount = ownerCount - :one' : 'SET memberCount = memberCount - :one',
          // Someone else stays owner: checked again here against concurrent changes.
          owner ? 'attribute_exists(pk) AND ownerCount > :one' : 'attribute_exists(pk)',
          { ':one': 1 },
        ),
        removal,
        ...(leaving ? [] : [this.#ownerCheck(roomId, by)]),
      ]);
      return {
        removed: true,
        membership: target,
        room: { ...room, memberCount: room.memberCount - 1, ownerCount: room.ownerCount - (owner ? 1 : 0) },
        roomDeleted: false,
      };
    });
  }

  async renameRoom(roomId: string, name: string, by: string): Promise<{ previousName: string; room: Room }> {
    return untilSettled('rename the room', async () => {
      const { room } = await this.#readAsOwner(roomId, by, undefined, 'rename the room');
      if (room.name !== name) {
        await transact(this.#doc, [
          {
            Update: {
              TableName: this.#memberships,
              Key: roomKey(roomId),
              UpdateExpression: 'SET #name = :name',
              ConditionExpression: '#name = :previous',
              ExpressionAttributeNames: { '#name': 'name' },
              ExpressionAttributeValues: { ':name': name, ':previous': room.name },
            },
          },
          this.#ownerCheck(roomId, by),
        ]);
      }
      return { previousName: room.name, room: { ...room, name } };
    });
  }

  async deleteRoom(roomId: string, by: string): Promise<Room> {
    return untilSettled('delete the room', async () => {
      const { room } = await this.#readAsOwner(roomId, by, undefined, 'delete the room');
      await transact(this.#doc, [
        { Delete: { TableName: this.#memberships, Key: roomKey(roomId), ConditionExpression: 'attribute_exists(pk)' } },
        this.#ownerCheck(roomId, by),
      ]);
      return room;
    });
  }

  async deleteMemberships(roomId: string, userIds: readonly string[]): Promise<void> {
    if ((await this.getRoom(roomId)) !== undefined) throw new RoomExistsError(`room ${roomId} still exists: its memberships are not deleted`);
    const unique = [...new Set(userIds)];
    for (let i = 0; i < unique.length; i += BATCH_WRITE_MAX) {
      let requests = unique.slice(i, i + BATCH_WRITE_MAX).map((userId) => ({ DeleteRequest: { Key: memberKey(roomId, userId) } }));
      // BatchWriteItem may leave requests unprocessed under load (DynamoDB API reference): send them again, a few times.
      for (let attempt = 0; requests.length > 0; attempt += 1) {
        if (attempt > 3) throw new UpstreamError(`could not delete the memberships of room ${roomId}: DynamoDB left them unprocessed`, true);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
        try {
          const out = await this.#doc.send(new BatchWriteCommand({ RequestItems: { [this.#memberships]: requests } }));
          requests = (out.UnprocessedItems?.[this.#memberships] ?? []).flatMap((r) =>
            r.DeleteRequest?.Key ? [{ DeleteRequest: { Key: r.DeleteRequest.Key } }] : [],
          );
        } catch (error) {
          throw storeFailure('delete the memberships', error);
        }
      }
    }
  }

  async markRead(roomId: string, userId: string, position: ReadPosition): Promise<ReadPosition> {
    const { messageId, at } = READ_POSITION_ATTRIBUTES;
    return untilSettled('keep the read position', async () => {
      try {
        // One round trip: the room exists (a deleted room's leftover memberships are not members) and the position only
        // moves forward.
        await transact(this.#doc, [
          { ConditionCheck: { TableName: this.#memberships, Key: roomKey(roomId), ConditionExpression: 'attribute_exists(pk)' } },
          {
            Update: {
              TableName: this.#memberships,
              Key: memberKey(roomId, userId),
              UpdateExpression: 'SET #id = :id, #at = :at',
              ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#id) OR #id < :id)',
              ExpressionAttributeNames: { '#id': messageId, '#at': at },
              ExpressionAttributeValues: { ':id': position.messageId, ':at': position.at },
            },
          },
        ]);
        return position;
      } catch (error) {
        if (!(error instanceof ChangedMeanwhile)) throw error;
        if (error.codes[0] === 'ConditionalCheckFailed') throw new RoomNotFoundError(roomId);
        if (error.codes[1] !== 'ConditionalCheckFailed') throw error;
        // Not a member, or a later position is kept already.
        const membership = await this.getMembership(roomId, userId);
        if (membership === undefined) throw new RoomNotFoundError(roomId);
        // Removed and added again in between (no position yet): write again.
        if (membership.lastRead === undefined) throw error;
        return membership.lastRead;
      }
    });
  }

  async putMessage(message: StoredMessage, expiresAt: number, idempotency?: IdempotencyClaim): Promise<GuardedWrite> {
    const put: PutCommandInput = { TableName: this.#messagesTable(), Item: messageItem(message, expiresAt) };
    if (idempotency === undefined) {
      await mapped('store the message', () => this.#doc.send(new PutCommand(put)));
      return WRITTEN;
    }
    return untilSettled('store the message', () =>
      this.#guardedTransact([{ Put: { ...put, ConditionExpression: 'attribute_not_exists(messageId)' } }], idempotency),
    );
  }

  async listMessages(roomId: string, page: { limit: number; before?: string }): Promise<Page<StoredMessage>> {
    // `before` is the nextCursor of a previous page: a message id.
    if (page.before !== undefined && !isValidId(page.before)) throw new InvalidCursorError('the history cursor was not issued by this API');
    const { items, last } = await queryPage(
      this.#doc,
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
    return mapped('read the history', () => ({ items: items.map(toMessage).reverse(), ...(last ? { nextCursor: String(last.messageId) } : {}) }));
  }

  async countUnread(roomId: string, userId: string, after: string, cap: number): Promise<UnreadCount> {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`cap must be a positive integer, got ${cap}`);
    return mapped('count the unread messages', async () => {
      // Select COUNT with a filter: DynamoDB reads at most `cap` items (Limit applies before the filter) and returns how
      // many passed it; LastEvaluatedKey is present when it stopped at the limit ("Query", DynamoDB API reference).
      const out = await this.#doc.send(
        new QueryCommand({
          TableName: this.#messagesTable(),
          KeyConditionExpression: 'roomId = :room AND messageId > :after',
          FilterExpression: '#from <> :me',
          ExpressionAttributeNames: { '#from': 'from' },
          ExpressionAttributeValues: { ':room': roomId, ':after': after, ':me': userId },
          Select: 'COUNT',
          Limit: cap,
        }),
      );
      return { count: out.Count ?? 0, more: out.LastEvaluatedKey !== undefined };
    });
  }

  /**
   * Writes `items` and, with a claim, its idempotency record in the same transaction. When the record's condition
   * fails, the key was used: the first request's response is returned, and nothing was written.
   */
  async #guardedTransact(items: TransactItem[], claim: IdempotencyClaim | undefined): Promise<GuardedWrite> {
    if (claim === undefined) {
      await transact(this.#doc, items);
      return WRITTEN;
    }
    if (this.#records === undefined) throw new Error('this room store was built without the idempotency table');
    try {
      await transact(this.#doc, [...items, this.#records.putDone(claim)]);
      return WRITTEN;
    } catch (error) {
      if (!(error instanceof ChangedMeanwhile) || error.codes[items.length] !== 'ConditionalCheckFailed') throw error;
      const replay = await this.#records.replayFor(claim);
      // The record expired in between: write again.
      if (replay === undefined) throw error;
      return { outcome: 'replayed', response: replay };
    }
  }

  /** The room and the memberships of `userIds`, strongly consistent, in one round trip. */
  async #read(roomId: string, userIds: readonly string[]): Promise<[Room | undefined, ...Array<Membership | undefined>]> {
    const items = await getItems(this.#doc, this.#memberships, [roomKey(roomId), ...userIds.map((u) => memberKey(roomId, u))], 'read the room');
    return mapped('read the room', () => {
      const [room, ...members] = items;
      return [room === undefined ? undefined : toRoom(room), ...members.map((m) => (m === undefined ? undefined : toMembership(m)))];
    });
  }

  /** The room and `by`'s membership: RoomNotFoundError when either is missing (the same answer for both). */
  async #readAsMember(roomId: string, by: string): Promise<{ room: Room; actor: Membership; target: Membership }> {
    const [room, actor] = await this.#read(roomId, [by]);
    if (room === undefined || actor === undefined) throw new RoomNotFoundError(roomId);
    return { room, actor, target: actor };
  }

  /** As #readAsMember, and `by` must be an owner (NotRoomOwnerError); also reads `target`'s membership. */
  async #readAsOwner(
    roomId: string,
    by: string,
    target: string | undefined,
    what: string,
  ): Promise<{ room: Room; actor: Membership; target: Membership | undefined }> {
    const others = target === undefined || target === by ? [] : [target];
    const [room, actor, other] = await this.#read(roomId, [by, ...others]);
    if (room === undefined || actor === undefined) throw new RoomNotFoundError(roomId);
    if (actor.role !== 'owner') throw new NotRoomOwnerError(`only an owner of room ${roomId} may ${what}`);
    return { room, actor, target: target === undefined ? undefined : target === by ? actor : other };
  }

  /**
   * The longest-standing member other than `userId`. The seniority index is eventually consistent, so its first few
   * entries are read again from the table (strongly consistent) and the first that is still a member wins; the
   * transaction re-checks it too.
   */
  async #longestStandingOther(roomId: string, userId: string): Promise<Membership> {
    const { items } = await queryPage(
      this.#doc,
      {
        TableName: this.#memberships,
        IndexName: MEMBERSHIPS_BY_SENIORITY_INDEX,
        KeyConditionExpression: 'gsi2pk = :room',
        ExpressionAttributeValues: { ':room': MEMBERSHIP_KEYS.seniorityGsiPk(roomId) },
      },
      SUCCESSOR_CANDIDATES,
      undefined,
      'find the longest-standing member',
    );
    const candidates = items.map((item) => String(item.userId)).filter((candidate) => candidate !== userId);
    const [, ...current] = await this.#read(roomId, candidates);
    const successor = current.find((m): m is Membership => m !== undefined && m.role === 'member');
    // Every candidate left meanwhile (or the index has not caught up): read and decide again.
    if (successor === undefined) throw new ChangedMeanwhile([]);
    return successor;
  }

  #updateRoom(roomId: string, update: string, condition: string, values: Record<string, unknown>): TransactItem {
    return {
      Update: {
        TableName: this.#memberships,
        Key: roomKey(roomId),
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeValues: values,
      },
    };
  }

  #updateRole(roomId: string, userId: string, previous: RoomRole, role: RoomRole): TransactItem {
    return {
      Update: {
        TableName: this.#memberships,
        Key: memberKey(roomId, userId),
        UpdateExpression: 'SET #role = :role',
        ConditionExpression: '#role = :previous',
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: { ':role': role, ':previous': previous },
      },
    };
  }

  #deleteMembership(roomId: string, membership: Membership): TransactItem {
    return {
      Delete: {
        TableName: this.#memberships,
        Key: memberKey(roomId, membership.userId),
        ConditionExpression: '#role = :previous',
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: { ':previous': membership.role },
      },
    };
  }

  /** The actor is still an owner when the change is written. */
  #ownerCheck(roomId: string, by: string): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.#memberships,
        Key: memberKey(roomId, by),
        ConditionExpression: '#role = :owner',
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: { ':owner': 'owner' },
      },
    };
  }
}
