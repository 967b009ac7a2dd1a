/** Remembers the last `capacity` message ids, so a QoS 1 redelivery after a reconnect is shown once. */
export class RecentIds {
  readonly #ids = new Set<string>();

  constructor(private readonly capacity = 1000) {}

  /** True if `id` was seen before; otherwise records it and returns false. */
  seen(id: string): boolean {
    if (this.#ids.has(id)) return true;
    this.#ids.add(id);
    if (this.#ids.size > this.capacity) {
      const oldest = this.#ids.values().next().value;
      if (oldest !== undefined) this.#ids.delete(oldest);
    }
    return false;
  }
}
