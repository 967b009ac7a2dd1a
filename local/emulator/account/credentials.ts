/** Access keys the emulator has issued or was configured with, and the principal each one stands for. */
import { randomBytes } from 'node:crypto';
import type { Principal } from './principal.js';

export interface StoredCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Present for temporary credentials; requests must then carry it. */
  sessionToken?: string;
  expiration?: Date;
  principal: Principal;
}

export type CredentialProblem = 'UnknownAccessKey' | 'MissingSessionToken' | 'InvalidSessionToken' | 'ExpiredToken';

export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
  constructor(
    readonly code: CredentialProblem,
    message: string,
  ) {
    super(message);
  }
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomKeyId(prefix: string): string {
  const bytes = randomBytes(16);
  return prefix + Array.from(bytes, (b) => KEY_ALPHABET[b % 32]).join('');
}

/** Temporary credentials kept at most by default: enough for any local run, bounded for one left running. */
export const TEMPORARY_CREDENTIALS_LIMIT = 100_000;

export class CredentialStore {
  /** Insertion order is issue order: the first temporary entries are the oldest. */
  readonly #byKeyId = new Map<string, StoredCredentials>();
  #temporary = 0;

  constructor(private readonly maxTemporary = TEMPORARY_CREDENTIALS_LIMIT) {}

  add(credentials: StoredCredentials): void {
    const replaced = this.#byKeyId.get(credentials.accessKeyId);
    if (replaced?.sessionToken !== undefined) this.#temporary -= 1;
    this.#byKeyId.set(credentials.accessKeyId, credentials);
    if (credentials.sessionToken !== undefined) {
      this.#temporary += 1;
      if (this.#temporary > this.maxTemporary) this.#evict(new Date());
    }
  }

  /** Temporary credentials held now. */
  get temporaryCount(): number {
    return this.#temporary;
  }

  /** Temporary credentials as STS issues them: `ASIA` key id, 40-character secret, opaque session token. */
  issueTemporary(principal: Principal, expiration: Date): StoredCredentials {
    const credentials: StoredCredentials = {
      accessKeyId: randomKeyId('ASIA'),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(96).toString('base64')}`,
      expiration,
      principal,
    };
    this.add(credentials);
    return credentials;
  }

  secretFor(accessKeyId: string): string | undefined {
    return this.#byKeyId.get(accessKeyId)?.secretAccessKey;
  }

  /** After the signature verified: the token must match the key's, and the credentials must not have expired. */
  resolve(accessKeyId: string, securityToken: string | undefined, now: Date): StoredCredentials {
    const credentials = this.#byKeyId.get(accessKeyId);
    if (credentials === undefined) throw new CredentialsError('UnknownAccessKey', `the access key ${accessKeyId} does not exist`);
    if (credentials.sessionToken !== undefined) {
      if (securityToken === undefined) {
        throw new CredentialsError('MissingSessionToken', `${accessKeyId} is a temporary access key: the request must carry its session token`);
      }
      if (securityToken !== credentials.sessionToken)
        throw new CredentialsError('InvalidSessionToken', 'the security token included in the request is invalid');
    } else if (securityToken !== undefined) {
      throw new CredentialsError('InvalidSessionToken', 'the security token included in the request is invalid (long-term keys have none)');
    }
    if (credentials.expiration !== undefined && credentials.expiration.getTime() <= now.getTime()) {
      throw new CredentialsError('ExpiredToken', `the security token included in the request is expired (expired at ${credentials.expiration.toISOString()})`);
    }
    return credentials;
  }

  /** Drops credentials that expired more than a day ago, so long runs do not grow without bound. */
  prune(now: Date): void {
    for (const [id, c] of this.#byKeyId) {
      if (c.expiration !== undefined && c.expiration.getTime() < now.getTime() - 86_400_000) this.#delete(id, c);
    }
  }

  /** Over the limit: expired temporary credentials go first, then the oldest (a caller of those gets UnknownAccessKey). */
  #evict(now: Date): void {
    for (const [id, c] of this.#byKeyId) {
      if (c.expiration !== undefined && c.expiration.getTime() <= now.getTime()) this.#delete(id, c);
    }
    for (const [id, c] of this.#byKeyId) {
      if (this.#temporary <= this.maxTemporary) return;
      if (c.sessionToken !== undefined) this.#delete(id, c);
    }
  }

  #delete(id: string, credentials: StoredCredentials): void {
    this.#byKeyId.delete(id);
    if (credentials.sessionToken !== undefined) this.#temporary -= 1;
  }
}
