/**
 * The signed-in user's rooms as the page knows them, without any DOM: the room list (GET /rooms, paged), which room
 * is open, each room's timeline (history merged with live inbox messages), unread counts and members. Views listen
 * to its changes and draw; every message is kept from the moment it arrives, whether or not a view shows it yet.
 *
 * A room the user was just added to is not announced to them (nothing is published on an invitation), so the list
 * is read again when a message arrives for a room it does not have, or when the page becomes visible again.
 *
 * Sending: a message is shown at once as "sending", becomes the user's own message in the timeline when it comes back
 * through the inbox (its echo), or "not delivered" with a retry when the API refuses it or does not answer in time.
 * After a reconnection, `catchUp` reads the newest history of every loaded room until it meets what is here, so a
 * message missed while away appears once, in order, even when the persistent session had nothing to replay.
 */
import type { InboxMessage, PresenceChange } from '../../core/contracts/mqtt.js';
import type { Member, RoomRole, RoomSummary, StoredMessage } from '../../core/contracts/rooms.js';
import { type ApiClient, ApiError } from './api.js';
import { Timeline } from './timeline.js';

export type RoomsApi = Pick<ApiClient, 'listRooms' | 'createRoom' | 'listMembers' | 'putMember' | 'removeMember' | 'postMessage' | 'history' | 'presence'>;

/**
 * A message the user sent from this page that has not come back through the inbox yet. `sending`: the API has not
 * answered, or it accepted the message and its echo is on the way; `accepted`: accepted, but no echo within the
 * timeout (the live connection may be down; history brings it after a reconnection); `failed`: not delivered.
 */
export interface Outgoing {
  localId: string;
  text: string;
  status: 'sending' | 'accepted' | 'failed';
  messageId?: string;
  error?: string;
}

/** Who of a room's members is online, from GET /rooms/{roomId}/presence and the presence changes in the inbox. */
export interface PresenceState {
  status: 'not-loaded' | 'loading' | 'loaded' | 'unavailable';
  online: ReadonlySet<string>;
}

