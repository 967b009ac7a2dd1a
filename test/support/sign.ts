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

/**
 * Sends a SigV4-signed HTTP request exactly as given (a body an SDK would never send: `null`, a malformed path), for
 * tests of how the emulator answers bad input. `path` is sent as written, query included.
 */
export async function signedFetch(
  credentials: AwsCredentials,
  options: { url: string; service: string; method?: string; path: string; body?: string; headers?: Record<string, string>; region?: string },
): Promise<{ status: number; body: string; headers: Headers }> {
  const target = new URL(options.url);
  const q = options.path.indexOf('?');
  const path = q === -1 ? options.path : options.path.slice(0, q);
  const query = Object.fromEntries(new URLSearchParams(q === -1 ? '' : options.path.slice(q + 1)));
  const signer = new SignatureV4({
    service: options.service,
    region: options.region ?? 'us-east-1',
    sha256: Sha256,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    },
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: options.method ?? 'POST',
      protocol: target.protocol,
      hostname: target.hostname,
      port: Number(target.port),
      path,
      query,
      headers: { host: target.host, 'content-type': 'application/json', ...options.headers },
      body: options.body ?? '',
    }),
  );
  const response = await fetch(`${target.origin}${options.path}`, {
    method: signed.method,
    headers: signed.headers,
    ...(signed.method === 'GET' ? {} : { body: options.body ?? '' }),
  });
  return { status: response.status, body: await response.text(), headers: response.headers };
}
