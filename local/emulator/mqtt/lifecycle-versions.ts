/**
 * The versionNumber of lifecycle events (life-cycle-events.html): one per client id connection, shared by its connect
 * and disconnect events, reset after a while disconnected. Bounded: the number of client ids remembered is limited.
 */

/** Client ids whose version numbers are remembered at most (the oldest disconnected ones are forgotten first). */
export const TRACKED_CLIENT_IDS_LIMIT = 100_000;

/** IoT: "If a client is not connected for approximately one hour, the version number is reset to 0." */
export const VERSION_RESET_MS = 3_600_000;

interface VersionRecord {
  version: number;
  /** Open connections with this client id (two during a takeover). */
  open: number;
  disconnectedAt: number | undefined;
  resetAfterMs: number;
}

/**
 * IoT: versionNumber is "a monotonically increasing long integer value for each client ID connection"; the connect
 * and disconnect events of one connection share it; it resets to 0 after about an hour disconnected, or for a
 * persistent session after the session's expiry.
 */
export class VersionNumbers {
  readonly #byClient = new Map<string, VersionRecord>();

  constructor(
    private readonly now: () => number,
    private readonly limit = TRACKED_CLIENT_IDS_LIMIT,
  ) {}

  /** A connection of `clientId` was accepted: the version number its events carry. */
  opened(clientId: string, resetAfterMs: number): number {
    const t = this.now();
    const previous = this.#byClient.get(clientId);
    const expired =
      previous !== undefined && previous.open === 0 && previous.disconnectedAt !== undefined && t - previous.disconnectedAt > previous.resetAfterMs;
    const version = previous === undefined || expired ? 0 : previous.version + 1;
    // Re-inserted so the map's order is least recently connected first.
    this.#byClient.delete(clientId);
    this.#byClient.set(clientId, { version, open: (previous?.open ?? 0) + 1, disconnectedAt: undefined, resetAfterMs });
    if (this.#byClient.size > this.limit) this.#forgetOldest();
    return version;
  }

  /** A connection of `clientId` closed. */
  closed(clientId: string): void {
    const record = this.#byClient.get(clientId);
    if (record === undefined) return;
    record.open = Math.max(0, record.open - 1);
    if (record.open === 0) record.disconnectedAt = this.now();
  }

  get size(): number {
    return this.#byClient.size;
  }

  /** Over the limit: forgets the clients that connected least recently and are not connected now. */
  #forgetOldest(): void {
    for (const [clientId, record] of this.#byClient) {
      if (this.#byClient.size <= this.limit) return;
      if (record.open === 0) this.#byClient.delete(clientId);
    }
  }
}
