/**
 * The rooms API: rooms, memberships and history. Membership lives in the store and is checked by the server when a
 * message is sent; each message is delivered to every member's own inbox topic (core/topics.ts `inbox`).
 */
import * as v from 'valibot';
import { isValidId, isValidUserId } from '../ids.js';

/** C0 controls and DEL. */
export const isControlCharacter = (c: string): boolean => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f;

export const ROOM_ROLES = ['owner', 'member'] as const;
export type RoomRole = (typeof ROOM_ROLES)[number];

export const MAX_ROOM_NAME_LENGTH = 100;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

/** An app user id (letters, digits, `_`, `-`) or a Cognito identity id (`<region>:<uuid>`). */
export const UserIdSchema = v.pipe(
  v.string('must be a string'),
  v.check((value: string) => isValidUserId(value), 'must be a user id (1-64 letters, digits, "_" or "-") or a Cognito identity id'),
);
export const RoomIdSchema = v.pipe(
  v.string('must be a string'),
  v.check((value: string) => isValidId(value), 'must be 1-64 letters, digits, "_" or "-"'),
);

const RoomNameSchema = v.pipe(
  v.string('is required and must be a string'),
  v.trim(),
  v.nonEmpty('must not be empty'),
  v.maxLength(MAX_ROOM_NAME_LENGTH, `must be at most ${MAX_ROOM_NAME_LENGTH} characters`),
  // Control characters would corrupt logs and UIs.
  v.check((name: string) => ![...name].some(isControlCharacter), 'must not contain control characters'),
);

/** POST /rooms (an `Idempotency-Key` header makes a retry return the room created first). */
export const CreateRoomRequestSchema = v.object({ name: RoomNameSchema });
export type CreateRoomRequest = v.InferOutput<typeof CreateRoomRequestSchema>;

/** PATCH /rooms/{roomId} (owners only) -> 200 RoomSummary of the caller. */
export const RenameRoomRequestSchema = v.object({ name: RoomNameSchema });
export type RenameRoomRequest = v.InferOutput<typeof RenameRoomRequestSchema>;

/** POST /rooms -> 201 */
export const RoomCreatedSchema = v.object({ roomId: v.string(), name: v.string() });
export type RoomCreated = v.InferOutput<typeof RoomCreatedSchema>;

/**
 * A message id as the API issues it (core/ids.ts newSortableId: 26 characters of Crockford's base32, time first), so
 * that read positions compare as the messages' order does.
 */
export const MessageIdSchema = v.pipe(
  v.string('must be a string'),
  v.regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a message id as the API issued it (26 capital letters and digits)'),
);

/** Where a member has read a room up to: the newest message they saw, and when (server clock, ISO 8601). */
export const ReadPositionSchema = v.object({ messageId: v.string(), at: v.string() });
export type ReadPosition = v.InferOutput<typeof ReadPositionSchema>;

/**
 * PUT /rooms/{roomId}/read {messageId} (members only; 404 for everyone else, whether or not the room exists) -> 200
 * {roomId, lastRead}: the member's read position, kept on their membership, moves forward to that message; never back
 * (a position sent late by another device changes nothing), so `lastRead` is the position now kept. The message is not
 * looked up: a position only ever counts against its own member's unread messages, so a made-up one costs no one else.
 */
export const MarkReadRequestSchema = v.object({ messageId: MessageIdSchema });
export type MarkReadRequest = v.InferOutput<typeof MarkReadRequestSchema>;
export const ReadPositionResponseSchema = v.object({ roomId: v.string(), lastRead: ReadPositionSchema });
export type ReadPositionResponse = v.InferOutput<typeof ReadPositionResponseSchema>;

/** Unread messages are counted up to this many per room; `unreadMore` says the count stopped there. */
export const MAX_UNREAD_COUNT = 100;

/**
 * GET /rooms -> 200: the caller's rooms, each with its name, the caller's role and, from their read position (or, before
 * they read anything, from when they joined): `unread`, how many messages others sent since (counted among at most
 * MAX_UNREAD_COUNT messages; `unreadMore` when the count stopped there), and `lastRead`, the position itself. PATCH
 * /rooms/{roomId} answers with the summary too, without them.
 */
export const RoomSummarySchema = v.object({
  roomId: v.string(),
  name: v.string(),
  role: v.picklist(ROOM_ROLES),
  unread: v.optional(v.number()),
  unreadMore: v.optional(v.boolean()),
  lastRead: v.optional(ReadPositionSchema),
});
export type RoomSummary = v.InferOutput<typeof RoomSummarySchema>;
export const RoomListSchema = v.object({ rooms: v.array(RoomSummarySchema), nextCursor: v.optional(v.string()) });
export type RoomList = v.InferOutput<typeof RoomListSchema>;

/**
 * GET /rooms/{roomId}/members -> 200 (members only; 404 for everyone else, whether or not the room exists): each member
 * with their display name (core/contracts/users.ts) and whether they hold an MQTT connection right now, so a member is
 * shown online or offline correctly the moment they appear in a list.
 */
export const MemberSchema = v.object({ userId: v.string(), displayName: v.string(), role: v.picklist(ROOM_ROLES), online: v.boolean() });
export type Member = v.InferOutput<typeof MemberSchema>;
export const MemberListSchema = v.object({ members: v.array(MemberSchema), nextCursor: v.optional(v.string()) });
export type MemberList = v.InferOutput<typeof MemberListSchema>;

