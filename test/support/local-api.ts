/** Calls to the local stack's HTTP API as a browser or script makes them, and MQTT subscribers with vended credentials. */
import { COGNITO_ACCESS_TOKEN_HEADER, type CredentialsResponse } from '../../core/contracts/http.js';
import type { LocalStack } from '../../local/stack.js';
import { connectClient, type TestClient } from './mqtt.js';
import { presignMqttUrl } from './sign.js';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export type ApiCall = (method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }) => Promise<ApiResponse>;

export function apiClient(stack: () => LocalStack): ApiCall {
  return async (method, path, options = {}) => {
    const res = await fetch(`${stack().api.url}${path}`, {
      method,
      headers: {
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
}

/** An app JWT for any valid user id, from the local issuer (POST /dev/token). */
export async function appToken(api: ApiCall, sub: string): Promise<string> {
  const res = await api('POST', '/dev/token', { body: { sub } });
  if (res.status !== 200) throw new Error(`no token for ${sub}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

/** A sign-in of the local user pool (POST /dev/cognito-token), and how a browser sends it to the API. */
export interface CognitoTestSession {
  idToken: string;
  accessToken: string;
  refreshToken: string;
  /** Spread into an ApiCall's options: the ID token as bearer, the access token of the same sign-in in its header. */
  auth: { token: string; headers: Record<string, string> };
}

export async function cognitoSession(api: ApiCall, username: string): Promise<CognitoTestSession> {
  const res = await api('POST', '/dev/cognito-token', { body: { username } });
  if (res.status !== 200) throw new Error(`no sign-in for ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  const { token, accessToken, refreshToken } = res.body as { token: string; accessToken: string; refreshToken: string };
  return { idToken: token, accessToken, refreshToken, auth: { token, headers: { [COGNITO_ACCESS_TOKEN_HEADER]: accessToken } } };
}

/** POST /credentials, then an MQTT connection over the presigned WebSocket URL, as the browser does. */
export async function appSubscriber(stack: LocalStack, api: ApiCall, token: string, tab?: string): Promise<{ client: TestClient; creds: CredentialsResponse }> {
  // Each tab asks for credentials of its own client id (the grant names exactly one).
  const res = await api('POST', '/credentials', { token, ...(tab ? { body: { tab } } : {}) });
  if (res.status !== 200) throw new Error(`credentials refused: ${res.status} ${JSON.stringify(res.body)}`);
  const creds = res.body as unknown as CredentialsResponse;
  const url = await presignMqttUrl(creds, { connectTo: stack.emulator.url, signedHost: creds.iotEndpoint, region: creds.region });
  const client = await connectClient(url, creds.clientId);
  return { client, creds };
}
