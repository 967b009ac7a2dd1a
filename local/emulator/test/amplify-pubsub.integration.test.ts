/**
 * Amplify PubSub v6 (`@aws-amplify/pubsub`, its `PubSub` class: the AWSIoT provider over its bundled Paho MQTT
 * client), unchanged and with its documented options only (`region`, `endpoint`, `clientId`), in Node against the
 * local stack. It authenticates as Amplify documents for IoT: Amplify is configured with the stage's identity pool
 * (guest access) and user pool, and PubSub signs the WebSocket URL with SigV4 (service `iotdevicegateway`) using the
 * credentials of Amplify's `fetchAuthSession` (https://docs.amplify.aws/gen1/javascript/build-a-backend/more-features/pubsub/set-up-pubsub/).
 *
 * What Amplify needs in Node, read from its sources (dist/esm/Providers/AWSIot.mjs, MqttOverWS.mjs, vendor/paho-mqtt.mjs,
 * @aws-amplify/core Signer.mjs):
 * - a global `WebSocket` (Paho calls `new WebSocket(url, ['mqttv3.1'])`): the `ws` package, installed here;
 * - `useSSL` is always on, so Paho opens `wss://<endpoint host>/mqtt?...`; as in the web demo (packages/realtime-client
 *   local-socket.ts) that exact URL is re-routed, byte for byte, to the emulator's `ws://127.0.0.1:<port>/mqtt`, and the
 *   emulator verifies the signature against the endpoint host Amplify signed (the stage's DescribeEndpoint address);
 * - the URL: `X-Amz-Algorithm, X-Amz-Credential (…/iotdevicegateway/aws4_request), X-Amz-Date, X-Amz-SignedHeaders=host,
 *   X-Amz-Signature`, then `X-Amz-Security-Token` appended after signing (not signed, as IoT requires);
 * - MQTT 3.1 (`MQIsdp`, level 3), keep-alive 60 s, QoS 0 subscriptions; no SUBACK callback: a refused SUBSCRIBE or
 *   CONNECT is visible only as a lost connection (Hub `ConnectionStateChange`), never as an error on the observable.
 *
 * Because Amplify reports no protocol detail, the socket wrapper also reads the MQTT packets on the wire, and an admin
 * watcher reads IoT's lifecycle events: the refusals are asserted as the protocol and IoT's events show them.
 */

import { CONNECTION_STATE_CHANGE, ConnectionState, PubSub } from '@aws-amplify/pubsub';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { jest } from '@jest/globals';
import { Amplify } from 'aws-amplify';
import { fetchAuthSession } from 'aws-amplify/auth';
import { ConsoleLogger, Hub } from 'aws-amplify/utils';
import mqttPacket, { type Packet } from 'mqtt-packet';
import WebSocket from 'ws';
import type { BroadcastMessage } from '../../../core/contracts/mqtt.js';
import { TopicScheme } from '../../../core/topics.js';
import { functionCredentials } from '../../../test/support/credentials.js';
import { adminCredentials } from '../../../test/support/emulator.js';
import { connectClient, sleep, type TestClient } from '../../../test/support/mqtt.js';
import { presignMqttUrl } from '../../../test/support/sign.js';
import { STACK_START_TIMEOUT_MS } from '../../../test/support/stack-start.js';
import { LOCAL_DEPLOYMENT } from '../../local-deployment.js';
import { type LocalStack, startLocalStack } from '../../stack.js';
import { memoryLogger } from '../log.js';
import { lifecycleTopics } from '../mqtt/lifecycle.js';

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
/** Generous: the machine is shared, and Amplify waits for its own credentials before it opens the socket. */
const WAIT_MS = 20_000;
jest.setTimeout(90_000);

// ---- The global WebSocket Amplify's Paho uses: `ws`, re-routed to the emulator, with a tap on the MQTT packets. ----

interface SocketRecord {
  /** The URL Amplify asked for (before re-routing). */
  url: string;
  /** Packets Amplify sent, and packets the emulator sent back, in order. */
  sent: Packet[];
  received: Packet[];
  /** Bytes the MQTT parser could not read (none expected: both sides speak MQTT 3.1). */
  parseErrors: string[];
  closed: Promise<void>;
  socket: WebSocket;
}

const sockets: SocketRecord[] = [];
let route: { prefix: string; target: string } | undefined;

function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data as ArrayBuffer);
}

function packetTap(into: Packet[], errors: string[]): (data: unknown) => void {
  const parser = mqttPacket.parser();
  parser.on('packet', (packet) => into.push(packet));
  parser.on('error', (error) => errors.push(error.message));
  return (data) => parser.parse(toBuffer(data));
}

class RoutedWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    const requested = String(url);
    super(route && requested.startsWith(route.prefix) ? `${route.target}?${requested.slice(route.prefix.length)}` : requested, protocols);
    const record: SocketRecord = {
      url: requested,
      sent: [],
      received: [],
      parseErrors: [],
      closed: new Promise((resolve) => this.once('close', () => resolve())),
      socket: this,
    };
    sockets.push(record);
    this.on('message', packetTap(record.received, record.parseErrors));
    const tapSent = packetTap(record.sent, record.parseErrors);
    const send = this.send.bind(this);
    // The tap parses a copy of what Paho sends.
    this.send = ((data: unknown, ...rest: unknown[]) => {
      tapSent(Buffer.from(toBuffer(data)));
      return (send as (...args: unknown[]) => void)(data, ...rest);
    }) as typeof this.send;
  }
}

const connectPacket = (record: SocketRecord) => {
  const [first] = record.sent;
  if (first?.cmd !== 'connect') throw new Error(`Amplify's first packet was ${first?.cmd ?? 'nothing'}, not CONNECT`);
  return first;
};
const accepted = (record: SocketRecord) => record.received.some((p) => p.cmd === 'connack' && p.returnCode === 0);

// ---- Amplify's connection state, from its Hub (the documented way to observe PubSub's connection). ----

function connectionStates(provider: PubSub): { states: ConnectionState[]; stop: () => void } {
  const states: ConnectionState[] = [];
  const stop = Hub.listen('pubsub', ({ payload }) => {
    const data = payload.data as { provider?: unknown; connectionState?: ConnectionState } | undefined;
    if (payload.event === CONNECTION_STATE_CHANGE && data?.provider === provider && data.connectionState) states.push(data.connectionState);
  });
  return { states, stop };
}

