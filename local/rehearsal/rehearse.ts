/**
 * A rehearsal of the first deployment: the PRODUCTION stage, synthesized with example values as `npm run deploy`
 * would synthesize it, applied to a fresh emulator (a new account, the stage's region), then used through its deployed
 * entry points only (the HTTP API, Cognito, IoT) the way its three kinds of users would:
 * - an app user, whose token comes from the configured issuer (https://auth.example.com, served locally through the
 *   emulator's network map), gets credentials, connects and receives a room message;
 * - a new Cognito user signs up as the pool requires (an email as username, a password the policy accepts), confirms
 *   with the code the pool sends, signs in with SRP, gets the IoT policy attached, connects and receives;
 * - a guest receives a broadcast.
 * It stops at the first difference with the step and what was expected: a belief shared by infra and the local stack
 * that the production configuration breaks (a missing grant, a pool setting, a name) fails here, before AWS.
 */

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { CognitoIdentityProviderClient, ConfirmSignUpCommand, InitiateAuthCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { CredentialsResponse } from '../../core/contracts/http.js';
import type { WebConfig } from '../../core/contracts/web-config.js';
import { TopicScheme } from '../../core/topics.js';
import { type InfraConfig, infraConfigFromEnv } from '../../infra/config.js';
import { connectClient, type TestClient } from '../../test/support/mqtt.js';
import { presignMqttUrl } from '../../test/support/sign.js';
import { createLocalTokenIssuer, type LocalTokenIssuer } from '../api/token-issuer.js';
import { applyStack } from '../deploy/apply.js';
import { synthesizeCached } from '../deploy/synth-cache.js';
import { parseTerraformJson } from '../deploy/terraform-json.js';
import { type RunningEmulator, startEmulator } from '../emulator/emulator.js';
import { type EmulatorLogger, type LogEntry, memoryLogger } from '../emulator/log.js';
import { LOCAL_ADMIN_USER } from '../local-deployment.js';
import { startLocalDynamoDb } from '../store/dynalite.js';
import { type CognitoSignIn, srpSignIn } from './srp-sign-in.js';

/** What an operator would set for a first production deployment (README, "Deploying to AWS"). */
export const EXAMPLE_PRODUCTION_ENV: Readonly<Record<string, string>> = {
  STAGE: 'prod',
  AWS_REGION: 'eu-west-1',
  WEB_ORIGINS: 'https://app.example.com',
  APP_TOKEN_ISSUER: 'https://auth.example.com',
  APP_JWKS_URL: 'https://auth.example.com/.well-known/jwks.json',
  ALLOW_GUESTS: 'true',
  HOST_WEB_DEMO: 'true',
  TF_STATE_BUCKET: 'example-terraform-state',
  ALARM_EMAIL: 'ops@example.com',
  SES_SOURCE_ARN: 'arn:aws:ses:eu-west-1:123456789012:identity/example.com',
  SES_FROM_ADDRESS: 'no-reply@example.com',
};
/** A fresh account, not the local stack's: nothing of the local stage can be reused by accident. */
const ACCOUNT_ID = '123456789012';

export class RehearsalError extends Error {
  override readonly name = 'RehearsalError';
  constructor(
    readonly step: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`rehearsal failed at "${step}": ${message}`, options);
  }
}

export interface RehearsalResult {
  stackName: string;
  resources: number;
  steps: Array<{ step: string; ms: number }>;
}

