/** Credentials for users of the app's own sign-in: POST /credentials with the app JWT. */
import type { CredentialSource, RealtimeCredentials } from '../types.js';

export interface RealtimeSession {
  clientId: string;
  iotEndpoint: string;
  topics: { subscribe: string[]; publish: string[] };
}

export class CredentialsRequestError extends Error {
  override readonly name = 'CredentialsRequestError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

interface CredentialsResponse extends RealtimeSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
  region: string;
}

export class CustomCredentialSource implements CredentialSource {
  /** Set by the first successful fetch: the client id and topics this user may use. */
  session: RealtimeSession | undefined;

  constructor(
    private readonly apiUrl: string,
    private readonly token: () => string,
    private readonly fetchImpl: typeof fetch = (...args) => globalThis.fetch(...args),
  ) {}

  async fetch(): Promise<RealtimeCredentials> {
    const res = await this.fetchImpl(`${this.apiUrl}/credentials`, { method: 'POST', headers: { authorization: `Bearer ${this.token()}` } });
    const body = (await res.json().catch(() => ({}))) as Partial<CredentialsResponse> & { message?: string };
    if (!res.ok) throw new CredentialsRequestError(body.message ?? `credentials request failed (${res.status})`, res.status);
    const r = body as CredentialsResponse;
    this.session = { clientId: r.clientId, iotEndpoint: r.iotEndpoint, topics: r.topics };
    return { accessKeyId: r.accessKeyId, secretAccessKey: r.secretAccessKey, sessionToken: r.sessionToken, expiration: new Date(r.expiration), region: r.region };
  }
}
