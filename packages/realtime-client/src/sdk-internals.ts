/**
 * The one place that reads what aws-crt's browser MqttClientConnection keeps private (checked against aws-crt
 * 1.33): its internal client's `reconnectTimepoint` and `getCurrentTime()` (when the next attempt comes: the SDK
 * draws each delay at random between its minimum and maximum) and its `disconnection` event (why a live connection
 * dropped: the public `interrupt` event carries no reason). sdk-internals.test.ts runs the real SDK and fails if an
 * upgrade changes them; should they be missing, the client still works and only cannot say when or why.
 */
interface InternalClient {
  reconnectTimepoint?: unknown;
  getCurrentTime?: unknown;
  on?: unknown;
}

export interface SdkInternals {
  /** Milliseconds until the SDK's next connection attempt, while one is scheduled. */
  nextAttemptInMs(): number | undefined;
  /** Called with the error that ended a live connection, just after the SDK's `interrupt` event. */
  onDisconnection(listener: (error: unknown) => void): void;
  /** Whether the internals this module reads are there. */
  readonly available: boolean;
}

export function sdkInternals(connection: object): SdkInternals {
  const internal = (connection as { internalClient?: InternalClient }).internalClient;
  const on =
    typeof internal?.on === 'function' ? (internal.on as (event: string, listener: (e: { error?: unknown }) => void) => void).bind(internal) : undefined;
  const now = typeof internal?.getCurrentTime === 'function' ? (internal.getCurrentTime as () => number).bind(internal) : undefined;
  return {
    available: internal !== undefined && on !== undefined && now !== undefined && 'reconnectTimepoint' in internal,
    nextAttemptInMs() {
      const at = internal?.reconnectTimepoint;
      return typeof at === 'number' && now ? Math.max(0, at - now()) : undefined;
    },
    onDisconnection(listener) {
      on?.('disconnection', (event) => listener(event?.error));
    },
  };
}
