/**
 * Access keys the emulator has issued or was configured with, and the principal each one stands for.
 *
 * Bounded without ever taking back what is valid (issue 20): temporary credentials are kept until they expire, as STS
 * and Cognito keep them (a session cannot be revoked by anyone issuing more sessions). At the bound, expired ones are
 * pruned; if the store is still full, no more are issued (TemporaryCredentialsLimitError, which STS answers as
 * `Throttling: Rate exceeded` and Cognito Identity as `TooManyRequestsException`) until some expire. Credentials the
 * emulator's own services start for their roles (Lambda's execution role sessions) are counted apart, so callers
 * filling their share cannot stop the functions from starting.
 *
 * With a file, unexpired temporary credentials survive a restart (AWS keeps them: a restart of the local stack must
 * not sign everyone out). A role session read back from the file is tied to its role, by ARN, when it is first used:
 * the roles are created from the stack after the emulator starts.
 */
import { randomBytes } from 'node:crypto';
import type { RoleDefinition } from '../../../core/access/model.js';
import type { PolicyDocument } from '../../../core/policy/document.js';
import type { NamedPolicy } from '../../../core/policy/evaluator.js';
import { SavedJsonFile } from '../persistence/saved-json-file.js';
import type { CognitoIdentityOfSession, Principal } from './principal.js';

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

/** The store holds as many unexpired temporary credentials of this kind as it may: none is issued until some expire. */
export class TemporaryCredentialsLimitError extends Error {
  override readonly name = 'TemporaryCredentialsLimitError';
  constructor(
    readonly limit: number,
    readonly kind: TemporaryCredentialKind,
  ) {
    super(
      `the local emulator holds ${limit} unexpired temporary credentials${kind === 'service' ? ' of its own services' : ''} (LOCAL_MAX_TEMPORARY_CREDENTIALS); no more are issued until some expire`,
    );
  }
}

/**
 * `requested`: credentials a caller asked for (STS AssumeRole, Cognito GetCredentialsForIdentity). `service`: role
 * sessions the emulator's services start themselves (Lambda's execution role), bounded apart.
 */
export type TemporaryCredentialKind = 'requested' | 'service';

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomKeyId(prefix: string): string {
  const bytes = randomBytes(16);
  return prefix + Array.from(bytes, (b) => KEY_ALPHABET[b % 32]).join('');
}

/** Temporary credentials kept at most (of each kind) by default: enough for any local run, bounded for one left running. */
export const TEMPORARY_CREDENTIALS_LIMIT = 100_000;

/** At the bound, expired credentials are looked for at most this often: a flood of refused requests stays cheap. */
const PRUNE_AT_BOUND_EVERY_MS = 1000;

/** A principal as the file keeps it: a role session names its role by ARN. */
type SavedPrincipal =
  | { kind: 'user'; arn: string; userName: string; policies: NamedPolicy[] }
  | {
      kind: 'role-session';
      arn: string;
      assumedRoleId: string;
      roleArn: string;
      sessionName: string;
      sessionPolicy?: PolicyDocument;
      managedSessionPolicyArns?: string[];
      cognito?: CognitoIdentityOfSession;
    };

interface SavedCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
  kind: TemporaryCredentialKind;
  principal: SavedPrincipal;
}

interface SavedState {
  version: 1;
  credentials: SavedCredential[];
}

interface Entry {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  /** Undefined for long-term keys. */
  kind?: TemporaryCredentialKind;
  /** Undefined for a role session read back from the file until it is first used. */
  principal?: Principal;
  saved?: SavedPrincipal;
}

export interface CredentialStoreOptions {
  /** Unexpired temporary credentials kept at most, of each kind (default TEMPORARY_CREDENTIALS_LIMIT). */
  maxTemporary?: number;
  /** Where temporary credentials are saved across restarts; memory only when absent. */
  file?: string;
  /** Resolves the role of a saved role session (the account's roles). */
  roleByArn?: (arn: string) => RoleDefinition | undefined;
  /** A save that failed (the credentials stay valid in memory). */
  onSaveError?: (error: unknown) => void;
}