async function until(what: string, check: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// ---- The stack, the watcher, and what each test opened. ----

let stack: LocalStack;
let log: ReturnType<typeof memoryLogger>;
let watcher: TestClient;
let endpoint: string;
const previousWebSocket = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');

interface OpenPubSub {
  pubsub: PubSub;
  unsubscribe: () => void;
  stopStates: () => void;
}
const open: OpenPubSub[] = [];

beforeAll(async () => {
  log = memoryLogger();
  stack = await startLocalStack({ emulatorPort: 0, apiPort: 0, corsOrigins: [], logger: log, functionLogLevel: 'SILENT' });
  const { webConfig } = stack;
  if (!webConfig.emulatorMqttUrl || !webConfig.identityPoolEndpoint || !webConfig.userPoolEndpoint)
    throw new Error('the local web config lacks its emulator endpoints');
  // Amplify's documented endpoint form: `wss://<DescribeEndpoint iot:Data-ATS address>/mqtt`.
  endpoint = `wss://${webConfig.iotEndpoint}/mqtt`;
  route = { prefix: `${endpoint}?`, target: webConfig.emulatorMqttUrl.replace(/\?.*$/, '') };
  Object.defineProperty(globalThis, 'WebSocket', { value: RoutedWebSocket, configurable: true, writable: true });
  // Amplify warns on every call that custom Cognito endpoints are set, which is the point locally.
  ConsoleLogger.LOG_LEVEL = 'ERROR';
  // As web-demo/src/cognito.ts configures it in local mode: identity pool with guests, user pool, local endpoints.
  Amplify.configure({
    Auth: {
      Cognito: {
        identityPoolId: webConfig.identityPoolId,
        allowGuestAccess: true,
        identityPoolEndpoint: webConfig.identityPoolEndpoint,
        userPoolId: stack.userPool.id,
        userPoolClientId: stack.userPool.clientId,
        userPoolEndpoint: webConfig.userPoolEndpoint,
      },
    },
  });
  watcher = await connectClient(await presignMqttUrl(adminCredentials, { connectTo: stack.emulator.url }), 'amplify-pubsub-watcher');
  await watcher.client.subscribeAsync(['$aws/events/presence/+/+', '$aws/events/subscriptions/+/+'], { qos: 1 });
}, STACK_START_TIMEOUT_MS);

/** Unsubscribes (Amplify then disconnects), and stops what Amplify keeps running after a refused connection. */
async function closeAll(): Promise<void> {
  // Connections still open now end here: their disconnected events are awaited, so no test sees another's events.
  const stillConnected = sockets.filter((r) => r.socket.readyState === WebSocket.OPEN && accepted(r)).map(connectPacket);
  for (const { pubsub, unsubscribe, stopStates } of open.splice(0)) {
    unsubscribe();
    stopStates();
    // Amplify internal, test clean-up only: after a refused CONNECT its reconnection timer (5 s, then every 60 s)
    // outlives every subscription, and PubSub has no public close; halting it is what a successful connect does.
    (pubsub as unknown as { reconnectionMonitor: { record(event: 'HALT_RECONNECT'): void } }).reconnectionMonitor.record('HALT_RECONNECT');
  }
  await sleep(200);
  for (const record of sockets.splice(0)) {
    if (record.socket.readyState !== WebSocket.CLOSED) record.socket.terminate();
    await record.closed;
  }
  for (const connect of stillConnected) await watcher.next(lifecycleTopics.disconnected(connect.clientId), WAIT_MS);
  watcher.messages.splice(0);
}

afterEach(closeAll);
afterAll(async () => {
  await closeAll();
  await watcher?.end();
  await stack?.close();
  if (previousWebSocket) Object.defineProperty(globalThis, 'WebSocket', previousWebSocket);
  else Reflect.deleteProperty(globalThis, 'WebSocket');
});

/** The guest's identity id, from Amplify's own session (GetId and GetCredentialsForIdentity without Logins). */
async function guestIdentityId(): Promise<string> {
  const session = await fetchAuthSession();
  if (!session.identityId || !session.credentials) throw new Error('Amplify has no guest identity or credentials');
  return session.identityId;
}

/** `new PubSub(...)` and one subscription, as an app writes it; received messages and errors are collected. */
function subscribe(options: { clientId?: string }, topic: string) {
  const pubsub = new PubSub({ region: LOCAL_DEPLOYMENT.region, endpoint, ...options });
  const { states, stop } = connectionStates(pubsub);
  const received: unknown[] = [];
  const errors: unknown[] = [];
  const subscription = pubsub.subscribe({ topics: topic }).subscribe({ next: (m) => received.push(m), error: (e) => errors.push(e) });
  open.push({ pubsub, unsubscribe: () => subscription.unsubscribe(), stopStates: stop });
  return { pubsub, states, received, errors };
}

const dataPlane = (fn: 'broadcast' | 'messages') =>
  new IoTDataPlaneClient({
    region: LOCAL_DEPLOYMENT.region,
    endpoint: stack.emulator.url,
    credentials: functionCredentials(stack.emulator, fn),
    maxAttempts: 1,
  });

async function lifecycleEvent(topic: string): Promise<Record<string, unknown>> {
  return JSON.parse((await watcher.next(topic, WAIT_MS)).payload) as Record<string, unknown>;
}

const denials = () => log.entries.filter((e) => e.message === 'denied');

describe('Amplify PubSub v6 in Node, as a Cognito guest', () => {
  it('subscribes to the broadcast topic with its signed URL and receives what the broadcast role publishes', async () => {
    const identityId = await guestIdentityId();
    const clientId = topics.clientId(identityId);
    const amplify = subscribe({ clientId }, topics.broadcast());

    // IoT's own word that the SUBSCRIBE was granted (the only grant Amplify does not report).
    expect(await lifecycleEvent(lifecycleTopics.subscribed(clientId))).toMatchObject({ clientId, eventType: 'subscribed', topics: [topics.broadcast()] });
    expect(amplify.states).toContain(ConnectionState.Connected);

    // What Amplify sent: its URL form, MQTT 3.1 with the client id passed, and the emulator's answers.
    const [socket] = sockets;
    const count = (packets: Packet[], cmd: Packet['cmd']) => packets.filter((p) => p.cmd === cmd).length;
    await until(
      'a SUBACK for each SUBSCRIBE',
      () => count(socket!.received, 'suback') > 0 && count(socket!.received, 'suback') === count(socket!.sent, 'subscribe'),
    );
    const url = new URL(socket!.url);
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe(endpoint);
    expect([...url.searchParams.keys()]).toEqual([
      'X-Amz-Algorithm',
      'X-Amz-Credential',
      'X-Amz-Date',
      'X-Amz-SignedHeaders',
      'X-Amz-Signature',
      'X-Amz-Security-Token',
    ]);
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(new RegExp(`/${LOCAL_DEPLOYMENT.region}/iotdevicegateway/aws4_request$`));
    expect(socket!.sent[0]).toMatchObject({ cmd: 'connect', protocolId: 'MQIsdp', protocolVersion: 3, clientId });
    expect(socket!.received[0]).toMatchObject({ cmd: 'connack', returnCode: 0 });
    expect(socket!.parseErrors).toEqual([]);
    // Amplify subscribes twice to the same filter (see the next test); each SUBSCRIBE is granted QoS 0.
    expect(socket!.received.slice(1)).toEqual(socket!.sent.slice(1).map(() => expect.objectContaining({ cmd: 'suback', granted: [0] })));

    const message: BroadcastMessage = {
      type: 'broadcast',
      messageId: 'amplify-pubsub-1',
      from: 'alice',
      fromName: 'Alice',
      text: 'Maintenance at noon',
      sentAt: new Date().toISOString(),
    };
    await dataPlane('broadcast').send(new PublishCommand({ topic: topics.broadcast(), qos: 1, payload: new TextEncoder().encode(JSON.stringify(message)) }));
    await until('the broadcast to reach Amplify', () => amplify.received.length > 0);
    expect(amplify.received).toHaveLength(1);
    const [delivered] = amplify.received as object[];
    // Amplify parses the payload as JSON and tags it with the topic under a symbol of its own.
    expect(JSON.parse(JSON.stringify(delivered))).toEqual(message);
    expect(Object.getOwnPropertySymbols(delivered).map((key) => (delivered as Record<symbol, unknown>)[key])).toEqual([topics.broadcast()]);
    expect(amplify.errors).toEqual([]);
  });

  it("is cut off (no SUBACK) when it subscribes to another user's inbox, and receives nothing published there", async () => {
    const identityId = await guestIdentityId();
    const clientId = topics.clientId(identityId);
    const inbox = topics.inbox('alice', 'general');
    const amplify = subscribe({ clientId }, inbox);

    // IoT on MQTT 3.1.1 answers a SUBSCRIBE the policy denies by closing the connection (no SUBACK 0x80), reason
    // AUTH_ERROR ("the client failed to authenticate or authorization failed", life-cycle-events.html); Amplify users
    // see the same from AWS as "AMQJS0008I Socket closed" on subscribe (aws-amplify/docs#460). docs/aws-iot-facts.md
    // section 2 marks the 3.1.1 close as not stated on an AWS page.
    expect(await lifecycleEvent(lifecycleTopics.disconnected(clientId))).toMatchObject({
      clientId,
      eventType: 'disconnected',
      clientInitiatedDisconnect: false,
      disconnectReason: 'AUTH_ERROR',
    });
    const [socket] = sockets;
    await socket!.closed;
    // Amplify sends the SUBSCRIBE twice (once for every registered topic after CONNACK, once for this subscription);
    // the first is refused and the connection closed, so no SUBACK at all.
    const [connect, ...subscribes] = socket!.sent;
    expect(connect).toMatchObject({ cmd: 'connect', clientId });
    expect(subscribes.length).toBeGreaterThan(0);
    for (const subscribe of subscribes) expect(subscribe).toMatchObject({ cmd: 'subscribe', subscriptions: [{ topic: inbox, qos: 0 }] });
    expect(socket!.received.map((p) => p.cmd)).toEqual(['connack']);
    expect(denials()).toContainEqual(
      expect.objectContaining({ action: 'iot:Subscribe', resource: expect.stringMatching(new RegExp(`:topicfilter/${inbox}$`)) }),
    );
    // Amplify reports it only as a lost connection; its observable neither errors nor completes.
    expect(amplify.states).toEqual(expect.arrayContaining([ConnectionState.Connected, ConnectionState.ConnectionDisrupted]));
    expect(amplify.errors).toEqual([]);

    await dataPlane('messages').send(new PublishCommand({ topic: inbox, qos: 1, payload: new TextEncoder().encode('{"text":"for alice only"}') }));
    await sleep(1500);
    expect(amplify.received).toEqual([]);
  });

  it.each([
    ["another user's client id", () => topics.clientId('alice')],
    ["Amplify's default (a random UUID, when clientId is not passed)", () => undefined],
  ])('is refused at CONNECT with %s (CONNACK 5, not authorized)', async (_case, chosenClientId) => {
    await guestIdentityId();
    const clientId = chosenClientId();
    const amplify = subscribe(clientId === undefined ? {} : { clientId }, topics.broadcast());
    await until('a socket', () => sockets.length > 0);
    const [socket] = sockets;
    await until('the CONNACK', () => socket!.received.length > 0);
    const connect = connectPacket(socket!);
    if (clientId === undefined) expect(connect.clientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    else expect(connect.clientId).toBe(clientId);
    // MQTT 3.1.1 section 3.2.2.3: return code 5, "Connection Refused, not authorized"; then the server closes.
    expect(socket!.received).toMatchObject([{ cmd: 'connack', returnCode: 5 }]);
    await socket!.closed;
    expect(await lifecycleEvent(lifecycleTopics.connectFailed(connect.clientId))).toMatchObject({
      clientId: connect.clientId,
      eventType: 'connect_failed',
      connectFailureReason: 'AUTHORIZATION_FAILED',
    });
    expect(denials()).toContainEqual(
      expect.objectContaining({ action: 'iot:Connect', resource: expect.stringMatching(new RegExp(`:client/${connect.clientId}$`)) }),
    );
    expect(amplify.states).not.toContain(ConnectionState.Connected);
    expect(amplify.errors).toEqual([]);
  });
});
