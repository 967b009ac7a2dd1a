/**
 * The backend end to end on one machine: the real HTTP API (local gateway), the Lambdas with their own roles, the
 * emulator, and real MQTT subscribers holding credentials from POST /credentials.
 */
import { CognitoIdentityClient, GetCredentialsForIdentityCommand } from '@aws-sdk/client-cognito-identity';
import { type Message, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { CredentialsResponse } from '../../core/contracts/http.js';
import type { JobEvent } from '../../core/contracts/mqtt.js';
import { TopicScheme } from '../../core/topics.js';
import { memoryLogger } from '../../local/emulator/log.js';
import { LOCAL_DEPLOYMENT } from '../../local/local-deployment.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { adminCredentials } from '../../test/support/emulator.js';
import { apiClient, appSubscriber, appToken, cognitoSession } from '../../test/support/local-api.js';
import { closesWithin, connectClient, sleep, type TestClient } from '../../test/support/mqtt.js';
import { presignMqttUrl } from '../../test/support/sign.js';
import { STACK_START_TIMEOUT_MS } from '../../test/support/stack-start.js';
import { loginsKeyOf } from '../shared/cognito-identity.js';

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
const WEB_ORIGIN = 'http://127.0.0.1:5173';
let stack: LocalStack;
const open: TestClient[] = [];

beforeAll(async () => {
  stack = await startLocalStack({
    emulatorPort: 0,
    apiPort: 0,
    corsOrigins: [WEB_ORIGIN],
    logger: memoryLogger(),
    jobRetryDelayMs: 50,
    functionLogLevel: 'SILENT',
  });
}, STACK_START_TIMEOUT_MS);
afterEach(async () => Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined))));
afterAll(async () => stack.close());

const api = apiClient(() => stack);
const waitUntil = async (check: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
};
const tokenFor = (sub: string) => appToken(api, sub);

async function subscriberFor(sub: string): Promise<{ client: TestClient; creds: CredentialsResponse; token: string }> {
  const token = await tokenFor(sub);
  const { client, creds } = await appSubscriber(stack, api, token);
  open.push(client);
  return { client, creds, token };
}

/** Credentials for one tab (POST /credentials {"tab"}), and a connection with the client id they name. */
async function tabSubscriber(sub: string, tab: string): Promise<{ client: TestClient; creds: CredentialsResponse }> {
  const res = await api('POST', '/credentials', { token: await tokenFor(sub), body: { tab } });
  if (res.status !== 200) throw new Error(`credentials refused: ${res.status} ${JSON.stringify(res.body)}`);
  const creds = res.body as unknown as CredentialsResponse;
  const client = await connectClient(await presignMqttUrl(creds, { connectTo: stack.emulator.url, signedHost: creds.iotEndpoint }), creds.clientId);
  open.push(client);
  return { client, creds };
}

describe('credentials', () => {
  it('vends one-hour credentials scoped to the user, with region, endpoint, client id and topics', async () => {
    const res = await api('POST', '/credentials', { token: await tokenFor('alice') });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const creds = res.body as unknown as CredentialsResponse;
    expect(creds.clientId).toBe('iot-realtime.local.alice');
    expect(creds.region).toBe('us-east-1');
    expect(creds.topics.subscribe).toEqual(['iot-realtime/local/broadcast', 'iot-realtime/local/users/alice/#']);
    const ttl = new Date(creds.expiration).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(3590_000);
    expect(ttl).toBeLessThanOrEqual(3600_000);
  });

  it('answers 401 to expired, forged, wrong-audience and missing tokens', async () => {
    const expired = await stack.issuers.app.sign({}, { subject: 'alice', ttlSeconds: -60 });
    const wrongAudience = await stack.issuers.app.sign({}, { subject: 'alice', audience: 'another-app' });
    const alice = await tokenFor('alice');
    const [header, payload] = alice.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: 'bob' })).toString('base64url');
    const forged = `${header}.${forgedPayload}.${alice.split('.')[2]}`;
    for (const [token, reason] of [
      [expired, /expired/],
      [wrongAudience, /audience/],
      [forged, /signature/],
    ] as const) {
      const res = await api('POST', '/credentials', { token });
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(reason);
    }
    const none = await api('POST', '/credentials');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
  });
});

