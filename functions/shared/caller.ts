/**
 * Who is calling: an app user (the app's own JWT) or a signed-in Cognito user (a Cognito user pool ID token). Both are
 * members of rooms alike. A Cognito user is named by their identity id (`region:uuid`): it is the only per-user value
 * an IoT policy can use (`${cognito-identity.amazonaws.com:sub}`), so it names their inbox topics; the functions learn
 * it from the ID token with Cognito GetId (which verifies the token again) and remember it per user-pool subject.
 */
import { createRemoteJWKSet, decodeJwt, type JWTPayload, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose';
import { displayNameFromClaim, type UserKind } from '../../core/contracts/users.js';
import {
  type AppTokenVerifier,
  ASYMMETRIC_ALGORITHMS,
  bearerToken,
  checkTokenType,
  DEFAULT_TOKEN_TIME_RULES,
  type TokenTimeRules,
  tokenRefusalReason,
} from './app-token.js';
import { UnauthorizedError, UpstreamError } from './errors.js';

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

export type CallerResolver = (authorizationHeader: string | undefined) => Promise<Caller>;

export interface CognitoUserPoolTrust {
  /** `https://cognito-idp.<region>.amazonaws.com/<userPoolId>` (locally: the local user pool's issuer). */
  issuer: string;
  /** The app client id: an ID token's `aud`. */
  clientId: string;
  /** Cognito GetId with the token as login; throws UnauthorizedError for a token Cognito refuses. */
  identityIdFor(idToken: string): Promise<string>;
  /** Clock skew allowed on `exp`, `nbf` and `iat` (TOKEN_CLOCK_TOLERANCE_SECONDS). */
  clockToleranceSeconds?: number;
  /** For tests: a key set instead of the issuer's JWKS. */
  keySet?: JWTVerifyGetKey;
  now?: () => Date;
}

/**
 * Cognito: an ID token is valid for 5 minutes to 1 day (IdTokenValidity, TokenValidityUnitsType in the Cognito user
 * pools API reference), so one issued (`iat`) more than a day ago cannot be current, whatever its `exp` says.
 */
export const COGNITO_ID_TOKEN_MAX_AGE_SECONDS = 86_400;
/** Cognito sets no `typ` header on its tokens; should one appear, it must say JWT. */
const COGNITO_TOKEN_TYPES = ['JWT'];

/** Identity ids are stable per user; a bounded map keeps GetId off the hot path of a warm function. */
const IDENTITY_CACHE_LIMIT = 10_000;

export function createCallerResolver(options: { app: AppTokenVerifier; cognito?: CognitoUserPoolTrust }): CallerResolver {
  const { cognito } = options;
  const keySet = cognito ? (cognito.keySet ?? createRemoteJWKSet(new URL(`${cognito.issuer}/.well-known/jwks.json`), { timeoutDuration: 3000 })) : undefined;
  const identityIds = new Map<string, string>();

  async function cognitoCaller(token: string, trust: CognitoUserPoolTrust, keys: JWTVerifyGetKey): Promise<Caller> {
    const rules: TokenTimeRules = {
      maxTokenAgeSeconds: COGNITO_ID_TOKEN_MAX_AGE_SECONDS,
      clockToleranceSeconds: trust.clockToleranceSeconds ?? DEFAULT_TOKEN_TIME_RULES.clockToleranceSeconds,
    };
    let sub: string;
    let profile: Pick<Caller, 'displayName' | 'username' | 'email'>;
    try {
      const { payload, protectedHeader } = await jwtVerify(token, keys, {
        issuer: trust.issuer,
        audience: trust.clientId,
        algorithms: ASYMMETRIC_ALGORITHMS,
        requiredClaims: ['sub', 'exp', 'iat'],
        maxTokenAge: rules.maxTokenAgeSeconds,
        clockTolerance: rules.clockToleranceSeconds,
        ...(trust.now ? { currentDate: trust.now() } : {}),
      });
      checkTokenType(protectedHeader, COGNITO_TOKEN_TYPES);
      // Cognito: only ID tokens carry `aud`; access tokens carry `client_id` and token_use "access".
      if (payload.token_use !== 'id') throw new UnauthorizedError('a Cognito ID token is expected (token_use "id")');
      sub = payload.sub!;
      profile = cognitoProfile(payload);
    } catch (error) {
      if (error instanceof UnauthorizedError) throw error;
      // jose: a key set that cannot be fetched is our problem (retry); any other JOSE error is the token's.
      if (error instanceof joseErrors.JOSEError && !(error instanceof joseErrors.JWKSTimeout)) {
        const reason = tokenRefusalReason(error, rules) ?? 'it is not valid';
        throw new UnauthorizedError(`the Cognito ID token was refused: ${reason}`, { cause: error });
      }
      throw new UpstreamError('could not verify the Cognito ID token', true, { cause: error });
    }
    let identityId = identityIds.get(sub);
    if (identityId === undefined) {
      identityId = await trust.identityIdFor(token);
      if (identityIds.size >= IDENTITY_CACHE_LIMIT) identityIds.delete(identityIds.keys().next().value!);
      identityIds.set(sub, identityId);
    }
    return { userId: identityId, kind: 'cognito', ...profile };
  }

  return async (authorizationHeader) => {
    const token = bearerToken(authorizationHeader);
    let issuer: string | undefined;
    try {
      issuer = decodeJwt(token).iss;
    } catch (error) {
      throw new UnauthorizedError('the token is malformed', { cause: error });
    }
    if (cognito && keySet && issuer === cognito.issuer) return cognitoCaller(token, cognito, keySet);
    const user = await options.app(authorizationHeader);
    return { userId: user.userId, kind: 'app', displayName: user.name ?? user.userId };
  };
}
