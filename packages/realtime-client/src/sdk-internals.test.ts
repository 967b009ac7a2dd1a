/**
 * The SDK's private parts the transport reads (sdk-internals.ts), checked against the real aws-crt browser build in
 * Node: a connection attempt to a closed port fails, the SDK schedules its next attempt, and the adapter reads when.
 * If an aws-crt upgrade renames or removes them, this test fails.
 */
import { createServer } from 'node:net';
import * as auth from 'aws-crt/dist.browser/browser/auth.js';
import * as iot from 'aws-crt/dist.browser/browser/aws_iot.js';
import * as mqtt from 'aws-crt/dist.browser/browser/mqtt.js';
import { sdkInternals } from './sdk-internals.js';
import { explainSdkError } from './sdk-transport.js';

class StaticCredentials extends auth.CredentialsProvider {
  override getCredentials(): auth.AWSCredentials {
    return { aws_access_id: 'AKID', aws_secret_key: 'secret', aws_sts_token: 'token', aws_region: 'us-east-1' };
  }
  override async refreshCredentials(): Promise<void> {}
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('sdkInternals (aws-crt browser build)', () => {
  // The browser build reads window.navigator.userAgent for its metrics username; the rest runs on Node as is.
  beforeAll(() => {
    Object.assign(globalThis, { window: { navigator: { userAgent: 'jest' } } });
  });
  afterAll(() => {
    Reflect.deleteProperty(globalThis, 'window');
  });

  it('finds the internal client, and reads when the next attempt comes after a failed one (between the reconnect bounds)', async () => {
    const config = iot.AwsIotMqttConnectionConfigBuilder.new_builder_for_websocket()
      .with_credential_provider(new StaticCredentials())
      .with_endpoint('127.0.0.1')
      .with_port(await closedPort())
      .with_client_id('internals-test')
      .with_reconnect_min_sec(2)
      .with_reconnect_max_sec(4)
      .build();
    const connection = new mqtt.MqttClient().new_connection(config);
    const internals = sdkInternals(connection);
    expect(internals.available).toBe(true);
    expect(internals.nextAttemptInMs()).toBeUndefined();
    const failed = new Promise<unknown>((resolve) => connection.on('connection_failure', (e) => resolve(e.error)));
    connection.connect().catch(() => undefined);
    const error = await failed;
    await Promise.resolve();
    const next = internals.nextAttemptInMs();
    await connection.disconnect();
    expect(next).toBeGreaterThanOrEqual(1900);
    expect(next).toBeLessThanOrEqual(4000);
    expect(explainSdkError(error).reason).toBe('the realtime service could not be reached');
  });

  it('degrades to "unknown" instead of failing when the internals are not there', () => {
    const internals = sdkInternals({});
    expect(internals.available).toBe(false);
    expect(internals.nextAttemptInMs()).toBeUndefined();
    expect(() => internals.onDisconnection(() => undefined)).not.toThrow();
  });
});

describe('explainSdkError', () => {
  it.each([
    [new Error('Connection rejected with reason code 5'), 'the realtime service refused this identity (not authorized, CONNACK 5)', true],
    [new Error('Connection rejected with reason code 135'), 'the realtime service refused this identity (not authorized, CONNACK 135)', true],
    [new Error('Connection rejected with reason code 3'), 'the realtime service refused the connection (CONNACK 3)', false],
    ['Error: [object Event]', 'the realtime service could not be reached', false],
    [new Error('Pingresp timeout'), 'no answer to the keep-alive ping: the connection was dead', false],
    [new Error('Connection establishment timeout'), 'the realtime service did not answer in time', false],
    [new Error('Socket closed'), 'the connection was closed', false],
  ])('%s -> %s', (error, reason, refused) => {
    expect(explainSdkError(error)).toEqual({ reason, refused });
  });

  it('names the credentials failure behind an attempt first', () => {
    expect(explainSdkError(new Error('Socket closed'), new Error('credentials request failed (503)'))).toEqual({
      reason: 'no valid credentials for the connection (credentials request failed (503))',
      refused: false,
    });
  });
});
