/**
 * The port to the rooms store (DynamoDB; dynalite locally): rooms, memberships in both directions, and history.
 * Membership rules live in the cores (functions/rooms/core.ts); the store makes each change atomic and reports
 * conflicts with domain errors. Cursors are opaque strings the store issues and checks.
 */
import type { RoomRole, StoredMessage } from '../../core/contracts/rooms.js';

export interface Room {
  roomId: string;
  name: string;
  createdBy: string;
  createdAt: string;
  memberCount: number;
  ownerCount: number;
}

export interface Membership {
  roomId: string;
  userId: string;
  role: RoomRole;
  /** Denormalised so that listing a user's rooms needs no second read. */
  roomName: string;
}

export interface Page<T> {
  items: T[];
  /** Present when more items exist; pass it back as `cursor`. */
  nextCursor?: string;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

export interface RoomStore {
  /** Creates the room with its creator as owner and first member, atomically; RoomExistsError if the id is taken. */
  createRoom(room: { roomId: string; name: string; createdBy: string; createdAt: string }): Promise<void>;
  getRoom(roomId: string): Promise<Room | undefined>;
  getMembership(roomId: string, userId: string): Promise<Membership | undefined>;
  /** Members of a room in user id order; InvalidCursorError for a cursor of another room or a forged one. */
  listMembers(roomId: string, page: PageRequest): Promise<Page<Membership>>;
  /** The rooms of a user in room id order; InvalidCursorError for a cursor of another user or a forged one. */
  listRoomsOfUser(userId: string, page: PageRequest): Promise<Page<Membership>>;
  /**
   * Adds the user, or changes their role, keeping the room's counts right (atomic). NotFoundError if the room does not
   * exist; LastOwnerError if the change would leave the room without an owner.
   */
  putMember(roomId: string, userId: string, role: RoomRole): Promise<void>;
  /** Removes the membership (idempotent). LastOwnerError if the user is the last owner and other members remain. */
  removeMember(roomId: string, userId: string): Promise<void>;
  /** Stores a message; it expires (TTL) at `expiresAt` (epoch seconds). */
  putMessage(message: StoredMessage, expiresAt: number): Promise<void>;
  /**
   * The newest `limit` messages older than `before` (a message id; all when absent), returned oldest first, with
   * `nextCursor` = the oldest returned id when older messages exist.
   */
  listMessages(roomId: string, page: { limit: number; before?: string }): Promise<Page<StoredMessage>>;
}
