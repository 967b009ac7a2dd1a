/**
 * An in-memory RoomStore for unit tests of the cores. It is held to the same behaviour as the DynamoDB store by one
 * contract suite (functions/shared/room-store.contract.ts), run against both: counts, owner rules, succession, deletion,
 * idempotency, cursors. Each method decides and changes in one synchronous step, as a transaction would.
 */
import type { ReadPosition, RoomRole, StoredMessage } from '../../core/contracts/rooms.js';
import { InvalidCursorError, LastOwnerError, NotAMemberError, NotRoomOwnerError, RoomExistsError, RoomNotFoundError } from '../../functions/shared/errors.js';
import {
  type GuardedWrite,
  type IdempotencyClaim,
  type IdempotencyRecord,
  type IdempotencyStore,
  replayOf,
  WRITTEN,
} from '../../functions/shared/idempotency.js';
import type { Clock } from '../../functions/shared/ports.js';
import type {
  AddOutcome,
  Membership,
  OpenedRoom,
  Page,
  PageRequest,
  RemovalOutcome,
  RoleChange,
  Room,
  RoomStore,
  UnreadCount,
} from '../../functions/shared/room-store.js';

/** Idempotency records in memory, with the DynamoDB store's rules (expiry, fingerprint, pending). */
export class MemoryIdempotencyRecords {
  readonly records = new Map<string, IdempotencyRecord>();

  /** The stored response for a claim whose key is taken; undefined when the key is free (then it is taken now). */
  take(claim: IdempotencyClaim, state: IdempotencyRecord['state'] = 'done', pendingUntil?: number): GuardedWrite | undefined {
    const existing = this.records.get(claim.recordKey);
    const replaceable =
      existing === undefined ||
      existing.expiresAt < claim.now ||
      (state === 'pending' && existing.state === 'pending' && (existing.pendingUntil ?? 0) < claim.now && existing.fingerprint === claim.fingerprint);
    if (!replaceable) return { outcome: 'replayed', response: replayOf(existing, claim) };
    this.records.set(claim.recordKey, {
      fingerprint: claim.fingerprint,
      state,
      response: claim.response,
      expiresAt: claim.expiresAt,
      ...(pendingUntil !== undefined ? { pendingUntil } : {}),
    });
    return undefined;
  }
}

export class MemoryRoomStore implements RoomStore {
  readonly rooms = new Map<string, Room>();
  readonly members = new Map<string, Map<string, Membership>>();
  readonly messages = new Map<string, Array<{ message: StoredMessage; expiresAt: number }>>();
  readonly idempotency: MemoryIdempotencyRecords;
  readonly #clock: Clock;
  #tick = 0;

  constructor(options: { clock?: Clock; idempotency?: MemoryIdempotencyRecords } = {}) {
    this.#clock = options.clock ?? { now: () => new Date() };
    this.idempotency = options.idempotency ?? new MemoryIdempotencyRecords();
  }

  async createRoom(room: { roomId: string; name: string; createdBy: string; createdAt: string }, idempotency?: IdempotencyClaim): Promise<GuardedWrite> {
    if (idempotency) {
      const existing = this.idempotency.records.get(idempotency.recordKey);
      if (existing && existing.expiresAt >= idempotency.now) return { outcome: 'replayed', response: replayOf(existing, idempotency) };
    }
    if (this.rooms.has(room.roomId)) throw new RoomExistsError(`room ${room.roomId} already exists`);
    if (idempotency) this.idempotency.take(idempotency);
    this.rooms.set(room.roomId, { ...room, memberCount: 1, ownerCount: 1 });
    const members = this.members.get(room.roomId) ?? new Map<string, Membership>();
    members.set(room.createdBy, { roomId: room.roomId, userId: room.createdBy, role: 'owner', joinedAt: room.createdAt });
    this.members.set(room.roomId, members);
    return WRITTEN;
  }

  async getRoom(roomId: string): Promise<Room | undefined> {
    const room = this.rooms.get(roomId);
    return room && { ...room };
  }

  async getRooms(roomIds: readonly string[]): Promise<Map<string, Room>> {
    if (roomIds.length > 100) throw new RangeError(`at most 100 keys per read, got ${roomIds.length}`);
    const found = new Map<string, Room>();
    for (const roomId of roomIds) {
      const room = this.rooms.get(roomId);
      if (room) found.set(roomId, { ...room });
    }
    return found;
  }

  async getMembership(roomId: string, userId: string): Promise<Membership | undefined> {
    if (!this.rooms.has(roomId)) return undefined;
    const membership = this.members.get(roomId)?.get(userId);
    return membership && { ...membership };
  }

