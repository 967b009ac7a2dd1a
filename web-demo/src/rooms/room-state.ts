/**
 * Everything the page knows of one room, in one record: its entry in the room list, its timeline, unread count and
 * read position, members, presence, the messages being sent and their timers, and the catch-up anchor. Forgetting a room (left
 * here or elsewhere) is one deletion, which also stops its timers.
 */
import type { ReadPosition, RoomSummary } from '../../../core/contracts/rooms.js';
import { Timeline } from '../timeline.js';
import type { MembersState, Outgoing, PresenceState } from './types.js';

export interface RoomState {
  readonly roomId: string;
  /** The room's entry in GET /rooms; undefined while the list has not shown it (a message came first). */
  summary: RoomSummary | undefined;
  timeline: Timeline;
  /** Messages from others after the read position (the server's count at the last list read, then live). */
  unread: number;
  /** The count stopped at the server's cap: there are more. */
  unreadMore: boolean;
  /** Where the user has read the room up to, on any of their devices. */
  lastRead: ReadPosition | undefined;
  /** Undefined until first read. */
  members: MembersState | undefined;
  /** Undefined until first read or first presence change. */
  presence: PresenceState | undefined;
  /** Messages sent from this page that have not come back yet, oldest first. */
  outbox: Outgoing[];
  /** Per outgoing message, the timer that marks it accepted-but-not-back. */
  readonly echoTimers: Map<Outgoing, ReturnType<typeof setTimeout>>;
  /** The newest message id known when the connection was lost: catch-up reads back to it. */
  anchor: string | undefined;
}

export class RoomStates {
  readonly #states = new Map<string, RoomState>();

  get(roomId: string): RoomState | undefined {
    return this.#states.get(roomId);
  }

  /** The room's record, created empty on first use. */
  ensure(roomId: string): RoomState {
    let state = this.#states.get(roomId);
    if (!state) {
      state = {
        roomId,
        summary: undefined,
        timeline: new Timeline(),
        unread: 0,
        unreadMore: false,
        lastRead: undefined,
        members: undefined,
        presence: undefined,
        outbox: [],
        echoTimers: new Map(),
        anchor: undefined,
      };
      this.#states.set(roomId, state);
    }
    return state;
  }

  all(): IterableIterator<RoomState> {
    return this.#states.values();
  }

  /** The rooms in the user's list (those GET /rooms showed, or created here). */
  listed(): RoomState[] {
    return [...this.#states.values()].filter((s) => s.summary !== undefined);
  }

  /** Drops the room's record and stops its timers. */
  forget(roomId: string): void {
    const state = this.#states.get(roomId);
    if (!state) return;
    stopTimers(state);
    this.#states.delete(roomId);
  }

  /** Stops every timer (the page is going away); the records stay readable. */
  stopAll(): void {
    for (const state of this.#states.values()) stopTimers(state);
  }
}

function stopTimers(state: RoomState): void {
  for (const timer of state.echoTimers.values()) clearTimeout(timer);
  state.echoTimers.clear();
}
