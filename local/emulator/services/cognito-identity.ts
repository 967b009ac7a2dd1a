/**
 * Cognito Identity (JSON 1.1, `X-Amz-Target: AWSCognitoIdentityService.<Op>`, unsigned): GetId and
 * GetCredentialsForIdentity for guests and for signed-in users whose `Logins` token is verified against the
 * provider's JWKS. Credentials come from the pool's role, whose trust policy is evaluated as AWS would.
 *
 * Identities are kept as Cognito keeps them: an identity id stays valid (a guest's browser keeps it and comes back
 * with it), so none is ever forgotten to make room. With a data file they survive restarts. At the bound on their
 * number a new identity is refused (LimitExceededException, which GetId documents); per-principal request quotas are
 * in cognito-identity-quotas.ts.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { IdentityPoolConfig, IdentityProviderConfig, LocalAccount } from '../account/account.js';
import { TemporaryCredentialsLimitError } from '../account/credentials.js';
import { parseJsonObject, sendJson } from '../http/io.js';
import { NOT_EMULATED_CODE } from '../http/not-emulated.js';
import { ServiceError } from '../http/service-error.js';
import { denied, type EmulatorLogger } from '../log.js';
import { SavedJsonFile } from '../persistence/saved-json-file.js';
import { type CognitoIdentityQuotas, DEFAULT_COGNITO_IDENTITY_QUOTAS, KeyedRateLimit } from './cognito-identity-quotas.js';
import type { UserPoolSignInCheck } from './cognito-user-pool/service.js';

interface IdentityRecord {
  identityPoolId: string;
  /** Logins key -> subject, for identities created from a login. */
  logins: Map<string, string>;
}

export interface CognitoIdentityDependencies {
  account: LocalAccount;
  logger: EmulatorLogger;
  now: () => Date;
  /** Lifetime of vended credentials; Cognito's is one hour. */
  credentialsSeconds: number;
  /** Local bound: identities kept; at it new identities are refused (LimitExceededException), none is forgotten. */
  maxIdentities?: number;
  /** Per-principal request quotas (cognito-identity-quotas.ts); defaults when absent. */
  quotas?: Partial<CognitoIdentityQuotas>;
  /** Where identities are kept across restarts; memory only when absent. */
  dataFile?: string;
  /** The emulator's user pools, asked under ServerSideTokenCheck whether a token's sign-in still stands. */
  userPools?: UserPoolSignInCheck;
}

/** Identities kept by default. */
export const COGNITO_IDENTITIES_LIMIT = 100_000;

interface SavedIdentities {
  version: 1;
  /** identity id -> pool and logins (Logins key -> subject). */
  identities: Record<string, { identityPoolId: string; logins: Record<string, string> }>;
}

export class CognitoIdentityService {
  readonly #identities = new Map<string, IdentityRecord>();
  readonly #jwks = new Map<string, JWTVerifyGetKey>();
  readonly #guestIdentities: KeyedRateLimit;
  readonly #credentialRequests: KeyedRateLimit;
  readonly #saved: SavedJsonFile<SavedIdentities> | undefined;

