/**
 * The item layout of the rooms store: keys from core/store/tables.ts (MEMBERSHIP_KEYS, the messages table's keys), and
 * the mapping between items and the store's types. Items are written only by this store: one that does not read back
 * is a defect (CorruptItemError), reported without its content.
 */
import { type ReadPosition, ROOM_ROLES, type RoomRole, type StoredMessage } from '../../../core/contracts/rooms.js';
import { MEMBERSHIP_KEYS } from '../../../core/store/tables.js';
import type { Membership, Room } from '../room-store.js';

export type Item = Record<string, unknown>;

export const roomKey = (roomId: string): Item => ({ pk: MEMBERSHIP_KEYS.roomPk(roomId), sk: MEMBERSHIP_KEYS.roomSk });
export const memberKey = (roomId: string, userId: string): Item => ({ pk: MEMBERSHIP_KEYS.roomPk(roomId), sk: MEMBERSHIP_KEYS.memberSk(userId) });

export function roomItem(room: Room): Item {
  return { ...roomKey(room.roomId), ...room };
}

export function membershipItem(m: Membership): Item {
  return {
    ...memberKey(m.roomId, m.userId),
    gsi1pk: MEMBERSHIP_KEYS.userGsiPk(m.userId),
    gsi1sk: MEMBERSHIP_KEYS.roomGsiSk(m.roomId),
    gsi2pk: MEMBERSHIP_KEYS.seniorityGsiPk(m.roomId),
    gsi2sk: MEMBERSHIP_KEYS.seniorityGsiSk(m.joinedAt, m.userId),
    roomId: m.roomId,
    userId: m.userId,
    role: m.role,
    joinedAt: m.joinedAt,
  };
}

export function messageItem(message: StoredMessage, expiresAt: number): Item {
  return {
    roomId: message.roomId,
    messageId: message.messageId,
    from: message.from,
    ...(message.fromName !== undefined ? { fromName: message.fromName } : {}),
    text: message.text,
    sentAt: message.sentAt,
    expiresAt,
  };
}

export const isRoomItem = (item: Item): boolean => item.sk === MEMBERSHIP_KEYS.roomSk;

export class CorruptItemError extends Error {
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

export function toRoom(item: Item): Room {
  return {
    roomId: text(item, 'roomId'),
    name: text(item, 'name'),
    createdBy: text(item, 'createdBy'),
    createdAt: text(item, 'createdAt'),
    memberCount: count(item, 'memberCount'),
    ownerCount: count(item, 'ownerCount'),
  };
}

/** The attributes of a membership that hold the member's read position (written by markRead only). */
export const READ_POSITION_ATTRIBUTES = { messageId: 'readMessageId', at: 'readAt' } as const;

export function toMembership(item: Item): Membership {
  const role = text(item, 'role');
  if (!(ROOM_ROLES as readonly string[]).includes(role)) throw new CorruptItemError('stored membership has an unknown role');
  const membership: Membership = { roomId: text(item, 'roomId'), userId: text(item, 'userId'), role: role as RoomRole, joinedAt: text(item, 'joinedAt') };
  if (item[READ_POSITION_ATTRIBUTES.messageId] !== undefined) membership.lastRead = toReadPosition(item);
  return membership;
}

export function toReadPosition(item: Item): ReadPosition {
  return { messageId: text(item, READ_POSITION_ATTRIBUTES.messageId), at: text(item, READ_POSITION_ATTRIBUTES.at) };
}

export function toMessage(item: Item): StoredMessage {
  const fromName = item.fromName;
  return {
    messageId: text(item, 'messageId'),
    roomId: text(item, 'roomId'),
    from: text(item, 'from'),
    ...(typeof fromName === 'string' ? { fromName } : {}),
    text: text(item, 'text'),
    sentAt: text(item, 'sentAt'),
  };
}
