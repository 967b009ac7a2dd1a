/**
 * The signed-in user's rooms as the page knows them, without any DOM: the room list (GET /rooms, paged), which room
 * is open, each room's timeline (history merged with live inbox messages), unread counts and members. Views listen
 * to its changes and draw; every message is kept from the moment it arrives, whether or not a view shows it yet.
 *
 * A room the user was just added to is not announced to them (nothing is published on an invitation), so the list
 * is read again when a message arrives for a room it does not have, or when the page becomes visible again.
 */
import type { InboxMessage } from '../../core/contracts/mqtt.js';
import type { Member, RoomRole, RoomSummary } from '../../core/contracts/rooms.js';
import type { ApiClient } from './api.js';
import { Timeline } from './timeline.js';

export type RoomsApi = Pick<ApiClient, 'listRooms' | 'createRoom' | 'listMembers' | 'putMember' | 'removeMember' | 'postMessage' | 'history'>;

export type RoomsChange =
  /** The list, its loading state, or unread counts. */
  | { kind: 'rooms' }
  | { kind: 'selected' }
  /** Messages or history state of one room. */
  | { kind: 'timeline'; roomId: string }
  | { kind: 'members'; roomId: string };

export type ListState = { status: 'loading' } | { status: 'loaded'; more?: string } | { status: 'failed'; error: string; more?: string };

export interface MembersState {
  status: 'not-loaded' | 'loading' | 'loaded' | 'failed';
  members: Member[];
  more?: string;
  error?: string;
}