export type RoomsChange =
  /** The list, its loading state, or unread counts. */
  | { kind: 'rooms' }
  | { kind: 'selected' }
  /** Messages or history state of one room. */
  | { kind: 'timeline'; roomId: string }
  /** Members, or who of them is online. */
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
  /** How long a send may take, from the click to its echo in the inbox, before it is reported (ms). */
  sendTimeoutMs?: number;
  /** How many history pages a catch-up reads at most before it starts the room's timeline afresh. */
  maxCatchUpPages?: number;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class RoomsModel {
  readonly #rooms = new Map<string, RoomSummary>();
  readonly #timelines = new Map<string, Timeline>();
  readonly #unread = new Map<string, number>();
  readonly #members = new Map<string, MembersState>();
  readonly #outboxes = new Map<string, Outgoing[]>();
  readonly #presence = new Map<string, PresenceState>();
  /** Per outgoing message, the timer that marks it accepted-but-not-back. */
  readonly #echoTimers = new Map<Outgoing, ReturnType<typeof setTimeout>>();
  /** Per room, the newest message id known when the connection was lost: catch-up reads back to it. */
  readonly #anchors = new Map<string, string>();
  #nextLocalId = 1;
  /** Whether this page is live: the user is online in every room whatever the last presence read said. */
  #selfOnline = false;
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
    this.#options = { historyPageSize: 50, maxRefreshPages: 20, refreshRetryMs: 1500, sendTimeoutMs: 10_000, maxCatchUpPages: 5, ...options };
  }

  on(listener: (change: RoomsChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops background work (a pending refresh retry); the page is going away. */
  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    for (const timer of this.#echoTimers.values()) clearTimeout(timer);
    this.#echoTimers.clear();
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

  /** Messages sent from this page that have not come back yet, oldest first. */
  outbox(roomId: string): readonly Outgoing[] {
    return this.#outboxes.get(roomId) ?? [];
  }

  presence(roomId: string): PresenceState {
    const state = this.#presence.get(roomId) ?? { status: 'not-loaded', online: new Set<string>() };
    if (!this.#selfOnline || state.online.has(this.userId) || state.status === 'unavailable') return state;
    return { status: state.status, online: new Set([...state.online, this.userId]) };
  }

  /** This page's own connection came up or went down: the user's own presence dot follows it at once. */
  setSelfOnline(online: boolean): void {
    if (this.#selfOnline === online) return;
    this.#selfOnline = online;
    if (this.#selected !== undefined) this.#emit({ kind: 'members', roomId: this.#selected });
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
    if (message.from === this.userId) this.#echoed(roomId, message);
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
    if (this.presence(roomId).status === 'not-loaded') void this.loadPresence(roomId);
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
      for (const message of page.messages) if (timeline.add(message) && message.from === this.userId) this.#echoed(roomId, message);
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
      const members =
        cursor === undefined ? page.members : [...current.members.filter((m) => !page.members.some((p) => p.userId === m.userId)), ...page.members];
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
    this.#members.set(created.roomId, { status: 'loaded', members: [{ userId: this.userId, displayName: this.userId, role: 'owner', online: true }] });
    // Its only member is the user, here and connected.
    this.#presence.set(created.roomId, { status: 'loaded', online: new Set([this.userId]) });
    // A new room has no history yet: nothing to fetch.
    this.timeline(created.roomId).history = { status: 'loaded' };
    this.#emit({ kind: 'rooms' });
    return created.roomId;
  }

  /** Adds a member or changes their role (owners only); rejects with a readable error. */
  async putMember(roomId: string, userId: string, role: RoomRole = 'member'): Promise<void> {
    await this.api.putMember(roomId, userId, role);
    const state = this.members(roomId);
    const previous = state.members.find((m) => m.userId === userId);
    const members = [
      ...state.members.filter((m) => m.userId !== userId),
      { userId, displayName: previous?.displayName ?? userId, role, online: previous?.online ?? false },
    ];
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

  /**
   * Sends a message: shown at once as sending; it joins the timeline when its echo comes back through the inbox, like
   * everyone else's messages. Never rejects: a refusal or a timeout is kept on the outgoing message, with its reason.
   */
  send(roomId: string, text: string): void {
    const outgoing: Outgoing = { localId: `local-${this.#nextLocalId++}`, text, status: 'sending' };
    this.#outboxes.set(roomId, [...this.outbox(roomId), outgoing]);
    this.#emit({ kind: 'timeline', roomId });
    void this.#post(roomId, outgoing);
  }

  /** Sends a message that was not delivered again. */
  retrySend(roomId: string, localId: string): void {
    const outgoing = this.outbox(roomId).find((o) => o.localId === localId);
    if (outgoing?.status !== 'failed') return;
    outgoing.status = 'sending';
    delete outgoing.error;
    this.#emit({ kind: 'timeline', roomId });
    void this.#post(roomId, outgoing);
  }

  /** Gives up on a message that was not delivered. */
  discardSend(roomId: string, localId: string): void {
    this.#removeOutgoing(roomId, (o) => o.localId === localId && o.status === 'failed');
  }

  async #post(roomId: string, outgoing: Outgoing): Promise<void> {
    const timeoutMs = this.#options.sendTimeoutMs;
    const late = setTimeout(() => {
      this.#echoTimers.delete(outgoing);
      // Accepted, but its echo did not come: the live connection is likely down. Sending again would duplicate it.
      if (outgoing.status === 'sending' && outgoing.messageId !== undefined && this.outbox(roomId).includes(outgoing)) {
        outgoing.status = 'accepted';
        this.#emit({ kind: 'timeline', roomId });
      }
    }, timeoutMs);
    this.#echoTimers.set(outgoing, late);
    try {
      const accepted = await this.api.postMessage(roomId, outgoing.text, AbortSignal.timeout(timeoutMs));
      outgoing.messageId = accepted.messageId;
      // The echo may have come before the answer.
      if (this.timeline(roomId).has(accepted.messageId)) this.#removeOutgoing(roomId, (o) => o === outgoing);
    } catch (error) {
      clearTimeout(late);
      this.#echoTimers.delete(outgoing);
      outgoing.status = 'failed';
      outgoing.error =
        error instanceof ApiError && error.code === 'timeout'
          ? `no answer from the server within ${Math.round(timeoutMs / 1000)} s; it may not have been sent`
          : messageOf(error);
      this.#emit({ kind: 'timeline', roomId });
    }
  }

  /** The user's own message came back through the inbox: the outgoing copy of it is done. */
  #echoed(roomId: string, message: StoredMessage): void {
    const outbox = this.outbox(roomId);
    // By id once the API answered; before that (an echo faster than the answer), the oldest sending one with its text.
    const match =
      outbox.find((o) => o.messageId === message.messageId) ??
      outbox.find((o) => o.status === 'sending' && o.messageId === undefined && o.text.trim() === message.text.trim());
    if (match) this.#removeOutgoing(roomId, (o) => o === match);
  }

  #removeOutgoing(roomId: string, which: (o: Outgoing) => boolean): void {
    const before = this.outbox(roomId);
    const after = before.filter((o) => !which(o));
    if (after.length === before.length) return;
    for (const gone of before.filter(which)) {
      clearTimeout(this.#echoTimers.get(gone));
      this.#echoTimers.delete(gone);
    }
    if (after.length === 0) this.#outboxes.delete(roomId);
    else this.#outboxes.set(roomId, after);
    this.#emit({ kind: 'timeline', roomId });
  }

  /** Who of the room's members is online, all pages. Unavailable when the API does not serve presence. */
  async loadPresence(roomId: string): Promise<void> {
    const online = new Set<string>();
    this.#presence.set(roomId, { status: 'loading', online: this.#presence.get(roomId)?.online ?? new Set() });
    try {
      let cursor: string | undefined;
      for (let page = 0; page < this.#options.maxRefreshPages; page += 1) {
        const result = await this.api.presence(roomId, cursor);
        for (const userId of result.online) online.add(userId);
        cursor = result.nextCursor;
        if (cursor === undefined) break;
      }
      this.#presence.set(roomId, { status: 'loaded', online });
    } catch {
      // Presence is a nicety: without it the member list is still right.
      this.#presence.set(roomId, { status: 'unavailable', online: new Set() });
    }
    this.#emit({ kind: 'members', roomId });
  }

  /** A presence change from the inbox; false when it names a room this page does not know. */
  presenceChanged(change: PresenceChange): boolean {
    if (!this.#rooms.has(change.roomId) && !this.#presence.has(change.roomId)) return false;
    const state = this.#presence.get(change.roomId) ?? { status: 'not-loaded', online: new Set<string>() };
    const online = new Set(state.online);
    if (change.online) online.add(change.userId);
    else online.delete(change.userId);
    this.#presence.set(change.roomId, { status: state.status, online });
    this.#emit({ kind: 'members', roomId: change.roomId });
    return true;
  }

  /**
   * The live connection dropped: notes, for each room with history, the newest message known now. Messages replayed
   * after the reconnection are newer, so catch-up reads back to this one, not to the first message it finds here.
   */
  connectionLost(): void {
    for (const [roomId, timeline] of this.#timelines) {
      const newest = timeline.newestId();
      if (timeline.history.status === 'loaded' && newest !== undefined && !this.#anchors.has(roomId)) this.#anchors.set(roomId, newest);
    }
  }

  /**
   * After a reconnection (or a long absence): reads the room list again and, for every room whose history was
   * loaded, the newest messages back to what was known when the connection dropped. Messages missed meanwhile appear
   * once, in order; in rooms not open they count as unread. Presence of the open room is read again. Never rejects.
   */
  async catchUp(): Promise<void> {
    await this.refreshRooms();
    const loaded = [...this.#timelines.entries()].filter(([, t]) => t.history.status === 'loaded').map(([roomId]) => roomId);
    for (const roomId of loaded) {
      if (this.#closed) return;
      const anchor = this.#anchors.get(roomId) ?? this.timeline(roomId).newestId();
      this.#anchors.delete(roomId);
      await this.#catchUpRoom(roomId, anchor).catch(() => undefined);
    }
    if (this.#selected !== undefined && this.presence(this.#selected).status !== 'not-loaded') void this.loadPresence(this.#selected);
  }

  async #catchUpRoom(roomId: string, anchor: string | undefined): Promise<void> {
    const timeline = this.timeline(roomId);
    const added: StoredMessage[] = [];
    let before: string | undefined;
    for (let page = 0; page < this.#options.maxCatchUpPages; page += 1) {
      const result = await this.api.history(roomId, { limit: this.#options.historyPageSize, ...(before ? { before } : {}) });
      // Message ids are time-ordered: a page reaching back to the anchor closes the gap.
      const reached = anchor === undefined || result.messages.some((m) => m.messageId <= anchor);
      for (const message of result.messages) if (timeline.add(message)) added.push(message);
      if (reached || result.nextCursor === undefined) return this.#caughtUp(roomId, added);
      before = result.nextCursor;
    }
    // More was missed than a catch-up reads: a gap would remain between old and new, so start the room afresh.
    this.#timelines.set(roomId, new Timeline());
    await this.loadHistory(roomId);
  }

  #caughtUp(roomId: string, added: readonly StoredMessage[]): void {
    if (added.length === 0) return;
    for (const message of added) if (message.from === this.userId) this.#echoed(roomId, message);
    const unread = roomId === this.#selected ? 0 : added.filter((m) => m.from !== this.userId).length;
    if (unread > 0) this.#unread.set(roomId, this.unread(roomId) + unread);
    this.#emit({ kind: 'timeline', roomId });
    this.#emit({ kind: 'rooms' });
  }

  #forget(roomId: string): void {
    this.#rooms.delete(roomId);
    this.#timelines.delete(roomId);
    this.#unread.delete(roomId);
    this.#members.delete(roomId);
    this.#outboxes.delete(roomId);
    this.#presence.delete(roomId);
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
