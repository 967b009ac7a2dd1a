/** The connection state the UI shows, with the transitions the SDK's events allow. */
import type { ConnectionState, StateChange } from './types.js';

const ALLOWED: Record<ConnectionState, ConnectionState[]> = {
  idle: ['connecting', 'closed'],
  connecting: ['connected', 'failed', 'closed', 'interrupted'],
  connected: ['interrupted', 'closed', 'failed'],
  interrupted: ['resumed', 'failed', 'closed', 'interrupted'],
  resumed: ['interrupted', 'closed', 'failed'],
  failed: ['connecting', 'closed', 'resumed'],
  closed: [],
};

export class ConnectionStateMachine {
  #state: ConnectionState = 'idle';

  get state(): ConnectionState {
    return this.#state;
  }

  /**
   * Moves to `next` if allowed and returns the change; returns undefined (no move) otherwise. Repeated
   * interruptions are reported once.
   */
  transition(next: ConnectionState, detail?: string): StateChange | undefined {
    if (next === this.#state || !ALLOWED[this.#state].includes(next)) return undefined;
    const previous = this.#state;
    this.#state = next;
    return detail === undefined ? { state: next, previous } : { state: next, previous, detail };
  }
}
