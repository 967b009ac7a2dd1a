/**
 * The user's room list (GET /rooms, paged), each room with its name, the user's role, their read position and unread
 * count. Rooms the user is added to, removed from or that are deleted arrive as room events (room-events.ts); the
 * list is also read again when a message arrives for a room it does not have, or when the page becomes visible again,
 * and a refresh that reads every page closes the rooms the user is no longer in (a change whose event was missed).
 */
import type { RoomSummary } from '../../../core/contracts/rooms.js';
import { newIdempotencyKey } from '../idempotency-key.js';
import type { ReadPositions } from './read-positions.js';
import { type ListState, messageOf, type RoomsContext } from './types.js';

export class RoomList {
  #list: ListState = { status: 'loading' };
  /** The refresh in flight, and the one queued behind it with the rooms wanted meanwhile. */
  #refreshing: Promise<void> | undefined;
  #queued: { rooms: Set<string>; done: Promise<void> } | undefined;

  /** The Idempotency-Key of a room being created, kept while the same name is asked for again (a retry). */
  #creating: { name: string; key: string } | undefined;

  constructor(
    private readonly ctx: RoomsContext,
    private readonly reads: ReadPositions,
    private readonly newKey: () => string = newIdempotencyKey,
  ) {}

  get state(): ListState {
    return this.#list;
  }

  /** The rooms known so far, by name. */
  rooms(): RoomSummary[] {
    return this.ctx.states
      .listed()
      .map((s) => s.summary!)
      .sort((a, b) => a.name.localeCompare(b.name) || a.roomId.localeCompare(b.roomId));
  }

  room(roomId: string): RoomSummary | undefined {
    return this.ctx.states.get(roomId)?.summary;
  }

  has(roomId: string): boolean {
    return this.room(roomId) !== undefined;
  }

  /** A room as the server listed it, or one the user just created: in the list, with its read position and count. */
  add(room: RoomSummary): void {
    const state = this.ctx.states.ensure(room.roomId);
    state.summary = room;
    this.reads.listed(state, room);
  }

  /**
   * Creates a room (the user becomes its owner), in the list at once; rejects with a readable error. Asking again for
   * the same name after a failure (a timeout, say) sends the same Idempotency-Key: the server returns the room the
   * first request made, if it made one, instead of a second room.
   */
  async create(name: string): Promise<RoomSummary> {
    if (this.#creating?.name !== name) this.#creating = { name, key: this.newKey() };
    const created = await this.ctx.api.createRoom(name, { idempotencyKey: this.#creating.key });
    this.#creating = undefined;
    const room: RoomSummary = { roomId: created.roomId, name: created.name, role: 'owner', unread: 0 };
    this.add(room);
    return room;
  }

  /** The first page of the user's rooms. Failures are kept in `state`, not thrown. */
  async load(): Promise<void> {
    this.#set({ status: 'loading' });
    try {
      const page = await this.ctx.api.listRooms();
      for (const room of page.rooms) this.add(room);
      this.#set({ status: 'loaded', ...(page.nextCursor ? { more: page.nextCursor } : {}) });
    } catch (error) {
      this.#set({ status: 'failed', error: messageOf(error) });
    }
  }

  /** The next page of rooms (after `state.more`). */
  async loadMore(): Promise<void> {
    const cursor = this.#list.status === 'loading' ? undefined : this.#list.more;
    if (cursor === undefined) return this.load();
    try {
      const page = await this.ctx.api.listRooms(cursor);
      for (const room of page.rooms) this.add(room);
      this.#set({ status: 'loaded', ...(page.nextCursor ? { more: page.nextCursor } : {}) });
    } catch (error) {
      this.#set({ status: 'failed', error: messageOf(error), more: cursor });
    }
  }

  /**
   * Reads the list again from its first page, following pages until `wanted` is in it (a room the user was added
   * to) or there are no more. A refresh asked for while one runs is done once after it, for every room wanted
   * meanwhile. When every page was read, rooms the user has left elsewhere disappear. Never rejects.
   */
  refresh(wanted?: string): Promise<void> {
    if (!this.#queued && !this.#refreshing) return this.#runRefresh(new Set(wanted === undefined ? [] : [wanted]));
    if (!this.#queued) {
      const rooms = new Set<string>();
      const done = (this.#refreshing ?? Promise.resolve()).then(() => {
        this.#queued = undefined;
        return this.ctx.closed() ? undefined : this.#runRefresh(rooms);
      });
      this.#queued = { rooms, done };
    }
    if (wanted !== undefined) this.#queued.rooms.add(wanted);
    return this.#queued.done;
  }

  #runRefresh(wanted: ReadonlySet<string>): Promise<void> {
    const running = (async () => {
      const found = await this.#readAll(wanted);
      const missing = new Set([...wanted].filter((roomId) => !found.has(roomId)));
      // The list is read from an index that may lag a membership change by a moment: one more try later.
      if (missing.size > 0 && !this.ctx.closed()) {
        await new Promise((resolve) => setTimeout(resolve, this.ctx.options.refreshRetryMs));
        if (!this.ctx.closed()) await this.#readAll(missing);
      }
    })().finally(() => {
      if (this.#refreshing === running) this.#refreshing = undefined;
    });
    this.#refreshing = running;
    return running;
  }

  /** Returns the room ids seen. Stops at `maxRefreshPages`, or earlier once every wanted room was seen. */
  async #readAll(wanted: ReadonlySet<string>): Promise<Set<string>> {
    // Only rooms known before the read may be dropped by it: one created meanwhile is not in pages read earlier.
    const knownBefore = new Set(this.ctx.states.listed().map((s) => s.roomId));
    const seen = new Map<string, RoomSummary>();
    let cursor: string | undefined;
    try {
      for (let page = 0; page < this.ctx.options.maxRefreshPages; page += 1) {
        const result = await this.ctx.api.listRooms(cursor);
        for (const room of result.rooms) seen.set(room.roomId, room);
        cursor = result.nextCursor;
        if (cursor === undefined) break;
        if (wanted.size > 0 && [...wanted].every((roomId) => seen.has(roomId))) break;
      }
    } catch (error) {
      const more = this.#list.status === 'loading' ? undefined : this.#list.more;
      this.#set({ status: 'failed', error: messageOf(error), ...(more ? { more } : {}) });
      return new Set(seen.keys());
    }
    if (cursor === undefined) {
      // The whole list was read: it is the truth, rooms left elsewhere go.
      for (const roomId of knownBefore) if (!seen.has(roomId) && !this.ctx.exiting.has(roomId)) this.ctx.close(roomId, { kind: 'gone' });
    }
    for (const room of seen.values()) this.add(room);
    this.#set({ status: 'loaded', ...(cursor ? { more: cursor } : {}) });
    return new Set(seen.keys());
  }

  #set(state: ListState): void {
    this.#list = state;
    this.ctx.emit({ kind: 'rooms' });
  }
}
