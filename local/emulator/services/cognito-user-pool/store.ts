/**
 * What the local user pools keep: users (SRP salt and verifier, never a password), sign-in sessions (the hash of
 * their refresh token, never the token) and each pool's signing keys. In one JSON file under the data folder when
 * there is one (written atomically, owner-only: it holds private keys), in memory otherwise.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { JWK } from 'jose';

export type UserStatus = 'UNCONFIRMED' | 'CONFIRMED';

export interface StoredUser {
  /**
   * The username: as signed up, or (UsernameAttributes) the sub Cognito generated. The key of `users` is this name,
   * lower-cased when the pool's usernames are case-insensitive.
   */
  username: string;
  sub: string;
  status: UserStatus;
  /** SRP salt and verifier (hex). */
  salt: string;
  verifier: string;
  /** User attributes other than sub (email, name, custom:...). */
  attributes: Record<string, string>;
  createdAt: string;
  /** Pending sign-up confirmation: the code's SHA-256, when it stops being accepted, and the attribute it verifies. */
  confirmation?: { codeHash: string; expiresAt: string; verifies?: 'email' };
}

/** One sign-in: the refresh token and every ID and access token issued from it share its `origin_jti`. */
export interface StoredSession {
  originJti: string;
  userKey: string;
  clientId: string;
  /** Epoch seconds of the authentication (the tokens' `auth_time`). */
  authTime: number;
  refreshTokenHash: string;
  expiresAt: string;
  /** Set by GlobalSignOut or RevokeToken: the refresh token and its access tokens are refused from then on. */
  revokedAt?: string;
}

export interface StoredSigningKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export interface StoredPool {
  users: Record<string, StoredUser>;
  sessions: Record<string, StoredSession>;
  /** Cognito signs ID and access tokens with different keys (developer guide, "Understanding the access token"). */
  keys?: { id: StoredSigningKey; access: StoredSigningKey };
  /**
   * Secret (hex) from which an unknown user's decoy salt, verifier and username are derived, stable across restarts
   * like a real user's (PreventUserExistenceErrors: the same answer for the same unknown name every time).
   */
  decoyKey?: string;
}

interface StoredState {
  /** 2: usernames may be generated subs and keys follow the pool's case sensitivity (1 lower-cased every name). */
  version: 2;
  pools: Record<string, StoredPool>;
}

export const USER_POOL_DATA_FILE = 'cognito-user-pools.json';

export class UserPoolStore {
  private constructor(
    private readonly state: StoredState,
    readonly file: string | undefined,
  ) {}

  /** Opens `<dataDir>/cognito-user-pools.json`, or an in-memory store without a data folder. */
  static open(dataDir: string | undefined): UserPoolStore {
    const file = dataDir === undefined ? undefined : join(dataDir, USER_POOL_DATA_FILE);
    if (file === undefined || !existsSync(file)) return new UserPoolStore({ version: 2, pools: {} }, file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file} is not valid JSON (${error instanceof Error ? error.message : String(error)}); delete it to start with empty user pools`);
    }
    const state = parsed as { version?: unknown; pools?: unknown };
    if (typeof state === 'object' && state !== null && state.version === 1) {
      // Version 1 keyed users by their lower-cased name whatever the pool said: kept aside, not reused, not lost.
      const aside = `${file}.v1-${Date.now()}.bak`;
      renameSync(file, aside);
      return new UserPoolStore({ version: 2, pools: {} }, file);
    }
    if (typeof state !== 'object' || state === null || state.version !== 2 || typeof state.pools !== 'object' || state.pools === null) {
      throw new Error(`${file} is not a version-2 user pool file; delete it to start with empty user pools`);
    }
    return new UserPoolStore(state as unknown as StoredState, file);
  }

  pool(userPoolId: string): StoredPool {
    let pool = this.state.pools[userPoolId];
    if (pool === undefined) this.state.pools[userPoolId] = pool = { users: {}, sessions: {} };
    return pool;
  }

  /** Called after every change: a crash loses at most the change in flight, never the file. */
  save(): void {
    if (this.file === undefined) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.state, null, 1)}\n`, { mode: 0o600 });
    renameSync(temporary, this.file);
  }
}
