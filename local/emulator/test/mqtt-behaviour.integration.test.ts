/**
 * IoT Core's observable MQTT behaviour, checked through real clients over WebSocket (MQTT.js; a raw WebSocket client
 * where MQTT.js cannot send what is tested: a bare Close frame, a dropped TCP connection, a QoS 2 SUBSCRIBE). Each
 * test names the rule and the page it comes from (docs/aws-iot-facts.md section 3):
 *   mqtt.html                https://docs.aws.amazon.com/iot/latest/developerguide/mqtt.html
 *   life-cycle-events.html   https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html
 */
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { policy } from '../../../core/policy/document.js';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { closesWithin, connectClient, sleep, type TestClient } from '../../../test/support/mqtt.js';
import { RawMqttClient } from '../../../test/support/raw-mqtt.js';
import { type AwsCredentials, presignMqttUrl } from '../../../test/support/sign.js';
import { uniqueId } from '../account/identifiers.js';

const arn = (kind: string, name: string) => `arn:aws:iot:us-east-1:000000000000:${kind}/${name}`;
const user = (name: string, ...statements: Parameters<typeof policy>) => ({
  userName: name,
  accessKeyId: `AKIA${name.toUpperCase().padEnd(16, '0')}`,
  secretAccessKey: `${name}-secret`,
  policies: [{ name, document: policy(...statements) }],
});
/** Connects as `b*`, and may do anything on test/* and subscribe to and receive lifecycle events. */
const behave = user(
  'behave',
  { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client', 'b*') },
  { Effect: 'Allow', Action: 'iot:Subscribe', Resource: [arn('topicfilter', 'test/*'), arn('topicfilter', '$aws/events/*')] },
  { Effect: 'Allow', Action: 'iot:Receive', Resource: [arn('topic', 'test/*'), arn('topic', '$aws/events/*')] },
  { Effect: 'Allow', Action: ['iot:Publish', 'iot:RetainPublish'], Resource: arn('topic', 'test/*') },
);
/** Connects as b-shared too, but may only subscribe to test/public/*: narrower credentials for the same client id. */
const narrow = user(
  'narrow',
  { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client', 'b-shared') },
  { Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn('topicfilter', 'test/public/*') },
  { Effect: 'Allow', Action: 'iot:Receive', Resource: arn('topic', 'test/public/*') },
);
const principalIdOf = (name: string) => uniqueId('AIDA', `arn:aws:iam::000000000000:user/${name}`);

let emulator: TestEmulator;
const open: Array<{ end(): Promise<unknown> }> = [];

beforeAll(async () => {
  emulator = await startTestEmulator({ extraUsers: [behave, narrow] });
});
beforeEach(() => {
  emulator.logs.splice(0);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined)));
});
afterAll(async () => emulator.close());

async function connect(clientId: string, options: Parameters<typeof connectClient>[2] = {}, credentials: AwsCredentials = behave): Promise<TestClient> {
  const c = await connectClient(await presignMqttUrl(credentials, { connectTo: emulator.url }), clientId, options);
  open.push(c);
  return c;
}

async function raw(
  connect: Parameters<typeof RawMqttClient.connect>[1],
  credentials: AwsCredentials = behave,
): Promise<{ client: RawMqttClient; returnCode: number }> {
  const connected = await RawMqttClient.connect(await presignMqttUrl(credentials, { connectTo: emulator.url }), connect);
  open.push({ end: () => connected.client.drop() });
  return connected;
}

/** A client that watches lifecycle events (and whatever else it subscribes to). */
async function watcher(clientId: string, filters: string[]): Promise<TestClient> {
  const w = await connect(clientId);
  await w.client.subscribeAsync(filters, { qos: 1 });
  return w;
}

const event = async (w: TestClient, topic: string) => JSON.parse((await w.next(topic)).payload) as Record<string, unknown>;
const dataPlane = () => new IoTDataPlaneClient({ region: 'us-east-1', endpoint: emulator.url, credentials: adminCredentials });
const publishViaDataPlane = (topic: string, text: string, qos: 0 | 1 = 1) =>
  dataPlane().send(new PublishCommand({ topic, qos, payload: new TextEncoder().encode(text) }));

