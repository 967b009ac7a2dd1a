/**
 * Verification of the app's own JWTs (non-Cognito users) with jose against the issuer's JWKS. Asymmetric algorithms
 * only: that refuses `alg: none` and the HMAC confusion attack (an HS256 token "signed" with the public key). Beyond
 * signature, issuer, audience and expiry: a maximum age (`iat`, required), a bounded clock skew, and the `typ` header
 * checked against the accepted types when the issuer sets one.
 */
import { createRemoteJWKSet, type JWTVerifyGetKey, type JWTVerifyResult, errors as joseErrors, jwtVerify } from 'jose';
import { displayNameFromClaim } from '../../core/contracts/users.js';
import { isValidId } from '../../core/ids.js';
import { UnauthorizedError, UpstreamError } from './errors.js';

export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** A user of the app's own sign-in. Room membership is not in the token: it lives in the store (functions/rooms). */
export interface AppUser {
  userId: string;
  /** The token's `roles` claim (e.g. `["admin"]` may broadcast); none when absent or not an array of strings. */
  roles?: readonly string[];
  /** The token's `name` claim (OIDC standard claim) as a display name, when present and usable. */
  name?: string;
}

/** The `roles` claim as a list of role names; anything else (a string, an array with non-strings) grants no role. */
export function rolesClaim(value: unknown): string[] {
  return Array.isArray(value) && value.every((role) => typeof role === 'string') ? (value as string[]) : [];
}

/** The time rules every token is held to (app JWTs and Cognito ID tokens). */
export interface TokenTimeRules {
  /** A token issued (`iat`) longer ago is refused whatever its `exp`; a token without `iat` is refused. */
  maxTokenAgeSeconds: number;
  /** Clock skew allowed on `exp`, `nbf` and `iat`. */
  clockToleranceSeconds: number;
}

export interface AppTokenVerifierOptions extends Partial<TokenTimeRules> {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Accepted `typ` header values; a token without `typ` is accepted (RFC 7519 5.1: the header is optional). */
  acceptedTypes?: readonly string[];
  now?: () => Date;
  /** For tests: a key set instead of the remote JWKS. */
  keySet?: JWTVerifyGetKey;
}

export type AppTokenVerifier = (authorizationHeader: string | undefined) => Promise<AppUser>;

export const DEFAULT_TOKEN_TIME_RULES: TokenTimeRules = { maxTokenAgeSeconds: 86_400, clockToleranceSeconds: 60 };
export const DEFAULT_ACCEPTED_TYPES = ['JWT', 'at+jwt'] as const;

export function bearerToken(authorizationHeader: string | undefined): string {
  const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)\s*$/i.exec(authorizationHeader ?? '');
  if (!match) throw new UnauthorizedError('missing or malformed Authorization header: expected "Bearer <JWT>"');
  return match[1]!;
}

/** RFC 7515 4.1.9: `typ` is a media type, compared case-insensitively, with `application/` recommended to be omitted. */
export function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/** Refuses a token whose `typ` header is set but not one of `accepted`. */
export function checkTokenType(header: { typ?: unknown }, accepted: readonly string[]): void {
  if (header.typ === undefined) return;
  const accepts = new Set(accepted.map(normalizeTyp));
  if (typeof header.typ !== 'string' || !accepts.has(normalizeTyp(header.typ))) {
    throw new UnauthorizedError(`the token type ${JSON.stringify(header.typ)} is not accepted (expected ${accepted.join(' or ')})`);
  }
}

/** A sentence for a jose refusal of the token; undefined when the failure is not the token's (e.g. JWKS fetch). */
export function tokenRefusalReason(error: unknown, rules: TokenTimeRules): string | undefined {
  if (error instanceof joseErrors.JWTExpired) {
    return error.claim === 'iat' ? `the token was issued more than ${rules.maxTokenAgeSeconds} seconds ago; sign in again` : 'the token has expired';
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'the token was issued by another issuer';
    if (error.claim === 'aud') return 'the token is meant for another audience';
    if (error.claim === 'nbf') return 'the token is not valid yet';
    if (error.claim === 'iat' && error.reason === 'missing') return 'the token has no "iat" (issued at) claim, so its age cannot be checked';
    if (error.claim === 'iat' && error.reason === 'check_failed')
      return `the token claims to be issued in the future (more than ${rules.clockToleranceSeconds} seconds of clock skew)`;
    return `the token's ${error.claim} claim is invalid`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'the token uses an algorithm that is not accepted (asymmetric signatures only)';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey) return 'the token signature is not valid';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid || error instanceof joseErrors.JOSENotSupported)
    return 'the token is malformed';
  return undefined;
}

export function createAppTokenVerifier(options: AppTokenVerifierOptions): AppTokenVerifier {
  const keySet = options.keySet ?? createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 3000, cooldownDuration: 30_000 });
  const rules: TokenTimeRules = {
    maxTokenAgeSeconds: options.maxTokenAgeSeconds ?? DEFAULT_TOKEN_TIME_RULES.maxTokenAgeSeconds,
    clockToleranceSeconds: options.clockToleranceSeconds ?? DEFAULT_TOKEN_TIME_RULES.clockToleranceSeconds,
  };
  const acceptedTypes = options.acceptedTypes ?? DEFAULT_ACCEPTED_TYPES;
  return async (authorizationHeader) => {
    const token = bearerToken(authorizationHeader);
    let verified: JWTVerifyResult;
    try {
      verified = await jwtVerify(token, keySet, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ASYMMETRIC_ALGORITHMS,
        // jose: maxTokenAge makes `iat` required, refuses an `iat` older than it or in the future (both with tolerance).
        requiredClaims: ['sub', 'exp', 'iat'],
        maxTokenAge: rules.maxTokenAgeSeconds,
        clockTolerance: rules.clockToleranceSeconds,
        ...(options.now ? { currentDate: options.now() } : {}),
      });
    } catch (error) {
      const reason = tokenRefusalReason(error, rules);
      if (reason) throw new UnauthorizedError(reason, { cause: error });
      throw new UpstreamError('could not fetch the token signing keys', true, { cause: error });
    }
    checkTokenType(verified.protectedHeader, acceptedTypes);
    const { sub } = verified.payload;
    if (!isValidId(sub)) throw new UnauthorizedError('the token subject is not a valid user id');
    const roles = rolesClaim(verified.payload.roles);
    const name = displayNameFromClaim(verified.payload.name);
    return { userId: sub, ...(roles.length > 0 ? { roles } : {}), ...(name !== undefined ? { name } : {}) };
  };
}

/** The app token variables of a function's environment (core/contracts/function-env.ts `appToken`). */
export interface AppTokenConfig {
  APP_JWKS_URL: string;
  APP_TOKEN_ISSUER: string;
  APP_TOKEN_AUDIENCE: string;
  APP_TOKEN_MAX_AGE_SECONDS: number;
  APP_TOKEN_TYPES: readonly string[];
  TOKEN_CLOCK_TOLERANCE_SECONDS: number;
}

/** The verifier for a function configured with the app token variables. */
export function appTokenVerifierFromConfig(config: AppTokenConfig): AppTokenVerifier {
  return createAppTokenVerifier({
    jwksUrl: config.APP_JWKS_URL,
    issuer: config.APP_TOKEN_ISSUER,
    audience: config.APP_TOKEN_AUDIENCE,
    maxTokenAgeSeconds: config.APP_TOKEN_MAX_AGE_SECONDS,
    acceptedTypes: config.APP_TOKEN_TYPES,
    clockToleranceSeconds: config.TOKEN_CLOCK_TOLERANCE_SECONDS,
  });
}