export async function rehearse(options: { env?: Record<string, string>; log?: (line: string) => void } = {}): Promise<RehearsalResult> {
  const log = options.log ?? (() => undefined);
  const config = infraConfigFromEnv({ ...EXAMPLE_PRODUCTION_ENV, ...options.env }, 'unused');
  const steps: RehearsalResult['steps'] = [];
  const step = async <T>(name: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      const value = await run();
      steps.push({ step: name, ms: Math.round(performance.now() - started) });
      log(`ok   ${name}`);
      return value;
    } catch (error) {
      log(`FAIL ${name}`);
      if (error instanceof RehearsalError) throw error;
      throw new RehearsalError(name, error instanceof Error ? error.message : String(error), { cause: error });
    }
  };

  const { functionsDir: _unused, ...stage } = config;
  const synth = await step(`synthesize ${config.app}-${config.stage} (${config.region}) with the example production values`, () => synthesizeCached(stage));
  const issuer = await createLocalTokenIssuer(config.appToken.issuer, config.appToken.audience);
  const jwks = await serveJwks(issuer);
  const store = await startLocalDynamoDb({});
  const logger = memoryLogger();
  const emulator = await startEmulator({
    account: { region: config.region, accountId: ACCOUNT_ID, users: [LOCAL_ADMIN_USER] },
    logger: forwardErrors(logger, log),
    port: 0,
    dynamoDbUpstreamUrl: store.url,
    httpApi: { port: 0, allowedBrowserOrigins: ['*'] },
    // The configured issuer is reached where the functions look for it: its host is mapped to the local JWKS server.
    networkMap: { [new URL(config.appToken.jwksUrl).host]: jwks.url },
    lambda: { showLogLevel: 'SILENT' },
  });
  const open: TestClient[] = [];
  try {
    const applied = await step('apply the synthesized stack to a fresh emulator', () =>
      applyStack(parseTerraformJson(readFileSync(join(synth.stackDir, 'cdk.tf.json'), 'utf8')), { emulator, stackDir: synth.stackDir }),
    );
    const web = applied.outputs.web_config as WebConfig;
    const api = emulator.httpApi!.url;
    const topics = new TopicScheme({ app: config.app, stage: config.stage });
    const deployedAs = { config, emulator, api, web, topics, open };

    // An app user and the room the others are invited to.
    const appUser = 'rehearsal-owner';
    const ownerToken = await issuer.sign({ name: 'Rehearsal Owner', roles: ['admin'] }, { subject: appUser });
    const roomId = await step('an app user creates a room (POST /rooms with a token of the configured issuer)', async () => {
      const res = await call(api, 'POST', '/rooms', ownerToken, { name: 'Rehearsal' });
      expectStatus(res, 201);
      return String(res.body.roomId);
    });
    const owner = await step('the app user gets credentials (POST /credentials) and connects to IoT as its client id', () =>
      appConnect(deployedAs, ownerToken, appUser),
    );
    await step('the app user receives a message posted in the room, on its own inbox', async () => {
      const res = await call(api, 'POST', `/rooms/${roomId}/messages`, ownerToken, { text: 'first message' });
      expectStatus(res, 202);
      await expectMessage(owner, topics.inbox(appUser, roomId), (p) => p.type === 'message' && p.text === 'first message');
    });

    // A new Cognito user, as the page signs one up.
    const email = `rehearsal+${Date.now()}@example.com`;
    const password = 'Rehearsal-Pass-2026';
    const idp = new CognitoIdentityProviderClient({ region: config.region, endpoint: emulator.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await step('a new Cognito user signs up with an email as username and a password the pool accepts', async () => {
      await idp.send(
        new SignUpCommand({ ClientId: web.userPoolClientId, Username: email, Password: password, UserAttributes: [{ Name: 'email', Value: email }] }),
      );
    });
    await step('the user confirms with the code the pool sent (the emulator logs it instead of emailing)', async () => {
      const code = logger.entries.find((e) => e.message.startsWith('cognito-idp confirmation code') && e.email === email)?.code;
      if (typeof code !== 'string') throw new Error('the pool sent no confirmation code (is email auto-verified?)');
      await idp.send(new ConfirmSignUpCommand({ ClientId: web.userPoolClientId, Username: email, ConfirmationCode: code }));
    });
    await step('password sign-in is refused, as the pool client allows only SRP and refresh', async () => {
      const refused = await idp
        .send(
          new InitiateAuthCommand({ ClientId: web.userPoolClientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }),
        )
        .then(
          () => 'accepted',
          (error: { name?: string }) => error.name,
        );
      if (refused !== 'InvalidParameterException') throw new Error(`USER_PASSWORD_AUTH was ${refused}, not refused with InvalidParameterException`);
    });
    const signIn = await step('the user signs in with SRP', async () => srpSignIn(idp, web.userPoolClientId!, web.userPoolId!, email, password));
    const cognitoUser = await step('the identity pool gives the user credentials for the ID token (GetId, GetCredentialsForIdentity)', async () => {
      const identity = new CognitoIdentityClient({ region: config.region, endpoint: emulator.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      const logins = { [`cognito-idp.${config.region}.amazonaws.com/${web.userPoolId}`]: signIn.idToken };
      const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: web.identityPoolId, Logins: logins }));
      const c = (await identity.send(new GetCredentialsForIdentityCommand({ IdentityId: IdentityId!, Logins: logins }))).Credentials!;
      return { identityId: IdentityId!, credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretKey!, sessionToken: c.SessionToken! } };
    });
    await step('the Cognito user gets the IoT policy attached (POST /iot/attach-policy with the ID and access tokens)', async () => {
      const res = await call(api, 'POST', '/iot/attach-policy', signIn, {});
      expectStatus(res, 200);
      if (res.body.identityId !== cognitoUser.identityId) throw new Error(`attached to ${String(res.body.identityId)}, not ${cognitoUser.identityId}`);
    });
    const cognitoClient = await step('the Cognito user connects to IoT as <app>.<stage>.<identity id>', async () => {
      const client = await connect(deployedAs, cognitoUser.credentials, topics.clientId(cognitoUser.identityId));
      await client.client.subscribeAsync(topics.userFilter(cognitoUser.identityId), { qos: 1 });
      return client;
    });
    await step('the Cognito user lists their rooms (GET /rooms with the ID and access tokens), as the page does after signing in', async () => {
      const res = await call(api, 'GET', '/rooms', signIn);
      expectStatus(res, 200);
    });
    await step('the app user invites the Cognito user by email, who receives the room message on its inbox', async () => {
      expectStatus(await call(api, 'POST', `/rooms/${roomId}/members`, ownerToken, { email }), 201);
      const res = await call(api, 'POST', `/rooms/${roomId}/messages`, ownerToken, { text: 'welcome' });
      expectStatus(res, 202);
      await expectMessage(cognitoClient, topics.inbox(cognitoUser.identityId, roomId), (p) => p.type === 'message' && p.text === 'welcome');
    });

    // A guest.
    const guest = await step('a guest gets credentials from the identity pool and subscribes to broadcast', async () => {
      const identity = new CognitoIdentityClient({ region: config.region, endpoint: emulator.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      const { IdentityId } = await identity.send(new GetIdCommand({ IdentityPoolId: web.identityPoolId }));
      const c = (await identity.send(new GetCredentialsForIdentityCommand({ IdentityId: IdentityId! }))).Credentials!;
      const client = await connect(
        deployedAs,
        { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretKey!, sessionToken: c.SessionToken! },
        topics.clientId(IdentityId!),
      );
      await client.client.subscribeAsync(topics.broadcast(), { qos: 1 });
      return client;
    });
    await step('the guest receives a broadcast of the admin (POST /broadcast)', async () => {
      expectStatus(await call(api, 'POST', '/broadcast', ownerToken, { text: 'hello everyone' }), 202);
      await expectMessage(guest, topics.broadcast(), (p) => p.text === 'hello everyone');
    });
    return { stackName: synth.stackName, resources: applied.resources.size, steps };
  } finally {
    await Promise.all(open.map((c) => c.end().catch(() => undefined)));
    await emulator.close();
    await store.close();
    await new Promise<void>((resolve) => jwks.server.close(() => resolve()));
  }
}

interface Deployed {
  config: InfraConfig;
  emulator: RunningEmulator;
  api: string;
  web: WebConfig;
  topics: TopicScheme;
  open: TestClient[];
}

async function appConnect(deployed: Deployed, token: string, userId: string): Promise<TestClient> {
  const res = await call(deployed.api, 'POST', '/credentials', token, {});
  expectStatus(res, 200);
  const creds = res.body as unknown as CredentialsResponse;
  const client = await connect(deployed, creds, creds.clientId, creds.iotEndpoint);
  await client.client.subscribeAsync(deployed.topics.userFilter(userId), { qos: 1 });
  return client;
}

/** Connects as a browser would: a URL presigned for the IoT endpoint the stack names, sent to the emulator. */
async function connect(
  deployed: Deployed,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  clientId: string,
  endpoint = deployed.web.iotEndpoint,
): Promise<TestClient> {
  const url = await presignMqttUrl(credentials, { connectTo: deployed.emulator.url, signedHost: endpoint, region: deployed.config.region });
  const client = await connectClient(url, clientId);
  deployed.open.push(client);
  return client;
}

interface Response {
  status: number;
  body: Record<string, unknown>;
}

/** An app token, or a Cognito sign-in (the ID token as bearer, the access token in `Cognito-Access-Token`, as the page sends them). */
async function call(api: string, method: string, path: string, token: string | CognitoSignIn, body?: unknown): Promise<Response> {
  const auth: Record<string, string> =
    typeof token === 'string' ? { authorization: `Bearer ${token}` } : { authorization: `Bearer ${token.idToken}`, 'cognito-access-token': token.accessToken };
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { ...auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function expectStatus(res: Response, expected: number | number[]): void {
  const ok = Array.isArray(expected) ? expected.includes(res.status) : res.status === expected;
  if (!ok) throw new Error(`expected HTTP ${expected}, got ${res.status} ${JSON.stringify(res.body)}`);
}

async function expectMessage(client: TestClient, topic: string, matches: (payload: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<void> {
  await client.next(topic, timeoutMs, (m) => matches(JSON.parse(m.payload) as Record<string, unknown>));
}

/** The configured issuer's JWKS, served on a local port (what https://auth.example.com/.well-known/jwks.json would answer). */
async function serveJwks(issuer: LocalTokenIssuer): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url?.split('?')[0] !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.stringify(issuer.jwks);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** Keeps every entry (the confirmation code is read from them) and shows the errors as they come. */
function forwardErrors(logger: EmulatorLogger & { entries: LogEntry[] }, log: (line: string) => void): EmulatorLogger & { entries: LogEntry[] } {
  return {
    entries: logger.entries,
    log(entry) {
      logger.log(entry);
      if (entry.level === 'error') log(`     emulator: ${entry.message}${entry.error ? ` (${String(entry.error)})` : ''}`);
    },
  };
}