describe('topic matching (mqtt.html#mqtt-differences)', () => {
  it('x/# does not match x, but matches x/ and everything below; a subscription to both gets each message once', async () => {
    const hash = await connect('b-hash');
    await hash.client.subscribeAsync('test/parent/#', { qos: 1 });
    const both = await connect('b-both');
    await both.client.subscribeAsync(['test/parent/#', 'test/parent'], { qos: 1 });
    for (const topic of ['test/parent', 'test/parent/', 'test/parent/child', 'test/parent/a/b']) await publishViaDataPlane(topic, topic);
    await hash.next('test/parent/a/b');
    await both.next('test/parent/a/b');
    await sleep(150);
    expect(hash.messages.map((m) => m.topic)).toEqual(['test/parent/', 'test/parent/child']);
    expect(both.messages.map((m) => m.topic).sort()).toEqual(['test/parent', 'test/parent/', 'test/parent/child']);
  });

  it('a persistent session subscribed to x/# stores nothing published to x while it is away', async () => {
    const first = await connect('b-hash-away', { clean: false });
    await first.client.subscribeAsync('test/away/#', { qos: 1 });
    await first.end();
    await publishViaDataPlane('test/away', 'parent');
    await publishViaDataPlane('test/away/child', 'child');
    const again = await connect('b-hash-away', { clean: false });
    expect((await again.next('test/away/child')).payload).toBe('child');
    await sleep(200);
    expect(again.messages).toEqual([]);
  });
});

