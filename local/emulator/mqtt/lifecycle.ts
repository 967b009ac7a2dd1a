/**
 * Lifecycle events: IoT publishes a JSON message on `$aws/events/presence/connected/<clientId>` and
 * `.../disconnected/<clientId>` when a client connects or disconnects (docs/aws-iot-facts.md section 3;
 * https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html). This step owns the event's
 * construction: its fields, the disconnect reason and the version number.
 */
import { presenceTopics } from '../../../core/topics.js';
import type { EmulatorLogger } from '../log.js';
import type { Connection, DisconnectReason } from './connection.js';

/** The JSON body of a connect or disconnect event, with the fields IoT documents. */
export interface PresenceEvent {
  clientId: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  eventType: 'connected' | 'disconnected';
  sessionIdentifier: string | undefined;
  principalIdentifier: string | undefined;
  ipAddress: string | undefined;
  versionNumber: number;
  /** Disconnect events only. */
  clientInitiatedDisconnect?: boolean;
  disconnectReason?: DisconnectReason;
}

/** Publishes one broker-originated message (QoS 0, not retained). */
export type PublishEvent = (topic: string, payload: Buffer) => void;

export interface LifecycleEventsOptions {
  publish: PublishEvent;
  logger: EmulatorLogger;
  now: () => Date;
}

export class LifecycleEvents {
  constructor(private readonly options: LifecycleEventsOptions) {}

  /** The connection's CONNECT was accepted and the client is registered. */
  connected(clientId: string, connection: Connection | undefined, cleanSession: boolean): PresenceEvent {
    this.options.logger.log({ level: 'info', message: 'mqtt connected', clientId, principal: connection?.who, cleanSession });
    const event = this.#event(clientId, 'connected', connection);
    this.options.publish(presenceTopics.connected(clientId), Buffer.from(JSON.stringify(event)));
    return event;
  }

  /** The connection of a registered client closed, for the reason recorded on it (CONNECTION_LOST when none was). */
  disconnected(clientId: string, connection: Connection | undefined): PresenceEvent {
    const reason = connection?.disconnectReason ?? 'CONNECTION_LOST';
    this.options.logger.log({ level: 'info', message: 'mqtt disconnected', clientId, reason });
    const event: PresenceEvent = {
      ...this.#event(clientId, 'disconnected', connection),
      clientInitiatedDisconnect: reason === 'CLIENT_INITIATED_DISCONNECT',
      disconnectReason: reason,
    };
    this.options.publish(presenceTopics.disconnected(clientId), Buffer.from(JSON.stringify(event)));
    return event;
  }

  /** Records why a connection is closing when the broker sees it first (DISCONNECT, takeover, keep-alive). */
  closing(connection: Connection | undefined, reason: DisconnectReason): void {
    if (connection) connection.disconnectReason = reason;
  }

  /** A client error closes the connection, unless a more specific reason was already recorded. */
  clientError(connection: Connection | undefined): void {
    if (connection && connection.disconnectReason === undefined) connection.disconnectReason = 'CLIENT_ERROR';
  }

  #event(clientId: string, eventType: PresenceEvent['eventType'], connection: Connection | undefined): PresenceEvent {
    return {
      clientId,
      timestamp: this.options.now().getTime(),
      eventType,
      sessionIdentifier: connection?.sessionIdentifier,
      principalIdentifier: connection?.who,
      ipAddress: connection?.sourceIp,
      // IoT: versionNumber orders the events of one client id. The emulator sends 0 for every event so far.
      versionNumber: 0,
    };
  }
}
