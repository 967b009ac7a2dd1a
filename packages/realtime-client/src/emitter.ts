/**
 * A small typed event emitter: `Events` maps each event name to its payload type, so `on('state', listener)` gets
 * the right payload. A listener that throws does not stop the other listeners nor the code that emitted.
 */
export type Listener<T> = (event: T) => void;

/** By default a listener's error is re-thrown on its own task: it shows as an uncaught error, nothing else breaks. */
const rethrowLater = (error: unknown): void => {
  setTimeout(() => {
    throw error;
  }, 0);
};

export class TypedEmitter<Events> {
  readonly #listeners: { [K in keyof Events]?: Set<Listener<Events[K]>> } = {};

  constructor(private readonly onListenerError: (error: unknown) => void = rethrowLater) {}

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let listeners = this.#listeners[name];
    if (listeners === undefined) {
      listeners = new Set();
      this.#listeners[name] = listeners;
    }
    listeners.add(listener);
    return () => this.off(name, listener);
  }

  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): void {
    this.#listeners[name]?.delete(listener);
  }

  listenerCount(name: keyof Events): number {
    return this.#listeners[name]?.size ?? 0;
  }

  protected emit<K extends keyof Events>(name: K, event: Events[K]): void {
    // A copy: a listener may remove itself (or others) while the event is being delivered.
    for (const listener of [...(this.#listeners[name] ?? [])]) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
