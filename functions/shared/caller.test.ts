import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { COGNITO_ID_TOKEN_MAX_AGE_SECONDS, cognitoProfile, createCallerResolver } from './caller.js';
import { UnauthorizedError } from './errors.js';

const POOL = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool';
const CLIENT = 'app-client-1';
const IDENTITY = 'eu-west-1:11111111-1111-1111-1111-111111111111';

const keys = await generateKeyPair('RS256');
const other = await generateKeyPair('RS256');
const keySet = createLocalJWKSet({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k', alg: 'RS256' }] });

const NOW = Date.UTC(2030, 0, 1, 12);
const nowSeconds = Math.floor(NOW / 1000);

const idToken = (
  claims: Record<string, unknown> = {},
  options: { issuer?: string; audience?: string; key?: CryptoKey; exp?: number; iat?: number | null; typ?: string } = {},
) => {
  let jwt = new SignJWT({ token_use: 'id', 'cognito:username': 'dana', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k', ...(options.typ ? { typ: options.typ } : {}) })
    .setSubject('dana-sub')
    .setIssuer(options.issuer ?? POOL)
    .setAudience(options.audience ?? CLIENT)
    .setExpirationTime(options.exp ?? nowSeconds + 600);
  if (options.iat !== null) jwt = jwt.setIssuedAt(options.iat ?? nowSeconds - 10);
  return jwt.sign(options.key ?? keys.privateKey);
};

function setup(clockToleranceSeconds?: number) {
  const getIdCalls: string[] = [];
  const resolve = createCallerResolver({
    app: async (header) => {
      if (header !== 'Bearer a.b.c') throw new UnauthorizedError('not an app token');
      return { userId: 'alice' };
    },
    cognito: {
      issuer: POOL,
      clientId: CLIENT,
      keySet,
      now: () => new Date(NOW),
      ...(clockToleranceSeconds !== undefined ? { clockToleranceSeconds } : {}),
      identityIdFor: async (token) => {
        getIdCalls.push(token);
        return IDENTITY;
      },
    },
  });
  return { resolve, getIdCalls };
}

describe('caller resolution', () => {
  it('names a Cognito user by identity id, asking Cognito once per user', async () => {
    const { resolve, getIdCalls } = setup();
    const token = await idToken();
    await expect(resolve(`Bearer ${token}`)).resolves.toEqual({ userId: IDENTITY, kind: 'cognito', displayName: 'dana', username: 'dana' });
    await expect(resolve(`Bearer ${await idToken({ extra: 1 })}`)).resolves.toMatchObject({ userId: IDENTITY, kind: 'cognito' });
    expect(getIdCalls).toEqual([token]);
  });

  it('passes tokens of other issuers to the app verifier', async () => {
    const { resolve } = setup();
    const appLike = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"iss":"https://auth.example.com"}').toString('base64url')}.c2ln`;
    await expect(resolve(`Bearer ${appLike}`)).rejects.toThrow('not an app token');
  });

  it.each([
    ['an access token', () => idToken({ token_use: 'access' })],
    ['a token for another app client', () => idToken({}, { audience: 'someone-else' })],
    ['a token signed by another key', () => idToken({}, { key: other.privateKey })],
    ['an expired token', () => idToken({}, { exp: nowSeconds - 120 })],
    [
      'a token issued more than a day ago (Cognito ID tokens live at most a day)',
      () => idToken({}, { iat: nowSeconds - COGNITO_ID_TOKEN_MAX_AGE_SECONDS - 61, exp: nowSeconds + 600 }),
    ],
    ['a token without iat', () => idToken({}, { iat: null })],
    ['a token issued in the future beyond the clock skew', () => idToken({}, { iat: nowSeconds + 61 })],
    ['a token with a typ other than JWT', () => idToken({}, { typ: 'logout+jwt' })],
  ])('refuses %s with 401 and never calls Cognito', async (_name, make) => {
    const { resolve, getIdCalls } = setup();
    await expect(resolve(`Bearer ${await make()}`)).rejects.toThrow(UnauthorizedError);
    expect(getIdCalls).toEqual([]);
  });

  it('says why a Cognito ID token was refused', async () => {
    const { resolve } = setup();
    await expect(resolve(`Bearer ${await idToken({}, { iat: nowSeconds - COGNITO_ID_TOKEN_MAX_AGE_SECONDS - 61 })}`)).rejects.toThrow(
      'the Cognito ID token was refused: the token was issued more than 86400 seconds ago; sign in again',
    );
    await expect(resolve(`Bearer ${await idToken({}, { exp: nowSeconds - 120 })}`)).rejects.toThrow('the Cognito ID token was refused: the token has expired');
  });

  it('tolerates the configured clock skew and no more', async () => {
    const token = await idToken({}, { exp: nowSeconds - 30 });
    await expect(setup(60).resolve(`Bearer ${token}`)).resolves.toMatchObject({ userId: IDENTITY, kind: 'cognito' });
    await expect(setup(0).resolve(`Bearer ${token}`)).rejects.toThrow(UnauthorizedError);
  });

  it('accepts a JWT typ (Cognito sets none, which is accepted too)', async () => {
    await expect(setup().resolve(`Bearer ${await idToken({}, { typ: 'JWT' })}`)).resolves.toMatchObject({ kind: 'cognito' });
  });

  it('refuses a malformed or missing token', async () => {
    const { resolve } = setup();
    await expect(resolve('Bearer not-a-jwt')).rejects.toThrow(UnauthorizedError);
    await expect(resolve(undefined)).rejects.toThrow(UnauthorizedError);
  });
});

describe('what a caller is called (the directory profile from the token)', () => {
  it("names an app user by the token's name claim, else by their id", async () => {
    // Decodable app tokens (the app verifier stand-in checks nothing else); the real verification is in app-token.test.ts.
    const appToken = (sub: string) =>
      `Bearer ${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'https://auth.example.com', sub })).toString('base64url')}.c2ln`;
    const resolve = createCallerResolver({
      app: async (header) => (header === appToken('alice') ? { userId: 'alice', name: 'Alice Liddell' } : { userId: 'bob' }),
    });
    await expect(resolve(appToken('alice'))).resolves.toEqual({ userId: 'alice', kind: 'app', displayName: 'Alice Liddell' });
    await expect(resolve(appToken('bob'))).resolves.toEqual({ userId: 'bob', kind: 'app', displayName: 'bob' });
  });

  it('takes a Cognito username from cognito:username, or from preferred_username when the pool uses email usernames', () => {
    expect(cognitoProfile({ 'cognito:username': 'dana' })).toEqual({ displayName: 'dana', username: 'dana' });
    // Email-as-username pools put the sub (a UUID) in cognito:username.
    const sub = '58c03cc6-1b2d-4e5f-8a9b-0c1d2e3f4a5b';
    expect(cognitoProfile({ 'cognito:username': sub, preferred_username: 'dana', email: 'dana@example.com', email_verified: true })).toEqual({
      displayName: 'dana',
      username: 'dana',
      email: 'dana@example.com',
    });
    expect(cognitoProfile({ 'cognito:username': sub, email: 'dana@example.com', email_verified: true })).toEqual({
      displayName: 'dana',
      email: 'dana@example.com',
    });
  });

  it('prefers the name claim for display, and never shows a whole email address', () => {
    expect(cognitoProfile({ 'cognito:username': 'erin', name: 'Erin E.', email: 'erin@example.com', email_verified: true })).toMatchObject({
      displayName: 'Erin E.',
      username: 'erin',
    });
    const onlyEmail = cognitoProfile({ 'cognito:username': '58c03cc6-1b2d-4e5f-8a9b-0c1d2e3f4a5b', email: 'frank@example.com', email_verified: 'true' });
    expect(onlyEmail.displayName).toBe('frank');
    expect(cognitoProfile({ 'cognito:username': '58c03cc6-1b2d-4e5f-8a9b-0c1d2e3f4a5b' }).displayName).toBe('Cognito user');
  });

  it('keeps an email only when it is verified, and refuses claims that are not usable names', () => {
    expect(cognitoProfile({ 'cognito:username': 'gina', email: 'gina@example.com', email_verified: false })).toEqual({ displayName: 'gina', username: 'gina' });
    expect(cognitoProfile({ 'cognito:username': 'gina', email: 'gina@example.com' })).not.toHaveProperty('email');
    expect(cognitoProfile({ 'cognito:username': 'two words', name: 'bell\u0007', preferred_username: 'ok_name' })).toEqual({
      displayName: 'ok_name',
      username: 'ok_name',
    });
    expect(cognitoProfile({ 'cognito:username': 'h', name: 'x'.repeat(200) }).displayName).toBe('x'.repeat(64));
  });
});