export class CredentialStore {
  readonly #byKeyId = new Map<string, Entry>();
  readonly #count: Record<TemporaryCredentialKind, number> = { requested: 0, service: 0 };
  readonly #maxTemporary: number;
  readonly #saved: SavedJsonFile<SavedState> | undefined;
  readonly #roleByArn: (arn: string) => RoleDefinition | undefined;
  #prunedAtBound = Number.NEGATIVE_INFINITY;

  constructor(options: CredentialStoreOptions = {}) {
    this.#maxTemporary = options.maxTemporary ?? TEMPORARY_CREDENTIALS_LIMIT;
    this.#roleByArn = options.roleByArn ?? (() => undefined);
    if (options.file !== undefined) {
      this.#load(options.file, new Date());
      this.#saved = new SavedJsonFile(options.file, () => this.#snapshot(new Date()), options.onSaveError ? { onError: options.onSaveError } : {});
    }
  }

  /** Long-term keys (IAM users' access keys). */
  add(credentials: StoredCredentials): void {
    if (credentials.sessionToken !== undefined) throw new Error('temporary credentials are issued with issueTemporary, not added');
    this.#remove(credentials.accessKeyId);
    this.#byKeyId.set(credentials.accessKeyId, { ...credentials });
  }

  /** Temporary credentials held now (of both kinds). */
  get temporaryCount(): number {
    return this.#count.requested + this.#count.service;
  }

  /** Temporary credentials of one kind held now. */
  countOf(kind: TemporaryCredentialKind): number {
    return this.#count[kind];
  }

