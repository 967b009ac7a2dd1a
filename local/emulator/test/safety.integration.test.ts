/**
 * The emulator is safe to leave running on a developer's machine: an oversized MQTT packet is refused before it is
 * read, only configured browser origins get in, memory is bounded, bad input is a 4xx with a clear message (never a
 * 500 or a crash). Through real clients (MQTT.js, a raw WebSocket client, fetch) against a running emulator.
 */
import { connect as netConnect } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { closesWithin, connectClient, sleep, type TestClient } from '../../../test/support/mqtt.js';
import { RawMqttClient } from '../../../test/support/raw-mqtt.js';
import { SEEDED_IDENTITY_POOL_ID } from '../../../test/support/seeded-account.js';
import { presignMqttUrl, signedFetch } from '../../../test/support/sign.js';

const WEB_ORIGIN = 'http://127.0.0.1:5173';
const EVIL_ORIGIN = 'https://evil.example';

let emulator: TestEmulator;
const open: Array<{ end(): Promise<unknown> }> = [];

beforeAll(async () => {
  emulator = await startTestEmulator({
    limits: { maxRetainedMessages: 3, maxPersistentSessions: 2, maxQueuedMessagesPerSession: 5 },
    bounds: { maxCognitoIdentities: 3 },
  });
});
beforeEach(() => {
  emulator.logs.splice(0);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.end().catch(() => undefined)));
});
afterAll(async () => emulator.close());

async function connect(clientId: string, options: Parameters<typeof connectClient>[2] = {}): Promise<TestClient> {
  const c = await connectClient(await presignMqttUrl(adminCredentials, { connectTo: emulator.url }), clientId, options);
  open.push(c);
  return c;
}

