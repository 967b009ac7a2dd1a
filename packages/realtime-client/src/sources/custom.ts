/**
 * Credentials for users of the app's own sign-in: `POST <apiUrl>/credentials` with the app's JWT as bearer token.
 * The response carries, besides the credentials, the session they are scoped to (client id, endpoint, topics).
 */
import type { CredentialSource, RealtimeCredentials } from '../types.js';

export interface RealtimeSession {
  clientId: string;
  iotEndpoint: string;
  topics: { subscribe: string[]; publish: string[] };
}

/** The request failed (`status` is the HTTP status) or its response is not the credentials it should be. */
export class CredentialsRequestError extends Error {
  override readonly name = 'CredentialsRequestError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }

  /** 400, 401, 403: the token or the request was refused; asking again the same way cannot succeed. */
  get permanent(): boolean {
    return this.status === 400 || this.status === 401 || this.status === 403;
  }
}

const isString = (value: unknown): value is string => typeof value === 'string' && value !== '';
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/** Checks the 200 body field by field, naming the first one that is missing or wrong. */
function parseCredentialsResponse(body: Record<string, unknown>, status: number): { credentials: RealtimeCredentials; session: RealtimeSession } {
  const invalid = (field: string) => new CredentialsRequestError(`the credentials response has no valid "${field}"`, status);
  const text = (field: string): string => {
    const value = body[field];
    if (!isString(value)) throw invalid(field);
    return value;
  };
  const credentials = {
    accessKeyId: text('accessKeyId'),
    secretAccessKey: text('secretAccessKey'),
    sessionToken: text('sessionToken'),
    expiration: new Date(text('expiration')),
    region: text('region'),
  };
  if (Number.isNaN(credentials.expiration.getTime())) throw invalid('expiration');
  const topics = body.topics;
  if (typeof topics !== 'object' || topics === null) throw invalid('topics');
  const { subscribe, publish } = topics as Record<string, unknown>;
  if (!isStringArray(subscribe) || !isStringArray(publish)) throw invalid('topics');
  return { credentials, session: { clientId: text('clientId'), iotEndpoint: text('iotEndpoint'), topics: { subscribe, publish } } };
}

export interface CustomCredentialSourceOptions {
  /**
   * Asks for the client id `<...>.<tab>` (body `{"tab"}`): one per browser tab, since two connections with one client
   * id take each other over. Credentials name exactly one client id, so every fetch asks for the same tab.
   */
  tab?: string;
  fetch?: typeof fetch;
}

export class CustomCredentialSource implements CredentialSource {
  /** Set by the first successful fetch: the client id and topics this user may use. */
  session: RealtimeSession | undefined;
  readonly #fetch: typeof fetch;
  readonly #tab: string | undefined;

  constructor(
    private readonly apiUrl: string,
    /** The app's JWT, asked for on every fetch (it may renew it meanwhile). */
    private readonly token: () => string | Promise<string>,
    options: CustomCredentialSourceOptions = {},
  ) {
    this.#fetch = options.fetch ?? ((...args) => globalThis.fetch(...args));
    this.#tab = options.tab;
  }

  async fetch(): Promise<RealtimeCredentials> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.token()}` };
    const init: RequestInit = { method: 'POST', headers };
    if (this.#tab !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify({ tab: this.#tab });
    }
    const res = await this.#fetch(`${this.apiUrl}/credentials`, init);
    const body: unknown = await res.json().catch(() => ({}));
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    if (!res.ok) {
      const message = isString(fields.message) ? fields.message : `credentials request failed (${res.status})`;
      throw new CredentialsRequestError(message, res.status);
    }
    const { credentials, session } = parseCredentialsResponse(fields, res.status);
    // An API that ignored the tab would hand every tab the same client id: they would take each other over.
    if (this.#tab !== undefined && !session.clientId.endsWith(`.${this.#tab}`)) {
      throw new CredentialsRequestError(`the credentials name the client id "${session.clientId}", not one for tab "${this.#tab}"`, res.status);
    }
    this.session = session;
    return credentials;
  }
}