  /**
   * Temporary credentials as STS issues them: `ASIA` key id, 40-character secret, opaque session token. At the bound,
   * expired credentials are dropped; if none is, TemporaryCredentialsLimitError: nothing valid is ever evicted.
   */
  issueTemporary(principal: Principal, expiration: Date, kind: TemporaryCredentialKind = 'requested', now: Date = new Date()): StoredCredentials {
    if (this.#count[kind] >= this.#maxTemporary) {
      if (now.getTime() - this.#prunedAtBound >= PRUNE_AT_BOUND_EVERY_MS) {
        this.#prunedAtBound = now.getTime();
        this.#pruneExpired(now.getTime());
      }
      if (this.#count[kind] >= this.#maxTemporary) throw new TemporaryCredentialsLimitError(this.#maxTemporary, kind);
    }
    const credentials: StoredCredentials = {
      accessKeyId: randomKeyId('ASIA'),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(96).toString('base64')}`,
      expiration,
      principal,
    };
    this.#byKeyId.set(credentials.accessKeyId, { ...credentials, kind, saved: savedPrincipal(principal) });
    this.#count[kind] += 1;
    this.#saved?.changed();
    return credentials;
  }

  secretFor(accessKeyId: string): string | undefined {
    return this.#byKeyId.get(accessKeyId)?.secretAccessKey;
  }

  /** After the signature verified: the token must match the key's, and the credentials must not have expired. */
  resolve(accessKeyId: string, securityToken: string | undefined, now: Date): StoredCredentials {
    const entry = this.#byKeyId.get(accessKeyId);
    if (entry === undefined) throw new CredentialsError('UnknownAccessKey', `the access key ${accessKeyId} does not exist`);
    if (entry.sessionToken !== undefined) {
      if (securityToken === undefined) {
        throw new CredentialsError('MissingSessionToken', `${accessKeyId} is a temporary access key: the request must carry its session token`);
      }
      if (securityToken !== entry.sessionToken) throw new CredentialsError('InvalidSessionToken', 'the security token included in the request is invalid');
    } else if (securityToken !== undefined) {
      throw new CredentialsError('InvalidSessionToken', 'the security token included in the request is invalid (long-term keys have none)');
    }
    if (entry.expiration !== undefined && entry.expiration.getTime() <= now.getTime()) {
      throw new CredentialsError('ExpiredToken', `the security token included in the request is expired (expired at ${entry.expiration.toISOString()})`);
    }
    entry.principal ??= this.#restorePrincipal(entry);
    return { ...entry, principal: entry.principal };
  }

  /** Drops credentials that expired more than a day ago, so long runs do not grow without bound. */
  prune(now: Date): void {
    this.#pruneExpired(now.getTime() - 86_400_000);
  }

  /** Writes the saved file now (the emulator is closing). */
  flush(): void {
    this.#saved?.flush();
  }

  #pruneExpired(before: number): void {
    let removed = false;
    for (const [id, entry] of this.#byKeyId) {
      if (entry.expiration !== undefined && entry.expiration.getTime() <= before) {
        this.#remove(id);
        removed = true;
      }
    }
    if (removed) this.#saved?.changed();
  }

  #remove(id: string): void {
    const entry = this.#byKeyId.get(id);
    if (entry === undefined) return;
    this.#byKeyId.delete(id);
    if (entry.kind !== undefined) this.#count[entry.kind] -= 1;
  }

  #restorePrincipal(entry: Entry): Principal {
    const saved = entry.saved;
    if (saved?.kind === 'user') return { kind: 'user', arn: saved.arn, userName: saved.userName, policies: saved.policies };
    const role = saved ? this.#roleByArn(saved.roleArn) : undefined;
    if (saved === undefined || role === undefined)
      throw new CredentialsError('UnknownAccessKey', `the role of the session ${entry.accessKeyId} was issued for no longer exists`);
    return {
      kind: 'role-session',
      arn: saved.arn,
      assumedRoleId: saved.assumedRoleId,
      role,
      sessionName: saved.sessionName,
      ...(saved.sessionPolicy ? { sessionPolicy: saved.sessionPolicy } : {}),
      ...(saved.managedSessionPolicyArns ? { managedSessionPolicyArns: saved.managedSessionPolicyArns } : {}),
      ...(saved.cognito ? { cognito: saved.cognito } : {}),
    };
  }

  #snapshot(now: Date): SavedState {
    const credentials: SavedCredential[] = [];
    for (const entry of this.#byKeyId.values()) {
      if (entry.kind === undefined || entry.sessionToken === undefined || entry.expiration === undefined || entry.saved === undefined) continue;
      if (entry.expiration.getTime() <= now.getTime()) continue;
      credentials.push({
        accessKeyId: entry.accessKeyId,
        secretAccessKey: entry.secretAccessKey,
        sessionToken: entry.sessionToken,
        expiration: entry.expiration.toISOString(),
        kind: entry.kind,
        principal: entry.saved,
      });
    }
    return { version: 1, credentials };
  }

  #load(file: string, now: Date): void {
    const state = SavedJsonFile.read(file) as Partial<SavedState> | undefined;
    if (state === undefined) return;
    if (typeof state !== 'object' || state === null || state.version !== 1 || !Array.isArray(state.credentials))
      throw new Error(`${file} is not a version-1 file of temporary credentials; delete it (its holders sign in again)`);
    for (const saved of state.credentials) {
      const expiration = new Date(saved.expiration);
      if (!(expiration.getTime() > now.getTime())) continue;
      this.#byKeyId.set(saved.accessKeyId, {
        accessKeyId: saved.accessKeyId,
        secretAccessKey: saved.secretAccessKey,
        sessionToken: saved.sessionToken,
        expiration,
        kind: saved.kind === 'service' ? 'service' : 'requested',
        saved: saved.principal,
      });
      this.#count[saved.kind === 'service' ? 'service' : 'requested'] += 1;
    }
  }
}

function savedPrincipal(principal: Principal): SavedPrincipal {
  if (principal.kind === 'user') return { kind: 'user', arn: principal.arn, userName: principal.userName, policies: [...principal.policies] };
  return {
    kind: 'role-session',
    arn: principal.arn,
    assumedRoleId: principal.assumedRoleId,
    roleArn: principal.role.arn,
    sessionName: principal.sessionName,
    ...(principal.sessionPolicy ? { sessionPolicy: principal.sessionPolicy } : {}),
    ...(principal.managedSessionPolicyArns ? { managedSessionPolicyArns: [...principal.managedSessionPolicyArns] } : {}),
    ...(principal.cognito ? { cognito: principal.cognito } : {}),
  };
}