  async openRoom(roomId: string, limit: number): Promise<OpenedRoom> {
    const room = this.rooms.get(roomId);
    if (!room) return { room: undefined, members: { items: [] } };
    return { room: { ...room }, members: await this.listMembers(roomId, { limit }) };
  }

  async listMembers(roomId: string, page: PageRequest): Promise<Page<Membership>> {
    const all = [...(this.members.get(roomId)?.values() ?? [])].sort((a, b) => compare(a.userId, b.userId)).map((m) => ({ ...m }));
    return paginate(all, page, `members|${roomId}`, (m) => m.userId);
  }

  async listRoomsOfUser(userId: string, page: PageRequest): Promise<Page<Membership>> {
    const all = [...this.members.values()]
      .flatMap((m) => {
        const membership = m.get(userId);
        return membership ? [{ ...membership }] : [];
      })
      .sort((a, b) => compare(a.roomId, b.roomId));
    return paginate(all, page, `rooms|${userId}`, (m) => m.roomId);
  }

  async addMember(roomId: string, userId: string, by: string): Promise<AddOutcome> {
    const { room, members } = this.#asOwner(roomId, by, 'add members');
    const existing = members.get(userId);
    if (existing) return { added: false, membership: { ...existing }, room: { ...room } };
    const membership: Membership = { roomId, userId, role: 'member', joinedAt: this.#joinedAt() };
    members.set(userId, membership);
    room.memberCount += 1;
    return { added: true, membership: { ...membership }, room: { ...room } };
  }

  async setRole(roomId: string, userId: string, role: RoomRole, by: string): Promise<RoleChange> {
    const { room, members } = this.#asOwner(roomId, by, 'change roles');
    const target = members.get(userId);
    if (!target) throw new NotAMemberError(`${userId} is not a member of room ${roomId}: add them as a member first`);
    if (target.role === role) return { previousRole: undefined, membership: { ...target }, room: { ...room } };
    if (role === 'member' && room.ownerCount <= 1)
      throw new LastOwnerError(`${userId} is the last owner of room ${roomId}: make another member an owner first`);
    const previousRole = target.role;
    target.role = role;
    room.ownerCount += role === 'owner' ? 1 : -1;
    return { previousRole, membership: { ...target }, room: { ...room } };
  }

  async removeMember(roomId: string, userId: string, by: string): Promise<RemovalOutcome> {
    const leaving = by === userId;
    const { room, members } = leaving ? this.#asMember(roomId, by) : this.#asOwner(roomId, by, 'remove other members');
    const target = members.get(userId);
    if (!target) return { removed: false, room: { ...room } };
    if (leaving && room.memberCount <= 1) {
      const before = { ...room };
      this.rooms.delete(roomId);
      members.delete(userId);
      return { removed: true, membership: { ...target }, room: before, roomDeleted: true };
    }
    members.delete(userId);
    room.memberCount -= 1;
    if (target.role === 'owner' && room.ownerCount <= 1) {
      const successor = [...members.values()].sort((a, b) => compare(`${a.joinedAt}#${a.userId}`, `${b.joinedAt}#${b.userId}`))[0]!;
      successor.role = 'owner';
      return { removed: true, membership: { ...target }, room: { ...room }, successor: { ...successor }, roomDeleted: false };
    }
    if (target.role === 'owner') room.ownerCount -= 1;
    return { removed: true, membership: { ...target }, room: { ...room }, roomDeleted: false };
  }

  async renameRoom(roomId: string, name: string, by: string): Promise<{ previousName: string; room: Room }> {
    const { room } = this.#asOwner(roomId, by, 'rename the room');
    const previousName = room.name;
    room.name = name;
    return { previousName, room: { ...room } };
  }

  async deleteRoom(roomId: string, by: string): Promise<Room> {
    const { room } = this.#asOwner(roomId, by, 'delete the room');
    this.rooms.delete(roomId);
    return { ...room };
  }

  async deleteMemberships(roomId: string, userIds: readonly string[]): Promise<void> {
    if (this.rooms.has(roomId)) throw new RoomExistsError(`room ${roomId} still exists: its memberships are not deleted`);
    const members = this.members.get(roomId);
    for (const userId of userIds) members?.delete(userId);
  }

  async markRead(roomId: string, userId: string, position: ReadPosition): Promise<ReadPosition> {
    const { members } = this.#asMember(roomId, userId);
    const membership = members.get(userId)!;
    if (membership.lastRead === undefined || membership.lastRead.messageId < position.messageId) membership.lastRead = { ...position };
    return { ...membership.lastRead };
  }

  async putMessage(message: StoredMessage, expiresAt: number, idempotency?: IdempotencyClaim): Promise<GuardedWrite> {
    if (idempotency) {
      const replay = this.idempotency.take(idempotency);
      if (replay) return replay;
    }
    const list = this.messages.get(message.roomId) ?? [];
    list.push({ message: { ...message }, expiresAt });
    list.sort((a, b) => compare(a.message.messageId, b.message.messageId));
    this.messages.set(message.roomId, list);
    return WRITTEN;
  }

  async listMessages(roomId: string, page: { limit: number; before?: string }): Promise<Page<StoredMessage>> {
    if (page.before !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(page.before)) throw new InvalidCursorError('the history cursor was not issued by this API');
    const older = (this.messages.get(roomId) ?? []).map((m) => m.message).filter((m) => page.before === undefined || m.messageId < page.before);
    const items = older.slice(-page.limit);
    return { items, ...(older.length > items.length ? { nextCursor: items[0]!.messageId } : {}) };
  }

  async countUnread(roomId: string, userId: string, after: string, cap: number): Promise<UnreadCount> {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`cap must be a positive integer, got ${cap}`);
    const read = (this.messages.get(roomId) ?? []).filter((m) => m.message.messageId > after).slice(0, cap);
    // DynamoDB returns LastEvaluatedKey whenever it stopped at the limit, whether or not more items follow.
    return { count: read.filter((m) => m.message.from !== userId).length, more: read.length === cap };
  }

