import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { createAppTokenVerifier } from './app-token.js';
import { UnauthorizedError } from './errors.js';

const ISSUER = 'https://issuer.example';
const AUDIENCE = 'app';
let keys: Awaited<ReturnType<typeof generateKeyPair>>;
let verify: ReturnType<typeof createAppTokenVerifier>;
let publicJwk: Awaited<ReturnType<typeof exportJWK>>;

beforeAll(async () => {
  keys = await generateKeyPair('RS256', { extractable: true });
  publicJwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256' };
  verify = createAppTokenVerifier({ jwksUrl: 'https://unused', issuer: ISSUER, audience: AUDIENCE, keySet: createLocalJWKSet({ keys: [publicJwk] }) });
});

const sign = (claims: Record<string, unknown>, opts: { iss?: string; aud?: string; exp?: number | string; nbf?: number } = {}) => {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(opts.iss ?? ISSUER).setAudience(opts.aud ?? AUDIENCE).setExpirationTime(opts.exp ?? '5m');
  if (opts.nbf !== undefined) jwt = jwt.setNotBefore(opts.nbf);
  return jwt.setSubject(String(claims.sub ?? 'alice')).sign(keys.privateKey);
};

async function refusal(header: string | undefined): Promise<string> {
  try {
    await verify(header);
  } catch (e) {
    expect(e).toBeInstanceOf(UnauthorizedError);
    return (e as Error).message;
  }
  throw new Error('token was accepted');
}

describe('app token verification', () => {
  it('accepts a valid token and returns the user id; a rooms claim is not read (membership lives in the store)', async () => {
    const token = await sign({ sub: 'alice', rooms: ['general', 'ops', '#'] });
    await expect(verify(`Bearer ${token}`)).resolves.toEqual({ userId: 'alice' });
  });

  it('refuses missing and malformed Authorization headers', async () => {
    expect(await refusal(undefined)).toMatch(/missing or malformed/);
    expect(await refusal('Basic abc')).toMatch(/missing or malformed/);
    expect(await refusal('Bearer not-a-jwt')).toMatch(/missing or malformed/);
  });

  it('refuses expired and not-yet-valid tokens', async () => {
    expect(await refusal(`Bearer ${await sign({ sub: 'alice' }, { exp: Math.floor(Date.now() / 1000) - 120 })}`)).toMatch(/expired/);
    expect(await refusal(`Bearer ${await sign({ sub: 'alice' }, { nbf: Math.floor(Date.now() / 1000) + 3600 })}`)).toMatch(/not valid yet/);
  });

  it('refuses another issuer or audience', async () => {
    expect(await refusal(`Bearer ${await sign({ sub: 'alice' }, { iss: 'https://evil.example' })}`)).toMatch(/another issuer/);
    expect(await refusal(`Bearer ${await sign({ sub: 'alice' }, { aud: 'other-app' })}`)).toMatch(/another audience/);
  });

  it('refuses alg none', async () => {
    const unsigned = new UnsecuredJWT({ sub: 'alice', rooms: ['ops'] }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').encode();
    expect(await refusal(`Bearer ${unsigned}`)).toMatch(/algorithm|malformed/);
  });

  it('refuses the HMAC confusion attack (HS256 signed with the public key)', async () => {
    const publicKeyBytes = new TextEncoder().encode(JSON.stringify(publicJwk));
    const forged = await new SignJWT({ sub: 'alice', rooms: ['ops'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(publicKeyBytes);
    expect(await refusal(`Bearer ${forged}`)).toMatch(/algorithm/);
  });

  it('refuses a token signed by another key', async () => {
    const other = await generateKeyPair('RS256');
    const forged = await new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(other.privateKey);
    expect(await refusal(`Bearer ${forged}`)).toMatch(/signature/);
  });

  it('refuses subjects that would widen a policy grant', async () => {
    expect(await refusal(`Bearer ${await sign({ sub: 'a*' })}`)).toMatch(/subject/);
  });
});
