/**
 * Each room's members (GET /rooms/{roomId}/members, paged; owners invite by username or email, promote and remove;
 * anyone leaves) and who of them is online (GET /rooms/{roomId}/presence, the presence changes in the inbox, and the
 * presence each member_added event carries, so a member is shown right the moment they appear). While this page is
 * live, the user counts as online in every room whatever the last presence read said.
 */
import type { PresenceChange } from '../../../core/contracts/mqtt.js';
import type { InviteRequest, Member, RoomRole } from '../../../core/contracts/rooms.js';
import { isCognitoIdentityId } from '../../../core/ids.js';
import { type MembersState, messageOf, type PresenceState, type RoomsContext } from './types.js';

/** What an owner typed to invite someone, as the API takes it: an email, a Cognito identity id, or a username. */
export function inviteRequestOf(text: string): InviteRequest {
  const who = text.trim();
  if (who.includes('@')) return { email: who };
  if (isCognitoIdentityId(who)) return { userId: who };
  // App users' usernames are their user ids; Cognito users have theirs.
  return { username: who };
}

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
    state.members = { status: 'loaded', members: [{ userId: this.ctx.userId, displayName: this.ctx.displayName, role: 'owner', online: true }] };
    state.presence = { status: 'loaded', online: new Set([this.ctx.userId]) };
  }

  async load(roomId: string, cursor?: string): Promise<void> {
    const current = this.members(roomId);
    this.ctx.states.ensure(roomId).members = { ...current, status: 'loading' };
    this.ctx.emit({ kind: 'members', roomId });
    try {
      const page = await this.ctx.api.listMembers(roomId, cursor);
      for (const m of page.members) this.ctx.learnName(m.userId, m.displayName);
      this.#presenceOf(roomId, page.members, true);
      const members =
        cursor === undefined ? page.members : [...current.members.filter((m) => !page.members.some((p) => p.userId === m.userId)), ...page.members];
      this.ctx.states.ensure(roomId).members = { status: 'loaded', members, ...(page.nextCursor ? { more: page.nextCursor } : {}) };
    } catch (error) {
      this.ctx.states.ensure(roomId).members = { ...current, status: 'failed', error: messageOf(error) };
    }
    this.ctx.emit({ kind: 'members', roomId });
  }

  /**
   * Invites someone by what the owner typed (username, email or identity id): they are in the list at once, shown
   * online or offline as they are. Resolves with who it was and whether they were added (false: a member already);
   * rejects with a readable error (404: nobody has that username or email).
   */
  async invite(roomId: string, text: string): Promise<{ member: Member; added: boolean }> {
    // Who was a member before asking: the room event of the invite may come back before the API's answer.
    const before = new Set(this.members(roomId).members.map((m) => m.userId));
    const invited = await this.ctx.api.invite(roomId, inviteRequestOf(text));
    const already = before.has(invited.member.userId);
    this.ctx.learnName(invited.member.userId, invited.member.displayName);
    this.upsert(roomId, invited.member);
    return { member: invited.member, added: !already };
  }

  /** Adds a member by user id or changes their role (owners only: promote with "owner"); rejects with a readable error. */
  async put(roomId: string, userId: string, role: RoomRole = 'member'): Promise<void> {
    await this.ctx.api.putMember(roomId, userId, role);
    const previous = this.members(roomId).members.find((m) => m.userId === userId);
    this.upsert(roomId, { userId, displayName: previous?.displayName ?? userId, role, online: previous?.online ?? false });
  }

  /** Removes a member (owners), or leaves when `userId` is the user's own; rejects with a readable error. */
  async remove(roomId: string, userId: string): Promise<void> {
    const leaving = userId === this.ctx.userId;
    if (leaving) this.ctx.exiting.add(roomId);
    try {
      await this.ctx.api.removeMember(roomId, userId);
    } finally {
      if (leaving) this.ctx.exiting.delete(roomId);
    }
    if (leaving) {
      this.ctx.forget(roomId);
      this.ctx.emit({ kind: 'rooms' });
      return;
    }
    this.drop(roomId, userId);
  }

  /** A member joined or was shown as they are (an invite's answer, a room event): in the list, with their presence. */
  upsert(roomId: string, member: Member): void {
    const state = this.ctx.states.get(roomId);
    if (!state) return;
    if (state.members !== undefined && state.members.status !== 'not-loaded') {
      const others = state.members.members.filter((m) => m.userId !== member.userId);
      state.members = { ...state.members, members: [...others, member] };
    }
    this.#presenceOf(roomId, [member], false);
    this.ctx.emit({ kind: 'members', roomId });
  }

  /** A member left or was removed: out of the list, and of who is online. */
  drop(roomId: string, userId: string): void {
    const state = this.ctx.states.get(roomId);
    if (!state) return;
    if (state.members) state.members = { ...state.members, members: state.members.members.filter((m) => m.userId !== userId) };
    if (state.presence?.online.has(userId)) {
      const online = new Set(state.presence.online);
      online.delete(userId);
      state.presence = { ...state.presence, online };
    }
    this.ctx.emit({ kind: 'members', roomId });
  }

  /** A member's role changed (a room event): their entry says so. */
  setRole(roomId: string, userId: string, role: RoomRole): void {
    const state = this.ctx.states.get(roomId);
    if (!state?.members) return;
    state.members = { ...state.members, members: state.members.members.map((m) => (m.userId === userId ? { ...m, role } : m)) };
    this.ctx.emit({ kind: 'members', roomId });
  }

  /**
   * The presence the member list or an event gives each member (`online`, read from the presence table when it was
   * answered). A page of the member list is as good as a presence read for those it names.
   */
  #presenceOf(roomId: string, members: readonly Member[], listed: boolean): void {
    const state = this.ctx.states.get(roomId);
    if (!state) return;
    const online = new Set(state.presence?.online ?? []);
    for (const m of members) {
      if (m.online) online.add(m.userId);
      else online.delete(m.userId);
    }
    const status = state.presence?.status ?? 'not-loaded';
    state.presence = { status: listed && status !== 'loading' ? 'loaded' : status, online };
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