  #asMember(roomId: string, by: string): { room: Room; members: Map<string, Membership> } {
    const room = this.rooms.get(roomId);
    const members = this.members.get(roomId);
    if (!room || !members?.has(by)) throw new RoomNotFoundError(roomId);
    return { room, members };
  }

  #asOwner(roomId: string, by: string, what: string): { room: Room; members: Map<string, Membership> } {
    const found = this.#asMember(roomId, by);
    if (found.members.get(by)?.role !== 'owner') throw new NotRoomOwnerError(`only an owner of room ${roomId} may ${what}`);
    return found;
  }

  /** Strictly increasing, so seniority is well defined even within one millisecond (DynamoDB: the user id breaks ties). */
  #joinedAt(): string {
    const now = this.#clock.now().getTime();
    this.#tick = Math.max(this.#tick + 1, now);
    return new Date(this.#tick).toISOString();
  }
}

/** Code unit order, as DynamoDB compares string keys (UTF-8 bytes; equal for the ASCII ids used here). */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Pages in key order; a cursor is the (base64url) key of the last item returned, valid for its own listing only. */
function paginate<T>(all: T[], page: PageRequest, listing: string, idOf: (item: T) => string): Page<T> {
  const keyOf = (item: T) => `${listing}|${idOf(item)}`;
  let start = 0;
  if (page.cursor !== undefined) {
    const after = /^[A-Za-z0-9_-]{1,1024}$/.test(page.cursor) ? Buffer.from(page.cursor, 'base64url').toString('utf8') : '';
    if (!after.startsWith(`${listing}|`)) throw new InvalidCursorError('the cursor was not issued for this listing');
    // A cursor names the last item returned; it need not still exist (DynamoDB's ExclusiveStartKey need not either).
    start = all.findIndex((item) => keyOf(item) > after);
    if (start === -1) start = all.length;
  }
  const items = all.slice(start, start + page.limit);
  const last = items.at(-1);
  return { items, ...(start + page.limit < all.length && last ? { nextCursor: Buffer.from(keyOf(last)).toString('base64url') } : {}) };
}

/** The POST /jobs idempotency store in memory (pending, done, released), on the same records as the room store's. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  constructor(readonly records = new MemoryIdempotencyRecords()) {}

  async claim(claim: IdempotencyClaim, pendingUntil: number): Promise<GuardedWrite> {
    await Promise.resolve();
    return this.records.take(claim, 'pending', pendingUntil) ?? WRITTEN;
  }

  async complete(claim: IdempotencyClaim): Promise<void> {
    await Promise.resolve();
    const record = this.records.records.get(claim.recordKey);
    if (record?.fingerprint === claim.fingerprint) this.records.records.set(claim.recordKey, { ...record, state: 'done' });
  }

  async release(claim: IdempotencyClaim): Promise<void> {
    await Promise.resolve();
    const record = this.records.records.get(claim.recordKey);
    if (record?.state === 'pending' && record.fingerprint === claim.fingerprint) this.records.records.delete(claim.recordKey);
  }
}
