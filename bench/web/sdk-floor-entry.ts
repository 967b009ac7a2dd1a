// bench:web baseline: the smallest app that opens an IoT connection through aws-iot-device-sdk-v2's own browser entry.
// The SDK's browser entry (what its package.json "browser" field resolves to).
import { auth, iot, mqtt } from 'aws-iot-device-sdk-v2/dist/browser.js';

class Static extends auth.CredentialsProvider {
  override getCredentials() {
    return { aws_access_id: 'A', aws_secret_key: 'S', aws_region: 'us-east-1' };
  }
}

export async function connect(): Promise<void> {
  const config = iot.AwsIotMqttConnectionConfigBuilder.new_builder_for_websocket()
    .with_credential_provider(new Static())
    .with_endpoint('x')
    .with_client_id('c')
    .build();
  await new mqtt.MqttClient().new_connection(config).connect();
}
