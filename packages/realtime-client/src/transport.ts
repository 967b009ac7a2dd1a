/**
 * What RealtimeClient needs from an MQTT connection: the app uses sdkTransport (aws-iot-device-sdk-v2), tests a fake.
 * Once started, a transport reconnects by itself until it is stopped; it reports what happens, RealtimeClient decides
 * what that means (state, giving up).
 */
import type { RefreshingCredentials } from './credentials.js';

export interface TransportEvents {
  /** A CONNACK accepted a connection: the first one or a reconnection. */
  connected(sessionPresent: boolean): void;
  /** A live connection dropped; the transport tries again after `retryInMs` (when it can tell). */
  interrupted(reason: string, retryInMs: number | undefined): void;
  /**
   * A connection attempt failed (socket, CONNACK, credentials); the transport tries again after `retryInMs`.
   * `refused`: the broker answered and refused this identity (CONNACK "not authorized").
   */
  attemptFailed(reason: string, retryInMs: number | undefined, refused: boolean): void;
}

export interface Transport {
  /** Starts connecting, and reconnecting after every drop or failed attempt, until stop(). Events say how it goes. */
  start(): void;
  /** Stops: closes the connection without ending the persistent session, and makes no more attempts. */
  stop(): Promise<void>;
  /** QoS 1 subscription, once connected; the transport re-subscribes after reconnects. */
  subscribe(topicFilter: string, onMessage: (topic: string, payload: Uint8Array) => void): Promise<void>;
}

export interface TransportOptions {
  endpoint: string;
  clientId: string;
  credentials: RefreshingCredentials;
  /** MQTT keep-alive: the transport pings after this long without sending anything. */
  keepAliveSeconds: number;
  /** How long a PINGREQ or a CONNACK may go unanswered before the connection counts as dead. */
  pingTimeoutMs: number;
  events: TransportEvents;
}

export type TransportFactory = (options: TransportOptions) => Transport;
