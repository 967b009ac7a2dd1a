/** Types of the realtime client: credentials, where they come from, and the connection state. */

export interface RealtimeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  /** The region the SigV4 signature must name: the IoT endpoint's. */
  region: string;
}

/** Where credentials come from: one fetch, no caching (RefreshingCredentials caches and refreshes). */
export interface CredentialSource {
  fetch(): Promise<RealtimeCredentials>;
}

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'interrupted' | 'resumed' | 'failed' | 'closed';

/** One move of the connection state; `detail` says why (the error of a failure or interruption). */
export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  detail?: string;
}

/** A message as the broker delivered it. */
export interface RawMessage {
  topic: string;
  payload: Uint8Array;
}

/** A message whose payload parsed as JSON; the caller checks its shape. */
export interface JsonMessage {
  topic: string;
  json: unknown;
}
