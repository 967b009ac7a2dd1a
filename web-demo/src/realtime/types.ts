/** Types of the browser realtime client. */

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

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};
