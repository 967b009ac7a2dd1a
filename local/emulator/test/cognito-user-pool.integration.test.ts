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
  ResendConfirmationCodeCommand,
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
import { SEEDED_ACCESS_MODEL, SEEDED_IDENTITY_POOL_ID, seededAccountConfig } from '../../../test/support/seeded-account.js';
import { LOCAL_ADMIN_CREDENTIALS } from '../../local-deployment.js';
import { LocalAccount } from '../account/account.js';
import { readBody } from '../http/io.js';
import { memoryLogger } from '../log.js';
import { CognitoIdentityService } from '../services/cognito-identity.js';
import type { UserPoolConfig } from '../services/cognito-user-pool/config.js';
import { DEMO_COGNITO_USERS, seedDemoCognitoUsers } from '../services/cognito-user-pool/seed.js';
import { CognitoUserPoolService } from '../services/cognito-user-pool/service.js';
import { answerPasswordVerifier, startSrpClient } from '../services/cognito-user-pool/srp-client.test-support.js';
import { USER_POOL_DATA_FILE } from '../services/cognito-user-pool/store.js';
import { userPoolClientFromTerraform, userPoolFromTerraform } from '../services/cognito-user-pool/terraform.js';
import { synthesizedUserPool } from '../services/cognito-user-pool/terraform.test-support.js';

/** The deployed pool and web client, from the Terraform JSON infra synthesizes. */
const POOL_ID = 'us-east-1_TestPool1';
const CLIENT_ID = 'testwebclient';
/** Same pool: the deployed client plus USER_PASSWORD_AUTH. */
const PASSWORD_CLIENT_ID = 'passwordclient';
/** Same pool: PreventUserExistenceErrors LEGACY. */
const LEGACY_CLIENT_ID = 'legacyclient';
/** Same pool: short token lifetimes (ID 10 min, access 5 min, refresh 2 h) and token revocation off. */
const SHORT_CLIENT_ID = 'shortclient';
/** A username pool: email alias, case-insensitive usernames, email auto-verified. */
const NAME_POOL_ID = 'us-east-1_NamePool1';
const NAME_CLIENT_ID = 'nameclient';
/** Only administrators create users; usernames case-sensitive (no username_configuration). */
const ADMIN_POOL_ID = 'us-east-1_AdminPool1';
const ADMIN_CLIENT_ID = 'adminpoolclient';
const HOUR = 3600;
const PASSWORD = 'Correct-horse-12';

const synth = synthesizedUserPool();
const client = (args: Record<string, unknown>, id: string) => userPoolClientFromTerraform({ ...synth.client, ...args }, id).client;
const pools: UserPoolConfig[] = [
  {
    ...userPoolFromTerraform(synth.pool, POOL_ID),
    clients: [
      client({}, CLIENT_ID),
      client({ explicit_auth_flows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }, PASSWORD_CLIENT_ID),
      client({ prevent_user_existence_errors: 'LEGACY' }, LEGACY_CLIENT_ID),
      client(
        {
          explicit_auth_flows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
          id_token_validity: 10,
          access_token_validity: 5,
          refresh_token_validity: 2,
          token_validity_units: { id_token: 'minutes', access_token: 'minutes', refresh_token: 'hours' },
          enable_token_revocation: false,
        },
        SHORT_CLIENT_ID,
      ),
    ],
  },
  {
    ...userPoolFromTerraform(
      {
        name: 'names',
        alias_attributes: ['email'],
        auto_verified_attributes: ['email'],
        username_configuration: { case_sensitive: false },
        password_policy: { minimum_length: 10, require_numbers: true, require_uppercase: true },
      },
      NAME_POOL_ID,
    ),
    clients: [
      userPoolClientFromTerraform(
        { name: 'n', user_pool_id: 'x', explicit_auth_flows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
        NAME_CLIENT_ID,
      ).client,
    ],
  },
  {
    ...userPoolFromTerraform({ name: 'admins', admin_create_user_config: { allow_admin_create_user_only: true } }, ADMIN_POOL_ID),
    clients: [
      userPoolClientFromTerraform(
        { name: 'a', user_pool_id: 'x', explicit_auth_flows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] },
        ADMIN_CLIENT_ID,
      ).client,
    ],
  },
];

const account = new LocalAccount(seededAccountConfig({ userPoolIssuerUrl: 'http://127.0.0.1:9', userPoolClientId: 'unused' }));
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
  // Quotas far above these tests' pace (the quotas have their own test with small ones).
  const quotas = { UserAuthentication: 10_000, UserCreation: 10_000, UserRead: 10_000, UserUpdate: 10_000, UserToken: 10_000, UserAccountRecovery: 10_000 };
  const service = await CognitoUserPoolService.start({
    account,
    logger,
    now,
    pools,
    quotas,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    baseUrl,
  });
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
  await pools.service.close();
  pools.server.closeAllConnections();
  await new Promise<void>((resolve) => pools.server.close(() => resolve()));
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cognito-user-pool-'));
  running = await startPools({ dataDir });
  seedDemoCognitoUsers(running.service, POOL_ID);
  erinUsername = String(decodeJwt((await passwordSignIn(ERIN.username, ERIN.password)).idToken)['cognito:username']);
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
/** The pool's `iss`: Cognito's own URL; its JWKS is served by the emulator at `/<poolId>/.well-known/jwks.json`. */
const issuer = (poolId = POOL_ID) => running.service.issuer(poolId);
const jwksUrl = (poolId = POOL_ID) => `${running.url}/${poolId}/.well-known/jwks.json`;
const jwks = () => createRemoteJWKSet(new URL(jwksUrl()));

