/** The IoT data plane through the real @aws-sdk/client-iot-data-plane (AWS_ENDPOINT_URL_IOT_DATA_PLANE) and curl-style requests. */

import { Sha256 } from '@aws-crypto/sha256-js';
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { TopicScheme } from '../../../core/topics.js';
import { browserCredentials, functionCredentials } from '../../../test/support/credentials.js';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { connectClient, type TestClient } from '../../../test/support/mqtt.js';
import { presignMqttUrl } from '../../../test/support/sign.js';
import { LOCAL_DEPLOYMENT } from '../../local-deployment.js';

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
let emulator: TestEmulator;
let subscriber: TestClient;
const previous = process.env.AWS_ENDPOINT_URL_IOT_DATA_PLANE;

beforeAll(async () => {
  emulator = await startTestEmulator();
  process.env.AWS_ENDPOINT_URL_IOT_DATA_PLANE = emulator.url;
  subscriber = await connectClient(await presignMqttUrl(adminCredentials, { connectTo: emulator.url }), 'watcher');
  await subscriber.client.subscribeAsync(`${topics.prefix}/#`, { qos: 1 });
});
afterAll(async () => {
  if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_IOT_DATA_PLANE;
  else process.env.AWS_ENDPOINT_URL_IOT_DATA_PLANE = previous;
  await subscriber.end();
  await emulator.close();
});

const client = (credentials = functionCredentials(emulator, 'messages')) => new IoTDataPlaneClient({ region: 'us-east-1', credentials });
const bytes = (s: string) => new TextEncoder().encode(s);
/** Refusals are asserted by error code and status, not by message text. */
const forbidden = { name: 'ForbiddenException', $metadata: { httpStatusCode: 403 } };
const invalidRequest = { name: 'InvalidRequestException', $metadata: { httpStatusCode: 400 } };

describe('POST /topics/{topic}', () => {
  it('publishes for a Lambda role allowed on the topics (topic sent with %2F by the SDK)', async () => {
    // The messages role may publish to room inboxes (core/access/service-policies.ts).
    const inbox = topics.inbox('alice', 'general');
    const out = await client().send(new PublishCommand({ topic: inbox, qos: 1, payload: bytes('{"n":1}') }));
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect((await subscriber.next(inbox)).payload).toBe('{"n":1}');
  });

  it('accepts raw slashes in the path, as curl examples send them', async () => {
    const credentials = functionCredentials(emulator, 'messages');
    const url = new URL(emulator.url);
    const topic = topics.inbox('alice', 'raw');
    const signer = new SignatureV4({ service: 'iotdata', region: 'us-east-1', sha256: Sha256, credentials });
    const signed = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: `/topics/${topic}`,
        query: { qos: '1' },
        headers: { host: url.host },
        body: 'raw',
      }),
    );
    const res = await fetch(`${emulator.url}/topics/${topic}?qos=1`, { method: 'POST', headers: signed.headers, body: 'raw' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { message: string; traceId: string };
    expect(body.message).toBe('OK');
    expect(body.traceId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await subscriber.next(topic)).payload).toBe('raw');
  });

  it('answers 403 outside the topics of the role, and to browsers (who never publish)', async () => {
    await expect(client().send(new PublishCommand({ topic: 'other-app/x', payload: bytes('x') }))).rejects.toMatchObject(forbidden);
    await expect(client().send(new PublishCommand({ topic: topics.broadcast(), payload: bytes('x') }))).rejects.toMatchObject(forbidden);
    const browser = await browserCredentials(emulator, 'alice');
    await expect(client(browser).send(new PublishCommand({ topic: topics.inbox('alice', 'general'), payload: bytes('x') }))).rejects.toMatchObject(forbidden);
    expect(emulator.denials().some((d) => d.service === 'iotdata' && d.action === 'iot:Publish')).toBe(true);
  });

  it('needs iot:RetainPublish for retained messages, beyond iot:Publish', async () => {
    await expect(client().send(new PublishCommand({ topic: topics.inbox('alice', 'general'), retain: true, payload: bytes('x') }))).rejects.toMatchObject(
      forbidden,
    );
    expect(emulator.denials().some((d) => d.service === 'iotdata' && d.action === 'iot:RetainPublish')).toBe(true);
    const ok = await client(adminCredentials).send(new PublishCommand({ topic: topics.broadcast(), retain: true, payload: bytes('pinned') }));
    expect(ok.$metadata.httpStatusCode).toBe(200);
  });

  it('answers 400 to QoS 2, wildcards and reserved topics, and 413 over 128 KB', async () => {
    await expect(client(adminCredentials).send(new PublishCommand({ topic: 'a/b', qos: 2, payload: bytes('x') }))).rejects.toMatchObject(invalidRequest);
    await expect(client(adminCredentials).send(new PublishCommand({ topic: 'a/+', payload: bytes('x') }))).rejects.toMatchObject(invalidRequest);
    await expect(client(adminCredentials).send(new PublishCommand({ topic: '$aws/events/presence/connected/x', payload: bytes('x') }))).rejects.toMatchObject(
      invalidRequest,
    );
    await expect(client(adminCredentials).send(new PublishCommand({ topic: 'a/b', payload: new Uint8Array(131073) }))).rejects.toMatchObject({
      name: 'RequestEntityTooLargeException',
      $metadata: { httpStatusCode: 413 },
    });
  });

  it('answers 403 to a tampered body and to expired credentials', async () => {
    const credentials = functionCredentials(emulator, 'messages');
    const url = new URL(emulator.url);
    const signer = new SignatureV4({ service: 'iotdata', region: 'us-east-1', sha256: Sha256, credentials });
    const signed = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: `/topics/${topics.broadcast()}`,
        headers: { host: url.host },
        body: 'a',
      }),
    );
    const res = await fetch(`${emulator.url}/topics/${topics.broadcast()}`, { method: 'POST', headers: signed.headers, body: 'b' });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('SignatureDoesNotMatch');
    await expect(
      client(functionCredentials(emulator, 'messages', -1)).send(new PublishCommand({ topic: topics.broadcast(), payload: bytes('x') })),
    ).rejects.toMatchObject({
      name: 'ExpiredTokenException',
      $metadata: { httpStatusCode: 403 },
    });
  });
});
