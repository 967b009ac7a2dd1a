/**
 * Read positions kept on the server (PUT /rooms/{roomId}/read, issue 22), so unread counts survive a reload and follow
 * the user to their other devices: the list brings each room's position and count; while the user reads a room (open,
 * page in view), its newest message becomes the position, sent once per burst of reads; another device's position
 * (the `read` payload on the user's own inbox) lowers the count here too. A position only ever moves forward.
 */
import type { ReadPositionChange } from '../../../core/contracts/mqtt.js';
import type { ReadPosition, RoomSummary } from '../../../core/contracts/rooms.js';
import { ApiError } from '../api.js';
import type { RoomState } from './room-state.js';
import type { RoomsContext } from './types.js';
import { clearUnread } from './unread.js';

export class ReadPositions {
  /** Per room, the send waiting for its burst of reads to end. */
  readonly #pending = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly ctx: RoomsContext) {}

  /** The room as the list read it from the server: its position and count (none while the user reads it). */
  listed(state: RoomState, summary: RoomSummary): void {
    state.lastRead = later(state.lastRead, summary.lastRead);
    if (this.ctx.reading(state.roomId)) return;
    state.unread = summary.unread ?? state.unread;
    state.unreadMore = summary.unreadMore === true;
  }

  /** The user reads the room now: its count is cleared, and its newest message is sent as the position (soon, once). */
  read(roomId: string): void {
    const state = this.ctx.states.get(roomId);
    if (!state) return;
    const hadUnread = state.unread > 0;
    clearUnread(state);
    if (hadUnread) this.ctx.emit({ kind: 'rooms' });
    const newest = state.timeline.newestId();
    if (newest === undefined || (state.lastRead !== undefined && state.lastRead.messageId >= newest)) return;
    clearTimeout(this.#pending.get(roomId));
    this.#pending.set(
      roomId,
      setTimeout(() => void this.#send(roomId), this.ctx.options.markReadDelayMs),
    );
  }

  /** Another tab or device of the user read the room up to a message: what came before it is no longer unread here. */
  readElsewhere(change: ReadPositionChange): boolean {
    const state = this.ctx.states.get(change.roomId);
    if (!state?.summary) return false;
    const position: ReadPosition = { messageId: change.messageId, at: change.at };
    if (state.lastRead !== undefined && state.lastRead.messageId >= position.messageId) return true;
    state.lastRead = position;
    // What this page knows after the position is still unread; the count cannot have grown by it.
    const after = state.timeline.messages().filter((m) => m.from !== this.ctx.userId && m.messageId > position.messageId).length;
    if (after < state.unread || state.unreadMore) {
      state.unread = Math.min(state.unread, after);
      state.unreadMore = false;
      this.ctx.emit({ kind: 'rooms' });
    }
    return true;
  }

  /** The page is going away: reads not sent yet are sent now (best effort). */
  flush(): void {
    for (const [roomId, timer] of this.#pending) {
      clearTimeout(timer);
      void this.#send(roomId);
    }
  }

  forget(roomId: string): void {
    clearTimeout(this.#pending.get(roomId));
    this.#pending.delete(roomId);
  }

  async #send(roomId: string): Promise<void> {
    this.#pending.delete(roomId);
    const state = this.ctx.states.get(roomId);
    const newest = state?.timeline.newestId();
    if (!state || newest === undefined || (state.lastRead !== undefined && state.lastRead.messageId >= newest)) return;
    try {
      const { lastRead } = await this.ctx.api.markRead(roomId, newest);
      const current = this.ctx.states.get(roomId);
      if (current) current.lastRead = later(current.lastRead, lastRead);
    } catch (error) {
      // Not a member any more (the same 404 as for a room that does not exist): the room closes. Anything else is
      // tried again with the next read; until then another device keeps its count.
      if (error instanceof ApiError && error.status === 404) this.ctx.close(roomId, { kind: 'gone' });
    }
  }
}

/** The later of two positions (message ids are time-ordered). */
function later(a: ReadPosition | undefined, b: ReadPosition | undefined): ReadPosition | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.messageId > a.messageId ? b : a;
}