describe('connections', () => {
  it("closes bob's connection when he subscribes to alice's private topics or a shared room topic", async () => {
    const bob = await subscriberFor('bob');
    bob.client.client.subscribe(topics.inboxFilter('alice'));
    expect(await closesWithin(bob.client, 2000)).toBe(true);
    const again = await tabSubscriber('bob', 'tab2');
    again.client.client.subscribe('iot-realtime/local/rooms/general');
    expect(await closesWithin(again.client, 2000)).toBe(true);
  });

  it('lets each tab connect with the client id its credentials name, and nothing else', async () => {
    const tab = await tabSubscriber('dora', 'x1');
    expect(tab.creds.clientId).toBe('iot-realtime.local.dora.x1');
    // Two tabs of one user hold two connections at once: no client id takeover between them.
    const other = await tabSubscriber('dora', 'x2');
    await sleep(200);
    expect(tab.client.client.connected).toBe(true);
    expect(other.client.client.connected).toBe(true);
    const url = await presignMqttUrl(tab.creds, { connectTo: stack.emulator.url, signedHost: tab.creds.iotEndpoint });
    // IoT: a CONNECT the policy denies gets CONNACK 5 (not authorized).
    for (const clientId of ['iot-realtime.local.dora', 'iot-realtime.local.dora.x2', 'iot-realtime.local.dora.x1.more', 'iot-realtime.local.dora.#']) {
      await expect(connectClient(url, clientId)).rejects.toMatchObject({ code: 5 });
    }
  });

  it('refuses a tab outside the id alphabet with 400, in the body or the query', async () => {
    const token = await tokenFor('dora');
    for (const tab of ['#', '+', 'a/b', 'a.b', '*', 'x\u0000']) {
      expect(await api('POST', '/credentials', { token, body: { tab } })).toMatchObject({ status: 400, body: { error: 'bad_request' } });
      expect((await api('POST', `/credentials?tab=${encodeURIComponent(tab)}`, { token })).status).toBe(400);
    }
  });

  it("refuses carol a connection with alice's client id", async () => {
    const token = await tokenFor('carol');
    const creds = (await api('POST', '/credentials', { token })).body as unknown as CredentialsResponse;
    const url = await presignMqttUrl(creds, { connectTo: stack.emulator.url, signedHost: creds.iotEndpoint });
    await expect(connectClient(url, topics.clientId('alice'))).rejects.toMatchObject({ code: 5 });
  });
});

describe('jobs', () => {
  it('reports progress and the result to the owner only', async () => {
    const alice = await subscriberFor('alice');
    const bob = await subscriberFor('bob');
    await alice.client.client.subscribeAsync(topics.userFilter('alice'), { qos: 1 });
    await bob.client.client.subscribeAsync(topics.userFilter('bob'), { qos: 1 });
    const res = await api('POST', '/jobs', { token: alice.token, body: { kind: 'report', steps: 3, stepMs: 20 } });
    expect(res.status).toBe(202);
    const topic = res.body.topic as string;
    expect(topic).toBe(topics.job('alice', res.body.jobId as string));
    const events: JobEvent[] = [];
    while (events.at(-1)?.status !== 'succeeded') events.push(JSON.parse((await alice.client.next(topic, 5000)).payload) as JobEvent);
    expect(events.map((e) => e.progress)).toEqual([0, 33, 67, 100]);
    await sleep(100);
    // Bob shares a room with alice, so her connecting reaches his inbox as a presence change; nothing else does.
    expect(bob.client.messages.filter((m) => (JSON.parse(m.payload) as { type: string }).type !== 'presence')).toEqual([]);
  });

  it('reports a failing job as failed', async () => {
    const alice = await subscriberFor('alice');
    await alice.client.client.subscribeAsync(topics.userFilter('alice'), { qos: 1 });
    const res = await api('POST', '/jobs', { token: alice.token, body: { kind: 'import', steps: 2, stepMs: 10, failAtStep: 2 } });
    const topic = res.body.topic as string;
    let last: JobEvent | undefined;
    while (last?.status !== 'failed') last = JSON.parse((await alice.client.next(topic, 5000)).payload) as JobEvent;
    expect(last.error).toBe('The import stopped at step 2 of 2: a row of the file could not be read (this demo job was asked to fail there).');
  });

  it('answers 400 naming the limit to a job the worker could not finish inside its timeout', async () => {
    const res = await api('POST', '/jobs', { token: await tokenFor('erin'), body: { kind: 'report', steps: 20, stepMs: 5000 } });
    expect(res).toMatchObject({
      status: 400,
      body: { message: expect.stringContaining('at most 50000 ms fit in a worker invocation (its 60 s timeout minus a 10 s safety margin)') },
    });
  });

  it('tells the owner why when a job reaches the dead-letter queue', async () => {
    const erin = await subscriberFor('erin');
    await erin.client.client.subscribeAsync(topics.userFilter('erin'), { qos: 1 });
    // Queued behind the API's back: 100 s of work can never fit in the worker's 60 s, so every receive fails untouched.
    const sqs = new SQSClient({ region: LOCAL_DEPLOYMENT.region, endpoint: stack.emulator.url, credentials: adminCredentials });
    const job = { jobId: 'too-long', userId: 'erin', kind: 'report', steps: 20, stepMs: 5000, requestedAt: new Date().toISOString() };
    await sqs.send(new SendMessageCommand({ QueueUrl: stack.queues.jobs.queue.url, MessageBody: JSON.stringify(job) }));
    const event = JSON.parse((await erin.client.next(topics.job('erin', 'too-long'), 5000)).payload) as JobEvent;
    expect(event).toMatchObject({
      status: 'failed',
      error: 'The report could not finish: the worker ran out of time on each of its 3 attempts.',
    });
    // SQS moved it to the dead-letter queue when it would have been received a fourth time (maxReceiveCount 3).
    let dead: Message | undefined;
    await waitUntil(async () => {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.queues.jobs.deadLetters.url, MessageSystemAttributeNames: ['All'] }));
      dead = out.Messages?.find((m) => m.Body?.includes('"too-long"'));
      return dead !== undefined;
    });
    expect(dead?.Attributes?.DeadLetterQueueSourceArn).toBe(stack.queues.jobs.queue.arn);
    // Nothing ran: no progress was ever published.
    await sleep(100);
    expect(erin.client.messages.filter((m) => m.topic === topics.job('erin', 'too-long'))).toEqual([]);
  });

  it('answers 400 to an unknown kind', async () => {
    const res = await api('POST', '/jobs', { token: await tokenFor('alice'), body: { kind: 'nope' } });
    expect(res).toMatchObject({ status: 400, body: { message: expect.stringContaining('"kind" must be one of') } });
  });
});

