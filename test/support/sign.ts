/** Presigned MQTT-over-WebSocket URLs made with the AWS SDK v3 signer, the way Amplify's PubSub does it. */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Signs `GET /mqtt` for `host` (which is what the signature covers) and returns a ws:// URL to `connectTo`.
 * IoT: the session token is appended after signing, never signed.
 */
export async function presignMqttUrl(
  credentials: AwsCredentials,
  options: { connectTo: string; signedHost?: string; region?: string; signingDate?: Date; expiresIn?: number },
): Promise<string> {
  const target = new URL(options.connectTo);
  const signedHost = options.signedHost ?? target.host;
  const signer = new SignatureV4({
    service: 'iotdevicegateway',
    region: options.region ?? 'us-east-1',
    sha256: Sha256,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
  });
  const presigned = await signer.presign(
    new HttpRequest({ method: 'GET', protocol: 'wss:', hostname: signedHost, path: '/mqtt', headers: { host: signedHost } }),
    { expiresIn: options.expiresIn ?? 300, ...(options.signingDate ? { signingDate: options.signingDate } : {}) },
  );
  const query = Object.entries(presigned.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  const token = credentials.sessionToken ? `&X-Amz-Security-Token=${encodeURIComponent(credentials.sessionToken)}` : '';
  return `ws://${target.host}/mqtt?${query}${token}`;
}
