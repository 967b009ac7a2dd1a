/**
 * Persistent sessions: IoT keeps the subscriptions and queued QoS 1 messages of a clean-session-0 client while it is
 * away, and discards them when the session expires, 1 hour after the disconnect by default (adjustable up to 7
 * days) (docs/aws-iot-facts.md section 3; https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html#mqtt-persistent-sessions).
 * A reconnect with clean session 0 before the expiry resumes the session and stops the clock; one with clean session 1
 * ends it.
 *
 * Bounded without ever ending a session early (issue 20, "Session eviction": one user opening sessions must not expire
 * another user's): the sessions of each user, and of the whole broker, are counted from the CONNECT that starts them
 * to their expiry; at either bound a CONNECT that would start one more is refused with CONNACK 3 (server unavailable)
 * and every existing session runs its course. IoT publishes no per-user session quota and documents no MQTT 3.1.1
 * return code for its quotas (docs/aws-iot-facts.md section 12): the bounds are local, and 3 is MQTT 3.1.1's code for
 * "the MQTT service is unavailable" (section 3.2.2.3), which clients retry later, rather than 5 (not authorized),
 * which the policy did not say. A user is the identity behind the connection (sessionOwner), not its client id, which
 * the client chooses.
 */
import type { Principal } from '../account/principal.js';
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
  /** Local bound on persistent sessions (connected or absent) of the broker; at it, new ones are refused. */
  maxSessions: number;
  /** Local bound on persistent sessions of one user; at it, that user's new ones are refused. */
  maxSessionsPerUser: number;
  logger: EmulatorLogger;
  timers?: ExpiryTimers;
}

export type SessionAdmission = { admitted: true } | { admitted: false; reason: string };

/**
 * A session admitted at CONNECT whose client never registers (the connection failed before CONNACK) holds its place
 * this long, then is released.
 */
const UNREGISTERED_HOLD_MS = 30_000;

/**
 * The user a session belongs to: the Cognito identity for Cognito credentials (they all share one role session name),
 * the role session (role and session name, which names the app user) for STS credentials, the IAM user otherwise.
 */
export function sessionOwner(principal: Principal): string {
  if (principal.kind === 'role-session' && principal.cognito) return `cognito:${principal.cognito.identityId}`;
  return principal.arn;
}

export class PersistentSessions {
  /** Sessions waiting for their client (or for their first registration), with their expiry timers. */
  readonly #pending = new Map<string, unknown>();
  /** Every session the broker holds: client id -> owner. */
  readonly #owner = new Map<string, string>();
  readonly #byUser = new Map<string, Set<string>>();
  readonly #timers: ExpiryTimers;

  constructor(private readonly options: PersistentSessionsOptions) {
    this.#timers = options.timers ?? NODE_TIMERS;
  }

  /**
   * A CONNECT with clean session 0 that the policy allowed: may it resume or start a session? Resuming one's own
   * session always may; starting one (or taking over another user's) is counted against the bounds.
   */
  admit(clientId: string, user: string): SessionAdmission {
    const owner = this.#owner.get(clientId);
    if (owner === user) return { admitted: true };
    const mine = this.#byUser.get(user)?.size ?? 0;
    if (mine >= this.options.maxSessionsPerUser)
      return this.#refuse(clientId, user, `the user already holds ${mine} persistent sessions (LOCAL_IOT_MAX_PERSISTENT_SESSIONS_PER_USER)`);
    if (owner === undefined && this.#owner.size >= this.options.maxSessions)
      return this.#refuse(clientId, user, `the broker holds ${this.#owner.size} persistent sessions (LOCAL_IOT_MAX_PERSISTENT_SESSIONS)`);
    if (owner !== undefined) this.#release(clientId);
    this.#own(clientId, user);
    if (owner === undefined) this.#schedule(clientId, UNREGISTERED_HOLD_MS);
    return { admitted: true };
  }

  /** A client registered (its CONNACK went out): clean session 1 ends any session of its id, 0 stops the expiry. */
  connected(clientId: string, clean: boolean): void {
    this.resumed(clientId);
    if (clean) this.#release(clientId);
  }

  /** A client whose session outlives the connection (clean session 0) disconnected: start its expiry. */
  disconnected(clientId: string): void {
    this.resumed(clientId);
    this.#schedule(clientId, this.options.expirySeconds * 1000);
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

  /** Persistent sessions held now (connected or absent). */
  get size(): number {
    return this.#owner.size;
  }

  /** The client ids of one user's sessions. */
  sessionsOf(user: string): string[] {
    return [...(this.#byUser.get(user) ?? [])];
  }

  /** Stops every expiry (the broker is closing; its sessions go with it). */
  close(): void {
    for (const handle of this.#pending.values()) this.#timers.cancel(handle);
    this.#pending.clear();
    this.#owner.clear();
    this.#byUser.clear();
  }

  #schedule(clientId: string, afterMs: number): void {
    const handle = this.#timers.schedule(() => this.#expire(clientId), afterMs);
    this.#pending.set(clientId, handle);
  }

  #own(clientId: string, user: string): void {
    this.#owner.set(clientId, user);
    const sessions = this.#byUser.get(user) ?? new Set<string>();
    sessions.add(clientId);
    this.#byUser.set(user, sessions);
  }

  #release(clientId: string): void {
    const owner = this.#owner.get(clientId);
    if (owner === undefined) return;
    this.#owner.delete(clientId);
    const sessions = this.#byUser.get(owner);
    sessions?.delete(clientId);
    if (sessions?.size === 0) this.#byUser.delete(owner);
  }

  #refuse(clientId: string, user: string, reason: string): SessionAdmission {
    this.options.logger.log({ level: 'warn', message: 'persistent session refused at CONNECT (CONNACK 3)', clientId, user, reason });
    return { admitted: false, reason };
  }

  #expire(clientId: string): void {
    this.#pending.delete(clientId);
    // A client connected now owns the session (it resumed it); one that reconnected with clean session 1 ended it.
    if (this.options.store.isConnected(clientId)) return;
    this.#release(clientId);
    const { logger } = this.options;
    this.options.store.discard(clientId).then(
      () => logger.log({ level: 'info', message: 'persistent session expired', clientId }),
      (error: unknown) => logger.log({ level: 'error', message: 'could not expire persistent session', clientId, error: String(error) }),
    );
  }
}