describe('Cognito signed-in users', () => {
  it('attach the IoT policy through the API and can then connect with their identity id', async () => {
    const dana = await cognitoSession(api, 'dana');
    const attached = await api('POST', '/iot/attach-policy', { ...dana.auth, body: { identityId: 'us-east-1:00000000-0000-4000-8000-000000000000' } });
    expect(attached.status).toBe(200);
    const identityId = attached.body.identityId as string;
    expect(identityId).not.toBe('us-east-1:00000000-0000-4000-8000-000000000000');
    const cognito = new CognitoIdentityClient({ region: 'us-east-1', endpoint: stack.emulator.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const out = await cognito.send(
      new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins: { [loginsKeyOf(stack.userPool.issuer)]: dana.idToken } }),
    );
    const c = out.Credentials!;
    const client = await connectClient(
      await presignMqttUrl({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretKey!, sessionToken: c.SessionToken! }, { connectTo: stack.emulator.url }),
      topics.clientId(identityId),
    );
    open.push(client);
    await client.client.subscribeAsync(topics.userFilter(identityId), { qos: 1 });
  });

  it('answers 401 to attach-policy without a valid ID token, or with an app token', async () => {
    expect((await api('POST', '/iot/attach-policy', { token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' })).status).toBe(401);
    expect((await api('POST', '/iot/attach-policy', { token: await tokenFor('alice') })).status).toBe(401);
  });
});

describe('the HTTP API itself', () => {
  it('answers CORS preflights for the web origin only', async () => {
    const ok = await fetch(`${stack.api.url}/credentials`, { method: 'OPTIONS', headers: { origin: WEB_ORIGIN, 'access-control-request-method': 'POST' } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    const evil = await fetch(`${stack.api.url}/credentials`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers 404 to unknown routes and serves health', async () => {
    expect((await api('GET', '/nope')).status).toBe(404);
    expect(await api('GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('issues local tokens for any valid user id, and refuses ids that would widen a grant', async () => {
    expect((await api('POST', '/dev/token', { body: { sub: 'mallory' } })).status).toBe(200);
    for (const sub of ['a/b', '*', '', 'x'.repeat(65)])
      expect(await api('POST', '/dev/token', { body: { sub } })).toMatchObject({ status: 400, body: { error: 'bad_request' } });
    expect((await api('POST', '/dev/token', { body: {} })).status).toBe(400);
    expect((await api('POST', '/dev/token', { body: '{"sub":' })).status).toBe(400);
  });
});
