/**
 * The local token issuer (local only, never deployed): signs the demo users' app JWTs with a key generated at start-up
 * and publishes its JWKS, so the credentials Lambda verifies them exactly as it verifies a real issuer's.
 */
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export const DEMO_USERS: Readonly<Record<string, { rooms: string[]; name: string }>> = {
  alice: { name: 'Alice', rooms: ['general', 'ops'] },
  bob: { name: 'Bob', rooms: ['general'] },
  carol: { name: 'Carol', rooms: [] },
};

export interface LocalTokenIssuer {
  issuer: string;
  audience: string;
  jwks: { keys: JWK[] };
  /** Undefined for a user that is not a demo user. */
  tokenFor(sub: string, ttlSeconds?: number): Promise<string | undefined>;
  /** Any claims, for tests of refusals (expired, another audience). */
  sign(claims: Record<string, unknown>, options: { subject: string; ttlSeconds?: number; audience?: string }): Promise<string>;
}

export async function createLocalTokenIssuer(issuer: string, audience: string): Promise<LocalTokenIssuer> {
  const { privateKey, publicKey }: { privateKey: CryptoKey; publicKey: CryptoKey } = await generateKeyPair('RS256');
  const kid = `local-${Date.now().toString(36)}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const sign: LocalTokenIssuer['sign'] = (claims, options) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setSubject(options.subject)
      .setIssuer(issuer)
      .setAudience(options.audience ?? audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (options.ttlSeconds ?? 3600))
      .sign(privateKey);
  return {
    issuer,
    audience,
    jwks: { keys: [jwk] },
    sign,
    async tokenFor(sub, ttlSeconds = 3600) {
      const user = DEMO_USERS[sub];
      if (user === undefined) return undefined;
      return sign({ rooms: user.rooms, name: user.name }, { subject: sub, ttlSeconds });
    },
  };
}
