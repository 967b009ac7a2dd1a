/**
 * MQTT over WebSocket against the emulator with real MQTT.js clients and URLs presigned by the AWS SDK v3 signer.
 * Credentials come from the real STS flow (browser-client role + session policy), Lambda-role sessions, and a test
 * user whose policy lets it subscribe more widely than it may receive.
 */
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { policy } from '../../../core/policy/document.js';
import { TopicScheme } from '../../../core/topics.js';
import { browserCredentials, functionCredentials } from '../../../test/support/credentials.js';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { closesWithin, connectClient, sleep, type TestClient } from '../../../test/support/mqtt.js';
import { rawConnect } from '../../../test/support/raw-mqtt.js';
import { type AwsCredentials, presignMqttUrl } from '../../../test/support/sign.js';
import { LOCAL_DEPLOYMENT } from '../../local-deployment.js';

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
const arn = (kind: string, name: string) => `arn:aws:iot:us-east-1:000000000000:${kind}/${name}`;
const tester = {
  userName: 'tester',
  accessKeyId: 'AKIATESTER0000000000',
  secretAccessKey: 'tester-secret',
  policies: [
    {
      name: 'subscribe-wide-receive-narrow',
      document: policy(
        { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client', 'tester-*') },
        { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [arn('topicfilter', 'test/*'), arn('topicfilter', '$aws/events/*')] },
        { Effect: 'Allow', Action: 'iot:Receive', Resource: [arn('topic', 'test/allowed/*'), arn('topic', '$aws/events/*')] },
        { Effect: 'Allow', Action: ['iot:Publish', 'iot:RetainPublish'], Resource: arn('topic', 'test/*') },
      ),
    },
  ],
};

let emulator: TestEmulator;
const open: TestClient[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator({ extraUsers: [tester], limits: { persistentSessionExpirySeconds: 2 } });
});
// Each test asserts on the log lines (denials) it caused, never on an earlier test's.
beforeEach(() => {
  emulator.logs.splice(0);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined)));
});
afterAll(async () => emulator.close());

async function connect(credentials: AwsCredentials, clientId: string, options: Parameters<typeof connectClient>[2] = {}): Promise<TestClient> {
  const url = await presignMqttUrl(credentials, { connectTo: emulator.url });
  const c = await connectClient(url, clientId, options);
  open.push(c);
  return c;
}

function dataPlane(credentials: AwsCredentials) {
  return new IoTDataPlaneClient({ region: 'us-east-1', endpoint: emulator.url, credentials });
}

