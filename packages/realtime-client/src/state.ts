/** The connection state the UI shows, with the moves that make sense between them. */
import type { ConnectionState, StateChange } from './types.js';

const ALLOWED: Record<ConnectionState, ConnectionState[]> = {
  idle: ['connecting', 'closed'],
  // connecting -> connecting: news of the first connection's next attempt.
  connecting: ['connecting', 'connected', 'offline', 'failed', 'taken-over', 'closed'],
  connected: ['reconnecting', 'offline', 'failed', 'taken-over', 'closed'],
  // reconnecting -> reconnecting: news of the next attempt.
  reconnecting: ['reconnecting', 'connected', 'offline', 'failed', 'taken-over', 'closed'],
  offline: ['connecting', 'reconnecting', 'connected', 'failed', 'taken-over', 'closed'],
  'taken-over': ['connecting', 'closed'],
  failed: ['connecting', 'closed'],
  closed: [],
};

/** The parts of a change besides the state: a move to the same state is reported only when one of them changed. */
export type StateInfo = Omit<StateChange, 'state' | 'previous'>;

export class ConnectionStateMachine {
  #state: ConnectionState = 'idle';
  #info: StateInfo = {};

  get state(): ConnectionState {
    return this.#state;
  }

  /** Moves to `next` if allowed and returns the change; undefined (no move) when not allowed or nothing changed. */
  transition(next: ConnectionState, info: StateInfo = {}): StateChange | undefined {
    if (!ALLOWED[this.#state].includes(next)) return undefined;
    if (next === this.#state && sameInfo(info, this.#info)) return undefined;
    const previous = this.#state;
    this.#state = next;
    this.#info = info;
    const change: StateChange = { state: next, previous };
    for (const [key, value] of Object.entries(info) as Array<[keyof StateInfo, StateInfo[keyof StateInfo]]>) {
      if (value !== undefined) Object.assign(change, { [key]: value });
    }
    return change;
  }
}

function sameInfo(a: StateInfo, b: StateInfo): boolean {
  return a.detail === b.detail && a.attempt === b.attempt && a.retryAt === b.retryAt && a.sessionPresent === b.sessionPresent;
}