export interface RoomsModelOptions {
  /** Messages per history page (the API allows 1-100). */
  historyPageSize?: number;
  /** How many pages of GET /rooms a refresh reads at most while looking for a room. */
  maxRefreshPages?: number;
  /** After a refresh that did not find the room a message came from, one more try after this long (ms). */
  refreshRetryMs?: number;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class RoomsModel {
  readonly #rooms = new Map<string, RoomSummary>();
  readonly #timelines = new Map<string, Timeline>();
  readonly #unread = new Map<string, number>();
  readonly #members = new Map<string, MembersState>();
  readonly #listeners = new Set<(change: RoomsChange) => void>();
  readonly #options: Required<RoomsModelOptions>;
  #list: ListState = { status: 'loading' };
  #selected: string | undefined;
  /** The refresh in flight, and the one queued behind it with the rooms wanted meanwhile. */
  #refreshing: Promise<void> | undefined;
  #queued: { rooms: Set<string>; done: Promise<void> } | undefined;
  #closed = false;

  constructor(
    private readonly api: RoomsApi,
    /** The signed-in user, as the API names them: the app's user id, or the Cognito identity id. */
    readonly userId: string,
    options: RoomsModelOptions = {},
  ) {
    this.#options = { historyPageSize: 50, maxRefreshPages: 20, refreshRetryMs: 1500, ...options };
  }

  on(listener: (change: RoomsChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops background work (a pending refresh retry); the page is going away. */
  close(): void {
    this.#closed = true;
    this.#listeners.clear();
  }

  get list(): ListState {
    return this.#list;
  }

  /** The rooms known so far, by name. */
  rooms(): RoomSummary[] {
    return [...this.#rooms.values()].sort((a, b) => a.name.localeCompare(b.name) || a.roomId.localeCompare(b.roomId));
  }

  room(roomId: string): RoomSummary | undefined {
    return this.#rooms.get(roomId);
  }

  get selected(): string | undefined {
    return this.#selected;
  }

  timeline(roomId: string): Timeline {
    let timeline = this.#timelines.get(roomId);
    if (!timeline) {
      timeline = new Timeline();
      this.#timelines.set(roomId, timeline);
    }
    return timeline;
  }

  unread(roomId: string): number {
    return this.#unread.get(roomId) ?? 0;
  }

  members(roomId: string): MembersState {
    return this.#members.get(roomId) ?? { status: 'not-loaded', members: [] };
  }

  /** The first page of the user's rooms. Failures are kept in `list`, not thrown. */
  async loadRooms(): Promise<void> {
    this.#setList({ status: 'loading' });
    try {
      const page = await this.api.listRooms();
      for (const room of page.rooms) this.#rooms.set(room.roomId, room);
      this.#setList({ status: 'loaded', ...(page.nextCursor ? { more: page.nextCursor } : {}) });
    } catch (error) {
      this.#setList({ status: 'failed', error: messageOf(error) });
    }
  }

  /** The next page of rooms (after `list.more`). */
  async loadMoreRooms(): Promise<void> {
    const cursor = this.#list.status === 'loading' ? undefined : this.#list.more;
    if (cursor === undefined) return this.loadRooms();
    try {
      const page = await this.api.listRooms(cursor);
      for (const room of page.rooms) this.#rooms.set(room.roomId, room);
      this.#setList({ status: 'loaded', ...(page.nextCursor ? { more: page.nextCursor } : {}) });
    } catch (error) {
      this.#setList({ status: 'failed', error: messageOf(error), more: cursor });
    }
  }

  /**
   * Reads the list again from its first page, following pages until `wanted` is in it (a room the user was added
   * to) or there are no more. A refresh asked for while one runs is done once after it, for every room wanted
   * meanwhile. When every page was read, rooms the user has left elsewhere disappear. Never rejects.
   */
  refreshRooms(wanted?: string): Promise<void> {
    if (!this.#queued && !this.#refreshing) return this.#runRefresh(new Set(wanted === undefined ? [] : [wanted]));
    if (!this.#queued) {
      const rooms = new Set<string>();
      const done = (this.#refreshing ?? Promise.resolve()).then(() => {
        this.#queued = undefined;
        return this.#closed ? undefined : this.#runRefresh(rooms);
      });
      this.#queued = { rooms, done };
    }
    if (wanted !== undefined) this.#queued.rooms.add(wanted);
    return this.#queued.done;
  }

  #runRefresh(wanted: ReadonlySet<string>): Promise<void> {
    const running = (async () => {
      const found = await this.#readAllRooms(wanted);
      const missing = new Set([...wanted].filter((roomId) => !found.has(roomId)));
      // The list is read from an index that may lag a membership change by a moment: one more try later.
      if (missing.size > 0 && !this.#closed) {
        await new Promise((resolve) => setTimeout(resolve, this.#options.refreshRetryMs));
        if (!this.#closed) await this.#readAllRooms(missing);
      }
    })().finally(() => {
      if (this.#refreshing === running) this.#refreshing = undefined;
    });
    this.#refreshing = running;
    return running;
  }

  /** Returns the room ids seen. Stops at `maxRefreshPages`, or earlier once every wanted room was seen. */
  async #readAllRooms(wanted: ReadonlySet<string>): Promise<Set<string>> {
    // Only rooms known before the read may be dropped by it: one created meanwhile is not in pages read earlier.
    const knownBefore = new Set(this.#rooms.keys());
    const seen = new Map<string, RoomSummary>();
    let cursor: string | undefined;
    try {
      for (let page = 0; page < this.#options.maxRefreshPages; page += 1) {
        const result = await this.api.listRooms(cursor);
        for (const room of result.rooms) seen.set(room.roomId, room);
        cursor = result.nextCursor;
        if (cursor === undefined) break;
        if (wanted.size > 0 && [...wanted].every((roomId) => seen.has(roomId))) break;
      }
    } catch (error) {
      const more = this.#list.status === 'loading' ? undefined : this.#list.more;
      this.#setList({ status: 'failed', error: messageOf(error), ...(more ? { more } : {}) });
      return new Set(seen.keys());
    }
    if (cursor === undefined) {
      // The whole list was read: it is the truth, rooms left elsewhere go.
      for (const roomId of knownBefore) if (!seen.has(roomId)) this.#forget(roomId);
    }
    for (const room of seen.values()) this.#rooms.set(room.roomId, room);
    this.#setList({ status: 'loaded', ...(cursor ? { more: cursor } : {}) });
    return new Set(seen.keys());
  }

  /**
   * A live message from the user's inbox for `roomId` (the room named by the topic). Returns false for a message
   * already shown (a QoS 1 redelivery, or one the history had) or one whose payload names another room.
   */
  receive(roomId: string, message: InboxMessage): boolean {
    if (message.roomId !== roomId) return false;
    if (!this.timeline(roomId).add(message)) return false;
    if (roomId !== this.#selected && message.from !== this.userId) this.#unread.set(roomId, this.unread(roomId) + 1);
    this.#emit({ kind: 'timeline', roomId });
    this.#emit({ kind: 'rooms' });
    if (!this.#rooms.has(roomId)) void this.refreshRooms(roomId);
    return true;
  }

  /** Opens a room (undefined: none): its unread count is cleared, its history and members are loaded once. */
  open(roomId: string | undefined): void {
    this.#selected = roomId;
    if (roomId !== undefined) this.#unread.delete(roomId);
    this.#emit({ kind: 'selected' });
    this.#emit({ kind: 'rooms' });
    if (roomId === undefined) return;
    if (this.timeline(roomId).history.status === 'not-loaded') void this.loadHistory(roomId);
    if (this.members(roomId).status === 'not-loaded') void this.loadMembers(roomId);
  }

  /** The newest page of a room's history. Failures are kept in the timeline's `history`, not thrown. */
  async loadHistory(roomId: string): Promise<void> {
    await this.#loadPage(roomId, undefined);
  }

  /** The page before the oldest one loaded. */
  async loadOlder(roomId: string): Promise<void> {
    const history = this.timeline(roomId).history;
    const older = history.status === 'loaded' || history.status === 'failed' ? history.older : undefined;
    if (older !== undefined) await this.#loadPage(roomId, older);
  }

  /** Tries again what failed: the newest page, or the older page that failed. */
  retryHistory(roomId: string): Promise<void> {
    const history = this.timeline(roomId).history;
    return history.status === 'failed' && history.older !== undefined ? this.loadOlder(roomId) : this.loadHistory(roomId);
  }

  async #loadPage(roomId: string, before: string | undefined): Promise<void> {
    const timeline = this.timeline(roomId);
    if (timeline.history.status === 'loading') return;
    timeline.history = { status: 'loading' };
    this.#emit({ kind: 'timeline', roomId });
    try {
      const page = await this.api.history(roomId, { limit: this.#options.historyPageSize, ...(before ? { before } : {}) });
      timeline.addPage(page.messages);
      timeline.history = { status: 'loaded', ...(page.nextCursor ? { older: page.nextCursor } : {}) };
    } catch (error) {
      timeline.history = { status: 'failed', error: messageOf(error), ...(before ? { older: before } : {}) };
    }
    this.#emit({ kind: 'timeline', roomId });
  }

  async loadMembers(roomId: string, cursor?: string): Promise<void> {
    const current = this.members(roomId);
    this.#members.set(roomId, { ...current, status: 'loading' });
    this.#emit({ kind: 'members', roomId });
    try {
      const page = await this.api.listMembers(roomId, cursor);
      const members = cursor === undefined ? page.members : [...current.members.filter((m) => !page.members.some((p) => p.userId === m.userId)), ...page.members];
      this.#members.set(roomId, { status: 'loaded', members, ...(page.nextCursor ? { more: page.nextCursor } : {}) });
    } catch (error) {
      this.#members.set(roomId, { ...current, status: 'failed', error: messageOf(error) });
    }
    this.#emit({ kind: 'members', roomId });
  }

  /** Creates a room (the user becomes its owner) and returns its id; rejects with a readable error. */
  async createRoom(name: string): Promise<string> {
    const created = await this.api.createRoom(name);
    this.#rooms.set(created.roomId, { roomId: created.roomId, name: created.name, role: 'owner' });
    this.#members.set(created.roomId, { status: 'loaded', members: [{ userId: this.userId, role: 'owner' }] });
    // A new room has no history yet: nothing to fetch.
    this.timeline(created.roomId).history = { status: 'loaded' };
    this.#emit({ kind: 'rooms' });
    return created.roomId;
  }

  /** Adds a member or changes their role (owners only); rejects with a readable error. */
  async putMember(roomId: string, userId: string, role: RoomRole = 'member'): Promise<void> {
    await this.api.putMember(roomId, userId, role);
    const state = this.members(roomId);
    const members = [...state.members.filter((m) => m.userId !== userId), { userId, role }];
    this.#members.set(roomId, { ...state, members });
    this.#emit({ kind: 'members', roomId });
  }

  /** Removes a member (owners), or leaves when `userId` is the user's own; rejects with a readable error. */
  async removeMember(roomId: string, userId: string): Promise<void> {
    await this.api.removeMember(roomId, userId);
    if (userId === this.userId) {
      this.#forget(roomId);
      this.#emit({ kind: 'rooms' });
      return;
    }
    const state = this.members(roomId);
    this.#members.set(roomId, { ...state, members: state.members.filter((m) => m.userId !== userId) });
    this.#emit({ kind: 'members', roomId });
  }

  leave(roomId: string): Promise<void> {
    return this.removeMember(roomId, this.userId);
  }

  /** Posts a message; it is shown when it comes back through the inbox, like everyone else's. */
  async send(roomId: string, text: string): Promise<void> {
    await this.api.postMessage(roomId, text);
  }

  #forget(roomId: string): void {
    this.#rooms.delete(roomId);
    this.#timelines.delete(roomId);
    this.#unread.delete(roomId);
    this.#members.delete(roomId);
    if (this.#selected === roomId) {
      this.#selected = undefined;
      this.#emit({ kind: 'selected' });
    }
  }

  #setList(state: ListState): void {
    this.#list = state;
    this.#emit({ kind: 'rooms' });
  }

  #emit(change: RoomsChange): void {
    for (const listener of this.#listeners) listener(change);
  }
}
