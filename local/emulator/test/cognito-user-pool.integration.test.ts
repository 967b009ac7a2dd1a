/**
 * The local Cognito user pool through real clients: the AWS SDK v3 CognitoIdentityProviderClient (public operations
 * unsigned, AdminConfirmSignUp signed and IAM-authorized), aws-amplify v6's own SRP sign-in, and jose against the
 * pool's JWKS. The service runs in a small HTTP server on 127.0.0.1, as the emulator's router will run it.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import {
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  type InitiateAuthCommandOutput,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Amplify } from 'aws-amplify';
import { fetchAuthSession, signIn, signOut } from 'aws-amplify/auth';
import { ConsoleLogger } from 'aws-amplify/utils';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { startTestEmulator } from '../../../test/support/emulator.js';
import { LOCAL_ACCESS_MODEL, LOCAL_ADMIN_CREDENTIALS, LOCAL_IDENTITY_POOL_ID } from '../../local-deployment.js';
import { LocalAccount } from '../account/account.js';
import { defaultAccountConfig } from '../account/default-account.js';
import { readBody } from '../http/io.js';
import { memoryLogger } from '../log.js';
import { DEFAULT_CLIENT, type UserPoolConfig, userPoolConfig } from '../services/cognito-user-pool/config.js';
import { DEMO_COGNITO_USERS, seedDemoCognitoUsers } from '../services/cognito-user-pool/seed.js';
import { CognitoUserPoolService } from '../services/cognito-user-pool/service.js';
import { answerPasswordVerifier, startSrpClient } from '../services/cognito-user-pool/srp-client.test-support.js';
import { USER_POOL_DATA_FILE } from '../services/cognito-user-pool/store.js';

const POOL_ID = 'us-east-1_TestPool1';
const CLIENT_ID = 'testwebclient';
/** Same pool, a client with PreventUserExistenceErrors off and SRP only (like infra's web client). */
const LEGACY_CLIENT_ID = 'legacyclient';
const AUTO_POOL_ID = 'us-east-1_AutoPool1';
const AUTO_CLIENT_ID = 'autoclient';
const HOUR = 3600;

const pools: UserPoolConfig[] = [
  {
    ...userPoolConfig(POOL_ID, CLIENT_ID),
    clients: [
      { ...DEFAULT_CLIENT, clientId: CLIENT_ID },
      { ...DEFAULT_CLIENT, clientId: LEGACY_CLIENT_ID, preventUserExistenceErrors: false, authFlows: ['USER_SRP_AUTH', 'REFRESH_TOKEN_AUTH'] },
    ],
  },
  userPoolConfig(AUTO_POOL_ID, AUTO_CLIENT_ID, { autoConfirm: true, passwordPolicy: { minimumLength: 10, requireNumbers: true, requireUppercase: true } }),
];

const account = new LocalAccount(defaultAccountConfig({ userPoolIssuerUrl: 'http://127.0.0.1:9', userPoolClientId: 'unused' }));
const logger = memoryLogger();
/** The service's clock: tests move it to expire tokens and codes (reset after each test). */
let clockOffsetMs = 0;
const now = () => new Date(Date.now() + clockOffsetMs);
let dataDir: string;
let running: { service: CognitoUserPoolService; server: Server; url: string };

