/**
 * Who is calling: an app user (the app's own JWT) or a signed-in Cognito user (a Cognito user pool ID token). Both are
 * members of rooms alike. A Cognito user is named by their identity id (`region:uuid`): it is the only per-user value
 * an IoT policy can use (`${cognito-identity.amazonaws.com:sub}`), so it names their inbox topics; the functions learn
 * it from the ID token with Cognito GetId (which verifies the token again) and remember it per user-pool subject.
 */
import { createRemoteJWKSet, decodeJwt, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose';
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

export interface Caller {
  userId: string;
  kind: 'app' | 'cognito';
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
    return { userId: identityId, kind: 'cognito' };
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
    return { userId: user.userId, kind: 'app' };
  };
}
