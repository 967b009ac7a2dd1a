/**
 * The port to the rooms store (DynamoDB; dynalite locally): rooms, memberships in both directions, and history.
 * The cores (functions/rooms, functions/messages) decide what a request asks for; the store makes each change atomic,
 * re-checks the rules it depends on inside the same transaction (the actor still an owner, the counts unchanged), and
 * reports conflicts with domain errors. One contract suite (room-store.contract.ts) holds both implementations to the
 * same behaviour: the DynamoDB store and the in-memory one the unit tests use. Cursors are opaque strings the store
 * issues and checks.
 */
import type { ReadPosition, RoomRole, StoredMessage } from '../../core/contracts/rooms.js';
import type { GuardedWrite, IdempotencyClaim } from './idempotency.js';

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
  /** ISO 8601: who joined first inherits ownership when the last owner leaves. */
  joinedAt: string;
  /** The member's read position (PUT /rooms/{roomId}/read); absent until they first read the room. */
  lastRead?: ReadPosition;
}

/** How many messages follow a read position, counted among at most `cap` of them. */
export interface UnreadCount {
  /** The messages by others among those counted. */
  count: number;
  /** The count stopped at `cap` messages: more may follow. */
  more: boolean;
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

/** The room and the first page of its members, read together. */
export interface OpenedRoom {
  /** Undefined when the room does not exist (its memberships, if any are left over, are not returned). */
  room: Room | undefined;
  members: Page<Membership>;
}

/** A member added, or found already there. */
export interface AddOutcome {
  added: boolean;
  membership: Membership;
  room: Room;
}

export interface RoleChange {
  /** Undefined when the member already had the role (nothing changed). */
  previousRole: RoomRole | undefined;
  membership: Membership;
  room: Room;
}

export type RemovalOutcome =
  /** The user was not a member: nothing changed. */
  | { removed: false; room: Room }
  | {
      removed: true;
      /** The membership as it was. */
      membership: Membership;
      /** The room after the change (as it was, when it was deleted). */
      room: Room;
      /** The last owner left: this member (the longest-standing one) is now an owner. */
      successor?: Membership;
      /** The last member left: the room was deleted with them. */
      roomDeleted: boolean;
    };

export interface RoomStore {
  /**
   * Creates the room with its creator as owner and first member, atomically; RoomExistsError if the id is taken. With
   * an idempotency claim, the record is written in the same transaction, and a request whose key was used already gets
   * the first request's response (or IdempotencyKeyReusedError) and creates nothing.
   */
  createRoom(room: { roomId: string; name: string; createdBy: string; createdAt: string }, idempotency?: IdempotencyClaim): Promise<GuardedWrite>;
  getRoom(roomId: string): Promise<Room | undefined>;
  /** The rooms among `roomIds` that exist (at most 100 ids per call). */
  getRooms(roomIds: readonly string[]): Promise<Map<string, Room>>;
  /** The user's membership of a room that exists (undefined when either is missing); one strongly consistent read. */
  getMembership(roomId: string, userId: string): Promise<Membership | undefined>;
  /** The room and the first `limit` members in user id order, in one strongly consistent read. */
  openRoom(roomId: string, limit: number): Promise<OpenedRoom>;
  /** Members of a room in user id order; InvalidCursorError for a cursor of another room or a forged one. */
  listMembers(roomId: string, page: PageRequest): Promise<Page<Membership>>;
  /** The memberships of a user in room id order; InvalidCursorError for a cursor of another user or a forged one. */
  listRoomsOfUser(userId: string, page: PageRequest): Promise<Page<Membership>>;

  /**
   * Adds `userId` as a member (never as an owner) on behalf of `by`, who must be an owner: RoomNotFoundError when the
   * room does not exist or `by` is not a member, NotRoomOwnerError when `by` is a member but not an owner. Adding
   * someone who is a member already changes nothing (`added: false`).
   */
  addMember(roomId: string, userId: string, by: string): Promise<AddOutcome>;
  /**
   * Sets the role of a member on behalf of `by` (an owner; errors as for addMember). NotAMemberError when `userId` is
   * not a member; LastOwnerError when it would leave the room without an owner.
   */
  setRole(roomId: string, userId: string, role: RoomRole, by: string): Promise<RoleChange>;
  /**
   * Removes `userId` on behalf of `by`: anyone may remove themselves (leave); removing someone else needs `by` to be an
   * owner (errors as for addMember). When the last owner leaves, the longest-standing other member becomes an owner in
   * the same transaction; when the last member leaves, the room is deleted with them.
   */
  removeMember(roomId: string, userId: string, by: string): Promise<RemovalOutcome>;
  /** Renames the room on behalf of `by` (an owner; errors as for addMember); returns the name it had. */
  renameRoom(roomId: string, name: string, by: string): Promise<{ previousName: string; room: Room }>;
  /**
   * Deletes the room on behalf of `by` (an owner; errors as for addMember), atomically: from then on it does not exist
   * for any read. Its memberships are left for `deleteMemberships`, page by page.
   */
  deleteRoom(roomId: string, by: string): Promise<Room>;
  /** Deletes memberships of a room that no longer exists (refused with RoomExistsError while it does). */
  deleteMemberships(roomId: string, userIds: readonly string[]): Promise<void>;

  /**
   * Moves `userId`'s read position of the room forward to `position` (never back): RoomNotFoundError when the room does
   * not exist or they are not a member (the same answer for both). Returns the position kept: `position`, or the later
   * one that was there already.
   */
  markRead(roomId: string, userId: string, position: ReadPosition): Promise<ReadPosition>;

  /** Stores a message (expiring at `expiresAt`, epoch seconds), guarded by an idempotency claim like createRoom. */
  putMessage(message: StoredMessage, expiresAt: number, idempotency?: IdempotencyClaim): Promise<GuardedWrite>;
  /**
   * The newest `limit` messages older than `before` (a message id; all when absent), returned oldest first, with
   * `nextCursor` = the oldest returned id when older messages exist.
   */
  listMessages(roomId: string, page: { limit: number; before?: string }): Promise<Page<StoredMessage>>;
  /**
   * The messages of the room whose id sorts after `after` (a message id, or any lower bound built from a time), at most
   * `cap` of them read: how many were sent by someone other than `userId`, and whether the count stopped at `cap`.
   */
  countUnread(roomId: string, userId: string, after: string, cap: number): Promise<UnreadCount>;
}
