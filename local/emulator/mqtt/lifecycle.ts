/**
 * Lifecycle events: the JSON messages IoT publishes on `$aws/events/...` when a client connects, disconnects, fails
 * to connect, subscribes or unsubscribes (docs/aws-iot-facts.md section 3;
 * https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html). This step owns each event's topic,
 * its fields exactly as documented and the disconnect reason; the version number is kept by lifecycle-versions.ts.
 *
 * IoT: "Client IDs that contain # or + do not receive lifecycle events" (same page): none is published for them.
 */
import { presenceTopics } from '../../../core/topics.js';
import type { EmulatorLogger } from '../log.js';
import type { Connection, DisconnectReason } from './connection.js';
import { VERSION_RESET_MS, VersionNumbers } from './lifecycle-versions.js';
import { hasWildcard } from './limits.js';

export { TRACKED_CLIENT_IDS_LIMIT, VersionNumbers } from './lifecycle-versions.js';

/** The topics of the events (connected/disconnected are shared with core/topics.ts, which the app subscribes by). */
export const lifecycleTopics = {
  connected: presenceTopics.connected,
  disconnected: presenceTopics.disconnected,
  connectFailed: (clientId: string) => `$aws/events/presence/connect_failed/${clientId}`,
  subscribed: (clientId: string) => `$aws/events/subscriptions/subscribed/${clientId}`,
  unsubscribed: (clientId: string) => `$aws/events/subscriptions/unsubscribed/${clientId}`,
};

/** `$aws/events/presence/connected/<clientId>`. */
export interface ConnectedEvent {
  clientId: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  eventType: 'connected';
  sessionIdentifier: string;
  principalIdentifier: string;
  /** IoT: "Found in connection messages only." */
  ipAddress: string;
  versionNumber: number;
}

/** `$aws/events/presence/disconnected/<clientId>`: no ipAddress; the reason and who initiated it. */
export interface DisconnectedEvent {
  clientId: string;
  timestamp: number;
  eventType: 'disconnected';
  sessionIdentifier: string;
  principalIdentifier: string;
  clientInitiatedDisconnect: boolean;
  disconnectReason: DisconnectReason;
  versionNumber: number;
}

/** `$aws/events/presence/connect_failed/<clientId>`: a CONNECT the policy refused (no session, no version number). */
export interface ConnectFailedEvent {
  clientId: string;
  timestamp: number;
  eventType: 'connect_failed';
  connectFailureReason: 'AUTHORIZATION_FAILED';
  principalIdentifier: string;
  ipAddress: string;
}

/** `$aws/events/subscriptions/subscribed|unsubscribed/<clientId>`. */
export interface SubscriptionEvent {
  clientId: string;
  timestamp: number;
  eventType: 'subscribed' | 'unsubscribed';
  sessionIdentifier: string;
  principalIdentifier: string;
  topics: string[];
}

export type LifecycleEvent = ConnectedEvent | DisconnectedEvent | ConnectFailedEvent | SubscriptionEvent;

/** Publishes one broker-originated message (QoS 0, not retained). */
export type PublishEvent = (topic: string, payload: Buffer) => void;

export interface LifecycleEventsOptions {
  publish: PublishEvent;
  logger: EmulatorLogger;
  now: () => Date;
  /** Persistent session expiry: the version number of a persistent session's client resets after it. */
  sessionExpirySeconds: number;
}

export class LifecycleEvents {
  readonly versions: VersionNumbers;

  constructor(private readonly options: LifecycleEventsOptions) {
    this.versions = new VersionNumbers(() => options.now().getTime());
  }

  /** The connection's CONNECT was accepted and the client is registered. */
  connected(clientId: string, connection: Connection, cleanSession: boolean): ConnectedEvent | undefined {
    this.options.logger.log({ level: 'info', message: 'mqtt connected', clientId, principal: connection.who, cleanSession });
    connection.versionNumber = this.versions.opened(clientId, cleanSession ? VERSION_RESET_MS : this.options.sessionExpirySeconds * 1000);
    if (hasWildcard(clientId)) return undefined;
    const event: ConnectedEvent = {
      clientId,
      timestamp: this.#timestamp(),
      eventType: 'connected',
      sessionIdentifier: connection.sessionIdentifier,
      principalIdentifier: connection.principalIdentifier,
      ipAddress: connection.sourceIp,
      versionNumber: connection.versionNumber,
    };
    this.#publish(lifecycleTopics.connected(clientId), event);
    return event;
  }

  /** The connection of a registered client closed, for the reason recorded on it (CONNECTION_LOST when none was). */
  disconnected(clientId: string, connection: Connection): DisconnectedEvent | undefined {
    const reason = connection.disconnectReason ?? 'CONNECTION_LOST';
    this.options.logger.log({ level: 'info', message: 'mqtt disconnected', clientId, reason });
    this.versions.closed(clientId);
    if (hasWildcard(clientId)) return undefined;
    const event: DisconnectedEvent = {
      clientId,
      timestamp: this.#timestamp(),
      eventType: 'disconnected',
      sessionIdentifier: connection.sessionIdentifier,
      principalIdentifier: connection.principalIdentifier,
      clientInitiatedDisconnect: reason === 'CLIENT_INITIATED_DISCONNECT',
      disconnectReason: reason,
      versionNumber: connection.versionNumber,
    };
    this.#publish(lifecycleTopics.disconnected(clientId), event);
    return event;
  }

  /**
   * IoT publishes connect_failed "when a client is unauthorized to connect or when a will topic is configured and the
   * client doesn't have permission to publish to that will topic" (life-cycle-events.html, "Connect attempt failure").
   */
  connectFailed(clientId: string, connection: Connection): ConnectFailedEvent | undefined {
    if (clientId === '' || hasWildcard(clientId)) return undefined;
    const event: ConnectFailedEvent = {
      clientId,
      timestamp: this.#timestamp(),
      eventType: 'connect_failed',
      connectFailureReason: 'AUTHORIZATION_FAILED',
      principalIdentifier: connection.principalIdentifier,
      ipAddress: connection.sourceIp,
    };
    this.#publish(lifecycleTopics.connectFailed(clientId), event);
    return event;
  }

  /** Filters a SUBSCRIBE granted, or an UNSUBSCRIBE removed (none: no event). */
  subscriptions(eventType: SubscriptionEvent['eventType'], clientId: string, connection: Connection, topics: string[]): SubscriptionEvent | undefined {
    if (topics.length === 0 || hasWildcard(clientId)) return undefined;
    const event: SubscriptionEvent = {
      clientId,
      timestamp: this.#timestamp(),
      eventType,
      sessionIdentifier: connection.sessionIdentifier,
      principalIdentifier: connection.principalIdentifier,
      topics,
    };
    this.#publish(lifecycleTopics[eventType](clientId), event);
    return event;
  }

  /** Records why a connection is closing when the broker sees it first (DISCONNECT, Close frame, takeover, keep-alive). */
  closing(connection: Connection | undefined, reason: DisconnectReason): void {
    if (connection) connection.disconnectReason = reason;
  }

  /** A client error closes the connection, unless a more specific reason was already recorded. */
  clientError(connection: Connection | undefined): void {
    if (connection && connection.disconnectReason === undefined) connection.disconnectReason = 'CLIENT_ERROR';
  }

  #timestamp(): number {
    return this.options.now().getTime();
  }

  #publish(topic: string, event: LifecycleEvent): void {
    this.options.publish(topic, Buffer.from(JSON.stringify(event)));
  }
}
