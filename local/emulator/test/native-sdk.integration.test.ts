/**
 * aws-iot-device-sdk-v2 in Node (aws-crt's native MQTT 3.1.1 client and SigV4 WebSocket handshake) against the
 * emulator: an implementation independent of ours and of MQTT.js, signing `connection;host` rather than only `host`.
 */
import { IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { auth, iot, mqtt } from 'aws-iot-device-sdk-v2';
import { TopicScheme } from '../../../core/topics.js';
import { browserCredentials } from '../../../test/support/credentials.js';
import { adminCredentials, startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { LOCAL_DEPLOYMENT } from '../../local-deployment.js';

const topics = new TopicScheme(LOCAL_DEPLOYMENT);
let emulator: TestEmulator;
const connections: mqtt.MqttClientConnection[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator();
});
// Each test asserts on the log lines (denials) it caused, never on an earlier test's.
beforeEach(() => {
  emulator.logs.splice(0);
});
afterAll(async () => {
  await Promise.all(connections.map((c) => c.disconnect().catch(() => undefined)));
  await emulator.close();
});

function nativeConnection(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, clientId: string): mqtt.MqttClientConnection {
  const config = iot.AwsIotMqttConnectionConfigBuilder.new_with_websockets({
    region: 'us-east-1',
    credentials_provider: auth.AwsCredentialsProvider.newStatic(credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken),
  })
    .with_endpoint('127.0.0.1')
    .with_port(emulator.port)
    .with_client_id(clientId)
    .with_clean_session(true)
    .build();
  // The emulator listens without TLS on loopback: drop the TLS context, keep the SigV4 WebSocket handshake.
  (config as unknown as { tls_ctx?: unknown }).tls_ctx = undefined;
  const connection = new mqtt.MqttClient().new_connection(config);
  connections.push(connection);
  return connection;
}

/** aws-crt rejects with its own error objects (not Errors of this realm), so the rejection is read directly. */
async function connectError(connection: mqtt.MqttClientConnection): Promise<unknown> {
  return connection.connect().then(
    () => undefined,
    (error: unknown) => error ?? 'rejected',
  );
}

describe('aws-iot-device-sdk-v2 (native) over SigV4 WebSockets', () => {
  it('connects with browser session credentials, subscribes to its room inbox and receives a data-plane publish', async () => {
    const alice = await browserCredentials(emulator, 'alice');
    const connection = nativeConnection(alice, alice.clientId);
    await connection.connect();
    const received = new Promise<string>(
      (resolve) =>
        void connection.subscribe(topics.inbox('alice', 'general'), mqtt.QoS.AtLeastOnce, (_topic, payload) => resolve(Buffer.from(payload).toString('utf8'))),
    );
    await new Promise((r) => setTimeout(r, 100));
    await new IoTDataPlaneClient({ region: 'us-east-1', endpoint: emulator.url, credentials: adminCredentials }).send(
      new PublishCommand({ topic: topics.inbox('alice', 'general'), qos: 1, payload: new TextEncoder().encode('native hello') }),
    );
    expect(await received).toBe('native hello');
  });

  it('is refused a client id outside its grant', async () => {
    const bob = await browserCredentials(emulator, 'bob');
    expect(await connectError(nativeConnection(bob, topics.clientId('alice')))).toBeDefined();
    expect(emulator.denials().some((d) => d.action === 'iot:Connect' && String(d.resource).endsWith('client/iot-realtime.local.alice'))).toBe(true);
  });

  it('fails the upgrade with wrong credentials', async () => {
    expect(String(await connectError(nativeConnection({ accessKeyId: adminCredentials.accessKeyId, secretAccessKey: 'wrong' }, 'native-wrong')))).toMatch(
      /WEBSOCKET_UPGRADE/,
    );
    expect(emulator.denials().some((d) => d.action === 'WebSocket upgrade' && String(d.reason).startsWith('SignatureDoesNotMatch'))).toBe(true);
  });
});
