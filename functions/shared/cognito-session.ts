/**
 * A signed-in Cognito user's request, checked as the API checks it on every call: the ID token (who they are: identity
 * pool login, display name) in `Authorization`, and the access token of the same sign-in in the `Cognito-Access-Token`
 * header, which Cognito itself is asked about (GetUser) so that a signed-out user is refused at once.
 *
 * Why the access token and GetUser: Cognito tokens are self-contained JWTs, and "revoked tokens will still be valid if
 * they are verified using any JWT library that verifies the signature and expiration of the token" (developer guide,
 * "Revoking tokens", https://docs.aws.amazon.com/cognito/latest/developerguide/token-revocation.html). Only Cognito
 * knows about a revocation: after GlobalSignOut "Amazon Cognito returns an Access Token has been revoked error when your
 * app attempts to authorize a user pools API request with a revoked access token" (GlobalSignOut API reference), and
 * after RevokeToken (what Amplify's signOut() calls) "you can't use the revoked token to access Amazon Cognito user
 * APIs" (RevokeToken API reference). The identity pool's ServerSideTokenCheck covers only the first case (it checks
 * "that the user has not been globally signed out or deleted", CognitoIdentityProvider API reference), so it is not
 * enough. GetUser is the token-authorized read that fails for both.
 *
 * Everything that costs nothing is checked first (signatures, issuer, client, expiry, that both tokens are of one
 * sign-in), so a forged or foreign token never reaches Cognito.
 */
import { type JWTPayload, type JWTVerifyGetKey, errors as joseErrors, jwtVerify } from 'jose';
import { ASYMMETRIC_ALGORITHMS, checkTokenType, DEFAULT_TOKEN_TIME_RULES, type TokenTimeRules, tokenRefusalReason } from './app-token.js';
import { UnauthorizedError, UpstreamError } from './errors.js';

/**
 * Cognito: ID and access tokens are valid for 5 minutes to 1 day (IdTokenValidity, AccessTokenValidity,
 * TokenValidityUnitsType in the Cognito user pools API reference), so one issued (`iat`) more than a day ago cannot be
 * current, whatever its `exp` says.
 */
export const COGNITO_TOKEN_MAX_AGE_SECONDS = 86_400;
/** Cognito sets no `typ` header on its tokens; should one appear, it must say JWT. */
const COGNITO_TOKEN_TYPES = ['JWT'];
/** Cognito's access tokens: JWTs of 3 base64url parts, like every bearer token here; anything else is not one. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;
/** Far above a real access token (about 1 KB with groups); a larger header value is refused before any parsing. */
const MAX_ACCESS_TOKEN_LENGTH = 8192;

export interface CognitoSessionTrust {
  /** `https://cognito-idp.<region>.amazonaws.com/<userPoolId>` (locally: the local user pool's issuer). */
  issuer: string;
  /** The app client id: an ID token's `aud`, an access token's `client_id`. */
  clientId: string;
  /**
   * Cognito GetUser with the access token: resolves when Cognito still accepts it; throws UnauthorizedError when Cognito
   * refuses it (revoked, expired, user deleted or disabled), UpstreamError when Cognito cannot answer.
   */
  checkAccessToken(accessToken: string): Promise<void>;
  /** Clock skew allowed on `exp`, `nbf` and `iat` (TOKEN_CLOCK_TOLERANCE_SECONDS). */
  clockToleranceSeconds?: number;
  /** The user pool's key set (its JWKS URL's, or a local one in tests). */
  keySet: JWTVerifyGetKey;
  now?: () => Date;
}

export interface CognitoSession {
  /** The verified ID token, as the identity pool's login. */
  idToken: string;
  /** Its claims (sub, cognito:username, email, ...). */
  claims: JWTPayload;
  /** The sign-in both tokens belong to (`origin_jti`), or the ID token's own `jti` for tokens without one. */
  signIn: string;
}

