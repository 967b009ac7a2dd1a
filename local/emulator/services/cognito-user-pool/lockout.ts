/**
 * Failed-attempt limits of a user pool, kept in memory (a restart forgets them; persisting each failure would also
 * make a wrong password for a real user slower than for an unknown one):
 *
 * - Sign-in lockout (developer guide, "Lockout behavior for failed sign-in attempts",
 *   https://docs.aws.amazon.com/cognito/latest/developerguide/authentication.html#authentication-flow-lockout-behavior):
 *   "After five failed sign-in attempts with a user's password ... Amazon Cognito locks out your user for one second.
 *   The lockout duration then doubles after each additional one failed attempt, up to a maximum of approximately 15
 *   minutes." For n failures the lockout is 2^(n-5) s. Attempts during a lockout fail with "Password attempts
 *   exceeded" and do not lengthen later lockouts. The count resets after a successful sign-in, or after 15 minutes
 *   without attempts (the guide says "at any time after a lockout"; before the first lockout it is silent, and the
 *   emulator resets there too so that quiet entries can be forgotten).
 * - Confirmation codes: Cognito does not publish a limit for ConfirmSignUp; for password-reset codes it allows
 *   "between 5 and 20 attempts" an hour (developer guide, "Recovering user accounts"). The emulator takes the strict
 *   end for sign-up codes too: 5 wrong codes within an hour, then LimitExceededException until the hour has passed.
 *
 * Unknown users are tracked under their sign-in name the same way (so a lockout cannot tell them from real ones),
 * in a bounded table: when full, the entry quiet the longest is forgotten (an unknown name's count restarting early is
 * the only effect; a real user's state is never evicted).
 */

export const LOCKOUT_THRESHOLD = 5;
/** "approximately 15 minutes": 2^10 s would be 17 minutes, so the doubling stops at 900 s. */
export const MAX_LOCKOUT_MS = 15 * 60 * 1000;
export const QUIET_RESET_MS = 15 * 60 * 1000;
export const CONFIRMATION_ATTEMPTS_PER_HOUR = 5;
const HOUR_MS = 3600 * 1000;

interface SignInState {
  failures: number;
  lockedUntil: number;
  lastAttempt: number;
}

/** Real users' states (never evicted) and decoy ones for unknown names (`decoy:` keys, bounded, oldest out first). */
class StateTable<T> {
  readonly #users = new Map<string, T>();
  readonly #decoys = new Map<string, T>();

  constructor(private readonly maxDecoys: number) {}

  #map(key: string): Map<string, T> {
    return key.startsWith('decoy:') ? this.#decoys : this.#users;
  }

  get(key: string): T | undefined {
    return this.#map(key).get(key);
  }

  set(key: string, state: T): void {
    const map = this.#map(key);
    map.delete(key);
    map.set(key, state);
    if (map === this.#decoys && map.size > this.maxDecoys) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#map(key).delete(key);
  }
}

export class SignInLockout {
  readonly #table: StateTable<SignInState>;

  constructor(maxDecoys = 10_000) {
    this.#table = new StateTable(maxDecoys);
  }

  /** Whether a sign-in attempt now is refused with "Password attempts exceeded" (it counts as an attempt). */
  isLocked(key: string, now: number): boolean {
    const state = this.#current(key, now);
    if (state === undefined) return false;
    if (now < state.lockedUntil) {
      state.lastAttempt = now;
      return true;
    }
    return false;
  }

  fail(key: string, now: number): void {
    const state = this.#current(key, now) ?? { failures: 0, lockedUntil: 0, lastAttempt: now };
    state.failures += 1;
    state.lastAttempt = now;
    if (state.failures >= LOCKOUT_THRESHOLD) state.lockedUntil = now + Math.min(MAX_LOCKOUT_MS, 1000 * 2 ** (state.failures - LOCKOUT_THRESHOLD));
    this.#table.set(key, state);
  }

  succeed(key: string): void {
    this.#table.delete(key);
  }

  #current(key: string, now: number): SignInState | undefined {
    const state = this.#table.get(key);
    if (state !== undefined && now - state.lastAttempt >= QUIET_RESET_MS && now >= state.lockedUntil) {
      this.#table.delete(key);
      return undefined;
    }
    return state;
  }
}

interface CodeState {
  failures: number[];
  lastAttempt: number;
}

export class ConfirmationAttempts {
  readonly #table: StateTable<CodeState>;

  constructor(maxDecoys = 10_000) {
    this.#table = new StateTable(maxDecoys);
  }

  /** Whether another code may be tried now (fewer than 5 wrong ones within the last hour). */
  allowed(key: string, now: number): boolean {
    const state = this.#table.get(key);
    if (state === undefined) return true;
    state.failures = state.failures.filter((at) => now - at < HOUR_MS);
    return state.failures.length < CONFIRMATION_ATTEMPTS_PER_HOUR;
  }

  fail(key: string, now: number): void {
    const state = this.#table.get(key) ?? { failures: [], lastAttempt: now };
    state.failures = [...state.failures.filter((at) => now - at < HOUR_MS), now].slice(-CONFIRMATION_ATTEMPTS_PER_HOUR);
    state.lastAttempt = now;
    this.#table.set(key, state);
  }

  succeed(key: string): void {
    this.#table.delete(key);
  }
}
