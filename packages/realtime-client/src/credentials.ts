/**
 * Credentials that refresh themselves ahead of expiry, keep the old ones while a refresh fails (retrying with
 * backoff), and are always fresh when the SDK asks before a connection attempt. IoT checks credentials only when a
 * WebSocket connects, so the ones that matter are those in hand at the next (re)connect.
 */
import { type Clock, systemClock } from './clock.js';
import type { CredentialSource, RealtimeCredentials } from './types.js';

export interface RefreshOptions {
  /** Refresh this long before expiry (default 5 minutes); credentials too short for that refresh at 80% of their life. */
  marginMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  clock?: Clock;
  random?: () => number;
  onRefreshed?: (credentials: RealtimeCredentials) => void;
  /**
   * `retryInMs` is undefined when no retry is scheduled: the failure is permanent, or no credentials were ever obtained
   * (a failed first refresh rejects and leaves the next try to its caller; nothing keeps fetching in the background).
   */
  onRefreshFailed?: (error: unknown, retryInMs: number | undefined) => void;
  /**
   * Whether a fetch error means retrying cannot help (the sign-in itself was refused). Default: the error has
   * `permanent: true` (CredentialsRequestError for 400/401/403, CognitoCredentialSource for refused logins).
   */
  isPermanent?: (error: unknown) => boolean;
}

/** The default rule: a source marks the errors retrying cannot fix with `permanent: true`. */
export const isPermanentError = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { permanent?: unknown }).permanent === true;

export class CredentialsExpiredError extends Error {
  override readonly name = 'CredentialsExpiredError';
}

export class RefreshingCredentials {
  #current: RealtimeCredentials | undefined;
  #inFlight: Promise<RealtimeCredentials> | undefined;
  #timer: unknown;
  #failures = 0;
  #stopped = false;
  #rejection: unknown;
  readonly #clock: Clock;
  readonly #marginMs: number;
  readonly #retryMinMs: number;
  readonly #retryMaxMs: number;
  readonly #random: () => number;

  constructor(
    private readonly source: CredentialSource,
    private readonly options: RefreshOptions = {},
  ) {
    this.#clock = options.clock ?? systemClock;
    this.#marginMs = options.marginMs ?? 5 * 60_000;
    this.#retryMinMs = options.retryMinMs ?? 1000;
    this.#retryMaxMs = options.retryMaxMs ?? 30_000;
    this.#random = options.random ?? Math.random;
  }

  current(): RealtimeCredentials | undefined {
    return this.#current;
  }

  /** The error of a permanent failure (the sign-in was refused); undefined while retrying can still help. */
  get rejection(): unknown {
    return this.#rejection;
  }

  /**
   * When to refresh credentials with this expiry: `margin` before it (hour-long credentials: at 55 minutes), but not
   * before 80% of their life, so short-lived ones (local rotation tests) do not refresh in a loop.
   */
  refreshAt(credentials: RealtimeCredentials, issuedAt: number): number {
    const expiresAt = credentials.expiration.getTime();
    const lifetime = Math.max(0, expiresAt - issuedAt);
    return Math.max(expiresAt - this.#marginMs, issuedAt + lifetime * 0.8);
  }

  /** Whether credentials are too close to expiry to sign a connection with (the SDK connects within seconds). */
  #isFresh(c: RealtimeCredentials, now: number): boolean {
    return now < c.expiration.getTime() - Math.min(this.#marginMs, 30_000);
  }

  /** Fresh credentials for a connection attempt. Falls back to the current ones while they are still valid. */
  async ensureFresh(): Promise<RealtimeCredentials> {
    const current = this.#current;
    if (current !== undefined && this.#isFresh(current, this.#clock.now())) return current;
    try {
      return await this.refresh();
    } catch (error) {
      const c = this.#current;
      if (c && c.expiration.getTime() > this.#clock.now()) return c;
      throw new CredentialsExpiredError('no valid realtime credentials: the refresh failed and the old ones have expired', { cause: error });
    }
  }

  /**
   * Fetches now (one fetch at a time); on success schedules the next proactive refresh. A failure while credentials are
   * in hand schedules a retry with backoff (the session keeps the old ones meanwhile). A permanent failure, or any
   * failure before the first credentials, schedules nothing: the promise rejects and the next call (a reconnect, the
   * app retrying its start, a new sign-in) tries once more.
   */
  refresh(): Promise<RealtimeCredentials> {
    this.#inFlight ??= this.source
      .fetch()
      .then((credentials) => {
        const issuedAt = this.#clock.now();
        this.#current = credentials;
        this.#failures = 0;
        this.#rejection = undefined;
        this.options.onRefreshed?.(credentials);
        this.#schedule(Math.max(0, this.refreshAt(credentials, issuedAt) - issuedAt));
        return credentials;
      })
      .catch((error: unknown) => {
        this.#failures += 1;
        if ((this.options.isPermanent ?? isPermanentError)(error)) {
          this.#rejection = error;
          this.options.onRefreshFailed?.(error, undefined);
          throw error;
        }
        if (this.#current === undefined) {
          // Nothing to keep alive yet: whoever asked for the first credentials learns of the failure and decides.
          this.options.onRefreshFailed?.(error, undefined);
          throw error;
        }
        const delay = this.#backoff();
        this.options.onRefreshFailed?.(error, delay);
        this.#schedule(delay);
        throw error;
      })
      .finally(() => {
        this.#inFlight = undefined;
      });
    return this.#inFlight;
  }

  /** Exponential backoff with full jitter between retryMin and retryMax. */
  #backoff(): number {
    const ceiling = Math.min(this.#retryMaxMs, this.#retryMinMs * 2 ** (this.#failures - 1));
    return Math.round(this.#retryMinMs + this.#random() * (ceiling - this.#retryMinMs));
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.refresh().catch(() => undefined);
    }, delayMs);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
