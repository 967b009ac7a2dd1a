/**
 * Room events from the user's inboxes (core/contracts/room-events.ts) applied to what the page knows: a room the user
 * is added to appears at once with its name and their role; one they are removed from, or that is deleted, closes with
 * the reason (closed-rooms.ts); members, their roles and presence change in the member list as they happen; a renamed
 * room is renamed. QoS 1 may deliver an event twice: each is applied once, by its eventId.
 */
import type { RoomEvent } from '../../../core/contracts/room-events.js';
import type { RoomMembers } from './members.js';
import type { RoomsContext } from './types.js';

/** Event ids remembered for de-duplication; redeliveries come soon after the first copy. */
const REMEMBERED_EVENTS = 1000;

export class RoomEvents {
  readonly #seen = new Set<string>();

  constructor(
    private readonly ctx: RoomsContext,
    private readonly members: RoomMembers,
  ) {}

  /** Applies an event that arrived on the inbox of `roomId`; false when it was a repeat or names another room. */
  apply(roomId: string, event: RoomEvent): boolean {
    if (event.roomId !== roomId || this.#seen.has(event.eventId)) return false;
    this.#seen.add(event.eventId);
    if (this.#seen.size > REMEMBERED_EVENTS) this.#seen.delete(this.#seen.values().next().value!);
    this.ctx.learnName(event.by.userId, event.by.displayName);
    if ('member' in event) this.ctx.learnName(event.member.userId, event.member.displayName);
    const self = this.ctx.userId;
    switch (event.type) {
      case 'member_added':
        if (event.member.userId === self) return this.#joined(event);
        this.#renamed(roomId, event.roomName);
        this.members.upsert(roomId, event.member);
        return true;
      case 'member_removed':
        if (event.member.userId === self)
          return this.#out(roomId, event.roomName, event.reason === 'left' ? { kind: 'left-elsewhere' } : { kind: 'removed', by: event.by });
        this.#renamed(roomId, event.roomName);
        this.members.drop(roomId, event.member.userId);
        return true;
      case 'role_changed':
        this.#renamed(roomId, event.roomName);
        this.members.setRole(roomId, event.member.userId, event.member.role);
        if (event.member.userId === self) this.#myRole(event);
        return true;
      case 'room_renamed':
        this.#renamed(roomId, event.roomName);
        return true;
      case 'room_deleted':
        return this.#out(roomId, event.roomName, { kind: 'deleted', by: event.by });
    }
  }

  /** The user was added (or, in another tab, created the room): it is in their list at once. */
  #joined(event: Extract<RoomEvent, { type: 'member_added' }>): boolean {
    const state = this.ctx.states.get(event.roomId);
    const known = state?.summary !== undefined;
    const room = this.ctx.states.ensure(event.roomId);
    room.summary = { ...(room.summary ?? { unread: 0 }), roomId: event.roomId, name: event.roomName, role: event.member.role };
    this.members.upsert(event.roomId, { ...event.member, online: true });
    this.ctx.emit({ kind: 'rooms' });
    if (!known && event.by.userId !== this.ctx.userId) this.ctx.emit({ kind: 'notice', text: `${event.by.displayName} added you to ${event.roomName}` });
    return true;
  }

  /** The user is out of the room: unless this page did it (leaving or deleting here), it closes with the reason. */
  #out(roomId: string, roomName: string, reason: Parameters<RoomsContext['close']>[1]): boolean {
    if (this.ctx.exiting.has(roomId) || this.ctx.states.get(roomId)?.summary === undefined) return true;
    this.ctx.close(roomId, reason, roomName);
    return true;
  }

  #myRole(event: Extract<RoomEvent, { type: 'role_changed' }>): void {
    const state = this.ctx.states.get(event.roomId);
    if (!state?.summary || state.summary.role === event.member.role) return;
    state.summary = { ...state.summary, role: event.member.role };
    this.ctx.emit({ kind: 'rooms' });
    const text =
      event.reason === 'last_owner_left'
        ? `${event.by.displayName} left ${event.roomName}: you are its owner now`
        : event.member.role === 'owner'
          ? `${event.by.displayName} made you an owner of ${event.roomName}`
          : `${event.by.displayName} made you a member of ${event.roomName} (no longer an owner)`;
    this.ctx.emit({ kind: 'notice', text });
  }

  /** Every event carries the room's current name. */
  #renamed(roomId: string, name: string): void {
    const state = this.ctx.states.get(roomId);
    if (!state?.summary || state.summary.name === name) return;
    state.summary = { ...state.summary, name };
    this.ctx.emit({ kind: 'rooms' });
  }
}