function cognito(operation: string, body: string, headers: Record<string, string> = {}) {
  return fetch(emulator.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityService.${operation}`, ...headers },
    body,
  });
}

const iot = (path: string, body = '', method = 'PUT') => signedFetch(adminCredentials, { url: emulator.url, service: 'iot', method, path, body });
const iotData = (path: string, body = 'x') =>
  signedFetch(adminCredentials, { url: emulator.url, service: 'iotdata', path, body, headers: { 'content-type': 'application/octet-stream' } });

/** The fixed header of a PUBLISH declaring `remaining` bytes. */
function publishHeader(remaining: number): Buffer {
  const bytes = [0x30];
  let n = remaining;
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return Buffer.from(bytes);
}

describe('oversized MQTT packets are refused before they are read', () => {
  it('closes a connection whose PUBLISH declares 200 MB as soon as the fixed header arrives, and says why', async () => {
    const { client, returnCode } = await RawMqttClient.connect(await presignMqttUrl(adminCredentials, { connectTo: emulator.url }), { clientId: 'big-liar' });
    expect(returnCode).toBe(0);
    const started = Date.now();
    // Only the header and a few bytes: the broker must not wait for (or buffer) the 200 MB it announces.
    client.sendBytes(Buffer.concat([publishHeader(200_000_000), Buffer.from([0, 1, 0x61])]));
    await client.closed;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(emulator.denials()).toContainEqual(
      expect.objectContaining({ action: 'MQTT packet', reason: expect.stringMatching(/declares at least \d+ bytes; IoT accepts at most 131072/) }),
    );
    // The broker is fine: the next client connects.
    expect((await connect('after-liar')).client.connected).toBe(true);
  });

  it('still takes a maximal PUBLISH (128 KB payload) spread over several WebSocket frames', async () => {
    const sub = await connect('big-sub');
    await sub.client.subscribeAsync('big/topic', { qos: 0 });
    const { client } = await RawMqttClient.connect(await presignMqttUrl(adminCredentials, { connectTo: emulator.url }), { clientId: 'big-honest' });
    open.push({ end: () => client.drop() });
    const packet = mqttPacket.generate({ cmd: 'publish', topic: 'big/topic', payload: Buffer.alloc(128 * 1024, 0x61), qos: 0, retain: false, dup: false });
    for (let i = 0; i < packet.length; i += 50_000) client.sendBytes(packet.subarray(i, i + 50_000));
    expect((await sub.next('big/topic')).payload).toHaveLength(128 * 1024);
  });
});

describe('browser origins (local, not AWS): only the configured ones, no reflected CORS', () => {
  it('refuses the WebSocket upgrade from another origin (403); accepts the web demo and clients without Origin', async () => {
    const url = await presignMqttUrl(adminCredentials, { connectTo: emulator.url });
    await expect(RawMqttClient.open(url, { origin: EVIL_ORIGIN })).rejects.toThrow(/HTTP 403/);
    await expect(RawMqttClient.open(url, { origin: 'null' })).rejects.toThrow(/HTTP 403/);
    for (const headers of [{ origin: WEB_ORIGIN }, {}] as Array<Record<string, string>>) {
      const client = await RawMqttClient.open(await presignMqttUrl(adminCredentials, { connectTo: emulator.url }), headers);
      await client.closeFrame();
    }
  });

  it('refuses HTTP requests and preflights from another origin (403, no CORS headers); names only an allowed origin', async () => {
    const evil = await cognito('GetId', JSON.stringify({ IdentityPoolId: SEEDED_IDENTITY_POOL_ID }), { origin: EVIL_ORIGIN });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(emulator.url, { method: 'OPTIONS', headers: { origin: EVIL_ORIGIN, 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await cognito('GetId', JSON.stringify({ IdentityPoolId: SEEDED_IDENTITY_POOL_ID }), { origin: WEB_ORIGIN });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
    const tool = await cognito('GetId', JSON.stringify({ IdentityPoolId: SEEDED_IDENTITY_POOL_ID }));
    expect(tool.status).toBe(200);
    expect(tool.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('/_local/* knobs refuse any web page, even an allowed origin, and answer a bad knob with 400', async () => {
    const knob = `${emulator.url}/_local/mqtt/outage?ms=1`;
    expect((await fetch(knob, { method: 'POST', headers: { origin: WEB_ORIGIN } })).status).toBe(403);
    expect((await fetch(knob, { method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await fetch(`${emulator.url}/_local/mqtt/outage?ms=abc`, { method: 'POST' })).status).toBe(400);
    const response = await fetch(knob, { method: 'POST', headers: { 'sec-fetch-site': 'none' } });
    expect(response.status).toBe(200);
    await sleep(20);
  });
});

describe('bad input is a 4xx with a clear message, never a 500', () => {
  it('Cognito Identity: bodies that are not a JSON object, and prototype keys as ids', async () => {
    for (const body of ['null', '[]', '"GetId"', '42', '{']) {
      const response = await cognito('GetId', body);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ __type: 'InvalidParameterException', message: expect.stringContaining('JSON object') });
    }
    for (const id of ['__proto__', 'constructor', 'toString']) {
      expect((await cognito('GetCredentialsForIdentity', JSON.stringify({ IdentityId: id }))).status).toBe(400);
      expect((await cognito('GetId', JSON.stringify({ IdentityPoolId: id }))).status).toBe(400);
    }
    expect((await cognito('GetId', JSON.stringify({ IdentityPoolId: SEEDED_IDENTITY_POOL_ID, Logins: [] }))).status).toBe(400);
    expect((await cognito('GetId', '{"IdentityPoolId":"x","__proto__":{"polluted":true}}')).status).toBe(400);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('a request target that is not a valid URL is a 400 (Node hands such targets over as they came)', async () => {
    const { port } = new URL(emulator.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = netConnect(Number(port), '127.0.0.1', () => socket.write('GET //[bad HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      let out = '';
      socket.on('data', (d: Buffer) => {
        out += d.toString();
      });
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toContain('not a valid URL');
  });

  it('IoT control plane: a JSON null body, malformed percent-encoding, prototype keys as policy names', async () => {
    const target = 'us-east-1:00000000-0000-4000-8000-000000000000';
    const nullBody = await iot('/target-policies/iot-realtime-local-cognito-user', 'null');
    expect(nullBody.status).toBe(400);
    expect(nullBody.body).toContain('must be a JSON object');
    expect((await iot('/target-policies/%E0%A4%A', JSON.stringify({ target }))).status).toBe(400);
    expect((await iot('/target-policies/__proto__', JSON.stringify({ target }))).status).toBe(404);
    expect((await iot('/attached-policies/__proto__', '', 'POST')).status).toBe(200);
  });

  it('IoT data plane: lax qos and retain values, NUL and malformed percent-encoding in the topic', async () => {
    for (const query of ['qos=abc', 'qos=', 'qos=1.0', 'qos=%201', 'qos=2', 'retain=yes', 'retain=1']) {
      const response = await iotData(`/topics/t/a?${query}`);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(response.headers.get('x-amzn-errortype')).toBe('InvalidRequestException');
    }
    expect((await iotData('/topics/t%00a')).status).toBe(400);
    expect((await iotData('/topics/t%E0%A4%A')).status).toBe(400);
    expect((await iotData('/topics/t/__proto__?qos=1&retain=false')).status).toBe(200);
  });

  it('MQTT: a topic with NUL closes that connection only; prototype keys work as client ids and topics', async () => {
    const nul = await connect('nul-topic');
    nul.client.publish('t/a\u0000b', 'x');
    expect(await closesWithin(nul, 2000)).toBe(true);
    for (const id of ['__proto__', 'constructor', 'hasOwnProperty']) {
      const c = await connect(id);
      await c.client.subscribeAsync('__proto__/constructor', { qos: 1 });
      await c.client.publishAsync('__proto__/constructor', id, { qos: 1 });
      expect((await c.next('__proto__/constructor')).payload).toBe(id);
      await c.end();
    }
    expect(emulator.logs.filter((l) => l.level === 'error')).toEqual([]);
  });
});

describe('memory is bounded (limits are LOCAL_* knobs)', () => {
  it('retained messages: over the limit a new retained publish is throttled (data plane 429, MQTT dropped and logged); replacing one is fine', async () => {
    for (let i = 0; i < 3; i += 1) expect((await iotData(`/topics/keep/${i}?qos=0&retain=true`)).status).toBe(200);
    const over = await iotData('/topics/keep/3?qos=0&retain=true');
    expect(over.status).toBe(429);
    expect(over.headers.get('x-amzn-errortype')).toBe('ThrottlingException');
    expect((await iotData('/topics/keep/0?qos=0&retain=true', 'replaced')).status).toBe(200);
    const pub = await connect('retain-pub');
    await pub.client.publishAsync('keep/mqtt', 'not kept', { qos: 1, retain: true });
    expect(emulator.logs).toContainEqual(expect.objectContaining({ message: expect.stringContaining('retained-message limit'), topic: 'keep/mqtt' }));
    const late = await connect('retain-late');
    await late.client.subscribeAsync(['keep/mqtt', 'keep/0'], { qos: 1 });
    expect((await late.next('keep/0')).payload).toBe('replaced');
    await sleep(150);
    expect(late.messages).toEqual([]);
    expect(emulator.broker.usage.retainedMessages).toBe(3);
  });

  it('persistent sessions: at the limit a new one is refused with CONNACK 3, and none is expired early (issue 20)', async () => {
    for (const id of ['away-1', 'away-2']) {
      const c = await connect(id, { clean: false });
      await c.client.subscribeAsync(`away/${id}`, { qos: 1 });
      await c.end();
    }
    // MQTT 3.1.1 section 3.2.2.3: return code 3, "Server unavailable".
    await expect(connect('away-3', { clean: false })).rejects.toMatchObject({ code: 3 });
    expect(emulator.logs).toContainEqual(expect.objectContaining({ message: expect.stringContaining('persistent session refused'), clientId: 'away-3' }));
    // A clean session needs no room; the sessions kept still get what was published while their clients were away.
    expect((await connect('away-clean')).client.connected).toBe(true);
    await iotData('/topics/away/away-1?qos=1', 'kept');
    const back = await connect('away-1', { clean: false });
    expect((await back.next('away/away-1')).payload).toBe('kept');
    // Ended with clean session 1, they make room again.
    await back.end();
    for (const id of ['away-1', 'away-2']) await (await connect(id, { clean: true })).end();
    expect(emulator.broker.usage.persistentSessions).toBe(0);
  });

  it('messages stored for an absent session: over the limit they are not stored, and that is logged', async () => {
    const first = await connect('queue-full', { clean: false });
    await first.client.subscribeAsync('queue/full', { qos: 1 });
    await first.end();
    for (let i = 0; i < 8; i += 1) await iotData('/topics/queue/full?qos=1', String(i));
    expect(emulator.logs.filter((l) => String(l.message).includes('queue is full'))).toHaveLength(3);
    const again = await connect('queue-full', { clean: false });
    await again.next('queue/full');
    await sleep(700);
    expect(again.messages.map((m) => m.payload)).toEqual(['1', '2', '3', '4']);
  });

  it('Cognito identities: at the limit a new one is refused (LimitExceededException), and every existing one keeps working', async () => {
    const getId = () => cognito('GetId', JSON.stringify({ IdentityPoolId: SEEDED_IDENTITY_POOL_ID }));
    // Earlier tests of this file may have made some of the 3 already.
    const ids: string[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 4 && refused === undefined; i += 1) {
      const response = await getId();
      if (response.status === 200) ids.push(((await response.json()) as { IdentityId: string }).IdentityId);
      else refused = response;
    }
    expect(ids.length).toBeGreaterThan(0);
    expect(refused?.status).toBe(400);
    expect(((await refused!.json()) as { __type: string }).__type).toBe('LimitExceededException');
    for (const id of ids) expect((await cognito('GetCredentialsForIdentity', JSON.stringify({ IdentityId: id }))).status).toBe(200);
  });
});