describe('lifecycle events (life-cycle-events.html)', () => {
  it('publishes the documented connected and disconnected events, with exactly the documented fields', async () => {
    const w = await watcher('b-watch-fields', ['$aws/events/presence/+/b-fields']);
    const c = await connect('b-fields');
    const connected = await event(w, '$aws/events/presence/connected/b-fields');
    expect(Object.keys(connected)).toEqual(['clientId', 'timestamp', 'eventType', 'sessionIdentifier', 'principalIdentifier', 'ipAddress', 'versionNumber']);
    expect(connected).toMatchObject({ clientId: 'b-fields', eventType: 'connected', principalIdentifier: principalIdOf('behave'), ipAddress: '127.0.0.1' });
    expect(Math.abs(Number(connected.timestamp) - Date.now())).toBeLessThan(5000);
    // A graceful end: MQTT DISCONNECT.
    await c.client.endAsync(false);
    const disconnected = await event(w, '$aws/events/presence/disconnected/b-fields');
    expect(Object.keys(disconnected)).toEqual([
      'clientId',
      'timestamp',
      'eventType',
      'sessionIdentifier',
      'principalIdentifier',
      'clientInitiatedDisconnect',
      'disconnectReason',
      'versionNumber',
    ]);
    expect(disconnected).toMatchObject({
      clientId: 'b-fields',
      eventType: 'disconnected',
      sessionIdentifier: connected.sessionIdentifier,
      clientInitiatedDisconnect: true,
      disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
      versionNumber: connected.versionNumber,
    });
  });

  it('increases versionNumber with every connection of a client id', async () => {
    const w = await watcher('b-watch-version', ['$aws/events/presence/connected/b-version']);
    const versions: unknown[] = [];
    for (let i = 0; i < 3; i += 1) {
      const c = await connect('b-version');
      versions.push((await event(w, '$aws/events/presence/connected/b-version')).versionNumber);
      await c.end();
    }
    expect(versions).toEqual([0, 1, 2]);
  });

  it('publishes connect_failed for a CONNECT the policy refuses (CONNACK 5), with the documented fields', async () => {
    const w = await watcher('b-watch-failed', ['$aws/events/presence/connect_failed/+']);
    await expect(connect('x-not-mine')).rejects.toThrow(/Not authorized/i);
    expect(await event(w, '$aws/events/presence/connect_failed/x-not-mine')).toEqual({
      clientId: 'x-not-mine',
      timestamp: expect.any(Number),
      eventType: 'connect_failed',
      connectFailureReason: 'AUTHORIZATION_FAILED',
      principalIdentifier: principalIdOf('behave'),
      ipAddress: '127.0.0.1',
    });
  });

  it('publishes connect_failed when the Last Will topic may not be published to, and refuses the CONNECT', async () => {
    const w = await watcher('b-watch-will-failed', ['$aws/events/presence/connect_failed/+']);
    await expect(connect('b-bad-will', { will: { topic: 'other/will', payload: Buffer.from('x'), qos: 1, retain: false } })).rejects.toThrow(/Not authorized/i);
    expect(await event(w, '$aws/events/presence/connect_failed/b-bad-will')).toMatchObject({
      eventType: 'connect_failed',
      connectFailureReason: 'AUTHORIZATION_FAILED',
    });
  });

  it('says AUTH_ERROR for a connection cut off because a SUBSCRIBE was not authorized', async () => {
    const w = await watcher('b-watch-auth', ['$aws/events/presence/disconnected/b-auth']);
    const c = await connect('b-auth');
    c.client.subscribe('other/topic');
    expect(await closesWithin(c, 2000)).toBe(true);
    expect(await event(w, '$aws/events/presence/disconnected/b-auth')).toMatchObject({ disconnectReason: 'AUTH_ERROR', clientInitiatedDisconnect: false });
  });

  it('treats a WebSocket Close frame as CLIENT_INITIATED_DISCONNECT, and then sends no Last Will', async () => {
    const w = await watcher('b-watch-close', ['$aws/events/presence/disconnected/b-close', 'test/will/close']);
    const { client } = await raw({ clientId: 'b-close', will: { topic: 'test/will/close', payload: Buffer.from('gone'), qos: 1, retain: false } });
    await client.closeFrame();
    expect(await event(w, '$aws/events/presence/disconnected/b-close')).toMatchObject({
      disconnectReason: 'CLIENT_INITIATED_DISCONNECT',
      clientInitiatedDisconnect: true,
    });
    await sleep(300);
    expect(w.messages.filter((m) => m.topic === 'test/will/close')).toEqual([]);
  });

  it('says CONNECTION_LOST for a dropped connection, and delivers its QoS 1 Last Will to a subscriber of the disconnect events too', async () => {
    const w = await watcher('b-watch-lost', ['$aws/events/presence/disconnected/b-lost', 'test/will/lost']);
    const { client } = await raw({ clientId: 'b-lost', will: { topic: 'test/will/lost', payload: Buffer.from('gone'), qos: 1, retain: false } });
    await client.drop();
    expect(await event(w, '$aws/events/presence/disconnected/b-lost')).toMatchObject({ disconnectReason: 'CONNECTION_LOST', clientInitiatedDisconnect: false });
    expect(await w.next('test/will/lost')).toMatchObject({ payload: 'gone', qos: 1 });
  });

  it('publishes subscribed and unsubscribed events with the filters granted or removed', async () => {
    const w = await watcher('b-watch-subs', ['$aws/events/subscriptions/+/b-subs']);
    const c = await connect('b-subs');
    await c.client.subscribeAsync(['test/a', 'test/b/#'], { qos: 1 });
    expect(await event(w, '$aws/events/subscriptions/subscribed/b-subs')).toEqual({
      clientId: 'b-subs',
      timestamp: expect.any(Number),
      eventType: 'subscribed',
      sessionIdentifier: expect.stringMatching(/^[0-9a-f-]{36}$/),
      principalIdentifier: principalIdOf('behave'),
      topics: ['test/a', 'test/b/#'],
    });
    await c.client.unsubscribeAsync('test/a');
    expect(await event(w, '$aws/events/subscriptions/unsubscribed/b-subs')).toMatchObject({ eventType: 'unsubscribed', topics: ['test/a'] });
    // Closing is not unsubscribing: no event for the filters a closing client held.
    await c.end();
    await sleep(200);
    expect(w.messages.filter((m) => m.topic.includes('unsubscribed'))).toEqual([]);
  });

  it('accepts client ids with + or #, and publishes no lifecycle event for them', async () => {
    const w = await watcher('b-watch-wild', ['$aws/events/#']);
    const plus = await connect('b+plus');
    await plus.client.subscribeAsync('test/x', { qos: 0 });
    await plus.end();
    const hash = await connect('b#hash');
    await hash.end();
    const control = await connect('b-control');
    await w.next('$aws/events/presence/connected/b-control');
    await control.end();
    await w.next('$aws/events/presence/disconnected/b-control');
    expect(w.messages.filter((m) => m.topic.includes('b+plus') || m.topic.includes('b#hash'))).toEqual([]);
  });
});

