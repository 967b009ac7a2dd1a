import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { type AppTokenVerifierOptions, createAppTokenVerifier, normalizeTyp } from './app-token.js';
import { UnauthorizedError } from './errors.js';

const ISSUER = 'https://issuer.example';
const AUDIENCE = 'app';
const NOW = Date.UTC(2030, 0, 1, 12);
const nowSeconds = Math.floor(NOW / 1000);
let keys: Awaited<ReturnType<typeof generateKeyPair>>;
let publicJwk: Awaited<ReturnType<typeof exportJWK>>;

beforeAll(async () => {
  keys = await generateKeyPair('RS256', { extractable: true });
  publicJwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256' };
});

/** A verifier at a fixed time (NOW), with the configured rules unless overridden. */
const verifier = (options: Partial<AppTokenVerifierOptions> = {}) =>
  createAppTokenVerifier({
    jwksUrl: 'https://unused',
    issuer: ISSUER,
    audience: AUDIENCE,
    keySet: createLocalJWKSet({ keys: [publicJwk] }),
    now: () => new Date(NOW),
    ...options,
  });

interface SignOptions {
  iss?: string;
  aud?: string;
  exp?: number;
  nbf?: number;
  /** Epoch seconds; null: no iat claim. */
  iat?: number | null;
  typ?: string;
}

const sign = (claims: Record<string, unknown>, opts: SignOptions = {}) => {
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'k1', ...(opts.typ !== undefined ? { typ: opts.typ } : {}) })
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? AUDIENCE)
    .setExpirationTime(opts.exp ?? nowSeconds + 300);
  if (opts.iat !== null) jwt = jwt.setIssuedAt(opts.iat ?? nowSeconds - 10);
  if (opts.nbf !== undefined) jwt = jwt.setNotBefore(opts.nbf);
  return jwt.setSubject(String(claims.sub ?? 'alice')).sign(keys.privateKey);
};

