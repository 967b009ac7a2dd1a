import { cognitoAccessToken, cognitoIdToken, NOW_MS, POOL_CLIENT, POOL_ISSUER, poolKeySet } from '../../test/fixtures/cognito-tokens.js';
import { cognitoProfile, createCallerResolver } from './caller.js';
import { UnauthorizedError } from './errors.js';

const IDENTITY = 'eu-west-1:11111111-1111-1111-1111-111111111111';

function setup(options: { revoked?: Set<string>; now?: () => number } = {}) {
  const getIdCalls: string[] = [];
  const getUserCalls: string[] = [];
  const resolve = createCallerResolver({
    app: async (header) => {
      if (header !== 'Bearer a.b.c') throw new UnauthorizedError('not an app token');
      return { userId: 'alice' };
    },
    cognito: {
      issuer: POOL_ISSUER,
      clientId: POOL_CLIENT,
      keySet: poolKeySet,
      now: () => new Date(options.now?.() ?? NOW_MS),
      identityIdFor: async (token) => {
        getIdCalls.push(token);
        return IDENTITY;
      },
      checkAccessToken: async (token) => {
        getUserCalls.push(token);
        if (options.revoked?.has(token)) throw new UnauthorizedError('the Cognito sign-in was signed out or revoked; sign in again');
      },
    },
  });
  return { resolve, getIdCalls, getUserCalls };
}

const headersOf = (idToken: string, accessToken?: string) => ({
  authorization: `Bearer ${idToken}`,
  ...(accessToken !== undefined ? { 'cognito-access-token': accessToken } : {}),
});

describe('caller resolution', () => {
  it('names a Cognito user by identity id, asking Cognito for the identity once per sign-in and about the sign-in on every request', async () => {
    const { resolve, getIdCalls, getUserCalls } = setup();
    const id = await cognitoIdToken();
    const access = await cognitoAccessToken();
    await expect(resolve(headersOf(id, access))).resolves.toEqual({ userId: IDENTITY, kind: 'cognito', displayName: 'dana', username: 'dana' });
    // A refreshed ID token of the same sign-in: no second GetId, but a second GetUser.
    const refreshed = await cognitoIdToken({ extra: 1 });
    await expect(resolve(headersOf(refreshed, access))).resolves.toMatchObject({ userId: IDENTITY, kind: 'cognito' });
    expect(getIdCalls).toEqual([id]);
    expect(getUserCalls).toEqual([access, access]);
  });

  it('refuses a signed-out sign-in on the next request, although its identity id is cached', async () => {
    const revoked = new Set<string>();
    const { resolve, getIdCalls } = setup({ revoked });
    const id = await cognitoIdToken();
    const access = await cognitoAccessToken();
    await expect(resolve(headersOf(id, access))).resolves.toMatchObject({ userId: IDENTITY });
    revoked.add(access);
    await expect(resolve(headersOf(id, access))).rejects.toThrow('the Cognito sign-in was signed out or revoked; sign in again');
    expect(getIdCalls).toHaveLength(1);
  });

  it('asks for the identity again for a new sign-in, and once the cached sign-in has expired', async () => {
    let now = NOW_MS;
    const { resolve, getIdCalls } = setup({ now: () => now });
    const first = await cognitoIdToken({}, { signIn: 'sign-in-a' });
    await resolve(headersOf(first, await cognitoAccessToken({}, { signIn: 'sign-in-a' })));
    const second = await cognitoIdToken({}, { signIn: 'sign-in-b' });
    await resolve(headersOf(second, await cognitoAccessToken({}, { signIn: 'sign-in-b' })));
    expect(getIdCalls).toEqual([first, second]);
    // The cached entry lasts as long as the ID token it came from (600 s here); a token valid later asks again.
    now += 700_000;
    const later = Math.floor(now / 1000);
    const third = await cognitoIdToken({}, { signIn: 'sign-in-a', iat: later - 10, exp: later + 600 });
    await resolve(headersOf(third, await cognitoAccessToken({}, { signIn: 'sign-in-a', iat: later - 10, exp: later + 600 })));
    expect(getIdCalls).toEqual([first, second, third]);
  });

  it('refuses a Cognito ID token without the access token, and never asks Cognito', async () => {
    const { resolve, getIdCalls, getUserCalls } = setup();
    await expect(resolve(headersOf(await cognitoIdToken()))).rejects.toThrow(/Cognito-Access-Token/);
    expect(getIdCalls).toEqual([]);
    expect(getUserCalls).toEqual([]);
  });

  it('passes tokens of other issuers to the app verifier, which needs no access token', async () => {
    const { resolve, getUserCalls } = setup();
    const appLike = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"iss":"https://auth.example.com"}').toString('base64url')}.c2ln`;
    await expect(resolve({ authorization: `Bearer ${appLike}` })).rejects.toThrow('not an app token');
    expect(getUserCalls).toEqual([]);
  });

  it('refuses a malformed or missing token', async () => {
    const { resolve } = setup();
    await expect(resolve({ authorization: 'Bearer not-a-jwt' })).rejects.toThrow(UnauthorizedError);
    await expect(resolve({})).rejects.toThrow(UnauthorizedError);
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
    await expect(resolve({ authorization: appToken('alice') })).resolves.toEqual({ userId: 'alice', kind: 'app', displayName: 'Alice Liddell' });
    await expect(resolve({ authorization: appToken('bob') })).resolves.toEqual({ userId: 'bob', kind: 'app', displayName: 'bob' });
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
