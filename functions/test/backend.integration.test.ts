/**
 * The backend end to end on one machine: the real HTTP API (local gateway), the Lambdas with their own roles, the
 * emulator, and real MQTT subscribers holding credentials from POST /credentials.
 */
import { CognitoIdentityClient, GetCredentialsForIdentityCommand } from '@aws-sdk/client-cognito-identity';
import { TopicScheme } from '../../core/topics.js';
import { LOCAL_DEPLOYMENT, LOCAL_IDENTITY_POOL_ID } from '../../local/local-deployment.js';
import { memoryLogger } from '../../local/emulator/log.js';
import { startLocalStack, type LocalStack } from '../../local/stack.js';
import { closesWithin, connectClient, sleep, type TestClient } from '../../test/support/mqtt.js';
import { presignMqttUrl } from '../../test/support/sign.js';
import type { CredentialsResponse } from '../../core/contracts/http.js';
import type { JobEvent } from '../../core/contracts/mqtt.js';

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
const WEB_ORIGIN = 'http://127.0.0.1:5173';
let stack: LocalStack;
const open: TestClient[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ emulatorPort: 0, apiPort: 0, corsOrigins: [WEB_ORIGIN], logger: memoryLogger(), jobRetryDelayMs: 50 });
});
afterEach(async () => Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined))));
afterAll(async () => stack.close());

