/**
 * The transport on aws-iot-device-sdk-v2 (MQTT 3.1.1 over WSS, SigV4): before every connection attempt the SDK
 * calls refreshCredentials() and signs a fresh URL; it reconnects (1 s to 10 s, random within the doubling bound)
 * and re-subscribes by itself. What it reports is put in words a person understands here.
 */
import './node-globals.js';
import './local-socket.js';
// aws-iot-device-sdk-v2's browser entry re-exports `auth`, `iot` and `mqtt` from aws-crt's browser build (the
// version the SDK pins). Importing those three modules directly keeps the SDK's shadow, jobs, greengrass and MQTT5
// code out of the bundle, which CommonJS tree-shaking would not remove.
import * as auth from 'aws-crt/dist.browser/browser/auth.js';
import * as iot from 'aws-crt/dist.browser/browser/aws_iot.js';
import * as mqtt from 'aws-crt/dist.browser/browser/mqtt.js';
import { CredentialsExpiredError, type RefreshingCredentials } from './credentials.js';
import { assertBrowser } from './environment.js';
import { sdkInternals } from './sdk-internals.js';
import type { Transport, TransportFactory } from './transport.js';

/** The SDK has no Cognito/custom provider in the browser build: subclass and implement refreshCredentials(). */
class RefreshingSdkCredentials extends auth.CredentialsProvider {
  /** Why the last refresh before an attempt failed; the attempt then fails at the broker. */
  lastError: unknown;

  constructor(private readonly credentials: RefreshingCredentials) {
    super();
  }

  override getCredentials(): auth.AWSCredentials | undefined {
    const c = this.credentials.current();
    // The signing region comes from here: it must be the endpoint's.
    return c && { aws_access_id: c.accessKeyId, aws_secret_key: c.secretAccessKey, aws_sts_token: c.sessionToken, aws_region: c.region };
  }

  /**
   * Never rejects: the SDK awaits this inside a promise executor, where a rejection would be lost (an unhandled
   * rejection, and the attempt hanging until its timeout). The attempt goes on with what is there and fails visibly.
   */
  override async refreshCredentials(): Promise<void> {
    try {
      await this.credentials.ensureFresh();
      this.lastError = undefined;
    } catch (error) {
      this.lastError = error;
    }
  }
}

/** MQTT 3.1.1 CONNACK 4 and 5 (the SDK may report their MQTT 5 forms 134 and 135): the broker refused this identity. */
const REFUSED_CODES = new Set([4, 5, 134, 135]);

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** An SDK error in words a person understands; `refused` when the broker answered and refused this identity. */
export function explainSdkError(error: unknown, credentialsError?: unknown): { reason: string; refused: boolean } {
  if (credentialsError !== undefined) {
    const cause = credentialsError instanceof CredentialsExpiredError && credentialsError.cause !== undefined ? credentialsError.cause : credentialsError;
    return { reason: `no valid credentials for the connection (${messageOf(cause)})`, refused: false };
  }
  const text = messageOf(error);
  const code = /reason code (\d+)/.exec(text)?.[1];
  if (code !== undefined) {
    const refused = REFUSED_CODES.has(Number(code));
    return {
      reason: refused
        ? `the realtime service refused this identity (not authorized, CONNACK ${code})`
        : `the realtime service refused the connection (CONNACK ${code})`,
      refused,
    };
  }
  // A WebSocket that could not open reports a bare event object: "[object Event]" in browsers, "[object Object]" in Node.
  if (/\[object (Event|ErrorEvent|CloseEvent|Object)\]/.test(text)) return { reason: 'the realtime service could not be reached', refused: false };
  if (/Pingresp timeout/i.test(text)) return { reason: 'no answer to the keep-alive ping: the connection was dead', refused: false };
  if (/Connack timeout|establishment timeout/i.test(text)) return { reason: 'the realtime service did not answer in time', refused: false };
  if (/Socket closed/i.test(text)) return { reason: 'the connection was closed', refused: false };
  if (/Server-side disconnect/i.test(text)) return { reason: 'the realtime service closed the connection', refused: false };
  return { reason: text, refused: false };
}

export const sdkTransport: TransportFactory = ({ endpoint, clientId, credentials, keepAliveSeconds, pingTimeoutMs, events }): Transport => {
  assertBrowser('sdkTransport (the RealtimeClient transport)');
  const provider = new RefreshingSdkCredentials(credentials);
  const config = iot.AwsIotMqttConnectionConfigBuilder.new_builder_for_websocket()
    .with_credential_provider(provider)
    .with_endpoint(endpoint)
    .with_client_id(clientId)
    .with_clean_session(false)
    .with_keep_alive_seconds(keepAliveSeconds)
    // The browser SDK uses it as the PINGRESP timeout (at most half the keep-alive) and as the CONNACK timeout.
    .with_ping_timeout_ms(pingTimeoutMs)
    .with_reconnect_min_sec(1)
    .with_reconnect_max_sec(10)
    .build();
  const connection = new mqtt.MqttClient().new_connection(config);
  const internals = sdkInternals(connection);
  let dropError: unknown;
  internals.onDisconnection((error) => {
    dropError = error;
  });
  // The SDK schedules its next attempt right after these events: when it comes is known a microtask later.
  const afterSchedule = (report: (retryInMs: number | undefined) => void) => queueMicrotask(() => report(internals.nextAttemptInMs()));
  connection.on('connection_success', (e) => events.connected(e.session_present));
  connection.on('interrupt', () =>
    afterSchedule((retryInMs) => {
      events.interrupted(dropError === undefined ? 'the connection dropped' : explainSdkError(dropError).reason, retryInMs);
      dropError = undefined;
    }),
  );
  connection.on('connection_failure', (e) => {
    const { reason, refused } = explainSdkError(e.error, provider.lastError);
    afterSchedule((retryInMs) => events.attemptFailed(reason, retryInMs, refused));
  });
  // The browser connection reports failures through the events above; an 'error' without a listener would throw.
  connection.on('error', (error) => events.attemptFailed(explainSdkError(error).reason, undefined, false));
  return {
    start() {
      // The first attempt's failure comes as connection_failure too, and the SDK goes on trying.
      connection.connect().catch(() => undefined);
    },
    async stop() {
      await connection.disconnect();
    },
    async subscribe(topicFilter, onMessage) {
      await connection.subscribe(topicFilter, mqtt.QoS.AtLeastOnce, (actualTopic, payload) => onMessage(actualTopic, new Uint8Array(payload)));
    },
  };
};
