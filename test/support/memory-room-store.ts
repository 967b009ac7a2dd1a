/**
 * An in-memory RoomStore for unit tests of the cores (the DynamoDB adapter is tested against dynalite in
 * functions/shared/dynamo-room-store.integration.test.ts). Same contract: counts, last-owner rule, idempotency.
 */
import type { RoomRole, StoredMessage } from '../../core/contracts/rooms.js';
import { InvalidCursorError, LastOwnerError, NotFoundError, RoomExistsError } from '../../functions/shared/errors.js';
import type { Membership, Page, PageRequest, Room, RoomStore } from '../../functions/shared/room-store.js';

export class MemoryRoomStore implements RoomStore {
  readonly rooms = new Map<string, Room>();
  readonly members = new Map<string, Map<string, RoomRole>>();
  readonly messages = new Map<string, Array<{ message: StoredMessage; expiresAt: number }>>();

  async createRoom(room: { roomId: string; name: string; createdBy: string; createdAt: string }): Promise<void> {
    if (this.rooms.has(room.roomId)) throw new RoomExistsError(`room ${room.roomId} exists`);
    this.rooms.set(room.roomId, { ...room, memberCount: 1, ownerCount: 1 });
    this.members.set(room.roomId, new Map([[room.createdBy, 'owner']]));
  }

  async getRoom(roomId: string): Promise<Room | undefined> {
    return this.rooms.get(roomId);
  }

  async getMembership(roomId: string, userId: string): Promise<Membership | undefined> {
    const role = this.members.get(roomId)?.get(userId);
    const room = this.rooms.get(roomId);
    return role && room ? { roomId, userId, role, roomName: room.name } : undefined;
  }

  async listMembers(roomId: string, page: PageRequest): Promise<Page<Membership>> {
    const room = this.rooms.get(roomId);
    const all = [...(this.members.get(roomId) ?? new Map<string, RoomRole>())]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([userId, role]) => ({ roomId, userId, role, roomName: room?.name ?? '' }));
    return paginate(all, page, (m) => `${roomId}|${m.userId}`);
  }

  async listRoomsOfUser(userId: string, page: PageRequest): Promise<Page<Membership>> {
    const all = [...this.members]
      .filter(([, m]) => m.has(userId))
      .map(([roomId, m]) => ({ roomId, userId, role: m.get(userId)!, roomName: this.rooms.get(roomId)!.name }))
      .sort((a, b) => a.roomId.localeCompare(b.roomId));
    return paginate(all, page, (m) => `${userId}|${m.roomId}`);
  }

  async putMember(roomId: string, userId: string, role: RoomRole): Promise<void> {
    const room = this.rooms.get(roomId);
    const members = this.members.get(roomId);
    if (!room || !members) throw new NotFoundError(`room ${roomId} does not exist`);
    const previous = members.get(userId);
    if (previous === 'owner' && role === 'member' && room.ownerCount === 1) throw new LastOwnerError('the last owner cannot step down');
    members.set(userId, role);
    this.recount(room, members);
  }

  async removeMember(roomId: string, userId: string): Promise<void> {
    const room = this.rooms.get(roomId);
    const members = this.members.get(roomId);
    if (!room || !members?.has(userId)) return;
    if (members.get(userId) === 'owner' && room.ownerCount === 1 && members.size > 1)
      throw new LastOwnerError('the last owner cannot leave while other members remain');
    members.delete(userId);
    this.recount(room, members);
  }

  async putMessage(message: StoredMessage, expiresAt: number): Promise<void> {
    const list = this.messages.get(message.roomId) ?? [];
    list.push({ message, expiresAt });
    list.sort((a, b) => a.message.messageId.localeCompare(b.message.messageId));
    this.messages.set(message.roomId, list);
  }

  async listMessages(roomId: string, page: { limit: number; before?: string }): Promise<Page<StoredMessage>> {
    const older = (this.messages.get(roomId) ?? []).map((m) => m.message).filter((m) => page.before === undefined || m.messageId < page.before);
    const items = older.slice(-page.limit);
    return { items, ...(older.length > items.length ? { nextCursor: items[0]!.messageId } : {}) };
  }

  private recount(room: Room, members: Map<string, RoomRole>): void {
    room.memberCount = members.size;
    room.ownerCount = [...members.values()].filter((r) => r === 'owner').length;
  }
}

function paginate<T>(all: T[], page: PageRequest, keyOf: (item: T) => string): Page<T> {
  let start = 0;
  if (page.cursor !== undefined) {
    const after = Buffer.from(page.cursor, 'base64url').toString('utf8');
    start = all.findIndex((item) => keyOf(item) === after) + 1;
    if (start === 0) throw new InvalidCursorError('the cursor does not belong to this listing');
  }
  const items = all.slice(start, start + page.limit);
  const last = items.at(-1);
  return { items, ...(start + page.limit < all.length && last ? { nextCursor: Buffer.from(keyOf(last)).toString('base64url') } : {}) };
}
