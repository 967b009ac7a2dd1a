/**
 * Membership and room changes, published at QoS 1 to the inbox topic of the room (`<app>/<stage>/users/<userId>/rooms/
 * <roomId>`, core/topics.ts `inbox`) of each member they concern, next to the room's messages. Inboxes sit in each
 * user's own subtree, so these events need no grant beyond the fixed-size ones every user already has, and a client
 * routes them by room exactly as it routes messages.
 *
 * Who receives what (functions/rooms/events.ts):
 *   member_added    every member after the change, the new one included (they learn the room, its name and their role
 *                   at once, without waiting for a message)
 *   member_removed  every member after the change and the one removed or leaving (told they are out)
 *   role_changed    every member
 *   room_renamed    every member
 *   room_deleted    every member at the time of deletion
 * Every event names people with their display names and carries the room's current name, so a client that did not know
 * the room yet can show it. `eventId` is time-ordered and unique: clients de-duplicate QoS 1 redeliveries by it.
 */
import * as v from 'valibot';
import { ROOM_ROLES } from './rooms.js';

export const ROOM_EVENT_TYPES = ['member_added', 'member_removed', 'role_changed', 'room_renamed', 'room_deleted'] as const;
export type RoomEventType = (typeof ROOM_EVENT_TYPES)[number];

export const UserRefSchema = v.object({ userId: v.string(), displayName: v.string() });
export type UserRef = v.InferOutput<typeof UserRefSchema>;

const common = {
  eventId: v.string(),
  roomId: v.string(),
  /** The room's name after the change. */
  roomName: v.string(),
  /** ISO 8601, server clock. */
  at: v.string(),
  /** Who made the change (for a member leaving: themselves). */
  by: UserRefSchema,
};

export const MemberAddedSchema = v.object({
  type: v.literal('member_added'),
  ...common,
  /** Always role "member": an invite never makes an owner. `online`: whether they hold a connection right now. */
  member: v.object({ userId: v.string(), displayName: v.string(), role: v.picklist(ROOM_ROLES), online: v.boolean() }),
});
export type MemberAdded = v.InferOutput<typeof MemberAddedSchema>;

export const MEMBER_REMOVAL_REASONS = ['left', 'removed'] as const;

export const MemberRemovedSchema = v.object({
  type: v.literal('member_removed'),
  ...common,
  member: UserRefSchema,
  /** "left": they left themselves; "removed": an owner removed them. */
  reason: v.picklist(MEMBER_REMOVAL_REASONS),
  /** The last member left, so the room was deleted with them. */
  roomDeleted: v.boolean(),
});
export type MemberRemoved = v.InferOutput<typeof MemberRemovedSchema>;

export const ROLE_CHANGE_REASONS = ['changed_by_owner', 'last_owner_left'] as const;

export const RoleChangedSchema = v.object({
  type: v.literal('role_changed'),
  ...common,
  member: v.object({ userId: v.string(), displayName: v.string(), role: v.picklist(ROOM_ROLES) }),
  previousRole: v.picklist(ROOM_ROLES),
  /** "last_owner_left": the longest-standing member became owner because the last owner left (`by` is who left). */
  reason: v.picklist(ROLE_CHANGE_REASONS),
});
export type RoleChanged = v.InferOutput<typeof RoleChangedSchema>;

export const RoomRenamedSchema = v.object({ type: v.literal('room_renamed'), ...common, previousName: v.string() });
export type RoomRenamed = v.InferOutput<typeof RoomRenamedSchema>;

/** The room is gone for everyone; its history is no longer readable (it expires with the history TTL). */
export const RoomDeletedSchema = v.object({ type: v.literal('room_deleted'), ...common });
export type RoomDeleted = v.InferOutput<typeof RoomDeletedSchema>;

export const RoomEventSchema = v.variant('type', [MemberAddedSchema, MemberRemovedSchema, RoleChangedSchema, RoomRenamedSchema, RoomDeletedSchema]);
export type RoomEvent = v.InferOutput<typeof RoomEventSchema>;
