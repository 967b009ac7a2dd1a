/**
 * The transport on aws-iot-device-sdk-v2 (MQTT 3.1.1 over WSS, SigV4): before every connection attempt the SDK
 * calls refreshCredentials() and signs a fresh URL; it re-subscribes after reconnects by itself.
 */
import './node-globals.js';
import './local-socket.js';
// aws-iot-device-sdk-v2's browser entry re-exports `auth`, `iot` and `mqtt` from aws-crt's browser build (the
// version the SDK pins). Importing those three modules directly keeps the SDK's shadow, jobs, greengrass and MQTT5
// code out of the bundle, which CommonJS tree-shaking would not remove.
import * as auth from 'aws-crt/dist.browser/browser/auth.js';
import * as iot from 'aws-crt/dist.browser/browser/aws_iot.js';
import * as mqtt from 'aws-crt/dist.browser/browser/mqtt.js';
import type { RefreshingCredentials } from './credentials.js';
import type { Transport, TransportFactory } from './transport.js';

/** The SDK has no Cognito/custom provider in the browser build: subclass and implement refreshCredentials(). */
class RefreshingSdkCredentials extends auth.CredentialsProvider {
  constructor(private readonly credentials: RefreshingCredentials) {
    super();
  }

  override getCredentials(): auth.AWSCredentials | undefined {
    const c = this.credentials.current();
    // The signing region comes from here: it must be the endpoint's region.
    return c && { aws_access_id: c.accessKeyId, aws_secret_key: c.secretAccessKey, aws_sts_token: c.sessionToken, aws_region: c.region };
  }

  override async refreshCredentials(): Promise<void> {
    await this.credentials.ensureFresh();
  }
}

export const sdkTransport: TransportFactory = ({ endpoint, clientId, credentials, events }): Transport => {
  const config = iot.AwsIotMqttConnectionConfigBuilder.new_builder_for_websocket()
    .with_credential_provider(new RefreshingSdkCredentials(credentials))
    .with_endpoint(endpoint)
    .with_client_id(clientId)
    .with_clean_session(false)
    .with_keep_alive_seconds(30)
    .with_reconnect_min_sec(1)
    .with_reconnect_max_sec(10)
    .build();
  const connection = new mqtt.MqttClient().new_connection(config);
  connection.on('connection_success', (e) => events.connected(e.session_present));
  connection.on('interrupt', (error) => events.interrupted(String(error)));
  connection.on('resume', (_code, sessionPresent) => events.resumed(sessionPresent));
  connection.on('connection_failure', (e) => events.failed(String(e.error)));
  connection.on('closed', () => events.closed());
  connection.on('error', (error) => events.failed(String(error)));
  return {
    async connect() {
      await connection.connect();
    },
    async subscribe(topicFilter, onMessage) {
      await connection.subscribe(topicFilter, mqtt.QoS.AtLeastOnce, (actualTopic, payload) => onMessage(actualTopic, new Uint8Array(payload)));
    },
    async disconnect() {
      await connection.disconnect();
    },
  };
};
