import {
  cognitoAccessToken,
  cognitoIdToken,
  foreignKey,
  NOW_MS,
  nowSeconds,
  POOL_CLIENT,
  POOL_ISSUER,
  poolKeySet,
} from '../../test/fixtures/cognito-tokens.js';
import { COGNITO_TOKEN_MAX_AGE_SECONDS, createCognitoSessionVerifier } from './cognito-session.js';
import { UnauthorizedError, UpstreamError } from './errors.js';

function setup(check: (token: string) => Promise<void> = async () => undefined, clockToleranceSeconds?: number) {
  const checked: string[] = [];
  const verify = createCognitoSessionVerifier({
    issuer: POOL_ISSUER,
    clientId: POOL_CLIENT,
    keySet: poolKeySet,
    now: () => new Date(NOW_MS),
    ...(clockToleranceSeconds !== undefined ? { clockToleranceSeconds } : {}),
    checkAccessToken: async (token) => {
      checked.push(token);
      await check(token);
    },
  });
  return { verify, checked };
}

describe('a Cognito session (ID token + access token of one sign-in, checked with Cognito)', () => {
  it('accepts the two tokens of one sign-in once Cognito accepts the access token, and names the sign-in', async () => {
    const { verify, checked } = setup();
    const id = await cognitoIdToken({}, { signIn: 'sign-in-7' });
    const access = await cognitoAccessToken({}, { signIn: 'sign-in-7' });
    const session = await verify(id, access);
    expect(session).toMatchObject({ idToken: id, signIn: 'sign-in-7', claims: { sub: 'dana-sub', 'cognito:username': 'dana' } });
    expect(checked).toEqual([access]);
  });

  it('refuses what Cognito refuses (a signed-out sign-in) with 401', async () => {
    const { verify } = setup(async () => {
      throw new UnauthorizedError('the Cognito sign-in was signed out or revoked; sign in again');
    });
    await expect(verify(await cognitoIdToken(), await cognitoAccessToken())).rejects.toThrow('signed out or revoked');
  });

  it('passes a Cognito outage on as retryable, never as an acceptance', async () => {
    const { verify } = setup(async () => {
      throw new UpstreamError('could not check the Cognito sign-in', true);
    });
    await expect(verify(await cognitoIdToken(), await cognitoAccessToken())).rejects.toBeInstanceOf(UpstreamError);
  });

  it('asks for the access token when it is missing, and says in which header', async () => {
    const { verify, checked } = setup();
    await expect(verify(await cognitoIdToken(), undefined)).rejects.toThrow(/Cognito-Access-Token header/);
    await expect(verify(await cognitoIdToken(), '   ')).rejects.toThrow(/Cognito-Access-Token header/);
    expect(checked).toEqual([]);
  });

  it.each([
    ['an access token in Authorization', () => cognitoIdToken({ token_use: 'access' }), () => cognitoAccessToken()],
    ['an ID token for another app client', () => cognitoIdToken({}, { audience: 'someone-else' }), () => cognitoAccessToken()],
    ['an ID token signed by another key', () => cognitoIdToken({}, { key: foreignKey }), () => cognitoAccessToken()],
    ['an expired ID token', () => cognitoIdToken({}, { exp: nowSeconds - 120 }), () => cognitoAccessToken()],
    ['an ID token issued more than a day ago', () => cognitoIdToken({}, { iat: nowSeconds - COGNITO_TOKEN_MAX_AGE_SECONDS - 61 }), () => cognitoAccessToken()],
    ['an ID token without iat', () => cognitoIdToken({}, { iat: null }), () => cognitoAccessToken()],
    ['an ID token with a typ other than JWT', () => cognitoIdToken({}, { typ: 'logout+jwt' }), () => cognitoAccessToken()],
    ['an ID token of another pool', () => cognitoIdToken({}, { issuer: `${POOL_ISSUER}x` }), () => cognitoAccessToken()],
    ['an ID token in the access token header', () => cognitoIdToken(), () => cognitoIdToken()],
    ['an access token of another app client', () => cognitoIdToken(), () => cognitoAccessToken({ client_id: 'someone-else' })],
    ['an access token signed by another key', () => cognitoIdToken(), () => cognitoAccessToken({}, { key: foreignKey })],
    ['an expired access token', () => cognitoIdToken(), () => cognitoAccessToken({}, { exp: nowSeconds - 120 })],
    ['an access token of another pool', () => cognitoIdToken(), () => cognitoAccessToken({}, { issuer: `${POOL_ISSUER}x` })],
    ['an access token of another user', () => cognitoIdToken(), () => cognitoAccessToken({}, { sub: 'erin-sub' })],
    ['an access token of another sign-in of the same user', () => cognitoIdToken(), () => cognitoAccessToken({}, { signIn: 'sign-in-2' })],
    ['an access token without origin_jti beside an ID token with one', () => cognitoIdToken(), () => cognitoAccessToken({}, { signIn: null })],
    ['a header that is not a JWT', () => cognitoIdToken(), async () => 'not a jwt'],
    ['an oversized header', () => cognitoIdToken(), async () => `${'a'.repeat(9000)}.b.c`],
  ])('refuses %s with 401 and never asks Cognito', async (_name, id, access) => {
    const { verify, checked } = setup();
    await expect(verify(await id(), await access())).rejects.toBeInstanceOf(UnauthorizedError);
    expect(checked).toEqual([]);
  });

  it('says which token was refused and why', async () => {
    const { verify } = setup();
    await expect(verify(await cognitoIdToken({}, { exp: nowSeconds - 120 }), await cognitoAccessToken())).rejects.toThrow(
      'the Cognito ID token was refused: the token has expired',
    );
    await expect(verify(await cognitoIdToken(), await cognitoAccessToken({}, { exp: nowSeconds - 120 }))).rejects.toThrow(
      'the Cognito access token was refused: the token has expired',
    );
  });

  it('tolerates the configured clock skew and no more', async () => {
    const id = await cognitoIdToken({}, { exp: nowSeconds - 30 });
    const access = await cognitoAccessToken({}, { exp: nowSeconds - 30 });
    await expect(setup(undefined, 60).verify(id, access)).resolves.toMatchObject({ signIn: 'sign-in-1' });
    await expect(setup(undefined, 0).verify(id, access)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('names a sign-in without origin_jti (tokens of old app clients) by the ID token itself', async () => {
    const id = await cognitoIdToken({}, { signIn: null });
    const session = await setup().verify(id, await cognitoAccessToken({}, { signIn: null }));
    expect(session.signIn).not.toBe('sign-in-1');
    expect(typeof session.signIn).toBe('string');
  });
});