/**
 * PUT /rooms/{roomId}/members/{userId} (owners only) -> 204. The body is optional. For someone who is not a member yet
 * it is an invite, which always makes a member: `{"role":"owner"}` for a non-member is refused (409), since nobody is
 * made an owner without first being a member. For a member it sets the role (promote with `{"role":"owner"}`, demote
 * with `{"role":"member"}`).
 */
export const PutMemberRequestSchema = v.object({ role: v.optional(v.picklist(ROOM_ROLES, 'must be "owner" or "member"'), 'member') });
export type PutMemberRequest = v.InferOutput<typeof PutMemberRequestSchema>;

export const MAX_USERNAME_LENGTH = 128;
export const MAX_EMAIL_LENGTH = 254;

/** A username as people type it (Cognito: 1-128 characters, no whitespace; app users: their user id). */
export const UsernameSchema = v.pipe(
  v.string('must be a string'),
  v.trim(),
  v.nonEmpty('must not be empty'),
  v.maxLength(MAX_USERNAME_LENGTH, `must be at most ${MAX_USERNAME_LENGTH} characters`),
  v.check((name: string) => !/\s/u.test(name) && ![...name].some(isControlCharacter), 'must not contain spaces or control characters'),
);

/** An email address, compared without regard to case (RFC 5321 allows at most 254 characters in a path). */
export const EmailSchema = v.pipe(
  v.string('must be a string'),
  v.trim(),
  v.maxLength(MAX_EMAIL_LENGTH, `must be at most ${MAX_EMAIL_LENGTH} characters`),
  v.regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address such as dana@example.com'),
);

/**
 * POST /rooms/{roomId}/members (owners only): invites an existing user, named by exactly one of their user id, their
 * username (exact, case-insensitive for Cognito users) or their email (exact, case-insensitive, verified emails only).
 * 201 {member} when added, 200 {member} when they already were a member; 404 with a sentence ("No user named dana")
 * when nobody matches. Always makes a member, never an owner.
 */
export const InviteRequestSchema = v.pipe(
  v.object({ userId: v.optional(UserIdSchema), username: v.optional(UsernameSchema), email: v.optional(EmailSchema) }),
  v.check(
    (body) => [body.userId, body.username, body.email].filter((value) => value !== undefined).length === 1,
    'name the person to invite with exactly one of "userId", "username" or "email"',
  ),
);
export type InviteRequest = v.InferOutput<typeof InviteRequestSchema>;
export const InvitedMemberSchema = v.object({ member: MemberSchema });
export type InvitedMember = v.InferOutput<typeof InvitedMemberSchema>;

/**
 * GET /rooms/{roomId}/presence?cursor= -> 200 (members only): the members of one page of the member list (in user id
 * order, at most PRESENCE_PAGE_SIZE) who hold at least one MQTT connection; nextCursor pages on.
 */
export const PRESENCE_PAGE_SIZE = MAX_PAGE_SIZE;
export const RoomPresenceSchema = v.object({ online: v.array(v.string()), nextCursor: v.optional(v.string()) });
export type RoomPresence = v.InferOutput<typeof RoomPresenceSchema>;

/**
 * POST /rooms/{roomId}/messages -> 202. With an `Idempotency-Key` header (core/contracts/http.ts) a retry returns the
 * first request's status and body and stores nothing new.
 */
export const MessageAcceptedSchema = v.object({ messageId: v.string(), roomId: v.string(), sentAt: v.string() });
export type MessageAccepted = v.InferOutput<typeof MessageAcceptedSchema>;

/**
 * A message as history returns it and as it is delivered to inboxes (with `type` on MQTT). `fromName` is the sender's
 * display name when they sent it; history written before display names existed lacks it (show `from` then).
 */
export const StoredMessageSchema = v.object({
  messageId: v.string(),
  roomId: v.string(),
  from: v.string(),
  fromName: v.optional(v.string()),
  text: v.string(),
  sentAt: v.string(),
});
export type StoredMessage = v.InferOutput<typeof StoredMessageSchema>;

/** GET /rooms/{roomId}/messages?limit=&before= -> 200: a page ordered oldest first; nextCursor is the next `before`. */
export const MessagePageSchema = v.object({ messages: v.array(StoredMessageSchema), nextCursor: v.optional(v.string()) });
export type MessagePage = v.InferOutput<typeof MessagePageSchema>;

/** Query strings arrive as strings: `limit` 1..MAX_PAGE_SIZE. */
export const PageLimitSchema = v.pipe(
  v.optional(v.string(), String(DEFAULT_PAGE_SIZE)),
  v.regex(/^\d{1,3}$/, `must be an integer between 1 and ${MAX_PAGE_SIZE}`),
  v.transform(Number),
  v.minValue(1, `must be an integer between 1 and ${MAX_PAGE_SIZE}`),
  v.maxValue(MAX_PAGE_SIZE, `must be an integer between 1 and ${MAX_PAGE_SIZE}`),
);

/** An opaque pagination cursor as the API issued it (the store checks what it encodes). */
export const CursorSchema = v.optional(
  v.pipe(v.string(), v.maxLength(1024, 'is too long to be a cursor this API issued'), v.regex(/^[A-Za-z0-9_-]+$/, 'is not a cursor this API issued')),
);

/** `before` of the history: a message id. */
export const BeforeSchema = v.optional(
  v.pipe(
    v.string(),
    v.check((value: string) => isValidId(value), 'must be a message id'),
  ),
);
