/**
 * Verification of the app's own JWTs (non-Cognito users) with jose against the issuer's JWKS. Asymmetric algorithms
 * only: that refuses `alg: none` and the HMAC confusion attack (an HS256 token "signed" with the public key).
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { isValidId } from '../../core/ids.js';
import { UnauthorizedError, UpstreamError } from './errors.js';

export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** A user of the app's own sign-in. Room membership is not in the token: it lives in the store (functions/rooms). */
export interface AppUser {
  userId: string;
}

export interface AppTokenVerifierOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  now?: () => Date;
  /** For tests: a key set instead of the remote JWKS. */
  keySet?: JWTVerifyGetKey;
}

export type AppTokenVerifier = (authorizationHeader: string | undefined) => Promise<AppUser>;

export function bearerToken(authorizationHeader: string | undefined): string {
  const match = /^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)\s*$/i.exec(authorizationHeader ?? '');
  if (!match) throw new UnauthorizedError('missing or malformed Authorization header: expected "Bearer <JWT>"');
  return match[1]!;
}

function reasonFor(error: unknown): string | undefined {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'the token was issued by another issuer';
    if (error.claim === 'aud') return 'the token is meant for another audience';
    if (error.claim === 'nbf') return 'the token is not valid yet';
    return `the token's ${error.claim} claim is invalid`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'the token uses an algorithm that is not accepted (asymmetric signatures only)';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey) return 'the token signature is not valid';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid || error instanceof joseErrors.JOSENotSupported) return 'the token is malformed';
  return undefined;
}

export function createAppTokenVerifier(options: AppTokenVerifierOptions): AppTokenVerifier {
  const keySet = options.keySet ?? createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 3000, cooldownDuration: 30_000 });
  return async (authorizationHeader) => {
    const token = bearerToken(authorizationHeader);
    let payload;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ASYMMETRIC_ALGORITHMS,
        requiredClaims: ['sub', 'exp'],
        ...(options.now ? { currentDate: options.now() } : {}),
      }));
    } catch (error) {
      const reason = reasonFor(error);
      if (reason) throw new UnauthorizedError(reason, { cause: error });
      throw new UpstreamError('could not fetch the token signing keys', true, { cause: error });
    }
    if (!isValidId(payload.sub)) throw new UnauthorizedError('the token subject is not a valid user id');
    return { userId: payload.sub };
  };
}

/** The verifier for a function configured with the app token variables (APP_JWKS_URL, APP_TOKEN_ISSUER, APP_TOKEN_AUDIENCE). */
export function appTokenVerifierFromConfig(config: { APP_JWKS_URL: string; APP_TOKEN_ISSUER: string; APP_TOKEN_AUDIENCE: string }): AppTokenVerifier {
  return createAppTokenVerifier({ jwksUrl: config.APP_JWKS_URL, issuer: config.APP_TOKEN_ISSUER, audience: config.APP_TOKEN_AUDIENCE });
}