export type CognitoSessionVerifier = (idToken: string, accessToken: string | undefined) => Promise<CognitoSession>;

const timeRules = (trust: CognitoSessionTrust): TokenTimeRules => ({
  maxTokenAgeSeconds: COGNITO_TOKEN_MAX_AGE_SECONDS,
  clockToleranceSeconds: trust.clockToleranceSeconds ?? DEFAULT_TOKEN_TIME_RULES.clockToleranceSeconds,
});

/** jwtVerify with Cognito's rules; a refusal names the token (`what`) and the reason, a JWKS outage is retryable. */
async function verifyCognitoJwt(token: string, what: string, trust: CognitoSessionTrust, audience: string | undefined): Promise<JWTPayload> {
  const rules = timeRules(trust);
  try {
    const { payload, protectedHeader } = await jwtVerify(token, trust.keySet, {
      issuer: trust.issuer,
      ...(audience !== undefined ? { audience } : {}),
      algorithms: ASYMMETRIC_ALGORITHMS,
      requiredClaims: ['sub', 'exp', 'iat'],
      maxTokenAge: rules.maxTokenAgeSeconds,
      clockTolerance: rules.clockToleranceSeconds,
      ...(trust.now ? { currentDate: trust.now() } : {}),
    });
    checkTokenType(protectedHeader, COGNITO_TOKEN_TYPES);
    return payload;
  } catch (error) {
    if (error instanceof UnauthorizedError) throw error;
    // jose: a key set that cannot be fetched is our problem (retry); any other JOSE error is the token's.
    if (error instanceof joseErrors.JOSEError && !(error instanceof joseErrors.JWKSTimeout)) {
      const reason = tokenRefusalReason(error, rules) ?? 'it is not valid';
      throw new UnauthorizedError(`the Cognito ${what} was refused: ${reason}`, { cause: error });
    }
    throw new UpstreamError(`could not verify the Cognito ${what}`, true, { cause: error });
  }
}

export function createCognitoSessionVerifier(trust: CognitoSessionTrust): CognitoSessionVerifier {
  return async (idToken, accessToken) => {
    const claims = await verifyCognitoJwt(idToken, 'ID token', trust, trust.clientId);
    // Cognito: only ID tokens carry `aud`; access tokens carry `client_id` and token_use "access".
    if (claims.token_use !== 'id') throw new UnauthorizedError('a Cognito ID token is expected in Authorization (token_use "id")');
    if (accessToken === undefined || accessToken.trim() === '') {
      throw new UnauthorizedError(
        'a signed-in Cognito user sends the access token of the same sign-in in the Cognito-Access-Token header (the API asks Cognito whether the sign-in still stands)',
      );
    }
    const access = accessToken.trim();
    if (access.length > MAX_ACCESS_TOKEN_LENGTH || !JWT_SHAPE.test(access)) throw new UnauthorizedError('the Cognito-Access-Token header is not a JWT');
    const accessClaims = await verifyCognitoJwt(access, 'access token', trust, undefined);
    if (accessClaims.token_use !== 'access') throw new UnauthorizedError('the Cognito-Access-Token header must hold an access token (token_use "access")');
    if (accessClaims.client_id !== trust.clientId) throw new UnauthorizedError('the Cognito access token was issued to another app client');
    // Both tokens of one sign-in: the same user, and (Cognito stamps both with it) the same origin_jti.
    if (accessClaims.sub !== claims.sub) throw new UnauthorizedError('the Cognito ID and access tokens belong to different users');
    if (claims.origin_jti !== accessClaims.origin_jti) throw new UnauthorizedError('the Cognito ID and access tokens come from different sign-ins');
    await trust.checkAccessToken(access);
    const signIn = typeof claims.origin_jti === 'string' ? claims.origin_jti : typeof claims.jti === 'string' ? claims.jti : idToken;
    return { idToken, claims, signIn };
  };
}
