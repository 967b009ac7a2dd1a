/**
 * A pool's JSON web tokens, shaped as Cognito issues them (developer guide, "Understanding the identity (ID) token"
 * and "Understanding the access token"):
 * - header `{kid, alg: RS256}`; ID and access tokens are signed with different keys, both in the pool's JWKS;
 * - ID token: sub, iss, aud (app client id), token_use "id", cognito:username, auth_time, iat, exp, jti, origin_jti,
 *   event_id, and the user's attributes (email, email_verified, name, custom:...);
 * - access token: sub, iss, client_id, token_use "access", scope "aws.cognito.signin.user.admin", username,
 *   auth_time, iat, exp, jti, origin_jti, event_id (no aud).
 * The refresh token is opaque to clients (Cognito's is an encrypted JWE); here, random bytes the pool keeps a hash of.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type CryptoKey, decodeJwt, exportJWK, generateKeyPair, importJWK, type JWK, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { StoredSigningKey } from './store.js';

export async function createSigningKey(): Promise<StoredSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const publicJwk = await exportJWK(publicKey);
  // Cognito's kids are base64 strings ("1234example="); a digest of the modulus is stable and unique.
  const kid = createHash('sha256')
    .update(publicJwk.n ?? '')
    .digest('base64');
  return { kid, privateJwk: await exportJWK(privateKey), publicJwk };
}

interface LoadedKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function loadKey(stored: StoredSigningKey): Promise<LoadedKey> {
  return {
    kid: stored.kid,
    privateKey: (await importJWK(stored.privateJwk, 'RS256')) as CryptoKey,
    publicKey: (await importJWK(stored.publicJwk, 'RS256')) as CryptoKey,
    jwk: { kty: 'RSA', alg: 'RS256', use: 'sig', kid: stored.kid, n: stored.publicJwk.n, e: stored.publicJwk.e },
  };
}

export interface TokenSubject {
  username: string;
  sub: string;
  attributes: Record<string, string>;
}

export interface TokenSession {
  originJti: string;
  clientId: string;
  authTime: number;
}

export type AccessTokenCheck =
  | { ok: true; username: string; sub: string; originJti: string; clientId: string }
  | { ok: false; reason: 'invalid' | 'expired'; detail: string };

export class PoolTokenSigner {
  private constructor(
    private readonly idKey: LoadedKey,
    private readonly accessKey: LoadedKey,
  ) {}

  static async load(keys: { id: StoredSigningKey; access: StoredSigningKey }): Promise<PoolTokenSigner> {
    return new PoolTokenSigner(await loadKey(keys.id), await loadKey(keys.access));
  }

  /** What `/<poolId>/.well-known/jwks.json` serves. */
  jwks(): { keys: JWK[] } {
    return { keys: [this.idKey.jwk, this.accessKey.jwk] };
  }

  async issue(
    issuer: string,
    subject: TokenSubject,
    session: TokenSession,
    now: Date,
    validity: { idSeconds: number; accessSeconds: number },
  ): Promise<{ idToken: string; accessToken: string }> {
    const iat = Math.floor(now.getTime() / 1000);
    // One sign-in event (an authentication or a refresh) gives both tokens the same event_id.
    const eventId = randomUUID();
    const idClaims: Record<string, unknown> = {
      ...attributeClaims(subject.attributes),
      sub: subject.sub,
      'cognito:username': subject.username,
      origin_jti: session.originJti,
      event_id: eventId,
      token_use: 'id',
      auth_time: session.authTime,
    };
    const idToken = await new SignJWT(idClaims)
      .setProtectedHeader({ kid: this.idKey.kid, alg: 'RS256' })
      .setIssuer(issuer)
      .setAudience(session.clientId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + validity.idSeconds)
      .setJti(randomUUID())
      .sign(this.idKey.privateKey);
    const accessToken = await new SignJWT({
      sub: subject.sub,
      origin_jti: session.originJti,
      event_id: eventId,
      token_use: 'access',
      scope: 'aws.cognito.signin.user.admin',
      auth_time: session.authTime,
      client_id: session.clientId,
      username: subject.username,
    })
      .setProtectedHeader({ kid: this.accessKey.kid, alg: 'RS256' })
      .setIssuer(issuer)
      .setIssuedAt(iat)
      .setExpirationTime(iat + validity.accessSeconds)
      .setJti(randomUUID())
      .sign(this.accessKey.privateKey);
    return { idToken, accessToken };
  }

  /** Signature (the access key only: an ID token is not an access token), issuer, token_use, expiry. */
  async verifyAccessToken(token: string, issuer: string, now: Date): Promise<AccessTokenCheck> {
    try {
      const { payload } = await jwtVerify(token, this.accessKey.publicKey, { issuer, algorithms: ['RS256'], currentDate: now });
      if (payload.token_use !== 'access') return { ok: false, reason: 'invalid', detail: `token_use is ${String(payload.token_use)}, not access` };
      const { username, sub, origin_jti: originJti, client_id: clientId } = payload;
      if (typeof username !== 'string' || typeof sub !== 'string' || typeof originJti !== 'string' || typeof clientId !== 'string') {
        return { ok: false, reason: 'invalid', detail: 'the token lacks username, sub, origin_jti or client_id' };
      }
      return { ok: true, username, sub, originJti, clientId };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired', detail: error.message };
      return { ok: false, reason: 'invalid', detail: error instanceof Error ? error.message : String(error) };
    }
  }
}

/** The issuer a token claims, without trusting it (to pick the pool whose key must verify it). */
export function unverifiedIssuer(token: string): string | undefined {
  try {
    const iss = decodeJwt(token).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

export function newRefreshToken(): string {
  return randomBytes(48).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Cognito puts boolean attributes (email_verified, phone_number_verified) in the ID token as booleans. */
function attributeClaims(attributes: Record<string, string>): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(attributes)) claims[name] = name.endsWith('_verified') ? value === 'true' : value;
  return claims;
}