describe('QoS (mqtt.html#mqtt-differences)', () => {
  it('sends no SUBACK to a QoS 2 SUBSCRIBE and closes the connection (CLIENT_ERROR)', async () => {
    const w = await watcher('b-watch-qos2', ['$aws/events/presence/disconnected/b-qos2']);
    const c = await connect('b-qos2');
    const subacks: unknown[] = [];
    c.client.on('packetreceive', (packet) => {
      if (packet.cmd === 'suback') subacks.push(packet.granted);
    });
    c.client.subscribe('test/q2', { qos: 2 }, () => undefined);
    expect(await closesWithin(c, 2000)).toBe(true);
    expect(subacks).toEqual([]);
    expect(await event(w, '$aws/events/presence/disconnected/b-qos2')).toMatchObject({ disconnectReason: 'CLIENT_ERROR' });
    expect(emulator.denials().some((d) => String(d.reason).includes('QoS 2 is not supported'))).toBe(true);
  });

  it('closes without CONNACK a CONNECT whose Last Will has QoS 2', async () => {
    const client = await RawMqttClient.open(await presignMqttUrl(behave, { connectTo: emulator.url }));
    client.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      clientId: 'b-will2',
      will: { topic: 'test/w', payload: Buffer.from('x'), qos: 2, retain: false },
    });
    await client.closed;
    expect(client.received.filter((p) => p.cmd === 'connack')).toEqual([]);
  });
});

describe('persistent sessions (mqtt.html#mqtt-persistent-sessions)', () => {
  it('replays stored messages at most 10 per second, not all at once', async () => {
    const first = await connect('b-replay', { clean: false });
    await first.client.subscribeAsync('test/replay', { qos: 1 });
    await first.end();
    for (let i = 0; i < 25; i += 1) await publishViaDataPlane('test/replay', String(i));
    const arrivals: number[] = [];
    const again = await connect('b-replay', { clean: false });
    const start = Date.now();
    again.client.on('message', () => arrivals.push(Date.now() - start));
    while (arrivals.length < 25 && Date.now() - start < 6000) await sleep(50);
    expect(arrivals).toHaveLength(25);
    // 10 per second: the 11th message cannot arrive before about one second, the 25th before about 2.4 seconds.
    expect(arrivals.filter((t) => t < 900).length).toBeLessThanOrEqual(10);
    expect(arrivals[24]).toBeGreaterThanOrEqual(2200);
    expect(again.messages.map((m) => m.payload)).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
  });

  it('a stored subscription the new credentials do not allow is dropped on resume; the client id is not locked out', async () => {
    const wide = await connect('b-shared', { clean: false });
    await wide.client.subscribeAsync(['test/secret/x', 'test/public/x'], { qos: 1 });
    await wide.end();
    // The same client id comes back with narrower credentials: CONNECT succeeds, the session resumes.
    const narrowed = await connect('b-shared', { clean: false }, narrow);
    expect(narrowed.client.connected).toBe(true);
    expect(emulator.denials()).toContainEqual(
      expect.objectContaining({ action: 'iot:Subscribe', resource: arn('topicfilter', 'test/secret/x'), reason: expect.stringContaining('dropped on resume') }),
    );
    await publishViaDataPlane('test/secret/x', 'secret');
    await publishViaDataPlane('test/public/x', 'public');
    expect((await narrowed.next('test/public/x')).payload).toBe('public');
    await sleep(150);
    expect(narrowed.messages).toEqual([]);
    await narrowed.end();
    // And again: the dropped subscription stays dropped; connecting keeps working.
    const again = await connect('b-shared', { clean: false }, narrow);
    expect(again.client.connected).toBe(true);
  });
});