async function refusal(header: string | undefined, verify = verifier()): Promise<string> {
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
    await expect(verifier()(`Bearer ${token}`)).resolves.toEqual({ userId: 'alice' });
  });

  it('returns the roles claim when it is an array of strings, and no role for any other shape', async () => {
    await expect(verifier()(`Bearer ${await sign({ sub: 'alice', roles: ['admin', 'ops'] })}`)).resolves.toEqual({ userId: 'alice', roles: ['admin', 'ops'] });
    for (const roles of ['admin', { admin: true }, ['admin', 1], [['admin']], null, []]) {
      await expect(verifier()(`Bearer ${await sign({ sub: 'alice', roles })}`)).resolves.toEqual({ userId: 'alice' });
    }
  });

  it('returns the name claim as a display name when it is a usable string, and none otherwise', async () => {
    await expect(verifier()(`Bearer ${await sign({ sub: 'alice', name: '  Alice L.  ' })}`)).resolves.toEqual({ userId: 'alice', name: 'Alice L.' });
    for (const name of ['', '   ', 42, ['Alice'], 'tab\there']) {
      await expect(verifier()(`Bearer ${await sign({ sub: 'alice', name })}`)).resolves.toEqual({ userId: 'alice' });
    }
  });

  it('refuses missing and malformed Authorization headers', async () => {
    expect(await refusal(undefined)).toMatch(/missing or malformed/);
    expect(await refusal('Basic abc')).toMatch(/missing or malformed/);
    expect(await refusal('Bearer not-a-jwt')).toMatch(/missing or malformed/);
  });

  it('refuses expired and not-yet-valid tokens', async () => {
    expect(await refusal(`Bearer ${await sign({ sub: 'alice' }, { exp: nowSeconds - 120 })}`)).toMatch(/expired/);
    expect(await refusal(`Bearer ${await sign({ sub: 'alice' }, { nbf: nowSeconds + 3600 })}`)).toMatch(/not valid yet/);
  });

  it('refuses another issuer or audience', async () => {
    expect(await refusal(`Bearer ${await sign({ sub: 'alice' }, { iss: 'https://evil.example' })}`)).toMatch(/another issuer/);
    expect(await refusal(`Bearer ${await sign({ sub: 'alice' }, { aud: 'other-app' })}`)).toMatch(/another audience/);
  });

  it('refuses alg none', async () => {
    const unsigned = new UnsecuredJWT({ sub: 'alice', rooms: ['ops'] })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + 300)
      .encode();
    expect(await refusal(`Bearer ${unsigned}`)).toMatch(/algorithm|malformed/);
  });

  it('refuses the HMAC confusion attack (HS256 signed with the public key)', async () => {
    const publicKeyBytes = new TextEncoder().encode(JSON.stringify(publicJwk));
    const forged = await new SignJWT({ sub: 'alice', rooms: ['ops'] })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + 300)
      .sign(publicKeyBytes);
    expect(await refusal(`Bearer ${forged}`)).toMatch(/algorithm/);
  });

  it('refuses a token signed by another key', async () => {
    const other = await generateKeyPair('RS256');
    const forged = await new SignJWT({ sub: 'alice' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + 300)
      .sign(other.privateKey);
    expect(await refusal(`Bearer ${forged}`)).toMatch(/signature/);
  });

  it('refuses subjects that would widen a policy grant', async () => {
    expect(await refusal(`Bearer ${await sign({ sub: 'a*' })}`)).toMatch(/subject/);
  });

  describe('maximum token age', () => {
    const day = 86_400;

    it('refuses a token issued longer ago than the maximum age, even when exp is far away', async () => {
      const old = await sign({ sub: 'alice' }, { iat: nowSeconds - day - 61, exp: nowSeconds + 30 * day });
      expect(await refusal(`Bearer ${old}`, verifier({ maxTokenAgeSeconds: day, clockToleranceSeconds: 60 }))).toBe(
        'the token was issued more than 86400 seconds ago; sign in again',
      );
    });

    it('accepts a token at the maximum age plus the clock tolerance, and follows the configured maximum', async () => {
      const atLimit = await sign({ sub: 'alice' }, { iat: nowSeconds - day - 60, exp: nowSeconds + 60 });
      await expect(verifier({ maxTokenAgeSeconds: day, clockToleranceSeconds: 60 })(`Bearer ${atLimit}`)).resolves.toEqual({ userId: 'alice' });
      const hourOld = await sign({ sub: 'alice' }, { iat: nowSeconds - 3600 });
      await expect(verifier({ maxTokenAgeSeconds: day })(`Bearer ${hourOld}`)).resolves.toEqual({ userId: 'alice' });
      expect(await refusal(`Bearer ${hourOld}`, verifier({ maxTokenAgeSeconds: 600, clockToleranceSeconds: 0 }))).toMatch(/more than 600 seconds ago/);
    });

    it('refuses a token without iat: its age cannot be bounded', async () => {
      expect(await refusal(`Bearer ${await sign({ sub: 'alice' }, { iat: null })}`)).toBe(
        'the token has no "iat" (issued at) claim, so its age cannot be checked',
      );
    });

    it('refuses a token whose iat is not a number', async () => {
      expect(await refusal(`Bearer ${await sign({ sub: 'alice', iat: 'yesterday' }, { iat: null })}`)).toMatch(/iat claim is invalid/);
    });
  });

  describe('clock skew', () => {
    it('tolerates the configured skew on exp, nbf and iat, and no more', async () => {
      const tolerant = verifier({ clockToleranceSeconds: 60 });
      const strict = verifier({ clockToleranceSeconds: 0 });
      const justExpired = await sign({ sub: 'alice' }, { exp: nowSeconds - 30 });
      const notYet = await sign({ sub: 'alice' }, { nbf: nowSeconds + 30 });
      const issuedAhead = await sign({ sub: 'alice' }, { iat: nowSeconds + 30 });
      for (const token of [justExpired, notYet, issuedAhead]) {
        await expect(tolerant(`Bearer ${token}`)).resolves.toEqual({ userId: 'alice' });
        await expect(strict(`Bearer ${token}`)).rejects.toThrow(UnauthorizedError);
      }
      expect(await refusal(`Bearer ${await sign({ sub: 'alice' }, { exp: nowSeconds - 61 })}`, tolerant)).toBe('the token has expired');
      expect(await refusal(`Bearer ${await sign({ sub: 'alice' }, { nbf: nowSeconds + 61 })}`, tolerant)).toBe('the token is not valid yet');
      expect(await refusal(`Bearer ${await sign({ sub: 'alice' }, { iat: nowSeconds + 61 })}`, tolerant)).toBe(
        'the token claims to be issued in the future (more than 60 seconds of clock skew)',
      );
    });

    it('defaults to 60 seconds', async () => {
      const defaults = createAppTokenVerifier({
        jwksUrl: 'https://unused',
        issuer: ISSUER,
        audience: AUDIENCE,
        keySet: createLocalJWKSet({ keys: [publicJwk] }),
        now: () => new Date(NOW),
      });
      await expect(defaults(`Bearer ${await sign({ sub: 'alice' }, { exp: nowSeconds - 59 })}`)).resolves.toEqual({ userId: 'alice' });
      await expect(defaults(`Bearer ${await sign({ sub: 'alice' }, { exp: nowSeconds - 61 })}`)).rejects.toThrow('the token has expired');
    });
  });

  describe('typ header', () => {
    it.each(['JWT', 'jwt', 'at+jwt', 'application/at+jwt', 'AT+JWT'])('accepts %j with the default types', async (typ) => {
      await expect(verifier()(`Bearer ${await sign({ sub: 'alice' }, { typ })}`)).resolves.toEqual({ userId: 'alice' });
    });

    it('accepts a token without typ (the header is optional)', async () => {
      await expect(verifier()(`Bearer ${await sign({ sub: 'alice' })}`)).resolves.toEqual({ userId: 'alice' });
    });

    it.each(['logout+jwt', 'secevent+jwt', 'id_token', 'JOSE'])('refuses %j, a token meant for something else', async (typ) => {
      expect(await refusal(`Bearer ${await sign({ sub: 'alice' }, { typ })}`)).toBe(
        `the token type ${JSON.stringify(typ)} is not accepted (expected JWT or at+jwt)`,
      );
    });

    it('follows the configured types', async () => {
      const accessTokensOnly = verifier({ acceptedTypes: ['at+jwt'] });
      await expect(accessTokensOnly(`Bearer ${await sign({ sub: 'alice' }, { typ: 'at+jwt' })}`)).resolves.toEqual({ userId: 'alice' });
      expect(await refusal(`Bearer ${await sign({ sub: 'alice' }, { typ: 'JWT' })}`, accessTokensOnly)).toMatch(/"JWT" is not accepted \(expected at\+jwt\)/);
    });

    it('normalizes as RFC 7515 says: case-insensitive, "application/" optional', () => {
      expect(normalizeTyp('Application/AT+JWT')).toBe('at+jwt');
      expect(normalizeTyp('JWT')).toBe('jwt');
    });
  });
});
