/**
 * A signed-out Cognito user's tokens stop working at the HTTP API at once, through the whole local stack: the user
 * signs in to the emulator's user pool, uses the API, signs out with GlobalSignOut or RevokeToken (what Amplify's
 * signOut() does) through the AWS SDK, and the very next request with the same, unexpired tokens is refused, on every
 * kind of route (reads, writes, attach-policy). The functions ask Cognito (GetUser) with the access token that travels
 * in the Cognito-Access-Token header (functions/shared/cognito-session.ts).
 */
import { CognitoIdentityProviderClient, GlobalSignOutCommand, RevokeTokenCommand } from '@aws-sdk/client-cognito-identity-provider';
import { memoryLogger } from '../../local/emulator/log.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, type CognitoTestSession, cognitoSession } from '../../test/support/local-api.js';

const WEB_ORIGIN = 'http://127.0.0.1:5173';
let stack: LocalStack;
let idp: CognitoIdentityProviderClient;
const api = apiClient(() => stack);

beforeAll(async () => {
  stack = await startLocalStack({ emulatorPort: 0, apiPort: 0, corsOrigins: [WEB_ORIGIN], logger: memoryLogger(), functionLogLevel: 'SILENT' });
  idp = new CognitoIdentityProviderClient({
    region: 'us-east-1',
    endpoint: stack.emulator.url,
    credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
  });
});
afterAll(async () => {
  idp.destroy();
  await stack.close();
});

/** One request of each kind the API serves a Cognito user; all must answer `expected`. */
async function everyKindOfRoute(session: CognitoTestSession, roomId: string) {
  return {
    list: (await api('GET', '/rooms', session.auth)).status,
    members: (await api('GET', `/rooms/${roomId}/members`, session.auth)).status,
    post: (await api('POST', `/rooms/${roomId}/messages`, { ...session.auth, body: { text: 'still here?' } })).status,
    history: (await api('GET', `/rooms/${roomId}/messages`, session.auth)).status,
    presence: (await api('GET', `/rooms/${roomId}/presence`, session.auth)).status,
    create: (await api('POST', '/rooms', { ...session.auth, body: { name: 'after sign-out' } })).status,
    attach: (await api('POST', '/iot/attach-policy', session.auth)).status,
  };
}

async function signedInWithARoom(username: string): Promise<{ session: CognitoTestSession; roomId: string }> {
  const session = await cognitoSession(api, username);
  const created = await api('POST', '/rooms', { ...session.auth, body: { name: `${username}'s room` } });
  expect(created.status).toBe(201);
  return { session, roomId: created.body.roomId as string };
}

const ALL_OK = { list: 200, members: 200, post: 202, history: 200, presence: 200, create: 201, attach: 200 };
const ALL_REFUSED = { list: 401, members: 401, post: 401, history: 401, presence: 401, create: 401, attach: 401 };

describe('a signed-out Cognito user', () => {
  it('is refused on every route right after GlobalSignOut, with tokens that have not expired', async () => {
    const { session, roomId } = await signedInWithARoom('revoke-global');
    expect(await everyKindOfRoute(session, roomId)).toEqual(ALL_OK);

    await idp.send(new GlobalSignOutCommand({ AccessToken: session.accessToken }));
    expect(await everyKindOfRoute(session, roomId)).toEqual(ALL_REFUSED);
    const refused = await api('GET', '/rooms', session.auth);
    expect(refused.body).toEqual({ error: 'unauthorized', message: 'the Cognito sign-in was signed out or revoked; sign in again' });

    // Signing in again works (the identity, and with it the rooms, are the same).
    const again = await cognitoSession(api, 'revoke-global');
    const rooms = await api('GET', '/rooms', again.auth);
    expect(rooms.status).toBe(200);
    expect((rooms.body.rooms as Array<{ roomId: string }>).map((r) => r.roomId)).toContain(roomId);
  });

  it('is refused on every route right after RevokeToken of its refresh token (Amplify signOut), other sign-ins unaffected', async () => {
    const { session, roomId } = await signedInWithARoom('revoke-one');
    const otherDevice = await cognitoSession(api, 'revoke-one');
    expect(await everyKindOfRoute(session, roomId)).toEqual(ALL_OK);

    await idp.send(new RevokeTokenCommand({ ClientId: stack.userPool.clientId, Token: session.refreshToken }));
    expect(await everyKindOfRoute(session, roomId)).toEqual(ALL_REFUSED);
    // RevokeToken revokes one sign-in: the same user's other sign-in goes on working.
    expect((await api('GET', `/rooms/${roomId}/messages`, otherDevice.auth)).status).toBe(200);
  });

  it("cannot borrow another sign-in's valid access token for a revoked ID token", async () => {
    const revoked = await cognitoSession(api, 'revoke-mix');
    const current = await cognitoSession(api, 'revoke-mix');
    await idp.send(new RevokeTokenCommand({ ClientId: stack.userPool.clientId, Token: revoked.refreshToken }));
    const mixed = await api('GET', '/rooms', { token: revoked.idToken, headers: current.auth.headers });
    expect(mixed).toMatchObject({ status: 401, body: { message: 'the Cognito ID and access tokens come from different sign-ins' } });
    // Nor somebody else's access token for their own ID token.
    const stranger = await cognitoSession(api, 'revoke-stranger');
    expect((await api('GET', '/rooms', { token: current.idToken, headers: stranger.auth.headers })).status).toBe(401);
  });

  it('cannot skip the check by leaving the access token out, or sending an ID token in its place', async () => {
    const session = await cognitoSession(api, 'revoke-skip');
    expect(await api('GET', '/rooms', { token: session.idToken })).toMatchObject({
      status: 401,
      body: { message: expect.stringContaining('Cognito-Access-Token') },
    });
    expect((await api('GET', '/rooms', { token: session.idToken, headers: { 'cognito-access-token': session.idToken } })).status).toBe(401);
    expect((await api('POST', '/iot/attach-policy', { token: session.idToken })).status).toBe(401);
  });

  it('lets the web origin send the access token header (CORS preflight)', async () => {
    const preflight = await fetch(`${stack.api.url}/rooms`, {
      method: 'OPTIONS',
      headers: { origin: WEB_ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,cognito-access-token' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')?.split(',')).toEqual(expect.arrayContaining(['authorization', 'cognito-access-token']));
  });
});
