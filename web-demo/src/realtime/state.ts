/** The connection state the UI shows, with the transitions the SDK's events allow. */
import type { ConnectionState } from './types.js';

const ALLOWED: Record<ConnectionState, ConnectionState[]> = {
  idle: ['connecting', 'closed'],
  connecting: ['connected', 'failed', 'closed', 'interrupted'],
  connected: ['interrupted', 'closed', 'failed'],
  interrupted: ['resumed', 'failed', 'closed', 'interrupted'],
  resumed: ['interrupted', 'closed', 'failed'],
  failed: ['connecting', 'closed', 'resumed'],
  closed: [],
};

export type StateListener = (state: ConnectionState, previous: ConnectionState, detail?: string) => void;

export class ConnectionStateMachine {
  #state: ConnectionState = 'idle';
  readonly #listeners = new Set<StateListener>();

  get state(): ConnectionState {
    return this.#state;
  }

  /** Moves to `next` if allowed; returns whether it moved. Repeated interruptions are reported once. */
  transition(next: ConnectionState, detail?: string): boolean {
    if (next === this.#state || !ALLOWED[this.#state].includes(next)) return false;
    const previous = this.#state;
    this.#state = next;
    for (const listener of this.#listeners) listener(next, previous, detail);
    return true;
  }

  onChange(listener: StateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
