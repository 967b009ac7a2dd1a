/**
 * One user's MQTT connections (one per client id: tabs, devices) as IoT's lifecycle events describe them, and whether
 * the user is online: at least one connection open. Pure: the store and the clock are the caller's.
 *
 * IoT ("Lifecycle events", https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html):
 * - "Lifecycle messages might be sent out of order. You might receive duplicate messages."
 * - versionNumber is "monotonically increasing ... for each client ID connection" and "can be used ... to infer the
 *   order of lifecycle events"; "the connect and disconnect messages for a client connection have the same version
 *   number"; it "is reset to 0" after about an hour without a connection.
 * - timestamp is "an approximation of when the event occurred ... accuracy +/- 2 minutes".
 * So events of one client id are ordered by versionNumber, then (same connection) disconnect after connect; timestamps
 * decide only when they are too far apart to be within their accuracy, which is also what spans a version reset.
 */
import type { LifecycleEvent } from '../../core/contracts/lifecycle.js';

/** The last lifecycle event applied to one client id. */
export interface ConnectionState {
  connected: boolean;
  versionNumber: number;
  /** The event's timestamp, milliseconds since the epoch. */
  timestamp: number;
  /** Epoch seconds after which the entry says nothing any more (see the lifetimes below). */
  expiresAt: number;
}

/** By client id. */
export type Connections = Readonly<Record<string, ConnectionState>>;

/** IoT quotas: a WebSocket connection lasts at most 24 hours; a connect whose disconnect was lost means nothing after. */
export const CONNECTED_LIFETIME_SECONDS = 24 * 3600;
/** After about an hour without a connection IoT resets the version number, so a disconnect orders nothing after that. */
export const DISCONNECTED_LIFETIME_SECONDS = 3600;
/**
 * Two timestamps further apart than this are ordered by timestamp whatever their version numbers: beyond the +/- 2
 * minutes of accuracy of both, and well inside the hour after which a version number may start again at 0.
 */
export const TIMESTAMP_DECIDES_BEYOND_MS = 10 * 60 * 1000;

/** Whether `event` happened after the event that produced `stored` (false for a duplicate). */
export function isNewerThan(event: LifecycleEvent, stored: ConnectionState): boolean {
  if (Math.abs(event.timestamp - stored.timestamp) > TIMESTAMP_DECIDES_BEYOND_MS) return event.timestamp > stored.timestamp;
  if (event.versionNumber !== stored.versionNumber) return event.versionNumber > stored.versionNumber;
  // The same connection: its disconnect follows its connect; the same event twice is a duplicate.
  return stored.connected && event.eventType === 'disconnected';
}

export function isOnline(connections: Connections, nowMs: number): boolean {
  const now = nowMs / 1000;
  return Object.values(connections).some((c) => c.connected && c.expiresAt > now);
}

/** Entries that still say something at `nowMs` (an expired one is as good as absent). */
export function liveConnections(connections: Connections, nowMs: number): Record<string, ConnectionState> {
  const now = nowMs / 1000;
  return Object.fromEntries(Object.entries(connections).filter(([, c]) => c.expiresAt > now));
}

/**
 * The connections after `event`, or undefined when the event changes nothing (older than what is known, or a
 * duplicate). Expired entries are dropped. A timestamp in the future (clock skew) does not extend an entry's life.
 */
export function applyLifecycleEvent(connections: Connections, event: LifecycleEvent, nowMs: number): Record<string, ConnectionState> | undefined {
  const live = liveConnections(connections, nowMs);
  const stored = live[event.clientId];
  if (stored !== undefined && !isNewerThan(event, stored)) return undefined;
  const connected = event.eventType === 'connected';
  const lifetime = connected ? CONNECTED_LIFETIME_SECONDS : DISCONNECTED_LIFETIME_SECONDS;
  const expiresAt = Math.floor(Math.min(event.timestamp, nowMs) / 1000) + lifetime;
  return { ...live, [event.clientId]: { connected, versionNumber: event.versionNumber, timestamp: event.timestamp, expiresAt } };
}

/** When DynamoDB may delete the user's item: when its last entry expires. */
export function itemExpiry(connections: Connections): number {
  return Math.max(0, ...Object.values(connections).map((c) => c.expiresAt));
}