async function api(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${stack.api.url}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function tokenFor(sub: string): Promise<string> {
  const res = await api('POST', '/dev/token', { body: { sub } });
  return res.body.token as string;
}

async function subscriberFor(sub: string, clientSuffix?: string): Promise<{ client: TestClient; creds: CredentialsResponse; token: string }> {
  const token = await tokenFor(sub);
  const res = await api('POST', '/credentials', { token });
  expect(res.status).toBe(200);
  const creds = res.body as unknown as CredentialsResponse;
  const url = await presignMqttUrl(creds, { connectTo: stack.emulator.url, signedHost: creds.iotEndpoint, region: creds.region });
  const client = await connectClient(url, clientSuffix ? `${creds.clientId}.${clientSuffix}` : creds.clientId);
  open.push(client);
  return { client, creds, token };
}

describe('credentials', () => {
  it('vends one-hour credentials scoped to the user, with region, endpoint, client id and topics', async () => {
    const res = await api('POST', '/credentials', { token: await tokenFor('alice') });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const creds = res.body as unknown as CredentialsResponse;
    expect(creds.clientId).toBe('iot-realtime.local.alice');
    expect(creds.region).toBe('us-east-1');
    expect(creds.topics.subscribe).toEqual(['iot-realtime/local/broadcast', 'iot-realtime/local/users/alice/#', 'iot-realtime/local/rooms/general', 'iot-realtime/local/rooms/ops']);
    const ttl = new Date(creds.expiration).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(3590_000);
    expect(ttl).toBeLessThanOrEqual(3600_000);
  });

  it('answers 401 to expired, forged, wrong-audience and missing tokens', async () => {
    const expired = await stack.tokenIssuer.sign({ rooms: ['general'] }, { subject: 'alice', ttlSeconds: -60 });
    const wrongAudience = await stack.tokenIssuer.sign({ rooms: ['general'] }, { subject: 'alice', audience: 'another-app' });
    const alice = await tokenFor('alice');
    const [header, payload] = alice.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), rooms: ['general', 'ops', 'admin'] })).toString('base64url');
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

describe('messages reach the room members, and only them', () => {
  it('delivers a message posted to general to alice and bob', async () => {
    const alice = await subscriberFor('alice');
    const bob = await subscriberFor('bob');
    await alice.client.client.subscribeAsync(topics.room('general'), { qos: 1 });
    await bob.client.client.subscribeAsync(topics.room('general'), { qos: 1 });
    const res = await api('POST', '/rooms/general/messages', { token: alice.token, body: { text: '  hello team  ' } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ topic: topics.room('general') });
    for (const c of [alice.client, bob.client]) {
      const message = JSON.parse((await c.next(topics.room('general'))).payload) as Record<string, unknown>;
      expect(message).toMatchObject({ id: res.body.id, author: 'alice', text: 'hello team', roomId: 'general' });
    }
  });

  it('closes bob\'s connection when he subscribes to ops, or to alice\'s private topics', async () => {
    const bob = await subscriberFor('bob');
    bob.client.client.subscribe(topics.room('ops'));
    expect(await closesWithin(bob.client, 2000)).toBe(true);
    const again = await subscriberFor('bob', 'tab2');
    again.client.client.subscribe(`${topics.userRoot('alice')}/#`);
    expect(await closesWithin(again.client, 2000)).toBe(true);
  });

  it('refuses carol a connection with alice\'s client id', async () => {
    const token = await tokenFor('carol');
    const creds = (await api('POST', '/credentials', { token })).body as unknown as CredentialsResponse;
    const url = await presignMqttUrl(creds, { connectTo: stack.emulator.url, signedHost: creds.iotEndpoint });
    await expect(connectClient(url, topics.clientId('alice'))).rejects.toThrow(/Not authorized/i);
  });

  it('answers 403 to a non-member, and 400/413/415 to bad bodies', async () => {
    const bob = await tokenFor('bob');
    expect((await api('POST', '/rooms/ops/messages', { token: bob, body: { text: 'let me in' } })).status).toBe(403);
    const badJson = await api('POST', '/rooms/general/messages', { token: bob, body: '{"text": ' });
    expect(badJson).toMatchObject({ status: 400, body: { message: 'the request body is not valid JSON' } });
    expect((await api('POST', '/rooms/general/messages', { token: bob, body: { text: 5 } })).status).toBe(400);
    expect((await api('POST', '/rooms/general/messages', { token: bob, body: { text: 'x'.repeat(2001) } })).status).toBe(413);
    expect((await api('POST', '/rooms/general/messages', { token: bob, body: 'hi', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
  });
});

describe('jobs', () => {
  it('reports progress and the result to the owner only', async () => {
    const alice = await subscriberFor('alice');
    const bob = await subscriberFor('bob');
    await alice.client.client.subscribeAsync(`${topics.userRoot('alice')}/#`, { qos: 1 });
    await bob.client.client.subscribeAsync(`${topics.userRoot('bob')}/#`, { qos: 1 });
    const res = await api('POST', '/jobs', { token: alice.token, body: { kind: 'report', steps: 3, stepMs: 20 } });
    expect(res.status).toBe(202);
    const topic = res.body.topic as string;
    expect(topic).toBe(topics.job('alice', res.body.jobId as string));
    const events: JobEvent[] = [];
    while (events.at(-1)?.status !== 'succeeded') events.push(JSON.parse((await alice.client.next(topic, 5000)).payload) as JobEvent);
    expect(events.map((e) => e.progress)).toEqual([0, 33, 67, 100]);
    await sleep(100);
    expect(bob.client.messages).toEqual([]);
  });

  it('reports a failing job as failed', async () => {
    const alice = await subscriberFor('alice');
    await alice.client.client.subscribeAsync(`${topics.userRoot('alice')}/#`, { qos: 1 });
    const res = await api('POST', '/jobs', { token: alice.token, body: { kind: 'import', steps: 2, stepMs: 10, failAtStep: 2 } });
    const topic = res.body.topic as string;
    let last: JobEvent | undefined;
    while (last?.status !== 'failed') last = JSON.parse((await alice.client.next(topic, 5000)).payload) as JobEvent;
    expect(last.error).toBe('step 2 of 2 failed');
  });

  it('answers 400 to an unknown kind', async () => {
    const res = await api('POST', '/jobs', { token: await tokenFor('alice'), body: { kind: 'nope' } });
    expect(res).toMatchObject({ status: 400, body: { message: expect.stringContaining('"kind" must be one of') } });
  });
});

describe('Cognito signed-in users', () => {
  it('attach the IoT policy through the API and can then connect with their identity id', async () => {
    const token = await tokenFor('alice'); // locally the identity pool trusts the local issuer as its login provider
    const attached = await api('POST', '/iot/attach-policy', { token, body: { identityId: 'us-east-1:00000000-0000-4000-8000-000000000000' } });
    expect(attached.status).toBe(200);
    const identityId = attached.body.identityId as string;
    expect(identityId).not.toBe('us-east-1:00000000-0000-4000-8000-000000000000');
    const cognito = new CognitoIdentityClient({ region: 'us-east-1', endpoint: stack.emulator.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const out = await cognito.send(new GetCredentialsForIdentityCommand({ IdentityId: identityId, Logins: { [new URL(stack.api.url).host]: token } }));
    const c = out.Credentials!;
    const client = await connectClient(await presignMqttUrl({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretKey!, sessionToken: c.SessionToken! }, { connectTo: stack.emulator.url }), identityId);
    open.push(client);
    await client.client.subscribeAsync(`${topics.userRoot(identityId)}/#`, { qos: 1 });
  });

  it('answers 401 to attach-policy without a valid token', async () => {
    expect((await api('POST', '/iot/attach-policy', { token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' })).status).toBe(401);
  });
});

describe('the HTTP API itself', () => {
  it('answers CORS preflights for the web origin only', async () => {
    const ok = await fetch(`${stack.api.url}/credentials`, { method: 'OPTIONS', headers: { origin: WEB_ORIGIN, 'access-control-request-method': 'POST' } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    const evil = await fetch(`${stack.api.url}/credentials`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers 404 to unknown routes and serves health', async () => {
    expect((await api('GET', '/nope')).status).toBe(404);
    expect(await api('GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('issues demo tokens only for demo users', async () => {
    expect((await api('POST', '/dev/token', { body: { sub: 'mallory' } })).status).toBe(404);
    expect((await api('POST', '/dev/token', { body: {} })).status).toBe(400);
  });
});