  constructor(private readonly deps: CognitoIdentityDependencies) {
    const quotas = { ...DEFAULT_COGNITO_IDENTITY_QUOTAS, ...deps.quotas };
    this.#guestIdentities = new KeyedRateLimit(quotas.guestIdentitiesPerMinutePerSource);
    this.#credentialRequests = new KeyedRateLimit(quotas.credentialsPerIdentityPerMinute);
    if (deps.dataFile !== undefined) {
      this.#load(deps.dataFile);
      this.#saved = new SavedJsonFile(deps.dataFile, () => this.#snapshot(), {
        onError: (error) => deps.logger.log({ level: 'error', message: 'could not save Cognito identities', file: deps.dataFile, error: String(error) }),
      });
    }
  }

  /** Writes the identities file now (the emulator is closing). */
  flush(): void {
    this.#saved?.flush();
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.replace(/^AWSCognitoIdentityService\./, '');
    const requestId = randomUUID();
    try {
      // Cognito: the input is a JSON object; `null`, arrays and other values are a validation error, not a crash.
      const input = parseJsonObject(body);
      if (input === undefined) throw new ServiceError(400, 'InvalidParameterException', 'the request body must be a JSON object');
      const output =
        operation === 'GetId'
          ? await this.getId(input, req.socket.remoteAddress ?? 'unknown')
          : operation === 'GetCredentialsForIdentity'
            ? await this.getCredentials(input)
            : undefined;
      if (output === undefined)
        throw new ServiceError(
          501,
          NOT_EMULATED_CODE.json,
          `${operation} is not emulated (GetId and GetCredentialsForIdentity are) (the local emulator does not implement it)`,
        );
      sendJson(res, 200, output, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId });
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      sendJson(
        res,
        error.status,
        { __type: error.code, message: error.message },
        {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': error.code,
        },
      );
    }
  }

  private pool(input: Record<string, unknown>): IdentityPoolConfig {
    const id = input.IdentityPoolId;
    if (typeof id !== 'string') throw new ServiceError(400, 'InvalidParameterException', 'IdentityPoolId is required (a string)');
    const pool = this.deps.account.identityPool(id);
    if (pool === undefined) throw new ServiceError(400, 'ResourceNotFoundException', `IdentityPool '${id}' not found.`);
    return pool;
  }

  /** Verifies every token in Logins; returns loginsKey -> subject. */
  private async verifyLogins(pool: IdentityPoolConfig, logins: unknown): Promise<Map<string, string>> {
    const verified = new Map<string, string>();
    if (logins === undefined || logins === null) return verified;
    if (typeof logins !== 'object' || Array.isArray(logins))
      throw new ServiceError(400, 'InvalidParameterException', 'Logins must be a map of provider name to token');
    for (const [key, token] of Object.entries(logins as Record<string, unknown>)) {
      const provider = pool.providers.find((p) => p.loginsKey === key);
      if (provider === undefined)
        throw new ServiceError(400, 'NotAuthorizedException', `Invalid login token. Provider ${key} is not configured for this identity pool.`);
      if (typeof token !== 'string') throw new ServiceError(400, 'NotAuthorizedException', 'Invalid login token.');
      verified.set(key, await this.verifyToken(provider, token));
    }
    return verified;
  }

  private async verifyToken(provider: IdentityProviderConfig, token: string): Promise<string> {
    const jwks = this.#jwks.get(provider.jwksUrl) ?? createRemoteJWKSet(new URL(provider.jwksUrl));
    this.#jwks.set(provider.jwksUrl, jwks);
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: provider.issuer,
        audience: provider.audience,
        algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'],
        currentDate: this.deps.now(),
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('the token has no sub claim');
      if (provider.serverSideTokenCheck === true)
        this.checkSignInStands(provider, { iss: provider.issuer, sub: payload.sub, aud: provider.audience, origin_jti: payload.origin_jti });
      return payload.sub;
    } catch (error) {
      if (error instanceof ServiceError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      denied(this.deps.logger, { service: 'cognito-identity', who: provider.loginsKey, action: 'verify login token', reason });
      throw new ServiceError(400, 'NotAuthorizedException', `Invalid login token. ${reason}`);
    }
  }

  /**
   * ServerSideTokenCheck: "that identity pool will check with the integrated user pools to make sure that the user
   * has not been globally signed out or deleted before the identity pool provides an OIDC token or AWS credentials
   * for the user. If the user is signed out or deleted, the identity pool will return a 400 Not Authorized error"
   * (CognitoIdentityProvider, Amazon Cognito Identity API reference). The API reference gives no message text; the
   * one below is the emulator's. A provider that asks for the check and whose tokens no local user pool issued
   * cannot be checked, so its tokens are refused too.
   */
  private checkSignInStands(provider: IdentityProviderConfig, claims: { iss: string; sub: string; aud: string; origin_jti?: unknown }): void {
    const status = this.deps.userPools?.idTokenSignInStatus(claims) ?? 'unknown-pool';
    if (status === 'active') return;
    const reason =
      status === 'revoked'
        ? 'the user pool reports that the sign-in of this token was signed out or revoked, or its user deleted (ServerSideTokenCheck)'
        : 'ServerSideTokenCheck is on, but no user pool of this emulator issued the token, so it cannot be checked';
    denied(this.deps.logger, { service: 'cognito-identity', who: provider.loginsKey, action: 'verify login token', reason });
    throw new ServiceError(
      400,
      'NotAuthorizedException',
      status === 'revoked' ? 'Invalid login token. Token has been revoked.' : `Invalid login token. ${reason}`,
    );
  }

  private async getId(input: Record<string, unknown>, source: string): Promise<{ IdentityId: string }> {
    const pool = this.pool(input);
    const logins = await this.verifyLogins(pool, input.Logins);
    if (logins.size === 0) {
      if (!pool.allowUnauthenticated) throw new ServiceError(400, 'NotAuthorizedException', 'Unauthenticated access is not supported for this identity pool.');
      // Every GetId without Logins makes a new identity (Cognito FAQ: cache it); a source making them in a loop is
      // throttled (cognito-identity-quotas.ts).
      if (!this.#guestIdentities.take(source, this.deps.now().getTime())) {
        denied(this.deps.logger, { service: 'cognito-identity', who: source, action: 'GetId', reason: 'new guest identities of this source over their rate' });
        throw new ServiceError(400, 'TooManyRequestsException', 'Rate exceeded');
      }
      const identityId = `${this.deps.account.region}:${randomUUID()}`;
      this.#remember(identityId, { identityPoolId: pool.identityPoolId, logins: new Map() });
      return { IdentityId: identityId };
    }
    // The same login always maps to the same identity id.
    const [[key, sub]] = [...logins.entries()] as [[string, string]];
    const identityId = `${this.deps.account.region}:${stableUuid(`${pool.identityPoolId}|${key}|${sub}`)}`;
    const known = this.#identities.get(identityId);
    if (known !== undefined && [...logins].every(([k, v]) => known.logins.get(k) === v)) return { IdentityId: identityId };
    this.#remember(identityId, { identityPoolId: pool.identityPoolId, logins: new Map([...(known?.logins ?? []), ...logins]) });
    return { IdentityId: identityId };
  }

  /** Identities held now. */
  get identityCount(): number {
    return this.#identities.size;
  }

  /**
   * Keeps an identity (a new one, or new logins of a known one). At the bound a new identity is refused with
   * LimitExceededException (400, among GetId's documented errors); a known one is never forgotten.
   */
  #remember(identityId: string, record: IdentityRecord): void {
    const limit = this.deps.maxIdentities ?? COGNITO_IDENTITIES_LIMIT;
    if (!this.#identities.has(identityId) && this.#identities.size >= limit) {
      this.deps.logger.log({ level: 'warn', message: 'cognito-identity: new identity refused, identities at their bound', limit });
      throw new ServiceError(
        400,
        'LimitExceededException',
        `the local identity pools hold ${limit} identities (LOCAL_MAX_COGNITO_IDENTITIES); no new identity is created`,
      );
    }
    this.#identities.set(identityId, record);
    this.#saved?.changed();
  }

  #snapshot(): SavedIdentities {
    const identities: SavedIdentities['identities'] = {};
    for (const [id, record] of this.#identities) identities[id] = { identityPoolId: record.identityPoolId, logins: Object.fromEntries(record.logins) };
    return { version: 1, identities };
  }

  #load(file: string): void {
    const state = SavedJsonFile.read(file) as Partial<SavedIdentities> | undefined;
    if (state === undefined) return;
    if (typeof state !== 'object' || state === null || state.version !== 1 || typeof state.identities !== 'object' || state.identities === null)
      throw new Error(`${file} is not a version-1 file of Cognito identities; delete it (guests get new identities)`);
    for (const [id, record] of Object.entries(state.identities))
      this.#identities.set(id, { identityPoolId: record.identityPoolId, logins: new Map(Object.entries(record.logins)) });
  }

  private async getCredentials(input: Record<string, unknown>) {
    const identityId = input.IdentityId;
    if (typeof identityId !== 'string') throw new ServiceError(400, 'InvalidParameterException', 'IdentityId is required');
    const record = this.#identities.get(identityId);
    if (record === undefined) throw new ServiceError(400, 'ResourceNotFoundException', `Identity '${identityId}' not found.`);
    // Per identity: a guest asking for credentials in a loop is throttled, and cannot fill the credential store.
    if (!this.#credentialRequests.take(identityId, this.deps.now().getTime())) {
      denied(this.deps.logger, {
        service: 'cognito-identity',
        who: identityId,
        action: 'GetCredentialsForIdentity',
        reason: 'credentials of this identity over their rate',
      });
      throw new ServiceError(400, 'TooManyRequestsException', 'Rate exceeded');
    }
    const pool = this.deps.account.identityPool(record.identityPoolId);
    if (pool === undefined) throw new ServiceError(400, 'ResourceNotFoundException', `IdentityPool '${record.identityPoolId}' not found.`);
    const logins = await this.verifyLogins(pool, input.Logins);
    const authenticated = record.logins.size > 0;
    if (authenticated) {
      const matches = [...logins].some(([k, sub]) => record.logins.get(k) === sub);
      if (!matches)
        throw new ServiceError(
          400,
          'NotAuthorizedException',
          "Logins don't match. Please include at least one valid login for this identity or identity pool.",
        );
    } else if (logins.size > 0) {
      throw new ServiceError(400, 'NotAuthorizedException', 'This identity was created without logins; call GetId with the Logins first.');
    } else if (!pool.allowUnauthenticated) {
      throw new ServiceError(400, 'NotAuthorizedException', 'Unauthenticated access is not supported for this identity pool.');
    }

    const roleArn = authenticated ? pool.authenticatedRoleArn : pool.unauthenticatedRoleArn;
    if (roleArn === undefined)
      throw new ServiceError(
        400,
        'InvalidIdentityPoolConfigurationException',
        `the identity pool has no ${authenticated ? 'authenticated' : 'unauthenticated'} role`,
      );
    const role = this.deps.account.role(roleArn);
    if (role === undefined) throw new ServiceError(400, 'InvalidIdentityPoolConfigurationException', `the pool's role ${roleArn} does not exist`);
    // Cognito assumes the role with AssumeRoleWithWebIdentity: the trust policy must accept this pool and kind of identity.
    const amr = authenticated ? ['authenticated', ...logins.keys()] : ['unauthenticated'];
    const trust = this.deps.account.trusts(role, {
      action: 'sts:AssumeRoleWithWebIdentity',
      principal: { type: 'Federated', id: 'cognito-identity.amazonaws.com' },
      context: {
        'cognito-identity.amazonaws.com:aud': pool.identityPoolId,
        'cognito-identity.amazonaws.com:amr': amr,
        'cognito-identity.amazonaws.com:sub': identityId,
      },
    });
    if (!trust.allowed) {
      denied(this.deps.logger, {
        service: 'cognito-identity',
        who: identityId,
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: roleArn,
        reason: trust.reason,
      });
      throw new ServiceError(400, 'InvalidIdentityPoolConfigurationException', 'Invalid identity pool configuration. Check assigned IAM roles for this pool.');
    }
    const expiration = new Date(this.deps.now().getTime() + this.deps.credentialsSeconds * 1000);
    // Cognito names every session it starts `CognitoIdentityCredentials` (the assumed-role ARN callers see).
    let issued: ReturnType<LocalAccount['startRoleSession']>;
    try {
      issued = this.deps.account.startRoleSession(role, 'CognitoIdentityCredentials', expiration, {
        cognito: { identityId, identityPoolId: pool.identityPoolId, authenticated },
      });
    } catch (error) {
      // The credential store is full of unexpired credentials: refused as a throttled request, nothing evicted.
      if (error instanceof TemporaryCredentialsLimitError) {
        this.deps.logger.log({ level: 'warn', message: 'cognito-identity: credentials refused, temporary credentials at their bound', identityId });
        throw new ServiceError(400, 'TooManyRequestsException', 'Rate exceeded');
      }
      throw error;
    }
    return {
      IdentityId: identityId,
      // Cognito Identity: the secret is `SecretKey` and Expiration is epoch seconds.
      Credentials: {
        AccessKeyId: issued.accessKeyId,
        SecretKey: issued.secretAccessKey,
        SessionToken: issued.sessionToken,
        Expiration: Math.floor(expiration.getTime() / 1000),
      },
    };
  }
}

function stableUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
