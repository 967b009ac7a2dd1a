/**
 * MQTT 5 clients against the emulator, which speaks MQTT 3.1.1 only (docs/architecture.md, ADR 7): an MQTT 5 CONNECT
 * gets an MQTT 5 CONNACK with reason code 0x84 Unsupported Protocol Version and the connection closes (MQTT 5.0
 * section 3.2.2.2), so each client can say why. Driven with MQTT.js (`protocolVersion: 5`) and aws-iot-device-sdk-v2's
 * `mqtt5.Mqtt5Client` (aws-crt native), each over a SigV4-presigned WebSocket.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { browserCredentials } from '../../../test/support/credentials.js';
import { startTestEmulator, type TestEmulator } from '../../../test/support/emulator.js';
import { type AwsCredentials, presignMqttUrl } from '../../../test/support/sign.js';

const execFileAsync = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** MQTT 5.0 section 3.2.2.2: CONNACK reason code 0x84 (132), Unsupported Protocol Version. */
const UNSUPPORTED_PROTOCOL_VERSION = 0x84;

let emulator: TestEmulator;
/** Every topic the broker routed during the current test (lifecycle events included). */
const routed: string[] = [];
let stopWatching: () => void;
beforeAll(async () => {
  emulator = await startTestEmulator();
  stopWatching = emulator.broker.onPublished((topic) => routed.push(topic));
});
beforeEach(() => {
  emulator.logs.splice(0);
  routed.splice(0);
});
afterAll(async () => {
  stopWatching();
  await emulator.close();
});

/**
 * The refusal is logged as a denial of iot:Connect naming the client, and no lifecycle event is published: IoT
 * documents connect_failed only for authorization failures, and a refused client never connected.
 */
function expectRefusalLoggedWithoutEvents(clientId: string): void {
  expect(emulator.denials()).toEqual([
    expect.objectContaining({
      action: 'iot:Connect',
      resource: expect.stringMatching(new RegExp(`client/${clientId.replace(/\./g, '\\.')}$`)),
      reason: expect.stringContaining('MQTT 5 is not emulated'),
    }),
  ]);
  expect(routed.filter((topic) => topic.startsWith('$aws/events/'))).toEqual([]);
}

describe('MQTT.js with protocolVersion 5', () => {
  it('is refused with CONNACK reason 0x84 (132), Unsupported Protocol Version, and the connection closes', async () => {
    const alice = await browserCredentials(emulator, 'alice');
    const url = await presignMqttUrl(alice, { connectTo: emulator.url });
    const client = mqtt.connect(url, { clientId: alice.clientId, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000 });
    try {
      const outcome = await new Promise<{ error: Error & { code?: number }; closed: Promise<void> }>((resolve, reject) => {
        const closed = new Promise<void>((r) => client.once('close', () => r()));
        client.once('connect', () => reject(new Error('an MQTT 5 CONNECT was accepted')));
        client.once('error', (error) => resolve({ error, closed }));
      });
      expect(outcome.error.message).toBe('Connection refused: Unsupported Protocol Version');
      expect(outcome.error.code).toBe(UNSUPPORTED_PROTOCOL_VERSION);
      await outcome.closed;
      expect(client.connected).toBe(false);
    } finally {
      client.end(true);
    }
    expectRefusalLoggedWithoutEvents(alice.clientId);
  });
});

describe("aws-iot-device-sdk-v2's Mqtt5Client (native)", () => {
  it('reports a connection failure carrying the CONNACK with reason code 132, not an invalid packet', async () => {
    const alice = await browserCredentials(emulator, 'alice');
    const report = await nativeMqtt5Attempt(alice);
    expect(report).toEqual({
      outcome: 'connectionFailure',
      // aws-c-mqtt's own words for a refusing CONNACK (given MQTT 3.1.1's CONNACK it failed to decode: "invalid packet").
      errorName: 'AWS_ERROR_MQTT5_CONNACK_CONNECTION_REFUSED',
      error: expect.not.stringMatching(/invalid packet/i),
      connack: { reasonCode: UNSUPPORTED_PROTOCOL_VERSION, reasonCodeName: 'UnsupportedProtocolVersion', reasonString: expect.stringContaining('MQTT 3.1.1') },
    });
    expectRefusalLoggedWithoutEvents(alice.clientId);
  });
});

/**
 * One connection attempt of the native Mqtt5Client, in a child process: a native Mqtt5Client keeps Node's event loop
 * alive after stop() and close() (awslabs/aws-crt-nodejs#600, open), which would leave jest hanging. The child reports
 * the first connection event as JSON and exits.
 */
async function nativeMqtt5Attempt(credentials: AwsCredentials & { clientId: string }): Promise<unknown> {
  const script = `
    import { auth, iot, mqtt5 } from 'aws-iot-device-sdk-v2';
    const env = process.env;
    const config = iot.AwsIotMqtt5ClientConfigBuilder.newWebsocketMqttBuilderWithSigv4Auth('127.0.0.1', {
      region: 'us-east-1',
      credentialsProvider: auth.AwsCredentialsProvider.newStatic(env.TEST_ACCESS_KEY_ID, env.TEST_SECRET_ACCESS_KEY, env.TEST_SESSION_TOKEN),
    })
      .withPort(Number(env.TEST_PORT))
      .withConnectProperties({ clientId: env.TEST_CLIENT_ID, keepAliveIntervalSeconds: 60 })
      .build();
    // The emulator listens without TLS on loopback: drop the TLS context, keep the SigV4 WebSocket handshake.
    config.tlsCtx = undefined;
    const client = new mqtt5.Mqtt5Client(config);
    const report = (result) => {
      process.stdout.write(JSON.stringify(result));
      process.exit(0);
    };
    client.once('connectionSuccess', () => report({ outcome: 'connectionSuccess' }));
    client.once('connectionFailure', (event) => report({
      outcome: 'connectionFailure',
      errorName: event.error.error_name,
      error: String(event.error),
      connack: event.connack && {
        reasonCode: event.connack.reasonCode,
        reasonCodeName: mqtt5.ConnectReasonCode[event.connack.reasonCode],
        reasonString: event.connack.reasonString,
      },
    }));
    setTimeout(() => report({ outcome: 'no connection event within 10 s' }), 10_000);
    client.start();
  `;
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '--no-deprecation', '-e', script], {
    cwd: REPO_ROOT,
    timeout: 15_000,
    env: {
      ...process.env,
      TEST_PORT: String(emulator.port),
      TEST_CLIENT_ID: credentials.clientId,
      TEST_ACCESS_KEY_ID: credentials.accessKeyId,
      TEST_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      TEST_SESSION_TOKEN: credentials.sessionToken ?? '',
    },
  });
  return JSON.parse(stdout) as unknown;
}
