/**
 * Each room's members (GET /rooms/{roomId}/members, paged; owners add and remove) and who of them is online (GET
 * /rooms/{roomId}/presence and the presence changes in the inbox). While this page is live, the user counts as
 * online in every room whatever the last presence read said.
 */
import type { PresenceChange } from '../../../core/contracts/mqtt.js';
import type { RoomRole } from '../../../core/contracts/rooms.js';
import { type MembersState, messageOf, type PresenceState, type RoomsContext } from './types.js';

const NOT_LOADED_PRESENCE: PresenceState = { status: 'not-loaded', online: new Set<string>() };

export class RoomMembers {
  /** Whether this page is live: the user is online in every room whatever the last presence read said. */
  #selfOnline = false;

  constructor(private readonly ctx: RoomsContext) {}

  members(roomId: string): MembersState {
    return this.ctx.states.get(roomId)?.members ?? { status: 'not-loaded', members: [] };
  }

  presence(roomId: string): PresenceState {
    const state = this.ctx.states.get(roomId)?.presence ?? NOT_LOADED_PRESENCE;
    if (!this.#selfOnline || state.online.has(this.ctx.userId) || state.status === 'unavailable') return state;
    return { status: state.status, online: new Set([...state.online, this.ctx.userId]) };
  }

  /** This page's own connection came up or went down: the user's own presence dot follows it at once. */
  setSelfOnline(online: boolean): void {
    if (this.#selfOnline === online) return;
    this.#selfOnline = online;
    const selected = this.ctx.selected();
    if (selected !== undefined) this.ctx.emit({ kind: 'members', roomId: selected });
  }

  /** A room the user just created: its only member is the user, here and connected. */
  created(roomId: string): void {
    const state = this.ctx.states.ensure(roomId);
    state.members = { status: 'loaded', members: [{ userId: this.ctx.userId, displayName: this.ctx.userId, role: 'owner', online: true }] };
    state.presence = { status: 'loaded', online: new Set([this.ctx.userId]) };
  }

  async load(roomId: string, cursor?: string): Promise<void> {
    const current = this.members(roomId);
    this.ctx.states.ensure(roomId).members = { ...current, status: 'loading' };
    this.ctx.emit({ kind: 'members', roomId });
    try {
      const page = await this.ctx.api.listMembers(roomId, cursor);
      const members =
        cursor === undefined ? page.members : [...current.members.filter((m) => !page.members.some((p) => p.userId === m.userId)), ...page.members];
      this.ctx.states.ensure(roomId).members = { status: 'loaded', members, ...(page.nextCursor ? { more: page.nextCursor } : {}) };
    } catch (error) {
      this.ctx.states.ensure(roomId).members = { ...current, status: 'failed', error: messageOf(error) };
    }
    this.ctx.emit({ kind: 'members', roomId });
  }

  /** Adds a member or changes their role (owners only); rejects with a readable error. */
  async put(roomId: string, userId: string, role: RoomRole = 'member'): Promise<void> {
    await this.ctx.api.putMember(roomId, userId, role);
    const state = this.members(roomId);
    const previous = state.members.find((m) => m.userId === userId);
    const members = [
      ...state.members.filter((m) => m.userId !== userId),
      { userId, displayName: previous?.displayName ?? userId, role, online: previous?.online ?? false },
    ];
    this.ctx.states.ensure(roomId).members = { ...state, members };
    this.ctx.emit({ kind: 'members', roomId });
  }

  /** Removes a member (owners), or leaves when `userId` is the user's own; rejects with a readable error. */
  async remove(roomId: string, userId: string): Promise<void> {
    await this.ctx.api.removeMember(roomId, userId);
    if (userId === this.ctx.userId) {
      this.ctx.forget(roomId);
      this.ctx.emit({ kind: 'rooms' });
      return;
    }
    const state = this.members(roomId);
    this.ctx.states.ensure(roomId).members = { ...state, members: state.members.filter((m) => m.userId !== userId) };
    this.ctx.emit({ kind: 'members', roomId });
  }

  /** Who of the room's members is online, all pages. Unavailable when the API does not serve presence. */
  async loadPresence(roomId: string): Promise<void> {
    const online = new Set<string>();
    const room = this.ctx.states.ensure(roomId);
    room.presence = { status: 'loading', online: room.presence?.online ?? new Set() };
    try {
      let cursor: string | undefined;
      for (let page = 0; page < this.ctx.options.maxRefreshPages; page += 1) {
        const result = await this.ctx.api.presence(roomId, cursor);
        for (const userId of result.online) online.add(userId);
        cursor = result.nextCursor;
        if (cursor === undefined) break;
      }
      this.ctx.states.ensure(roomId).presence = { status: 'loaded', online };
    } catch {
      // Presence is a nicety: without it the member list is still right.
      this.ctx.states.ensure(roomId).presence = { status: 'unavailable', online: new Set() };
    }
    this.ctx.emit({ kind: 'members', roomId });
  }

  /** A presence change from the inbox; false when it names a room this page does not know. */
  changed(change: PresenceChange): boolean {
    const room = this.ctx.states.get(change.roomId);
    if (room === undefined || (room.summary === undefined && room.presence === undefined)) return false;
    const state = room.presence ?? NOT_LOADED_PRESENCE;
    const online = new Set(state.online);
    if (change.online) online.add(change.userId);
    else online.delete(change.userId);
    room.presence = { status: state.status, online };
    this.ctx.emit({ kind: 'members', roomId: change.roomId });
    return true;
  }
}
