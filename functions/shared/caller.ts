/**
 * Who is calling: an app user (the app's own JWT) or a signed-in Cognito user (a Cognito user pool ID token). Both are
 * members of rooms alike. A Cognito user is named by their identity id (`region:uuid`): it is the only per-user value
 * an IoT policy can use (`${cognito-identity.amazonaws.com:sub}`), so it names their inbox topics; the functions learn
 * it from the ID token with Cognito GetId (once per sign-in). Every request of a Cognito user also carries the access
 * token of the same sign-in, and Cognito is asked whether it still stands (cognito-session.ts): a signed-out user's
 * tokens stop working at once, not when they expire.
 */
import { createRemoteJWKSet, decodeJwt, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { COGNITO_ACCESS_TOKEN_HEADER } from '../../core/contracts/http.js';
import { displayNameFromClaim, type UserKind } from '../../core/contracts/users.js';
import { type AppTokenVerifier, bearerToken } from './app-token.js';
import { type CognitoSessionTrust, type CognitoSessionVerifier, createCognitoSessionVerifier } from './cognito-session.js';
import { UnauthorizedError } from './errors.js';

/**
 * A verified caller and what their token says about them for the user directory (functions/users): the display name
 * every payload shows, the username others find them by, and their email when it is verified. Taken from the token the
 * request carries, so naming the sender of a message costs no store read.
 */
export interface Caller {
  userId: string;
  kind: UserKind;
  displayName: string;
  /** Cognito users: their username (see cognitoProfile); app users are found by their user id and have none. */
  username?: string;
  /** Cognito users with `email_verified`: their email. Never shown to other users. */
  email?: string;
}

/** Cognito user pools with email usernames put the user's `sub` (a UUID) in `cognito:username`. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A username as the directory keeps it (core/contracts/rooms.ts UsernameSchema): no whitespace or controls, <= 128. */
const usableUsername = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= 128 && !/[\s\p{Cc}]/u.test(value) ? value : undefined;

/**
 * What a Cognito ID token says for the directory (Cognito "Understanding the identity (ID) token": `cognito:username`,
 * and the user's standard attributes `name`, `preferred_username`, `email`, `email_verified`). The username is
 * `cognito:username` unless the pool uses email usernames, where that claim is the user's `sub`; then it is
 * `preferred_username`. The display name is `name`, else `preferred_username`, else the username, else the local part
 * of the email (never the whole address: others see display names).
 */
export function cognitoProfile(payload: JWTPayload): Pick<Caller, 'displayName' | 'username' | 'email'> {
  const cognitoUsername = usableUsername(payload['cognito:username']);
  const username = cognitoUsername !== undefined && !UUID.test(cognitoUsername) ? cognitoUsername : usableUsername(payload.preferred_username);
  const verified = payload.email_verified === true || payload.email_verified === 'true';
  const email = verified && typeof payload.email === 'string' && payload.email.includes('@') && payload.email.length <= 254 ? payload.email : undefined;
  const displayName =
    displayNameFromClaim(payload.name) ??
    displayNameFromClaim(payload.preferred_username) ??
    displayNameFromClaim(username) ??
    displayNameFromClaim(typeof payload.email === 'string' ? payload.email.split('@')[0] : undefined) ??
    'Cognito user';
  return { displayName, ...(username !== undefined ? { username } : {}), ...(email !== undefined ? { email } : {}) };
}

/** The request's headers as API Gateway (payload 2.0) passes them: names in lower case. */
export type RequestHeaders = Readonly<Record<string, string | undefined>>;

export type CallerResolver = (headers: RequestHeaders) => Promise<Caller>;

export interface CognitoUserPoolTrust extends Omit<CognitoSessionTrust, 'keySet'> {
  /** Cognito GetId with the token as login; throws UnauthorizedError for a token Cognito refuses. */
  identityIdFor(idToken: string): Promise<string>;
  /** For tests: a key set instead of the issuer's JWKS. */
  keySet?: JWTVerifyGetKey;
}

/**
 * Identity ids of the sign-ins this instance has seen, so GetId runs once per sign-in instead of once per request.
 * Keyed by the sign-in (`origin_jti`) and kept until its ID token expires: it never stands in for the revocation check,
 * which runs on every request (cognito-session.ts), and it does not outlive the token it came from.
 */
const IDENTITY_CACHE_LIMIT = 10_000;

class IdentityIdCache {
  readonly #entries = new Map<string, { identityId: string; expiresAtMs: number }>();

  get(signIn: string, nowMs: number): string | undefined {
    const entry = this.#entries.get(signIn);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs > nowMs) return entry.identityId;
    this.#entries.delete(signIn);
    return undefined;
  }

  set(signIn: string, identityId: string, expiresAtMs: number): void {
    // A cache, not state: at the bound the oldest entry goes (it costs one GetId if that sign-in comes back).
    if (this.#entries.size >= IDENTITY_CACHE_LIMIT && !this.#entries.has(signIn)) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(signIn, { identityId, expiresAtMs });
  }
}

export function createCallerResolver(options: { app: AppTokenVerifier; cognito?: CognitoUserPoolTrust }): CallerResolver {
  const { cognito } = options;
  const verifySession = cognito
    ? createCognitoSessionVerifier({
        ...cognito,
        keySet: cognito.keySet ?? createRemoteJWKSet(new URL(`${cognito.issuer}/.well-known/jwks.json`), { timeoutDuration: 3000 }),
      })
    : undefined;
  const identityIds = new IdentityIdCache();

  async function cognitoCaller(trust: CognitoUserPoolTrust, verify: CognitoSessionVerifier, token: string, headers: RequestHeaders): Promise<Caller> {
    const session = await verify(token, headers[COGNITO_ACCESS_TOKEN_HEADER]);
    const nowMs = (trust.now?.() ?? new Date()).getTime();
    let identityId = identityIds.get(session.signIn, nowMs);
    if (identityId === undefined) {
      identityId = await trust.identityIdFor(token);
      identityIds.set(session.signIn, identityId, (session.claims.exp ?? 0) * 1000);
    }
    return { userId: identityId, kind: 'cognito', ...cognitoProfile(session.claims) };
  }

  return async (headers) => {
    const authorization = headers.authorization;
    const token = bearerToken(authorization);
    let issuer: string | undefined;
    try {
      issuer = decodeJwt(token).iss;
    } catch (error) {
      throw new UnauthorizedError('the token is malformed', { cause: error });
    }
    if (cognito && verifySession && issuer === cognito.issuer) return cognitoCaller(cognito, verifySession, token, headers);
    const user = await options.app(authorization);
    return { userId: user.userId, kind: 'app', displayName: user.name ?? user.userId };
  };
}
