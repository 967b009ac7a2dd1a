import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createCallerResolver } from './caller.js';
import { UnauthorizedError } from './errors.js';

const POOL = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool';
const CLIENT = 'app-client-1';
const IDENTITY = 'eu-west-1:11111111-1111-1111-1111-111111111111';

const keys = await generateKeyPair('RS256');
const other = await generateKeyPair('RS256');
const keySet = createLocalJWKSet({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k', alg: 'RS256' }] });

const idToken = (claims: Record<string, unknown> = {}, options: { issuer?: string; audience?: string; key?: CryptoKey; exp?: string } = {}) =>
  new SignJWT({ token_use: 'id', 'cognito:username': 'dana', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k' })
    .setSubject('dana-sub')
    .setIssuer(options.issuer ?? POOL)
    .setAudience(options.audience ?? CLIENT)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '10m')
    .sign(options.key ?? keys.privateKey);

function setup() {
  const getIdCalls: string[] = [];
  const resolve = createCallerResolver({
    app: async (header) => {
      if (header !== 'Bearer a.b.c') throw new UnauthorizedError('not an app token');
      return { userId: 'alice' };
    },
    cognito: { issuer: POOL, clientId: CLIENT, keySet, identityIdFor: async (token) => {
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
    await expect(resolve(`Bearer ${token}`)).resolves.toEqual({ userId: IDENTITY, kind: 'cognito' });
    await expect(resolve(`Bearer ${await idToken({ extra: 1 })}`)).resolves.toEqual({ userId: IDENTITY, kind: 'cognito' });
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
    ['an expired token', () => idToken({}, { exp: '-1m' })],
  ])('refuses %s with 401 and never calls Cognito', async (_name, make) => {
    const { resolve, getIdCalls } = setup();
    await expect(resolve(`Bearer ${await make()}`)).rejects.toThrow(UnauthorizedError);
    expect(getIdCalls).toEqual([]);
  });

  it('refuses a malformed or missing token', async () => {
    const { resolve } = setup();
    await expect(resolve('Bearer not-a-jwt')).rejects.toThrow(UnauthorizedError);
    await expect(resolve(undefined)).rejects.toThrow(UnauthorizedError);
  });
});
