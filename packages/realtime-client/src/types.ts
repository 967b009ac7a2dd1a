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

/**
 * The connection as a person should read it:
 * - `connecting`: the first connection is being opened.
 * - `connected`: live (after the first connection or any reconnection).
 * - `reconnecting`: not connected, the client keeps trying (`attempt`, `retryAt` say which try comes when).
 * - `offline`: the browser reports no network (at once, even while the connection has not noticed yet); when it is
 *   back: `connected` if the connection never dropped, otherwise the client tries again.
 * - `taken-over`: another connection with the same client id kept replacing this one; the client stopped
 *   reconnecting so that the other one can stay (`reconnect()` takes the client id back).
 * - `failed`: the client gave up (no credentials can be had, or the broker refuses this identity); `detail` says why.
 * - `closed`: closed by the app.
 */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline' | 'taken-over' | 'failed' | 'closed';

/** One move of the connection state, or news within `reconnecting` (the next attempt). */
export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** Why, in words a person understands: the cause of a drop, a failed attempt, or giving up. */
  detail?: string;
  /** `reconnecting`: the number of the attempt that comes next (1 is the first retry). */
  attempt?: number;
  /** `reconnecting`: when that attempt starts (epoch ms), when the transport says. */
  retryAt?: number;
  /** `connected`: whether the broker kept the persistent session (false: what was sent meanwhile is not replayed). */
  sessionPresent?: boolean;
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