describe('WebSocket upgrade (SigV4)', () => {
  async function upgradeStatus(url: string): Promise<number> {
    const { WebSocket } = await import('ws');
    return new Promise((resolve) => {
      const ws = new WebSocket(url, ['mqtt']);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('error', () => undefined);
    });
  }

  it('accepts a correctly signed URL', async () => {
    expect(await upgradeStatus(await presignMqttUrl(adminCredentials, { connectTo: emulator.url }))).toBe(101);
  });

  it('accepts a URL signed for the advertised endpoint host without port (what the browser SDK signs)', async () => {
    const url = await presignMqttUrl(adminCredentials, { connectTo: emulator.url, signedHost: emulator.advertisedHost });
    expect(await upgradeStatus(url)).toBe(101);
  });

  it('answers 403 to a missing, tampered, expired or foreign-host signature, and to an unknown key', async () => {
    const good = await presignMqttUrl(adminCredentials, { connectTo: emulator.url });
    expect(await upgradeStatus(`${emulator.mqttUrl}`)).toBe(403);
    expect(await upgradeStatus(good.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`))).toBe(403);
    const stale = await presignMqttUrl(adminCredentials, { connectTo: emulator.url, signingDate: new Date(Date.now() - 10 * 60_000), expiresIn: 60 });
    expect(await upgradeStatus(stale)).toBe(403);
    expect(await upgradeStatus(await presignMqttUrl(adminCredentials, { connectTo: emulator.url, signedHost: 'evil.example.com' }))).toBe(403);
    expect(await upgradeStatus(await presignMqttUrl({ accessKeyId: 'AKIANOPE000000000000', secretAccessKey: 'x' }, { connectTo: emulator.url }))).toBe(403);
    expect(emulator.denials().filter((d) => d.action === 'WebSocket upgrade').length).toBeGreaterThanOrEqual(5);
  });

  it('answers 403 to expired credentials and to a missing session token', async () => {
    const expired = functionCredentials(emulator, 'messages', -1);
    expect(await upgradeStatus(await presignMqttUrl(expired, { connectTo: emulator.url }))).toBe(403);
    const valid = functionCredentials(emulator, 'messages');
    const { sessionToken: _drop, ...withoutToken } = valid;
    expect(await upgradeStatus(await presignMqttUrl(withoutToken, { connectTo: emulator.url }))).toBe(403);
    expect(emulator.denials().some((d) => String(d.reason).startsWith('ExpiredToken'))).toBe(true);
  });
});

describe('authorization of CONNECT, SUBSCRIBE, PUBLISH and Receive', () => {
  it("delivers a data-plane publish to each room member's inbox, and to nobody else", async () => {
    // A room message reaches its members through their own inboxes (core/topics.ts), one publish per member.
    const alice = await browserCredentials(emulator, 'alice');
    const bob = await browserCredentials(emulator, 'bob');
    const a = await connect(alice, alice.clientId);
    const b = await connect(bob, bob.clientId);
    await a.client.subscribeAsync(topics.inboxFilter('alice'), { qos: 1 });
    await b.client.subscribeAsync(topics.inboxFilter('bob'), { qos: 1 });
    const messages = dataPlane(functionCredentials(emulator, 'messages'));
    for (const member of ['alice', 'bob']) {
      await messages.send(new PublishCommand({ topic: topics.inbox(member, 'general'), qos: 1, payload: new TextEncoder().encode('{"text":"hi"}') }));
    }
    expect((await a.next(topics.inbox('alice', 'general'))).payload).toBe('{"text":"hi"}');
    expect((await b.next(topics.inbox('bob', 'general'))).payload).toBe('{"text":"hi"}');
    // next() takes the message it returns: nothing else (the other member's copy) may be left.
    await sleep(100);
    expect([...a.messages, ...b.messages]).toEqual([]);
  });

  it("closes the connection of a user subscribing to another user's inbox", async () => {
    const bob = await browserCredentials(emulator, 'bob');
    const b = await connect(bob, bob.clientId);
    b.client.subscribe(topics.inbox('alice', 'ops'));
    expect(await closesWithin(b, 2000)).toBe(true);
    expect(emulator.denials().some((d) => d.action === 'iot:Subscribe' && String(d.resource).endsWith('/users/alice/rooms/ops'))).toBe(true);
  });

  it('closes the connection on a wildcard subscription wider than the grant', async () => {
    const bob = await browserCredentials(emulator, 'bob');
    const b = await connect(bob, bob.clientId);
    b.client.subscribe(`${topics.prefix}/users/#`);
    expect(await closesWithin(b, 2000)).toBe(true);
  });

  it("refuses CONNECT with another user's client id (CONNACK not authorized)", async () => {
    const carol = await browserCredentials(emulator, 'carol');
    const url = await presignMqttUrl(carol, { connectTo: emulator.url });
    await expect(connectClient(url, topics.clientId('alice'))).rejects.toThrow(/Not authorized|Connection refused/i);
    expect(emulator.denials().some((d) => d.action === 'iot:Connect' && String(d.resource).endsWith(':client/iot-realtime.local.alice'))).toBe(true);
  });

  it('closes a browser connection that tries to publish (browsers never publish)', async () => {
    const alice = await browserCredentials(emulator, 'alice');
    const a = await connect(alice, alice.clientId);
    a.client.publish(topics.inbox('alice', 'general'), 'spoof', { qos: 1 });
    expect(await closesWithin(a, 2000)).toBe(true);
  });

  it('drops deliveries on topics the subscriber may not receive, and keeps the connection', async () => {
    const t = await connect(tester, 'tester-1');
    await t.client.subscribeAsync('test/#', { qos: 0 });
    const pub = await connect(tester, 'tester-2');
    await pub.client.publishAsync('test/denied/x', 'secret', { qos: 1 });
    await pub.client.publishAsync('test/allowed/x', 'public', { qos: 1 });
    expect((await t.next('test/allowed/x')).payload).toBe('public');
    await sleep(100);
    expect(t.messages.find((m) => m.topic === 'test/denied/x')).toBeUndefined();
    expect(t.client.connected).toBe(true);
    expect(emulator.denials().some((d) => d.action === 'iot:Receive' && String(d.resource).endsWith('test/denied/x'))).toBe(true);
  });
});

describe('IoT Core limits and behaviour', () => {
  it('takes over the older connection when a client id connects twice, and says so in the lifecycle event', async () => {
    const watcher = await connect(tester, 'tester-watch');
    await watcher.client.subscribeAsync('$aws/events/presence/disconnected/tester-dup', { qos: 0 });
    const first = await connect(tester, 'tester-dup');
    await connect(tester, 'tester-dup');
    expect(await closesWithin(first, 2000)).toBe(true);
    const event = JSON.parse((await watcher.next('$aws/events/presence/disconnected/tester-dup')).payload) as Record<string, unknown>;
    expect(event).toMatchObject({
      clientId: 'tester-dup',
      eventType: 'disconnected',
      disconnectReason: 'DUPLICATE_CLIENTID',
      clientInitiatedDisconnect: false,
    });
  });

  it('publishes connected lifecycle events', async () => {
    const watcher = await connect(tester, 'tester-watch2');
    await watcher.client.subscribeAsync('$aws/events/presence/connected/+', { qos: 0 });
    await connect(tester, 'tester-newcomer');
    const event = JSON.parse((await watcher.next('$aws/events/presence/connected/tester-newcomer')).payload) as Record<string, unknown>;
    // IoT: principalIdentifier names the IAM credentials (for an IAM user, its unique id).
    expect(event).toMatchObject({ clientId: 'tester-newcomer', eventType: 'connected', principalIdentifier: expect.stringMatching(/^AIDA[A-Z2-7]{17}$/) });
  });

  it('keeps a persistent session: QoS 1 published while away arrives after reconnecting', async () => {
    const first = await connect(tester, 'tester-persist', { clean: false });
    await first.client.subscribeAsync('test/allowed/persist', { qos: 1 });
    await first.end();
    await dataPlane(adminCredentials).send(new PublishCommand({ topic: 'test/allowed/persist', qos: 1, payload: new TextEncoder().encode('while-away') }));
    const again = await connect(tester, 'tester-persist', { clean: false });
    expect((await again.next('test/allowed/persist')).payload).toBe('while-away');
  });

  it('expires a persistent session after its expiry (2 s in this test)', async () => {
    const first = await connect(tester, 'tester-expire', { clean: false });
    await first.client.subscribeAsync('test/allowed/expire', { qos: 1 });
    await first.end();
    await dataPlane(adminCredentials).send(new PublishCommand({ topic: 'test/allowed/expire', qos: 1, payload: new TextEncoder().encode('lost') }));
    await sleep(2600);
    const again = await connect(tester, 'tester-expire', { clean: false });
    await sleep(300);
    expect(again.messages).toEqual([]);
  });

  it('closes the connection on a PUBLISH over 128 KB, and the data plane answers 413', async () => {
    const t = await connect(tester, 'tester-big');
    t.client.publish('test/allowed/big', Buffer.alloc(128 * 1024 + 1), { qos: 0 });
    expect(await closesWithin(t, 2000)).toBe(true);
    await expect(
      dataPlane(adminCredentials).send(new PublishCommand({ topic: 'test/allowed/big', payload: new Uint8Array(128 * 1024 + 1) })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 413 } });
  });

  it('closes the connection on a topic with more than 8 levels, or over 256 bytes', async () => {
    const deep = await connect(tester, 'tester-deep');
    deep.client.publish('test/1/2/3/4/5/6/7/8', 'x');
    expect(await closesWithin(deep, 2000)).toBe(true);
    const long = await connect(tester, 'tester-long');
    long.client.subscribe(`test/${'x'.repeat(260)}`);
    expect(await closesWithin(long, 2000)).toBe(true);
  });

  it('closes the connection on a QoS 2 PUBLISH (QoS 2 SUBSCRIBE: mqtt-behaviour.integration.test.ts)', async () => {
    const pub = await connect(tester, 'tester-qos2p');
    pub.client.publish('test/allowed/q2', 'x', { qos: 2 });
    expect(await closesWithin(pub, 2000)).toBe(true);
  });

  it('closes the connection on a SUBSCRIBE with more than 8 filters', async () => {
    const t = await connect(tester, 'tester-many');
    t.client.subscribe(Array.from({ length: 9 }, (_, i) => `test/allowed/${i}`));
    expect(await closesWithin(t, 2000)).toBe(true);
    expect(emulator.denials().some((d) => String(d.reason).includes('at most 8 topic filters'))).toBe(true);
  });

  it('allows 50 subscriptions per connection and closes it at the 51st', async () => {
    const t = await connect(tester, 'tester-fifty');
    for (let i = 0; i < 50; i += 5) await t.client.subscribeAsync(Array.from({ length: 5 }, (_, j) => `test/allowed/s${i + j}`));
    expect(t.client.connected).toBe(true);
    t.client.subscribe('test/allowed/s50');
    expect(await closesWithin(t, 2000)).toBe(true);
  });

  it('delivers retained messages to exact-match filters only, and a zero-byte retained publish deletes them', async () => {
    const pub = await connect(tester, 'tester-retain');
    await pub.client.publishAsync('test/allowed/retained', 'kept', { qos: 1, retain: true });
    const exact = await connect(tester, 'tester-exact');
    await exact.client.subscribeAsync('test/allowed/retained', { qos: 1 });
    const got = await exact.next('test/allowed/retained');
    expect(got).toMatchObject({ payload: 'kept', retain: true });
    const wild = await connect(tester, 'tester-wild');
    await wild.client.subscribeAsync('test/allowed/#', { qos: 1 });
    await sleep(200);
    expect(wild.messages.filter((m) => m.topic === 'test/allowed/retained')).toEqual([]);
    await pub.client.publishAsync('test/allowed/retained', '', { qos: 1, retain: true });
    const late = await connect(tester, 'tester-late');
    await late.client.subscribeAsync('test/allowed/retained', { qos: 1 });
    await sleep(200);
    expect(late.messages).toEqual([]);
  });

  it('drops publishes over the per-connection limit of 100 per second (IoT throttling)', async () => {
    const sub = await connect(tester, 'tester-flood-sub');
    await sub.client.subscribeAsync('test/allowed/flood', { qos: 0 });
    const pub = await connect(tester, 'tester-flood-pub');
    for (let i = 0; i < 250; i += 1) pub.client.publish('test/allowed/flood', String(i), { qos: 0 });
    await sleep(500);
    const received = sub.messages.filter((m) => m.topic === 'test/allowed/flood').length;
    // 250 sent in well under two one-second windows: at most 200 get through, at least one window's 100 do.
    expect(received).toBeGreaterThanOrEqual(100);
    expect(received).toBeLessThanOrEqual(200);
    expect(pub.client.connected).toBe(true);
    expect(emulator.logs.some((l) => l.message === 'throttled inbound PUBLISH (per-connection limit)')).toBe(true);
  });

  it('refuses an empty client id with clean session off (MQTT-3.1.3-8)', async () => {
    // MQTT.js refuses to send this CONNECT itself, so it goes out raw.
    expect(await rawConnect(await presignMqttUrl(tester, { connectTo: emulator.url }), { clientId: '', clean: false })).toBe(2);
    expect(await rawConnect(await presignMqttUrl(adminCredentials, { connectTo: emulator.url }), { clientId: '', clean: true })).toBe(0);
  });

  it('refuses client ids that start with $ or exceed 128 bytes', async () => {
    const url = await presignMqttUrl(adminCredentials, { connectTo: emulator.url });
    await expect(connectClient(url, '$reserved')).rejects.toThrow(/Identifier rejected/i);
    await expect(connectClient(await presignMqttUrl(adminCredentials, { connectTo: emulator.url }), 'c'.repeat(129))).rejects.toThrow(/Identifier rejected/i);
  });
});