let counter = 0;
function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`;
}

/** The code logged for a user, found by its username or its email. */
function confirmationCodeFor(name: string): string {
  const entry = logger.entries.filter((e) => e.message.startsWith('cognito-idp confirmation code') && (e.username === name || e.email === name)).at(-1);
  if (typeof entry?.code !== 'string') throw new Error(`no confirmation code logged for ${name}`);
  return entry.code;
}

/** A confirmed user of the deployed pool: signs up and in with `email`; its username is its sub. */
async function signUpConfirmed(password = PASSWORD): Promise<{ email: string; username: string; password: string; sub: string }> {
  const email = `${uniqueName('user')}@example.com`;
  const out = await idp().send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: password }));
  await idp().send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: email, ConfirmationCode: confirmationCodeFor(email) }));
  return { email, username: out.UserSub!, password, sub: out.UserSub! };
}

async function passwordSignIn(username: string, password: string, clientId = PASSWORD_CLIENT_ID) {
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

const adminIdp = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
  new CognitoIdentityProviderClient({ region: 'us-east-1', endpoint: running.url, credentials });

const ERIN = DEMO_COGNITO_USERS[0]!;
/** Erin's username in the deployed pool: the sub Cognito generated when she was seeded (read in beforeAll). */
const erinSub = () => erinUsername;
let erinUsername = '';

const refused = (name: string, message?: string) => expect.objectContaining({ name, ...(message ? { message } : {}) });

describe('sign-up and confirmation (the deployed pool: email usernames, email auto-verified)', () => {
  it('signs up with the email, generates the username (the sub), logs the code, confirms and verifies the email', async () => {
    const email = `${uniqueName('dana')}@example.com`;
    const out = await idp().send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: PASSWORD }));
    expect(out.UserConfirmed).toBe(false);
    expect(out.UserSub).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(out.CodeDeliveryDetails).toEqual({ Destination: 'd***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' });
    const code = confirmationCodeFor(email);
    expect(code).toMatch(/^\d{6}$/);

    await expect(passwordSignIn(email, PASSWORD)).rejects.toEqual(refused('UserNotConfirmedException', 'User is not confirmed.'));
    const wrong = code === '000000' ? '000001' : '000000';
    await expect(idp().send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: email, ConfirmationCode: wrong }))).rejects.toEqual(
      refused('CodeMismatchException', 'Invalid verification code provided, please try again.'),
    );
    await idp().send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: email, ConfirmationCode: code }));
    await expect(idp().send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: email, ConfirmationCode: code }))).rejects.toEqual(
      refused('NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED'),
    );
    // Signs in with the email or the username; the tokens name the sub as cognito:username and carry the email.
    const tokens = await passwordSignIn(email, PASSWORD);
    expect(decodeJwt(tokens.idToken)).toMatchObject({ sub: out.UserSub, 'cognito:username': out.UserSub, email, email_verified: true });
    expect(decodeJwt(tokens.accessToken)).toMatchObject({ username: out.UserSub });
    expect((await passwordSignIn(out.UserSub!, PASSWORD)).idToken).toBeTruthy();
    const me = await idp().send(new GetUserCommand({ AccessToken: tokens.accessToken }));
    expect(me.Username).toBe(out.UserSub);
    expect(me.UserAttributes).toEqual(
      expect.arrayContaining([
        { Name: 'email', Value: email },
        { Name: 'email_verified', Value: 'true' },
      ]),
    );
  });

  it('refuses a username that is not an email, a taken email, and an email attribute other than the username', async () => {
    await expect(idp().send(new SignUpCommand({ ClientId: CLIENT_ID, Username: 'dana', Password: PASSWORD }))).rejects.toEqual(
      refused('InvalidParameterException', 'Username should be an email.'),
    );
    const { email } = await signUpConfirmed();
    await expect(idp().send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: PASSWORD }))).rejects.toEqual(
      refused('UsernameExistsException', 'An account with the given email already exists.'),
    );
    await expect(
      idp().send(
        new SignUpCommand({
          ClientId: CLIENT_ID,
          Username: `${uniqueName('e')}@example.com`,
          Password: PASSWORD,
          UserAttributes: [{ Name: 'email', Value: 'other@example.com' }],
        }),
      ),
    ).rejects.toEqual(refused('InvalidParameterException'));
    await expect(
      idp().send(
        new SignUpCommand({
          ClientId: CLIENT_ID,
          Username: `${uniqueName('e')}@example.com`,
          Password: PASSWORD,
          UserAttributes: [{ Name: 'email_verified', Value: 'true' }],
        }),
      ),
    ).rejects.toEqual(refused('NotAuthorizedException', 'A client attempted to write unauthorized attribute'));
  });

  it('compares emails case-insensitively, as the deployed pool asks (username_configuration case_sensitive = false)', async () => {
    const { email } = await signUpConfirmed();
    const upper = email.toUpperCase();
    expect((await passwordSignIn(upper, PASSWORD)).idToken).toEqual(expect.any(String));
    await expect(idp().send(new SignUpCommand({ ClientId: CLIENT_ID, Username: upper, Password: PASSWORD }))).rejects.toEqual(
      refused('UsernameExistsException', 'An account with the given email already exists.'),
    );
  });

  it("enforces the deployed password policy (12 characters, upper, lower, digit) with Cognito's messages", async () => {
    const signUp = (password: string) => idp().send(new SignUpCommand({ ClientId: CLIENT_ID, Username: `${uniqueName('p')}@example.com`, Password: password }));
    await expect(signUp('Short-pw-1')).rejects.toEqual(refused('InvalidPasswordException', 'Password did not conform with policy: Password not long enough'));
    await expect(signUp('lowercase-only-12')).rejects.toEqual(
      refused('InvalidPasswordException', 'Password did not conform with policy: Password must have uppercase characters'),
    );
    await expect(signUp('UPPERCASE-ONLY-12')).rejects.toEqual(
      refused('InvalidPasswordException', 'Password did not conform with policy: Password must have lowercase characters'),
    );
    await expect(signUp('No-digits-in-here')).rejects.toEqual(
      refused('InvalidPasswordException', 'Password did not conform with policy: Password must have numeric characters'),
    );
    // No symbol needed: require_symbols = false.
    await expect(signUp('NoSymbolsButLong12')).resolves.toMatchObject({ UserConfirmed: false });
  });

  it('refuses SignUp when only administrators may create users', async () => {
    await expect(idp().send(new SignUpCommand({ ClientId: ADMIN_CLIENT_ID, Username: 'walk-in', Password: 'Admin-only-pool-1' }))).rejects.toEqual(
      refused('NotAuthorizedException', 'SignUp is not permitted for this user pool'),
    );
  });

  it('expires confirmation codes after 24 hours', async () => {
    const email = `${uniqueName('late')}@example.com`;
    await idp().send(new SignUpCommand({ ClientId: CLIENT_ID, Username: email, Password: PASSWORD }));
    clockOffsetMs = 24 * HOUR * 1000 + 1000;
    await expect(idp().send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: email, ConfirmationCode: confirmationCodeFor(email) }))).rejects.toEqual(
      refused('ExpiredCodeException'),
    );
  });

  it('hides whether a user exists behind a code mismatch and a simulated delivery, unless the client reveals it', async () => {
    await expect(idp().send(new ConfirmSignUpCommand({ ClientId: CLIENT_ID, Username: 'nobody@example.com', ConfirmationCode: '123456' }))).rejects.toEqual(
      refused('CodeMismatchException'),
    );
    await expect(idp().send(new ResendConfirmationCodeCommand({ ClientId: CLIENT_ID, Username: 'nobody@example.com' }))).resolves.toMatchObject({
      CodeDeliveryDetails: { Destination: 'n***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' },
    });
    await expect(
      idp().send(new ConfirmSignUpCommand({ ClientId: LEGACY_CLIENT_ID, Username: 'nobody@example.com', ConfirmationCode: '123456' })),
    ).rejects.toEqual(refused('UserNotFoundException'));
  });
});

describe('a username pool with an email alias and case-insensitive usernames', () => {
  const signUp = (username: string, email?: string) =>
    idp().send(
      new SignUpCommand({
        ClientId: NAME_CLIENT_ID,
        Username: username,
        Password: 'Name-pool-pw1',
        ...(email ? { UserAttributes: [{ Name: 'email', Value: email }] } : {}),
      }),
    );

  it('treats usernames case-insensitively and keeps the name as signed up', async () => {
    const name = uniqueName('Dana');
    await signUp(name);
    await expect(signUp(name.toUpperCase())).rejects.toEqual(refused('UsernameExistsException', 'User already exists'));
    await adminIdp(LOCAL_ADMIN_CREDENTIALS).send(new AdminConfirmSignUpCommand({ UserPoolId: NAME_POOL_ID, Username: name.toLowerCase() }));
    const tokens = await passwordSignIn(name.toLowerCase(), 'Name-pool-pw1', NAME_CLIENT_ID);
    expect(decodeJwt(tokens.idToken)['cognito:username']).toBe(name);
  });

  it('lets a verified email stand for the username, refuses an email as username, and gives an alias to one user only', async () => {
    await expect(signUp('me@example.com')).rejects.toEqual(
      refused('InvalidParameterException', 'Username cannot be of email format, since user pool is configured for email alias.'),
    );
    const name = uniqueName('ally');
    const email = `${name}@example.com`;
    await signUp(name, email);
    // Not verified yet: the email is no alias.
    await expect(passwordSignIn(email, 'Name-pool-pw1', NAME_CLIENT_ID)).rejects.toEqual(refused('NotAuthorizedException', 'Incorrect username or password.'));
    await idp().send(new ConfirmSignUpCommand({ ClientId: NAME_CLIENT_ID, Username: name, ConfirmationCode: confirmationCodeFor(name) }));
    expect(decodeJwt((await passwordSignIn(email.toUpperCase(), 'Name-pool-pw1', NAME_CLIENT_ID)).idToken)['cognito:username']).toBe(name);

    const second = uniqueName('copy');
    await signUp(second, email);
    const code = confirmationCodeFor(second);
    await expect(idp().send(new ConfirmSignUpCommand({ ClientId: NAME_CLIENT_ID, Username: second, ConfirmationCode: code }))).rejects.toEqual(
      refused('AliasExistsException', 'An account with the given email already exists.'),
    );
    await idp().send(new ConfirmSignUpCommand({ ClientId: NAME_CLIENT_ID, Username: second, ConfirmationCode: code, ForceAliasCreation: true }));
    expect(decodeJwt((await passwordSignIn(email, 'Name-pool-pw1', NAME_CLIENT_ID)).idToken)['cognito:username']).toBe(second);
  });

  it('is case-sensitive in a pool without a username configuration', async () => {
    const adminPool = running.service.pool(ADMIN_POOL_ID)!;
    expect(adminPool.ensureConfirmedUser('Grace', 'Admin-only-pool-1')).toBe(true);
    expect(adminPool.ensureConfirmedUser('grace', 'Admin-only-pool-1')).toBe(true);
    await expect(passwordSignIn('GRACE', 'Admin-only-pool-1', ADMIN_CLIENT_ID)).rejects.toEqual(refused('NotAuthorizedException'));
    expect(decodeJwt((await passwordSignIn('Grace', 'Admin-only-pool-1', ADMIN_CLIENT_ID)).idToken)['cognito:username']).toBe('Grace');
  });
});

describe('AdminConfirmSignUp (SigV4 and IAM)', () => {
  it('confirms for a principal IAM allows, and refuses one it does not, explaining why', async () => {
    const username = `${uniqueName('admin')}@example.com`;
    await idp().send(new SignUpCommand({ ClientId: CLIENT_ID, Username: username, Password: PASSWORD }));

    const role = SEEDED_ACCESS_MODEL.functionRoles.messages;
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
    // An administrator confirms the account, not the email.
    expect(decodeJwt((await passwordSignIn(username, PASSWORD)).idToken)).toMatchObject({ email: username, email_verified: false });
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
    const tokens = await passwordSignIn(user.email, user.password);
    expect(tokens.expiresIn).toBe(HOUR);

    const { payload: id, protectedHeader: idHeader } = await jwtVerify(tokens.idToken, jwks(), {
      issuer: issuer(),
      audience: PASSWORD_CLIENT_ID,
      algorithms: ['RS256'],
    });
    expect(idHeader).toEqual({ alg: 'RS256', kid: expect.any(String) });
    expect(id).toMatchObject({ sub: user.sub, token_use: 'id', 'cognito:username': user.username, aud: PASSWORD_CLIENT_ID, iss: issuer() });
    expect(id.exp! - id.iat!).toBe(HOUR);
    expect(id.auth_time).toBeGreaterThanOrEqual(before);
    for (const claim of ['jti', 'origin_jti', 'event_id']) expect(id[claim]).toEqual(expect.any(String));

    const { payload: access, protectedHeader: accessHeader } = await jwtVerify(tokens.accessToken, jwks(), { issuer: issuer(), algorithms: ['RS256'] });
    expect(access).toMatchObject({
      sub: user.sub,
      token_use: 'access',
      client_id: PASSWORD_CLIENT_ID,
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
    const user = await signUpConfirmed();
    await expect(passwordSignIn(user.email, 'Not-her-password-1')).rejects.toEqual(refused('NotAuthorizedException', 'Incorrect username or password.'));
    await expect(passwordSignIn('nobody@example.com', 'Whatever-123456')).rejects.toEqual(refused('NotAuthorizedException', 'Incorrect username or password.'));
    expect(logger.entries.some((e) => e.message === 'denied' && e.who === user.username && e.reason === 'incorrect password')).toBe(true);
    await expect(srpChallenge('nobody@example.com', LEGACY_CLIENT_ID)).rejects.toEqual(refused('UserNotFoundException', 'User does not exist.'));
  });

  it('refuses a flow the app client does not enable, and an unknown client', async () => {
    // The deployed client: SRP and refresh only.
    await expect(passwordSignIn(ERIN.username, ERIN.password, CLIENT_ID)).rejects.toEqual(
      refused('InvalidParameterException', 'USER_PASSWORD_AUTH flow not enabled for this client'),
    );
    await expect(passwordSignIn(ERIN.username, ERIN.password, 'no-such-client')).rejects.toEqual(
      refused('ResourceNotFoundException', 'User pool client no-such-client does not exist.'),
    );
  });

  it('USER_SRP_AUTH: the PASSWORD_VERIFIER challenge, answered, gives tokens', async () => {
    const { password } = ERIN;
    const { client, out } = await srpChallenge(ERIN.username);
    expect(out.ChallengeName).toBe('PASSWORD_VERIFIER');
    expect(out.Session).toEqual(expect.any(String));
    // The email signs in; the SRP identity is the username, i.e. the sub.
    const sub = erinSub();
    expect(out.ChallengeParameters).toEqual({
      SALT: expect.stringMatching(/^[0-9a-f]+$/),
      SRP_B: expect.stringMatching(/^[0-9a-f]+$/),
      SECRET_BLOCK: expect.any(String),
      USERNAME: sub,
      USER_ID_FOR_SRP: sub,
    });
    const answered = await respond(out, answerPasswordVerifier(client, POOL_ID, password, out.ChallengeParameters!));
    const { payload } = await jwtVerify(answered.AuthenticationResult!.IdToken!, jwks(), { issuer: issuer(), audience: CLIENT_ID });
    expect(payload).toMatchObject({ 'cognito:username': sub, email: ERIN.username });
  });

  it('USER_SRP_AUTH refuses a wrong password, a replayed answer, another client, and a malformed timestamp', async () => {
    const { password } = ERIN;
    const wrong = await srpChallenge(ERIN.username);
    await expect(respond(wrong.out, answerPasswordVerifier(wrong.client, POOL_ID, 'not-her-password', wrong.out.ChallengeParameters!))).rejects.toEqual(
      refused('NotAuthorizedException', 'Incorrect username or password.'),
    );

    const once = await srpChallenge(ERIN.username);
    const answer = answerPasswordVerifier(once.client, POOL_ID, password, once.out.ChallengeParameters!);
    await respond(once.out, answer);
    await expect(respond(once.out, answer)).rejects.toEqual(refused('NotAuthorizedException', 'Invalid session for the user.'));

    const other = await srpChallenge(ERIN.username);
    await expect(respond(other.out, answerPasswordVerifier(other.client, POOL_ID, password, other.out.ChallengeParameters!), LEGACY_CLIENT_ID)).rejects.toEqual(
      refused('NotAuthorizedException'),
    );

    const stamp = await srpChallenge(ERIN.username);
    const badStamp = { ...answerPasswordVerifier(stamp.client, POOL_ID, password, stamp.out.ChallengeParameters!), TIMESTAMP: '2025-03-04T09:05:01Z' };
    await expect(respond(stamp.out, badStamp)).rejects.toEqual(refused('InvalidParameterException'));
  });

  it('USER_SRP_AUTH answers an unknown user with a decoy challenge that then fails like a wrong password', async () => {
    const { client, out } = await srpChallenge('nobody@example.com');
    expect(out.ChallengeName).toBe('PASSWORD_VERIFIER');
    // A UUID-shaped username and a salt that stay the same for the same unknown name, as a real user's do.
    const again = await srpChallenge('nobody@example.com');
    expect(out.ChallengeParameters!.USER_ID_FOR_SRP).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(again.out.ChallengeParameters!.USER_ID_FOR_SRP).toBe(out.ChallengeParameters!.USER_ID_FOR_SRP);
    expect(again.out.ChallengeParameters!.SALT).toBe(out.ChallengeParameters!.SALT);
    await expect(respond(out, answerPasswordVerifier(client, POOL_ID, 'Any-password-1', out.ChallengeParameters!))).rejects.toEqual(
      refused('NotAuthorizedException', 'Incorrect username or password.'),
    );
  });

  it('refuses an unconfirmed user after the SRP proof', async () => {
    const username = `${uniqueName('unconf')}@example.com`;
    await idp().send(new SignUpCommand({ ClientId: CLIENT_ID, Username: username, Password: PASSWORD }));
    const { client, out } = await srpChallenge(username);
    await expect(respond(out, answerPasswordVerifier(client, POOL_ID, PASSWORD, out.ChallengeParameters!))).rejects.toEqual(
      refused('UserNotConfirmedException'),
    );
  });
});

describe("aws-amplify v6's own sign-in (USER_SRP_AUTH through userPoolEndpoint)", () => {
  it('signs in, reads the tokens, signs out globally (revoking the access token), and refuses a wrong password', async () => {
    // The demo user signs in with the email, as the web demo does.
    const { username, password } = DEMO_COGNITO_USERS[1]!;
    Amplify.configure({ Auth: { Cognito: { userPoolId: POOL_ID, userPoolClientId: CLIENT_ID, userPoolEndpoint: running.url } } });
    const result = await signIn({ username, password });
    expect(result).toEqual({ isSignedIn: true, nextStep: { signInStep: 'DONE' } });
    const { tokens } = await fetchAuthSession();
    const sub = String(tokens?.idToken?.payload.sub);
    expect(tokens?.idToken?.payload).toMatchObject({ 'cognito:username': sub, email: username, token_use: 'id', iss: issuer(), aud: CLIENT_ID });
    const accessToken = tokens!.accessToken.toString();
    expect((await idp().send(new GetUserCommand({ AccessToken: accessToken }))).Username).toBe(sub);

    await signOut({ global: true });
    await expect(idp().send(new GetUserCommand({ AccessToken: accessToken }))).rejects.toEqual(
      refused('NotAuthorizedException', 'Access Token has been revoked'),
    );
    await expect(signIn({ username, password: 'Not-his-password-1' })).rejects.toEqual(refused('NotAuthorizedException', 'Incorrect username or password.'));
  });
});

describe('refresh, GetUser and sign-out', () => {
  it("issues tokens with the client's lifetimes (ID 10 min, access 5 min, refresh 2 h) and expires each on its own", async () => {
    const user = await signUpConfirmed();
    const tokens = await passwordSignIn(user.email, user.password, SHORT_CLIENT_ID);
    expect(tokens.expiresIn).toBe(300);
    const id = decodeJwt(tokens.idToken);
    const access = decodeJwt(tokens.accessToken);
    expect(id.exp! - id.iat!).toBe(600);
    expect(access.exp! - access.iat!).toBe(300);
    clockOffsetMs = 301_000;
    await expect(idp().send(new GetUserCommand({ AccessToken: tokens.accessToken }))).rejects.toEqual(
      refused('NotAuthorizedException', 'Access Token has expired'),
    );
    const refreshed = await idp().send(
      new InitiateAuthCommand({ ClientId: SHORT_CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.refreshToken } }),
    );
    expect(refreshed.AuthenticationResult?.ExpiresIn).toBe(300);
    clockOffsetMs = 2 * HOUR * 1000 + 1000;
    await expect(
      idp().send(
        new InitiateAuthCommand({ ClientId: SHORT_CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.refreshToken } }),
      ),
    ).rejects.toEqual(refused('NotAuthorizedException', 'Refresh Token has expired'));
  });

  it('refuses RevokeToken for a client without token revocation', async () => {
    const user = await signUpConfirmed();
    const tokens = await passwordSignIn(user.email, user.password, SHORT_CLIENT_ID);
    await expect(idp().send(new RevokeTokenCommand({ ClientId: SHORT_CLIENT_ID, Token: tokens.refreshToken }))).rejects.toEqual(
      refused('UnsupportedOperationException'),
    );
    expect((await idp().send(new GetUserCommand({ AccessToken: tokens.accessToken }))).Username).toBe(user.username);
  });

  it('RevokeToken revokes the refresh token and the access tokens issued from it, refreshed ones included', async () => {
    const user = await signUpConfirmed();
    const tokens = await passwordSignIn(user.email, user.password);
    const refresh = () =>
      idp().send(
        new InitiateAuthCommand({ ClientId: PASSWORD_CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.refreshToken } }),
      );
    const refreshedAccess = (await refresh()).AuthenticationResult!.AccessToken!;
    await idp().send(new RevokeTokenCommand({ ClientId: PASSWORD_CLIENT_ID, Token: tokens.refreshToken }));
    for (const accessToken of [tokens.accessToken, refreshedAccess]) {
      await expect(idp().send(new GetUserCommand({ AccessToken: accessToken }))).rejects.toEqual(
        refused('NotAuthorizedException', 'Access Token has been revoked'),
      );
      await expect(idp().send(new GlobalSignOutCommand({ AccessToken: accessToken }))).rejects.toEqual(
        refused('NotAuthorizedException', 'Access Token has been revoked'),
      );
    }
    await expect(refresh()).rejects.toEqual(refused('NotAuthorizedException', 'Refresh Token has been revoked'));
  });

  it('REFRESH_TOKEN_AUTH gives new ID and access tokens of the same sign-in, and no new refresh token', async () => {
    const user = await signUpConfirmed();
    const first = await passwordSignIn(user.username, user.password);
    for (const flow of ['REFRESH_TOKEN_AUTH', 'REFRESH_TOKEN'] as const) {
      const out = await idp().send(
        new InitiateAuthCommand({ ClientId: PASSWORD_CLIENT_ID, AuthFlow: flow, AuthParameters: { REFRESH_TOKEN: first.refreshToken } }),
      );
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
      idp().send(
        new InitiateAuthCommand({ ClientId: PASSWORD_CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: 'not-a-refresh-token' } }),
      ),
    ).rejects.toEqual(refused('NotAuthorizedException', 'Invalid Refresh Token'));
  });

  it('GetUser returns the user; GlobalSignOut revokes every access and refresh token of the user', async () => {
    const user = await signUpConfirmed();
    const phone = await passwordSignIn(user.username, user.password);
    const laptop = await passwordSignIn(user.username, user.password);
    const me = await idp().send(new GetUserCommand({ AccessToken: laptop.accessToken }));
    expect(me.Username).toBe(user.username);
    expect(me.UserAttributes).toEqual([
      { Name: 'sub', Value: user.sub },
      { Name: 'email', Value: user.email },
      { Name: 'email_verified', Value: 'true' },
    ]);

    await idp().send(new GlobalSignOutCommand({ AccessToken: laptop.accessToken }));
    for (const session of [phone, laptop]) {
      await expect(idp().send(new GetUserCommand({ AccessToken: session.accessToken }))).rejects.toEqual(
        refused('NotAuthorizedException', 'Access Token has been revoked'),
      );
      await expect(
        idp().send(
          new InitiateAuthCommand({ ClientId: PASSWORD_CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: session.refreshToken } }),
        ),
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
    await idp().send(new RevokeTokenCommand({ ClientId: PASSWORD_CLIENT_ID, Token: revoked.refreshToken }));
    await expect(idp().send(new GetUserCommand({ AccessToken: revoked.accessToken }))).rejects.toEqual(
      refused('NotAuthorizedException', 'Access Token has been revoked'),
    );
    expect((await idp().send(new GetUserCommand({ AccessToken: kept.accessToken }))).Username).toBe(user.username);
  });

  it('GetUser refuses forged, expired, ID and foreign-pool tokens', async () => {
    const tokens = await passwordSignIn(ERIN.username, ERIN.password);
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
          ClientId: PASSWORD_CLIENT_ID,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: ERIN.username, PASSWORD: ERIN.password },
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
      new InitiateAuthCommand({ ClientId: PASSWORD_CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.refreshToken } }),
    );
    expect((await idp().send(new GetUserCommand({ AccessToken: refreshed.AuthenticationResult!.AccessToken! }))).Username).toBe(erinSub());
  });
});

describe('JWKS', () => {
  it('publishes the two RS256 keys of the pool at /<poolId>/.well-known/jwks.json, and 404 for an unknown pool', async () => {
    const res = await fetch(jwksUrl());
    expect(res.status).toBe(200);
    const body = (await res.json()) as { keys: Array<Record<string, string>> };
    expect(body.keys).toHaveLength(2);
    for (const key of body.keys) {
      expect(key).toEqual({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String), n: expect.any(String), e: 'AQAB' });
      expect(key).not.toHaveProperty('d');
    }
    expect((await fetch(`${running.url}/us-east-1_NoSuchPool/.well-known/jwks.json`)).status).toBe(404);
    const other = (await (await fetch(jwksUrl(NAME_POOL_ID))).json()) as { keys: Array<{ kid: string }> };
    expect(other.keys.map((k) => k.kid)).not.toContain(body.keys[0]!.kid);
  });

  it('verifies an ID token only for its own audience and issuer', async () => {
    const { idToken } = await passwordSignIn(ERIN.username, ERIN.password);
    await expect(jwtVerify(idToken, jwks(), { issuer: issuer(), audience: PASSWORD_CLIENT_ID })).resolves.toBeTruthy();
    await expect(jwtVerify(idToken, jwks(), { issuer: issuer(), audience: 'another-client' })).rejects.toThrow();
    await expect(jwtVerify(idToken, jwks(), { issuer: issuer(NAME_POOL_ID), audience: PASSWORD_CLIENT_ID })).rejects.toThrow();
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
      userPoolJwksUrl: jwksUrl(),
      account: (base) => ({
        ...base,
        identityPools: (base.identityPools ?? []).map((p) => ({
          ...p,
          providers: p.providers.map((provider) => ({ ...provider, audience: PASSWORD_CLIENT_ID })),
        })),
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
      const { idToken, accessToken } = await passwordSignIn(ERIN.username, ERIN.password);
      expect(loginsKey).toBe(String(decodeJwt(idToken).iss).replace(/^https?:\/\//, ''));
      const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: SEEDED_IDENTITY_POOL_ID, Logins: { [loginsKey]: idToken } }));
      const out = await identity.send(new GetCredentialsForIdentityCommand({ IdentityId: IdentityId!, Logins: { [loginsKey]: idToken } }));
      const credentials = {
        accessKeyId: out.Credentials!.AccessKeyId!,
        secretAccessKey: out.Credentials!.SecretKey!,
        sessionToken: out.Credentials!.SessionToken!,
      };
      const who = await new STSClient({ region: 'us-east-1', endpoint: emulator.url, credentials }).send(new GetCallerIdentityCommand({}));
      expect(who.Arn).toContain(`assumed-role/${SEEDED_ACCESS_MODEL.cognitoAuthenticatedRole.name}/`);

      clockOffsetMs = -2 * HOUR * 1000;
      const expired = (await passwordSignIn(ERIN.username, ERIN.password)).idToken;
      clockOffsetMs = 0;
      // An ID token of another pool of the same emulator, presented under this pool's Logins key.
      const autoUser = uniqueName('auto');
      running.service.pool(NAME_POOL_ID)!.ensureConfirmedUser(autoUser, 'Other-pool-pw1');
      const foreignPoolToken = (await passwordSignIn(autoUser, 'Other-pool-pw1', NAME_CLIENT_ID)).idToken;
      const attacker = await generateKeyPair('RS256');
      const forged = await new SignJWT(decodeJwt(idToken)).setProtectedHeader(decodeProtectedHeader(idToken) as { alg: string }).sign(attacker.privateKey);
      for (const [token, why] of [
        [expired, '"exp" claim timestamp check failed'],
        [accessToken, '"aud"'],
        [foreignPoolToken, 'no applicable key found'],
        [forged, 'signature verification failed'],
      ] as const) {
        await expect(identity.send(new GetIdCommand({ IdentityPoolId: SEEDED_IDENTITY_POOL_ID, Logins: { [loginsKey]: token } }))).rejects.toEqual(
          expect.objectContaining({ name: 'NotAuthorizedException', message: expect.stringContaining(why) }),
        );
      }
    } finally {
      await emulator.close();
    }
  });
});

describe('ServerSideTokenCheck: the identity pool asks this pool whether a sign-in still stands', () => {
  async function identityPool(options: { serverSideTokenCheck: boolean; checker: boolean }) {
    const base = seededAccountConfig({ userPoolIssuerUrl: issuer(), userPoolJwksUrl: jwksUrl(), userPoolClientId: PASSWORD_CLIENT_ID });
    const identityAccount = new LocalAccount({
      ...base,
      identityPools: (base.identityPools ?? []).map((p) => ({
        ...p,
        providers: p.providers.map((provider) => ({ ...provider, serverSideTokenCheck: options.serverSideTokenCheck })),
      })),
    });
    const service = new CognitoIdentityService({
      account: identityAccount,
      logger,
      now,
      credentialsSeconds: 3600,
      ...(options.checker ? { userPools: running.service } : {}),
    });
    const server = createServer((req, res) => {
      readBody(req, 1024 * 1024)
        .then((body) => service.handle(req, res, body))
        .catch(() => res.writeHead(500).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new CognitoIdentityClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: 'u', secretAccessKey: 'u' },
    });
    const loginsKey = running.service.loginsKey(POOL_ID);
    const credentials = async (idToken: string) => {
      const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: SEEDED_IDENTITY_POOL_ID, Logins: { [loginsKey]: idToken } }));
      return client.send(new GetCredentialsForIdentityCommand({ IdentityId: IdentityId!, Logins: { [loginsKey]: idToken } }));
    };
    const close = async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
    return { client, loginsKey, credentials, close };
  }
  const revoked = refused('NotAuthorizedException', 'Invalid login token. Token has been revoked.');

  it('refuses GetId and GetCredentialsForIdentity once the user signed out globally or the refresh token was revoked', async () => {
    const pool = await identityPool({ serverSideTokenCheck: true, checker: true });
    try {
      const user = await signUpConfirmed();
      const first = await passwordSignIn(user.email, user.password);
      const { IdentityId } = await pool.client.send(new GetIdCommand({ IdentityPoolId: SEEDED_IDENTITY_POOL_ID, Logins: { [pool.loginsKey]: first.idToken } }));
      expect((await pool.credentials(first.idToken)).Credentials?.AccessKeyId).toMatch(/^ASIA/);

      await idp().send(new GlobalSignOutCommand({ AccessToken: first.accessToken }));
      await expect(
        pool.client.send(new GetIdCommand({ IdentityPoolId: SEEDED_IDENTITY_POOL_ID, Logins: { [pool.loginsKey]: first.idToken } })),
      ).rejects.toEqual(revoked);
      await expect(
        pool.client.send(new GetCredentialsForIdentityCommand({ IdentityId: IdentityId!, Logins: { [pool.loginsKey]: first.idToken } })),
      ).rejects.toEqual(revoked);
      expect(logger.entries.some((e) => e.message === 'denied' && String(e.reason).includes('ServerSideTokenCheck'))).toBe(true);

      // A new sign-in stands; revoking its refresh token revokes its ID token for the identity pool too.
      const second = await passwordSignIn(user.email, user.password);
      expect((await pool.credentials(second.idToken)).Credentials).toBeTruthy();
      await idp().send(new RevokeTokenCommand({ ClientId: PASSWORD_CLIENT_ID, Token: second.refreshToken }));
      await expect(pool.credentials(second.idToken)).rejects.toEqual(revoked);
    } finally {
      await pool.close();
    }
  });

  it("accepts a signed-out user's unexpired ID token when the check is off, and refuses every token when it cannot ask", async () => {
    const unchecked = await identityPool({ serverSideTokenCheck: false, checker: true });
    const blind = await identityPool({ serverSideTokenCheck: true, checker: false });
    try {
      const user = await signUpConfirmed();
      const tokens = await passwordSignIn(user.email, user.password);
      await expect(blind.credentials(tokens.idToken)).rejects.toEqual(refused('NotAuthorizedException'));
      await idp().send(new GlobalSignOutCommand({ AccessToken: tokens.accessToken }));
      expect((await unchecked.credentials(tokens.idToken)).Credentials).toBeTruthy();
    } finally {
      await unchecked.close();
      await blind.close();
    }
  });
});

describe('persistence', () => {
  it('keeps users, sign-ins, revocations and signing keys across a restart, and never a password or refresh token', async () => {
    const user = await signUpConfirmed('Persisted-pass-1');
    const kept = await passwordSignIn(user.username, user.password);
    const revoked = await passwordSignIn(user.username, user.password);
    await idp().send(new RevokeTokenCommand({ ClientId: PASSWORD_CLIENT_ID, Token: revoked.refreshToken }));

    const file = join(dataDir, USER_POOL_DATA_FILE);
    const text = readFileSync(file, 'utf8');
    for (const secret of ['Persisted-pass-1', kept.refreshToken, DEMO_COGNITO_USERS[0]!.password]) expect(text).not.toContain(secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const port = Number(new URL(running.url).port);
    await stopPools(running);
    running = await startPools({ port, dataDir });

    expect((await passwordSignIn(user.username, user.password)).idToken).toBeTruthy();
    // Tokens issued before the restart still verify (same keys) and the sign-ins are still known.
    await expect(jwtVerify(kept.idToken, jwks(), { issuer: issuer(), audience: PASSWORD_CLIENT_ID })).resolves.toBeTruthy();
    expect((await idp().send(new GetUserCommand({ AccessToken: kept.accessToken }))).Username).toBe(user.username);
    const refreshed = await idp().send(
      new InitiateAuthCommand({ ClientId: PASSWORD_CLIENT_ID, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: kept.refreshToken } }),
    );
    expect(refreshed.AuthenticationResult?.AccessToken).toBeTruthy();
    await expect(idp().send(new GetUserCommand({ AccessToken: revoked.accessToken }))).rejects.toEqual(
      refused('NotAuthorizedException', 'Access Token has been revoked'),
    );
    // Seeding again creates nobody and leaves the demo users' passwords as they were.
    expect(seedDemoCognitoUsers(running.service, POOL_ID)).toEqual([]);
    expect((await passwordSignIn(ERIN.username, ERIN.password)).idToken).toBeTruthy();
  });
});