describe('the outbound throttle (message broker limits: publishes per second per connection)', () => {
  it('logs every QoS 1 delivery it drops (never silently), within the connection log budget', async () => {
    const sub = await connect('b-slow');
    await sub.client.subscribeAsync('test/burst', { qos: 1 });
    // Two publishers of 90 each stay under their own inbound limit; the subscriber gets 180 in well under a second.
    const publishers = [await connect('b-burst-1'), await connect('b-burst-2')];
    await Promise.all(publishers.flatMap((p) => Array.from({ length: 90 }, (_, i) => p.client.publishAsync('test/burst', String(i), { qos: 1 }))));
    await sleep(300);
    const received = sub.messages.length;
    const dropped = emulator.logs.filter((l) => l.message === 'throttled outbound delivery dropped (per-connection limit)' && l.clientId === 'b-slow');
    expect(received).toBeLessThan(180);
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped[0]).toMatchObject({ topic: 'test/burst', qos: 1 });
    expect(dropped.length).toBeLessThanOrEqual(20);
    await sub.end();
    await sleep(100);
    // When the connection closes, the drops over the log budget are counted in one line: every drop is accounted for.
    const summary = emulator.logs.find((l) => l.message === 'log lines suppressed (per-connection budget)' && l.clientId === 'b-slow');
    expect(dropped.length + Number(summary?.suppressed ?? 0)).toBe(180 - received);
  });
});

describe('IotBroker.onPublished: every message the broker routes', () => {
  it('sees client publishes, data-plane publishes, Last Wills and $aws/events, with the publisher; not refused ones', async () => {
    const seen: Array<{ topic: string; payload: string; qos: number; clientId?: string }> = [];
    const stop = emulator.broker.onPublished((topic, payload, meta) =>
      seen.push({ topic, payload: payload.toString(), qos: meta.qos, ...(meta.clientId ? { clientId: meta.clientId } : {}) }),
    );
    try {
      const c = await connect('b-hook');
      await c.client.publishAsync('test/hook', 'from-client', { qos: 1 });
      await publishViaDataPlane('test/hook', 'from-data-plane', 0);
      c.client.publish('other/denied', 'refused');
      await closesWithin(c, 2000);
      const { client } = await raw({ clientId: 'b-hook-will', will: { topic: 'test/hook/will', payload: Buffer.from('will'), qos: 1, retain: false } });
      await client.drop();
      await sleep(300);
    } finally {
      stop();
    }
    expect(seen).toContainEqual({ topic: 'test/hook', payload: 'from-client', qos: 1, clientId: 'b-hook' });
    expect(seen).toContainEqual({ topic: 'test/hook', payload: 'from-data-plane', qos: 0 });
    expect(seen).toContainEqual({ topic: 'test/hook/will', payload: 'will', qos: 1, clientId: 'b-hook-will' });
    expect(seen).toContainEqual(expect.objectContaining({ topic: '$aws/events/presence/connected/b-hook', qos: 0 }));
    expect(seen).toContainEqual(expect.objectContaining({ topic: '$aws/events/presence/disconnected/b-hook' }));
    expect(seen.filter((m) => m.topic === 'other/denied' || m.topic.startsWith('$SYS') || m.topic.startsWith('$emulator'))).toEqual([]);
    // After stop(), nothing more.
    const count = seen.length;
    await publishViaDataPlane('test/hook', 'after', 0);
    await sleep(100);
    expect(seen).toHaveLength(count);
  });
});
