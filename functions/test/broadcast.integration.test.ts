/**
 * POST /broadcast end to end: an admin's message reaches a Cognito guest's MQTT connection on the broadcast topic
 * (through the broadcast function's own role and the data plane); everyone else is refused.
 */
import { CognitoIdentityClient, GetCredentialsForIdentityCommand, GetIdCommand } from '@aws-sdk/client-cognito-identity';
import type { BroadcastMessage } from '../../core/contracts/mqtt.js';
import { TopicScheme } from '../../core/topics.js';
import { memoryLogger } from '../../local/emulator/log.js';
import { LOCAL_DEPLOYMENT } from '../../local/local-deployment.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { apiClient, appToken, cognitoSession } from '../../test/support/local-api.js';
import { connectClient, sleep, type TestClient } from '../../test/support/mqtt.js';
import { presignMqttUrl } from '../../test/support/sign.js';
import { STACK_START_TIMEOUT_MS } from '../../test/support/stack-start.js';
import { functionDefinition } from '../catalog.js';

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
let stack: LocalStack;
const open: TestClient[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ emulatorPort: 0, apiPort: 0, corsOrigins: [], logger: memoryLogger(), functionLogLevel: 'SILENT' });
}, STACK_START_TIMEOUT_MS);
afterEach(async () => Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined))));
afterAll(async () => stack.close());

const api = apiClient(() => stack);
/** An app token whose roles claim makes its user an admin (the local issuer signs any claims). */
const adminToken = (sub: string) => stack.issuers.app.sign({ roles: ['admin'] }, { subject: sub });

/** A Cognito guest as the demo's guest mode gets one: GetId and credentials without Logins, client id = identity id. */
async function guest(): Promise<TestClient> {
  const cognito = new CognitoIdentityClient({
    region: LOCAL_DEPLOYMENT.region,
    endpoint: stack.emulator.url,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const { IdentityId } = await cognito.send(new GetIdCommand({ IdentityPoolId: stack.webConfig.identityPoolId }));
  const c = (await cognito.send(new GetCredentialsForIdentityCommand({ IdentityId: IdentityId! }))).Credentials!;
  const client = await connectClient(
    await presignMqttUrl({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretKey!, sessionToken: c.SessionToken! }, { connectTo: stack.emulator.url }),
    topics.clientId(IdentityId!),
  );
  open.push(client);
  await client.client.subscribeAsync(topics.broadcast(), { qos: 1 });
  return client;
}

describe('POST /broadcast', () => {
  it("delivers an admin's message live to a Cognito guest", async () => {
    const watcher = await guest();
    const sentAt = Date.now();
    const res = await api('POST', '/broadcast', { token: await adminToken('alice'), body: { text: 'Maintenance at noon' } });
    expect(res).toMatchObject({ status: 202, body: { topic: topics.broadcast(), messageId: expect.any(String), sentAt: expect.any(String) } });
    const received = await watcher.next(topics.broadcast(), 2000);
    expect(Date.now() - sentAt).toBeLessThan(2000);
    expect(JSON.parse(received.payload) as BroadcastMessage).toEqual({
      type: 'broadcast',
      messageId: res.body.messageId,
      from: 'alice',
      // The token carries no name claim: the admin is named by their user id.
      fromName: 'alice',
      text: 'Maintenance at noon',
      sentAt: res.body.sentAt,
    });
  });

  it('lets the demo\'s admin (alice, whose local token carries roles ["admin"]) broadcast', async () => {
    expect((await api('POST', '/broadcast', { token: await appToken(api, 'alice'), body: { text: 'from the demo admin' } })).status).toBe(202);
  });

  it('answers 403 to an app user without the admin role and 401 to a Cognito ID token; nothing is published', async () => {
    const watcher = await guest();
    const refused = await api('POST', '/broadcast', { token: await appToken(api, 'bob'), body: { text: 'hi all' } });
    expect(refused).toMatchObject({ status: 403, body: { error: 'forbidden', message: expect.stringContaining('"admin" role') } });
    const notAdmin = await stack.issuers.app.sign({ roles: ['admins', 'editor'] }, { subject: 'erin' });
    expect((await api('POST', '/broadcast', { token: notAdmin, body: { text: 'hi all' } })).status).toBe(403);
    expect((await api('POST', '/broadcast', { ...(await cognitoSession(api, 'broadcast-dana')).auth, body: { text: 'hi all' } })).status).toBe(401);
    expect((await api('POST', '/broadcast', { body: { text: 'hi all' } })).status).toBe(401);
    await sleep(200);
    expect(watcher.messages).toEqual([]);
  });

  it("is rate-limited per admin like the other write routes (429 with Retry-After past the catalog's limit)", async () => {
    const { requests, windowSeconds } = functionDefinition('broadcast').rateLimit!;
    const token = await adminToken('ratelimited-admin');
    // Fixed windows start at multiples of their length: begin well inside one so the sends cannot straddle two.
    const untilNextWindow = windowSeconds * 1000 - (Date.now() % (windowSeconds * 1000));
    if (untilNextWindow < 3000) await sleep(untilNextWindow + 100);
    for (let i = 0; i < requests; i += 1) expect((await api('POST', '/broadcast', { token, body: { text: `n${i}` } })).status).toBe(202);
    const limited = await api('POST', '/broadcast', { token, body: { text: 'one more' } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another admin has a limit of their own.
    expect((await api('POST', '/broadcast', { token: await adminToken('other-admin'), body: { text: 'hi' } })).status).toBe(202);
  });
});
