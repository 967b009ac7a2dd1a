/**
 * A pool's users as its sign-in settings see them (developer guide, "User pool attributes", sections "Username and
 * preferred username", "Aliases" and "Option 2: User signs up and signs in with email or phone number instead of
 * username"; UsernameConfigurationType):
 *
 * - the key of a user is its username, lower-cased when the pool is case-insensitive (`case_sensitive = false`);
 *   absent a username configuration Cognito is case-sensitive ("true ... This is the default value");
 * - UsernameAttributes = [email]: the username is a UUID equal to the sub, the email is the sign-in name; "You can
 *   use an email address ... as an alias in place of the username in all APIs"; the email must be unique;
 * - AliasAttributes containing email: a *verified* email signs in in place of the username ("Phone numbers and email
 *   addresses only become active aliases for a user after [they] are verified");
 * - an unknown name, when the client hides existence, gets a decoy: a salt, verifier and (UUID) username derived from
 *   a per-pool secret, the same for the same name every time, so the answer does not change between two tries while
 *   a real user's would not either.
 */
import { createHmac } from 'node:crypto';
import type { UserPoolConfig } from './config.js';
import { SRP_N } from './srp.js';
import type { StoredPool, StoredUser } from './store.js';

/** A value Cognito accepts as an email (`local@domain.tld`, no spaces). */
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface Decoy {
  username: string;
  salt: string;
  verifier: string;
}

export class UserDirectory {
  /** Folded email -> keys of the users holding it (built on first use, kept up to date by add / setEmailVerified). */
  #emails: Map<string, Set<string>> | undefined;

  constructor(
    private readonly config: UserPoolConfig,
    private readonly data: () => StoredPool,
    private readonly decoyKey: () => string,
  ) {}

  /** How names compare in this pool (UsernameConfiguration.CaseSensitive, which also covers the email alias). */
  fold(name: string): string {
    return this.config.usernameCaseSensitive ? name : name.toLowerCase();
  }

  get emailIsUsername(): boolean {
    return this.config.usernameAttributes.includes('email');
  }

  get emailIsAlias(): boolean {
    return this.config.aliasAttributes.includes('email');
  }

  /** The key under which a user of this username is stored. */
  keyOf(username: string): string {
    return this.fold(username);
  }

  byUsername(username: string): StoredUser | undefined {
    return this.data().users[this.keyOf(username)];
  }

  /** The user a sign-in name designates: the username, or the email where the pool lets it stand for the username. */
  resolve(signInName: string): StoredUser | undefined {
    const direct = this.byUsername(signInName);
    if (direct !== undefined) return direct;
    if (!EMAIL.test(signInName)) return undefined;
    if (this.emailIsUsername) return this.withEmail(signInName, false);
    if (this.emailIsAlias) return this.withEmail(signInName, true);
    return undefined;
  }

  /** The user holding this email (a verified one only, when `verifiedOnly`), compared as the pool compares names. */
  withEmail(email: string, verifiedOnly: boolean): StoredUser | undefined {
    const users = this.data().users;
    for (const key of this.#emailIndex().get(this.fold(email)) ?? []) {
      const user = users[key];
      if (user === undefined || (verifiedOnly && user.attributes.email_verified !== 'true')) continue;
      return user;
    }
    return undefined;
  }

  add(user: StoredUser): void {
    const key = this.keyOf(user.username);
    this.data().users[key] = user;
    this.#index(user.attributes.email, key);
  }

  /** Sets email_verified (a confirmed code, or an alias moved to another user by ForceAliasCreation). */
  setEmailVerified(user: StoredUser, verified: boolean): void {
    user.attributes.email_verified = verified ? 'true' : 'false';
  }

  #emailIndex(): Map<string, Set<string>> {
    if (this.#emails === undefined) {
      this.#emails = new Map();
      for (const [key, user] of Object.entries(this.data().users)) this.#index(user.attributes.email, key);
    }
    return this.#emails;
  }

  #index(email: string | undefined, key: string): void {
    if (email === undefined) return;
    const index = this.#emailIndex();
    const folded = this.fold(email);
    const keys = index.get(folded) ?? new Set<string>();
    keys.add(key);
    index.set(folded, keys);
  }

  /** The lockout / attempt key of a sign-in name: the real user's, or a decoy one for an unknown name. */
  attemptKey(user: StoredUser | undefined, signInName: string): string {
    return user === undefined ? `decoy:${this.fold(signInName)}` : `user:${this.keyOf(user.username)}`;
  }

  /** What an unknown name's SRP exchange uses, derived from the pool's secret and the name (as the pool folds it). */
  decoy(signInName: string): Decoy {
    const name = this.fold(signInName);
    const derive = (label: string, bytes: number): Buffer => {
      const out: Buffer[] = [];
      for (let i = 0; out.length * 32 < bytes; i += 1) out.push(createHmac('sha256', this.decoyKey()).update(`${label}|${i}|${name}`).digest());
      return Buffer.concat(out).subarray(0, bytes);
    };
    // A real verifier g^x mod N looks like any number below N; the decoy is one, of the same size.
    const verifier = (BigInt(`0x${derive('verifier', 384).toString('hex')}`) % SRP_N).toString(16);
    // Real salts are 16 random bytes as hex (srp.ts createPasswordVerifier).
    const salt = derive('salt', 16).toString('hex');
    return { username: this.emailIsUsername ? uuidFrom(derive('username', 16)) : signInName, salt, verifier };
  }
}

/** A version-4-shaped UUID from 16 bytes, like the subs Cognito generates. */
export function uuidFrom(bytes: Buffer): string {
  const b = Buffer.from(bytes);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