/** `issuerUrl` stands in for the server's own URL (a foreign pool claiming our issuer); no `dataDir`: in memory. */
async function startPools(options: { port?: number; dataDir?: string; issuerUrl?: () => string } = {}): Promise<typeof running> {
  let url = '';
  const baseUrl = options.issuerUrl ?? (() => url);
  const service = await CognitoUserPoolService.start({ account, logger, now, pools, ...(options.dataDir ? { dataDir: options.dataDir } : {}), baseUrl });
  const server = createServer((req, res) => {
    if (service.handleJwks(req, res)) return;
    readBody(req, 1024 * 1024)
      .then((body) => service.handle(req, res, body))
      .catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { service, server, url };
}

async function stopPools(pools: typeof running): Promise<void> {
  pools.server.closeAllConnections();
  await new Promise<void>((resolve) => pools.server.close(() => resolve()));
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cognito-user-pool-'));
  running = await startPools({ dataDir });
  seedDemoCognitoUsers(running.service, POOL_ID);
  // Amplify warns once that a custom user pool endpoint is configured: expected here.
  ConsoleLogger.LOG_LEVEL = 'ERROR';
});
afterEach(() => {
  clockOffsetMs = 0;
});
afterAll(async () => {
  await stopPools(running);
  rmSync(dataDir, { recursive: true, force: true });
});

// Public operations are unauthenticated: the SDK sends them unsigned, whatever credentials it holds.
const idp = () =>
  new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint: running.url, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
const issuer = (poolId = POOL_ID) => `${running.url}/${poolId}`;
const jwks = () => createRemoteJWKSet(new URL(`${issuer()}/.well-known/jwks.json`));

let counter = 0;
function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`;
}

function confirmationCodeFor(username: string): string {
  const entry = logger.entries.filter((e) => e.message.startsWith('cognito-idp confirmation code') && e.username === username).at(-1);
  if (typeof entry?.code !== 'string') throw new Error(`no confirmation code logged for ${username}`);
  return entry.code;
}

async function signUpConfirmed(password = 'correct-horse-1'): Promise<{ username: string; password: string; sub: string }> {
  const username = uniqueName('user');
  const out = await idp().send(new SignUpCommand({ ClientId: CLIENT_ID, Username: username, Password: password }));
  await idp().send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: username, ConfirmationCode: confirmationCodeFor(username) }));
  return { username, password, sub: out.UserSub! };
}

async function passwordSignIn(username: string, password: string, clientId = CLIENT_ID) {
  const out = await idp().send(
    new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password } }),
  );
  const result = out.AuthenticationResult!;
  return { idToken: result.IdToken!, accessToken: result.AccessToken!, refreshToken: result.RefreshToken!, expiresIn: result.ExpiresIn };
}

async function srpChallenge(username: string, clientId = CLIENT_ID) {
  const client = startSrpClient();
  const out = await idp().send(
    new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: username, SRP_A: client.srpA } }),
  );
  return { client, out };
}

function respond(out: InitiateAuthCommandOutput, responses: Record<string, string>, clientId = CLIENT_ID) {
  return idp().send(
    new RespondToAuthChallengeCommand({ ClientId: clientId, ChallengeName: 'PASSWORD_VERIFIER', Session: out.Session, ChallengeResponses: responses }),
  );
}

const refused = (name: string, message?: string) => expect.objectContaining({ name, ...(message ? { message } : {}) });

describe('sign-up and confirmation', () => {
  it('signs a user up unconfirmed, logs the code, confirms with it, and refuses a second confirmation', async () => {
    const username = uniqueName('dana');
    const out = await idp().send(
      new SignUpCommand({
        ClientId: CLIENT_ID,
        Username: username,
        Password: 'correct-horse-1',
        UserAttributes: [{ Name: 'email', Value: 'dana@example.com' }],
      }),
    );
    expect(out.UserConfirmed).toBe(false);
    expect(out.UserSub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(out.CodeDeliveryDetails).toEqual({ Destination: 'd***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    const code = confirmationCodeFor(username);
    expect(code).toMatch(/^\d{6}$/);

    await expect(passwordSignIn(username, 'correct-horse-1')).rejects.toEqual(refused('UserNotConfirmedException', 'User is not confirmed.'));
    const wrong = code === '000000' ? '000001' : '000000';
    await expect(idp().send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: username, ConfirmationCode: wrong }))).rejects.toEqual(
      refused('CodeMismatchException', 'Invalid verification code provided, please try again.'),
    );
    await idp().send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: username, ConfirmationCode: code }));
    await expect(idp().send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: username, ConfirmationCode: code }))).rejects.toEqual(
      refused('NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED'),
    );
    expect((await passwordSignIn(username, 'correct-horse-1')).idToken).toBeTruthy();
  });

  it('refuses a taken username, case-insensitively', async () => {
    await expect(idp().send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'erin', Password: 'another-password' }))).rejects.toEqual(
      refused('UsernameExistsException', 'User already exists'),
    );
    await expect(idp().send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'ERIN', Password: 'another-password' }))).rejects.toEqual(
      refused('UsernameExistsException'),
    );
  });

  it("enforces the pool's password policy", async () => {
    await expect(idp().send(new SignUpCommand({ ClientId: CLIENT_ID, Username: uniqueName('p'), Password: 'short' }))).rejects.toEqual(
      refused('InvalidPasswordException', 'Password did not conform with policy: Password not long enough'),
    );
    await expect(idp().send(new SignUpCommand({ ClientId: AUTO_CLIENT_ID, Username: uniqueName('p'), Password: 'longenough-but-plain' }))).rejects.toEqual(
      refused('InvalidPasswordException', 'Password did not conform with policy: Password must have uppercase characters'),
    );
  });

  it('auto-confirms sign-ups in a pool set to do so: the user signs in at once', async () => {
    const username = uniqueName('auto');
    const out = await idp().send(new SignUpCommand({ ClientId: AUTO_CLIENT_ID, Username: username, Password: 'Auto-confirm-1' }));
    expect(out).toMatchObject({ UserConfirmed: true });
    expect(out.CodeDeliveryDetails).toBeUndefined();
    expect((await passwordSignIn(username, 'Auto-confirm-1', AUTO_CLIENT_ID)).accessToken).toBeTruthy();
  });

  it('expires confirmation codes after 24 hours', async () => {
    const username = uniqueName('late');
    await idp().send(new SignUpCommand({ ClientId: CLIENT_ID, Username: username, Password: 'correct-horse-1' }));
    clockOffsetMs = 24 * HOUR * 1000 + 1000;
    await expect(
      idp().send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: username, ConfirmationCode: confirmationCodeFor(username) })),
    ).rejects.toEqual(refused('ExpiredCodeException'));
  });

  it('hides whether a user exists behind a code mismatch, unless the client reveals it', async () => {
    await expect(idp().send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: 'nobody-here', ConfirmationCode: '123456' }))).rejects.toEqual(
      refused('CodeMismatchException'),
    );
    await expect(idp().send(new ConfirmSignUpCommand({ ClientId: LEGACY_CLIENT_ID, Username: 'nobody-here', ConfirmationCode: '123456' }))).rejects.toEqual(
      refused('UserNotFoundException'),
    );
  });
});

describe('AdminConfirmSignUp (SigV4 and IAM)', () => {
  const adminIdp = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint: running.url, credentials });

  it('confirms for a principal IAM allows, and refuses one it does not, explaining why', async () => {
    const username = uniqueName('admin');
    await idp().send(new SignUpCommand({ ClientId: CLIENT_ID, Username: username, Password: 'correct-horse-1' }));

    const role = LOCAL_ACCESS_MODEL.functionRoles.messages;
    const session = account.startServiceRoleSession(role, 'lambda.amazonaws.com', 'admin-test', new Date(Date.now() + 3_600_000));
    const lambda = adminIdp({ accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken! });
    await expect(lambda.send(new AdminConfirmSignUpCommand({ UserPoolId: POOL_ID, Username: username }))).rejects.toEqual(
      refused(
        'AccessDeniedException',
        `User: ${session.principal.arn} is not authorized to perform: cognito-idp:AdminConfirmSignUp on resource: arn:aws:cognito-idp:us-east-1:000000000000:userpool/${POOL_ID} because no identity-based policy allows the cognito-idp:AdminConfirmSignUp action`,
      ),
    );
    expect(logger.entries.some((e) => e.message === 'denied' && e.action === 'cognito-idp:AdminConfirmSignUp' && String(e.who).includes(role.name))).toBe(true);

    await adminIdp(LOCAL_ADMIN_CREDENTIALS).send(new AdminConfirmSignUpCommand({ UserPoolId: POOL_ID, Username: username }));
    expect((await passwordSignIn(username, 'correct-horse-1')).idToken).toBeTruthy();
    await expect(adminIdp(LOCAL_ADMIN_CREDENTIALS).send(new AdminConfirmSignUpCommand({ UserPoolId: POOL_ID, Username: 'nobody-here' }))).rejects.toEqual(
      refused('UserNotFoundException'),
    );
    await expect(
      adminIdp(LOCAL_ADMIN_CREDENTIALS).send(new AdminConfirmSignUpCommand({ UserPoolId: 'us-east-1_NoSuchPool', Username: username })),
    ).rejects.toEqual(refused('ResourceNotFoundException'));
  });

  it('refuses an unsigned request and a bad signature with 403', async () => {
    const unsigned = await fetch(running.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSCognitoIdentityProviderService.AdminConfirmSignUp' },
      body: JSON.stringify({ UserPoolId: POOL_ID, Username: 'erin' }),
    });
    expect(unsigned.status).toBe(403);
    expect(((await unsigned.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
    const forged = adminIdp({ accessKeyId: LOCAL_ADMIN_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-secret' });
    await expect(forged.send(new AdminConfirmSignUpCommand({ UserPoolId: POOL_ID, Username: 'erin' }))).rejects.toEqual(refused('SignatureDoesNotMatch'));
  });
});

describe('sign-in', () => {
  it('USER_PASSWORD_AUTH issues ID, access and refresh tokens with the claims Cognito puts in them', async () => {
    const user = await signUpConfirmed();
    const before = Math.floor(Date.now() / 1000);
    const tokens = await passwordSignIn(user.username, user.password);
    expect(tokens.expiresIn).toBe(HOUR);

    const { payload: id, protectedHeader: idHeader } = await jwtVerify(tokens.idToken, jwks(), {
      issuer: issuer(),
      audience: CLIENT_ID,
      algorithms: ['RS256'],
    });
    expect(idHeader).toEqual({ alg: 'RS256', kid: expect.any(String) });
    expect(id).toMatchObject({ sub: user.sub, token_use: 'id', 'cognito:username': user.username, aud: CLIENT_ID, iss: issuer() });
    expect(id.exp! - id.iat!).toBe(HOUR);
    expect(id.auth_time).toBeGreaterThanOrEqual(before);
    for (const claim of ['jti', 'origin_jti', 'event_id']) expect(id[claim]).toEqual(expect.any(String));

    const { payload: access, protectedHeader: accessHeader } = await jwtVerify(tokens.accessToken, jwks(), { issuer: issuer(), algorithms: ['RS256'] });
    expect(access).toMatchObject({
      sub: user.sub,
      token_use: 'access',
      client_id: CLIENT_ID,
      username: user.username,
      scope: 'aws.cognito.signin.user.admin',
      origin_jti: id.origin_jti,
      event_id: id.event_id,
    });
    expect(access.aud).toBeUndefined();
    // Cognito signs ID and access tokens with different keys.
    expect(accessHeader.kid).not.toBe(idHeader.kid);
    expect(tokens.refreshToken.length).toBeGreaterThan(40);
  });

  it('refuses a wrong password and an unknown user with the same message, unless the client reveals existence', async () => {
    await expect(passwordSignIn('erin', 'not-her-password')).rejects.toEqual(refused('NotAuthorizedException', 'Incorrect username or password.'));
    await expect(passwordSignIn('nobody-here', 'whatever-123')).rejects.toEqual(refused('NotAuthorizedException', 'Incorrect username or password.'));
    expect(logger.entries.some((e) => e.message === 'denied' && e.who === 'erin' && e.reason === 'incorrect password')).toBe(true);
    await expect(srpChallenge('nobody-here', LEGACY_CLIENT_ID)).rejects.toEqual(refused('UserNotFoundException', 'User does not exist.'));
  });

  it('refuses a flow the app client does not enable, and an unknown client', async () => {
    await expect(passwordSignIn('erin', DEMO_COGNITO_USERS[0]!.password, LEGACY_CLIENT_ID)).rejects.toEqual(
      refused('InvalidParameterException', 'USER_PASSWORD_AUTH flow not enabled for this client'),
    );
    await expect(passwordSignIn('erin', DEMO_COGNITO_USERS[0]!.password, 'no-such-client')).rejects.toEqual(
      refused('ResourceNotFoundException', 'User pool client no-such-client does not exist.'),
    );
  });

  it('USER_SRP_AUTH: the PASSWORD_VERIFIER challenge, answered, gives tokens', async () => {
    const { password } = DEMO_COGNITO_USERS[0]!;
    const { client, out } = await srpChallenge('Erin');
    expect(out.ChallengeName).toBe('PASSWORD_VERIFIER');
    expect(out.Session).toEqual(expect.any(String));
    expect(out.ChallengeParameters).toEqual({
      SALT: expect.stringMatching(/^[0-9a-f]+$/),
      SRP_B: expect.stringMatching(/^[0-9a-f]+$/),
      SECRET_BLOCK: expect.any(String),
      USERNAME: 'erin',
      USER_ID_FOR_SRP: 'erin',
    });
    const answered = await respond(out, answerPasswordVerifier(client, POOL_ID, password, out.ChallengeParameters!));
    const { payload } = await jwtVerify(answered.AuthenticationResult!.IdToken!, jwks(), { issuer: issuer(), audience: CLIENT_ID });
    expect(payload['cognito:username']).toBe('erin');
  });

  it('USER_SRP_AUTH refuses a wrong password, a replayed answer, another client, and a malformed timestamp', async () => {
    const { password } = DEMO_COGNITO_USERS[0]!;
    const wrong = await srpChallenge('erin');
    await expect(respond(wrong.out, answerPasswordVerifier(wrong.client, POOL_ID, 'not-her-password', wrong.out.ChallengeParameters!))).rejects.toEqual(
      refused('NotAuthorizedException', 'Incorrect username or password.'),
    );

    const once = await srpChallenge('erin');
    const answer = answerPasswordVerifier(once.client, POOL_ID, password, once.out.ChallengeParameters!);
    await respond(once.out, answer);
    await expect(respond(once.out, answer)).rejects.toEqual(refused('NotAuthorizedException', 'Invalid session for the user.'));

    const other = await srpChallenge('erin');
    await expect(respond(other.out, answerPasswordVerifier(other.client, POOL_ID, password, other.out.ChallengeParameters!), LEGACY_CLIENT_ID)).rejects.toEqual(
      refused('NotAuthorizedException'),
    );

    const stamp = await srpChallenge('erin');
    const badStamp = { ...answerPasswordVerifier(stamp.client, POOL_ID, password, stamp.out.ChallengeParameters!), TIMESTAMP: '2025-03-04T09:05:01Z' };
    await expect(respond(stamp.out, badStamp)).rejects.toEqual(refused('InvalidParameterException'));
  });

  it('USER_SRP_AUTH answers an unknown user with a decoy challenge that then fails like a wrong password', async () => {
    const { client, out } = await srpChallenge('nobody-here');
    expect(out.ChallengeName).toBe('PASSWORD_VERIFIER');
    await expect(respond(out, answerPasswordVerifier(client, POOL_ID, 'any-password', out.ChallengeParameters!))).rejects.toEqual(
      refused('NotAuthorizedException', 'Incorrect username or password.'),
    );
  });

  it('refuses an unconfirmed user after the SRP proof', async () => {
    const username = uniqueName('unconf');
    await idp().send(new SignUpCommand({ ClientId: CLIENT_ID, Username: username, Password: 'correct-horse-1' }));
    const { client, out } = await srpChallenge(username);
    await expect(respond(out, answerPasswordVerifier(client, POOL_ID, 'correct-horse-1', out.ChallengeParameters!))).rejects.toEqual(
      refused('UserNotConfirmedException'),
    );
  });
});

describe("aws-amplify v6's own sign-in (USER_SRP_AUTH through userPoolEndpoint)", () => {
  it('signs in, reads the tokens, signs out globally (revoking the access token), and refuses a wrong password', async () => {
    const { username, password } = DEMO_COGNITO_USERS[1]!;
    Amplify.configure({ Auth: { Cognito: { userPoolId: POOL_ID, userPoolClientId: CLIENT_ID, userPoolEndpoint: running.url } } });
    const result = await signIn({ username, password });
    expect(result).toEqual({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    const { tokens } = await fetchAuthSession();
    expect(tokens?.idToken?.payload).toMatchObject({ 'cognito:username': username, token_use: 'id', iss: issuer(), aud: CLIENT_ID });
    const accessToken = tokens!.accessToken.toString();
    expect((await idp().send(new GetUserCommand({ AccessToken: accessToken }))).Username).toBe(username);

    await signOut({ global: true });
    await expect(idp().send(new GetUserCommand({ AccessToken: accessToken }))).rejects.toEqual(
      refused('NotAuthorizedException', 'Access Token has been revoked'),
    );
    await expect(signIn({ username, password: 'not-his-password' })).rejects.toEqual(refused('NotAuthorizedException', 'Incorrect username or password.'));
  });
});

describe('refresh, GetUser and sign-out', () => {
  it('REFRESH_TOKEN_AUTH gives new ID and access tokens of the same sign-in, and no new refresh token', async () => {
    const user = await signUpConfirmed();
    const first = await passwordSignIn(user.username, user.password);
    for (const flow of ['REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN'] as const) {
      const out = await idp().send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: flow, AuthParameters: { REFRESH_TOKEN: first.refreshToken } }));
      expect(out.AuthenticationResult?.RefreshToken).toBeUndefined();
      const id = decodeJwt(out.AuthenticationResult!.IdToken!);
      const original = decodeJwt(first.idToken);
      expect(id.origin_jti).toBe(original.origin_jti);
      expect(id.auth_time).toBe(original.auth_time);
      expect(id.jti).not.toBe(original.jti);
    }
    await expect(
      idp().send(
        new InitiateAuthCommand({ ClientId: LEGACY_CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: first.refreshToken } }),
      ),
    ).rejects.toEqual(refused('NotAuthorizedException', 'Invalid Refresh Token'));
    await expect(
      idp().send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: 'not-a-refresh-token' } })),
    ).rejects.toEqual(refused('NotAuthorizedException', 'Invalid Refresh Token'));
  });

  it('GetUser returns the user; GlobalSignOut revokes every access and refresh token of the user', async () => {
    const user = await signUpConfirmed();
    const phone = await passwordSignIn(user.username, user.password);
    const laptop = await passwordSignIn(user.username, user.password);
    const me = await idp().send(new GetUserCommand({ AccessToken: laptop.accessToken }));
    expect(me.Username).toBe(user.username);
    expect(me.UserAttributes).toEqual([{ Name: 'sub', Value: user.sub }]);

    await idp().send(new GlobalSignOutCommand({ AccessToken: laptop.accessToken }));
    for (const session of [phone, laptop]) {
      await expect(idp().send(new GetUserCommand({ AccessToken: session.accessToken }))).rejects.toEqual(
        refused('NotAuthorizedException', 'Access Token has been revoked'),
      );
      await expect(
        idp().send(new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: session.refreshToken } })),
      ).rejects.toEqual(refused('NotAuthorizedException', 'Refresh Token has been revoked'));
    }
    // Signing in again starts a new, valid sign-in.
    const again = await passwordSignIn(user.username, user.password);
    expect((await idp().send(new GetUserCommand({ AccessToken: again.accessToken }))).Username).toBe(user.username);
  });

  it('RevokeToken revokes one sign-in only', async () => {
    const user = await signUpConfirmed();
    const kept = await passwordSignIn(user.username, user.password);
    const revoked = await passwordSignIn(user.username, user.password);
    await idp().send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: revoked.refreshToken }));
    await expect(idp().send(new GetUserCommand({ AccessToken: revoked.accessToken }))).rejects.toEqual(
      refused('NotAuthorizedException', 'Access Token has been revoked'),
    );
    expect((await idp().send(new GetUserCommand({ AccessToken: kept.accessToken }))).Username).toBe(user.username);
  });

  it('GetUser refuses forged, expired, ID and foreign-pool tokens', async () => {
    const tokens = await passwordSignIn('erin', DEMO_COGNITO_USERS[0]!.password);
    const claims = decodeJwt(tokens.accessToken);
    const header = decodeProtectedHeader(tokens.accessToken);
    const attacker = await generateKeyPair('RS256');
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: header.kid! }).sign(attacker.privateKey);
    // Pools with the same id and users but their own keys: one on another URL, one claiming our issuer.
    const foreignTokens: string[] = [];
    for (const issuerUrl of [undefined, () => running.url]) {
      const foreign = await startPools(issuerUrl ? { issuerUrl } : {});
      seedDemoCognitoUsers(foreign.service, POOL_ID);
      const out = await new CognitoIdentityProviderClient({
        region: 'us-east-1',
        endpoint: foreign.url,
        credentials: { accessKeyId: 'u', secretAccessKey: 'u' },
      }).send(
        new InitiateAuthCommand({
          ClientId: CLIENT_ID,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: 'erin', PASSWORD: DEMO_COGNITO_USERS[0]!.password },
        }),
      );
      foreignTokens.push(out.AuthenticationResult!.AccessToken!);
      await stopPools(foreign);
    }
    expect(decodeJwt(foreignTokens[1]!).iss).toBe(issuer());

    for (const token of [forged, tokens.idToken, ...foreignTokens, 'not.a.jwt', `${tokens.accessToken.slice(0, -4)}AAAA`]) {
      await expect(idp().send(new GetUserCommand({ AccessToken: token }))).rejects.toEqual(refused('NotAuthorizedException', 'Invalid Access Token'));
    }
    clockOffsetMs = HOUR * 1000 + 5000;
    await expect(idp().send(new GetUserCommand({ AccessToken: tokens.accessToken }))).rejects.toEqual(
      refused('NotAuthorizedException', 'Access Token has expired'),
    );
    // The refresh token outlives the access token (30 days).
    const refreshed = await idp().send(
      new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.refreshToken } }),
    );
    expect((await idp().send(new GetUserCommand({ AccessToken: refreshed.AuthenticationResult!.AccessToken! }))).Username).toBe('erin');
  });
});

describe('JWKS', () => {
  it('publishes the two RS256 keys of the pool at /<poolId>/.well-known/jwks.json, and 404 for an unknown pool', async () => {
    const res = await fetch(`${issuer()}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { keys: Array<Record<string, string>> };
    expect(body.keys).toHaveLength(2);
    for (const key of body.keys) {
      expect(key).toEqual({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String), n: expect.any(String), e: 'AQAB' });
      expect(key).not.toHaveProperty('d');
    }
    expect((await fetch(`${running.url}/us-east-1_NoSuchPool/.well-known/jwks.json`)).status).toBe(404);
    const other = (await (await fetch(`${issuer(AUTO_POOL_ID)}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
    expect(other.keys.map((k) => k.kid)).not.toContain(body.keys[0]!.kid);
  });

  it('verifies an ID token only for its own audience and issuer', async () => {
    const { idToken } = await passwordSignIn('erin', DEMO_COGNITO_USERS[0]!.password);
    await expect(jwtVerify(idToken, jwks(), { issuer: issuer(), audience: CLIENT_ID })).resolves.toBeTruthy();
    await expect(jwtVerify(idToken, jwks(), { issuer: issuer(), audience: 'another-client' })).rejects.toThrow();
    await expect(jwtVerify(idToken, jwks(), { issuer: issuer(AUTO_POOL_ID), audience: CLIENT_ID })).rejects.toThrow();
  });
});

describe('protocol', () => {
  const raw = (target: string, body: string) =>
    fetch(running.url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, body });

  it('answers errors as {"__type", "message"} with HTTP 400', async () => {
    const unknown = await raw('AWSCognitoIdentityProviderService.DeleteUserPool', '{}');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ __type: 'UnknownOperationException', message: expect.stringContaining('DeleteUserPool is not emulated') });
    const notJson = await raw('AWSCognitoIdentityProviderService.SignUp', '{not json');
    expect(((await notJson.json()) as { __type: string }).__type).toBe('SerializationException');
    const noClient = await raw('AWSCognitoIdentityProviderService.InitiateAuth', JSON.stringify({ AuthFlow: 'USER_SRP_AUTH', AuthParameters: {} }));
    expect(await noClient.json()).toEqual({ __type: 'InvalidParameterException', message: 'Missing required parameter ClientId' });
    const badA = await raw(
      'AWSCognitoIdentityProviderService.InitiateAuth',
      JSON.stringify({ ClientId: CLIENT_ID, AuthFlow: 'USER_SRP_AUTH', AuthParameters: { USERNAME: 'erin', SRP_A: '0' } }),
    );
    expect(((await badA.json()) as { __type: string }).__type).toBe('InvalidParameterException');
  });
});

describe("the emulator's identity pool with this pool as its provider", () => {
  it('accepts the ID token as Logins (issuer, audience, expiry verified) and refuses the others', async () => {
    const emulator = await startTestEmulator({
      userPoolIssuerUrl: issuer(),
      account: (base) => ({
        ...base,
        identityPools: base.identityPools.map((p) => ({ ...p, providers: p.providers.map((provider) => ({ ...provider, audience: CLIENT_ID })) })),
      }),
    });
    try {
      const identity = new CognitoIdentityClient({
        region: 'us-east-1',
        endpoint: emulator.url,
        credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
      });
      // Amplify's Logins key is the token's iss without the scheme (credentialsProvider formLoginsMap).
      const loginsKey = running.service.loginsKey(POOL_ID);
      const { idToken, accessToken } = await passwordSignIn('erin', DEMO_COGNITO_USERS[0]!.password);
      expect(loginsKey).toBe(String(decodeJwt(idToken).iss).replace(/^https?:\/\//, ''));
      const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: LOCAL_IDENTITY_POOL_ID, Logins: { [loginsKey]: idToken } }));
      const out = await identity.send(new GetCredentialsForIdentityCommand({ IdentityId: IdentityId!, Logins: { [loginsKey]: idToken } }));
      const credentials = {
        accessKeyId: out.Credentials!.AccessKeyId!,
        secretAccessKey: out.Credentials!.SecretKey!,
        sessionToken: out.Credentials!.SessionToken!,
      };
      const who = await new STSClient({ region: 'us-east-1', endpoint: emulator.url, credentials }).send(new GetCallerIdentityCommand({}));
      expect(who.Arn).toContain(`assumed-role/${LOCAL_ACCESS_MODEL.cognitoAuthenticatedRole.name}/`);

      clockOffsetMs = -2 * HOUR * 1000;
      const expired = (await passwordSignIn('erin', DEMO_COGNITO_USERS[0]!.password)).idToken;
      clockOffsetMs = 0;
      // An ID token of another pool of the same emulator, presented under this pool's Logins key.
      const autoUser = uniqueName('auto');
      await idp().send(new SignUpCommand({ ClientId: AUTO_CLIENT_ID, Username: autoUser, Password: 'Auto-confirm-1' }));
      const foreignPoolToken = (await passwordSignIn(autoUser, 'Auto-confirm-1', AUTO_CLIENT_ID)).idToken;
      const attacker = await generateKeyPair('RS256');
      const forged = await new SignJWT(decodeJwt(idToken)).setProtectedHeader(decodeProtectedHeader(idToken) as { alg: string }).sign(attacker.privateKey);
      for (const [token, why] of [
        [expired, '"exp" claim timestamp check failed'],
        [accessToken, '"aud"'],
        [foreignPoolToken, 'no applicable key found'],
        [forged, 'signature verification failed'],
      ] as const) {
        await expect(identity.send(new GetIdCommand({ IdentityPoolId: LOCAL_IDENTITY_POOL_ID, Logins: { [loginsKey]: token } }))).rejects.toEqual(
          expect.objectContaining({ name: 'NotAuthorizedException', message: expect.stringContaining(why) }),
        );
      }
    } finally {
      await emulator.close();
    }
  });
});

describe('persistence', () => {
  it('keeps users, sign-ins, revocations and signing keys across a restart, and never a password or refresh token', async () => {
    const user = await signUpConfirmed('persisted-pass-1');
    const kept = await passwordSignIn(user.username, user.password);
    const revoked = await passwordSignIn(user.username, user.password);
    await idp().send(new RevokeTokenCommand({ ClientId: CLIENT_ID, Token: revoked.refreshToken }));

    const file = join(dataDir, USER_POOL_DATA_FILE);
    const text = readFileSync(file, 'utf8');
    for (const secret of ['persisted-pass-1', kept.refreshToken, DEMO_COGNITO_USERS[0]!.password]) expect(text).not.toContain(secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const port = Number(new URL(running.url).port);
    await stopPools(running);
    running = await startPools({ port, dataDir });

    expect((await passwordSignIn(user.username, user.password)).idToken).toBeTruthy();
    // Tokens issued before the restart still verify (same keys) and the sign-ins are still known.
    await expect(jwtVerify(kept.idToken, jwks(), { issuer: issuer(), audience: CLIENT_ID })).resolves.toBeTruthy();
    expect((await idp().send(new GetUserCommand({ AccessToken: kept.accessToken }))).Username).toBe(user.username);
    const refreshed = await idp().send(
      new InitiateAuthCommand({ ClientId: CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: kept.refreshToken } }),
    );
    expect(refreshed.AuthenticationResult?.AccessToken).toBeTruthy();
    await expect(idp().send(new GetUserCommand({ AccessToken: revoked.accessToken }))).rejects.toEqual(
      refused('NotAuthorizedException', 'Access Token has been revoked'),
    );
    // Seeding again creates nobody and leaves the demo users' passwords as they were.
    expect(seedDemoCognitoUsers(running.service, POOL_ID)).toEqual([]);
    expect((await passwordSignIn('erin', DEMO_COGNITO_USERS[0]!.password)).idToken).toBeTruthy();
  });
});
