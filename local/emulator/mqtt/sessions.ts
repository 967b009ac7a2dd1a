/**
 * Persistent sessions: IoT keeps the subscriptions and queued QoS 1 messages of a clean-session-0 client while it is
 * away, and discards them when the session expires, 1 hour after the disconnect by default (adjustable up to 7
 * days) (docs/aws-iot-facts.md section 3; https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt-persistent-sessions).
 * A reconnect with clean session 0 before the expiry resumes the session and stops the clock.
 */
import type { EmulatorLogger } from '../log.js';

/** Where sessions live (the broker's persistence). */
export interface SessionStore {
  /** Is a client with this id connected right now? */
  isConnected(clientId: string): boolean;
  /** Drops the session's subscriptions and queued messages. */
  discard(clientId: string): Promise<void>;
}

/** The clock the expiry runs on; a test passes a fake one. */
export interface ExpiryTimers {
  schedule(run: () => void, afterMs: number): unknown;
  cancel(handle: unknown): void;
}

/** Real timers that do not keep the process alive. */
export const NODE_TIMERS: ExpiryTimers = {
  schedule: (run, afterMs) => setTimeout(run, afterMs).unref(),
  cancel: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface PersistentSessionsOptions {
  store: SessionStore;
  expirySeconds: number;
  /** Local bound on sessions kept for absent clients: over it, the one that has waited longest expires now. */
  maxSessions: number;
  logger: EmulatorLogger;
  timers?: ExpiryTimers;
}

export class PersistentSessions {
  readonly #pending = new Map<string, unknown>();
  readonly #timers: ExpiryTimers;

  constructor(private readonly options: PersistentSessionsOptions) {
    this.#timers = options.timers ?? NODE_TIMERS;
  }

  /** A client whose session outlives the connection (clean session 0) disconnected: start its expiry. */
  disconnected(clientId: string): void {
    this.resumed(clientId);
    const handle = this.#timers.schedule(() => this.#expire(clientId), this.options.expirySeconds * 1000);
    this.#pending.set(clientId, handle);
    // Map order is disconnect order: the first entries have waited longest.
    for (const [oldest, oldestHandle] of this.#pending) {
      if (this.#pending.size <= this.options.maxSessions) break;
      this.#timers.cancel(oldestHandle);
      this.options.logger.log({
        level: 'warn',
        message: 'persistent session expired early: too many sessions kept for absent clients',
        clientId: oldest,
        limit: this.options.maxSessions,
      });
      this.#expire(oldest);
    }
  }

  /** A client with this id connected again: its session, if any, no longer expires. */
  resumed(clientId: string): void {
    const handle = this.#pending.get(clientId);
    if (handle === undefined) return;
    this.#timers.cancel(handle);
    this.#pending.delete(clientId);
  }

  /** Client ids whose sessions are waiting to expire. */
  get expiring(): string[] {
    return [...this.#pending.keys()];
  }

  /** Stops every expiry (the broker is closing; its sessions go with it). */
  close(): void {
    for (const handle of this.#pending.values()) this.#timers.cancel(handle);
    this.#pending.clear();
  }

  #expire(clientId: string): void {
    this.#pending.delete(clientId);
    // A client that reconnected with clean session 1 ended the session itself; one connected now owns it.
    if (this.options.store.isConnected(clientId)) return;
    const { logger } = this.options;
    this.options.store.discard(clientId).then(
      () => logger.log({ level: 'info', message: 'persistent session expired', clientId }),
      (error: unknown) => logger.log({ level: 'error', message: 'could not expire persistent session', clientId, error: String(error) }),
    );
  }
}
