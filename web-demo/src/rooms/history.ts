/**
 * Each room's history: the newest page when the room is first opened, older pages on demand, and catching up after a
 * reconnection. `catchUp` reads the newest history of every loaded room until it meets what is here, so a message
 * missed while away appears once, in order, even when the persistent session had nothing to replay.
 */
import type { StoredMessage } from '../../../core/contracts/rooms.js';
import { ApiError } from '../api.js';
import { Timeline } from '../timeline.js';
import { messageOf, type RoomsContext } from './types.js';
import { addUnread, unreadAmong } from './unread.js';

export class RoomHistory {
  constructor(
    private readonly ctx: RoomsContext,
    /** The user's own messages came back with the history: the copies being sent are done. */
    private readonly ownMessagesArrived: (roomId: string, messages: readonly StoredMessage[]) => void,
  ) {}

  /** The newest page of a room's history. Failures are kept in the timeline's `history`, not thrown. */
  async loadNewest(roomId: string): Promise<void> {
    await this.#loadPage(roomId, undefined);
  }

  /** The page before the oldest one loaded. */
  async loadOlder(roomId: string): Promise<void> {
    const history = this.ctx.states.ensure(roomId).timeline.history;
    const older = history.status === 'loaded' || history.status === 'failed' ? history.older : undefined;
    if (older !== undefined) await this.#loadPage(roomId, older);
  }

  /** Tries again what failed: the newest page, or the older page that failed. */
  retry(roomId: string): Promise<void> {
    const history = this.ctx.states.ensure(roomId).timeline.history;
    return history.status === 'failed' && history.older !== undefined ? this.loadOlder(roomId) : this.loadNewest(roomId);
  }

  async #loadPage(roomId: string, before: string | undefined): Promise<void> {
    const timeline = this.ctx.states.ensure(roomId).timeline;
    if (timeline.history.status === 'loading') return;
    timeline.history = { status: 'loading' };
    this.ctx.emit({ kind: 'timeline', roomId });
    try {
      const page = await this.ctx.api.history(roomId, { limit: this.ctx.options.historyPageSize, ...(before ? { before } : {}) });
      this.#learnNames(page.messages);
      const own = page.messages.filter((message) => timeline.add(message) && message.from === this.ctx.userId);
      this.ownMessagesArrived(roomId, own);
      timeline.history = { status: 'loaded', ...(page.nextCursor ? { older: page.nextCursor } : {}) };
    } catch (error) {
      // 404: the room does not exist, or the user is not a member (the API gives both the same answer).
      if (error instanceof ApiError && error.status === 404) return this.ctx.close(roomId, { kind: 'gone' });
      timeline.history = { status: 'failed', error: messageOf(error), ...(before ? { older: before } : {}) };
    }
    this.ctx.emit({ kind: 'timeline', roomId });
  }

  /**
   * The live connection dropped: notes, for each room with history, the newest message known now. Messages replayed
   * after the reconnection are newer, so catch-up reads back to this one, not to the first message it finds here.
   */
  connectionLost(): void {
    for (const state of this.ctx.states.all()) {
      const newest = state.timeline.newestId();
      if (state.timeline.history.status === 'loaded' && newest !== undefined && state.anchor === undefined) state.anchor = newest;
    }
  }

  /**
   * For every room whose history was loaded, the newest messages back to what was known when the connection dropped.
   * Messages missed meanwhile appear once, in order; in rooms not open they count as unread. Never rejects.
   */
  async catchUp(): Promise<void> {
    const loaded = [...this.ctx.states.all()].filter((s) => s.timeline.history.status === 'loaded').map((s) => s.roomId);
    for (const roomId of loaded) {
      if (this.ctx.closed()) return;
      const state = this.ctx.states.get(roomId);
      if (!state) continue; // forgotten meanwhile
      const anchor = state.anchor ?? state.timeline.newestId();
      state.anchor = undefined;
      await this.#catchUpRoom(roomId, anchor).catch(() => undefined);
    }
  }

  async #catchUpRoom(roomId: string, anchor: string | undefined): Promise<void> {
    const timeline = this.ctx.states.ensure(roomId).timeline;
    const added: StoredMessage[] = [];
    let before: string | undefined;
    for (let page = 0; page < this.ctx.options.maxCatchUpPages; page += 1) {
      const result = await this.ctx.api.history(roomId, { limit: this.ctx.options.historyPageSize, ...(before ? { before } : {}) });
      this.#learnNames(result.messages);
      // Message ids are time-ordered: a page reaching back to the anchor closes the gap.
      const reached = anchor === undefined || result.messages.some((m) => m.messageId <= anchor);
      for (const message of result.messages) if (timeline.add(message)) added.push(message);
      if (reached || result.nextCursor === undefined) return this.#caughtUp(roomId, added);
      before = result.nextCursor;
    }
    // More was missed than a catch-up reads: a gap would remain between old and new, so start the room afresh.
    this.ctx.states.ensure(roomId).timeline = new Timeline();
    await this.loadNewest(roomId);
  }

  #caughtUp(roomId: string, added: readonly StoredMessage[]): void {
    if (added.length === 0) return;
    this.ownMessagesArrived(
      roomId,
      added.filter((m) => m.from === this.ctx.userId),
    );
    const state = this.ctx.states.ensure(roomId);
    addUnread(state, unreadAmong(added, this.ctx.userId, this.ctx.reading(roomId), state.lastRead?.messageId));
    this.ctx.emit({ kind: 'timeline', roomId });
    this.ctx.emit({ kind: 'rooms' });
  }

  #learnNames(messages: readonly StoredMessage[]): void {
    for (const m of messages) if (m.fromName !== undefined) this.ctx.learnName(m.from, m.fromName);
  }
}
