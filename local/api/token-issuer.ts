/**
 * The local app token issuer (local and tests only, never deployed): signs JWTs with a key generated once and publishes its
 * JWKS, so the functions verify them exactly as a real issuer's (`/dev/token` on the local API). With a key file the
 * key survives restarts, so tokens stay valid across `npm start` runs.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

/** The demo users the local stack seeds into the store (alice: general and ops; bob: general; carol: none). */
export const DEMO_USERS: Readonly<Record<string, { name: string; rooms: Array<{ roomId: string; role: 'owner' | 'member' }>; roles?: string[] }>> = {
  // alice is the demo's admin: her token's `roles` claim lets her POST /broadcast.
  alice: {
    name: 'Alice',
    rooms: [
      { roomId: 'general', role: 'owner' },
      { roomId: 'ops', role: 'owner' },
    ],
    roles: ['admin'],
  },
  bob: { name: 'Bob', rooms: [{ roomId: 'general', role: 'member' }] },
  carol: { name: 'Carol', rooms: [] },
};
export const DEMO_ROOMS: Readonly<Record<string, string>> = { general: 'General', ops: 'Ops' };

export interface SignOptions {
  subject?: string;
  audience?: string;
  /** Another issuer than this one's, for tests of refusals. */
  issuer?: string;
  /** Lifetime from now in seconds (default one hour); negative for an expired token. */
  ttlSeconds?: number;
  /** An absolute `exp` (epoch seconds) instead. */
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
  sign(claims: Record<string, unknown>, options?: SignOptions): Promise<string>;
}

interface StoredKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

async function loadOrCreateKey(keyFile: string | undefined): Promise<{ kid: string; privateKey: CryptoKey; publicJwk: JWK }> {
  if (keyFile && existsSync(keyFile)) {
    const stored = JSON.parse(readFileSync(keyFile, 'utf8')) as StoredKey;
    return { kid: stored.kid, privateKey: (await importJWK(stored.privateJwk, 'RS256')) as CryptoKey, publicJwk: stored.publicJwk };
  }
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `local-${Date.now().toString(36)}`;
  const publicJwk = await exportJWK(publicKey);
  if (keyFile) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, JSON.stringify({ kid, privateJwk: await exportJWK(privateKey), publicJwk } satisfies StoredKey), { mode: 0o600 });
  }
  return { kid, privateKey, publicJwk };
}

export async function createLocalTokenIssuer(issuer: string, audience: string, options: { keyFile?: string } = {}): Promise<LocalTokenIssuer> {
  const { kid, privateKey, publicJwk } = await loadOrCreateKey(options.keyFile);
  const foreign = await generateKeyPair('RS256');
  const sign: LocalTokenIssuer['sign'] = (claims, o = {}) => {
    let jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(o.issuer ?? issuer)
      .setAudience(o.audience ?? audience)
      .setIssuedAt()
      .setExpirationTime(o.expiresAt ?? Math.floor(Date.now() / 1000) + (o.ttlSeconds ?? 3600));
    if (o.subject !== undefined) jwt = jwt.setSubject(o.subject);
    if (o.notBefore !== undefined) jwt = jwt.setNotBefore(o.notBefore);
    return jwt.sign(o.key ?? privateKey);
  };
  return { issuer, audience, jwks: { keys: [{ ...publicJwk, kid, alg: 'RS256', use: 'sig' }] }, foreignKey: foreign.privateKey, sign };
}

/** An app JWT for any valid user id, with the demo user's display name and roles when there are some. */
export function appTokenFor(issuer: LocalTokenIssuer, userId: string, ttlSeconds = 3600): Promise<string> {
  const demo = DEMO_USERS[userId];
  return issuer.sign({ ...(demo ? { name: demo.name } : {}), ...(demo?.roles ? { roles: demo.roles } : {}) }, { subject: userId, ttlSeconds });
}
