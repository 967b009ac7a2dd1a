/**
 * The local token issuer (local and tests only, never deployed): signs app JWTs with a key generated at start-up and
 * publishes its JWKS, so the functions and the emulator's identity pool verify them exactly as a real issuer's.
 * `npm start` serves its JWKS from the local API; tests serve it from their own server (test/support/token-issuer.ts).
 */
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

export const DEMO_USERS: Readonly<Record<string, { rooms: string[]; name: string }>> = {
  alice: { name: 'Alice', rooms: ['general', 'ops'] },
  bob: { name: 'Bob', rooms: ['general'] },
  carol: { name: 'Carol', rooms: [] },
};

export interface SignOptions {
  subject?: string;
  audience?: string;
  /** Another issuer than this one's, for tests of refusals. */
  issuer?: string;
  /** Seconds from now, or an absolute `exp` (epoch seconds) when larger than now; default one hour. */
  ttlSeconds?: number;
  expiresAt?: number;
  notBefore?: number | string;
  /** A key this issuer's JWKS does not publish: tokens signed with it must be refused. */
  key?: CryptoKey;
}

export interface LocalTokenIssuer {
  issuer: string;
  audience: string;
  jwks: { keys: JWK[] };
  /** A key pair the JWKS does not publish, for tests of forged tokens. */
  foreignKey: CryptoKey;
  /** Undefined for a user that is not a demo user. */
  tokenFor(sub: string, ttlSeconds?: number): Promise<string | undefined>;
  /** Any claims, for tests of refusals (expired, another audience, another key). */
  sign(claims: Record<string, unknown>, options?: SignOptions): Promise<string>;
}

export async function createLocalTokenIssuer(issuer: string, audience: string): Promise<LocalTokenIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const kid = `local-${Date.now().toString(36)}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const sign: LocalTokenIssuer['sign'] = (claims, options = {}) => {
    let jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(options.issuer ?? issuer)
      .setAudience(options.audience ?? audience)
      .setIssuedAt()
      .setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + (options.ttlSeconds ?? 3600));
    if (options.subject !== undefined) jwt = jwt.setSubject(options.subject);
    if (options.notBefore !== undefined) jwt = jwt.setNotBefore(options.notBefore);
    return jwt.sign(options.key ?? privateKey);
  };
  return {
    issuer,
    audience,
    jwks: { keys: [jwk] },
    foreignKey: foreign.privateKey,
    sign,
    async tokenFor(sub, ttlSeconds = 3600) {
      const user = DEMO_USERS[sub];
      if (user === undefined) return undefined;
      return sign({ rooms: user.rooms, name: user.name }, { subject: sub, ttlSeconds });
    },
  };
}
